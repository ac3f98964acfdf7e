"""Rendering the usage report (``usage.report``) as a table, CSV, markdown or JSON; and the usage
budget check.  Every format is rendered from the report dict ``--format json`` prints; strings that
came from a file (project and model names) are made safe for where they go."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

from .money import fmt
from .render.layout import Block, Column, Table, Text, render
from .render.markdown import Markup, md_table
from .render.report import to_json

TITLES = {"month": "Month", "day": "Day", "model": "Model", "provider": "Provider", "project": "Project"}
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]")
_MD = re.compile(r"([\\`*~\[\]<>|&#_])")


def clean(text: object) -> str:
    """A name from a file, with anything that could steer a terminal shown as an escape."""
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text)
    )


def _md(text: object) -> str:
    return _MD.sub(r"\\\1", clean(text))


def csv_cell(text: object) -> str:
    """A CSV cell a spreadsheet would not run as a formula."""
    value = "" if text is None else str(text)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+(\.\d+)?", text) is not None


def _amount(value: str | None, currency: str) -> str:
    return "-" if value is None else fmt(Decimal(value), currency)


def _key(value: str | None) -> str:
    return "(none)" if value is None else clean(value)


def _rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]], str, list[str]]:
    cur = report["currency"]
    groups = report["group_by"]
    headers = [TITLES[g] for g in groups] + ["Records", "In tok", "Out tok", "Cost"]
    headers += [f"On {clean(w['model'])}" for w in report["what_if"]]
    rows = []
    for line in report["lines"]:
        row = [_key(line[g]) for g in groups]
        row += [
            f"{line['records']:,}",
            f"{line['input_tokens']:,}",
            f"{line['output_tokens']:,}",
            _amount(line["total"], cur),
        ]
        row += [_amount(w["total"], cur) + ("*" if w["unpriced_records"] else "") for w in line.get("what_if", [])]
        rows.append(row)
    footer = (
        ["Total"] + [""] * (len(groups) - 1) + [f"{report['priced_records']:,}", "", "", _amount(report["total"], cur)]
    )
    footer += [_amount(w["total"], cur) + ("*" if w["unpriced_records"] else "") for w in report["what_if"]]
    return headers, rows, "l" * len(groups) + "r" * (4 + len(report["what_if"])), footer


def _label(line: dict[str, Any], groups: list[str]) -> str:
    return " ".join(_key(line[g]) for g in groups)


def footer_lines(report: dict[str, Any]) -> list[str]:
    """What follows the table: what-ifs, skipped records, the rate, notes."""
    cur = report["currency"]
    out = []
    for w in report["what_if"]:
        text = f"On {clean(w['model'])}: {_amount(w['total'], cur)}"
        if w["saving"] is not None:
            saving = Decimal(w["saving"])
            verb = "saves" if saving >= 0 else "costs"
            share = f", {w['saving_percent'].lstrip('-')}" if w["saving_percent"] else ""
            text += f" ({verb} {fmt(abs(saving), cur)}{share} {'less' if saving >= 0 else 'more'})"
        else:
            text += (
                f" (* {w['unpriced_records']:,} records not priced: "
                f"{'; '.join(clean(r) for r in w['unpriced_reasons'])}; no saving given)"
            )
        out.append(text)
    for s in report["skipped"]:
        out.append(
            f"Not priced: {s['records']:,} record{'' if s['records'] == 1 else 's'} of {clean(s['model'])}: "
            f"{clean(s['reason'])} "
            f"(first: {clean(s['first'])})"
        )
    fx = report.get("fx")  # a footer says only what is true here: the rate when one was used (the rounding
    # rule is in --help and the README, and in JSON's "rounding")
    rate = "" if fx is None else f"; USD amounts at 1 USD = {fx['usd_cny']} CNY ({fx['date'] or 'given with --rate'})"
    out.append(f"{report['records']:,} records read{rate}.")
    for note in report["notes"]:
        out.append(f"Note: {note}.")
    groups = report["group_by"]
    for line in report["lines"]:
        for note in line["notes"]:
            out.append(f"Note: {_label(line, groups)}: {note}")
    return out


def _n(records: int) -> str:
    return f"{records:,} record{'' if records == 1 else 's'}"


def unshown(report: dict[str, Any]) -> list[str]:
    """What a CSV report cannot carry (it has a row per group only): the records skipped and the
    records a what-if model has no price for; the CLI says them on stderr."""
    out = [
        f"skipped {_n(s['records'])} of {clean(s['model'])}: {clean(s['reason'])} (first: {clean(s['first'])})"
        for s in report["skipped"]
    ]
    out += [
        f"on {clean(w['model'])}: {_n(w['unpriced_records'])} it has no price for, not in its total: "
        + "; ".join(clean(r) for r in w["unpriced_reasons"])
        for w in report["what_if"]
        if w["unpriced_records"]
    ]
    return out


def to_table(report: dict[str, Any], *, color: bool = False, width: int | None = None, wide: bool = False) -> str:
    headers, rows, align, footer = _rows(report)
    groups = len(report["group_by"])
    # the groups name the row; records and tokens give way first on a narrow terminal, then what-ifs
    priority = [0] * groups + [2, 3, 3, 0] + [1] * (len(headers) - groups - 4)
    columns = [Column(h, a, p, key=i < groups) for i, (h, a, p) in enumerate(zip(headers, align, priority))]
    blocks: list[Block] = [Table(columns, rows, [[footer]])]
    blocks += [Text(line, "dim", hang=2) for line in footer_lines(report)]
    return render(blocks, width=width, color=color, wide=wide)


def to_markdown(report: dict[str, Any]) -> str:
    headers, rows, align, footer = _rows(report)
    cells = [[Markup(_md(c)) for c in row] for row in rows]
    cells.append([Markup(f"**{_md(c)}**") if c else Markup("") for c in footer])
    parts = [md_table(headers, cells, align).rstrip("\n"), ""]
    parts += [f"- {_md(line)}" for line in footer_lines(report)]
    return "\n".join(parts) + "\n"


def csv_columns(report: dict[str, Any]) -> list[str]:
    cols = [
        *report["group_by"],
        "records",
        "input_tokens",
        "cached_tokens",
        "cache_write_tokens",
        "output_tokens",
        "reasoning_tokens",
        "input_cost",
        "cached_input_cost",
        "cache_write_cost",
        "output_cost",
        "total",
        "currency",
    ]
    for w in report["what_if"]:
        cols += [f"what_if_{w['model']}_total", f"what_if_{w['model']}_saving"]
    return cols


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in csv_columns(report)])
    groups, cur = report["group_by"], report["currency"]
    for line in report["lines"]:
        cells = (
            [line[g] for g in groups]
            + [
                line[k]
                for k in (
                    "records",
                    "input_tokens",
                    "cached_tokens",
                    "cache_write_tokens",
                    "output_tokens",
                    "reasoning_tokens",
                    "input_cost",
                    "cached_input_cost",
                    "cache_write_cost",
                    "output_cost",
                    "total",
                )
            ]
            + [cur]
        )
        for w in line.get("what_if", []):
            cells += [w["total"], w["saving"]]
        writer.writerow([csv_cell(c) for c in cells])
    total = ["TOTAL"] + [""] * (len(groups) - 1) + [report["priced_records"]] + [""] * 9 + [report["total"], cur]
    for w in report["what_if"]:
        total += [w["total"], w["saving"]]
    writer.writerow([csv_cell(c) for c in total])
    return out.getvalue()


def render_usage(
    report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None, wide: bool = False
) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        return to_csv(report)
    if fmt_name == "markdown":
        return to_markdown(report)
    return to_table(report, color=color, width=width, wide=wide)
