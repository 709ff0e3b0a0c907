"""Building spreadsheet files for import tests: xlsx through openpyxl, CSV in any encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook, load_workbook

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"

PERSONNEL_HEADER = [
    "姓名", "身份证号", "单位编码", "岗位类别", "人员状态", "人员类别",
    "任职日期", "法律职业资格证书编号", "公职律师", "手机号", "职务",
]
UNITS_HEADER = [
    "单位编码", "单位名称", "上级单位编码", "单位类型", "执法领域",
    "法制审核比例基数", "法制审核比例(%)", "法制审核最少人数",
]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def make_xlsx(rows: list[list]) -> bytes:
    """An xlsx whose first sheet holds `rows` from A1; strings stay strings, dates stay dates."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                # Stored as text, the way Excel keeps a cell typed as '=…: not a formula, but formula-like.
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_csv(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    """Every sheet of a workbook as lists of cell values, by sheet title."""
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def sample_rows(name: str) -> list[list]:
    """The cells of a sample workbook, header first, as the strings a user typed."""
    rows = read_xlsx(sample(name))
    first = next(iter(rows.values()))
    return [["" if value is None else str(value) for value in row] for row in first]
