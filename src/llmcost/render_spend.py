"""Rendering ``llmcost check --usage`` (``usage.spend.spend_report``): a month's real spend per project
against budgets, in the formats of ``check`` — a table, markdown for a pull-request comment, CSV and
JSON.  Project and model names come from a file: they are escaped for where they go."""

from __future__ import annotations

from typing import Any

from .render.bill import csv_line
from .render.layout import Block, Column, Table, Text, render
from .render.markdown import Markup, md_lines, md_table, strong
from .render.report import to_json
from .render.text import amount, clean, md


def _cells(report: dict[str, Any], marks: tuple[str, str]) -> tuple[list[Column], list[list[Any]], list[Any]]:
    cur = report["currency"]
    ok, over = marks

    def money(value: str | None) -> str:
        return "—" if value is None else amount(value, cur)

    def pct(value: str | None) -> str:
        return "—" if value is None else f"{value}%"

    columns = [
        Column("Project", key=True),
        Column("Records", "r", 2),
        Column("Spent", "r"),
        Column("Budget", "r", 1),
        Column("Headroom", "r", 2),
        Column("Used", "r", 1),
        Column("Status"),
    ]
    rows: list[list[Any]] = []
    for line in report["lines"]:
        status = (f"{over} budget", "red") if line["verdict"] == "over" else (ok, "green")
        rows.append(
            [
                clean(line["name"]),
                f"{line['records']:,}",
                money(line["total"]),
                money(line["budget"]),
                money(line["headroom"]),
                pct(line["percent_used"]),
                status,
            ]
        )
    total_over = any(f["name"] is None for f in report["failures"])
    total = [
        "Total",
        f"{report['priced_records']:,}",
        money(report["total"]),
        money(report["budget"]),
        money(report["headroom"]),
        pct(report["percent_used"]),
        (f"{over} budget", "red") if total_over else (ok, "green"),
    ]
    return columns, rows, total


def footer_lines(report: dict[str, Any]) -> list[str]:
    """What was counted and what was not: records read, in other months, skipped; the rate."""
    out = []
    read, month = report["records"], report["month"]
    text = f"{read:,} record{'' if read == 1 else 's'} read, {report['priced_records']:,} in {month}"
    if report["outside_month"]:
        text += f"; {report['outside_month']:,} in other months, not counted"
    out.append(text + ".")
    for s in report["skipped"]:
        out.append(
            f"Not priced: {s['records']:,} record{'' if s['records'] == 1 else 's'} of {clean(s['model'])}: "
            f"{clean(s['reason'])} "
            f"(first: {clean(s['first'])})"
        )
    fx = report.get("fx")
    if fx is not None and report["converted"]:
        out.append(f"Converted at 1 USD = {fx['usd_cny']} CNY ({fx['date'] or 'given with --rate'}).")
    out.append(
        "Each record is priced at the price in force on its own day in its vendor's billing zone "
        f"(Beijing time for mainland vendors, UTC for global ones); {report['rounding']}."
    )
    return out


def spend_blocks(report: dict[str, Any]) -> list[Block]:
    columns, rows, total = _cells(report, ("ok", "OVER"))
    passed = report["verdict"] == "pass"
    blocks: list[Block] = []
    if rows:
        blocks.append(Table(columns, rows, [[total]]))
    blocks.append(Text(clean(report["summary"]), "bold green" if passed else "bold red", hang=2))
    blocks += [Text(f"✗ {clean(f['message'])}", "red", indent=2, hang=2) for f in report["failures"]]
    blocks += [Text(line, "dim", hang=2) for line in footer_lines(report)]
    return blocks


def spend_to_markdown(report: dict[str, Any]) -> str:
    passed = report["verdict"] == "pass"
    summary = report["summary"].split(": ", 1)[1]
    parts = [
        f"### {'✅' if passed else '❌'} llmcost: spend check for {md(report['month'])} "
        f"{'passed' if passed else 'failed'}",
        "",
        md(summary),
        "",
    ]
    columns, rows, total = _cells(report, ("✅ ok", "❌ over"))
    if rows:
        cells = [[c[0] if isinstance(c, tuple) else c for c in row] for row in rows]
        last = [c[0] if isinstance(c, tuple) else c for c in total]
        cells.append([strong(c) if i in (0, 2) else c for i, c in enumerate(last)])
        parts += [md_table([c.header for c in columns], cells, "".join(c.align for c in columns)).rstrip("\n"), ""]
    if report["failures"]:
        parts += ["**Failures**", "", *md_lines(Markup("❌ " + md(f["message"])) for f in report["failures"]), ""]
    parts += md_lines(footer_lines(report))
    parts += md_lines([f"Price book {report['price_book']}; {report['generator']}"])
    return "\n".join(parts) + "\n"


SPEND_CSV = ["name", "currency", "records", "total", "budget", "headroom", "percent_used", "verdict"]


def spend_to_csv(report: dict[str, Any]) -> str:
    """A row per project, then the TOTAL row with the verdict of the whole check."""
    out = [csv_line(["month", *SPEND_CSV])]
    total_over = any(f["name"] is None for f in report["failures"])
    total = {**report, "name": "TOTAL", "records": report["priced_records"], "verdict": "over" if total_over else "ok"}
    for line in [*report["lines"], total]:
        values = {**line, "currency": report["currency"]}
        out.append(csv_line([report["month"], *("" if values.get(c) is None else values[c] for c in SPEND_CSV)]))
    return "".join(out)


def render_spend(
    report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None, wide: bool = False
) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        return spend_to_csv(report)
    if fmt_name == "markdown":
        return spend_to_markdown(report)
    return render(spend_blocks(report), width=width, color=color, wide=wide)
