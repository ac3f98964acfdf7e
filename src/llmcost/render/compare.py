"""The compare report: one workload (or a workload file) on every model, cheapest first.

The saving of each model is measured against a reference: ``--baseline-model`` (what the user runs
today) or else the median of the models compared.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..book import PriceBook
from ..money import CONTEXT, percent, plain
from . import provenance
from .bill import csv_line, rate_text
from .layout import Block, Column, Table, Text, render
from .markdown import Markup, md_lines, md_table
from .report import report_head, sources, to_json
from .text import amount, md_link

BAR_WIDTH = 20


def _saving(total: Decimal, reference: Decimal) -> tuple[str, str | None]:
    saving = CONTEXT.subtract(reference, total)
    share = percent(CONTEXT.divide(saving, reference)) if reference else None
    return plain(saving), share


def compare_report(comparison: Any, book: PriceBook) -> dict[str, Any]:
    """The JSON contract of ``compare``: ``saving`` and ``saving_percent`` are against ``reference``
    (the baseline model's total, or the median total); ``saving_vs_most_expensive`` stays for scripts
    written against earlier versions."""
    p = comparison.pricing
    top = comparison.most_expensive.total
    base = comparison.baseline
    reference = base.total if base is not None else comparison.median
    rows = []
    for option in comparison.options:
        entry = option.lines[0].entry
        row: dict[str, Any] = {
            "model": option.model.id,
            "provider": option.model.provider,
            "price_currency": option.model.currency,
            "total": plain(option.total),
        }
        row["saving"], row["saving_percent"] = _saving(option.total, reference)
        row["saving_vs_most_expensive"], row["saving_vs_most_expensive_percent"] = _saving(option.total, top)
        if base is not None:
            row["saving_vs_baseline"], row["saving_vs_baseline_percent"] = _saving(option.total, base.total)
        tiers = sorted({line.tier for line in option.lines if line.tier})
        row.update(
            tier=", ".join(tiers) or None,
            price_effective=entry.effective.isoformat(),
            source=entry.source,
            source_kind=entry.source_kind,
            price_note=entry.note,
            price_provenance=entry.provenance,
            user_price=option.model.user,
            notes=sorted({n for line in option.lines for n in line.notes}),
        )
        rows.append(row)
    return {
        **report_head(p.currency, p.as_of, p.fx, book),
        "baseline_model": base.model.id if base is not None else None,
        "reference": {
            "kind": "baseline" if base is not None else "median",
            "model": base.model.id if base is not None else None,
            "total": plain(reference),
        },
        "workloads": len(comparison.options[0].lines),
        "models": rows,
        "cannot_serve": [{"model": s.model.id, "reason": s.reason} for s in comparison.cannot_serve],
    }


def bar(value: Decimal, top: Decimal, width: int = BAR_WIDTH) -> str:
    if top <= 0:
        return ""
    cells = int((value / top * width).to_integral_value(rounding="ROUND_HALF_UP"))
    return "█" * max(cells, 1 if value > 0 else 0)


CSV_COLUMNS = [
    "model",
    "provider",
    "currency",
    "total",
    "saving",
    "saving_percent",
    "reference",
    "saving_vs_most_expensive",
    "saving_vs_most_expensive_percent",
    "saving_vs_baseline",
    "saving_vs_baseline_percent",
    "tier",
    "price_effective",
    "source",
]


def _reference_label(report: dict[str, Any]) -> str:
    ref = report["reference"]
    return f"vs {ref['model']}" if ref["kind"] == "baseline" else "vs median"


def _table(report: dict[str, Any], refs: dict[str, int], bars: bool) -> Table:
    cur = report["currency"]
    rows = report["models"]
    top = max(Decimal(row["total"]) for row in rows)
    columns = [
        Column("Model", key=True),
        Column("Provider", priority=4),
        Column("Monthly", "r"),
        Column(f"Saving {_reference_label(report)}", "r", 1),
    ]
    columns += [Column("Relative cost", priority=3, style="green")] if bars else []
    columns += [Column("Price of", priority=2, fold=True)]
    table_rows: list[list[Any]] = []
    for row in rows:
        share = f" ({row['saving_percent']})" if row["saving_percent"] else ""
        saving = amount(row["saving"], cur) + share
        if report["reference"]["kind"] == "baseline" and row["model"] == report["reference"]["model"]:
            saving = "(baseline)"
        extra = [f"tier {row['tier']}"] if row["tier"] else []
        extra += ["your price"] if row["user_price"] else []
        extra += ["discount"] if any(n.startswith("your discount") for n in row["notes"]) else []
        ref = refs.get(row["source"])
        price_of = row["price_effective"] + (f" ({', '.join(extra)})" if extra else "") + (f" [{ref}]" if ref else "")
        price_of += provenance.mark(row)
        cells = [row["model"], row["provider"], amount(row["total"], cur), saving]
        cells += [bar(Decimal(row["total"]), top)] if bars else []
        table_rows.append([*cells, price_of])
    return Table(columns, table_rows)


def _notes(report: dict[str, Any]) -> list[str]:
    """A note shared by several models is printed once, naming them."""
    out = [f"Not priced: {c['model']}: {c['reason']}" for c in report["cannot_serve"]]
    by_note: dict[str, list[str]] = {}
    for row in report["models"]:
        for note in row["notes"]:
            by_note.setdefault(note, []).append(row["model"])
    out += [f"Note: {', '.join(models)}: {note}" for note, models in by_note.items()]
    return out


def _summary(report: dict[str, Any]) -> str:
    n, workloads = len(report["models"]), report["workloads"]
    ref = report["reference"]
    against = (
        f"the baseline {ref['model']}"
        if ref["kind"] == "baseline"
        else f"the median, {amount(ref['total'], report['currency'])}"
    )
    text = (
        f"{workloads} workload{'s' if workloads != 1 else ''} priced on {n} model{'s' if n != 1 else ''}, "
        f"cheapest first; savings against {against}; prices as of {report['as_of']}"
    )
    rate = rate_text(report)
    if rate and any(row.get("price_currency", report["currency"]) != report["currency"] for row in report["models"]):
        text += f"; {rate}"
    return text + "."


def _details(report: dict[str, Any]) -> list[str]:
    """--verbose: each price's note for users and provenance for maintainers."""
    return provenance.details((f"{row['model']} {row['price_effective']}", row) for row in report["models"])


def compare_blocks(report: dict[str, Any], verbose: bool = False) -> list[Block]:
    srcs = sources(report["models"])
    refs = {src: i for i, src in enumerate(srcs, 1)}
    blocks: list[Block] = [_table(report, refs, bars=True), Text(_summary(report), "dim")]
    blocks += [Text(line, "yellow", hang=2) for line in _notes(report)]
    blocks += [Text(text, hang=2) for text in (_details(report) if verbose else [])]
    blocks += [Text(f"[{i}] {src}", "dim") for i, src in enumerate(srcs, 1)]
    blocks += [Text(text, "dim") for text in provenance.footnote(report["models"], verbose)]
    return blocks


def render_compare(
    report: dict[str, Any],
    fmt_name: str,
    *,
    color: bool = False,
    width: int | None = None,
    wide: bool = False,
    verbose: bool = False,
) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        out = [csv_line(CSV_COLUMNS)]
        for row in report["models"]:
            values = {**row, "currency": report["currency"], "reference": _reference_label(report)[3:]}
            out.append(csv_line(["" if values.get(c) is None else values[c] for c in CSV_COLUMNS]))
        return "".join(out)
    if fmt_name == "markdown":
        srcs = sources(report["models"])
        refs = {src: i for i, src in enumerate(srcs, 1)}
        table = _table(report, refs, bars=False)
        return (
            md_table([c.header for c in table.columns], table.rows, "".join(c.align for c in table.columns))
            + "\n"
            + "\n".join(
                md_lines([_summary(report), *_notes(report), *(_details(report) if verbose else [])])
                + md_lines(Markup(f"\\[{i}\\] {md_link(src)}") for i, src in enumerate(srcs, 1))
                + md_lines(provenance.footnote(report["models"], verbose))
            )
            + "\n"
        )
    return render(compare_blocks(report, verbose), width=width, color=color, wide=wide)
