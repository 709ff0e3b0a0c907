"""The import engine (DESIGN §5.1): reading, limits, headers, cells, workbooks and the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from personnel.models import Person, Unit
from portal.imports import (
    CellError,
    Column,
    ColumnType,
    ImportRefused,
    all_kinds,
    build_error_workbook,
    build_template,
    get_kind,
    read_table,
    run_import,
)
from portal.imports.engine import neutralize, parse_cell
from tests.factories import make_id_number
from tests.import_files import PERSONNEL_HEADER, SAMPLES, make_csv, make_xlsx, read_xlsx, sample, sample_rows

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def rows_of(table):
    return [[str(cell) for cell in cells] for _number, cells in table.rows]


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size that the zip's central directory declares for one member."""
    buffer = bytearray(data)
    offset = buffer.find(b"PK\x01\x02")
    while offset != -1:
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", buffer, offset + 28)
        name = bytes(buffer[offset + 46 : offset + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", buffer, offset + 24, size)
            return bytes(buffer)
        offset = buffer.find(b"PK\x01\x02", offset + 46 + name_length + extra_length + comment_length)
    raise AssertionError(f"{member} not in archive")


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, content)
    return out.getvalue()


# Reading ---------------------------------------------------------------------------------------


def test_text_cells_keep_leading_zeros_and_numbers_lose_their_point_zero():
    table = read_table(data=make_xlsx([["编码", "数"], ["007", 13800000001.0], ["0012", 3.5]]), filename="a.xlsx")
    assert table.headers == ["编码", "数"]
    assert [cells[0] for _n, cells in table.rows] == ["007", "0012"]
    assert parse_cell(Column("数", "n"), table.rows[0][1][1]) == "13800000001"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_is_read_in_every_encoding_chinese_excel_writes(encoding):
    rows = [["姓名", "单位编码"], ["陈晓明", "007"], ["欧阳娜娜", "SL-SJ"]]
    table = read_table(data=make_csv(rows, encoding=encoding), filename="people.CSV")
    assert table.headers == ["姓名", "单位编码"]
    assert rows_of(table) == [["陈晓明", "007"], ["欧阳娜娜", "SL-SJ"]]


def test_blank_rows_are_skipped_but_rows_keep_their_excel_numbers():
    table = read_table(data=make_xlsx([["姓名"], ["甲"], [None], ["乙"]]), filename="a.xlsx")
    assert [number for number, _cells in table.rows] == [2, 4]
    csv_table = read_table(data=make_csv([["姓名"], ["甲"], [], ["乙"]]), filename="a.csv")
    assert [number for number, _cells in csv_table.rows] == [2, 4]


def test_a_zip_file_is_read_as_xlsx_whatever_its_extension():
    table = read_table(data=make_xlsx([["姓名"], ["甲"]]), filename="renamed.csv")
    assert rows_of(table) == [["甲"]]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (PNG, "photo.xlsx", "文件内容不是 Excel 表格"),
        (PNG, "photo.csv", "文件不是表格文件"),
        (os.urandom(2048).replace(b"\x00", b"\x01"), "noise.csv", "无法识别文件的文字编码"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old.xls", "不支持 Excel 97-2003"),
        (b"name\nx\n", "notes.txt", "仅支持 .xlsx 和 .csv 文件"),
        (b"", "empty.csv", "文件是空的"),
        (b"\r\n\r\n", "blank.csv", "文件是空的"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(data, filename, message):
    with pytest.raises(ImportRefused, match=message):
        read_table(data=data, filename=filename)


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportRefused, match="文件不是 Excel 表格"):
        read_table(data=out.getvalue(), filename="letter.xlsx")


def test_a_corrupt_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    with pytest.raises(ImportRefused, match="已损坏"):
        read_table(data=out.getvalue(), filename="broken.xlsx")


def test_an_oversized_file_is_refused(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ImportRefused, match=r"文件过大（.* MB），上限为"):
        read_table(data=make_csv([["姓名"]] + [["某某某"]] * 200), filename="big.csv")


def test_a_zip_bomb_declaring_a_huge_member_is_refused_before_parsing():
    bomb = patch_declared_size(make_xlsx([["姓名"], ["甲"]]), "xl/worksheets/sheet1.xml", 0xFFFFFFF0)
    assert len(bomb) < 10_000
    with pytest.raises(ImportRefused, match="文件解压后过大"):
        read_table(data=bomb, filename="bomb.xlsx")


def test_a_member_compressed_beyond_any_spreadsheet_is_refused():
    bomb = with_member(make_xlsx([["姓名"], ["甲"]]), "xl/media/padding.bin", b"\x00" * (8 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(ImportRefused, match="压缩比异常"):
        read_table(data=bomb, filename="bomb.xlsx")


def test_the_uncompressed_limit_is_a_setting(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2000
    with pytest.raises(ImportRefused, match="文件解压后过大"):
        read_table(data=make_xlsx([["姓名"], ["甲"]]), filename="a.xlsx")


def test_a_zip_that_understates_its_sizes_is_caught_while_verifying():
    liar = patch_declared_size(make_xlsx([["姓名"], ["甲" * 500]]), "xl/worksheets/sheet1.xml", 10)
    with pytest.raises(ImportRefused, match="已损坏"):
        read_table(data=liar, filename="liar.xlsx")


@pytest.mark.parametrize("builder", [make_xlsx, make_csv])
def test_too_many_rows_are_refused(settings, builder):
    settings.IMPORT_MAX_ROWS = 3
    name = "many.xlsx" if builder is make_xlsx else "many.csv"
    with pytest.raises(ImportRefused, match="超过 3 行数据的上限"):
        read_table(data=builder([["姓名"]] + [[f"人{i}"] for i in range(4)]), filename=name)
    assert len(read_table(data=builder([["姓名"]] + [[f"人{i}"] for i in range(3)]), filename=name).rows) == 3


# Cells -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [dt.datetime(2024, 3, 1), dt.date(2024, 3, 1), "2024-03-01", "2024/3/1", "2024.03.01", "2024年3月1日",
     "２０２４－０３－０１", "2024-03-01 00:00:00"],
)
def test_dates_are_accepted_as_excel_dates_or_common_text(value):
    assert parse_cell(Column("日期", "d", ColumnType.DATE), value) == dt.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [("2024-13-01", "不存在"), ("2023-02-29", "不存在"), ("03/01/2024", "应为 YYYY-MM-DD"), ("明天", "应为 YYYY-MM-DD"),
     (45000, "应为 YYYY-MM-DD"), ("1800-01-01", "超出合理范围")],
)
def test_bad_dates_are_refused_with_the_reason(value, message):
    with pytest.raises(CellError, match=message):
        parse_cell(Column("日期", "d", ColumnType.DATE), value)


def test_numbers_are_parsed_exactly_and_checked():
    column = Column("比例", "p", ColumnType.DECIMAL, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2)
    assert parse_cell(column, "１０") == Decimal(10)
    assert parse_cell(column, 3.5) == Decimal("3.5")
    assert parse_cell(column, "12.25") == Decimal("12.25")
    for value, message in [("-1", "不能为负数"), ("abc", "不是有效的数字"), ("100.5", "不能大于 100"),
                           ("1.125", "最多保留 2 位小数"), ("NaN", "不是有效的数字"), (True, "应为数字")]:
        with pytest.raises(CellError, match=message):
            parse_cell(column, value)
    integer = Column("人数", "n", ColumnType.INT)
    assert parse_cell(integer, "1,000") == 1000
    assert parse_cell(integer, 2.0) == 2
    with pytest.raises(CellError, match="应为整数"):
        parse_cell(integer, "2.5")


def test_enumerations_and_booleans_match_labels_after_normalisation():
    column = Column("类型", "k", ColumnType.ENUM, choices=[("office", "内设机构"), ("township", "乡镇街道")])
    assert parse_cell(column, " 内设机构 ") == "office"
    assert parse_cell(column, "乡镇 街道") == "township"
    with pytest.raises(CellError, match="可选值：内设机构、乡镇街道"):
        parse_cell(column, "科室")
    flag = Column("公职律师", "b", ColumnType.BOOL)
    assert parse_cell(flag, "是") is True
    assert parse_cell(flag, " 否 ") is False
    assert parse_cell(flag, True) is True


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-1", "@x", " =1"])
def test_formula_like_text_is_refused(text):
    with pytest.raises(CellError, match="疑似公式"):
        parse_cell(Column("姓名", "name"), text)


def test_text_is_limited_to_the_columns_length_and_free_of_control_characters():
    column = Column("姓名", "name", max_length=3)
    assert parse_cell(column, "欧阳娜") == "欧阳娜"
    with pytest.raises(CellError, match="最多 3 个字符，当前 4 个"):
        parse_cell(column, "欧阳娜娜")
    with pytest.raises(CellError, match="控制字符"):
        parse_cell(column, "甲\x07")


# Headers and orchestration ---------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_columns_are_ignored_with_a_warning_and_marked_headers_accepted():
    header = [f"{h}*" if h in ("姓名", "身份证号") else h for h in PERSONNEL_HEADER] + ["备注"]
    rows = [header, ["陈晓明", make_id_number(), "NOPE", "执法"] + [""] * 7 + ["随便写写"]]
    result = run_import(kind="personnel", data=make_xlsx(rows), filename="p.xlsx")
    assert result.warnings == ["未识别的列「备注」，已忽略"]
    assert result.errors == [{"row": 2, "column": "单位编码", "message": "单位编码「NOPE」不存在"}]


@pytest.mark.django_db
def test_a_column_given_twice_is_an_error_on_row_one():
    rows = [PERSONNEL_HEADER + ["姓名"], ["陈晓明", make_id_number(), "X", "执法"] + [""] * 7 + ["陈"]]
    result = run_import(kind="personnel", data=make_xlsx(rows), filename="p.xlsx")
    assert result.errors == [{"row": 1, "column": "姓名", "message": "列「姓名」重复出现（第 1 列和第 12 列）"}]


@pytest.mark.django_db
def test_a_file_without_any_of_the_kinds_columns_is_the_wrong_kind():
    with pytest.raises(ImportRefused, match="没有「人员」导入所需的任何列"):
        run_import(kind="personnel", data=make_xlsx([["考核年度", "备注"], ["2025", "无"]]), filename="x.xlsx")


@pytest.mark.django_db
def test_a_header_only_file_imports_nothing_with_a_warning():
    result = run_import(kind="units", data=make_xlsx([["单位编码", "单位名称", "单位类型"]]), filename="u.xlsx")
    assert result.as_dict() == {"created": 0, "updated": 0, "skipped": 0, "errors": [], "warnings": ["文件中没有数据行"]}


def test_unknown_kinds_are_refused_and_the_registry_lists_the_kinds():
    assert {"units", "personnel"} <= {kind.name for kind in all_kinds()}
    with pytest.raises(ImportRefused, match="未知的导入类型「salaries」"):
        get_kind("salaries")


@pytest.mark.django_db
def test_progress_is_reported_from_zero_to_the_row_count():
    calls = []
    run_import(kind="units", data=sample("units.xlsx"), filename="u.xlsx", progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 6)
    assert calls[-1] == (6, 6)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


@pytest.mark.django_db
def test_the_result_has_exactly_the_contract_keys():
    result = run_import(kind="units", data=sample("units.xlsx"), filename="u.xlsx", dry_run=True)
    assert list(result.as_dict()) == ["created", "updated", "skipped", "errors", "warnings"]


# Workbooks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+86", "-x", "@SUM(A1)", "\tx", "\rx"])
def test_values_a_spreadsheet_would_run_are_neutralised(text):
    assert neutralize(text) == "'" + text
    assert neutralize("陈晓明") == "陈晓明"
    assert neutralize(42) == 42


@pytest.mark.django_db
def test_the_error_workbook_lists_errors_and_marks_the_original_rows():
    rows = [PERSONNEL_HEADER, ["陈晓明", make_id_number(), "NOPE", "执法"] + [""] * 7, [None] * 11,
            ["=HYPERLINK(\"http://evil\")", "310101198503150011", "NOPE", "执法"] + [""] * 7]
    result = run_import(kind="personnel", data=make_xlsx(rows), filename="p.xlsx")
    sheets = read_xlsx(build_error_workbook(result=result))
    assert list(sheets) == ["错误清单", "原始数据"]
    listing = sheets["错误清单"]
    assert listing[0] == ["行号", "列名", "错误原因"]
    assert [row[:2] for row in listing[1:]] == [[2, "单位编码"], [4, "姓名"], [4, "身份证号"], [4, "单位编码"]]
    original = sheets["原始数据"]
    assert original[0][:2] == ["姓名", "身份证号"] and original[0][-1] == "错误说明"
    assert original[1][0] == "陈晓明" and "单位编码：单位编码「NOPE」不存在" in original[1][-1]
    assert all(cell is None for cell in original[2])
    assert original[3][0] == "'=HYPERLINK(\"http://evil\")"
    assert original[3][1] == "310101198503150011"
    assert "身份证号：身份证号校验位错误" in original[3][-1]


@pytest.mark.parametrize("name", ["units", "personnel"])
def test_the_template_marks_required_columns_and_explains_every_column(name):
    kind = get_kind(name)
    data = build_template(kind=kind)
    workbook = read_xlsx(data)
    header = workbook[str(kind.label)][0]
    assert header == [f"{c.header}*" if c.required else c.header for c in kind.columns]
    guide = workbook["填写说明"]
    assert guide[0] == ["列名", "是否必填", "格式", "可选值 / 说明", "示例"]
    described = {row[0]: row for row in guide[1 : len(kind.columns) + 1]}
    assert list(described) == [c.header for c in kind.columns]
    for column in kind.columns:
        assert described[column.header][1] == ("必填" if column.required else "选填")
        for label in column.choice_labels():
            assert label in described[column.header][3]


@pytest.mark.django_db
def test_a_blank_template_reads_back_as_the_kinds_own_header():
    result = run_import(kind="personnel", data=build_template(kind=get_kind("personnel")), filename="t.xlsx")
    assert result.as_dict() == {"created": 0, "updated": 0, "skipped": 0, "errors": [], "warnings": ["文件中没有数据行"]}


# The command line ------------------------------------------------------------------------------


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_records", *args, stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_imports_and_prints_a_chinese_summary():
    code, out, _err = run_command("units", str(SAMPLES / "units.xlsx"))
    assert code == 0
    assert "导入完成：新增 6 条，更新 0 条，跳过 0 条" in out
    assert Unit.objects.count() == 6


@pytest.mark.django_db
def test_command_json_is_exactly_one_object_in_the_contract_shape():
    run_command("units", str(SAMPLES / "units.xlsx"))
    code, out, _err = run_command("personnel", str(SAMPLES / "personnel_gbk.csv"), "--json")
    assert code == 0
    assert json.loads(out) == {"created": 6, "updated": 0, "skipped": 0, "errors": [], "warnings": []}
    assert out.strip().count("\n") == 0
    assert "陈" not in out or "\\u" not in out


@pytest.mark.django_db
def test_command_dry_run_exits_zero_and_writes_nothing():
    code, out, _err = run_command("units", str(SAMPLES / "units.xlsx"), "--dry-run")
    assert code == 0
    assert "仅校验" in out and "正式导入将新增 6 条" in out
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_command_exits_one_on_validation_errors_and_lists_them(tmp_path):
    run_command("units", str(SAMPLES / "units.xlsx"))
    rows = sample_rows("personnel.xlsx")
    rows[3][1] = "310101198503150038"
    path = tmp_path / "people.xlsx"
    path.write_bytes(make_xlsx(rows))
    code, out, err = run_command("personnel", str(path))
    assert code == 1
    assert "第 4 行「身份证号」：身份证号校验位错误" in out
    assert "未写入任何数据" in err
    code, out, _err = run_command("personnel", str(path), "--json")
    assert code == 1
    assert "身份证号校验位错误" in out  # ensure_ascii=False: Chinese as it is, not \u escapes
    assert json.loads(out)["errors"] == [{"row": 4, "column": "身份证号", "message": "身份证号校验位错误"}]
    assert Person.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["personnel", str(SAMPLES / "units.xlsx")], "看起来是「单位」导入文件"),
        (["salaries", str(SAMPLES / "units.xlsx")], "未知的导入类型「salaries」"),
        (["units", "/nonexistent/units.xlsx"], "无法读取文件"),
        (["units", str(SAMPLES / "README.md")], "仅支持 .xlsx 和 .csv 文件"),
        (["units", str(SAMPLES / "units.xlsx"), "--user", "nobody"], "账号「nobody」不存在"),
    ],
)
def test_command_exits_two_when_the_file_cannot_be_imported(args, message):
    code, out, err = run_command(*args)
    assert code == 2
    assert message in err
    code, out, _err = run_command(*args, "--json")
    assert code == 2
    payload = json.loads(out)
    assert payload["errors"][0]["row"] == 0 and message in payload["errors"][0]["message"]


@pytest.mark.django_db
def test_command_user_option_applies_the_users_scope(city, east_hr, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(make_xlsx([PERSONNEL_HEADER, ["李明", make_id_number(), "12010201", "执法"] + [""] * 7]))
    code, out, _err = run_command("personnel", str(path), "--user", "east_hr", "--json")
    assert code == 1
    assert "无权向单位「西区市场监管局」导入人员" in json.loads(out)["errors"][0]["message"]


def test_the_real_command_line_exit_codes(tmp_path):
    png = tmp_path / "photo.xlsx"
    png.write_bytes(PNG)
    missing_column = tmp_path / "people.csv"
    missing_column.write_bytes(make_csv([["姓名", "身份证号", "单位编码"], ["陈晓明", make_id_number(), "SL"]], "gb18030"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", "import_records", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    refused = manage("personnel", str(png), "--json")
    assert refused.returncode == 2
    assert json.loads(refused.stdout)["errors"][0]["message"].startswith("文件内容不是 Excel 表格")
    assert "文件内容不是 Excel 表格" in refused.stderr
    assert "Traceback" not in refused.stderr
    invalid = manage("personnel", str(missing_column))
    assert invalid.returncode == 1
    assert "第 1 行「岗位类别」：缺少必填列「岗位类别」" in invalid.stdout
    assert manage("bogus", str(png)).returncode == 2
