"""The `units` and `personnel` import kinds (DESIGN §5.1).

A matching key updates the stored record through `unit_update` / `person_update`, so every change
is audited and the rules run (R8, R16). New units are added through treebeard in tree order; new
people are bulk-created with gender and birth date derived from the ID number, and get one audit
entry each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.errors import ApplicationError
from portal.imports.engine import (
    CellError,
    Column,
    ColumnType,
    ImportContext,
    ImportKind,
    Plan,
    Row,
    log_created,
    register_kind,
)

from .idnumber import InvalidIdNumber, parse_id_number
from .models import EmploymentKind, Person, PersonStatus, PostType, ReviewerBasis, Role, Unit, UnitKind
from .services import PERSON_FIELDS, UNIT_FIELDS, person_update, unit_update

_CHUNK = 900  # stays under SQLite's limit on query parameters
_PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{2,19}$")


def _clean_id_number(value: str) -> str:
    try:
        return parse_id_number(value).number
    except InvalidIdNumber as exc:
        raise CellError(str(exc)) from None


def _clean_phone(value: str) -> str:
    if not _PHONE_RE.match(value):
        raise CellError(_("手机号「%(value)s」格式不正确，只能包含数字、空格和连字符") % {"value": value})
    return value


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _service_error(row: Row, column: str, exc: ApplicationError) -> ApplicationError:
    return ApplicationError(exc.message, extra={"row": row.number, "column": column})


# Units -----------------------------------------------------------------------------------------


@dataclass
class _UnitAction:
    row: Row
    code: str
    parent_code: str | None
    values: dict[str, Any]
    unit_pk: int | None = None  # None: a new unit
    moved: bool = False
    depth: int = 0


@dataclass
class UnitPlan(Plan):
    actions: list[_UnitAction] = field(default_factory=list)


_UNIT_FIELDS = tuple(name for name in UNIT_FIELDS if name != "code")
_UNIT_BLANKS: dict[str, Any] = {"domain": "", "reviewer_basis": "", "reviewer_percent": None, "reviewer_minimum": None}


@register_kind
class UnitImport(ImportKind):
    """单位: the organisation tree. A unit may name a parent anywhere in the file or already stored."""

    name = "units"
    label = pgettext_lazy("heading", "单位")
    key = ("code",)
    permissions = ("personnel.add_unit", "personnel.change_unit")
    scope_roles = (Role.HR_ADMIN, Role.ISSUING_AUTHORITY)
    columns = (
        Column("单位编码", "code", required=True, max_length=32, normalize=True, example="SL-SJ",
               help=gettext_lazy("唯一编码，用于识别单位；已存在的编码将更新该单位")),
        Column("单位名称", "name", required=True, max_length=128, example="示例市市场监督管理局"),
        Column("上级单位编码", "parent_code", max_length=32, normalize=True, example="SL",
               help=gettext_lazy("可以是系统中已有的单位，或本文件中的单位；留空：新单位为顶级单位，已有单位保持原上级")),
        Column("单位类型", "kind", ColumnType.ENUM, required=True, choices=UnitKind.choices, example="机关"),
        Column("执法领域", "domain", max_length=64, example="市场监管"),
        Column("法制审核比例基数", "reviewer_basis", ColumnType.ENUM, choices=ReviewerBasis.choices,
               help=gettext_lazy("留空则使用全局默认值"), example="执法人员"),
        Column("法制审核比例(%)", "reviewer_percent", ColumnType.DECIMAL, min_value=Decimal(0),
               max_value=Decimal(100), decimal_places=2, help=gettext_lazy("0–100，留空则使用全局默认值"), example="5"),
        Column("法制审核最少人数", "reviewer_minimum", ColumnType.INT, min_value=Decimal(0),
               max_value=Decimal(10000), help=gettext_lazy("留空则使用全局默认值"), example="1"),
    )
    notes = (gettext_lazy("内设机构下只能设置内设机构；单位层级不能出现循环。"),)

    def prepare(self, *, rows: list[Row], context: ImportContext) -> UnitPlan:
        plan = UnitPlan()
        stored = {unit.code: unit for unit in Unit.objects.all()}
        by_path = {unit.path: unit for unit in stored.values()}

        def stored_parent_code(unit: Unit) -> str | None:
            parent = by_path.get(unit.parent_path)
            return parent.code if parent is not None else None

        file_rows: dict[str, Row] = {}
        for row in rows:
            # A repeated code is already an error on the later row; the first one stands.
            if "code" in row.values:
                file_rows.setdefault(row.values["code"], row)
        final_parent: dict[str, str | None] = {}
        for code, row in file_rows.items():
            if "parent_code" in row.values:
                final_parent[code] = row.values["parent_code"]
            else:
                final_parent[code] = stored_parent_code(stored[code]) if code in stored else None

        def parent_of(code: str) -> str | None:
            if code in final_parent:
                return final_parent[code]
            return stored_parent_code(stored[code]) if code in stored else None

        def kind_of(code: str) -> str | None:
            row = file_rows.get(code)
            if row is not None and "kind" in row.values:
                return row.values["kind"]
            return stored[code].kind if code in stored else None

        for code, row in file_rows.items():
            parent_code = final_parent[code]
            if parent_code is None:
                continue
            if parent_code == code:
                context.error(row, "parent_code", _("上级单位不能是本单位"))
            elif parent_code not in file_rows and parent_code not in stored:
                context.error(
                    row, "parent_code", _("上级单位编码「%(code)s」不存在（文件和系统中均未找到）") % {"code": parent_code}
                )

        depths = self._depths(file_rows, parent_of, context)

        for code, row in file_rows.items():
            parent_code = final_parent[code]
            kind = kind_of(code)
            if parent_code is not None and kind_of(parent_code) == UnitKind.OFFICE and kind != UnitKind.OFFICE:
                context.error(row, "kind", _("上级单位「%(code)s」是内设机构，内设机构下只能设置内设机构") % {"code": parent_code})
            if code in stored and kind == UnitKind.OFFICE and stored[code].kind != UnitKind.OFFICE:
                children = [
                    child_code
                    for child_code, child in stored.items()
                    if child.parent_path == stored[code].path and parent_of(child_code) == code
                ]
                if any(kind_of(child_code) != UnitKind.OFFICE for child_code in children):
                    context.error(row, "kind", _("该单位下有非内设机构的下级单位，不能改为内设机构"))

        scope_memo: dict[str, bool] = {}

        def in_scope_after(code: str | None, trail: frozenset = frozenset()) -> bool:
            """Whether a unit will lie within the actor's subtree once the file is applied."""
            if code is None or code in trail:
                return False
            if code not in scope_memo:
                unit = stored.get(code)
                moved = unit is None or (code in file_rows and final_parent[code] != stored_parent_code(unit))
                if moved:
                    scope_memo[code] = in_scope_after(parent_of(code), trail | {code})
                else:
                    scope_memo[code] = context.in_scope(unit.path)
            return scope_memo[code]

        for code, row in file_rows.items():
            unit = stored.get(code)
            parent_code = final_parent[code]
            moved = unit is None or parent_code != stored_parent_code(unit)
            if context.scoped:
                if unit is not None and not context.in_scope(unit.path):
                    context.error(row, "code", _("无权修改单位「%(name)s」：不在您的管辖范围内") % {"name": unit.name})
                elif moved and parent_code is None:
                    context.error(row, "parent_code", _("无权新建顶级单位，请填写您管辖范围内的上级单位编码"))
                elif moved and not in_scope_after(parent_code):
                    context.error(
                        row, "parent_code", _("无权在单位「%(code)s」下设置单位：不在您的管辖范围内") % {"code": parent_code}
                    )
            if not row.valid:
                continue
            if unit is None:
                values = {name: row.values.get(name, _UNIT_BLANKS.get(name)) for name in _UNIT_FIELDS}
                plan.actions.append(_UnitAction(row, code, parent_code, values, depth=depths.get(code, 0)))
                plan.created += 1
                continue
            changes = {
                name: row.values[name]
                for name in _UNIT_FIELDS
                if name in row.values and getattr(unit, name) != row.values[name]
            }
            if changes or moved:
                plan.actions.append(
                    _UnitAction(row, code, parent_code, changes, unit_pk=unit.pk, moved=moved, depth=depths.get(code, 0))
                )
                plan.updated += 1
            else:
                plan.skipped += 1
        plan.actions.sort(key=lambda action: (action.depth, action.row.number))
        return plan

    @staticmethod
    def _depths(file_rows: dict[str, Row], parent_of, context: ImportContext) -> dict[str, int]:
        """Depth of each file unit in the tree as it will be; reports every unit that sits on a cycle."""
        depths: dict[str, int] = {}
        reported: set[str] = set()
        for code in file_rows:
            if parent_of(code) == code:
                continue  # reported as its own error
            chain = [code]
            current = parent_of(code)
            while current is not None and current not in depths:
                if current in chain:
                    cycle = chain[chain.index(current) :] + [current]
                    # A unit that is its own parent has its own error already.
                    for member in cycle[:-1] if len(cycle) > 2 else ():
                        if member in file_rows and member not in reported:
                            reported.add(member)
                            context.error(
                                file_rows[member],
                                "parent_code",
                                _("单位层级出现循环：%(chain)s") % {"chain": " → ".join(cycle)},
                            )
                    break
                chain.append(current)
                current = parent_of(current)
            else:
                base = depths[current] if current is not None else 0
                for offset, member in enumerate(reversed(chain), start=1):
                    depths[member] = base + offset
        return depths

    def write(self, *, plan: UnitPlan, context: ImportContext) -> None:
        created: list[tuple[Unit, int]] = []
        for done, action in enumerate(plan.actions, start=1):
            # Sorted inserts renumber siblings' paths, so every step starts from fresh rows.
            needs_parent = action.unit_pk is None or action.moved
            parent = Unit.objects.get(code=action.parent_code) if needs_parent and action.parent_code else None
            if action.unit_pk is None:
                unit = parent.add_child(code=action.code, **action.values) if parent else Unit.add_root(
                    code=action.code, **action.values
                )
                created.append((unit, action.row.number))
            else:
                unit = Unit.objects.get(pk=action.unit_pk)
                try:
                    unit_update(
                        unit=unit, parent=parent if action.moved else ..., actor=context.actor, **action.values
                    )
                except ApplicationError as exc:
                    raise _service_error(action.row, "上级单位编码" if action.moved else "单位编码", exc) from exc
            context.advance(done)
        log_created(context=context, created=created)


# People ----------------------------------------------------------------------------------------


# The key (身份证号) is matched, never updated.
_PERSON_FIELDS = tuple(name for name in PERSON_FIELDS if name != "id_number")


@dataclass
class PersonPlan(Plan):
    new: list[tuple[Row, Person]] = field(default_factory=list)
    changes: list[tuple[Row, Person, dict[str, Any]]] = field(default_factory=list)


@register_kind
class PersonImport(ImportKind):
    """人员: the personnel register, keyed by the 18-character ID number."""

    name = "personnel"
    label = gettext_lazy("人员")
    key = ("id_number",)
    permissions = ("personnel.add_person", "personnel.change_person")
    scope_roles = (Role.HR_ADMIN,)
    columns = (
        Column("姓名", "name", required=True, max_length=64, example="陈晓明"),
        Column("身份证号", "id_number", required=True, normalize=True, refuse_formulas=False,
               clean=_clean_id_number, example="310101198503150010",
               help=gettext_lazy("18 位居民身份证号，末位校验码须正确；不支持 15 位旧号码")),
        Column("单位编码", "unit_code", required=True, max_length=32, normalize=True, example="SL-SJ",
               help=gettext_lazy("系统中已有的单位编码")),
        Column("岗位类别", "post_type", ColumnType.ENUM, required=True, choices=PostType.choices, example="执法"),
        Column("人员状态", "status", ColumnType.ENUM, choices=PersonStatus.choices, default=PersonStatus.ACTIVE,
               example="在岗"),
        Column("人员类别", "employment_kind", ColumnType.ENUM, choices=EmploymentKind.choices,
               default=EmploymentKind.ESTABLISHED, example="在编"),
        Column("任职日期", "appointed_on", ColumnType.DATE, example="2016-04-01"),
        Column("法律职业资格证书编号", "legal_qualification_no", max_length=32, normalize=True,
               example="A20193100000001"),
        Column("公职律师", "is_public_lawyer", ColumnType.BOOL, default=False, example="否"),
        Column("手机号", "phone", max_length=20, normalize=True, refuse_formulas=False, clean=_clean_phone,
               example="13800000001"),
        Column("职务", "title", max_length=64, example="科员"),
    )
    notes = (gettext_lazy("人员状态改为退休、调离或离职时，按规定注销其有效证件（R8）。"),)

    def prepare(self, *, rows: list[Row], context: ImportContext) -> PersonPlan:
        plan = PersonPlan()
        codes = sorted({row.values["unit_code"] for row in rows if "unit_code" in row.values})
        units: dict[str, Unit] = {}
        for chunk in _chunks(codes):
            units.update({unit.code: unit for unit in Unit.objects.filter(code__in=chunk)})
        numbers = [row.values["id_number"] for row in rows if "id_number" in row.values]
        stored: dict[str, Person] = {}
        for chunk in _chunks(numbers):
            stored.update(
                {person.id_number: person for person in Person.objects.filter(id_number__in=chunk).select_related("unit")}
            )

        for row in rows:
            code = row.values.get("unit_code")
            unit = units.get(code) if code is not None else None
            if code is not None and unit is None:
                context.error(row, "unit_code", _("单位编码「%(code)s」不存在") % {"code": code})
            elif unit is not None and not context.in_scope(unit.path):
                context.error(
                    row, "unit_code", _("无权向单位「%(name)s」导入人员：不在您的管辖范围内") % {"name": unit.name}
                )
            person = stored.get(row.values.get("id_number", ""))
            if person is not None and not context.in_scope(person.unit.path):
                context.error(
                    row,
                    "id_number",
                    _("无权修改该人员：其现属单位「%(name)s」不在您的管辖范围内") % {"name": person.unit.name},
                )
            if not row.valid:
                continue
            values = {name: row.values[name] for name in _PERSON_FIELDS if name in row.values}
            values["unit"] = unit
            if person is None:
                plan.new.append((row, self._new_person(row, values)))
                plan.created += 1
                continue
            changes = {
                name: value
                for name, value in values.items()
                if (person.unit_id != value.pk if name == "unit" else getattr(person, name) != value)
            }
            if changes:
                plan.changes.append((row, person, changes))
                plan.updated += 1
            else:
                plan.skipped += 1
        return plan

    def _new_person(self, row: Row, values: dict[str, Any]) -> Person:
        info = parse_id_number(row.values["id_number"])
        for column in self.columns:
            if column.field in _PERSON_FIELDS and column.field not in values:
                values[column.field] = column.default if column.default is not None else ""
        if values["appointed_on"] == "":
            values["appointed_on"] = None
        return Person(id_number=info.number, gender=info.gender, birth_date=info.birth_date, **values)

    def write(self, *, plan: PersonPlan, context: ImportContext) -> None:
        done = 0
        for row, person, changes in plan.changes:
            try:
                person_update(person=person, actor=context.actor, **changes)
            except ApplicationError as exc:
                raise _service_error(row, "身份证号", exc) from exc
            done += 1
            context.advance(done)
        people = [person for _row, person in plan.new]
        for chunk in _chunks(people, 1000):
            Person.objects.bulk_create(chunk)
            done += len(chunk)
            context.advance(done)
        if people and people[0].pk is None:
            # Backends that cannot return ids from a bulk insert: look them up once.
            ids = {}
            for chunk in _chunks([person.id_number for person in people]):
                ids.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", "pk"))
            for person in people:
                person.pk = ids[person.id_number]
        log_created(context=context, created=[(person, row.number) for row, person in plan.new])

