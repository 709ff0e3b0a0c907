"""Admin wiring of the portal app: the spreadsheet import screens (数据导入), and a language fix."""

from django.urls import include, path, reverse
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.admin.menu import MenuItem
from wagtail.utils.urlpatterns import decorate_urlpatterns
from wagtail.utils.version import get_main_version

from portal.imports import views

IMPORT_PERMISSION = "portal.add_importjob"

_import_patterns = [
    path("", views.ImportIndexView.as_view(), name="index"),
    path("new/", views.ImportCreateView.as_view(), name="create"),
    path("templates/<slug:kind>.xlsx", views.ImportTemplateView.as_view(), name="template"),
    path("<int:pk>/", views.ImportJobView.as_view(), name="detail"),
    path("<int:pk>/progress/", views.ImportJobProgressView.as_view(), name="progress"),
    path("<int:pk>/errors.xlsx", views.ImportErrorFileView.as_view(), name="error_file"),
]


@hooks.register("register_admin_urls")
def register_import_urls():
    patterns = decorate_urlpatterns(_import_patterns, permission_required(IMPORT_PERMISSION))
    return [path("imports/", include((patterns, "portal_imports"), namespace="portal_imports"))]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(_("数据导入"), reverse("portal_imports:index"), name="imports", icon_name="upload", order=900)


# Wagtail's own msgid, translated by Wagtail's catalogues (kept out of ours by not being a literal argument).
_WHATS_NEW_MSGID = "What's new in Wagtail %(version)s"


def _whats_new_label(version: str) -> str:
    return gettext(_WHATS_NEW_MSGID) % {"version": version}


_lazy_whats_new_label = lazy(_whats_new_label, str)


@hooks.register("construct_help_menu")
def translate_whats_new_menu_item(request, menu_items):
    """Wagtail formats this help-menu label once per process, in the language of the first admin page
    served, and then shows it to everyone; a lazy label is rendered in each user's own language."""
    version = get_main_version(include_patch=False)
    for item in menu_items:
        if item.name == f"whats-new-in-wagtail-{version}" and not isinstance(item.label, Promise):
            item.label = _lazy_whats_new_label(version)
