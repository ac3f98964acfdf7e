"""The calculator: workload × price → bill.  Pure functions on Decimal, no I/O.

How a line is priced (documented in the README, "How a bill is computed"):

- requests per month R; per request I input and O output tokens;
- the price entry in force on the as-of date, and within it the tier (band) the
  request's input falls in (``whole``), or every band the input reaches
  (``graduated``: only the tokens above a threshold at the higher rate);
- a share ``batch_ratio`` of requests is priced at the batch prices, the rest at
  the standard ones; of the standard requests' input, a share ``cached_ratio`` is
  priced at the cache-hit price.  Batch requests get no cache price on top.
  Where a vendor publishes no batch or cache price, that share is priced at the
  standard rate and the line says so;
- a negotiated discount multiplies the line; a free quota (opt-in) is credited
  in proportion to the tokens it covers;
- everything in the model's own currency, then converted at the stated rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, getcontext, setcontext

from .money import CONTEXT, FxRate, exact, exact_sum
from .book import Band, Model, NoPriceError, PriceEntry
from .workload import Workload

ZERO = Decimal(0)
ONE = Decimal(1)
NO_CACHE_PRICE = "no cache price published: cached share priced at the standard input rate"
NO_BATCH_PRICE = "no batch price published: batch share priced at the standard rate"


@dataclass(frozen=True, init=False)
class Line:
    """One priced workload on one model; amounts exact, in the bill's currency."""

    workload: Workload
    model: Model
    entry: PriceEntry
    requests: Decimal
    input_cost: Decimal
    cached_input_cost: Decimal
    output_cost: Decimal
    free_quota: Decimal  # ≤ 0: credit of a free allowance
    discount: Decimal  # ≤ 0: negotiated discount
    total: Decimal
    tier: str | None
    notes: tuple[str, ...] = ()
    discount_rate: Decimal | None = None

    def __init__(self, workload: Workload, model: Model, entry: PriceEntry, requests: Decimal, input_cost: Decimal,
                 cached_input_cost: Decimal, output_cost: Decimal, free_quota: Decimal, discount: Decimal,
                 total: Decimal, tier: str | None, notes: tuple[str, ...] = (), discount_rate: Decimal | None = None):
        # Like Workload's: one update of __dict__ instead of object.__setattr__ per field (one Line per row).
        self.__dict__.update(
            workload=workload, model=model, entry=entry, requests=requests, input_cost=input_cost,
            cached_input_cost=cached_input_cost, output_cost=output_cost, free_quota=free_quota, discount=discount,
            total=total, tier=tier, notes=notes, discount_rate=discount_rate)


@dataclass(frozen=True)
class Skipped:
    """A model that could not price a workload, and why."""

    workload: Workload
    model: Model | None
    reason: str


@dataclass(frozen=True)
class Bill:
    currency: str
    as_of: date
    fx: FxRate | None
    lines: tuple[Line, ...]
    skipped: tuple[Skipped, ...] = ()
    total: Decimal = field(default=ZERO)

    @classmethod
    def of(cls, currency: str, as_of: date, fx: FxRate | None, lines: list[Line], skipped: list[Skipped] = ()) -> Bill:
        return cls(currency, as_of, fx, tuple(lines), tuple(skipped), exact_sum(line.total for line in lines))


class CannotServe(Exception):
    """Internal: a model can't price this workload (too long for its context, no price yet)."""


def _k(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}K"
    return str(n)


def band_label(entry: PriceEntry, index: int) -> str:
    if entry.mode == "flat":
        return ""
    low = entry.bands[index - 1].up_to if index else 0
    high = entry.bands[index].up_to
    if high is None:
        return f">{_k(low)}"
    return f"{_k(low)}-{_k(high)}" if low else f"≤{_k(high)}"


def _band_index(entry: PriceEntry, input_tokens: Decimal) -> int:
    for i, band in enumerate(entry.bands):
        if band.up_to is None or input_tokens <= band.up_to:
            return i
    return len(entry.bands) - 1  # pragma: no cover - the last band is open-ended


def _input_slices(entry: PriceEntry, input_tokens: Decimal) -> list[tuple[Band, Decimal]]:
    """How many of a request's input tokens are priced at which band."""
    if entry.mode != "graduated":
        return [(entry.bands[_band_index(entry, input_tokens)], input_tokens)]
    slices, low = [], ZERO
    for band in entry.bands:
        high = Decimal(band.up_to) if band.up_to is not None else None
        top = input_tokens if high is None else min(input_tokens, high)
        if top > low:
            slices.append((band, top - low))
        if high is None or input_tokens <= high:
            break
        low = high
    return slices


def price_line(workload: Workload, model: Model, *, as_of: date, currency: str, fx: FxRate | None,
               discount: Decimal | None = None, free_quota: bool = False, entry: PriceEntry | None = None) -> Line:
    """Price one workload on one model. Raises ``CannotServe`` with a reason.

    ``entry`` is the model's price in force on ``as_of``, when the caller has it already
    (``api.Pricer`` keeps it per model)."""
    if entry is None:
        try:
            entry = model.price_at(as_of)
        except NoPriceError as exc:
            raise CannotServe(exc.message) from None
    if workload.input_tokens > model.context_window:
        raise CannotServe(f"{model.id} cannot serve {workload.input_tokens} input tokens per request "
                          f"(context window {model.context_window})")
    notes: list[str] = []
    saved = getcontext()  # setcontext() costs less than localcontext(), which copies CONTEXT every call
    setcontext(CONTEXT)
    try:
        r = workload.requests_per_month
        batch_share, cache_share = workload.batch_ratio, workload.cached_ratio
        standard, batch = r * (ONE - batch_share), r * batch_share
        per = Decimal(entry.per)
        input_cost = cached_cost = ZERO
        missing_cache = missing_batch = False
        for band, tokens in _input_slices(entry, workload.input_tokens):
            cached_price = band.cached_input
            if cached_price is None:
                cached_price, missing_cache = band.input, missing_cache or cache_share > 0
            batch_in = band.batch_input
            if batch_in is None:
                batch_in, missing_batch = band.input, missing_batch or batch_share > 0
            cached = standard * tokens * cache_share * cached_price / per
            cached_cost += cached
            input_cost += standard * tokens * (ONE - cache_share) * band.input / per + cached
            input_cost += batch * tokens * batch_in / per
        index = _band_index(entry, workload.input_tokens)
        out_band = entry.bands[index]
        batch_out = out_band.batch_output
        if batch_out is None:
            batch_out, missing_batch = out_band.output, missing_batch or batch_share > 0
        output_cost = (standard * out_band.output + batch * batch_out) * workload.output_tokens / per
        subtotal = input_cost + output_cost

        credit = ZERO
        quota = entry.free_quota
        if free_quota and quota is not None:
            monthly_tokens = r * (workload.input_tokens + workload.output_tokens)
            if monthly_tokens > 0:
                covered = min(Decimal(quota.tokens), monthly_tokens)
                credit = -(subtotal * covered / monthly_tokens)
                notes.append(f"free quota of {quota.tokens:,} tokens "
                             f"({'every month' if quota.period == 'month' else 'once, first month only'}) applied")
        elif free_quota:
            notes.append("no free quota published")
        off = ZERO
        if discount:
            off = -((subtotal + credit) * discount)
            notes.append(f"your discount of {exact(discount * 100)}% applied")
        if missing_cache:
            notes.append(NO_CACHE_PRICE)
        if missing_batch:
            notes.append(NO_BATCH_PRICE)

        # The total converted once, from the exact total: a CNY→USD quotient per part would leave
        # their rounding in the sum (a 100% discount came to -3.3E-68 instead of 0).
        total = input_cost + output_cost + credit + off
        if model.currency != currency:
            if fx is None:
                raise CannotServe(f"{model.id} is priced in {model.currency}: no USD/CNY rate on or before "
                                  f"{as_of.isoformat()} in the price book (pass --rate)")
            convert, source = fx.convert, model.currency
            input_cost, cached_cost, output_cost = (convert(input_cost, source, currency),
                                                    convert(cached_cost, source, currency),
                                                    convert(output_cost, source, currency))
            credit, off = convert(credit, source, currency), convert(off, source, currency)
            total = convert(total, source, currency)
    finally:
        setcontext(saved)
    tier = None
    if entry.mode == "whole":
        tier = band_label(entry, index)
    elif entry.mode == "graduated":
        tier = "graduated " + band_label(entry, index)
    return Line(workload=workload, model=model, entry=entry, requests=r, input_cost=input_cost,
                cached_input_cost=cached_cost, output_cost=output_cost, free_quota=credit, discount=off,
                total=total, tier=tier, notes=tuple(notes), discount_rate=discount)
