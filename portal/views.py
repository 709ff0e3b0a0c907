"""The public site's own views: login, logout and the officer's profile. Pages are served by Wagtail."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from personnel.selectors import person_for_user, unit_ancestors, user_role_assignments


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


class PortalLogoutView(auth_views.LogoutView):
    """退出登录: POST only (Django refuses a GET), then back to the home page with a notice."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("您已安全退出登录。"))
        return response


def _masked_phone(phone: str) -> str:
    """Show a phone number's first 3 and last 4 digits only (R17)."""
    if len(phone) < 8:
        return phone
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


@login_required
def my_profile(request):
    """我的信息: the officer's own record from the register, with the unit path from the root."""
    person = person_for_user(user=request.user)
    unit_path = [*unit_ancestors(unit=person.unit), person.unit] if person else []
    return render(
        request,
        "portal/my_profile.html",
        {
            "person": person,
            "unit_path": unit_path,
            "masked_phone": _masked_phone(person.phone) if person else "",
            "roles": user_role_assignments(user=request.user),
        },
    )
