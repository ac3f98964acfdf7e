"""The history report (each dated price of models, or every change in a window) and the prices diff
report, in every format.  Prices are shown exactly (``money.exact``), changes with ``money.percent``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import __version__
from ..book import Model, PriceEntry
from ..history import BookDiff, Change, History, HistoryEntry, ModelDiff, per_1m
from ..money import exact
from .bill import csv_line
from .layout import Blank, Block, Column, Table, Text, render
from .markdown import Markup, md_table
from .report import SCHEMA_VERSION, to_json
from .text import md, md_link

BAR_WIDTH = 30
_EIGHTHS = " ▏▎▍▌▋▊▉"


# -- history: the report ---------------------------------------------------------------


def _tiers(entry: PriceEntry) -> dict[str, Any] | None:
    if entry.mode == "flat":
        return None
    return {
        "mode": entry.mode,
        "bands": [{"up_to": b.up_to, "input": exact(b.input), "output": exact(b.output)} for b in entry.bands],
    }


def tiers_text(tiers: dict[str, Any] | None) -> str:
    """'whole tiers: ≤32,000 0.8/8 · ≤128,000 1.2/16 · above 2.4/24'."""
    if not tiers:
        return ""
    parts = [
        (f"≤{b['up_to']:,}" if b["up_to"] is not None else "above") + f" {b['input']}/{b['output']}"
        for b in tiers["bands"]
    ]
    return f"{tiers['mode']} tiers: " + " · ".join(parts)


def entry_dict(h: HistoryEntry) -> dict[str, Any]:
    e, band = h.entry, h.entry.bands[0]
    return {
        "effective": e.effective.isoformat(),
        "unit": e.unit,
        "currency": h.model.currency,
        "input": exact(band.input),
        "output": exact(band.output),
        "input_per_1m": exact(h.input_per_1m),
        "output_per_1m": exact(h.output_per_1m),
        "input_change": h.input_change.value,
        "output_change": h.output_change.value,
        "input_change_label": h.input_change.label,
        "output_change_label": h.output_change.label,
        "compared": "first tier band" if h.compared_first_band else None,
        "tiers": _tiers(e),
        "source": e.source,
        "note": e.note,
        "provenance": getattr(e, "provenance", None),
    }


def history_report(hist: History, digest: str) -> dict[str, Any]:
    """The JSON contract of ``llmcost history`` (schema_version 1).

    Changes are fractions as decimal strings rounded to six places, half up (``"-0.9625"``
    is -96.25%, a cut to a third ``"-0.666667"``), computed per 1M tokens; null for a model's
    first price and for a price from 0 (its label says "new price")."""
    models = []
    for mh in hist.models:
        m = mh.model
        row: dict[str, Any] = {
            "id": m.id,
            "provider": m.provider,
            "name": m.name,
            "currency": m.currency,
            "user_price": m.user,
            "entries": [entry_dict(h) for h in mh.entries],
        }
        if not mh.entries:
            row["status"] = (
                f"no price on or before {hist.as_of.isoformat()} "
                f"(its first price is from {m.prices[0].effective.isoformat()})"
            )
        models.append(row)
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "as_of": hist.as_of.isoformat(),
        "since": hist.since.isoformat() if hist.since else None,
        "until": hist.until.isoformat() if hist.until else None,
        "price_book": digest,
        "models": models,
    }


def _changes(report: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(model, entry) pairs sorted by date, then provider and model: the window view."""
    rows = [(m, e) for m in report["models"] for e in m["entries"]]
    return sorted(rows, key=lambda r: (r[1]["effective"], r[0]["provider"], r[0]["id"]))


def _window(report: dict[str, Any]) -> bool:
    return report["since"] is not None or report["until"] is not None


# -- history: CSV, table, markdown ---------------------------------------------------

HISTORY_CSV = [
    "model",
    "provider",
    "currency",
    "effective",
    "unit",
    "input",
    "output",
    "input_per_1m",
    "output_per_1m",
    "input_change",
    "output_change",
    "input_change_label",
    "output_change_label",
    "compared",
    "tiers",
    "source",
    "note",
]


def _csv(report: dict[str, Any]) -> str:
    out = [csv_line(HISTORY_CSV)]
    pairs = _changes(report) if _window(report) else [(m, e) for m in report["models"] for e in m["entries"]]
    for model, entry in pairs:
        values = {**entry, "model": model["id"], "provider": model["provider"], "tiers": tiers_text(entry["tiers"])}
        out.append(csv_line(["" if values[c] is None else values[c] for c in HISTORY_CSV]))
    return "".join(out)


def _quoted(entry: dict[str, Any]) -> str:
    """As the vendor quoted it: '0.0003 / 0.0006 CNY/1K'."""
    return f"{entry['input']} / {entry['output']} {entry['currency']}/{entry['unit']}"


def _note(entry: dict[str, Any], *, short: bool = False) -> str:
    parts = []
    if entry["tiers"]:
        tiers = entry["tiers"]
        parts.append(f"{tiers['mode']} tiers, band 1 of {len(tiers['bands'])}" if short else tiers_text(tiers))
    if entry["compared"]:
        parts.append("change compares the first band")
    if entry["note"]:
        parts.append(entry["note"])
    return "; ".join(parts)


class _Sources:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def ref(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def _columns(window: bool) -> list[Column]:
    first = [Column("Effective", key=True)]
    if window:
        first += [Column("Provider", priority=4), Column("Model", key=True)]
    return [
        *first,
        Column("Quoted in / out", "r", 3),
        Column("In /1M", "r"),
        Column("In change", "r"),
        Column("Out /1M", "r", 1),
        Column("Out change", "r", 1),
        Column("Note", priority=2, fold=True),
    ]


def _row(e: dict[str, Any], ref: str, model: dict[str, Any] | None = None) -> list[Any]:
    first = [e["effective"] + ref]
    if model is not None:
        first += [model["provider"], model["id"]]
    return [
        *first,
        _quoted(e),
        e["input_per_1m"],
        e["input_change_label"],
        e["output_per_1m"],
        e["output_change_label"],
        _note(e, short=model is not None),
    ]


def _title(model: dict[str, Any]) -> str:
    mine = ", your price" if model["user_price"] else ""
    return f"{model['id']} — {model['name']} ({model['provider']}, {model['currency']}{mine})"


def bars(values: list[str], width: int = BAR_WIDTH, *, ascii_only: bool = False) -> list[str]:
    """One bar per value (decimal strings), scaled to the largest; a non-zero price
    always gets at least a sliver, so it is never drawn as free."""
    numbers = [Decimal(v) for v in values]
    top = max(numbers, default=Decimal(0))
    out = []
    for value in numbers:
        if top == 0 or value == 0:
            out.append("")
            continue
        eighths = int(value * width * 8 / top)  # a chart, not money: truncation is fine
        if ascii_only:
            out.append("#" * max(1, (eighths + 4) // 8))
        else:
            full, part = divmod(max(eighths, 1), 8)
            out.append("█" * full + (_EIGHTHS[part] if part else ""))
    return out


def _chart(model: dict[str, Any], *, ascii_only: bool, width: int | None = None) -> list[str]:
    """A bar per entry, as wide as the terminal allows; nothing for a model with a single price."""
    entries = model["entries"]
    if len(entries) < 2:
        return []
    longest = max(len(e["input_per_1m"]) for e in entries)
    room = BAR_WIDTH if width is None else max(4, min(BAR_WIDTH, width - 2 - 10 - 2 - longest))
    drawn = bars([e["input_per_1m"] for e in entries], room, ascii_only=ascii_only)
    pad = max(len(b) for b in drawn) if drawn else 0
    lines = [f"Input price per 1M tokens ({model['currency']}):"]
    for e, bar in zip(entries, drawn):
        lines.append(f"  {e['effective']} {bar.ljust(pad)} {e['input_per_1m']}")
    return lines


def _window_caption(report: dict[str, Any]) -> str:
    since, until = report["since"], report["until"] or report["as_of"]
    span = f"from {since} to {until}" if since else f"up to {until}"
    n = sum(len(m["entries"]) for m in report["models"])
    return (
        f"{n} dated price(s) {span}, across {len(report['models'])} model(s), sorted by date; "
        "changes are from the entry before, per 1M tokens."
    )


def _provenance(entries: list[tuple[str, dict[str, Any]]]) -> list[Block]:
    """--verbose: the maintainers' provenance of each entry that has one."""
    return [Text(f"{who}: {e['provenance']}", "dim", hang=2) for who, e in entries if e.get("provenance")]


def history_blocks(report: dict[str, Any], *, width: int | None = None, verbose: bool = False) -> list[Block]:
    sources = _Sources()
    blocks: list[Block] = []
    if _window(report):
        pairs = _changes(report)
        rows = [_row(e, f" [{sources.ref(e['source'])}]", m) for m, e in pairs]
        blocks += [Table(_columns(True), rows), Text(_window_caption(report), "dim")]
        if verbose:
            blocks += _provenance([(f"{e['effective']} {m['id']}", e) for m, e in pairs])
    else:
        for model in report["models"]:
            if not model["entries"]:
                blocks += [Text(f"{_title(model)}: {model['status']}"), Blank()]
                continue
            rows = [_row(e, f" [{sources.ref(e['source'])}]") for e in model["entries"]]
            blocks.append(Table(_columns(False), rows, title=_title(model)))
            chart = _chart(model, ascii_only=False, width=width)
            blocks += (
                [Blank()] + [Text(line.lstrip(" "), indent=len(line) - len(line.lstrip(" "))) for line in chart]
                if chart
                else []
            )
            if verbose:
                blocks += _provenance([(e["effective"], e) for e in model["entries"]])
            blocks.append(Blank())
        blocks.append(Text(f"Prices as of {report['as_of']}; changes are from the entry before, per 1M tokens.", "dim"))
    blocks += [Text(f"[{i}] {url}", "dim") for i, url in enumerate(sources.urls, 1)]
    return blocks


def _md_rows(rows: list[list[Any]], urls: list[str]) -> list[list[Any]]:
    return [[*row[:-1], Markup(md_link(url)), row[-1]] for row, url in zip(rows, urls)]


def _history_markdown(report: dict[str, Any]) -> str:
    parts: list[str] = []

    def table(columns: list[Column], rows: list[list[Any]], urls: list[str]) -> str:
        headers = [c.header for c in columns[:-1]] + ["Source", "Note"]
        align = "".join(c.align for c in columns[:-1]) + "ll"
        return md_table(headers, _md_rows(rows, urls), align)

    if _window(report):
        pairs = _changes(report)
        parts += [
            table(_columns(True), [_row(e, "", m) for m, e in pairs], [e["source"] for _, e in pairs]),
            _window_caption(report),
            "",
        ]
        return "\n".join(parts)
    for model in report["models"]:
        parts.append(f"### {md(_title(model))}\n")
        if not model["entries"]:
            parts.append(md(model["status"]) + "\n")
            continue
        entries = model["entries"]
        parts.append(table(_columns(False), [_row(e, "") for e in entries], [e["source"] for e in entries]))
        chart = _chart(model, ascii_only=True)
        if chart:
            parts.append("```text\n" + "\n".join(chart) + "\n```\n")
    parts.append(f"Prices as of {report['as_of']}; changes are from the entry before, per 1M tokens.\n")
    return "\n".join(parts)


def render_history(
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
        return _csv(report)
    if fmt_name == "markdown":
        return _history_markdown(report)
    return render(history_blocks(report, width=width, verbose=verbose), width=width, color=color, wide=wide)


# -- prices diff -----------------------------------------------------------------------


def _change_dict(c: Change | None) -> dict[str, Any] | None:
    return None if c is None else {"value": c.value, "label": c.label}


def _price_dict(entry: PriceEntry, currency: str) -> dict[str, Any]:
    band = entry.bands[0]
    return {
        "effective": entry.effective.isoformat(),
        "unit": entry.unit,
        "currency": currency,
        "input": exact(band.input),
        "output": exact(band.output),
        "input_per_1m": exact(per_1m(band.input, entry.unit)),
        "output_per_1m": exact(per_1m(band.output, entry.unit)),
        "tiers": _tiers(entry),
        "source": entry.source,
    }


def _model_summary(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "provider": model.provider,
        "currency": model.currency,
        "context_window": model.context_window,
        "entries": len(model.prices),
        "newest": _price_dict(model.prices[-1], model.currency),
    }


def _changed_dict(d: ModelDiff) -> dict[str, Any]:
    return {
        "id": d.id,
        "provider": d.provider,
        "fields": list(d.fields),
        "entries_added": [_price_dict(e, d.new_currency) for e in d.entries_added],
        "entries_removed": [_price_dict(e, d.old_currency) for e in d.entries_removed],
        "entries_changed": [{"effective": e.effective.isoformat(), "changes": list(ch)} for e, ch in d.entries_changed],
        "newest": {
            "old": _price_dict(d.newest_old, d.old_currency),
            "new": _price_dict(d.newest_new, d.new_currency),
            "input_change": _change_dict(d.input_change),
            "output_change": _change_dict(d.output_change),
        },
    }


def diff_report(result: BookDiff) -> dict[str, Any]:
    """The JSON contract of ``llmcost prices diff`` (schema_version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "old": result.old,
        "new": result.new,
        "summary": {
            "models_added": len(result.added),
            "models_removed": len(result.removed),
            "models_changed": len(result.changed),
        },
        "models_added": [_model_summary(m) for m in result.added],
        "models_removed": [_model_summary(m) for m in result.removed],
        "models_changed": [_changed_dict(d) for d in result.changed],
    }


def _price_text(p: dict[str, Any]) -> str:
    text = f"{p['input']} / {p['output']} {p['currency']}/{p['unit']}"
    return text + f" ({p['tiers']['mode']} tiers, first band)" if p["tiers"] else text


def _per_1m_text(p: dict[str, Any]) -> str:
    return f"{p['input_per_1m']} / {p['output_per_1m']} {p['currency']}/1M ({p['effective']})"


def _diff_rows(report: dict[str, Any]) -> list[list[str]]:
    """Model | Change | Old | New: one row per difference."""
    rows = []
    for m in report["models_added"]:
        rows.append([m["id"], "model added", "", f"{_price_text(m['newest'])} from {m['newest']['effective']}"])
    for m in report["models_removed"]:
        rows.append([m["id"], "model removed", f"{_price_text(m['newest'])} from {m['newest']['effective']}", ""])
    for m in report["models_changed"]:
        for f in m["fields"]:
            rows.append([m["id"], f["field"], f["old"] or "—", f["new"] or "—"])
        for p in m["entries_added"]:
            rows.append([m["id"], f"price added {p['effective']}", "", _price_text(p)])
        for p in m["entries_removed"]:
            rows.append([m["id"], f"price removed {p['effective']}", _price_text(p), ""])
        for e in m["entries_changed"]:
            for c in e["changes"]:
                rows.append([m["id"], f"{e['effective']} {c['field']}", c["old"] or "—", c["new"] or "—"])
        n = m["newest"]
        if n["input_change"] is not None:
            band = " (first tier band)" if n["old"]["tiers"] or n["new"]["tiers"] else ""
            rows.append(
                [
                    m["id"],
                    "newest price, per 1M",
                    _per_1m_text(n["old"]),
                    f"{_per_1m_text(n['new'])}: input {n['input_change']['label']}, "
                    f"output {n['output_change']['label']}{band}",
                ]
            )
        elif n["old"]["currency"] != n["new"]["currency"]:
            rows.append(
                [
                    m["id"],
                    "newest price, per 1M",
                    _per_1m_text(n["old"]),
                    f"{_per_1m_text(n['new'])}: not compared (the currency changed)",
                ]
            )
    return rows


def _diff_caption(report: dict[str, Any]) -> str:
    s = report["summary"]
    if not any(s.values()):
        return f"No differences between {report['old']} and {report['new']}."
    return (
        f"{report['old']} → {report['new']}: {s['models_added']} model(s) added, "
        f"{s['models_removed']} removed, {s['models_changed']} changed."
    )


DIFF_CSV = ["model", "change", "old", "new"]


def render_diff(
    report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None, wide: bool = False
) -> str:
    if fmt_name == "json":
        return to_json(report)
    rows = _diff_rows(report)
    if fmt_name == "csv":
        return "".join(csv_line(row) for row in [DIFF_CSV, *rows])
    columns = [
        Column("Model", key=True),
        Column("Change", key=True),
        Column("Old", fold=True),
        Column("New", fold=True),
    ]
    if fmt_name == "markdown":
        table = md_table([c.header for c in columns], rows) + "\n" if rows else ""
        return table + md(_diff_caption(report)) + "\n"
    blocks: list[Block] = [Table(columns, rows)] if rows else []
    blocks.append(Text(_diff_caption(report)))
    return render(blocks, width=width, color=color, wide=wide)
