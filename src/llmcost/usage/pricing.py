"""Pricing usage records: each at the price in force on its own day, with its own band, clock and
kind of request.  Pure Decimal; the price book's own logic (``Model.in_region``, ``Model.price_at``,
``PriceEntry.band_index``, ``TimeOfDay.is_off_peak``) decides which price applies.

The rules (the README's "How usage is priced" says the same):

- **The day.** A record is priced at the entry in force on its day in the vendor's billing time
  zone: Beijing time (UTC+08:00) for a mainland vendor (a ``region: cn`` price file, or a CNY
  price in a file without a region), UTC for a global one.  The same day groups it by day and
  month.  A model retired or shut down by then, or not yet priced, has no price for it.
- **The band.** A tiered (``whole``) entry prices the whole request at the band its input
  (cached and cache-write tokens included) and output fall in; a ``graduated`` one prices each
  slice of its input at its band's rates, the cached tokens first (a cache holds the start of a
  prompt), then the cache-write ones, and the output at the band the input reaches.
- **The clock.** Where an entry has time-of-day prices, a record sent off-peak (in the entry's
  own UTC offset; weekends and the holiday calendar's days off-peak where it says so) is priced
  at the off-peak prices.
- **The request.** Cached tokens at the cache-hit price, cache-write tokens at the cache-write
  price (the input price where the vendor publishes none), a record with reasoning tokens (a
  thinking-mode request) has its whole output at the thinking-mode price where the band has one;
  a batch record at the batch prices (each side, input and output, at its standard price when
  the band has no batch price for it, and the line says so).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from ..book import Model, NoPriceError, PriceBook, PriceEntry
from ..book.model import Band
from ..errors import LlmcostError
from ..money import CONTEXT
from .records import Record, day_date, local_day

if TYPE_CHECKING:
    from ..book.model import TimeOfDay

BEIJING = 8 * 3600
ZERO = Decimal(0)

# Slots of a class's sums (see ``Sums``): counts, then per band (graduated entries) the input
# tokens priced at that band: uncached, cached, cache-write.
RECORDS, INPUT, OUTPUT, CACHED, WRITE, REASONING, WITH_CACHE = range(7)
FIXED_SLOTS = 7


def billing_offset(model: Model, book: PriceBook) -> int:
    """Seconds east of UTC of the day a vendor bills by: Beijing for mainland vendors, else UTC."""
    provider = book.providers.get(model.provider)
    if provider is not None and provider.schema_version >= 2:
        return BEIJING if provider.region == "cn" else 0
    return BEIJING if model.currency == "CNY" else 0


class CannotPrice(LlmcostError):
    """A record a model cannot price: no price on its day, or no price list in its region.
    The message names the model; ``reason`` does not (a report lists it under the model's name)."""

    def __init__(self, model_id: str, reason: str):
        super().__init__(f"{model_id} {reason}")
        self.reason = reason


class Target:
    """A model in one region, ready to price records: its entries by day, its billing zone."""

    def __init__(self, book: PriceBook, model: Model, region: str):
        self.book, self.base, self.region = book, model, region
        self.number = -1  # its place in the engine's list of targets
        self.error: str | None = None
        try:
            self.model = model.in_region(region)
        except NoPriceError as exc:
            self.model, self.error = model, exc.reason
        self.offset = billing_offset(model, book)
        self.entries: tuple[PriceEntry, ...] = self.model.prices
        self._starts = [(e.effective - day_date(0)).days for e in self.entries]
        self._days: dict[int, int | str] = {}
        self.graduated = any(e.mode == "graduated" for e in self.entries)
        self.slots = FIXED_SLOTS + 3 * max((len(e.bands) for e in self.entries if e.mode == "graduated"), default=0)

    def entry_at(self, day: int) -> int:
        """The index of the entry in force on ``day`` (days since 1970-01-01 in the billing zone)."""
        found = self._days.get(day)
        if found is None:
            found = self._lookup(day)
            if len(self._days) > 100_000:
                self._days.clear()
            self._days[day] = found
        if isinstance(found, str):
            raise CannotPrice(self.model.id, found)
        return found

    def _lookup(self, day: int) -> int | str:
        if self.error is not None:
            return self.error
        try:
            self.model.price_at(day_date(day))  # the book decides: retired, shut down, unpriced, too early
        except NoPriceError as exc:
            return exc.reason
        return bisect_right(self._starts, day) - 1

    def classify(self, clock: Clock, rec: Record) -> tuple[int, int, bool, bool, bool]:
        return classify(self, clock, rec.when, rec.input, rec.output, rec.cached, rec.write, rec.reasoning, rec.batch)


class Clock:
    """Whether a moment is off-peak for a time-of-day price, remembered per minute."""

    def __init__(self, book: PriceBook):
        self.calendars = book.calendars
        self._memo: dict[tuple[int, int], bool] = {}

    def off_peak(self, tod: TimeOfDay, when: int) -> bool:
        key = (id(tod), when // 60)
        found = self._memo.get(key)
        if found is None:
            holidays = self.calendars.get(tod.holidays, frozenset()) if tod.holidays else frozenset()
            found = tod.is_off_peak(datetime.fromtimestamp(when, timezone.utc), holidays)
            if len(self._memo) > 200_000:
                self._memo.clear()
            self._memo[key] = found
        return found


def batch_priced(band: Band) -> bool:
    """Whether a batch request on this band is priced at batch prices on both sides."""
    return band.batch_input is not None and band.batch_output is not None


def graduated_slices(entry: PriceEntry, input_: int, cached: int, write: int) -> list[tuple[int, int, int]]:
    """Per band of a graduated entry: (uncached, cached, cache-write) input tokens priced there.
    The input is cut at the bands' bounds; the cached tokens come first, then the cache-write ones."""
    out, low = [], 0
    paid = cached + write
    for band in entry.bands:
        high = input_ if band.up_to is None else min(input_, band.up_to)
        if high <= low:
            out.append((0, 0, 0))
            continue
        c = max(0, min(cached, high) - low)
        w = max(0, min(paid, high) - max(cached, low))
        out.append((high - low - c - w, c, w))
        low = high
    return out


@dataclass
class Costs:
    """A class's cost in its model's currency, exact, by part; and what its notes say."""

    input: Decimal  # uncached input (and batch input)
    cached: Decimal
    write: Decimal
    output: Decimal
    batch_unpriced: bool  # batch records on a band without a batch price (a side at standard prices)
    cache_unpriced: bool  # cached tokens on a band without a cache price (at the input price)
    thinking_priced: bool  # output at the thinking-mode price

    @property
    def total(self) -> Decimal:
        return CONTEXT.add(CONTEXT.add(self.input, self.cached), CONTEXT.add(self.write, self.output))


def class_costs(
    entry: PriceEntry, band_index: int, off_peak: bool, batch: bool, thinking: bool, sums: list[int]
) -> Costs:
    """The cost of every record of one class (same entry, band, clock and kind) from their token sums."""
    c = CONTEXT
    band = entry.bands[band_index]
    tod = entry.time_of_day
    prices = tod.off_peak if (off_peak and tod is not None) else band
    if entry.mode == "graduated":
        pieces = [
            (entry.bands[i], sums[FIXED_SLOTS + 3 * i], sums[FIXED_SLOTS + 3 * i + 1], sums[FIXED_SLOTS + 3 * i + 2])
            for i in range(len(entry.bands))
        ]
    else:
        cached, write = sums[CACHED], sums[WRITE]
        pieces = [(band, sums[INPUT] - cached - write, cached, write)]
    input_cost = cached_cost = write_cost = ZERO
    batch_unpriced = cache_unpriced = False
    for piece_band, uncached, cached, write in pieces:
        if batch and piece_band.batch_input is not None:
            input_cost += c.multiply(piece_band.batch_input, uncached + cached + write)
            continue
        batch_unpriced = batch_unpriced or batch
        p = prices if entry.mode != "graduated" else piece_band
        input_cost += c.multiply(p.input, uncached)
        if cached:
            price = p.cached_input
            if price is None:
                price, cache_unpriced = p.input, True
            cached_cost += c.multiply(price, cached)
        if write:
            write_cost += c.multiply(p.input if p.cache_write is None else p.cache_write, write)
    thinking_priced = False
    if batch and band.batch_output is not None:
        output_cost = c.multiply(band.batch_output, sums[OUTPUT])
    else:
        batch_unpriced = batch_unpriced or batch
        price = prices.output
        if thinking and prices.reasoning_output is not None:
            price, thinking_priced = prices.reasoning_output, True
        output_cost = c.multiply(price, sums[OUTPUT])
    shift = -{"1K": 3, "10K": 4, "1M": 6}[entry.unit]
    return Costs(
        input_cost.scaleb(shift, c),
        cached_cost.scaleb(shift, c),
        write_cost.scaleb(shift, c),
        output_cost.scaleb(shift, c),
        batch_unpriced,
        cache_unpriced,
        thinking_priced,
    )


def classify(
    target: Target,
    clock: Clock,
    when: int,
    input_: int,
    output: int,
    cached: int,
    write: int,
    reasoning: int,
    batch: bool,
) -> tuple[int, int, bool, bool, bool]:
    """(entry index, band index, off-peak, batch, thinking) of one record on ``target``."""
    day = local_day(when, target.offset)
    index = target.entry_at(day)
    entry = target.entries[index]
    band = entry.band_index(input_, output) if len(entry.bands) > 1 else 0
    off = False
    tod = entry.time_of_day
    if tod is not None and not (batch and batch_priced(entry.bands[band])):
        off = clock.off_peak(tod, when)
    return index, band, off, batch, reasoning > 0


def add_sums(
    sums: list[int], entry: PriceEntry, input_: int, output: int, cached: int, write: int, reasoning: int
) -> None:
    """Add one record's tokens to its class's sums."""
    sums[RECORDS] += 1
    sums[INPUT] += input_
    sums[OUTPUT] += output
    sums[CACHED] += cached
    sums[WRITE] += write
    sums[REASONING] += reasoning
    if cached:
        sums[WITH_CACHE] += 1
    if entry.mode == "graduated":
        for i, (u, c, w) in enumerate(graduated_slices(entry, input_, cached, write)):
            base = FIXED_SLOTS + 3 * i
            sums[base] += u
            sums[base + 1] += c
            sums[base + 2] += w
