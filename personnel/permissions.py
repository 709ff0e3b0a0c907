"""Permission policies for the personnel admin.

Two questions, answered in two places:

- *May this user perform this action on this model at all?* The Django groups of the roles say so
  (`ROLE_GROUPS` in services.py): an HR admin adds, changes and views people and views units; a
  department head views; an issuing authority views people and views and changes units (their
  reviewer rules, R11); a superuser does everything.
- *On which objects?* Only those in the unit subtrees of the roles that grant the action, as
  `personnel.selectors` defines them. A user who is HR admin of 东区 and department head of 西区
  changes people of 东区 only, and views both.

Every personnel admin view fetches its objects through these policies (see views.py), so the
scoping rule lives in the selectors and nowhere else.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from wagtail.permission_policies import ModelPermissionPolicy

from .models import Person, RoleAssignment, Unit
from .selectors import people_visible_to, unit_is_visible_to, units_visible_to
from .services import ROLE_GROUPS

#: Holding any of these on an object means the user may see it; objects outside them do not exist for the user.
VIEW_ACTIONS = ("add", "change", "delete", "view")


def roles_granting(permission: str) -> tuple[str, ...]:
    """The roles whose group carries `permission` ("app_label.codename")."""
    return tuple(role for role, (_group, perms) in ROLE_GROUPS.items() if permission in perms)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


class UnitScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions from the role groups; instances limited to the subtrees of the roles granting them."""

    def scope_roles(self, user, actions) -> tuple[str, ...]:
        """The roles whose unit scope counts for `actions`, among those the user actually holds the permission for."""
        roles: set[str] = set()
        for action in actions:
            if self.user_has_permission(user, action):
                roles.update(roles_granting(self._get_permission_name(action)))
        return tuple(roles)

    def scoped_queryset(self, *, user, roles) -> QuerySet:
        raise NotImplementedError

    def instance_unit(self, instance) -> Unit | None:
        raise NotImplementedError

    def instances_user_has_any_permission_for(self, user, actions):
        if not _active(user):
            return self.model._default_manager.none()
        if user.is_superuser:
            return self.model._default_manager.all()
        roles = self.scope_roles(user, actions)
        if not roles:
            return self.model._default_manager.none()
        return self.scoped_queryset(user=user, roles=roles)

    def scope_units(self, user, actions) -> QuerySet[Unit]:
        """The units whose subtrees hold the objects the user may act on with `actions`."""
        if not _active(user):
            return Unit.objects.none()
        if user.is_superuser:
            return Unit.objects.all()
        roles = self.scope_roles(user, actions)
        return units_visible_to(user=user, roles=roles) if roles else Unit.objects.none()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not _active(user):
            return False
        if user.is_superuser:
            return True
        roles = self.scope_roles(user, actions)
        unit = self.instance_unit(instance)
        return bool(roles) and unit is not None and unit_is_visible_to(user=user, unit=unit, roles=roles)

    def users_with_any_permission_for_instance(self, actions, instance):
        users = self.users_with_any_permission(actions)
        unit = self.instance_unit(instance)
        if unit is None:
            return users.filter(is_superuser=True)
        roles = {role for action in actions for role in roles_granting(self._get_permission_name(action))}
        ancestor_paths = [unit.path[:end] for end in range(unit.steplen, len(unit.path) + 1, unit.steplen)]
        scoped = Q(role_assignments__role__in=roles, role_assignments__unit__path__in=ancestor_paths)
        return users.filter(Q(is_superuser=True) | scoped).distinct()


class PersonPermissionPolicy(UnitScopedPermissionPolicy):
    """人员: scoped through the person's unit. In the admin nobody reaches their own record from outside their scope."""

    _UNIT_IDS_CACHE = "_personnel_scope_unit_ids"

    def scoped_queryset(self, *, user, roles):
        return people_visible_to(user=user, roles=roles, include_self=False)

    def instance_unit(self, instance):
        return instance.unit if instance.unit_id else None

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not _active(user) or user.is_superuser or Person.unit.is_cached(instance) or not instance.unit_id:
            return super().user_has_any_permission_for_instance(user, actions, instance)
        # A person loaded without their unit (Wagtail's site history, the admin URL finder) is
        # checked against the ids of the units in scope, fetched once per request, not per row.
        roles = self.scope_roles(user, actions)
        return bool(roles) and instance.unit_id in self._scope_unit_ids(user, roles)

    def _scope_unit_ids(self, user, roles) -> frozenset[int]:
        cache = getattr(user, self._UNIT_IDS_CACHE, None)
        if cache is None:
            cache = {}
            setattr(user, self._UNIT_IDS_CACHE, cache)
        key = frozenset(roles)
        if key not in cache:
            cache[key] = frozenset(units_visible_to(user=user, roles=roles).values_list("pk", flat=True))
        return cache[key]


class UnitPermissionPolicy(UnitScopedPermissionPolicy):
    """单位: a unit is in scope when it lies in one of the user's subtrees."""

    def scoped_queryset(self, *, user, roles):
        return units_visible_to(user=user, roles=roles)

    def instance_unit(self, instance):
        return instance if instance.path else None


class RoleAssignmentPermissionPolicy(ModelPermissionPolicy):
    """角色授权: superusers only, since granting a role grants power over a subtree.

    An assignment is never edited in place: it is revoked and granted anew, so that both steps
    are in the audit log (R16).
    """

    ALLOWED_ACTIONS = ("add", "delete", "view")

    def user_has_permission(self, user, action):
        return _active(user) and user.is_superuser and action in self.ALLOWED_ACTIONS

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True, is_superuser=True)
        return users if set(actions) & set(self.ALLOWED_ACTIONS) else users.none()


person_permission_policy = PersonPermissionPolicy(Person)
unit_permission_policy = UnitPermissionPolicy(Unit)
role_assignment_permission_policy = RoleAssignmentPermissionPolicy(RoleAssignment)


def personnel_log_entries_q(user) -> Q | None:
    """A filter on Wagtail's ModelLogEntry keeping only the personnel entries of objects the user may see.

    Wagtail's site history shows every entry of a model the user holds any permission on; the
    register's entries carry people's names, so they follow the same subtree rule (R17).
    None means no restriction (superuser).
    """
    if getattr(user, "is_superuser", False) and _active(user):
        return None
    person_type = ContentType.objects.get_for_model(Person)
    unit_type = ContentType.objects.get_for_model(Unit)
    people = person_permission_policy.instances_user_has_any_permission_for(user, VIEW_ACTIONS)
    units = unit_permission_policy.instances_user_has_any_permission_for(user, VIEW_ACTIONS)
    return (
        ~Q(content_type__in=[person_type, unit_type])
        | Q(content_type=person_type, object_id__in=people.values(key=Cast("pk", CharField())))
        | Q(content_type=unit_type, object_id__in=units.values(key=Cast("pk", CharField())))
    )
