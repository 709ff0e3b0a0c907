"""Unit-subtree scoping: the one rule every view, export and admin screen goes through."""

from __future__ import annotations

import pytest

from personnel.models import Role
from personnel.selectors import (
    REGISTER_ROLES,
    people_visible_to,
    person_search,
    unit_ancestors,
    unit_is_visible_to,
    unit_scope_q,
    units_visible_to,
    user_role_assignments,
    user_scope_units,
)
from personnel.services import person_link_user, role_assign
from tests.factories import PersonFactory, UserFactory


@pytest.fixture
def people(city):
    return {key: PersonFactory(unit=city[key], name=f"{key}-person") for key in ("east_dept", "east_office", "east_town", "west_dept")}


def _names(queryset) -> set[str]:
    return {person.name for person in queryset}


def test_hr_admin_sees_their_subtree_only(city, people, east_hr):
    assert _names(people_visible_to(user=east_hr)) == {"east_dept-person", "east_office-person", "east_town-person"}
    assert {unit.code for unit in units_visible_to(user=east_hr)} == {
        city[key].code for key in ("east", "east_dept", "east_office", "east_town")
    }


def test_nested_scopes_collapse_to_the_top_unit(city, make_user):
    user = make_user(Role.HR_ADMIN, city["east_dept"])
    role_assign(user=user, role=Role.HR_ADMIN, unit=city["east"])
    role_assign(user=user, role=Role.HR_ADMIN, unit=city["east_office"])
    user = type(user).objects.get(pk=user.pk)
    assert [unit.code for unit in user_scope_units(user=user)] == [city["east"].code]


def test_multiple_roles_add_up_and_can_be_narrowed_by_role(city, people, make_user):
    user = make_user(Role.HR_ADMIN, city["east_town"])
    role_assign(user=user, role=Role.DEPARTMENT_HEAD, unit=city["west"])
    user = type(user).objects.get(pk=user.pk)
    assert _names(people_visible_to(user=user)) == {"east_town-person", "west_dept-person"}
    assert _names(people_visible_to(user=user, roles=(Role.HR_ADMIN,))) == {"east_town-person"}
    assert unit_is_visible_to(user=user, unit=city["west_dept"])
    assert not unit_is_visible_to(user=user, unit=city["west_dept"], roles=(Role.HR_ADMIN,))


def test_content_editor_scope_does_not_open_the_register(city, people, make_user):
    editor = make_user(Role.CONTENT_EDITOR, city["region"])
    assert _names(people_visible_to(user=editor)) == set()
    assert units_visible_to(user=editor).count() == 0


def test_superuser_is_unrestricted(city, people, superuser):
    assert unit_scope_q(user=superuser) is None
    assert _names(people_visible_to(user=superuser)) == {person.name for person in people.values()}
    assert unit_is_visible_to(user=superuser, unit=city["west_dept"])


def test_user_without_roles_sees_nothing(city, people):
    nobody = UserFactory()
    assert not people_visible_to(user=nobody).exists()
    assert not units_visible_to(user=nobody).exists()


def test_officer_sees_only_themself_and_the_admin_scope_excludes_them(city, people, make_user):
    officer = make_user(Role.OFFICER)
    person_link_user(person=people["east_office"], user=officer)
    assert _names(people_visible_to(user=officer)) == {"east_office-person"}
    assert not people_visible_to(user=officer, include_self=False).exists()


def test_sibling_code_prefix_does_not_leak_into_a_scope(city, make_user):
    # Paths, not codes, define the subtree: 东区 (120101) must not see a unit coded 1201019 elsewhere.
    from tests.factories import UnitFactory

    stray = UnitFactory(code="1201019", name="他处单位", kind="department", parent=city["west"])
    user = make_user(Role.HR_ADMIN, city["east"])
    assert not unit_is_visible_to(user=user, unit=stray)


def test_role_assignments_are_fetched_once_per_user_object(city, east_hr, django_assert_num_queries):
    user = type(east_hr).objects.get(pk=east_hr.pk)
    with django_assert_num_queries(1):
        user_role_assignments(user=user)
        user_scope_units(user=user, roles=REGISTER_ROLES)
        unit_is_visible_to(user=user, unit=city["east_dept"])


def test_unit_ancestors_are_root_first(city):
    assert [unit.code for unit in unit_ancestors(unit=city["east_office"])] == ["120000", "120101", "12010101"]


@pytest.mark.parametrize(
    "text,expected",
    [("east_d", {"east_dept-person"}), ("东湖", {"east_town-person"}), ("", None), ("  ", None)],
)
def test_person_search_by_name_or_unit_name(city, people, text, expected):
    from personnel.models import Person

    found = _names(person_search(queryset=Person.objects.all(), text=text))
    assert found == (expected if expected is not None else {person.name for person in people.values()})


def test_person_search_matches_an_id_number_whole_and_case_insensitively(city, people):
    from personnel.models import Person

    target = people["west_dept"]
    assert _names(person_search(queryset=Person.objects.all(), text=target.id_number.lower())) == {target.name}
    assert not person_search(queryset=Person.objects.all(), text=target.id_number[:10]).exists()
