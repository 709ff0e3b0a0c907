"""Admin wiring for the personnel register: permission policies, the 人员管理 menu, audit-log actions."""

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Person, RoleAssignment, Unit
from .permissions import person_permission_policy, role_assignment_permission_policy, unit_permission_policy
from .views import PersonnelViewSetGroup

# Registered at import, before any view asks the registry and Wagtail falls back to a default policy.
register_permission_policy(Person, person_permission_policy)
register_permission_policy(Unit, unit_permission_policy)
register_permission_policy(RoleAssignment, role_assignment_permission_policy)


@hooks.register("register_admin_viewset")
def register_personnel_viewsets():
    return PersonnelViewSetGroup()


@hooks.register("register_log_actions")
def register_personnel_log_actions(actions):
    actions.register_action("personnel.left_active", _("离开在岗状态"), _("人员离开在岗状态"))
    actions.register_action("personnel.link_user", _("开通登录账号"), _("为人员开通并关联登录账号"))


@hooks.register("insert_global_admin_css")
def personnel_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("personnel/admin.css"))
