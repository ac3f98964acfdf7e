"""Rendering for ``llmcost prices status``: the report (``book.status``) → table or JSON text."""

from __future__ import annotations

from typing import Any

from .render import console, rich_table, to_json


def render_status(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int = 120) -> str:
    if fmt_name == "json":
        return to_json(report)
    book = report["price_book"]
    out = console(color, width)
    dated = f" · dated {book['book_date']}" if book.get("book_date") else ""
    out.print(f"Price book: {book.get('description', '')}", markup=False, style="bold")
    out.print(f"  digest {book.get('book_digest', '')}{dated}", markup=False)
    unused = report.get("unused_update")
    if unused:
        out.print(f"  Not used: the update {unused['description']}", markup=False, style="yellow")
        out.print(f"    ({unused['reason']}; 'llmcost prices reset' removes it)", markup=False, style="yellow")
    if report.get("rollback_to"):
        out.print(f"  'llmcost prices update --rollback' returns to: {report['rollback_to']}", markup=False)
    rows = [[p["provider"], p["checked"] or "—", p["newest_price"] or "—", str(p["models"])]
            for p in report["providers"]]
    out.print(rich_table(None, ["Provider", "Checked", "Newest price", "Models"], rows, "lllr"))
    fx = report["fx"]
    if fx["last_date"]:
        out.print(f"USD/CNY: {fx['usd_cny']} on {fx['last_date']} (the last of {fx['rates']} dated rates)",
                  markup=False)
    else:
        out.print("USD/CNY: no dated rate in the book", markup=False)
    return out.file.getvalue()
