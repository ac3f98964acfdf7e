"""The models report: the price book at a glance, every price per 1M tokens with its currency."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import __version__
from ..book import Model, PriceBook
from ..history import per_1m
from ..money import CURRENCIES, exact
from . import provenance
from .bill import csv_line
from .layout import Block, Column, Table, Text, render
from .markdown import md_lines, md_table
from .report import SCHEMA_VERSION, price_fields, to_json


def context_text(tokens: int | None) -> str:
    """A context window as people write it: 32K (32,768), 128K (128,000), 1M."""
    if not tokens:
        return ""
    for size, suffix in ((1024 * 1024, "M"), (1_000_000, "M"), (1024, "K"), (1000, "K")):
        if tokens % size == 0:
            return f"{tokens // size:,}{suffix}"
    return f"{tokens:,}"


def models_report(models: list[Model], as_of: date, book: PriceBook) -> dict[str, Any]:
    rows = []
    for model in models:
        row: dict[str, Any] = {
            "id": model.id,
            "provider": model.provider,
            "name": model.name,
            "aliases": list(model.aliases),
            "currency": model.currency,
            "context_window": model.context_window,
            "tokenizer": model.tokenizer,
            "note": model.note,
        }
        provenance = getattr(model, "provenance", None)
        if provenance is not None:
            row["provenance"] = provenance
        try:
            entry = model.price_at(as_of)
        except Exception as exc:  # NoPriceError: listed, without a price
            row.update(
                input_price=None,
                output_price=None,
                price_unit=None,
                input_per_1m=None,
                output_per_1m=None,
                tier=None,
                price_effective=None,
                source=None,
                status=getattr(exc, "reason", str(exc)),  # the row names the model: the reason does not
            )
        else:
            band = entry.bands[0]
            row.update(price_fields(entry))
            row.update(
                input_per_1m=exact(per_1m(band.input, entry.unit)),
                output_per_1m=exact(per_1m(band.output, entry.unit)),
                tiers=entry.mode if entry.mode != "flat" else None,
                cached_input_price=exact(entry.flat.cached_input) if entry.flat.cached_input is not None else None,
                price_effective=entry.effective.isoformat(),
                source=entry.source,
                source_kind=entry.source_kind,
                price_note=entry.note,
                price_provenance=entry.provenance,
                status="priced",
            )
        row["user_price"] = model.user
        rows.append(row)
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "as_of": as_of.isoformat(),
        "price_book": book.digest,
        "models": rows,
    }


MODEL_CSV = [
    "provider",
    "id",
    "name",
    "aliases",
    "currency",
    "input_price",
    "output_price",
    "price_unit",
    "input_per_1m",
    "output_per_1m",
    "tiers",
    "price_effective",
    "context_window",
    "tokenizer",
    "source",
]


def _price(row: dict[str, Any], key: str) -> str:
    if row[key] is None:
        return "—"
    return ("from " if row.get("tiers") else "") + CURRENCIES[row["currency"]] + row[key]


def _table(report: dict[str, Any]) -> Table:
    longest_alias = max((len(a) for row in report["models"] for a in row["aliases"]), default=0)
    columns = [
        Column("Provider", priority=3),
        Column("Model", key=True),
        Column("In /1M", "r"),
        Column("Out /1M", "r"),
        Column("Context", "r", 1),
        Column("Aliases", priority=2, fold=True, min_width=longest_alias),
        Column("Effective", priority=1),
        Column("Note", priority=4, fold=True),
    ]
    rows = []
    for row in report["models"]:
        rows.append(
            [
                row["provider"],
                row["id"],
                _price(row, "input_per_1m"),
                _price(row, "output_per_1m"),
                context_text(row["context_window"]),
                ", ".join(row["aliases"]),
                (row["price_effective"] + provenance.mark(row)) if row["price_effective"] else row["status"],
                row.get("note") or "",
            ]
        )
    return Table(columns, rows)


def _caption(report: dict[str, Any]) -> str:
    n = len(report["models"])
    tiers = any(row.get("tiers") for row in report["models"])
    return (
        f"{n:,} model{'s' if n != 1 else ''}; prices per 1M tokens as of {report['as_of']}"
        + ("; 'from': the first band of a tiered price" if tiers else "")
        + "."
    )


def _details(report: dict[str, Any]) -> list[str]:
    """--verbose: where each model's facts and each price were read (the notes are in the table)."""
    out = []
    for row in report["models"]:
        out += provenance.details([(row["id"], {"price_provenance": row.get("provenance")})])
        if row.get("price_effective"):
            out += provenance.details([(f"{row['id']} {row['price_effective']}", row)])
    return out


def _footer(report: dict[str, Any], verbose: bool) -> list[str]:
    return [*(_details(report) if verbose else []), *provenance.footnote(report["models"], verbose)]


def models_blocks(report: dict[str, Any], verbose: bool = False) -> list[Block]:
    blocks: list[Block] = [_table(report), Text(_caption(report), "dim")]
    return blocks + [Text(text, hang=2) for text in _footer(report, verbose)]


def render_models(
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
        out = [csv_line(MODEL_CSV)]
        for row in report["models"]:
            out.append(
                csv_line(
                    [
                        "|".join(row[c]) if c == "aliases" else ("" if row.get(c) is None else row.get(c))
                        for c in MODEL_CSV
                    ]
                )
            )
        return "".join(out)
    if fmt_name == "markdown":
        table = _table(report)
        return (
            md_table([c.header for c in table.columns], table.rows, "".join(c.align for c in table.columns))
            + f"\n{_caption(report)}\n"
            + "".join(f"\n{line}" for line in md_lines(_footer(report, verbose)))
            + ("\n" if _footer(report, verbose) else "")
        )
    return render(models_blocks(report, verbose), width=width, color=color, wide=wide)
