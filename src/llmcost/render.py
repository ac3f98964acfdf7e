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
from .money import ROUNDING_RULE, FxRate, exact, fmt, plain
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


def report_head(currency: str, as_of: date, fx: FxRate | None, book: PriceBook) -> dict[str, Any]:
    """Everything in the report but the lines and totals."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "currency": currency,
        "as_of": as_of.isoformat(),
        "fx": fx_dict(fx),
        "price_book": book.digest,
        "rounding": ROUNDING_RULE,
    }


def bill_report(bill: Bill, book: PriceBook) -> dict[str, Any]:
    """The JSON contract for estimates (schema_version 1)."""
    return {**report_head(bill.currency, bill.as_of, bill.fx, book),
            "lines": [line_dict(line) for line in bill.lines],
            "skipped": [skipped_dict(s) for s in bill.skipped],
            "total": plain(bill.total)}


def fx_dict(fx: FxRate | None) -> dict[str, Any] | None:
    if fx is None:
        return None
    return {"usd_cny": exact(fx.usd_cny), "date": fx.date.isoformat() if fx.date else None, "source": fx.source}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


# -- streaming: one line at a time, identical to rendering the whole report -------------

class Stream:
    """Renders a report piece by piece: ``begin()``, ``line(d)`` for each line, ``end(...)``.

    Each method returns text; the caller writes it.  Memory does not grow with the
    number of lines.
    """

    def __init__(self, head: dict[str, Any]):
        self.head, self.count = head, 0

    def begin(self) -> str:
        return ""

    def line(self, line: Line) -> str:
        return self.line_text(line_dict(line))

    def line_text(self, line: dict[str, Any]) -> str:
        raise NotImplementedError

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        return ""


class CsvStream(Stream):
    def _row(self, cells: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(cells)
        return out.getvalue()

    def begin(self) -> str:
        return self._row(CSV_COLUMNS)

    def line_text(self, line: dict[str, Any]) -> str:
        return self._row(csv_row(line, self.head["currency"]))

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        return self._row(csv_total_row(total, self.head["currency"]))


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + row for row in text.splitlines())


class JsonStream(Stream):
    """Writes exactly what ``to_json(report)`` would, without holding the lines."""

    def begin(self) -> str:
        return to_json(self.head)[:-3] + ',\n  "lines": ['

    def line_text(self, line: dict[str, Any]) -> str:
        self.count += 1
        body = _indent(json.dumps(line, ensure_ascii=False, indent=2), "    ")
        return ("\n" if self.count == 1 else ",\n") + body

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        close = "]," if self.count == 0 else "\n  ],"
        skipped_text = json.dumps(skipped, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        return f'{close}\n  "skipped": {skipped_text},\n  "total": {json.dumps(total)}\n}}\n'


class JsonLinesStream(Stream):
    """JSON Lines: a head record, one record per line, then a summary record."""

    def begin(self) -> str:
        return json.dumps({"record": "head", **self.head}, ensure_ascii=False) + "\n"

    def line_text(self, line: dict[str, Any]) -> str:
        return json.dumps({"record": "line", **line}, ensure_ascii=False) + "\n"

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        return json.dumps({"record": "summary", "skipped": skipped, "total": total}, ensure_ascii=False) + "\n"


STREAMS = {"csv": CsvStream, "json": JsonStream, "jsonl": JsonLinesStream}


def render_stream(report: dict[str, Any], kind: str) -> str:
    head = {k: v for k, v in report.items() if k not in ("lines", "skipped", "total")}
    stream = STREAMS[kind](head)
    parts = [stream.begin()] + [stream.line_text(line) for line in report["lines"]]
    parts.append(stream.end(report["skipped"], report["total"]))
    return "".join(parts)


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
    return render_stream(report, "csv")


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
    # With workload names the provider column gives way (providers get subtotal rows instead).
    headers = (["Workload", "Model"] if named else ["Model", "Provider"]) + [
        "Requests/mo", "In tok", "Out tok", "Input", "Output", "Total", "Price of"]
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
        first = [line.get("name", ""), line["model"]] if named else [line["model"], line["provider"]]
        rows.append(first + [
            _tok(line["requests_per_month"]), _tok(line["input_tokens"]), _tok(line["output_tokens"]),
            _amount(line["input_cost"], cur), _amount(line["output_cost"], cur),
            _amount(line["total"], cur), price_of])
    return headers, rows, "llrrrrrrl"


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
    rows += _subtotal_rows(report, headers)
    rows.append(["**Total**"] + [""] * (len(headers) - 3) + [f"**{_amount(report['total'], cur)}**", ""])
    parts = [md_table(headers, rows, align), ""]
    if report.get("summary_note"):
        parts.append(f"- {report['summary_note']}")
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

    table = Table(title=title, box=box.SIMPLE_HEAD, show_footer=footer_row is not None, title_justify="left",
                  pad_edge=False)
    for i, header in enumerate(headers):
        right = i < len(align) and align[i] == "r"
        # Names and amounts never wrap; long free text (aliases, dates with notes) folds.
        table.add_column(header, justify="right" if right else "left", footer=footer_row[i] if footer_row else "",
                         overflow="ellipsis" if header == "Workload" else "fold",
                         no_wrap=right or header in ("Model", "Provider"),
                         min_width=10 if header in ("Price of", "Effective", "Workload") else None)
    for row in rows:
        table.add_row(*row)
    return table


def _subtotal_rows(report: dict[str, Any], headers: list[str]) -> list[list[str]]:
    cur = report["currency"]
    return [[f"Subtotal {provider}"] + [""] * (len(headers) - 3) + [fmt(amount, cur), ""]
            for provider, amount in sorted(report.get("subtotals", {}).items())]


def to_table(report: dict[str, Any], *, color: bool = False, width: int = 120, title: str | None = None) -> str:
    headers, rows, align = _estimate_rows(report)
    cur = report["currency"]
    footer = ["Total"] + [""] * (len(headers) - 3) + [_amount(report["total"], cur), ""]
    out = console(color, width)
    table = rich_table(title, headers, rows, align, footer)
    subtotals = _subtotal_rows(report, headers)
    if subtotals:
        table.add_section()
        for row in subtotals:
            table.add_row(*row, style="bold")
    out.print(table)
    if report.get("summary_note"):
        out.print(report["summary_note"], style="yellow")
    for line in _footer(report):
        out.print(line, style="dim")
    for i, src in enumerate(_sources(report), 1):
        out.print(f"[{i}] {src}", style="dim", markup=False)
    return out.file.getvalue()


def render_bill(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int = 120) -> str:
    if fmt_name in STREAMS:
        return render_stream(report, fmt_name)
    if fmt_name == "markdown":
        return to_markdown(report)
    return to_table(report, color=color, width=width)


class TableStream(Stream):
    """Table or markdown for a workload file: holds at most ``limit`` lines (a summary
    by model beyond that) and per-provider subtotals, rendered at the end."""

    def __init__(self, head: dict[str, Any], *, markdown: bool = False, color: bool = False, width: int = 120,
                 limit: int = 500):
        super().__init__(head)
        self.markdown, self.color, self.width, self.limit = markdown, color, width, limit
        self.rows: list[dict[str, Any]] = []
        self.subtotals: dict[str, Decimal] = {}
        self.by_model: dict[tuple[str, str], list[Any]] = {}

    def line(self, line: Line) -> str:
        self.count += 1
        provider = line.model.provider
        self.subtotals[provider] = self.subtotals.get(provider, Decimal(0)) + line.total
        entry = self.by_model.setdefault((provider, line.model.id), [0, Decimal(0)])
        entry[0] += 1
        entry[1] += line.total
        if self.count <= self.limit:
            self.rows.append(line_dict(line))
        return ""

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        report: dict[str, Any] = {**self.head, "lines": self.rows, "skipped": skipped, "total": total}
        if self.count > self.limit:
            cur = self.head["currency"]
            parts = [f"{model} ({provider}): {n:,} workloads, {fmt(amount, cur)}"
                     for (provider, model), (n, amount) in sorted(self.by_model.items())]
            report["summary_note"] = (f"Showing the first {self.limit:,} of {self.count:,} workloads; "
                                      "all of them are in the totals. By model: " + "; ".join(parts))
        if len(self.subtotals) > 1 or self.count > self.limit:
            report["subtotals"] = self.subtotals
        if self.markdown:
            return to_markdown(report)
        return to_table(report, color=self.color, width=self.width)


def stream_for(fmt_name: str, head: dict[str, Any], *, color: bool = False, width: int = 120) -> Stream:
    if fmt_name in STREAMS:
        return STREAMS[fmt_name](head)
    return TableStream(head, markdown=fmt_name == "markdown", color=color, width=width)


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


# -- counts ----------------------------------------------------------------------

def count_report(results: list[Any], models: list[Model]) -> dict[str, Any]:
    """Rows per (input, model) from counting results (per tokenizer), plus totals per model."""
    from .counting import Skipped as SkippedInput

    by_tokenizer: dict[str, list[Model]] = {}
    for model in models:
        by_tokenizer.setdefault(model.tokenizer, []).append(model)
    counts, skipped = [], []
    totals: dict[str, dict[str, Any]] = {}
    for result in results:
        if isinstance(result, SkippedInput):
            skipped.append({"input": result.path, "reason": result.reason})
            continue
        for model in by_tokenizer.get(result.tokenizer, []):
            counts.append({"input": result.path, "model": model.id, "tokenizer": result.tokenizer,
                           "tokens": result.tokens, "exact": result.exact, "method": result.method,
                           "chars": result.chars, "bytes": result.bytes})
            total = totals.setdefault(model.id, {"model": model.id, "tokenizer": result.tokenizer, "tokens": 0,
                                                 "exact": result.exact, "method": result.method})
            total["tokens"] += result.tokens
    return {"schema_version": SCHEMA_VERSION, "generator": f"llmcost {__version__}", "counts": counts,
            "totals": list(totals.values()), "skipped": skipped}


COUNT_CSV = ["input", "model", "tokenizer", "tokens", "exact", "method"]


def render_counts(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int = 120) -> str:
    if fmt_name == "json":
        return to_json(report)
    inputs = {row["input"] for row in report["counts"]}
    show_totals = len(inputs) > 1
    if fmt_name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COUNT_CSV)
        for row in report["counts"]:
            writer.writerow([row["input"], row["model"], row["tokenizer"], row["tokens"],
                             "true" if row["exact"] else "false", row["method"]])
        for row in report["totals"] if show_totals else []:
            writer.writerow(["TOTAL", row["model"], row["tokenizer"], row["tokens"],
                             "true" if row["exact"] else "false", row["method"]])
        return out.getvalue()
    headers = ["Input", "Model", "Tokens", "Counted by"]
    rows = [[row["input"], row["model"], f"{row['tokens']:,}", row["method"]] for row in report["counts"]]
    out = console(color, width)
    table = rich_table(None, headers, rows, "llrl")
    if show_totals:
        table.add_section()
        for row in report["totals"]:
            table.add_row("Total", row["model"], f"{row['tokens']:,}", row["method"], style="bold")
    out.print(table)
    for item in report["skipped"]:
        out.print(f"Skipped {item['input']}: {item['reason']}", style="yellow", markup=False)
    return out.file.getvalue()
