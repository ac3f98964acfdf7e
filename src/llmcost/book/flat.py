"""The price book as one flat table, for spreadsheets and warehouses (``llmcost prices export``).

One row per model × price list (region) × dated entry × band × clock (peak / off-peak where the
entry has time-of-day prices).  Prices are per 1M tokens in the list's currency, exact decimal
strings (a price quoted per 1K is multiplied by 1,000 exactly, never through float).  The columns
(``COLUMNS``, in this order) are a contract: the README documents them, the SQL of
``llmcost usage --engine duckdb`` / ``--emit-sql`` is generated from these rows.

Band bounds are whole token counts with one meaning everywhere: a request is in a row's band when
``input_over < input <= up_to`` and ``output_over < output <= output_up_to`` (an empty cell: no
bound).  A ``whole`` entry prices the whole request at the one band it is in; a ``graduated`` one
prices the slice of its input in each band at that band's prices, and its output at the band its
input reaches (its bands have no output bounds).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from ..csvcells import protect
from .model import Band, Model, PriceBook, PriceEntry, TimeOfDay

COLUMNS = (
    "provider",
    "model",
    "region",
    "currency",
    "effective",
    "until",
    "retired",
    "announced",
    "billing_utc_offset",
    "mode",
    "band",
    "input_over",
    "up_to",
    "output_over",
    "output_up_to",
    "clock",
    "input",
    "output",
    "cached_input",
    "cache_write",
    "batch_input",
    "batch_output",
    "reasoning_output",
    "tod_utc_offset",
    "tod_days",
    "tod_hours",
    "tod_hours_are",
    "tod_holidays",
    "source",
    "source_kind",
)
PRICE_COLUMNS = ("input", "output", "cached_input", "cache_write", "batch_input", "batch_output", "reasoning_output")
FORMATS = ("csv", "jsonl")
BEIJING_MINUTES = 480


def per_million(value: Decimal | None, unit: str) -> str | None:
    """A price per ``unit`` tokens as an exact decimal string per 1M tokens ('0.0008' per 1K → '0.8')."""
    if value is None:
        return None
    return decimal_text(value.scaleb({"1K": 3, "10K": 2, "1M": 0}[unit]))


def decimal_text(value: Decimal) -> str:
    """A Decimal as a plain string without exponent or trailing zeros: '0.8', '12', '0.000035'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def billing_utc_offset(model: Model, book: PriceBook) -> int:
    """Minutes east of UTC of the day a vendor bills by (Beijing for mainland vendors, else UTC)."""
    provider = book.providers.get(model.provider)
    if provider is not None and provider.schema_version >= 2:
        return BEIJING_MINUTES if provider.region == "cn" else 0
    return BEIJING_MINUTES if model.currency == "CNY" else 0


def hours_text(tod: TimeOfDay) -> str:
    """'09:00-12:00 14:00-18:00' (local time, [start, end))."""
    return " ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in tod.hours)


def _bounds(entry: PriceEntry, index: int) -> tuple[int | None, int | None, int | None, int | None]:
    """(input_over, up_to, output_over, output_up_to) of a band, all inclusive whole counts."""
    band = entry.bands[index]

    def inclusive(bound: int | None, below: bool) -> int | None:
        return None if bound is None else (bound - 1 if below else bound)

    up_to = inclusive(band.up_to, band.below)
    out_up = inclusive(band.output_up_to, band.output_below)
    if entry.mode == "graduated":
        over = entry.bands[index - 1].up_to if index else None
        return over, up_to, None, None
    over = out_over = None
    for earlier in reversed(entry.bands[:index]):
        if (earlier.up_to, earlier.below) != (band.up_to, band.below):
            over = inclusive(earlier.up_to, earlier.below)
            break
    if index:
        previous = entry.bands[index - 1]
        if (previous.up_to, previous.below) == (band.up_to, band.below):
            out_over = inclusive(previous.output_up_to, previous.output_below)
    return over, up_to, out_over, out_up


def _prices(band: Band, unit: str, clock_prices: Band | None, graduated: bool) -> dict[str, str | None]:
    """A row's prices: the band's, or at off-peak the entry's off-peak prices (a graduated entry's
    input is priced per slice at each band's prices at every hour; its output at off-peak prices)."""
    p = band if clock_prices is None else clock_prices
    inp = band if (clock_prices is not None and graduated) else p
    return {
        "input": per_million(inp.input, unit),
        "output": per_million(p.output, unit),
        "cached_input": per_million(inp.cached_input, unit),
        "cache_write": per_million(inp.cache_write, unit),
        "batch_input": per_million(band.batch_input, unit),
        "batch_output": per_million(band.batch_output, unit),
        "reasoning_output": per_million(p.reasoning_output, unit),
    }


def _lists(model: Model) -> Iterator[tuple[str, str, tuple[PriceEntry, ...], date | None]]:
    """(region, currency, entries, shutdown) of each of a model's price lists."""
    dep = model.deprecated.shutdown if model.deprecated is not None else None
    yield model.region, model.currency, model.prices, _first(model.retired, dep)
    if model.intl is not None:
        yield "intl", model.intl.currency, model.intl.prices, _first(model.intl.retired, dep)


def _first(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def flat_rows(book: PriceBook, models: list[Model] | None = None) -> Iterator[dict[str, Any]]:
    """Every row of the flat table, models by provider and id, entries oldest first."""
    chosen = models if models is not None else sorted(book.models.values(), key=lambda m: (m.provider, m.id))
    for model in chosen:
        offset = billing_utc_offset(model, book)
        for region, currency, entries, shutdown in _lists(model):
            for i, entry in enumerate(entries):
                until = entries[i + 1].effective if i + 1 < len(entries) else None
                if shutdown is not None and (until is None or shutdown < until):
                    until = shutdown
                yield from _entry_rows(model, region, currency, entry, until, shutdown, offset)


def _entry_rows(
    model: Model,
    region: str,
    currency: str,
    entry: PriceEntry,
    until: date | None,
    shutdown: date | None,
    offset: int,
) -> Iterator[dict[str, Any]]:
    tod = entry.time_of_day
    clocks: list[tuple[str, Band | None]] = (
        [("", None)] if tod is None else [("peak", None), ("off-peak", tod.off_peak)]
    )
    for index, band in enumerate(entry.bands):
        over, up_to, out_over, out_up = _bounds(entry, index)
        for clock, clock_prices in clocks:
            row: dict[str, Any] = {
                "provider": model.provider,
                "model": model.id,
                "region": region,
                "currency": currency,
                "effective": entry.effective.isoformat(),
                "until": until.isoformat() if until else None,
                "retired": shutdown.isoformat() if shutdown else None,
                "announced": entry.announced.isoformat() if entry.announced else None,
                "billing_utc_offset": offset,
                "mode": entry.mode,
                "band": entry.band_label(index),
                "input_over": over,
                "up_to": up_to,
                "output_over": out_over,
                "output_up_to": out_up,
                "clock": clock,
                **_prices(band, entry.unit, clock_prices, entry.mode == "graduated"),
                "tod_utc_offset": tod.utc_offset if tod else None,
                "tod_days": tod.days if tod else None,
                "tod_hours": hours_text(tod) if tod else None,
                "tod_hours_are": (tod.windows.replace("_", "-")) if tod else None,
                "tod_holidays": tod.holidays if tod else None,
                "source": entry.source,
                "source_kind": entry.source_kind,
            }
            yield row


def to_csv(rows: Iterator[dict[str, Any]]) -> str:
    """The table as CSV with a header; empty cells for no value; cells safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([protect("" if row[c] is None else row[c]) for c in COLUMNS])
    return out.getvalue()


def to_jsonl(rows: Iterator[dict[str, Any]]) -> str:
    """One JSON object per line, the columns in order; null for no value, counts as numbers, prices as strings."""
    return "".join(json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n" for row in rows)


def export(book: PriceBook, fmt: str) -> str:
    rows = flat_rows(book)
    return to_csv(rows) if fmt == "csv" else to_jsonl(rows)
