"""The English locale: a complete catalogue, English pages for English users, and an import contract
(column headers, enumeration values) that stays Chinese whatever language the user reads."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error
from wagtail.users.models import UserProfile

from personnel.models import EmploymentKind, Person, PersonStatus, PostType, Role, UnitKind
from personnel.services import person_link_user, role_assign
from portal.imports import build_template, get_kind, run_import
from portal.models import HomePage, ImportJob, PortalSettings
from portal.services import import_job_run
from tests.factories import PersonFactory, UnitFactory, UserFactory, make_id_number
from tests.import_files import PERSONNEL_HEADER, make_xlsx, read_xlsx, sample
from tests.portal.test_site import _VisibleText, english_words

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Ideographs, CJK punctuation (、。「」) and full-width forms (，：（）). The ideographic space is
# whitespace: the unit pickers indent the tree with it in every language.
CJK = re.compile(r"[\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|\{\{ *\w+ *\}\}")
#: The language switch names Chinese in Chinese (an autonym), as language menus do.
CHINESE_AUTONYM = "简体中文"


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


def _unquote(lines: list[str]) -> str:
    text = "".join(line.strip()[1:-1] for line in lines)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def read_catalogue(path: Path) -> list[dict]:
    """The entries of a .po file: each a dict of its fields (msgctxt, msgid, msgstr[0], …) and its flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        flags: set[str] = set()
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" in fields:
            entries.append({"flags": flags, **{key: _unquote(value) for key, value in fields.items()}})
    return entries


def test_english_catalogue_translates_every_entry_without_fuzzy_ones():
    entries = [entry for entry in read_catalogue(CATALOGUE) if entry["msgid"]]
    assert len(entries) > 300
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not all(value.strip() for key, value in entry.items() if key.startswith("msgstr"))
    ]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_english_catalogue_keeps_every_placeholder_and_writes_no_chinese():
    for entry in read_catalogue(CATALOGUE):
        if not entry["msgid"]:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for key, value in entry.items():
            if key.startswith("msgstr"):
                assert sorted(PLACEHOLDER.findall(value)) == wanted, entry["msgid"]
                # 是 / 否 are the values a file must contain; they are quoted, never prose.
                assert set(CJK.findall(value)) <= {"是", "否"}, entry["msgid"]


def test_english_catalogue_has_both_plural_forms():
    plurals = [entry for entry in read_catalogue(CATALOGUE) if "msgid_plural" in entry]
    assert plurals
    for entry in plurals:
        assert entry["msgstr[0]"] != entry["msgstr[1]"]


def test_msgfmt_accepts_the_english_catalogue():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr
    assert "translated messages" in result.stderr


def test_the_compiled_catalogue_is_in_use():
    with translation.override("en"):
        assert translation.gettext("首页") == "Home", "run `make messages` to compile the catalogues"


# ---------------------------------------------------------------------------------------------
# The public site
# ---------------------------------------------------------------------------------------------


def chinese_in(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [text for text in CJK.findall(" ".join(parser.parts)) if text != CHINESE_AUTONYM]


def chinese_anywhere_in(html: str) -> list[str]:
    """For admin pages, whose menus are JSON inside script tags with the characters escaped as \\uXXXX."""
    html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), html)
    return CJK.findall(html)


@pytest.fixture
def ascii_site(db):
    """Site content and settings in ASCII: what the editors write is data, not interface."""
    home = HomePage.objects.get()
    home.title = "Training Portal"
    home.intro = "<p>Welcome.</p>"
    home.save_revision().publish()
    PortalSettings.objects.update_or_create(
        defaults={"site_title": "Training Portal", "organisation": "Sample City Bureau", "contact_phone": "12345"}
    )
    return home


@pytest.fixture
def ascii_officer(ascii_site):
    region = UnitFactory(code="R1", name="Sample City", kind=UnitKind.REGION)
    office = UnitFactory(code="R1-01", name="Legal Affairs Office", kind=UnitKind.OFFICE, parent=region)
    person = PersonFactory(
        name="Li Wenhua",
        id_number=make_id_number(sequence=321),
        unit=office,
        post_type=PostType.LEGAL_REVIEW,
        status=PersonStatus.ACTIVE,
        employment_kind=EmploymentKind.ESTABLISHED,
        appointed_on=dt.date(2016, 4, 1),
        is_public_lawyer=True,
        legal_qualification_no="A20191200000001",
        phone="13912345678",
        title="Section officer",
    )
    user = UserFactory(username="li_wenhua", first_name="Li Wenhua")
    person_link_user(person=person, user=user)
    role_assign(user=user, role=Role.HR_ADMIN, unit=region)
    return user


PUBLIC_PAGES = [("home", "/"), ("login", "/accounts/login/"), ("my_profile", "/me/")]


@pytest.mark.parametrize(("page", "url"), PUBLIC_PAGES)
def test_public_pages_in_english_show_no_chinese(client, ascii_officer, page, url):
    if page != "login":
        client.force_login(ascii_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert chinese_in(html) == []


@pytest.mark.parametrize(("page", "url"), PUBLIC_PAGES)
def test_public_pages_in_chinese_show_no_english(client, ascii_officer, page, url):
    if page != "login":
        client.force_login(ascii_officer)
    html = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in html
    data = ("Training", "Portal", "Welcome", "Sample", "City", "Bureau", "Li", "Wenhua", "Legal", "Affairs",
            "Office", "Section", "officer")
    assert english_words(html, allowed=data) == []


def test_my_profile_in_english_reads_as_english(client, ascii_officer):
    client.force_login(ascii_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/me/").content.decode()
    for text in ("My profile", "Legal review", "Active", "Established staff", "April 1, 2016",
                 "Unit HR administrator", "Public-sector lawyer", "Hosted by Sample City Bureau", "Phone: 12345"):
        assert text in html


def test_the_language_switch_turns_the_site_english(client, ascii_site):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "Sign in" in html
    assert ">简体中文</button>" in html
    assert chinese_in(html) == []


def test_the_500_page_speaks_the_requests_language(db):
    with translation.override("en"):
        html = server_error(RequestFactory().get("/")).content.decode()
    assert '<html lang="en">' in html
    assert "The system is busy. Please try again later" in html
    assert chinese_in(html) == []


# ---------------------------------------------------------------------------------------------
# The admin
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def english_admin(db):
    user = UserFactory(username="root_admin", is_superuser=True, is_staff=True)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def test_admin_person_list_is_english_for_an_english_preference(client, english_admin, django_assert_max_num_queries):
    unit = UnitFactory(code="R1", name="Sample City", kind=UnitKind.REGION)
    PersonFactory.create_batch(20, unit=unit, name="Officer", title="Inspector")
    client.force_login(english_admin)
    client.get(reverse("personnel_people:index"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("personnel_people:index"))
    html = response.content.decode()
    assert response.status_code == 200
    for label in ('"People"', '"Units"', '"Role assignments"', '"Personnel"', '"Data import"'):
        assert label in html, label
    for heading in ("ID number", "Post type", "Appointment date", "Add person", "Enforcement", "Active"):
        assert heading in html, heading
    assert chinese_anywhere_in(html) == []


def test_admin_import_page_is_english_for_an_english_preference(client, english_admin):
    client.force_login(english_admin)
    html = client.get(reverse("portal_imports:create")).content.decode()
    for text in ("Upload a file", "Units import template", "People import template", "Check only"):
        assert text in html, text
    assert chinese_anywhere_in(html) == []


def test_the_help_menu_follows_each_users_language(client, english_admin, make_user):
    """Wagtail builds its menus once per process; the first user's language must not stick."""
    chinese_admin = make_user(username="zh_admin", is_superuser=True)
    client.force_login(chinese_admin)
    assert "What's new" not in client.get(reverse("portal_imports:index")).content.decode()
    client.force_login(english_admin)
    html = client.get(reverse("portal_imports:index")).content.decode()
    assert "What's new in Wagtail" in html or "What\\u0027s new in Wagtail" in html
    assert chinese_anywhere_in(html) == []


def test_english_admin_with_a_chinese_cookie_still_gets_english(client, english_admin):
    """The admin follows the account's preference, not the public site's language cookie."""
    client.force_login(english_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("portal_imports:index")).content.decode()
    assert "Data import" in html


# ---------------------------------------------------------------------------------------------
# The import contract stays Chinese
# ---------------------------------------------------------------------------------------------


def test_an_english_user_imports_the_chinese_sample_files(db):
    with translation.override("en"):
        units = run_import(kind="units", data=sample("units.xlsx"), filename="units.xlsx")
        people = run_import(kind="personnel", data=sample("personnel.xlsx"), filename="personnel.xlsx")
    assert units.errors == [] and units.created > 0
    assert people.errors == [] and people.created > 0
    assert Person.objects.filter(status=PersonStatus.ACTIVE).exists()


def test_errors_for_an_english_user_are_english_and_name_the_chinese_column(db):
    rows = [PERSONNEL_HEADER, ["Li", make_id_number(sequence=5), "NOPE", "Enforcement"] + [""] * 7]
    with translation.override("en"):
        result = run_import(kind="personnel", data=make_xlsx(rows), filename="people.xlsx")
    by_column = {error["column"]: error["message"] for error in result.errors}
    assert by_column["岗位类别"].startswith("“Enforcement” is not a valid value for “岗位类别”; allowed values: 执法")
    assert by_column["单位编码"] == "Unit code “NOPE” does not exist"


def test_the_english_template_keeps_the_chinese_headers_and_values(db):
    with translation.override("en"):
        workbook = read_xlsx(build_template(kind=get_kind("personnel")))
    assert list(workbook) == ["People", "Instructions"]
    assert workbook["People"][0] == [column.header_with_marker for column in get_kind("personnel").columns]
    guide = {row[0]: row for row in workbook["Instructions"][1:] if row and row[0]}
    assert guide["人员状态"][1] == "Optional"
    assert guide["人员状态"][3].startswith("在岗、退休、调离、离职; blank means “在岗”")


def test_the_english_export_keeps_the_import_contract(client, english_admin):
    unit = UnitFactory(code="R1", name="Sample City", kind=UnitKind.REGION)
    PersonFactory(unit=unit, name="Officer", post_type=PostType.LEGAL_REVIEW, is_public_lawyer=True)
    client.force_login(english_admin)
    response = client.get(reverse("personnel_people:index"), {"export": "xlsx"})
    header, row = read_xlsx(b"".join(response.streaming_content))["Sheet1"][:2]
    assert header[:4] == ["姓名", "身份证号", "单位编码", "单位名称"]
    record = dict(zip(header, row))
    assert (record["岗位类别"], record["人员状态"], record["人员类别"], record["公职律师"]) == ("法制审核", "在岗", "在编", "是")


def test_import_job_messages_are_written_in_the_uploaders_language(db, english_admin, make_user):
    chinese_user = make_user(username="zh_admin", is_superuser=True)
    rows = make_xlsx([PERSONNEL_HEADER, ["Li", make_id_number(sequence=6), "NOPE", "执法"] + [""] * 7])
    messages = {}
    for user in (english_admin, chinese_user):
        job = ImportJob.objects.create(kind="personnel", original_name="people.xlsx", created_by=user,
                                       status=ImportJob.Status.RUNNING)
        job.file.save("people.xlsx", ContentFile(rows))
        # A Celery worker runs in the default language, whatever the uploader reads.
        with translation.override(settings.LANGUAGE_CODE):
            import_job_run(job=job)
        messages[user.username] = job.result["errors"][0]["message"]
    assert messages == {"root_admin": "Unit code “NOPE” does not exist", "zh_admin": "单位编码「NOPE」不存在"}
