"""The tabular import engine shared by every import kind (DESIGN §5.1).

One pass does: read the file (xlsx through pandas + calamine, or CSV in UTF-8/UTF-8-BOM/GB18030)
within the size, zip and row limits; match the header row to the kind's columns after NFKC
normalisation; parse every cell by its column type; report duplicate keys; let the kind check the
rows against the database and plan its writes; and, only when every row is valid, write the plan
inside one transaction. A kind is a small declarative class in its own app's `imports.py`,
registered with `@register_kind`; the registry discovers those modules on first use.

The result is the contract's object: ``{"created", "updated", "skipped", "errors", "warnings"}``.
Each error is ``{"row": n, "column": "…", "message": "…"}`` with the row as Excel shows it (the
header is row 1; header problems are reported on row 1). Warnings are plain Chinese strings.
A file that cannot be imported at all (unreadable, too large, a zip bomb, too many rows, the wrong
kind) raises `ImportRefused`, which the command turns into exit code 2; as JSON it is reported
as a single error on row 0 with an empty column.

Every import leaves a trace (R16): updates go through the kinds' services, which write audit-log
entries; created records get one `wagtail.create` entry each, written in bulk with the acting user,
the file name and the row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.errors import ApplicationError

ProgressCallback = Callable[[int, int], None]

#: Characters that make a spreadsheet treat a cell as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
#: What an export must neutralise: the formula prefixes, plus tab and carriage return.
EXPORT_UNSAFE_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Spreadsheet XML compresses well, but not this well; anything beyond is a zip bomb.
MAX_COMPRESSION_RATIO = 200
#: Small members may legitimately compress far beyond the ratio (e.g. a sheet of blank styles).
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
_MAX_ZIP_MEMBERS = 2000
_PROGRESS_STEP = 500
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$")
_SPACES = re.compile(r"\s+")


class ImportRefused(ApplicationError):
    """The file cannot be imported at all: unreadable, over a limit, or of the wrong kind (exit code 2)."""


class CellError(ValueError):
    """Raised by a cell parser or a column's `clean` with the Chinese reason the cell is invalid."""


class ColumnType(StrEnum):
    TEXT = "text"
    ENUM = "enum"
    DATE = "date"
    DECIMAL = "decimal"
    BOOL = "bool"
    INT = "int"


_TYPE_LABELS = {
    ColumnType.TEXT: gettext_lazy("文本"),
    ColumnType.ENUM: gettext_lazy("从可选值中选择"),
    ColumnType.DATE: gettext_lazy("日期，格式 YYYY-MM-DD"),
    ColumnType.DECIMAL: gettext_lazy("数字"),
    ColumnType.BOOL: gettext_lazy("是 / 否"),
    ColumnType.INT: gettext_lazy("整数"),
}

_TRUE_LABEL, _FALSE_LABEL = "是", "否"


def normalize_label(value: Any) -> str:
    """Fold a header or enumeration label: NFKC (full-width → half-width), no whitespace."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value)))


def _header_key(value: Any) -> str:
    # Templates mark required columns with a trailing *, so a filled-in template reads back as-is.
    return normalize_label(value).rstrip("*")


@dataclass(frozen=True)
class Column:
    """One column of a kind's file. `header` is part of the file contract and is never translated."""

    header: str
    field: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    #: (stored value, Chinese label) pairs for ENUM columns; the labels are what files contain.
    choices: Sequence[tuple[Any, Any]] = ()
    #: The value a new record gets when the cell is empty. Updates keep the stored value instead.
    default: Any = None
    max_length: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    decimal_places: int | None = None
    #: Fold codes with NFKC (full-width letters and digits are common in hand-typed codes).
    normalize: bool = False
    #: Refuse text that a spreadsheet would run as a formula. Off only where `clean` is stricter.
    refuse_formulas: bool = True
    #: A further check or transformation of the parsed value; raises CellError.
    clean: Callable[[Any], Any] | None = None
    help: Any = ""
    example: str = ""

    @cached_property
    def _labels(self) -> tuple[str, ...]:
        # Labels are matched as the contract writes them (Chinese), whatever language is active.
        with translation.override(None):
            return tuple(str(label) for _value, label in self.choices)

    @cached_property
    def _choice_lookup(self) -> dict[str, Any]:
        return {normalize_label(label): value for (value, _label), label in zip(self.choices, self._labels)}

    def choice_labels(self) -> list[str]:
        return list(self._labels)

    @property
    def header_with_marker(self) -> str:
        return f"{self.header}*" if self.required else self.header


@dataclass
class Row:
    """One data row: its number as Excel shows it, and the parsed values of its non-empty cells."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    valid: bool = True

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass
class Table:
    """The raw cells of a file: its header row and its data rows, each with its Excel row number."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]


@dataclass
class Plan:
    """What a kind will do. Kinds subclass it to carry their own work list."""

    created: int = 0
    updated: int = 0
    skipped: int = 0


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    table: Table | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        """Exactly the contract's JSON object (DESIGN §5.1)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


def refused_result_dict(message: str) -> dict:
    """The contract's object for a file refused as a whole: one error on row 0."""
    return {
        "created": 0,
        "updated": 0,
        "skipped": 0,
        "errors": [{"row": 0, "column": "", "message": message}],
        "warnings": [],
    }


class _Progress:
    """Turns work done in phases (validation, then writing) into (processed, total) in rows."""

    def __init__(self, callback: ProgressCallback | None, total: int, phases: int):
        self.callback, self.total, self.phases = callback, total, max(phases, 1)
        self.phase = 0
        self.last = -1

    def report(self, done: int, *, force: bool = False) -> None:
        if self.callback is None or not self.total:
            return
        share = min(done, self.total) / self.total
        processed = int(self.total * (self.phase + share) / self.phases)
        if force or processed - self.last >= _PROGRESS_STEP or processed == self.total:
            if processed != self.last:
                self.last = processed
                self.callback(processed, self.total)

    def next_phase(self) -> None:
        self.phase = min(self.phase + 1, self.phases - 1)

    def finish(self) -> None:
        if self.callback is not None and self.last != self.total:
            self.last = self.total
            self.callback(self.total, self.total)


class ImportContext:
    """Shared by the engine and a kind during one import: the actor, the scope and the error list."""

    def __init__(self, *, kind: ImportKind, actor, filename: str, dry_run: bool, progress: _Progress):
        self.kind = kind
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.filename = filename
        self.dry_run = dry_run
        self.errors: list[dict] = []
        self.warnings: list[str] = []
        self.present_fields: set[str] = set()
        self.uuid = uuid.uuid4()
        self._progress = progress
        self._headers = {column.field: column.header for column in kind.columns}
        self._scope_paths = self._load_scope()

    def _load_scope(self) -> list[str] | None:
        if self.actor is None or self.actor.is_superuser:
            return None
        from personnel.selectors import user_scope_units

        return [unit.path for unit in user_scope_units(user=self.actor, roles=self.kind.scope_roles)]

    @property
    def scoped(self) -> bool:
        return self._scope_paths is not None

    def in_scope(self, path: str) -> bool:
        """Whether a unit (by its tree path) lies within the actor's subtree; always true for the system."""
        if self._scope_paths is None:
            return True
        return any(path.startswith(top) for top in self._scope_paths)

    def header(self, field_name: str) -> str:
        return self._headers.get(field_name, field_name)

    def error(self, row: Row | int, column: str, message: str) -> None:
        """Report a problem; `column` is a field name of the kind or a header."""
        number = row.number if isinstance(row, Row) else row
        if isinstance(row, Row):
            row.valid = False
        self.errors.append({"row": number, "column": self.header(column), "message": str(message)})

    def warn(self, message: str) -> None:
        self.warnings.append(str(message))

    def advance(self, done: int) -> None:
        """Kinds call this while writing, with the number of rows written so far."""
        self._progress.report(done)


class ImportKind:
    """A kind of import: its columns, its key, who may run it, and how it checks and writes rows.

    Subclasses declare the class attributes and implement `prepare` (read-only: check rows against
    the database, report errors through the context, and return a Plan with the counts) and
    `write` (carry the plan out; called inside the import's transaction, only when no row is invalid).
    """

    name: ClassVar[str]
    label: ClassVar[Any]
    columns: ClassVar[tuple[Column, ...]]
    key: ClassVar[tuple[str, ...]]
    #: Any one of these permissions lets a user run the kind (None as actor means the system).
    permissions: ClassVar[tuple[str, ...]] = ()
    #: The roles whose unit scope bounds what a non-superuser may import.
    scope_roles: ClassVar[tuple[str, ...]] = ()
    notes: ClassVar[tuple[Any, ...]] = ()

    def column(self, field_name: str) -> Column:
        for column in self.columns:
            if column.field == field_name:
                return column
        raise KeyError(field_name)

    def key_headers(self) -> str:
        return "+".join(self.column(name).header for name in self.key)

    def user_may_import(self, user) -> bool:
        if user is None:
            return True
        if not getattr(user, "is_active", False):
            return False
        return user.is_superuser or any(user.has_perm(perm) for perm in self.permissions)

    def prepare(self, *, rows: list[Row], context: ImportContext) -> Plan:
        raise NotImplementedError

    def write(self, *, plan: Plan, context: ImportContext) -> None:
        raise NotImplementedError


_REGISTRY: dict[str, ImportKind] = {}
_discovered = False


def register_kind(cls: type[ImportKind]) -> type[ImportKind]:
    """Class decorator: make a kind available to the command, the admin and the task."""
    _REGISTRY[cls.name] = cls()
    return cls


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True


def all_kinds() -> list[ImportKind]:
    _discover()
    return list(_REGISTRY.values())


def get_kind(name: str) -> ImportKind:
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        names = pgettext("enumeration separator", "、").join(_REGISTRY)
        raise ImportRefused(
            _("未知的导入类型「%(name)s」，可选：%(names)s") % {"name": name, "names": names}
        ) from None


# Reading ---------------------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs from the zip's own directory, before any parser inflates a byte (then verify)."""
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise ImportRefused(_("文件已损坏，无法作为 Excel 表格读取")) from None
    if len(members) > _MAX_ZIP_MEMBERS:
        raise ImportRefused(_("文件结构异常（包含的部件过多），已拒绝导入"))
    if not any(info.filename == "xl/workbook.xml" for info in members):
        raise ImportRefused(_("文件不是 Excel 表格（.xlsx），请上传 .xlsx 或 .csv 文件"))
    declared = sum(info.file_size for info in members)
    if declared > limit:
        raise ImportRefused(
            _("文件解压后过大（%(size)s MB，上限 %(limit)s MB），已拒绝导入")
            % {"size": _mb(declared), "limit": _mb(limit)}
        )
    for info in members:
        if info.file_size > _RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ImportRefused(_("文件压缩比异常，疑似恶意构造的压缩文件，已拒绝导入"))
    # The directory could lie; zipfile stops at the declared size and then fails the CRC check.
    inflated = 0
    try:
        for info in members:
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    inflated += len(chunk)
                    if inflated > limit:
                        raise ImportRefused(_("文件解压后过大，已拒绝导入"))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise ImportRefused(_("文件已损坏，无法作为 Excel 表格读取")) from None


def _frame_rows(values: Iterable[Sequence[Any]]) -> Table:
    rows = [list(row) for row in values]
    header_index = next((i for i, row in enumerate(rows) if any(not _is_blank(v) for v in row)), None)
    if header_index is None:
        raise ImportRefused(_("文件是空的，没有表头和数据"))
    headers = ["" if _is_blank(v) else cell_text(v) for v in rows[header_index]]
    while headers and headers[-1] == "":
        headers.pop()
    data = [
        (index + 1, row)
        for index, row in enumerate(rows)
        if index > header_index and any(not _is_blank(v) for v in row)
    ]
    max_rows = settings.IMPORT_MAX_ROWS
    if len(data) > max_rows:
        raise ImportRefused(_("文件超过 %(max)s 行数据的上限，请拆分后分批导入") % {"max": max_rows})
    return Table(headers=headers, header_row=header_index + 1, rows=data)


def _read_xlsx(data: bytes) -> Table:
    import pandas as pd

    _check_zip(data)
    try:
        frame = pd.read_excel(
            io.BytesIO(data),
            engine="calamine",
            sheet_name=0,
            header=None,
            dtype=object,
            keep_default_na=False,
            na_values=[],
            # Stop reading once the row limit is certainly exceeded (header + blank rows leeway).
            nrows=settings.IMPORT_MAX_ROWS + 1000,
        )
    except Exception:  # noqa: BLE001 - calamine reports corrupt workbooks with many exception types
        raise ImportRefused(_("文件已损坏，无法作为 Excel 表格读取")) from None
    return _frame_rows(frame.itertuples(index=False, name=None))


def _decode_text(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportRefused(_("文件不是表格文件，请上传 .xlsx 或 .csv 文件"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL_CHARS.search(text):
            break
        return text
    raise ImportRefused(_("无法识别文件的文字编码，请将 CSV 保存为 UTF-8 或 GBK 编码"))


def _read_csv(data: bytes) -> Table:
    import pandas as pd

    text = _decode_text(data)
    max_rows = settings.IMPORT_MAX_ROWS
    if text.count("\n") > max_rows + 1000:
        raise ImportRefused(_("文件超过 %(max)s 行数据的上限，请拆分后分批导入") % {"max": max_rows})
    # Excel pads short records but never writes long ones; size the frame to the widest record.
    try:
        width = max((len(record) for record in csv.reader(io.StringIO(text))), default=0)
    except csv.Error:
        raise ImportRefused(_("CSV 文件格式错误，无法读取")) from None
    if width == 0:
        raise ImportRefused(_("文件是空的，没有表头和数据"))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=list(range(width)),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except Exception:  # noqa: BLE001 - the C parser raises several types for malformed input
        raise ImportRefused(_("CSV 文件格式错误，无法读取")) from None
    return _frame_rows(frame.itertuples(index=False, name=None))


def read_table(*, data: bytes, filename: str) -> Table:
    """Read a file into raw cells, by its content first and its extension second."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise ImportRefused(
            _("文件过大（%(size)s MB），上限为 %(limit)s MB") % {"size": _mb(len(data)), "limit": _mb(limit)}
        )
    if not data:
        raise ImportRefused(_("文件是空的，没有表头和数据"))
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data)
    if data.startswith(_OLE_MAGIC):
        raise ImportRefused(
            _("不支持 Excel 97-2003（.xls）格式或加密的表格，请在 Excel 中另存为 .xlsx 后重新上传")
        )
    if extension == "csv":
        return _read_csv(data)
    if extension == "xlsx":
        raise ImportRefused(_("文件内容不是 Excel 表格（.xlsx），请检查文件是否损坏或被改了扩展名"))
    raise ImportRefused(_("仅支持 .xlsx 和 .csv 文件"))


# Cells -----------------------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip() == ""


def cell_text(value: Any) -> str:
    """A cell as the text a user typed: integers without '.0', dates as YYYY-MM-DD."""
    if _is_blank(value):
        return ""
    if isinstance(value, bool):
        return _TRUE_LABEL if value else _FALSE_LABEL
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("应为数字"))
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("「%(value)s」不是有效的数字") % {"value": text}) from None
    if not number.is_finite():
        raise CellError(_("「%(value)s」不是有效的数字") % {"value": text})
    return number


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    match = _DATE_RE.match(text)
    if not match:
        raise CellError(_("「%(value)s」不是有效的日期，应为 YYYY-MM-DD 格式") % {"value": text})
    try:
        parsed = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(_("日期「%(value)s」不存在") % {"value": text}) from None
    if not 1900 <= parsed.year <= 2100:
        raise CellError(_("日期「%(value)s」超出合理范围") % {"value": text})
    return parsed


def parse_cell(column: Column, value: Any) -> Any:
    """Parse one non-empty cell by its column's type; raises CellError with the reason."""
    kind = column.type
    if kind == ColumnType.TEXT:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15:
            # Excel keeps 15 significant digits: an ID number typed as a number has lost its tail.
            raise CellError(_("该单元格被 Excel 存成了数字，末尾数字已丢失，请将此列设为文本格式后重新填写"))
        text = cell_text(value)
        if column.normalize:
            text = unicodedata.normalize("NFKC", text).strip()
        if column.refuse_formulas and text.startswith(FORMULA_PREFIXES):
            raise CellError(
                _("内容不能以 =、+、-、@ 开头（疑似公式），请删除开头的「%(char)s」") % {"char": text[0]}
            )
        if _CONTROL_CHARS.search(text):
            raise CellError(_("内容含有不可见的控制字符"))
        if column.max_length is not None and len(text) > column.max_length:
            raise CellError(
                _("内容过长：最多 %(max)d 个字符，当前 %(len)d 个") % {"max": column.max_length, "len": len(text)}
            )
        parsed: Any = text
    elif kind == ColumnType.ENUM:
        wanted = normalize_label(cell_text(value))
        if wanted not in column._choice_lookup:
            raise CellError(
                _("「%(value)s」不是有效的%(column)s，可选值：%(choices)s")
                % {"value": cell_text(value), "column": column.header, "choices": "、".join(column._labels)}
            )
        parsed = column._choice_lookup[wanted]
    elif kind == ColumnType.DATE:
        parsed = _parse_date(value)
    elif kind == ColumnType.BOOL:
        if isinstance(value, bool):
            parsed = value
        else:
            text = normalize_label(cell_text(value))
            if text not in (_TRUE_LABEL, _FALSE_LABEL):
                raise CellError(_("「%(value)s」无效，应填写“是”或“否”") % {"value": cell_text(value)})
            parsed = text == _TRUE_LABEL
    else:
        number = _number(value)
        if kind == ColumnType.INT:
            if number != number.to_integral_value():
                raise CellError(_("应为整数"))
            number = number.to_integral_value()
        if number < 0 and (column.min_value is None or column.min_value >= 0):
            raise CellError(_("不能为负数"))
        if column.min_value is not None and number < column.min_value:
            raise CellError(_("不能小于 %(min)s") % {"min": column.min_value})
        if column.max_value is not None and number > column.max_value:
            raise CellError(_("不能大于 %(max)s") % {"max": column.max_value})
        if column.decimal_places is not None and kind == ColumnType.DECIMAL:
            exponent = number.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > column.decimal_places:
                raise CellError(_("最多保留 %(places)d 位小数") % {"places": column.decimal_places})
        parsed = int(number) if kind == ColumnType.INT else number
    if column.clean is not None:
        parsed = column.clean(parsed)
    return parsed


# Orchestration ---------------------------------------------------------------------------------


def _match_headers(kind: ImportKind, table: Table, context: ImportContext) -> dict[int, Column]:
    """Map file columns to the kind's columns; report unknown, duplicated and missing ones."""
    by_key = {_header_key(column.header): column for column in kind.columns}
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = _header_key(header)
        if not key:
            if any(index < len(cells) and not _is_blank(cells[index]) for _n, cells in table.rows):
                context.warn(_("第 %(index)d 列没有列名，已忽略该列") % {"index": index + 1})
            continue
        column = by_key.get(key)
        if column is None:
            context.warn(_("未识别的列「%(header)s」，已忽略") % {"header": header})
            continue
        if column.field in seen:
            context.error(
                table.header_row,
                column.field,
                _("列「%(header)s」重复出现（第 %(first)d 列和第 %(second)d 列）")
                % {"header": column.header, "first": seen[column.field] + 1, "second": index + 1},
            )
            continue
        seen[column.field] = index
        mapping[index] = column
    present = {column.field for column in mapping.values()}
    missing = [column for column in kind.columns if column.required and column.field not in present]
    if missing:
        if not present:
            raise ImportRefused(
                _("文件中没有「%(kind)s」导入所需的任何列，请确认导入类型是否正确") % {"kind": kind.label}
            )
        file_keys = {_header_key(header) for header in table.headers}
        for other in all_kinds():
            if other is kind:
                continue
            if all(_header_key(column.header) in file_keys for column in other.columns if column.required):
                raise ImportRefused(
                    _("文件内容与导入类型「%(kind)s」不符，看起来是「%(other)s」导入文件")
                    % {"kind": kind.label, "other": other.label}
                )
        for column in missing:
            context.error(table.header_row, column.field, _("缺少必填列「%(header)s」") % {"header": column.header})
    context.present_fields = present
    return mapping


def _parse_rows(
    table: Table, mapping: dict[int, Column], context: ImportContext, progress: _Progress
) -> list[Row]:
    rows: list[Row] = []
    required = [column for column in mapping.values() if column.required]
    for position, (number, cells) in enumerate(table.rows, start=1):
        row = Row(number=number)
        for index, column in mapping.items():
            raw = cells[index] if index < len(cells) else None
            if _is_blank(raw):
                continue
            row.texts[column.field] = cell_text(raw)
            try:
                row.values[column.field] = parse_cell(column, raw)
            except CellError as exc:
                context.error(row, column.field, str(exc))
        for column in required:
            if column.field not in row.values and column.field not in row.texts:
                context.error(row, column.field, _("「%(header)s」不能为空") % {"header": column.header})
        rows.append(row)
        if position % _PROGRESS_STEP == 0:
            progress.report(position)
    return rows


def _check_duplicate_keys(kind: ImportKind, rows: list[Row], context: ImportContext) -> None:
    if not kind.key or not all(name in context.present_fields for name in kind.key):
        return
    first_seen: dict[tuple, int] = {}
    for row in rows:
        if not all(name in row.values for name in kind.key):
            continue
        key = tuple(row.values[name] for name in kind.key)
        if key in first_seen:
            context.error(
                row,
                kind.key[0] if len(kind.key) == 1 else kind.key_headers(),
                _("与第 %(first)d 行重复（%(key)s相同）") % {"first": first_seen[key], "key": kind.key_headers()},
            )
        else:
            first_seen[key] = row.number


def _sorted_errors(errors: list[dict], kind: ImportKind) -> list[dict]:
    order = {column.header: index for index, column in enumerate(kind.columns)}
    return sorted(errors, key=lambda e: (e["row"], order.get(e["column"], len(order))))


class _WriteFailed(Exception):
    pass


def run_import(
    *,
    kind: ImportKind | str,
    data: bytes,
    filename: str,
    actor=None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Validate every row, then write all of them in one transaction, or nothing at all.

    `actor` is the acting user (None: the system, e.g. the command line). A non-superuser actor
    must hold one of the kind's permissions and may touch only units within their subtree.
    `progress(processed, total)` is called now and then; total is the number of data rows, and
    validation counts for the first half of the work when rows are to be written.
    Raises ImportRefused when the file cannot be imported at all.
    """
    if isinstance(kind, str):
        kind = get_kind(kind)
    if not kind.user_may_import(actor if getattr(actor, "is_authenticated", False) else None):
        raise ImportRefused(_("您没有导入「%(kind)s」的权限") % {"kind": kind.label})
    table = read_table(data=data, filename=filename)
    tracker = _Progress(progress, len(table.rows), phases=1 if dry_run else 2)
    context = ImportContext(kind=kind, actor=actor, filename=filename, dry_run=dry_run, progress=tracker)
    result = ImportResult(dry_run=dry_run, table=table)
    tracker.report(0, force=True)

    mapping = _match_headers(kind, table, context)
    if not table.rows:
        context.warn(_("文件中没有数据行"))
    rows = _parse_rows(table, mapping, context, tracker)
    _check_duplicate_keys(kind, rows, context)
    plan: Plan | None = None
    if not any(error["row"] == table.header_row for error in context.errors):
        plan = kind.prepare(rows=rows, context=context)
    tracker.report(len(table.rows))

    if not context.errors and plan is not None and not dry_run:
        tracker.next_phase()
        try:
            with transaction.atomic():
                try:
                    kind.write(plan=plan, context=context)
                except ApplicationError as exc:
                    # A service refused a row that passed validation (e.g. changed meanwhile): undo all.
                    context.error(exc.extra.get("row", 0), exc.extra.get("column", ""), exc.message)
                    raise _WriteFailed from exc
        except _WriteFailed:
            pass
        except IntegrityError:
            raise ImportRefused(_("导入期间数据被其他操作修改，未写入任何数据，请重新导入")) from None
        else:
            result.written = True

    result.errors = _sorted_errors(context.errors, kind)
    result.warnings = context.warnings
    if plan is not None and not result.errors:
        result.created, result.updated, result.skipped = plan.created, plan.updated, plan.skipped
    tracker.finish()
    return result


def log_created(*, context: ImportContext, created: Sequence[tuple[Any, int]]) -> None:
    """One `wagtail.create` audit entry per created record (R16), written in bulk.

    `created` pairs each saved instance with its row number; the entry names the file and the row.
    """
    from wagtail.models import ModelLogEntry

    if not created:
        return
    content_type = ContentType.objects.get_for_model(type(created[0][0]), for_concrete_model=False)
    now = timezone.now()
    entries = [
        ModelLogEntry(
            content_type=content_type,
            label=str(instance)[:255] or str(instance.pk),
            action="wagtail.create",
            timestamp=now,
            data={"source": "import", "kind": context.kind.name, "file": context.filename, "row": number},
            uuid=context.uuid,
            user=context.actor,
            object_id=str(instance.pk),
        )
        for instance, number in created
    ]
    ModelLogEntry.objects.bulk_create(entries, batch_size=1000)


# Workbooks -------------------------------------------------------------------------------------


def neutralize(value: Any) -> Any:
    """Make a value safe to put in a spreadsheet: text a spreadsheet would run gets a leading '."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if value.startswith(EXPORT_UNSAFE_PREFIXES):
            value = "'" + value
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_error_workbook(*, result: ImportResult) -> bytes:
    """错误清单: the errors, then the original rows with an 错误说明 column, at their original row numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    highlight = PatternFill("solid", fgColor="FDECEA")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("错误清单")
    sheet.append([_("行号"), _("列名"), _("错误原因")])
    for cell in sheet[1]:
        cell.font = bold
    for error in result.errors:
        sheet.append([error["row"], neutralize(error["column"]), neutralize(error["message"])])
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 80

    table = result.table
    if table is not None:
        separator = pgettext("list separator", "；")
        original = workbook.create_sheet(_("原始数据"))
        messages: dict[int, list[str]] = {}
        for error in result.errors:
            label = (
                _("%(column)s：%(message)s") % {"column": error["column"], "message": error["message"]}
                if error["column"]
                else error["message"]
            )
            messages.setdefault(error["row"], []).append(label)
        explain_col = len(table.headers) + 1
        for col, header in enumerate(table.headers, start=1):
            original.cell(row=table.header_row, column=col, value=neutralize(header)).font = bold
        original.cell(row=table.header_row, column=explain_col, value=_("错误说明")).font = bold
        for number, cells in table.rows:
            for col, raw in enumerate(cells[: len(table.headers)], start=1):
                text = cell_text(raw)
                if text:
                    original.cell(row=number, column=col, value=neutralize(text))
            if number in messages:
                cell = original.cell(row=number, column=explain_col, value=neutralize(separator.join(messages[number])))
                for col in range(1, explain_col + 1):
                    original.cell(row=number, column=col).fill = highlight
        if table.header_row in messages:
            original.cell(
                row=table.header_row, column=explain_col + 1, value=neutralize(separator.join(messages[table.header_row]))
            )
        original.column_dimensions[original.cell(row=1, column=explain_col).column_letter].width = 60
    return _workbook_bytes(workbook)


def build_template(*, kind: ImportKind) -> bytes:
    """A blank workbook for a kind: the header row (required columns marked *) and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.label)
    required_font = Font(bold=True, color="C00000")
    header_fill = PatternFill("solid", fgColor="EEF3F8")
    for col, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header_with_marker)
        cell.font = required_font if column.required else Font(bold=True)
        cell.fill = header_fill
        if column.required:
            cell.comment = Comment(str(_("必填")), "")
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 2 + 4)
        # Text format keeps leading zeros and long ID numbers exactly as typed.
        number_format = "yyyy-mm-dd" if column.type == ColumnType.DATE else "@"
        for row in range(2, 1002):
            sheet.cell(row=row, column=col).number_format = number_format
        if column.type in (ColumnType.ENUM, ColumnType.BOOL):
            labels = column.choice_labels() if column.type == ColumnType.ENUM else [_TRUE_LABEL, _FALSE_LABEL]
            validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
            validation.add(f"{letter}2:{letter}1001")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet(_("填写说明"))
    separator = pgettext("list separator", "；")
    guide.append([_("列名"), _("是否必填"), _("格式"), _("可选值 / 说明"), _("示例")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        if column.type == ColumnType.ENUM:
            allowed = "、".join(column.choice_labels())
            if column.default is not None:
                default_label = dict(zip((v for v, _l in column.choices), column.choice_labels())).get(column.default)
                allowed += str(_("；留空默认为“%(label)s”") % {"label": default_label})
        elif column.type == ColumnType.BOOL:
            allowed = _("是、否")
            if column.default is not None:
                allowed += str(_("；留空默认为“%(label)s”") % {"label": _TRUE_LABEL if column.default else _FALSE_LABEL})
        else:
            allowed = ""
        description = separator.join(part for part in (str(allowed), str(column.help)) if part)
        if column.max_length:
            description = separator.join(
                part for part in (description, str(_("最多 %(max)d 个字符") % {"max": column.max_length})) if part
            )
        guide.append(
            [
                column.header,
                _("必填") if column.required else _("选填"),
                str(_TYPE_LABELS[column.type]),
                neutralize(description),
                neutralize(column.example),
            ]
        )
    guide.append([])
    general_notes = [
        _("第 1 行为表头，请勿修改列名；带 * 的列为必填列。从第 2 行起每行填写一条记录。"),
        _("日期请填写为 YYYY-MM-DD（如 2024-03-01），或使用 Excel 的日期格式。"),
        _("编码、身份证号等请保持文本格式，以免 Excel 去掉开头的 0 或改写长数字。"),
        _("文本不能以 =、+、-、@ 开头。"),
        _("导入前会校验所有行；任何一行有错误时不会写入任何数据，可下载错误清单修改后重新导入。"),
        _("再次导入相同的数据不会重复登记；更新已有记录时，留空的选填单元格保持原值不变。"),
        *kind.notes,
    ]
    guide.append([pgettext("import template", "说明")])
    guide.cell(row=guide.max_row, column=1).font = Font(bold=True)
    for note in general_notes:
        guide.append([str(note)])
    for letter, width in zip("ABCDE", (24, 10, 24, 60, 22)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _workbook_bytes(workbook)
