"""Changes to the personnel register. Views, admin hooks, imports and commands all call these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from portal.errors import ApplicationError

from .idnumber import InvalidIdNumber, parse_id_number
from .models import Person, PersonStatus, Role, RoleAssignment, Unit, UnitKind

#: The Django group that carries each role's model permissions; the unit scope comes from RoleAssignment.
ROLE_GROUPS: dict[str, tuple[str, list[str]]] = {
    Role.OFFICER: ("执法人员", []),
    Role.HR_ADMIN: (
        "单位人事管理员",
        [
            "wagtailadmin.access_admin",
            "personnel.view_unit",
            "personnel.add_person",
            "personnel.change_person",
            "personnel.view_person",
            "portal.add_importjob",
            "portal.view_importjob",
        ],
    ),
    Role.DEPARTMENT_HEAD: ("部门负责人", ["wagtailadmin.access_admin", "personnel.view_unit", "personnel.view_person"]),
    Role.ISSUING_AUTHORITY: (
        "发证机关",
        ["wagtailadmin.access_admin", "personnel.view_unit", "personnel.change_unit", "personnel.view_person"],
    ),
    Role.CONTENT_EDITOR: ("课程考试管理员", ["wagtailadmin.access_admin"]),
}

PERSON_FIELDS = (
    "name",
    "id_number",
    "unit",
    "post_type",
    "status",
    "employment_kind",
    "is_public_lawyer",
    "legal_qualification_no",
    "appointed_on",
    "phone",
    "title",
)
UNIT_FIELDS = ("code", "name", "kind", "domain", "reviewer_basis", "reviewer_percent", "reviewer_minimum")


def ensure_role_groups() -> None:
    """Create or refresh the role groups and their permissions. Safe to run any number of times."""
    for _role, (name, perms) in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Unit):
        return value.code
    return value


def _diff(instance, fields, values: dict) -> dict[str, list]:
    changes = {}
    for field in fields:
        if field not in values:
            continue
        old, new = getattr(instance, field), values[field]
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


def role_assign(*, user, role: str, unit: Unit | None, actor=None) -> RoleAssignment:
    if role != Role.OFFICER and unit is None:
        raise ApplicationError(_("该角色必须指定管辖单位"))
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, unit=unit if role != Role.OFFICER else None
    )
    group_name = ROLE_GROUPS[role][0]
    group, _created = Group.objects.get_or_create(name=group_name)
    user.groups.add(group)
    if created:
        log(assignment, "wagtail.create", user=actor)
    return assignment


def role_revoke(*, assignment: RoleAssignment, actor=None) -> None:
    user, role = assignment.user, assignment.role
    log(assignment, "wagtail.delete", user=actor, deleted=True)
    assignment.delete()
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[role][0]))


def _validated_person_values(values: dict) -> dict:
    values = dict(values)
    if "id_number" in values:
        try:
            info = parse_id_number(values["id_number"])
        except InvalidIdNumber as exc:
            raise ApplicationError(str(exc), extra={"field": "id_number"}) from None
        values["id_number"] = info.number
        values["birth_date"] = info.birth_date
        values["gender"] = info.gender
    return values


@transaction.atomic
def person_create(*, actor=None, **values) -> Person:
    values = _validated_person_values(values)
    if Person.objects.filter(id_number=values["id_number"]).exists():
        raise ApplicationError(_("身份证号已登记"), extra={"field": "id_number"})
    person = Person(**values)
    person.save()
    log(person, "wagtail.create", user=actor, data={"source": values.get("source", "")} if "source" in values else None)
    return person


@transaction.atomic
def person_update(*, person: Person, actor=None, **values) -> Person:
    """Change a person and record the change, field by field, in the audit log (R16).

    A status that leaves 在岗 is where the departure rule (R8) takes effect.
    """
    values = _validated_person_values(values)
    if "id_number" in values and values["id_number"] != person.id_number:
        if Person.objects.filter(id_number=values["id_number"]).exclude(pk=person.pk).exists():
            raise ApplicationError(_("身份证号已登记"), extra={"field": "id_number"})
    changes = _diff(person, PERSON_FIELDS, values)
    if not changes:
        return person
    for field, value in values.items():
        setattr(person, field, value)
    person.save()
    log(person, "wagtail.edit", user=actor, data={"changes": changes}, content_changed=True)
    if "status" in changes and changes["status"][0] == PersonStatus.ACTIVE:
        log(person, "personnel.left_active", user=actor, data={"status": person.status})
    return person


def person_link_user(*, person: Person, user, actor=None) -> Person:
    """Bind a login account to a person (their own record; officer role)."""
    with transaction.atomic():
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        role_assign(user=user, role=Role.OFFICER, unit=None, actor=actor)
        log(person, "personnel.link_user", user=actor, data={"username": user.get_username()})
    return person


@transaction.atomic
def person_create_account(*, person: Person, username: str, password: str, actor=None):
    """Open a login account for a person and bind it to them with the officer role.

    The password goes through Django's password validators; the account is created and linked
    in one transaction, so a refusal leaves nothing behind.
    """
    if person.user_id:
        raise ApplicationError(_("该人员已关联登录账号"))
    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("请填写用户名"), extra={"field": "username"})
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("该用户名已被使用"), extra={"field": "username"})
    user = user_model(username=username, first_name=person.name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        # Django's password messages are whole sentences in every language: a space reads right in both.
        raise ApplicationError(" ".join(exc.messages), extra={"field": "password"}) from None
    user.set_password(password)
    user.save()
    person_link_user(person=person, user=user, actor=actor)
    return user


@transaction.atomic
def person_delete(*, person: Person, actor=None) -> None:
    """Remove a record entered by mistake. HR records a departure with a status instead (R8, R16).

    Records that other registers point to (credentials, training, appraisals) cannot be removed.
    """
    log(person, "wagtail.delete", user=actor, deleted=True)
    try:
        person.delete()
    except ProtectedError:
        raise ApplicationError(_("该人员已有关联的业务记录，不能删除；人员离开时请修改人员状态")) from None


def _check_unit_parent(*, kind: str, parent: Unit | None) -> None:
    if parent is None and kind != UnitKind.REGION:
        # Top-level units are normally regions, but a department may stand alone in a small install.
        return
    if parent is not None and parent.kind == UnitKind.OFFICE and kind != UnitKind.OFFICE:
        raise ApplicationError(_("内设机构下只能设置内设机构"))


@transaction.atomic
def unit_create(*, parent: Unit | None, actor=None, **values) -> Unit:
    if Unit.objects.filter(code=values["code"]).exists():
        raise ApplicationError(_("单位编码已存在"), extra={"field": "code"})
    _check_unit_parent(kind=values["kind"], parent=parent)
    unit = parent.add_child(**values) if parent is not None else Unit.add_root(**values)
    log(unit, "wagtail.create", user=actor)
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, parent: Unit | None | object = ..., actor=None, **values) -> Unit:
    """Change a unit's fields and, if `parent` is given, move it under a new parent (cycles refused)."""
    changes = _diff(unit, UNIT_FIELDS, values)
    for field, value in values.items():
        setattr(unit, field, value)
    if changes:
        unit.save()
    if parent is not ...:
        current_parent_path = unit.parent_path
        new_parent_path = parent.path if parent is not None else ""
        if new_parent_path != current_parent_path:
            if parent is not None and parent.path.startswith(unit.path):
                raise ApplicationError(_("上级单位不能是本单位或其下级单位"), extra={"field": "parent"})
            _check_unit_parent(kind=unit.kind, parent=parent)
            old_parent = Unit.objects.filter(path=current_parent_path).values_list("code", flat=True).first()
            if parent is None:
                unit.move(Unit.get_first_root_node(), "sorted-sibling")
            else:
                unit.move(parent, "sorted-child")
            unit.refresh_from_db()
            changes["parent"] = [old_parent, parent.code if parent else None]
    if changes:
        log(unit, "wagtail.edit", user=actor, data={"changes": changes}, content_changed=True)
    return unit


def unit_delete_check(*, unit: Unit) -> None:
    """Raise the reason a unit cannot be deleted, if there is one (the admin asks before confirming)."""
    if unit.get_children_count():
        raise ApplicationError(_("该单位下还有下级单位，不能删除"))
    if Person.objects.filter(unit=unit).exists():
        raise ApplicationError(_("该单位下还有人员，不能删除"))


@transaction.atomic
def unit_delete(*, unit: Unit, actor=None) -> None:
    unit_delete_check(unit=unit)
    log(unit, "wagtail.delete", user=actor, deleted=True)
    unit.delete()
