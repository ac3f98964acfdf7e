"""The usage report (the JSON contract of ``llmcost usage``), built from an engine's rows.

It follows the estimate report: ``schema_version``, ``currency``, ``as_of`` (the day of the
exchange rate), ``fx``, ``price_book``, ``lines`` (one per group, with the group keys on each
line), ``skipped`` and ``total``; amounts are strings rounded once, here, half up to the fen/cent.
Each line's amounts are converted to the report currency from its exact sums in each model's own
currency, at the one rate the report states; the total is the exact sum of the lines' exact
amounts, so it never drifts from them by more than the rounding of each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ..book import Model, PriceBook
from ..errors import InputError
from ..money import FxRate, add_exact, exact_sum, percent, plain
from .engine import Result, Row

ZERO = Decimal(0)
BILLING_NOTE = (
    "each record is priced at the price in force on its own day: Beijing time (UTC+08:00) for mainland "
    "vendors, UTC for global ones; months and days are those days"
)


def _converter(currency: str, fx: FxRate | None, as_of: date) -> Callable[[Decimal, str], Decimal]:
    def convert(amount: Decimal, source: str) -> Decimal:
        if source == currency:
            return amount
        if fx is None:
            raise InputError(
                f"some records are priced in {source}: no USD/CNY rate on or before {as_of.isoformat()} "
                "in the price book",
                hint="pass --rate",
            )
        return fx.convert(amount, source, currency)

    return convert


class _Line:
    """One group: what was paid, by part, and what each what-if model would have cost."""

    def __init__(self, group: tuple[str | None, ...]):
        self.group = group
        self.rows: list[Row] = []
        self.what_if: dict[int, list[Row]] = {}


def _amounts(rows: list[Row], convert: Callable[[Decimal, str], Decimal]) -> dict[str, Decimal]:
    """Each part's exact amount in the report currency: summed per currency, converted once."""
    native: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        parts = native.setdefault(row.currency, {"input": ZERO, "cached": ZERO, "write": ZERO, "output": ZERO})
        parts["input"] = add_exact(parts["input"], row.input_cost)
        parts["cached"] = add_exact(parts["cached"], row.cached_cost)
        parts["write"] = add_exact(parts["write"], row.write_cost)
        parts["output"] = add_exact(parts["output"], row.output_cost)
    out = {"input": ZERO, "cached": ZERO, "write": ZERO, "output": ZERO, "total": ZERO}
    for currency, parts in sorted(native.items()):
        total = exact_sum(parts.values())
        for name, amount in parts.items():
            out[name] = add_exact(out[name], convert(amount, currency))
        out["total"] = add_exact(out["total"], convert(total, currency))
    return out


def _count(rows: list[Row], name: str) -> int:
    return sum(getattr(row, name) for row in rows)


def _records(n: int) -> str:
    return f"{n:,} record{'' if n == 1 else 's'}"


def _notes(rows: list[Row], book: PriceBook) -> list[str]:
    notes = []
    records = _count(rows, "records")
    off = _count(rows, "off_peak_records")
    tods = sorted({e.time_of_day.describe() for e in _entries(rows, book) if e.time_of_day is not None})
    if tods:
        notes.append(f"{off:,} of {_records(records)} at off-peak prices ({'; '.join(tods)})")
    batch, unpriced = _count(rows, "batch_records"), _count(rows, "batch_unpriced_records")
    if batch:
        notes.append(
            f"{_records(batch)} in batch, at batch prices"
            if not unpriced
            else f"{_records(batch)} in batch; {unpriced:,} on a model without a batch price for input or "
            "output: that side at the standard price"
        )
    thinking = _count(rows, "thinking_records")
    if thinking:
        notes.append(f"{_records(thinking)} in thinking mode: output at the thinking-mode price")
    cache = _count(rows, "cache_unpriced_records")
    if cache:
        notes.append(f"cached tokens of {_records(cache)} at the input price (no cache price published)")
    return notes


def _entries(rows: list[Row], book: PriceBook) -> list[Any]:
    out = []
    for row in rows:
        entry = _entry(book, row)
        if entry is not None:
            out.append(entry)
    return out


def _entry(book: PriceBook, row: Row) -> Any:
    model = book.models.get(row.model)
    if model is None:
        return None
    prices = model.prices if row.region == model.region or model.intl is None else model.intl.prices
    return next((e for e in prices if e.effective == row.effective), None)


def _prices(rows: list[Row], book: PriceBook) -> list[dict[str, Any]]:
    used: dict[tuple[str, str, date], dict[str, Any]] = {}
    for row in rows:
        key = (row.model, row.region, row.effective)
        item = used.get(key)
        if item is None:
            entry = _entry(book, row)
            item = used[key] = {
                "model": row.model,
                "region": row.region,
                "effective": row.effective.isoformat(),
                "currency": row.currency,
                "source": entry.source if entry is not None else None,
                "records": 0,
            }
        item["records"] += row.records
    return sorted(used.values(), key=lambda i: (i["model"], i["region"], i["effective"]))


def _saving(paid: Decimal, other: Decimal | None) -> tuple[str | None, str | None]:
    if other is None:
        return None, None
    saving = paid - other
    return plain(saving), (percent(saving / paid) if paid else None)


def _after_the_book(result: Result, book: PriceBook, currency: str, fx: FxRate | None) -> list[str]:
    """Records on a day after the book's last check are priced at the prices known that day: say so."""
    if not result.after_checked or book.checked is None:
        return []
    n = result.after_checked
    text = (
        f"{n:,} record{'s are' if n != 1 else ' is'} dated after {book.checked.isoformat()}, the price book's last "
        "check: priced at the prices known that day"
    )
    if fx is not None and fx.date is not None and any(r.scenario == 0 and r.currency != currency for r in result.rows):
        text += f"; the USD/CNY rate is that of {fx.date.isoformat()}"
    return [text]  # the usage report ends its notes with a full stop when it prints them


def usage_report(
    result: Result,
    *,
    head: dict[str, Any],
    book: PriceBook,
    groups: tuple[str, ...],
    what_if: tuple[Model, ...],
    currency: str,
    fx: FxRate | None,
    as_of: date,
    tokenizer_notes: list[str] | None = None,
) -> dict[str, Any]:
    """The report dict every format is rendered from."""
    convert = _converter(currency, fx, as_of)
    lines: dict[tuple[str | None, ...], _Line] = {}
    for row in result.rows:
        line = lines.get(row.group)
        if line is None:
            line = lines[row.group] = _Line(row.group)
        if row.scenario == 0:
            line.rows.append(row)
        else:
            line.what_if.setdefault(row.scenario, []).append(row)
    unpriced = {k: 0 for k in range(1, len(what_if) + 1)}
    for skip in result.skipped:
        if skip.scenario:
            unpriced[skip.scenario] += skip.records
    out_lines, total = [], ZERO
    what_if_totals = {k: ZERO for k in unpriced}
    priced = 0
    for group in sorted(lines, key=lambda g: tuple("" if v is None else v for v in g)):
        line = lines[group]
        amounts = _amounts(line.rows, convert)
        total = add_exact(total, amounts["total"])
        records = _count(line.rows, "records")
        priced += records
        item: dict[str, Any] = dict(zip(groups, group))
        if "model" in item:
            item["provider"] = book.models[item["model"]].provider if item["model"] in book.models else None
        item.update(
            {
                "records": records,
                "input_tokens": _count(line.rows, "input"),
                "cached_tokens": _count(line.rows, "cached"),
                "cache_write_tokens": _count(line.rows, "write"),
                "output_tokens": _count(line.rows, "output"),
                "reasoning_tokens": _count(line.rows, "reasoning"),
                "input_cost": plain(amounts["input"]),
                "cached_input_cost": plain(amounts["cached"]),
                "cache_write_cost": plain(amounts["write"]),
                "output_cost": plain(amounts["output"]),
                "total": plain(amounts["total"]),
                "price_currency": sorted({row.currency for row in line.rows}),
                "prices": _prices(line.rows, book),
                "notes": _notes(line.rows, book),
            }
        )
        if what_if:
            item["what_if"] = []
            for k, model in enumerate(what_if, 1):
                rows = line.what_if.get(k, [])
                other = _amounts(rows, convert)["total"]
                what_if_totals[k] = add_exact(what_if_totals[k], other)
                missing = records - _count(rows, "records")
                saving, pct = _saving(amounts["total"], None if missing else other)
                item["what_if"].append(
                    {
                        "model": model.id,
                        "total": plain(other),
                        "saving": saving,
                        "saving_percent": pct,
                        "unpriced_records": missing,
                    }
                )
        out_lines.append(item)
    report: dict[str, Any] = {
        **head,
        "kind": "usage",
        "group_by": list(groups),
        "files": list(result.sources),
        "records": result.records,
        "priced_records": priced,
        "lines": out_lines,
        "skipped": [
            {"model": s.model, "reason": s.reason, "records": s.records, "first": s.first}
            for s in result.skipped
            if s.scenario == 0
        ],
        "total": plain(total),
        "what_if": [],
        "notes": [BILLING_NOTE, *_after_the_book(result, book, currency, fx), *(tokenizer_notes or [])],
    }
    for k, model in enumerate(what_if, 1):
        missing = unpriced[k]
        saving, pct = _saving(total, None if missing else what_if_totals[k])
        reasons = sorted({s.reason for s in result.skipped if s.scenario == k})
        report["what_if"].append(
            {
                "model": model.id,
                "provider": model.provider,
                "total": plain(what_if_totals[k]),
                "saving": saving,
                "saving_percent": pct,
                "unpriced_records": missing,
                "unpriced_reasons": reasons,
            }
        )
    return report
