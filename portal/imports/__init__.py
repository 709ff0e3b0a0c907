"""The one tabular import engine (DESIGN §5.1). Kinds live in `<app>/imports.py` and register themselves."""

from .engine import (
    CellError,
    Column,
    ColumnType,
    ImportContext,
    ImportKind,
    ImportRefused,
    ImportResult,
    Plan,
    Row,
    all_kinds,
    build_error_workbook,
    build_template,
    get_kind,
    read_table,
    register_kind,
    run_import,
)

__all__ = [
    "CellError",
    "Column",
    "ColumnType",
    "ImportContext",
    "ImportKind",
    "ImportRefused",
    "ImportResult",
    "Plan",
    "Row",
    "all_kinds",
    "build_error_workbook",
    "build_template",
    "get_kind",
    "read_table",
    "register_kind",
    "run_import",
]
