"""The `units` and `personnel` import kinds (DESIGN §5.1): samples, idempotence, every bad input, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from wagtail.models import ModelLogEntry

from personnel.models import Person, PersonStatus, PostType, Unit, UnitKind
from portal.imports import ImportRefused, run_import
from tests.factories import PersonFactory, make_id_number
from tests.import_files import PERSONNEL_HEADER, UNITS_HEADER, make_csv, make_xlsx, sample, sample_rows

pytestmark = pytest.mark.django_db


def import_units(data: bytes, name: str = "units.xlsx", **kwargs):
    return run_import(kind="units", data=data, filename=name, **kwargs)


def import_people(data: bytes, name: str = "personnel.xlsx", **kwargs):
    return run_import(kind="personnel", data=data, filename=name, **kwargs)


def person_row(name="李明", id_number=None, unit="SL-SJ", post="执法", **extra):
    row = dict(zip(PERSONNEL_HEADER, [name, id_number or make_id_number(sequence=11), unit, post] + [""] * 7))
    row.update(extra)
    return [row[header] for header in PERSONNEL_HEADER]


def unit_row(code, name, parent="", kind="机关", **extra):
    row = dict(zip(UNITS_HEADER, [code, name, parent, kind, "", "", "", ""]))
    row.update(extra)
    return [row[header] for header in UNITS_HEADER]


@pytest.fixture
def sample_units():
    result = import_units(sample("units.xlsx"))
    assert result.ok, result.errors
    return result


@pytest.fixture
def sample_people(sample_units):
    result = import_people(sample("personnel.xlsx"))
    assert result.ok, result.errors
    return result


def snapshot():
    """Everything an import may write, to prove a refused import wrote nothing."""
    return (
        sorted(Unit.objects.values_list("code", "name", "path", "kind")),
        sorted(Person.objects.values_list("id_number", "name", "unit__code", "status", "title")),
        ModelLogEntry.objects.count(),
    )


# The samples -----------------------------------------------------------------------------------


def test_sample_files_import_cleanly_in_order(sample_units, sample_people):
    assert sample_units.as_dict() == {"created": 6, "updated": 0, "skipped": 0, "errors": [], "warnings": []}
    assert sample_people.as_dict() == {"created": 6, "updated": 0, "skipped": 0, "errors": [], "warnings": []}
    assert Unit.objects.count() == 6
    assert Person.objects.count() == 6
    assert Person.objects.filter(status=PersonStatus.RETIRED).count() == 1
    market = Unit.objects.get(code="SL-SJ")
    assert market.get_parent().code == "SL"
    assert Unit.objects.get(code="SL-SJ-FG").get_parent() == market
    assert Unit.objects.get(code="SL-SJ-FG").kind == UnitKind.OFFICE


def test_imported_person_carries_every_column_and_derived_fields(sample_people):
    wang = Person.objects.get(id_number="310101198503150029")
    assert wang.name == "王丽"
    assert wang.unit.code == "SL-SJ-FG"
    assert wang.post_type == PostType.LEGAL_REVIEW
    assert wang.is_public_lawyer is True
    assert wang.legal_qualification_no == "A20193100000001"
    assert wang.appointed_on == dt.date(2019, 9, 1)
    assert wang.gender == "F"
    assert wang.birth_date == dt.date(1985, 3, 15)
    chen = Person.objects.get(id_number="310101198503150010")
    assert (chen.gender, chen.phone, chen.title) == ("M", "13800000001", "科员")
    sun = Person.objects.get(id_number="310101198503150045")
    assert sun.employment_kind == "external_adviser"
    assert sun.appointed_on is None


def test_every_created_record_gets_one_audit_entry_naming_file_and_row(sample_units, superuser):
    result = import_people(sample("personnel.xlsx"), actor=superuser)
    assert result.created == 6
    entries = ModelLogEntry.objects.filter(action="wagtail.create", data__kind="personnel")
    assert entries.count() == 6
    chen = Person.objects.get(id_number="310101198503150010")
    entry = entries.get(object_id=str(chen.pk))
    assert entry.user == superuser
    assert entry.data == {"source": "import", "kind": "personnel", "file": "personnel.xlsx", "row": 2}
    assert entry.label == "陈晓明"
    assert ModelLogEntry.objects.filter(action="wagtail.create", data__kind="units").count() == 6


def test_reimporting_the_samples_skips_everything_and_logs_nothing(sample_people):
    before = snapshot()
    units = import_units(sample("units.xlsx"))
    people = import_people(sample("personnel.xlsx"))
    assert units.as_dict() == {"created": 0, "updated": 0, "skipped": 6, "errors": [], "warnings": []}
    assert people.as_dict() == {"created": 0, "updated": 0, "skipped": 6, "errors": [], "warnings": []}
    assert snapshot() == before


def test_gbk_csv_imports_like_the_workbook(sample_units):
    result = import_people(sample("personnel_gbk.csv"), name="personnel_gbk.csv")
    assert result.as_dict()["created"] == 6
    assert result.errors == []
    assert Person.objects.get(id_number="310101198503150010").name == "陈晓明"
    assert import_people(sample("personnel.xlsx")).skipped == 6


def test_utf8_bom_csv_imports_like_the_workbook(sample_units):
    data = make_csv(sample_rows("personnel.xlsx"), encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    result = import_people(data, name="people.csv")
    assert (result.created, result.errors) == (6, [])
    assert Person.objects.get(id_number="310101198503150029").legal_qualification_no == "A20193100000001"


def test_full_width_headers_and_labels_are_matched(sample_units):
    rows = [
        ["单位编码", "单位名称", "上级单位编码", "单位类型", "法制审核比例（％）", "法制审核最少人数"],
        ["ＳＬ-ＳＪ-ＸＺ", "行政许可处", "SL-SJ", "内设机构", "１０", "２"],
    ]
    result = import_units(make_xlsx(rows))
    assert (result.created, result.errors) == (1, [])
    unit = Unit.objects.get(code="SL-SJ-XZ")
    assert unit.reviewer_percent == 10
    assert unit.reviewer_minimum == 2


# Bad input: nothing written, exact row and column -----------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"身份证号": "310101198503150011"}, "身份证号", "身份证号校验位错误"),
        ({"身份证号": "310101850315001"}, "身份证号", "不支持15位旧身份证号"),
        ({"任职日期": "2020-02-30"}, "任职日期", "日期「2020-02-30」不存在"),
        ({"任职日期": "去年三月"}, "任职日期", "不是有效的日期"),
        ({"岗位类别": "执法员"}, "岗位类别", "可选值：执法、法制审核、其他"),
        ({"人员状态": "退役"}, "人员状态", "不是有效的人员状态"),
        ({"公职律师": "可能"}, "公职律师", "应填写“是”或“否”"),
        ({"单位编码": "NOPE"}, "单位编码", "单位编码「NOPE」不存在"),
        ({"姓名": "=HYPERLINK(\"http://x\")"}, "姓名", "疑似公式"),
        ({"姓名": "+李明"}, "姓名", "疑似公式"),
        ({"姓名": "-李明"}, "姓名", "疑似公式"),
        ({"姓名": "@李明"}, "姓名", "疑似公式"),
        ({"姓名": "李" * 65}, "姓名", "最多 64 个字符"),
        ({"职务": "=1+1"}, "职务", "疑似公式"),
        ({"手机号": "138 0000 abc"}, "手机号", "手机号「138 0000 abc」格式不正确"),
        ({"岗位类别": ""}, "岗位类别", "「岗位类别」不能为空"),
    ],
)
def test_a_bad_person_row_is_reported_exactly_and_nothing_is_written(sample_units, overrides, column, message):
    good = person_row(name="张三", id_number=make_id_number(sequence=21))
    bad = person_row(name="李明", id_number=make_id_number(sequence=23))
    header = PERSONNEL_HEADER
    for key, value in overrides.items():
        bad[header.index(key)] = value
    before = snapshot()
    result = import_people(make_xlsx([header, good, good[:1] + [make_id_number(sequence=25)] + good[2:], bad]))
    assert snapshot() == before
    assert len(result.errors) == 1, result.errors
    error = result.errors[0]
    assert (error["row"], error["column"]) == (4, column)
    assert message in error["message"]
    assert (result.created, result.updated, result.skipped) == (0, 0, 0)


def test_id_number_saved_by_excel_as_a_number_is_explained(sample_units):
    row = person_row()
    row[1] = 310101198503150010
    result = import_people(make_xlsx([PERSONNEL_HEADER, row]))
    assert result.errors[0]["column"] == "身份证号"
    assert "设为文本格式" in result.errors[0]["message"]


def test_duplicate_id_numbers_in_a_file_name_the_first_row(sample_units):
    number = make_id_number(sequence=31)
    rows = [PERSONNEL_HEADER, person_row(id_number=number), person_row(name="李四", id_number=make_id_number(sequence=33)),
            person_row(name="王五", id_number=number.lower())]
    before = snapshot()
    result = import_people(make_xlsx(rows))
    assert snapshot() == before
    assert result.errors == [{"row": 4, "column": "身份证号", "message": "与第 2 行重复（身份证号相同）"}]


def test_every_bad_row_is_reported_not_just_the_first(sample_units):
    rows = [PERSONNEL_HEADER]
    for index in range(5):
        row = person_row(id_number=make_id_number(sequence=41 + 2 * index))
        if index % 2 == 0:
            row[2] = "MISSING"
        rows.append(row)
    result = import_people(make_xlsx(rows))
    assert [error["row"] for error in result.errors] == [2, 4, 6]
    assert Person.objects.count() == 0


def test_a_missing_required_column_is_named_on_row_one(sample_units):
    header = [h for h in PERSONNEL_HEADER if h != "岗位类别"]
    row = person_row()
    del row[PERSONNEL_HEADER.index("岗位类别")]
    result = import_people(make_xlsx([header, row]))
    assert result.errors == [{"row": 1, "column": "岗位类别", "message": "缺少必填列「岗位类别」"}]
    assert Person.objects.count() == 0


def test_a_units_file_given_as_personnel_is_refused_as_the_wrong_kind(sample_units):
    with pytest.raises(ImportRefused, match="看起来是「单位」导入文件"):
        import_people(sample("units.xlsx"))


def test_unit_errors_name_row_and_column():
    rows = [
        UNITS_HEADER,
        unit_row("A", "甲市", kind="行政区域"),
        unit_row("B", "乙局", parent="A", **{"法制审核比例(%)": "abc"}),
        unit_row("C", "丙局", parent="A", **{"法制审核最少人数": "-1"}),
        unit_row("D", "丁局", parent="A", **{"法制审核比例(%)": "120"}),
        unit_row("E", "戊局", parent="NOWHERE"),
        unit_row("F", "己局", parent="A", kind="委员会"),
        unit_row("G", "=cmd|' /C calc'!A0", parent="A"),
        unit_row("A", "甲市重复", kind="行政区域"),
    ]
    result = import_units(make_xlsx(rows))
    found = {(error["row"], error["column"]): error["message"] for error in result.errors}
    assert found == {
        (3, "法制审核比例(%)"): "「abc」不是有效的数字",
        (4, "法制审核最少人数"): "不能为负数",
        (5, "法制审核比例(%)"): "不能大于 100",
        (6, "上级单位编码"): "上级单位编码「NOWHERE」不存在（文件和系统中均未找到）",
        (7, "单位类型"): "「委员会」不是有效的单位类型，可选值：行政区域、机关、内设机构、直属单位、乡镇街道",
        (8, "单位名称"): "内容不能以 =、+、-、@ 开头（疑似公式），请删除开头的「=」",
        (9, "单位编码"): "与第 2 行重复（单位编码相同）",
    }
    assert Unit.objects.count() == 0


def test_a_parent_appearing_later_in_the_file_is_fine():
    rows = [UNITS_HEADER, unit_row("C", "丙科", parent="B", kind="内设机构"), unit_row("B", "乙局", parent="A"),
            unit_row("A", "甲市", kind="行政区域")]
    result = import_units(make_xlsx(rows))
    assert (result.created, result.errors) == (3, [])
    assert Unit.objects.get(code="C").get_parent().get_parent().code == "A"


def test_a_cycle_within_the_file_is_reported_on_every_row_of_it():
    rows = [UNITS_HEADER, unit_row("R", "根", kind="行政区域"), unit_row("A", "甲", parent="C"),
            unit_row("B", "乙", parent="A"), unit_row("C", "丙", parent="B")]
    result = import_units(make_xlsx(rows))
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "上级单位编码"), (4, "上级单位编码"), (5, "上级单位编码")]
    assert all("单位层级出现循环" in e["message"] for e in result.errors)
    assert Unit.objects.count() == 0


def test_a_unit_cannot_be_its_own_parent():
    result = import_units(make_xlsx([UNITS_HEADER, unit_row("A", "甲", parent="A")]))
    assert result.errors == [{"row": 2, "column": "上级单位编码", "message": "上级单位不能是本单位"}]


def test_a_cycle_formed_with_stored_units_is_reported(city):
    before = snapshot()
    # 东区 is stored under 示例市; making 示例市 a child of 东区's department closes a loop.
    result = import_units(make_xlsx([UNITS_HEADER, unit_row("120000", "示例市", parent="12010101", kind="行政区域")]))
    assert snapshot() == before
    assert len(result.errors) == 1
    assert result.errors[0]["row"] == 2
    assert result.errors[0]["message"] == "单位层级出现循环：120000 → 12010101 → 120101 → 120000"


def test_only_offices_may_sit_under_an_office(city):
    result = import_units(make_xlsx([UNITS_HEADER, unit_row("X1", "某局", parent="1201010101", kind="机关")]))
    assert result.errors[0]["column"] == "单位类型"
    assert "内设机构下只能设置内设机构" in result.errors[0]["message"]


def test_a_unit_with_other_kinds_below_cannot_become_an_office(city):
    result = import_units(make_xlsx([UNITS_HEADER, unit_row("120101", "东区", parent="120000", kind="内设机构")]))
    assert result.errors[0]["message"] == "该单位下有非内设机构的下级单位，不能改为内设机构"


# Dry run and updates ---------------------------------------------------------------------------


def test_dry_run_reports_counts_and_writes_nothing(sample_units):
    before = snapshot()
    result = import_people(sample("personnel.xlsx"), dry_run=True)
    assert result.as_dict() == {"created": 6, "updated": 0, "skipped": 0, "errors": [], "warnings": []}
    assert result.written is False
    assert snapshot() == before


def test_a_changed_row_updates_the_person_through_the_service_and_is_audited(sample_people, superuser):
    rows = sample_rows("personnel.xlsx")
    chen = rows[1]
    chen[PERSONNEL_HEADER.index("职务")] = "副科长"
    chen[PERSONNEL_HEADER.index("单位编码")] = "SL-SJ-ZD"
    result = import_people(make_xlsx(rows), actor=superuser)
    assert result.as_dict() == {"created": 0, "updated": 1, "skipped": 5, "errors": [], "warnings": []}
    person = Person.objects.get(id_number="310101198503150010")
    assert (person.title, person.unit.code) == ("副科长", "SL-SJ-ZD")
    entry = ModelLogEntry.objects.get(action="wagtail.edit", object_id=str(person.pk))
    assert entry.user == superuser
    assert entry.data["changes"] == {"unit": ["SL-SJ", "SL-SJ-ZD"], "title": ["科员", "副科长"]}


def test_a_status_change_through_import_records_the_departure(sample_people):
    rows = sample_rows("personnel.xlsx")
    rows[1][PERSONNEL_HEADER.index("人员状态")] = "调离"
    result = import_people(make_xlsx(rows))
    assert result.updated == 1
    person = Person.objects.get(id_number="310101198503150010")
    assert person.status == PersonStatus.TRANSFERRED
    assert ModelLogEntry.objects.filter(action="personnel.left_active", object_id=str(person.pk)).exists()


def test_empty_optional_cells_keep_stored_values_on_update(sample_people):
    row = person_row(name="陈晓明", id_number="310101198503150010", unit="SL-SJ", post="执法")
    result = import_people(make_xlsx([PERSONNEL_HEADER, row]))
    assert result.as_dict()["skipped"] == 1
    person = Person.objects.get(id_number="310101198503150010")
    assert (person.phone, person.title, person.appointed_on) == ("13800000001", "科员", dt.date(2016, 4, 1))
    retired = person_row(name="吴刚", id_number="310101198503150061", unit="SL-SJ", post="执法")
    assert import_people(make_xlsx([PERSONNEL_HEADER, retired])).skipped == 1
    assert Person.objects.get(id_number="310101198503150061").status == PersonStatus.RETIRED


def test_a_changed_unit_row_updates_and_moves_the_unit(sample_units, superuser):
    rows = [UNITS_HEADER, unit_row("SL-SJ-ZD", "示例市市场监管执法总队", parent="SL-AQ", kind="直属单位",
                                   **{"法制审核最少人数": "2"})]
    result = import_units(make_xlsx(rows), actor=superuser)
    assert (result.updated, result.errors) == (1, [])
    unit = Unit.objects.get(code="SL-SJ-ZD")
    assert unit.get_parent().code == "SL-AQ"
    assert (unit.name, unit.reviewer_minimum) == ("示例市市场监管执法总队", 2)
    entry = ModelLogEntry.objects.get(action="wagtail.edit", object_id=str(unit.pk))
    assert entry.data["changes"]["parent"] == ["SL-SJ", "SL-AQ"]
    assert entry.user == superuser


def test_new_units_keep_the_tree_consistent(sample_units):
    rows = [UNITS_HEADER, unit_row("SL-SJ-AA", "甲处", parent="SL-SJ", kind="内设机构"),
            unit_row("SL-SJ-AA-1", "甲处一科", parent="SL-SJ-AA", kind="内设机构")]
    assert import_units(make_xlsx(rows)).created == 2
    assert Unit.find_problems() == ([], [], [], [], [])
    assert Unit.objects.get(code="SL-SJ").get_children_count() == 3


# Scope ------------------------------------------------------------------------------------------


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="personnel", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


def test_an_hr_admin_may_not_import_people_into_another_district(city, east_hr):
    rows = [PERSONNEL_HEADER, person_row(unit="12010101", id_number=make_id_number(sequence=51)),
            person_row(unit="12010201", id_number=make_id_number(sequence=53))]
    result = import_people(make_xlsx(rows), actor=east_hr)
    assert result.errors == [
        {"row": 3, "column": "单位编码", "message": "无权向单位「西区市场监管局」导入人员：不在您的管辖范围内"}
    ]
    assert Person.objects.count() == 0
    assert import_people(make_xlsx(rows[:2]), actor=east_hr).created == 1


def test_an_hr_admin_may_not_move_a_person_from_another_district(city, east_hr):
    outsider = PersonFactory(unit=city["west_dept"])
    row = person_row(name=outsider.name, id_number=outsider.id_number, unit="12010101")
    result = import_people(make_xlsx([PERSONNEL_HEADER, row]), actor=east_hr)
    assert result.errors == [
        {"row": 2, "column": "身份证号", "message": "无权修改该人员：其现属单位「西区市场监管局」不在您的管辖范围内"}
    ]
    outsider.refresh_from_db()
    assert outsider.unit == city["west_dept"]


def test_units_may_only_be_placed_under_a_parent_in_scope(city, east_hr):
    hr = grant(east_hr, "add_unit", "change_unit")
    rows = [UNITS_HEADER, unit_row("E-NEW", "东区新局", parent="120101"), unit_row("E-NEW-1", "东区新局法规科",
            parent="E-NEW", kind="内设机构"), unit_row("W-NEW", "西区新局", parent="120102"),
            unit_row("TOP", "新市", kind="行政区域"), unit_row("120102", "西区（改名）", parent="120000", kind="行政区域")]
    result = import_units(make_xlsx(rows), actor=hr)
    assert result.errors == [
        {"row": 4, "column": "上级单位编码", "message": "无权在单位「120102」下设置单位：不在您的管辖范围内"},
        {"row": 5, "column": "上级单位编码", "message": "无权新建顶级单位，请填写您管辖范围内的上级单位编码"},
        {"row": 6, "column": "单位编码", "message": "无权修改单位「西区」：不在您的管辖范围内"},
    ]
    assert not Unit.objects.filter(code__in=["E-NEW", "W-NEW", "TOP"]).exists()
    assert import_units(make_xlsx(rows[:3]), actor=hr).created == 2


def test_a_user_without_the_kinds_permission_is_refused(city, make_user):
    officer = make_user(None)
    with pytest.raises(ImportRefused, match="您没有导入「人员」的权限"):
        import_people(sample("personnel.xlsx"), actor=officer)


def test_an_hr_admin_without_unit_permissions_cannot_import_units(city, east_hr):
    with pytest.raises(ImportRefused, match="您没有导入「单位」的权限"):
        import_units(sample("units.xlsx"), actor=east_hr)


# Cost -------------------------------------------------------------------------------------------


def test_importing_people_does_not_query_row_by_row(sample_units, django_assert_max_num_queries):
    rows = [PERSONNEL_HEADER] + [
        person_row(name=f"测试{i}", id_number=make_id_number(sequence=400 + i, region="110101")) for i in range(300)
    ]
    # Two look-ups, then inserts in batches (SQLite caps the parameters per statement).
    with django_assert_max_num_queries(20):
        assert import_people(make_xlsx(rows)).created == 300
