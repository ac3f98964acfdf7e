"""Rendering: bill → report (the JSON contract) → table / CSV / JSON / markdown.

Every format is rendered from the same report dict, the one ``--format json``
prints, so the formats cannot disagree.  Functions here return strings and never
print.  Money is rounded here and only here (``money.plain`` / ``money.fmt``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from . import __version__
from .calculator import Bill, Line, Skipped
from .money import ROUNDING_RULE, exact, fmt, plain
from .prices import Model, PriceBook, PriceEntry

SCHEMA_VERSION = 1
FORMATS = ("table", "json", "csv", "markdown")


# -- the report: what --format json prints -------------------------------------

def _quantity(value: Decimal) -> str | int:
    return int(value) if value == value.to_integral_value() else exact(value)


def _price_fields(entry: PriceEntry, line: Line | None = None) -> dict[str, Any]:
    band = entry.bands[0]
    if line is not None and entry.mode != "flat":
        from .calculator import _band_index

        band = entry.bands[_band_index(entry, line.workload.input_tokens)]
    return {"input_price": exact(band.input), "output_price": exact(band.output),
            "price_unit": entry.unit}


def line_dict(line: Line) -> dict[str, Any]:
    w, m, e = line.workload, line.model, line.entry
    out: dict[str, Any] = {}
    if w.name is not None:
        out["name"] = w.name
    out.update({
        "model": m.id,
        "provider": m.provider,
        "requests_per_month": _quantity(line.requests),
        "input_tokens": _quantity(w.input_tokens),
        "output_tokens": _quantity(w.output_tokens),
        "input_tokens_method": w.input_method,
        "output_tokens_method": w.output_method,
        "cached_ratio": exact(w.cached_ratio),
        "batch_ratio": exact(w.batch_ratio),
        "input_cost": plain(line.input_cost),
        "cached_input_cost": plain(line.cached_input_cost),
        "output_cost": plain(line.output_cost),
        "free_quota": plain(line.free_quota),
        "discount": plain(line.discount),
        "total": plain(line.total),
        "price_currency": m.currency,
        **_price_fields(e, line),
        "tier": line.tier,
        "price_effective": e.effective.isoformat(),
        "source": e.source,
        "user_price": m.user,
        "notes": list(line.notes),
    })
    return out


def skipped_dict(item: Skipped) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.workload.name is not None:
        out["name"] = item.workload.name
    out["model"] = item.model.id if item.model else item.workload.model
    out["reason"] = item.reason
    return out


def bill_report(bill: Bill, book: PriceBook) -> dict[str, Any]:
    """The JSON contract for estimates (schema_version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "currency": bill.currency,
        "as_of": bill.as_of.isoformat(),
        "fx": fx_dict(bill),
        "price_book": book.digest,
        "rounding": ROUNDING_RULE,
        "lines": [line_dict(line) for line in bill.lines],
        "skipped": [skipped_dict(s) for s in bill.skipped],
        "total": plain(bill.total),
    }


def fx_dict(bill: Bill) -> dict[str, Any] | None:
    if bill.fx is None:
        return None
    return {"usd_cny": exact(bill.fx.usd_cny),
            "date": bill.fx.date.isoformat() if bill.fx.date else None,
            "source": bill.fx.source}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


# -- plain formats ---------------------------------------------------------------

CSV_COLUMNS = ["name", "model", "provider", "requests_per_month", "input_tokens", "output_tokens",
               "cached_ratio", "batch_ratio", "currency", "input_cost", "output_cost", "free_quota",
               "discount", "total", "tier", "price_effective", "source"]


def csv_row(line: dict[str, Any], currency: str) -> list[str]:
    values = {**line, "currency": currency}
    return ["" if values.get(col) is None else str(values.get(col, "")) for col in CSV_COLUMNS]


def csv_total_row(total: str, currency: str) -> list[str]:
    row = {col: "" for col in CSV_COLUMNS}
    row.update(name="TOTAL", currency=currency, total=total)
    return list(row.values())


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in report["lines"]:
        writer.writerow(csv_row(line, report["currency"]))
    writer.writerow(csv_total_row(report["total"], report["currency"]))
    return out.getvalue()


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(headers: list[str], rows: Iterable[list[str]], align: str = "") -> str:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join(("---:" if a == "r" else "---") for a in align.ljust(len(headers), "l")) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _amount(value: str, currency: str) -> str:
    return fmt(Decimal(value), currency)


def _estimate_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]], str]:
    cur = report["currency"]
    named = any("name" in line for line in report["lines"])
    headers = (["Workload"] if named else []) + ["Model", "Provider", "Requests/mo", "In tok", "Out tok",
                                                  "Input", "Output", "Total", "Price of"]
    rows = []
    for line in report["lines"]:
        extra = []
        if line["tier"]:
            extra.append(f"tier {line['tier']}")
        if line["user_price"]:
            extra.append("your price")
        if line["discount"] != "0.00":
            extra.append("discount")
        price_of = line["price_effective"] + (f" ({', '.join(extra)})" if extra else "")
        rows.append(([line.get("name", "")] if named else []) + [
            line["model"], line["provider"], f"{line['requests_per_month']:,}" if isinstance(
                line["requests_per_month"], int) else line["requests_per_month"],
            _tok(line["input_tokens"]), _tok(line["output_tokens"]),
            _amount(line["input_cost"], cur), _amount(line["output_cost"], cur),
            _amount(line["total"], cur), price_of])
    align = ("l" if named else "") + "llrrrrrrl"
    return headers, rows, align


def _tok(value: int | str) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _footer(report: dict[str, Any]) -> list[str]:
    fx = report["fx"]
    if fx is None:
        rate = "no USD/CNY rate on that date (none needed)"
    else:
        rate = f"1 USD = {fx['usd_cny']} CNY ({fx['date'] or 'given with --rate'})"
    lines = [f"Prices as of {report['as_of']}; {rate}; {report['rounding']}."]
    for item in report["skipped"]:
        lines.append(f"Not priced: {item['model']}: {item['reason']}")
    notes = sorted({(line["model"], note) for line in report["lines"] for note in line["notes"]})
    lines += [f"Note: {model}: {note}" for model, note in notes]
    return lines


def _sources(report: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for line in report["lines"]:
        if line["source"] not in seen:
            seen.append(line["source"])
    return seen


def to_markdown(report: dict[str, Any]) -> str:
    headers, rows, align = _estimate_rows(report)
    cur = report["currency"]
    rows.append(["**Total**"] + [""] * (len(headers) - 3) + [f"**{_amount(report['total'], cur)}**", ""])
    parts = [md_table(headers, rows, align), ""]
    parts += [f"- {line}" for line in _footer(report)]
    parts += [f"- Source: <{src}>" for src in _sources(report)]
    return "\n".join(parts) + "\n"


# -- rich tables -----------------------------------------------------------------------

def console(color: bool, width: int):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=color, no_color=not color, width=width,
                   color_system="standard" if color else None, highlight=False, soft_wrap=False,
                   legacy_windows=False, emoji=False)


def rich_table(title: str | None, headers: list[str], rows: list[list[str]], align: str,
               footer_row: list[str] | None = None):  # type: ignore[no-untyped-def]
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, show_footer=footer_row is not None, title_justify="left")
    for i, header in enumerate(headers):
        justify = "right" if i < len(align) and align[i] == "r" else "left"
        table.add_column(header, justify=justify, footer=footer_row[i] if footer_row else "",
                         overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def to_table(report: dict[str, Any], *, color: bool = False, width: int = 120, title: str | None = None) -> str:
    headers, rows, align = _estimate_rows(report)
    cur = report["currency"]
    footer = ["Total"] + [""] * (len(headers) - 3) + [_amount(report["total"], cur), ""]
    out = console(color, width)
    out.print(rich_table(title, headers, rows, align, footer))
    for line in _footer(report):
        out.print(line, style="dim")
    for i, src in enumerate(_sources(report), 1):
        out.print(f"[{i}] {src}", style="dim", markup=False)
    return out.file.getvalue()


def render_bill(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int = 120) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        return to_csv(report)
    if fmt_name == "markdown":
        return to_markdown(report)
    return to_table(report, color=color, width=width)


# -- models ----------------------------------------------------------------------

def models_report(models: list[Model], as_of: date, book: PriceBook) -> dict[str, Any]:
    rows = []
    for model in models:
        row: dict[str, Any] = {"id": model.id, "provider": model.provider, "name": model.name,
                               "aliases": list(model.aliases), "currency": model.currency,
                               "context_window": model.context_window, "tokenizer": model.tokenizer}
        try:
            entry = model.price_at(as_of)
        except Exception as exc:  # NoPriceError: listed, without a price
            row.update(input_price=None, output_price=None, price_unit=None, tier=None,
                       price_effective=None, source=None, status=getattr(exc, "message", str(exc)))
        else:
            row.update(_price_fields(entry))
            row.update(tiers=entry.mode if entry.mode != "flat" else None,
                       cached_input_price=exact(entry.flat.cached_input) if entry.flat.cached_input is not None
                       else None,
                       price_effective=entry.effective.isoformat(), source=entry.source, status="priced")
        row["user_price"] = model.user
        rows.append(row)
    return {"schema_version": SCHEMA_VERSION, "generator": f"llmcost {__version__}",
            "as_of": as_of.isoformat(), "price_book": book.digest, "models": rows}


MODEL_CSV = ["provider", "id", "name", "aliases", "currency", "input_price", "output_price", "price_unit",
             "tiers", "price_effective", "context_window", "tokenizer", "source"]


def _model_cells(row: dict[str, Any]) -> list[str]:
    price = (f"{row['input_price']} / {row['output_price']}" if row["input_price"] is not None else "—")
    unit = f"{row['currency']}/{row['price_unit']}" if row["price_unit"] else ""
    if row.get("tiers"):
        price += f" ({row['tiers']} tiers, from)"
    return [row["provider"], row["id"], ", ".join(row["aliases"]), price, unit,
            row["price_effective"] or row["status"]]


def render_models(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int = 120) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(MODEL_CSV)
        for row in report["models"]:
            writer.writerow(["|".join(row[c]) if c == "aliases" else ("" if row.get(c) is None else row.get(c))
                             for c in MODEL_CSV])
        return out.getvalue()
    headers = ["Provider", "Model", "Aliases", "Input / output", "Per", "Effective"]
    rows = [_model_cells(row) for row in report["models"]]
    if fmt_name == "markdown":
        return md_table(headers, rows) + f"\nPrices as of {report['as_of']}.\n"
    out = console(color, width)
    out.print(rich_table(None, headers, rows, "lllrll"))
    out.print(f"{len(rows)} models; prices as of {report['as_of']}.", style="dim")
    return out.file.getvalue()
