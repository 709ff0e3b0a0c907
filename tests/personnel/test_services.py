"""Changes to the personnel register: validation, audit entries (R16), tree rules, roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from personnel.models import Person, PersonStatus, PostType, Role, RoleAssignment, Unit, UnitKind
from personnel.services import (
    ROLE_GROUPS,
    ensure_role_groups,
    person_create,
    person_create_account,
    person_delete,
    person_link_user,
    person_update,
    role_assign,
    role_revoke,
    unit_create,
    unit_delete,
    unit_update,
)
from portal.errors import ApplicationError
from tests.factories import PersonFactory, UserFactory, make_id_number


def _logs(obj):
    return ModelLogEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk)).order_by("pk")


def _person_values(unit, **overrides):
    values = {"name": "李明", "id_number": make_id_number(sequence=321), "unit": unit, "post_type": PostType.ENFORCEMENT}
    values.update(overrides)
    return values


# People -------------------------------------------------------------------------------------


def test_person_create_normalises_the_id_number_and_logs_the_actor(city, superuser):
    number = make_id_number(sequence=321)
    person = person_create(actor=superuser, **_person_values(city["east_dept"], id_number=number.lower() + " "))
    assert person.id_number == number
    assert [(entry.action, entry.user_id) for entry in _logs(person)] == [("wagtail.create", superuser.pk)]


def test_person_create_refuses_a_bad_id_number_and_writes_nothing(city):
    with pytest.raises(ApplicationError) as exc:
        person_create(**_person_values(city["east_dept"], id_number="120101850615001"))
    assert exc.value.message == "不支持15位旧身份证号，请填写18位身份证号"
    assert exc.value.extra == {"field": "id_number"}
    assert not Person.objects.exists() and not ModelLogEntry.objects.exists()


def test_person_create_refuses_a_registered_id_number(city):
    existing = PersonFactory(unit=city["west_dept"])
    with pytest.raises(ApplicationError, match="身份证号已登记"):
        person_create(**_person_values(city["east_dept"], id_number=existing.id_number))


def test_person_update_logs_one_entry_with_only_the_changed_fields(city, east_hr):
    person = PersonFactory(unit=city["east_dept"], title="科员")
    person_update(person=person, actor=east_hr, name=person.name, title="科长", unit=city["east_office"])
    (entry,) = _logs(person)
    assert (entry.action, entry.user_id) == ("wagtail.edit", east_hr.pk)
    assert entry.data["changes"] == {"title": ["科员", "科长"], "unit": [city["east_dept"].code, city["east_office"].code]}


def test_person_update_without_changes_logs_nothing(city):
    person = PersonFactory(unit=city["east_dept"])
    person_update(person=person, name=person.name, post_type=person.post_type)
    assert not _logs(person).exists()


def test_person_update_refuses_another_persons_id_number(city):
    first, second = PersonFactory(unit=city["east_dept"]), PersonFactory(unit=city["east_dept"])
    with pytest.raises(ApplicationError, match="身份证号已登记"):
        person_update(person=second, id_number=first.id_number)
    second.refresh_from_db()
    assert second.id_number != first.id_number


def test_leaving_active_status_is_recorded_for_the_departure_rule(city, east_hr):
    person = PersonFactory(unit=city["east_dept"])
    person_update(person=person, actor=east_hr, status=PersonStatus.RETIRED)
    assert [entry.action for entry in _logs(person)] == ["wagtail.edit", "personnel.left_active"]


def test_person_link_user_moves_the_account_and_grants_the_officer_role(city, east_hr):
    account = UserFactory()
    first, second = PersonFactory(unit=city["east_dept"]), PersonFactory(unit=city["east_dept"])
    person_link_user(person=first, user=account, actor=east_hr)
    person_link_user(person=second, user=account, actor=east_hr)
    first.refresh_from_db()
    assert first.user_id is None and Person.objects.get(user=account) == second
    assert RoleAssignment.objects.filter(user=account, role=Role.OFFICER).count() == 1
    assert account.groups.filter(name=ROLE_GROUPS[Role.OFFICER][0]).exists()


def test_person_create_account_creates_links_and_audits(city, east_hr):
    person = PersonFactory(unit=city["east_dept"], name="周正")
    account = person_create_account(person=person, username=" zhou ", password="Zhifa-2025-pass", actor=east_hr)
    person.refresh_from_db()
    assert (account.username, account.first_name, person.user) == ("zhou", "周正", account)
    assert [entry.action for entry in _logs(person)] == ["personnel.link_user"]


@pytest.mark.parametrize(
    "username,password,message",
    [
        ("Taken", "Zhifa-2025-pass", "该用户名已被使用"),
        ("", "Zhifa-2025-pass", "请填写用户名"),
    ],
)
def test_person_create_account_refusals(city, username, password, message):
    UserFactory(username="taken")
    person = PersonFactory(unit=city["east_dept"])
    with pytest.raises(ApplicationError, match=message):
        person_create_account(person=person, username=username, password=password)
    person.refresh_from_db()
    assert person.user_id is None


def test_person_create_account_refuses_a_weak_password_and_leaves_no_account(city):
    from django.contrib.auth import get_user_model

    person = PersonFactory(unit=city["east_dept"])
    with pytest.raises(ApplicationError) as exc:
        person_create_account(person=person, username="weakling", password="123")
    assert exc.value.extra == {"field": "password"}
    assert not get_user_model().objects.filter(username="weakling").exists()


def test_person_create_account_refuses_a_person_who_has_one(city):
    person = PersonFactory(unit=city["east_dept"])
    person_link_user(person=person, user=UserFactory())
    with pytest.raises(ApplicationError, match="该人员已关联登录账号"):
        person_create_account(person=person, username="second", password="Zhifa-2025-pass")


def test_person_delete_logs_before_removing(city, superuser):
    person = PersonFactory(unit=city["east_dept"])
    pk = person.pk
    person_delete(person=person, actor=superuser)
    assert not Person.objects.filter(pk=pk).exists()
    entry = ModelLogEntry.objects.get(object_id=str(pk), content_type__model="person")
    assert (entry.action, entry.user_id, entry.deleted) == ("wagtail.delete", superuser.pk, True)


# Units --------------------------------------------------------------------------------------


def test_unit_create_under_a_parent_is_audited(city, superuser):
    unit = unit_create(parent=city["east"], actor=superuser, code="12010109", name="东区城管局", kind=UnitKind.DEPARTMENT)
    assert unit.get_parent().pk == city["east"].pk
    assert [(entry.action, entry.user_id) for entry in _logs(unit)] == [("wagtail.create", superuser.pk)]


def test_unit_create_refuses_a_taken_code_and_a_non_office_under_an_office(city):
    with pytest.raises(ApplicationError, match="单位编码已存在"):
        unit_create(parent=city["east"], code=city["east_dept"].code, name="重复", kind=UnitKind.DEPARTMENT)
    with pytest.raises(ApplicationError, match="内设机构下只能设置内设机构"):
        unit_create(parent=city["east_office"], code="X1", name="科下机关", kind=UnitKind.DEPARTMENT)


@pytest.mark.parametrize("new_parent", ["east_dept", "east_office"])
def test_unit_update_refuses_a_cycle_and_changes_nothing(city, new_parent):
    east_dept = city["east_dept"]
    with pytest.raises(ApplicationError, match="上级单位不能是本单位或其下级单位") as exc:
        unit_update(unit=east_dept, parent=Unit.objects.get(pk=city[new_parent].pk), name="改名")
    assert exc.value.extra == {"field": "parent"}
    fresh = Unit.objects.get(pk=east_dept.pk)
    assert fresh.get_parent().pk == city["east"].pk and fresh.name == "东区市场监管局"
    assert not _logs(east_dept).exists()


def test_unit_update_moves_a_subtree_and_records_the_parent_change(city, superuser):
    unit_update(unit=city["east_dept"], parent=Unit.objects.get(pk=city["west"].pk), actor=superuser)
    office = Unit.objects.get(pk=city["east_office"].pk)
    assert office.path.startswith(Unit.objects.get(pk=city["west"].pk).path)
    (entry,) = _logs(city["east_dept"])
    assert entry.data["changes"] == {"parent": [city["east"].code, city["west"].code]}


def test_unit_delete_refuses_units_with_children_or_people(city):
    with pytest.raises(ApplicationError, match="该单位下还有下级单位，不能删除"):
        unit_delete(unit=city["east_dept"])
    PersonFactory(unit=city["east_town"])
    with pytest.raises(ApplicationError, match="该单位下还有人员，不能删除"):
        unit_delete(unit=city["east_town"])
    assert Unit.objects.filter(pk__in=[city["east_dept"].pk, city["east_town"].pk]).count() == 2


def test_unit_delete_of_an_empty_unit_is_audited(city, superuser):
    pk = city["east_office"].pk
    unit_delete(unit=Unit.objects.get(pk=pk), actor=superuser)
    assert not Unit.objects.filter(pk=pk).exists()
    assert ModelLogEntry.objects.get(object_id=str(pk), content_type__model="unit").action == "wagtail.delete"
    assert Unit.objects.get(pk=city["east_dept"].pk).get_children_count() == 0


# Roles --------------------------------------------------------------------------------------


def test_role_assign_adds_the_roles_group_and_is_idempotent(city, superuser):
    user = UserFactory()
    first = role_assign(user=user, role=Role.HR_ADMIN, unit=city["east"], actor=superuser)
    again = role_assign(user=user, role=Role.HR_ADMIN, unit=city["east"], actor=superuser)
    assert first == again
    assert list(user.groups.values_list("name", flat=True)) == ["单位人事管理员"]
    assert [(entry.action, entry.user_id) for entry in _logs(first)] == [("wagtail.create", superuser.pk)]


def test_role_assign_refuses_a_scoped_role_without_a_unit(db):
    with pytest.raises(ApplicationError, match="该角色必须指定管辖单位"):
        role_assign(user=UserFactory(), role=Role.DEPARTMENT_HEAD, unit=None)


def test_officer_role_carries_no_unit(city):
    assignment = role_assign(user=UserFactory(), role=Role.OFFICER, unit=city["east"])
    assert assignment.unit is None


def test_role_revoke_keeps_the_group_while_another_assignment_of_the_role_remains(city):
    user = UserFactory()
    east = role_assign(user=user, role=Role.HR_ADMIN, unit=city["east"])
    west = role_assign(user=user, role=Role.HR_ADMIN, unit=city["west"])
    role_revoke(assignment=east)
    assert user.groups.filter(name="单位人事管理员").exists()
    role_revoke(assignment=west)
    assert not user.groups.filter(name="单位人事管理员").exists()


def test_role_groups_carry_exactly_the_declared_permissions(db):
    ensure_role_groups()
    ensure_role_groups()
    for name, perms in ROLE_GROUPS.values():
        group = Group.objects.get(name=name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(perms)
