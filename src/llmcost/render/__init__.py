"""Rendering: report dicts (the JSON contract) → text in every format.

One module per report (``bill``, ``check``, ``compare``, ``counts``, ``models``, ``history``), one
layout module that fits tables to a width (``layout``), one module that makes text safe for where it
goes (``text``, ``markdown``), and one writer that decides where bytes go and how (``writer``).
Reports return strings and never print.
"""

from __future__ import annotations

from .bill import (
    CSV_COLUMNS,
    STREAMS,
    CsvStream,
    JsonLinesStream,
    JsonStream,
    Stream,
    TableStream,
    csv_row,
    csv_total_row,
    line_csv_row,
    render_bill,
    render_stream,
    stream_for,
    to_csv,
    to_markdown,
    to_table,
)
from .check import check_report, check_summary, render_check
from .compare import compare_report, render_compare
from .counts import count_report, render_counts
from .models import models_report, render_models
from .report import SCHEMA_VERSION, bill_report, fx_dict, line_dict, report_head, skipped_dict, to_json
from .report import quantity as _quantity

FORMATS = ("table", "json", "csv", "markdown")

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "SCHEMA_VERSION",
    "STREAMS",
    "CsvStream",
    "JsonLinesStream",
    "JsonStream",
    "Stream",
    "TableStream",
    "_quantity",
    "bill_report",
    "check_report",
    "check_summary",
    "compare_report",
    "count_report",
    "csv_row",
    "csv_total_row",
    "fx_dict",
    "line_csv_row",
    "line_dict",
    "models_report",
    "render_bill",
    "render_check",
    "render_compare",
    "render_counts",
    "render_models",
    "render_stream",
    "report_head",
    "skipped_dict",
    "stream_for",
    "to_csv",
    "to_json",
    "to_markdown",
    "to_table",
]
