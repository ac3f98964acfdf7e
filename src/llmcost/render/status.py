"""The ``llmcost prices status`` report (``book.status``) as a table or JSON."""

from __future__ import annotations

from typing import Any

from .layout import Block, Column, Table, Text, render
from .report import to_json


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
    return render(status_blocks(report), width=width, color=color, wide=wide)
