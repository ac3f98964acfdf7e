"""The calculator: workload × price → bill.  Pure functions on Decimal, no I/O.

How a line is priced (documented in the README, "How a bill is computed"):

- requests per month R; per request I input and O output tokens;
- the price entry in force on the as-of date, and within it the tier (band) the
  request's input falls in (``whole``), or every band the input reaches
  (``graduated``: only the tokens above a threshold at the higher rate);
- a share ``batch_ratio`` of requests is priced at the batch prices, the rest at
  the standard ones; of the standard requests' input, a share ``cached_ratio`` is
  priced at the cache-hit price and a share ``cache_write_ratio`` at the cache-write
  price (where the vendor charges for writing an explicit cache; elsewhere a write
  costs the input price).  Batch requests get no cache price on top.  Where a vendor
  publishes no batch or cache-hit price, that share is priced at the standard rate
  and the line says so;
- time of day: where an entry has peak and off-peak prices, a share ``off_peak_ratio``
  of the standard requests is priced at the off-peak prices (without one, every request
  at the listed, peak or standard, price, and the line says so);
- thinking mode: where a band has a ``reasoning_output`` price, the output of a share
  ``thinking_ratio`` of the standard requests is priced at it;
- an entry's band is chosen by the request's input length, and output length where the
  vendor's price depends on it too (``output_up_to``);
- a negotiated discount multiplies the line; a free quota (opt-in) is credited
  in proportion to the tokens it covers;
- everything in the model's own currency, then converted at the stated rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, Inexact, getcontext, setcontext

from .book import Band, Model, NoPriceError, PriceEntry
from .errors import InputError
from .money import CONTEXT, EXACT_CONTEXT, FxRate, exact, exact_sum
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

    def __init__(
        self,
        workload: Workload,
        model: Model,
        entry: PriceEntry,
        requests: Decimal,
        input_cost: Decimal,
        cached_input_cost: Decimal,
        output_cost: Decimal,
        free_quota: Decimal,
        discount: Decimal,
        total: Decimal,
        tier: str | None,
        notes: tuple[str, ...] = (),
        discount_rate: Decimal | None = None,
    ):
        # Like Workload's: one update of __dict__ instead of object.__setattr__ per field (one Line per row).
        self.__dict__.update(
            workload=workload,
            model=model,
            entry=entry,
            requests=requests,
            input_cost=input_cost,
            cached_input_cost=cached_input_cost,
            output_cost=output_cost,
            free_quota=free_quota,
            discount=discount,
            total=total,
            tier=tier,
            notes=notes,
            discount_rate=discount_rate,
        )


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
    def of(
        cls, currency: str, as_of: date, fx: FxRate | None, lines: list[Line], skipped: Iterable[Skipped] = ()
    ) -> Bill:
        return cls(currency, as_of, fx, tuple(lines), tuple(skipped), exact_sum(line.total for line in lines))


class TooManyDigits(InputError):
    """A workload whose numbers have so many significant digits that its bill needs more than the 60 digits
    llmcost computes with: refused, because rounding there could move a cent."""

    def __init__(self, workload: Workload):
        where = f"{workload.origin}: " if workload.origin else ""
        super().__init__(
            f"{where}the numbers of this workload have too many significant digits for the bill to be computed exactly "
            "(a product needs more than 60 digits)",
            hint="write the requests, tokens, ratios and rates with fewer digits",
        )


class CannotServe(Exception):
    """Internal: a model can't price this workload (too long for its context, no price yet).

    ``str()`` names the model ('alpha-lite cannot serve …'); ``reason`` does not ('cannot serve …'):
    every report lists it as 'Not priced: MODEL: REASON'."""

    def __init__(self, model_id: str, reason: str):
        super().__init__(f"{model_id} {reason}")
        self.reason = reason


def band_label(entry: PriceEntry, index: int) -> str:
    return entry.band_label(index)


def _input_slices(entry: PriceEntry, input_tokens: Decimal, output_tokens: Decimal) -> list[tuple[Band, Decimal]]:
    """How many of a request's input tokens are priced at which band."""
    if entry.mode != "graduated":
        return [(entry.bands[entry.band_index(input_tokens, output_tokens)], input_tokens)]
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


def model_notes(model: Model, entry: PriceEntry, as_of: date) -> tuple[str, ...]:
    """What every line priced from this model and entry on ``as_of`` says, whatever the workload:
    an announced shutdown, an announced (future) price, prices not checked for a while."""
    notes = []
    if model.deprecated is not None:
        dep = model.deprecated
        announced = f" (announced {dep.announced.isoformat()})" if dep.announced else ""
        instead = f"; successor {model.successor}" if model.successor else ""
        notes.append(f"deprecated: shuts down on {dep.shutdown.isoformat()}{announced}{instead}")
    if entry.announced is not None:
        notes.append(
            f"announced price (announced {entry.announced.isoformat()}, in force from {entry.effective.isoformat()})"
        )
    if model.checked is not None and (as_of - model.checked).days > STALE_DAYS:
        notes.append(
            f"{model.provider} prices last checked on {model.checked.isoformat()}, "
            f"{(as_of - model.checked).days} days before {as_of.isoformat()}"
        )
    return tuple(notes)


#: A provider whose prices were last checked this many days before the as-of date gets a note.
STALE_DAYS = 90


def price_line(
    workload: Workload,
    model: Model,
    *,
    as_of: date,
    currency: str,
    fx: FxRate | None,
    discount: Decimal | None = None,
    free_quota: bool = False,
    entry: PriceEntry | None = None,
    static_notes: tuple[str, ...] | None = None,
) -> Line:
    """Price one workload on one model. Raises ``CannotServe`` with a reason.

    ``entry`` is the model's price in force on ``as_of``, and ``static_notes`` its ``model_notes``,
    when the caller has them already (``api.Pricer`` keeps them per model)."""
    if entry is None:
        try:
            entry = model.price_at(as_of)
        except NoPriceError as exc:
            raise CannotServe(model.id, exc.reason) from None
    if workload.input_tokens > model.context_window:
        raise CannotServe(
            model.id,
            f"cannot serve {workload.input_tokens} input tokens per request (context window {model.context_window})",
        )
    # a count from text by an estimate rule is labelled as one on the line, not only in JSON
    notes = [
        f"{what} tokens are an estimate ({method.removeprefix('estimate: ')})"
        for what, method in (("input", workload.input_method), ("output", workload.output_method))
        if method.startswith("estimate")
    ]
    saved = getcontext()  # setcontext() costs less than localcontext(), which copies CONTEXT every call
    setcontext(EXACT_CONTEXT)  # a product past 60 digits raises Inexact: refused, never rounded
    try:
        r = workload.requests_per_month
        batch_share, cache_share = workload.batch_ratio, workload.cached_ratio
        write_share, thinking = workload.cache_write_ratio, workload.thinking_ratio
        standard, batch = r * (ONE - batch_share), r * batch_share
        tod = entry.time_of_day
        off_peak = workload.off_peak_ratio if tod is not None else ZERO
        # Standard requests at the listed prices, and (time-of-day prices) the off-peak share at those.
        groups: list[tuple[Decimal, Band | None]] = [(standard * (ONE - off_peak) if off_peak else standard, None)]
        if off_peak:
            groups.append((standard * off_peak, tod.off_peak))  # type: ignore[union-attr]
        per = Decimal(entry.per)
        input_cost = cached_cost = ZERO
        missing_cache = missing_batch = thinking_price = False
        index = entry.band_index(workload.input_tokens, workload.output_tokens)
        for band, tokens in _input_slices(entry, workload.input_tokens, workload.output_tokens):
            for count, prices in groups:
                prices = prices or band
                cached_price = prices.cached_input
                if cached_price is None:
                    cached_price, missing_cache = prices.input, missing_cache or cache_share > 0
                cached = count * tokens * cache_share * cached_price / per
                cached_cost += cached
                if write_share:
                    write_price = prices.input if prices.cache_write is None else prices.cache_write
                    input_cost += (
                        count * tokens * (ONE - cache_share - write_share) * prices.input / per
                        + cached
                        + count * tokens * write_share * write_price / per
                    )
                else:
                    input_cost += count * tokens * (ONE - cache_share) * prices.input / per + cached
            batch_in = band.batch_input
            if batch_in is None:
                batch_in, missing_batch = band.input, missing_batch or batch_share > 0
            input_cost += batch * tokens * batch_in / per
        out_band = entry.bands[index]
        batch_out = out_band.batch_output
        if batch_out is None:
            batch_out, missing_batch = out_band.output, missing_batch or batch_share > 0
        if len(groups) == 1 and not thinking:
            output_cost = (standard * out_band.output + batch * batch_out) * workload.output_tokens / per
        else:
            output_cost = batch * batch_out * workload.output_tokens / per
            for count, prices in groups:
                prices = prices or out_band
                price = prices.output
                if thinking and prices.reasoning_output is not None:
                    thinking_price = True
                    price = (ONE - thinking) * prices.output + thinking * prices.reasoning_output
                output_cost += count * price * workload.output_tokens / per
        subtotal = input_cost + output_cost

        credit = ZERO
        quota = entry.free_quota
        if free_quota and quota is not None:
            monthly_tokens = r * (workload.input_tokens + workload.output_tokens)
            if monthly_tokens > 0:
                covered = min(Decimal(quota.tokens), monthly_tokens)
                credit = -CONTEXT.divide(subtotal * covered, monthly_tokens)  # a share: rounds at 60 digits
                notes.append(
                    f"free quota of {quota.tokens:,} tokens "
                    f"({'every month' if quota.period == 'month' else 'once, first month only'}) applied"
                )
        elif free_quota:
            notes.append("no free quota published")
        # A free quota's share is a quotient rounded to 60 digits: what is computed from it rounds there too.
        after = CONTEXT if credit else EXACT_CONTEXT
        off = ZERO
        if discount:
            off = -after.multiply(after.add(subtotal, credit), discount)
            notes.append(f"your discount of {exact(discount * 100)}% applied")
        if missing_cache:
            notes.append(NO_CACHE_PRICE)
        if missing_batch:
            notes.append(NO_BATCH_PRICE)
        if tod is not None:
            if off_peak:
                notes.append(f"{exact(off_peak * 100)}% of requests at off-peak prices ({tod.describe()})")
            elif tod.windows == "peak":
                notes.append(
                    f"peak price for every request ({tod.describe()}); give --off-peak-ratio for the "
                    "share sent off-peak"
                )
            else:
                notes.append(
                    f"standard price for every request; off-peak prices apply {tod.describe()[9:]} "
                    "(give --off-peak-ratio)"
                )
        if thinking_price:
            notes.append(
                f"{exact(thinking * 100)}% of requests in thinking mode, their output at the thinking-mode price"
            )

        # The total converted once, from the exact total: a CNY→USD quotient per part would leave
        # their rounding in the sum (a 100% discount came to -3.3E-68 instead of 0).
        total = after.add(after.add(after.add(input_cost, output_cost), credit), off)
        if model.currency != currency:
            if fx is None:
                raise CannotServe(
                    model.id,
                    f"is priced in {model.currency}: no USD/CNY rate on or before "
                    f"{as_of.isoformat()} in the price book (pass --rate)",
                )
            convert, source, strict = fx.convert, model.currency, after is EXACT_CONTEXT
            input_cost, cached_cost, output_cost = (
                convert(input_cost, source, currency, strict=strict),
                convert(cached_cost, source, currency, strict=strict),
                convert(output_cost, source, currency, strict=strict),
            )
            credit = convert(credit, source, currency, strict=strict)
            off = convert(off, source, currency, strict=strict)
            total = convert(total, source, currency, strict=strict)
    except Inexact:
        raise TooManyDigits(workload) from None
    finally:
        setcontext(saved)
    notes.extend(model_notes(model, entry, as_of) if static_notes is None else static_notes)
    tier = None
    if entry.mode == "whole":
        tier = entry.band_label(index)
    elif entry.mode == "graduated":
        tier = "graduated " + entry.band_label(index)
    return Line(
        workload=workload,
        model=model,
        entry=entry,
        requests=r,
        input_cost=input_cost,
        cached_input_cost=cached_cost,
        output_cost=output_cost,
        free_quota=credit,
        discount=off,
        total=total,
        tier=tier,
        notes=tuple(notes),
        discount_rate=discount,
    )
