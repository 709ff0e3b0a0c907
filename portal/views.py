from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from personnel.selectors import person_for_user, user_role_assignments


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


@login_required
def my_profile(request):
    """我的信息: the officer's own record from the register."""
    person = person_for_user(user=request.user)
    return render(
        request,
        "portal/my_profile.html",
        {"person": person, "roles": user_role_assignments(user=request.user)},
    )
