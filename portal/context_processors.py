"""Template context shared by every portal page: the top navigation for the current user."""

from django.urls import reverse
from django.utils.translation import gettext as _

from personnel.selectors import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    items = [{"label": _("首页"), "url": "/"}]
    show_admin = False
    if user is not None and user.is_authenticated:
        items.append({"label": _("我的信息"), "url": reverse("portal:my_profile")})
        show_admin = user.is_superuser or bool(user_roles(user=user) - {"officer"})
    return {"nav_items": items, "nav_show_admin": show_admin}
