"""Reads of the personnel register, and the unit-subtree scoping every view and export goes through."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Person, Role, RoleAssignment, Unit

#: Roles whose unit scope grants sight of the people and units in the subtree.
SCOPED_ROLES = (Role.HR_ADMIN, Role.DEPARTMENT_HEAD, Role.ISSUING_AUTHORITY, Role.CONTENT_EDITOR)
#: Roles that see the personnel register of their subtree.
REGISTER_ROLES = (Role.HR_ADMIN, Role.DEPARTMENT_HEAD, Role.ISSUING_AUTHORITY)

_CACHE_ATTR = "_personnel_role_cache"


def user_role_assignments(*, user) -> list[RoleAssignment]:
    """The user's role assignments, fetched once per user object (so once per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("unit"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_roles(*, user) -> set[str]:
    return {assignment.role for assignment in user_role_assignments(user=user)}


def user_scope_units(*, user, roles=REGISTER_ROLES) -> list[Unit]:
    """The top units of the user's scope for the given roles, without nested duplicates."""
    units = sorted(
        {a.unit.path: a.unit for a in user_role_assignments(user=user) if a.role in roles and a.unit_id}.values(),
        key=lambda unit: unit.path,
    )
    tops: list[Unit] = []
    for unit in units:
        if not any(unit.path.startswith(top.path) for top in tops):
            tops.append(unit)
    return tops


def unit_scope_q(*, user, prefix: str = "", roles=REGISTER_ROLES) -> Q | None:
    """A filter restricting a queryset to the user's subtrees; None means no restriction (superuser).

    `prefix` is the lookup path from the queried model to its Unit ("" for Unit, "unit__" for Person).
    A user without any scoped role gets a filter that matches nothing.
    """
    if getattr(user, "is_superuser", False):
        return None
    q = Q(pk__in=[])
    for unit in user_scope_units(user=user, roles=roles):
        q |= unit.subtree_q(prefix)
    return q


def units_visible_to(*, user, roles=REGISTER_ROLES) -> QuerySet[Unit]:
    q = unit_scope_q(user=user, roles=roles)
    units = Unit.objects.all()
    return units if q is None else units.filter(q)


def people_visible_to(*, user, roles=REGISTER_ROLES, include_self: bool = True) -> QuerySet[Person]:
    """People the user may see: their subtrees for the register roles; an officer sees only themself.

    The admin passes `include_self=False`: there a person's own record is reached through a role's
    subtree like anybody else's, so an HR admin cannot edit themself from outside their scope.
    """
    people = Person.objects.all()
    q = unit_scope_q(user=user, prefix="unit__", roles=roles)
    if q is None:
        return people
    if include_self and getattr(user, "is_authenticated", False):
        q |= Q(user=user)
    return people.filter(q)


def unit_is_visible_to(*, user, unit: Unit, roles=REGISTER_ROLES) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(unit.path.startswith(top.path) for top in user_scope_units(user=user, roles=roles))


def person_for_user(*, user) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.select_related("unit").filter(user=user).first()


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    """The chain of units from the root down to the unit's parent, in one query."""
    steplen = unit.steplen
    paths = [unit.path[:i] for i in range(steplen, len(unit.path), steplen)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def unit_search(*, queryset: QuerySet[Unit], text: str) -> QuerySet[Unit]:
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(Q(code__icontains=text) | Q(name__icontains=text))


def person_search(*, queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(Q(name__icontains=text) | Q(id_number__iexact=text.upper()) | Q(unit__name__icontains=text))
