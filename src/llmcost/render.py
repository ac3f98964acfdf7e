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
from .money import CONTEXT, ROUNDING_RULE, FxRate, add_exact, exact, fmt, percent, plain
from .book import Model, PriceBook, PriceEntry

SCHEMA_VERSION = 1
FORMATS = ("table", "json", "csv", "markdown")


# -- the report: what --format json prints -------------------------------------


def _quantity(value: Decimal) -> str | int:
    return int(value) if value == value.to_integral_value() else exact(value)


def _price_fields(entry: PriceEntry, line: Line | None = None) -> dict[str, Any]:
    band = entry.bands[0]
    if line is not None and entry.mode != "flat":
        band = entry.bands[entry.band_index(line.workload.input_tokens, line.workload.output_tokens)]
    return {"input_price": exact(band.input), "output_price": exact(band.output), "price_unit": entry.unit}


def line_dict(line: Line) -> dict[str, Any]:
    w, m, e = line.workload, line.model, line.entry
    out: dict[str, Any] = {}
    if w.name is not None:
        out["name"] = w.name
    out.update(
        {
            "model": m.id,
            "provider": m.provider,
            "requests_per_month": _quantity(line.requests),
            "input_tokens": _quantity(w.input_tokens),
            "output_tokens": _quantity(w.output_tokens),
            "input_tokens_method": w.input_method,
            "output_tokens_method": w.output_method,
            "cached_ratio": exact(w.cached_ratio),
            "batch_ratio": exact(w.batch_ratio),
            "cache_write_ratio": exact(w.cache_write_ratio),
            "thinking_ratio": exact(w.thinking_ratio),
            "off_peak_ratio": exact(w.off_peak_ratio),
            "input_cost": plain(line.input_cost),
            "cached_input_cost": plain(line.cached_input_cost),
            "output_cost": plain(line.output_cost),
            "free_quota": plain(line.free_quota),
            "discount": plain(line.discount),
            "total": plain(line.total),
            "price_currency": m.currency,
            **_price_fields(e, line),
            "tier": line.tier,
            "region": m.region,
            "price_effective": e.effective.isoformat(),
            "source": e.source,
            "source_kind": e.source_kind,
            "user_price": m.user,
            "notes": list(line.notes),
        }
    )
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
    return {
        **report_head(bill.currency, bill.as_of, bill.fx, book),
        "lines": [line_dict(line) for line in bill.lines],
        "skipped": [skipped_dict(s) for s in bill.skipped],
        "total": plain(bill.total),
    }


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


class _Echo:
    """A file whose write() returns its argument: csv.writer's writerow() then returns the row's text."""

    @staticmethod
    def write(text: str) -> str:
        return text


# Written with "\r\n" so that a field holding a bare "\r" is quoted too (with "\n" Python
# leaves it bare, and every CSV reader, llmcost's own included, splits the row there).
_CSV_WRITER = csv.writer(_Echo(), lineterminator="\r\n")


class CsvStream(Stream):
    def _row(self, cells: list[str]) -> str:
        return _CSV_WRITER.writerow(cells)[:-2] + "\n"

    def begin(self) -> str:
        return self._row(CSV_COLUMNS)

    def line(self, line: Line) -> str:
        return self._row(line_csv_row(line, self.head["currency"]))

    def line_text(self, line: dict[str, Any]) -> str:
        return self._row(csv_row(line, self.head["currency"]))

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        return self._row(csv_total_row(total, self.head["currency"]))


def _indent(text: str, prefix: str) -> str:
    # split("\n"), not splitlines(): that also splits at U+2028, U+0085 … inside JSON strings.
    return "\n".join(prefix + row for row in text.split("\n"))


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

CSV_COLUMNS = [
    "name",
    "model",
    "provider",
    "requests_per_month",
    "input_tokens",
    "output_tokens",
    "cached_ratio",
    "batch_ratio",
    "cache_write_ratio",
    "thinking_ratio",
    "off_peak_ratio",
    "currency",
    "input_cost",
    "output_cost",
    "free_quota",
    "discount",
    "total",
    "tier",
    "region",
    "price_effective",
    "source",
]


def csv_row(line: dict[str, Any], currency: str) -> list[str]:
    values = {**line, "currency": currency}
    return ["" if values.get(col) is None else str(values.get(col, "")) for col in CSV_COLUMNS]


def line_csv_row(line: Line, currency: str) -> list[str]:
    """``csv_row(line_dict(line), currency)`` straight from the Line, without the fields CSV leaves out:
    the CSV stream's fast path (tests/test_fast_paths.py proves the two agree)."""
    w, m, e = line.workload, line.model, line.entry
    return [
        "" if w.name is None else w.name,
        m.id,
        m.provider,
        str(_quantity(line.requests)),
        str(_quantity(w.input_tokens)),
        str(_quantity(w.output_tokens)),
        exact(w.cached_ratio),
        exact(w.batch_ratio),
        exact(w.cache_write_ratio),
        exact(w.thinking_ratio),
        exact(w.off_peak_ratio),
        currency,
        plain(line.input_cost),
        plain(line.output_cost),
        plain(line.free_quota),
        plain(line.discount),
        plain(line.total),
        "" if line.tier is None else line.tier,
        m.region,
        e.effective.isoformat(),
        "" if e.source is None else e.source,
    ]


def csv_total_row(total: str, currency: str) -> list[str]:
    row = {col: "" for col in CSV_COLUMNS}
    row.update(name="TOTAL", currency=currency, total=total)
    return list(row.values())


def to_csv(report: dict[str, Any]) -> str:
    return render_stream(report, "csv")


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(headers: list[str], rows: Iterable[list[str]], align: str = "") -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(("---:" if a == "r" else "---") for a in align.ljust(len(headers), "l")) + "|",
    ]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _amount(value: str, currency: str) -> str:
    return fmt(Decimal(value), currency)


def _estimate_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]], str]:
    cur = report["currency"]
    named = any("name" in line for line in report["lines"])
    # With workload names the provider column gives way (providers get subtotal rows instead).
    # A free-quota credit or a discount is its own column, shown only when some line has one.
    credits = [
        (key, label)
        for key, label in (("free_quota", "Free quota"), ("discount", "Discount"))
        if any(line[key] != "0.00" for line in report["lines"])
    ]
    headers = (
        (["Workload", "Model"] if named else ["Model", "Provider"])
        + ["Requests/mo", "In tok", "Out tok", "Input", "Output"]
        + [label for _, label in credits]
        + ["Total", "Price of"]
    )
    rows = []
    for line in report["lines"]:
        extra = []
        if line["tier"]:
            extra.append(f"tier {line['tier']}")
        if line["user_price"]:
            extra.append("your price")
        if line["discount"] != "0.00" or any(n.startswith("your discount") for n in line["notes"]):
            extra.append("discount")
        price_of = line["price_effective"] + (f" ({', '.join(extra)})" if extra else "")
        first = [line.get("name", ""), line["model"]] if named else [line["model"], line["provider"]]
        rows.append(
            first
            + [
                _tok(line["requests_per_month"]),
                _tok(line["input_tokens"]),
                _tok(line["output_tokens"]),
                _amount(line["input_cost"], cur),
                _amount(line["output_cost"], cur),
            ]
            + [_amount(line[key], cur) for key, _ in credits]
            + [_amount(line["total"], cur), price_of]
        )
    return headers, rows, "llrrrrr" + "r" * len(credits) + "rl"


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

#: The console width used for output that is not going to a terminal: wide enough that nothing wraps.
UNWRAPPED = 1_000_000


def console(color: bool, width: int | None):  # type: ignore[no-untyped-def]
    """A console for one report; ``width`` None means not a terminal: nothing is wrapped to a width."""
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table

    class _Console(Console):
        def print(self, *objects, **kwargs):  # type: ignore[no-untyped-def]
            # A table whose amounts cannot fit is printed wider than the terminal (lines wrap) rather
            # than with numbers cut short: a cropped "¥1,164.0" would be a wrong number.
            width = self.width
            if len(objects) == 1 and isinstance(objects[0], Table):
                self.width = max(width, Measurement.get(self, self.options.update_width(10**6), objects[0]).minimum)
            try:
                super().print(*objects, **kwargs)
            finally:
                self.width = width

    return _Console(
        file=io.StringIO(),
        force_terminal=color,
        no_color=not color,
        width=width or UNWRAPPED,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=False,
        legacy_windows=False,
        emoji=False,
    )


def rich_table(
    title: str | None,
    headers: list[str],
    rows: list[list[str]],
    align: str,
    footer_row: list[str] | None = None,
    subtotals: list[list[str]] | None = None,
):  # type: ignore[no-untyped-def]
    """A rich table; ``subtotals`` are bold rows in a section of their own, before the footer."""
    from rich import box
    from rich.table import Table

    table = Table(
        title=title, box=box.SIMPLE_HEAD, show_footer=footer_row is not None, title_justify="left", pad_edge=False
    )
    for i, header in enumerate(headers):
        right = i < len(align) and align[i] == "r"
        # Names and amounts never wrap; long free text (aliases, dates with notes) folds.
        table.add_column(
            header,
            justify="right" if right else "left",
            footer=footer_row[i] if footer_row else "",
            overflow="ellipsis" if header == "Workload" else "fold",
            no_wrap=right or header in ("Model", "Provider"),
            min_width=10 if header in ("Price of", "Effective", "Workload") else None,
        )
    for row in rows:
        table.add_row(*row)
    if subtotals:
        table.add_section()
        for row in subtotals:
            table.add_row(*row, style="bold")
    # Amounts, counts and model names are never cut short: their columns are at least as wide as their
    # widest cell; free text folds; a table still too wide is printed wider than the terminal (console()).
    from rich.cells import cell_len

    for i, column in enumerate(table.columns):
        cells = [headers[i]] + [
            str(r[i]) for r in [*rows, *(subtotals or []), *([footer_row] if footer_row else [])] if i < len(r)
        ]
        widest = max(cell_len(c) for c in cells)
        if column.no_wrap:
            column.min_width = max(widest, column.min_width or 0)
        elif column.min_width:  # names (workloads, dates with notes) keep a readable minimum
            column.min_width = min(widest, max(column.min_width, 24))
    return table


def _subtotal_rows(report: dict[str, Any], headers: list[str]) -> list[list[str]]:
    cur = report["currency"]
    return [
        [f"Subtotal {provider}"] + [""] * (len(headers) - 3) + [fmt(amount, cur), ""]
        for provider, amount in sorted(report.get("subtotals", {}).items())
    ]


def to_table(report: dict[str, Any], *, color: bool = False, width: int | None = None, title: str | None = None) -> str:
    headers, rows, align = _estimate_rows(report)
    cur = report["currency"]
    footer = ["Total"] + [""] * (len(headers) - 3) + [_amount(report["total"], cur), ""]
    out = console(color, width)
    out.print(rich_table(title, headers, rows, align, footer, _subtotal_rows(report, headers)))
    if report.get("summary_note"):
        out.print(report["summary_note"], style="yellow")
    for line in _footer(report):
        out.print(line, style="dim")
    for i, src in enumerate(_sources(report), 1):
        out.print(f"[{i}] {src}", style="dim", markup=False)
    return out.file.getvalue()


def render_bill(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None) -> str:
    if fmt_name in STREAMS:
        return render_stream(report, fmt_name)
    if fmt_name == "markdown":
        return to_markdown(report)
    return to_table(report, color=color, width=width)


class TableStream(Stream):
    """Table or markdown for a workload file: holds at most ``limit`` lines (a summary
    by model beyond that) and per-provider subtotals, rendered at the end."""

    def __init__(
        self,
        head: dict[str, Any],
        *,
        markdown: bool = False,
        color: bool = False,
        width: int | None = None,
        limit: int = 500,
    ):
        super().__init__(head)
        self.markdown, self.color, self.width, self.limit = markdown, color, width, limit
        self.rows: list[dict[str, Any]] = []
        self.subtotals: dict[str, Decimal] = {}
        self.by_model: dict[tuple[str, str], list[Any]] = {}

    def line(self, line: Line) -> str:
        self.count += 1
        provider = line.model.provider
        self.subtotals[provider] = add_exact(self.subtotals.get(provider, Decimal(0)), line.total)
        entry = self.by_model.setdefault((provider, line.model.id), [0, Decimal(0)])
        entry[0] += 1
        entry[1] = add_exact(entry[1], line.total)
        if self.count <= self.limit:
            self.rows.append(line_dict(line))
        return ""

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        report: dict[str, Any] = {**self.head, "lines": self.rows, "skipped": skipped, "total": total}
        if self.count > self.limit:
            cur = self.head["currency"]
            parts = [
                f"{model} ({provider}): {n:,} workloads, {fmt(amount, cur)}"
                for (provider, model), (n, amount) in sorted(self.by_model.items())
            ]
            report["summary_note"] = (
                f"Showing the first {self.limit:,} of {self.count:,} workloads; "
                "all of them are in the totals. By model: " + "; ".join(parts)
            )
        if len(self.subtotals) > 1 or self.count > self.limit:
            report["subtotals"] = self.subtotals
        if self.markdown:
            return to_markdown(report)
        return to_table(report, color=self.color, width=self.width)


def stream_for(fmt_name: str, head: dict[str, Any], *, color: bool = False, width: int | None = None) -> Stream:
    if fmt_name in STREAMS:
        return STREAMS[fmt_name](head)
    return TableStream(head, markdown=fmt_name == "markdown", color=color, width=width)


# -- models ----------------------------------------------------------------------


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
        }
        try:
            entry = model.price_at(as_of)
        except Exception as exc:  # NoPriceError: listed, without a price
            row.update(
                input_price=None,
                output_price=None,
                price_unit=None,
                tier=None,
                price_effective=None,
                source=None,
                status=getattr(exc, "message", str(exc)),
            )
        else:
            row.update(_price_fields(entry))
            row.update(
                tiers=entry.mode if entry.mode != "flat" else None,
                cached_input_price=exact(entry.flat.cached_input) if entry.flat.cached_input is not None else None,
                price_effective=entry.effective.isoformat(),
                source=entry.source,
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
    "tiers",
    "price_effective",
    "context_window",
    "tokenizer",
    "source",
]


def _model_cells(row: dict[str, Any]) -> list[str]:
    price = f"{row['input_price']} / {row['output_price']}" if row["input_price"] is not None else "—"
    unit = f"{row['currency']}/{row['price_unit']}" if row["price_unit"] else ""
    if row.get("tiers"):
        price += f" ({row['tiers']} tiers, from)"
    return [row["provider"], row["id"], ", ".join(row["aliases"]), price, unit, row["price_effective"] or row["status"]]


def render_models(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(MODEL_CSV)
        for row in report["models"]:
            writer.writerow(
                ["|".join(row[c]) if c == "aliases" else ("" if row.get(c) is None else row.get(c)) for c in MODEL_CSV]
            )
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
            counts.append(
                {
                    "input": result.path,
                    "model": model.id,
                    "tokenizer": result.tokenizer,
                    "tokens": result.tokens,
                    "exact": result.exact,
                    "method": result.method,
                    "chars": result.chars,
                    "bytes": result.bytes,
                }
            )
            total = totals.setdefault(
                model.id,
                {
                    "model": model.id,
                    "tokenizer": result.tokenizer,
                    "tokens": 0,
                    "exact": result.exact,
                    "method": result.method,
                },
            )
            total["tokens"] += result.tokens
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "counts": counts,
        "totals": list(totals.values()),
        "skipped": skipped,
    }


COUNT_CSV = ["input", "model", "tokenizer", "tokens", "exact", "method"]


def render_counts(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None) -> str:
    if fmt_name == "json":
        return to_json(report)
    inputs = {row["input"] for row in report["counts"]}
    show_totals = len(inputs) > 1
    if fmt_name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COUNT_CSV)
        for row in report["counts"]:
            writer.writerow(
                [
                    row["input"],
                    row["model"],
                    row["tokenizer"],
                    row["tokens"],
                    "true" if row["exact"] else "false",
                    row["method"],
                ]
            )
        for row in report["totals"] if show_totals else []:
            writer.writerow(
                [
                    "TOTAL",
                    row["model"],
                    row["tokenizer"],
                    row["tokens"],
                    "true" if row["exact"] else "false",
                    row["method"],
                ]
            )
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


# -- compare ------------------------------------------------------------------------


def _saving(amount: Decimal, reference: Decimal) -> tuple[str, str | None]:
    saving = CONTEXT.subtract(reference, amount)
    share = percent(CONTEXT.divide(saving, reference)) if reference else None
    return plain(saving), share


def compare_report(comparison: Any, book: PriceBook) -> dict[str, Any]:
    p = comparison.pricing
    top = comparison.most_expensive.total
    base = comparison.baseline
    rows = []
    for option in comparison.options:
        entry = option.lines[0].entry
        row: dict[str, Any] = {
            "model": option.model.id,
            "provider": option.model.provider,
            "total": plain(option.total),
        }
        row["saving_vs_most_expensive"], row["saving_vs_most_expensive_percent"] = _saving(option.total, top)
        if base is not None:
            row["saving_vs_baseline"], row["saving_vs_baseline_percent"] = _saving(option.total, base.total)
        tiers = sorted({line.tier for line in option.lines if line.tier})
        row.update(
            tier=", ".join(tiers) or None,
            price_effective=entry.effective.isoformat(),
            source=entry.source,
            user_price=option.model.user,
            notes=sorted({n for line in option.lines for n in line.notes}),
        )
        rows.append(row)
    return {
        **report_head(p.currency, p.as_of, p.fx, book),
        "baseline_model": base.model.id if base is not None else None,
        "workloads": len(comparison.options[0].lines),
        "models": rows,
        "cannot_serve": [{"model": s.model.id, "reason": s.reason} for s in comparison.cannot_serve],
    }


def _bar(amount: Decimal, top: Decimal, width: int = 30) -> str:
    if top <= 0:
        return ""
    cells = int((amount / top * width).to_integral_value(rounding="ROUND_HALF_UP"))
    return "█" * max(cells, 1 if amount > 0 else 0)


def render_compare(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None) -> str:
    if fmt_name == "json":
        return to_json(report)
    cur = report["currency"]
    rows = report["models"]
    base = report["baseline_model"]
    if fmt_name == "csv":
        out = io.StringIO()
        columns = [
            "model",
            "provider",
            "currency",
            "total",
            "saving_vs_most_expensive",
            "saving_vs_most_expensive_percent",
            "saving_vs_baseline",
            "saving_vs_baseline_percent",
            "tier",
            "price_effective",
            "source",
        ]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            values = {**row, "currency": cur}
            writer.writerow(["" if values.get(c) is None else values[c] for c in columns])
        return out.getvalue()
    top = max(Decimal(row["total"]) for row in rows)
    headers = ["Model", "Provider", "Monthly", "Saving vs top"] + (["vs " + base] if base else []) + ["", "Price of"]
    table_rows = []
    for row in rows:
        cells = [
            row["model"],
            row["provider"],
            _amount(row["total"], cur),
            f"{_amount(row['saving_vs_most_expensive'], cur)} ({row['saving_vs_most_expensive_percent'] or '-'})",
        ]
        if base:
            cells.append(f"{_amount(row['saving_vs_baseline'], cur)} ({row['saving_vs_baseline_percent'] or '-'})")
        extra = [f"tier {row['tier']}"] if row["tier"] else []
        extra += ["your price"] if row["user_price"] else []
        extra += ["discount"] if any(n.startswith("your discount") for n in row["notes"]) else []
        cells += [
            _bar(Decimal(row["total"]), top),
            row["price_effective"] + (f" ({', '.join(extra)})" if extra else ""),
        ]
        table_rows.append(cells)
    notes = [f"Cannot serve: {c['model']}: {c['reason']}" for c in report["cannot_serve"]]
    notes += [f"Note: {row['model']}: {note}" for row in rows for note in row["notes"]]
    fx = report["fx"]
    rate = f"1 USD = {fx['usd_cny']} CNY ({fx['date'] or 'given with --rate'})" if fx else "no USD/CNY rate needed"
    summary = (
        f"{report['workloads']} workload(s) priced on {len(rows)} model(s), cheapest first; "
        f"prices as of {report['as_of']}; {rate}."
    )
    if fmt_name == "markdown":
        return (
            md_table(headers, table_rows, "llrr" + ("r" if base else "") + "ll")
            + "\n"
            + "\n".join(f"- {line}" for line in [summary, *notes])
            + "\n"
        )
    out = console(color, width)
    table = rich_table(None, headers, table_rows, "llrr" + ("r" if base else "") + "ll")
    bars = table.columns[-2]
    bars.style, bars.no_wrap, bars.overflow = "green", True, "crop"  # a bar never wraps onto a second line
    out.print(table)
    out.print(summary, style="dim")
    for line in notes:
        out.print(line, style="yellow", markup=False)
    return out.file.getvalue()


# -- check: budgets and baselines ---------------------------------------------------------


def _pct(fraction: Decimal | None) -> str | None:
    """0.853 → '85.3' (percent, one decimal, half up); None stays None."""
    from .money import percent

    return None if fraction is None else percent(fraction)[:-1]


def _opt_plain(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)


def _given(amount: Any) -> dict[str, Any] | None:  # budget.Amount | None
    return None if amount is None else {"amount": exact(amount.given), "currency": amount.currency}


def _change_dict(change: Any) -> dict[str, Any]:  # budget.Change
    return {
        "status": change.status,
        "baseline_total": _opt_plain(change.before),
        "total": _opt_plain(change.after),
        "change": plain(change.delta),
        "percent_change": _pct(change.ratio),
        "exceeds_max_increase": change.limit_exceeded,
    }


def _signed(amount: str, currency: str) -> str:
    return ("+" if Decimal(amount) > 0 else "") + _amount(amount, currency)


def _change_text(change: dict[str, Any], currency: str) -> str:
    text = _signed(change["change"], currency)
    if change["percent_change"] is not None:
        text += f" ({'+' if Decimal(change['percent_change']) > 0 else ''}{change['percent_change']}%)"
    return text


def _limit_text(limit: Any) -> str | None:  # budget.Limit | None
    if limit is None:
        return None
    return f"{exact(limit.amount)}%" if limit.relative else exact(limit.amount)


def _limit_shown(text: str | None, currency: str) -> str:
    return text if text is None or text.endswith("%") else _amount(text, currency)  # type: ignore[return-value]


def check_report(verdict: Any, head: dict[str, Any]) -> dict[str, Any]:
    """The JSON contract of ``check``: the estimate report (so it can be a baseline), plus the verdict."""
    lines = []
    for c in verdict.checks:
        if c.line is None:
            continue  # a workload only in the baseline: listed under baseline.removed
        lines.append(
            {
                **line_dict(c.line),
                "budget": _opt_plain(c.budget.value if c.budget else None),
                "budget_as_given": _given(c.budget),
                "headroom": _opt_plain(c.headroom),
                "percent_used": _pct(c.used),
                "verdict": "over" if c.failed else "ok",
                "change": _change_dict(c.change) if c.change is not None else None,
            }
        )
    report: dict[str, Any] = {
        **head,
        "lines": lines,
        "skipped": [],
        "total": plain(verdict.total),
        "budget": _opt_plain(verdict.budget.value if verdict.budget else None),
        "budget_as_given": _given(verdict.budget),
        "headroom": _opt_plain(verdict.headroom),
        "percent_used": _pct(verdict.used),
        "verdict": "pass" if verdict.passed else "fail",
    }
    comp = verdict.comparison
    if comp is None:
        report["baseline"] = None
    else:
        b = comp.baseline
        report["baseline"] = {
            "file": b.source,
            "as_of": b.as_of,
            "price_book": b.price_book,
            "fx": b.fx,
            **{k: v for k, v in _change_dict(comp.total).items() if k != "status"},
            "max_increase": _limit_text(comp.max_increase),
            "max_increase_per_workload": _limit_text(comp.max_increase_per_workload),
            "added": [{"name": c.name, "total": plain(c.after)} for c in comp.added],
            "removed": [{"name": c.name, "baseline_total": plain(c.before)} for c in comp.removed],
            "changed": [{"name": c.name, **_change_dict(c)} for c in comp.changed],
            "unchanged": len(comp.unchanged),
            "differences": [
                {"what": what, "baseline": theirs, "current": ours} for what, theirs, ours in comp.differences
            ],
        }
    report["failures"] = [
        {"kind": f.kind, "name": f.name, "message": _failure_text(f, report)} for f in verdict.failures
    ]
    report["summary"] = check_summary(report)
    return report


def _failure_text(failure: Any, report: dict[str, Any]) -> str:  # budget.Failure
    cur = report["currency"]
    base = report["baseline"]
    if failure.name is None:
        who, item = "the total", {**report, "change": base and {k: base[k] for k in ("change", "percent_change")}}
        limit = base and base["max_increase"]
        allowed = "allowed"
    else:
        who, item = failure.name, next(line for line in report["lines"] if line.get("name") == failure.name)
        limit = base and base["max_increase_per_workload"]
        allowed = "allowed per workload"
    if failure.kind == "over_budget":
        used = f" ({item['percent_used']}%)" if item["percent_used"] is not None else ""
        text = (
            f"{who} is over budget: {_amount(item['total'], cur)} of {_amount(item['budget'], cur)}{used}, "
            f"{_amount(str(-Decimal(item['headroom'])), cur)} over"
        )
        if failure.name is None:  # name where the money goes: the largest workloads, most first
            largest = sorted(report["lines"], key=lambda line: -Decimal(line["total"]))[:3]
            text += "; largest: " + ", ".join(
                f"{line.get('name') or line['model']} {_amount(line['total'], cur)}" for line in largest
            )
        return text
    return (
        f"{who} is up {_change_text(item['change'], cur)} since the baseline, more than the "
        f"{_limit_shown(limit, cur)} {allowed}"
    )


def check_summary(report: dict[str, Any]) -> str:
    """One line: 'check failed: 2 of 3 workloads over budget; total ¥1,234.00 of ¥1,000.00 budget (123.4%)'."""
    cur = report["currency"]
    parts = []
    budgeted = [line for line in report["lines"] if line["budget"] is not None]
    if budgeted:
        over = [f for f in report["failures"] if f["kind"] == "over_budget" and f["name"] is not None]
        parts.append(
            f"{len(over)} of {len(budgeted)} workloads over budget"
            if over
            else f"{len(budgeted)} of {len(budgeted)} workloads within budget"
        )
    total = f"total {_amount(report['total'], cur)}"
    if report["budget"] is not None:
        total += f" of {_amount(report['budget'], cur)} budget"
        if report["percent_used"] is not None:
            total += f" ({report['percent_used']}%)"
    parts.append(total)
    base = report["baseline"]
    if base is not None:
        text = f"{_change_text(base, cur)} since the baseline"
        if base["max_increase"] is not None:
            text += f" (limit {_limit_shown(base['max_increase'], cur)})"
        parts.append(text)
        up = [line for line in report["lines"] if line["change"] and line["change"]["exceeds_max_increase"]]
        if up:
            parts.append(
                f"{len(up)} workload{'s' if len(up) != 1 else ''} up more than "
                f"{_limit_shown(base['max_increase_per_workload'], cur)}"
            )
    return f"check {'passed' if report['verdict'] == 'pass' else 'failed'}: " + "; ".join(parts)


def _check_rows(report: dict[str, Any], marks: tuple[str, str]) -> tuple[list[str], list[list[str]], str]:
    cur = report["currency"]
    base = report["baseline"]
    headers = (
        ["Workload", "Model", "Estimate", "Budget", "Headroom", "Used"] + (["Change"] if base else []) + ["Status"]
    )
    rows = []
    for line in report["lines"]:
        budget = "—"
        if line["budget"] is not None:
            budget = _amount(line["budget"], cur)
            given = line["budget_as_given"]
            if given["currency"] != cur:
                budget += f" ({_amount(given['amount'], given['currency'])})"
        row = [
            line.get("name", ""),
            line["model"],
            _amount(line["total"], cur),
            budget,
            _amount(line["headroom"], cur) if line["headroom"] is not None else "—",
            f"{line['percent_used']}%" if line["percent_used"] is not None else "—",
        ]
        if base:
            change = line["change"]
            row.append(
                "new"
                if change and change["status"] == "added"
                else _change_text(change, cur)
                if change and change["status"] == "changed"
                else "—"
            )
        row.append(marks[1] if line["verdict"] == "over" else marks[0])
        rows.append(row)
    total = [
        "Total",
        "",
        _amount(report["total"], cur),
        _amount(report["budget"], cur) if report["budget"] is not None else "—",
        _amount(report["headroom"], cur) if report["headroom"] is not None else "—",
        f"{report['percent_used']}%" if report["percent_used"] is not None else "—",
    ]
    if base:
        total.append(_change_text(base, cur))
    total_failed = any(f["name"] is None for f in report["failures"])
    total.append(marks[1] if total_failed else marks[0])
    return headers, rows + [total], "llrrrr" + ("r" if base else "") + "l"


def _baseline_lines(report: dict[str, Any]) -> list[str]:
    base = report["baseline"]
    if base is None:
        return []
    cur = report["currency"]
    out = [
        f"Baseline {base['file']}: total {_amount(base['baseline_total'], cur)} → {_amount(base['total'], cur)}, "
        f"{_change_text(base, cur)}"
        + (f"; limits: total {_limit_shown(base['max_increase'], cur)}" if base["max_increase"] else "")
        + (
            f"; per workload {_limit_shown(base['max_increase_per_workload'], cur)}"
            if base["max_increase_per_workload"]
            else ""
        )
    ]
    out += [f"Added: {a['name']} ({_amount(a['total'], cur)})" for a in base["added"]]
    out += [f"Removed: {r['name']} (was {_amount(r['baseline_total'], cur)})" for r in base["removed"]]
    out += [
        f"Changed: {c['name']} {_amount(c['baseline_total'], cur)} → {_amount(c['total'], cur)}, {_change_text(c, cur)}"
        for c in base["changed"]
    ]
    if base["unchanged"]:
        out.append(f"Unchanged: {base['unchanged']} workload{'s' if base['unchanged'] != 1 else ''}")
    out += [
        f"Priced differently from the baseline: {d['what']} {d['baseline'] or 'none'} → {d['current'] or 'none'}"
        for d in base["differences"]
    ]
    return out


def check_to_markdown(report: dict[str, Any]) -> str:
    """For a pull-request comment: verdict first, the table, failures, baseline changes, prices used."""
    passed = report["verdict"] == "pass"
    summary = report["summary"].split(": ", 1)[1]
    parts = [
        f"### {'✅' if passed else '❌'} llmcost: monthly LLM cost check {'passed' if passed else 'failed'}",
        "",
        summary,
        "",
    ]
    headers, rows, align = _check_rows(report, ("✅ ok", "❌ over"))
    rows[-1] = [f"**{cell}**" if cell and i in (0, 2) else cell for i, cell in enumerate(rows[-1])]
    parts += [md_table(headers, rows, align).rstrip("\n"), ""]
    if report["failures"]:
        parts += ["**Failures**", ""] + [f"- ❌ {f['message']}" for f in report["failures"]] + [""]
    if report["baseline"] is not None:
        parts += ["**Changes since the baseline**", ""] + [f"- {line}" for line in _baseline_lines(report)] + [""]
    parts += ["**Prices used**", ""] + [f"- {line}" for line in _footer(report)]
    dates = sorted({(line["model"], line["price_effective"]) for line in report["lines"]})
    parts += [f"- {model}: price effective {when}" for model, when in dates]
    parts += [f"- Source: <{src}>" for src in _sources(report)]
    parts.append(f"- Price book {report['price_book']}; {report['generator']}")
    return "\n".join(parts) + "\n"


def check_to_table(report: dict[str, Any], *, color: bool = False, width: int | None = None) -> str:
    headers, rows, align = _check_rows(report, ("ok", "OVER"))
    out = console(color, width)
    table = rich_table(None, headers, rows[:-1], align, rows[-1])
    out.print(table)
    passed = report["verdict"] == "pass"
    out.print(report["summary"], style="bold green" if passed else "bold red", markup=False)
    for f in report["failures"]:
        out.print(f"  ✗ {f['message']}", style="red", markup=False)
    for line in _baseline_lines(report):
        out.print(line, markup=False)
    for line in _footer(report):
        out.print(line, style="dim", markup=False)
    for i, src in enumerate(_sources(report), 1):
        out.print(f"[{i}] {src}", style="dim", markup=False)
    return out.file.getvalue()


def render_check(report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "markdown":
        return check_to_markdown(report)
    return check_to_table(report, color=color, width=width)
