"""The estimate report (a bill) in every format: JSON, JSON Lines and CSV streams, the table, markdown.

The streams render a workload file one line at a time (constant memory); rendering a whole report
with them gives the same text (``render_stream``).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from typing import Any

from ..calculator import Line
from ..money import add_exact, exact, fmt, plain
from . import provenance
from .layout import Block, Column, Table, Text, render
from .markdown import Markup, md_lines, md_table, strong
from .report import line_dict, quantity, sources, to_json
from .text import amount, count, csv_cell, md_link

STREAM_FORMATS = ("csv", "json", "jsonl")


class Stream:
    """Renders a report piece by piece: ``begin()``, ``line(d)`` for each line, ``end(...)``.

    Each method returns text; the caller writes it.  Memory does not grow with the number of lines.
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


def csv_line(cells: list[Any]) -> str:
    """One CSV row, every cell protected against formulas (``text.csv_cell``), ending in "\\n"."""
    return _CSV_WRITER.writerow([csv_cell(c) for c in cells])[:-2] + "\n"


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
    # a CSV that explains itself: the day the prices are of, the currency each price is quoted in,
    # and the USD/CNY rate used to convert it into `currency` (empty when it was not converted)
    "as_of",
    "price_currency",
    "usd_cny",
]


def csv_context(head: dict[str, Any]) -> tuple[str, str, str]:
    """(report currency, as-of date, USD/CNY rate) of a report's head, for its CSV rows."""
    fx = head.get("fx") or {}
    return head["currency"], head.get("as_of") or "", fx.get("usd_cny") or ""


def csv_row(line: dict[str, Any], head: dict[str, Any]) -> list[str]:
    currency, as_of, rate = csv_context(head)
    converted = line.get("price_currency", currency) != currency
    values = {**line, "currency": currency, "as_of": as_of, "usd_cny": rate if converted else ""}
    return ["" if values.get(col) is None else str(values.get(col, "")) for col in CSV_COLUMNS]


def line_csv_row(line: Line, head: dict[str, Any]) -> list[str]:
    """``csv_row(line_dict(line), head)`` straight from the Line, without the fields CSV leaves out:
    the CSV stream's fast path (tests/test_fast_paths.py proves the two agree)."""
    currency, as_of, rate = csv_context(head)
    w, m, e = line.workload, line.model, line.entry
    return [
        "" if w.name is None else w.name,
        m.id,
        m.provider,
        str(quantity(line.requests)),
        str(quantity(w.input_tokens)),
        str(quantity(w.output_tokens)),
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
        as_of,
        m.currency,
        rate if m.currency != currency else "",
    ]


def csv_total_row(total: str, head: dict[str, Any]) -> list[str]:
    currency, as_of, _ = csv_context(head)
    row = {col: "" for col in CSV_COLUMNS}
    row.update(name="TOTAL", currency=currency, total=total, as_of=as_of)
    return list(row.values())


class CsvStream(Stream):
    def _row(self, cells: list[str]) -> str:
        return csv_line(cells)

    def begin(self) -> str:
        return self._row(CSV_COLUMNS)

    def line(self, line: Line) -> str:
        return self._row(line_csv_row(line, self.head))

    def line_text(self, line: dict[str, Any]) -> str:
        return self._row(csv_row(line, self.head))

    def end(self, skipped: list[dict[str, Any]], total: str) -> str:
        return self._row(csv_total_row(total, self.head))


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


STREAMS: dict[str, type[Stream]] = {"csv": CsvStream, "json": JsonStream, "jsonl": JsonLinesStream}


def render_stream(report: dict[str, Any], kind: str) -> str:
    head = {k: v for k, v in report.items() if k not in ("lines", "skipped", "total")}
    stream = STREAMS[kind](head)
    parts = [stream.begin()] + [stream.line_text(line) for line in report["lines"]]
    parts.append(stream.end(report["skipped"], report["total"]))
    return "".join(parts)


def to_csv(report: dict[str, Any]) -> str:
    return render_stream(report, "csv")


# -- table and markdown ---------------------------------------------------------------


def converted(report: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> bool:
    """Whether some line was converted from another currency (then the rate is worth a line)."""
    cur = report["currency"]
    return any(line.get("price_currency", cur) != cur for line in (report["lines"] if lines is None else lines))


def rate_text(report: dict[str, Any]) -> str | None:
    fx = report["fx"]
    if fx is None:
        return None
    return f"1 USD = {fx['usd_cny']} CNY ({fx['date'] or 'given with --rate'})"


def prices_line(report: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> str:
    """'Prices as of D.' and the rate, when a conversion happened: a footer that is true."""
    text = f"Prices as of {report['as_of']}"
    rate = rate_text(report)
    if rate and converted(report, lines):
        text += f"; {rate}"
    return text + "."


def _price_of(line: dict[str, Any], ref: int | None) -> str:
    extra = []
    if line["tier"]:
        extra.append(f"tier {line['tier']}")
    if line["user_price"]:
        extra.append("your price")
    if line["discount"] != "0.00" or any(n.startswith("your discount") for n in line["notes"]):
        extra.append("discount")
    text = line["price_effective"] + (f" ({', '.join(extra)})" if extra else "")
    return text + (f" [{ref}]" if ref else "") + provenance.mark(line)


def _is_workloads(report: dict[str, Any]) -> bool:
    return report.get("lines_are") == "workloads" or any("name" in line for line in report["lines"])


def _bill_table(report: dict[str, Any], refs: dict[str, int]) -> Table:
    cur = report["currency"]
    named = _is_workloads(report)
    credits = [
        (key, label)
        for key, label in (("free_quota", "Free quota"), ("discount", "Discount"))
        if any(line[key] != "0.00" for line in report["lines"])
    ]
    columns = (
        [Column("Workload", key=True), Column("Model", key=True)]
        if named
        else [Column("Model", key=True), Column("Provider", priority=5)]
    )
    columns += [
        Column("Requests/mo", "r", 2),
        Column("In tok", "r", 4),
        Column("Out tok", "r", 4),
        Column("Input", "r", 3),
        Column("Output", "r", 3),
    ]
    columns += [Column(label, "r", 2) for _, label in credits]
    columns += [Column("Total", "r"), Column("Price of", priority=1, fold=True)]
    rows = []
    for line in report["lines"]:
        first = [line.get("name", ""), line["model"]] if named else [line["model"], line["provider"]]
        rows.append(
            first
            + [
                count(line["requests_per_month"]),
                count(line["input_tokens"]),
                count(line["output_tokens"]),
                amount(line["input_cost"], cur),
                amount(line["output_cost"], cur),
            ]
            + [amount(line[key], cur) for key, _ in credits]
            + [amount(line["total"], cur), _price_of(line, refs.get(line["source"]))]
        )
    blank = [""] * (len(columns) - 3)
    sections = []
    subtotals = sorted(report.get("subtotals", {}).items())
    if subtotals:
        sections.append([[f"Subtotal {provider}", *blank, fmt(value, cur), ""] for provider, value in subtotals])
    if named:  # workloads add up; several models for one workload are alternatives: no grand total
        sections.append([["Total", *blank, amount(report["total"], cur), ""]])
    return Table(columns, rows, sections)


def _notes(report: dict[str, Any]) -> list[str]:
    out = [f"Not priced: {item['model']}: {item['reason']}" for item in report["skipped"]]
    seen: dict[str, None] = {}
    for line in report["lines"]:
        for note in line["notes"]:
            seen.setdefault(f"Note: {line.get('name') or line['model']}: {note}", None)
    return out + list(seen)


def _details(report: dict[str, Any]) -> list[str]:
    """--verbose: each price's note for users and provenance for maintainers."""
    return provenance.details((f"{line['model']} {line['price_effective']}", line) for line in report["lines"])


def bill_blocks(report: dict[str, Any], verbose: bool = False) -> list[Block]:
    srcs = sources(report["lines"])
    refs = {src: i for i, src in enumerate(srcs, 1)}
    blocks: list[Block] = []
    if report["lines"]:
        blocks.append(_bill_table(report, refs))
    if report.get("summary_note"):
        blocks.append(Text(report["summary_note"], "yellow"))
    blocks.append(Text(prices_line(report), "dim"))
    blocks += [Text(note, "yellow" if note.startswith("Not priced") else None, hang=2) for note in _notes(report)]
    blocks += [Text(text, hang=2) for text in (_details(report) if verbose else [])]
    blocks += [Text(f"[{i}] {src}", "dim") for i, src in enumerate(srcs, 1)]
    blocks += [Text(text, "dim") for text in provenance.footnote(report["lines"], verbose)]
    return blocks


def to_table(
    report: dict[str, Any], *, color: bool = False, width: int | None = None, wide: bool = False, verbose: bool = False
) -> str:
    return render(bill_blocks(report, verbose), width=width, color=color, wide=wide)


def to_markdown(report: dict[str, Any], verbose: bool = False) -> str:
    srcs = sources(report["lines"])
    refs = {src: i for i, src in enumerate(srcs, 1)}
    parts = []
    if report["lines"]:
        table = _bill_table(report, refs)
        rows: list[list[Any]] = [list(row) for row in table.rows]
        for section in table.sections:
            rows += [[strong(c) for c in row] for row in section]
        parts.append(md_table([c.header for c in table.columns], rows, "".join(c.align for c in table.columns)))
    items = [report["summary_note"]] if report.get("summary_note") else []
    items += [prices_line(report), *_notes(report), *(_details(report) if verbose else [])]
    parts += md_lines(items)
    parts += md_lines(Markup(f"\\[{i}\\] {md_link(src)}") for i, src in enumerate(srcs, 1))
    parts += md_lines(provenance.footnote(report["lines"], verbose))
    return "\n".join(parts) + "\n"


def render_bill(
    report: dict[str, Any],
    fmt_name: str,
    *,
    color: bool = False,
    width: int | None = None,
    wide: bool = False,
    verbose: bool = False,
) -> str:
    if fmt_name in STREAMS:
        return render_stream(report, fmt_name)
    if fmt_name == "markdown":
        return to_markdown(report, verbose)
    return to_table(report, color=color, width=width, wide=wide, verbose=verbose)


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
        wide: bool = False,
        limit: int = 500,
        verbose: bool = False,
    ):
        super().__init__(head)
        self.markdown, self.color, self.width, self.wide, self.limit = markdown, color, width, wide, limit
        self.verbose = verbose
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
                f"{model} ({provider}): {n:,} workloads, {fmt(value, cur)}"
                for (provider, model), (n, value) in sorted(self.by_model.items())
            ]
            report["summary_note"] = (
                f"Showing the first {self.limit:,} of {self.count:,} workloads; "
                "all of them are in the totals. By model: " + "; ".join(parts)
            )
        if len(self.subtotals) > 1 or self.count > self.limit:
            report["subtotals"] = self.subtotals
        if self.markdown:
            return to_markdown(report, self.verbose)
        return to_table(report, color=self.color, width=self.width, wide=self.wide, verbose=self.verbose)


def stream_for(
    fmt_name: str,
    head: dict[str, Any],
    *,
    color: bool = False,
    width: int | None = None,
    wide: bool = False,
    verbose: bool = False,
) -> Stream:
    if fmt_name in STREAMS:
        return STREAMS[fmt_name](head)
    return TableStream(head, markdown=fmt_name == "markdown", color=color, width=width, wide=wide, verbose=verbose)
