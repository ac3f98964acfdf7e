"""``cost_of``: what one API call cost, for an application that meters each call.

    from llmcost import cost_of
    cost = cost_of(response)          # an openai/anthropic SDK object, or its dict
    cost.total, cost.currency         # Decimal('0.0123'), 'CNY'

It reads the usage exactly as ``llmcost usage`` reads a log record (``records.read_object``:
Chat Completions, the Responses API, DeepSeek's cache hit/miss, Anthropic's cache reads and
writes, OpenAI Batch output lines) and prices it with the same code (``pricing``): the price
entry in force on the call's day in the vendor's billing zone, its band, its clock (off-peak
hours), cached, cache-write, thinking-mode and batch prices.  Amounts are exact Decimals; round
them (``llmcost.money.round_money``) only where you show them.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..money import CONTEXT, FxRate, parse_currency, parse_decimal
from .records import RecordError, parse_timestamp, read_object, read_usage, unix_seconds

if TYPE_CHECKING:
    from ..book import PriceBook

STAMPS = ("timestamp", "created", "created_at")
ZERO = Decimal(0)


@dataclass(frozen=True)
class PriceUsed:
    """The price entry a call was priced at."""

    model: str  # the model id in the price book
    provider: str
    region: str  # the price list: cn, intl or global
    effective: date  # the day the entry took effect
    band: str  # the band's label ('' for a flat price), e.g. '≤32K'
    currency: str  # the currency of the price (before any conversion)
    unit: str  # per 1K, 10K or 1M tokens
    source: str
    off_peak: bool = False  # priced at the entry's off-peak prices
    batch: bool = False  # priced as a batch request


@dataclass(frozen=True)
class Cost:
    """One call's cost, exact.  ``total`` = input + cached_input + cache_write + output + reasoning:
    ``output`` is the visible output, ``reasoning`` the reasoning tokens' share of the output."""

    input: Decimal  # uncached input tokens
    cached_input: Decimal  # cache reads (hits)
    cache_write: Decimal  # tokens written to the cache
    output: Decimal  # output tokens that are not reasoning tokens
    reasoning: Decimal  # reasoning tokens (billed as output)
    total: Decimal
    currency: str
    price: PriceUsed
    when: datetime  # the call's time (UTC)
    input_tokens: int  # every input token, cached and cache-write ones included
    cached_tokens: int
    cache_write_tokens: int
    output_tokens: int  # every output token, reasoning ones included
    reasoning_tokens: int
    convention: str  # how the usage was written: openai, responses, deepseek or anthropic
    fx: FxRate | None = None  # the rate used, when the price is in the other currency
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a JSON log line: amounts as exact strings, dates in ISO 8601."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decimal):
                value = f"{value:f}"
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, PriceUsed):
                value = {**dataclasses.asdict(value), "effective": value.effective.isoformat()}
            elif isinstance(value, FxRate):
                value = {
                    "usd_cny": f"{value.usd_cny:f}",
                    "date": value.date.isoformat() if value.date else None,
                    "source": value.source,
                }
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


@lru_cache(maxsize=1)
def _active_book() -> PriceBook:
    from .. import api

    return api.load_book()


def _plain(obj: Any, depth: int = 0) -> Any:
    """A response as plain data: dicts as they are, SDK (pydantic) objects through ``model_dump``,
    other objects through their attributes."""
    if isinstance(obj, float):  # as the JSON Lines reader gives numbers: exact
        return Decimal(repr(obj)) if obj == obj and obj not in (float("inf"), float("-inf")) else obj
    if depth > 6 or obj is None or isinstance(obj, (str, int, Decimal, bool)):
        return obj
    if isinstance(obj, dict):
        return {k: _plain(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v, depth + 1) for v in obj]
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return _plain(dump(), depth + 1)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)}
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict):
        return {k: _plain(v, depth + 1) for k, v in attrs.items() if not k.startswith("_")}
    return obj


def _has_stamp(body: dict[str, Any]) -> bool:
    for obj in (body, body.get("response"), (body.get("response") or {}).get("body")):
        if isinstance(obj, dict) and any(obj.get(k) is not None for k in STAMPS):
            return True
    return False


def _seconds(when: Any) -> int:
    """``when`` as Unix seconds: an aware datetime, a date (its start, UTC), Unix seconds, or ISO 8601 text."""
    try:
        if isinstance(when, datetime):
            if when.tzinfo is None or when.utcoffset() is None:
                raise UsageError(
                    f"cost_of: when={when.isoformat()} has no time zone",
                    hint="pass an aware datetime, e.g. datetime.now(timezone.utc)",
                )
            return unix_seconds(int(when.timestamp()))
        if isinstance(when, date):
            return unix_seconds(int(datetime(when.year, when.month, when.day, tzinfo=timezone.utc).timestamp()))
        if isinstance(when, bool):
            raise UsageError(f"cost_of: when={when!r} is not a time")
        if isinstance(when, (int, Decimal)):
            return unix_seconds(when)
        if isinstance(when, float):
            return unix_seconds(Decimal(str(when)))
        if isinstance(when, str):
            return parse_timestamp(when, None)
    except RecordError as exc:
        raise UsageError(f"cost_of: when: {exc.message}", hint=exc.hint) from None
    raise UsageError(f"cost_of: when={type(when).__name__} is not a time", hint="a datetime, Unix seconds or ISO 8601")


def cost_of(
    response_or_usage: Any,
    model: str | None = None,
    when: datetime | date | int | str | None = None,
    currency: str = "CNY",
    region: str | None = None,
    book: PriceBook | None = None,
    *,
    rate: Decimal | str | None = None,
) -> Cost:
    """What one call cost, exactly.

    ``response_or_usage``: a response (Chat Completions, Responses API, Anthropic Messages, an OpenAI
    Batch output line) or its ``usage`` alone, as a dict or an SDK object.  ``model`` names the
    model when the usage alone is given (else it overrides the response's); ``when`` is the call's
    time (default: the response's ``created``/``created_at``/``timestamp``, else now); ``region``
    the price list (``cn`` or ``intl``; default the record's own, else ``cn``); ``book`` a loaded
    price book (default: the active book, loaded once).  A price in the other currency is converted
    at ``rate`` (CNY per USD) or else the book's USD/CNY rate in force on the call's day.

    Raises llmcost errors: ``UnknownModelError``, ``NoPriceError``/``InputError`` (no price on
    that day, a usage object that cannot be read), ``UsageError`` (a bad argument)."""
    from . import pricing
    from .pricing import CannotPrice, Target

    code = parse_currency(currency)
    book = book if book is not None else _active_book()
    body = _plain(response_or_usage)
    if not isinstance(body, dict):
        raise UsageError(f"cost_of: a {type(response_or_usage).__name__} is not a response or a usage object")
    if model is not None:
        if not isinstance(model, str):
            raise UsageError(f"cost_of: model={model!r} is not a model name")
        body = {**body, "model": model}
    elif "usage" not in body and "response" not in body and "model" not in body:
        raise UsageError("cost_of: a usage object alone needs model=", hint="cost_of(usage, model='deepseek-chat')")
    if when is not None:
        body = {**body, "timestamp": _seconds(when)}
    elif not _has_stamp(body):
        body = {**body, "timestamp": int(time.time())}
    try:
        rec = read_object(body, 0, None)
    except RecordError as exc:
        where = f"{exc.column}: " if exc.column else ""
        raise InputError(f"cost_of: {where}{exc.message}", hint=exc.hint) from None
    place = region if region is not None else (rec.region or "cn")
    if place not in ("cn", "intl"):
        raise UsageError(f"cost_of: region={place!r} is not cn or intl")
    found = book.resolve(rec.model)  # UnknownModelError
    target = Target(book, found, place)
    try:
        index, band, off, batch, thinking = target.classify(_clock(book), rec)
    except CannotPrice as exc:
        raise InputError(f"cost_of: {exc.message}", hint=exc.hint) from None
    entry = target.entries[index]
    sums = [0] * target.slots
    pricing.add_sums(sums, entry, rec.input, rec.output, rec.cached, rec.write, rec.reasoning)
    costs = pricing.class_costs(entry, band, off, batch, thinking, sums)
    reasoning = ZERO
    if rec.reasoning:
        only = list(sums)
        only[pricing.OUTPUT] = rec.reasoning
        reasoning = pricing.class_costs(entry, band, off, batch, thinking, only).output
    native = target.model.currency
    fx = None
    if native != code:
        fx = _rate(book, rate, pricing.local_day(rec.when, target.offset))

    def convert(amount: Decimal) -> Decimal:
        return amount if fx is None else fx.convert(amount, native, code)

    parts = [costs.input, costs.cached, costs.write, CONTEXT.subtract(costs.output, reasoning), reasoning]
    amounts = [_trim(convert(a)) for a in parts]
    total = _trim(convert(costs.total))
    notes = _notes(entry, costs, off, batch, fx, native, code, rec)
    used = PriceUsed(
        target.base.id,
        target.base.provider,
        target.model.region,
        entry.effective,
        entry.band_label(band),
        native,
        entry.unit,
        entry.source,
        off,
        batch,
    )
    return Cost(
        input=amounts[0],
        cached_input=amounts[1],
        cache_write=amounts[2],
        output=amounts[3],
        reasoning=amounts[4],
        total=total,
        currency=code,
        price=used,
        when=datetime.fromtimestamp(rec.when, timezone.utc),
        input_tokens=rec.input,
        cached_tokens=rec.cached,
        cache_write_tokens=rec.write,
        output_tokens=rec.output,
        reasoning_tokens=rec.reasoning,
        convention=_convention(body),
        fx=fx,
        notes=tuple(notes),
    )


def _trim(amount: Decimal) -> Decimal:
    """The same amount without trailing zeros (0.005400 → 0.0054; 10 stays 10, not 1E+1)."""
    trimmed = amount.normalize(CONTEXT)
    return trimmed.quantize(Decimal(1)) if trimmed.as_tuple().exponent > 0 else trimmed  # type: ignore[operator]


def _convention(body: dict[str, Any]) -> str:
    """How the usage was written (read_object has read it already, so it reads)."""
    response = body.get("response") if "usage" not in body else None
    if isinstance(response, dict):
        body = response["body"] if isinstance(response.get("body"), dict) else response
    usage = body.get("usage")
    try:
        return read_usage(usage if usage is not None else body).convention
    except RecordError:  # pragma: no cover - read_object read the same object
        return "openai"


_CLOCKS: dict[int, tuple[Any, Any]] = {}


def _clock(book: PriceBook) -> Any:
    """One Clock (its off-peak memo) per book."""
    from .pricing import Clock

    held = _CLOCKS.get(id(book))
    if held is None or held[0] is not book:
        if len(_CLOCKS) > 8:
            _CLOCKS.clear()
        held = _CLOCKS[id(book)] = (book, Clock(book))
    return held[1]


def _rate(book: PriceBook, rate: Decimal | str | None, day: int) -> FxRate:
    from .records import day_date

    if rate is not None:
        value = parse_decimal(str(rate), "cost_of: rate")
        if value <= 0:
            raise UsageError(f"cost_of: rate={rate} is not a positive rate")
        return FxRate(value, None, "given")
    when = day_date(day)
    found = book.fx.at(when) if book.fx is not None else None
    if found is None:
        raise InputError(
            f"cost_of: no USD/CNY rate on or before {when.isoformat()} in the price book", hint="pass rate="
        )
    return found


def _notes(
    entry: Any, costs: Any, off: bool, batch: bool, fx: FxRate | None, native: str, code: str, rec: Any
) -> list[str]:
    notes = []
    if entry.time_of_day is not None:
        notes.append(f"{'off-peak' if off else 'peak'} prices ({entry.time_of_day.describe()})")
    if batch:
        notes.append(
            "batch prices"
            if not costs.batch_unpriced
            else "a batch request: a side without a batch price is at the standard price"
        )
    if costs.thinking_priced:
        notes.append("thinking mode: output at the thinking-mode price")
    if costs.cache_unpriced:
        notes.append("cached tokens at the input price (no cache price published)")
    if fx is not None:
        on = fx.date.isoformat() if fx.date else "given"
        notes.append(f"{native} price converted to {code} at 1 USD = {fx.usd_cny} CNY ({on})")
    return notes
