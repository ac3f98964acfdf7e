"""The ``llmcost prices status`` report (``book.status``) as a table, JSON, CSV (a row per provider) or
markdown."""

from __future__ import annotations

from typing import Any

from .bill import csv_line
from .layout import Block, Column, Table, Text, render
from .markdown import md_lines, md_table
from .report import to_json

STATUS_CSV = ["provider", "checked", "newest_price", "models"]


def status_blocks(report: dict[str, Any]) -> list[Block]:
    book = report["price_book"]
    dated = f" · dated {book['book_date']}" if book.get("book_date") else ""
    blocks: list[Block] = [
        Text(f"Price book: {book.get('description', '')}", "bold"),
        Text(f"digest {book.get('book_digest', '')}{dated}", indent=2),
    ]
    unused = report.get("unused_update")
    if unused:
        blocks.append(Text(f"Not used: the update {unused['description']}", "yellow", indent=2, hang=2))
        blocks.append(Text(f"({unused['reason']}; 'llmcost prices reset' removes it)", "yellow", indent=4))
    if report.get("rollback_to"):
        blocks.append(Text(f"'llmcost prices update --rollback' returns to: {report['rollback_to']}", indent=2))
    rows: list[list[Any]] = [
        [p["provider"], p["checked"] or "—", p["newest_price"] or "—", str(p["models"])] for p in report["providers"]
    ]
    blocks.append(
        Table([Column("Provider", key=True), Column("Checked"), Column("Newest price"), Column("Models", "r")], rows)
    )
    fx = report["fx"]
    if fx["last_date"]:
        blocks.append(Text(f"USD/CNY: {fx['usd_cny']} on {fx['last_date']} (the last of {fx['rates']} dated rates)"))
    else:
        blocks.append(Text("USD/CNY: no dated rate in the book"))
    return blocks


def render_status(
    report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None, wide: bool = False
) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        rows = [[p[c] if p[c] is not None else "" for c in STATUS_CSV] for p in report["providers"]]
        return "".join(csv_line(row) for row in [STATUS_CSV, *rows])
    if fmt_name == "markdown":
        return _markdown(report)
    return render(status_blocks(report), width=width, color=color, wide=wide)


def _markdown(report: dict[str, Any]) -> str:
    blocks = status_blocks(report)
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Table))
    table = blocks[at]
    assert isinstance(table, Table)
    head = [b.text for b in blocks[:at] if isinstance(b, Text)]
    tail = [b.text for b in blocks[at + 1 :] if isinstance(b, Text)]
    parts = [*md_lines(head), "", md_table([c.header for c in table.columns], table.rows, "lllr"), *md_lines(tail)]
    return "\n".join(parts) + "\n"
