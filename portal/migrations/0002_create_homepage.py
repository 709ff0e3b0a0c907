from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's welcome page with the portal's home page, as Wagtail's project template does."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("portal.HomePage")

    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    if HomePage.objects.exists():
        return
    homepage_content_type, _created = ContentType.objects.get_or_create(model="homepage", app_label="portal")
    locale = Locale.objects.filter(language_code="zh-hans").first() or Locale.objects.first()
    if locale is None:
        locale = Locale.objects.create(language_code="zh-hans")
    homepage = HomePage.objects.create(
        title="执法人员培训·考试·证件管理平台",
        draft_title="执法人员培训·考试·证件管理平台",
        slug="home",
        content_type=homepage_content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        intro="<p>面向行政执法人员的在线培训、资格考试、执法证件管理与公开查询平台。</p>",
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": homepage, "site_name": "执法人员培训·考试·证件管理平台"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
