"""Template context shared by every portal page: the top navigation for the current user."""

from django.urls import reverse
from django.utils.translation import gettext as _

from personnel.models import Role
from personnel.selectors import user_roles


def _is_current(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def navigation(request):
    user = getattr(request, "user", None)
    path = getattr(request, "path", "")
    items = [{"label": _("首页"), "url": "/"}]
    show_admin = False
    user_name = ""
    if user is not None and user.is_authenticated:
        items.append({"label": _("我的信息"), "url": reverse("portal:my_profile")})
        show_admin = user.is_superuser or bool(user_roles(user=user) - {Role.OFFICER})
        user_name = user.get_full_name().strip() or user.get_username()
    if show_admin:
        items.append({"label": _("管理后台"), "url": reverse("wagtailadmin_home")})
    for item in items:
        item["current"] = _is_current(path, item["url"])
    return {"nav_items": items, "nav_show_admin": show_admin, "nav_user_name": user_name}
