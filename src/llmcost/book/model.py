"""What a price book is: models, dated price entries and their bands, families, exchange rates,
and how a name people type resolves to a model.

A ``PriceBook`` is immutable once built (``book.load`` builds it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ..errors import InputError, UnknownModelError, UsageError
from ..money import FxRate
from . import names

UNITS = {"1K": 1_000, "10K": 10_000, "1M": 1_000_000}
SPECIAL_FILES = {"fx.yaml", "tokenizers.yaml", "holidays.yaml"}
REGIONS = ("cn", "intl")


def _k(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}K"
    return str(n)


@dataclass(frozen=True)
class Band:
    """Prices per ``unit`` tokens for requests whose input is at most ``up_to`` tokens (below it,
    when ``below``) and, when ``output_up_to`` is given, whose output is at most that (or below)."""

    up_to: int | None
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    batch_input: Decimal | None = None
    batch_output: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning_output: Decimal | None = None
    below: bool = False  # up_to is exclusive: the vendor writes [0, 32K)
    output_up_to: int | None = None
    output_below: bool = False

    def fits(self, input_tokens: Decimal | int, output_tokens: Decimal | int) -> bool:
        """Whether a request of this many input and output tokens falls in this band."""
        return _within(input_tokens, self.up_to, self.below) and _within(
            output_tokens, self.output_up_to, self.output_below
        )


def _within(tokens: Decimal | int, bound: int | None, below: bool) -> bool:
    return bound is None or (tokens < bound if below else tokens <= bound)


@dataclass(frozen=True)
class FreeQuota:
    tokens: int
    period: str  # "once" | "month"
    note: str | None = None


WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass(frozen=True)
class TimeOfDay:
    """A price that depends on the clock: the entry's own prices in the peak hours, ``off_peak``
    outside them (or the other way round: ``windows`` says which kind the listed hours are)."""

    utc_offset: int  # minutes east of UTC (Beijing: 480)
    windows: str  # "peak": the hours are peak; "off_peak": the hours are off-peak
    days: str  # "weekdays": the hours apply Monday to Friday; "all": every day
    hours: tuple[tuple[int, int], ...]  # [start, end) in minutes from midnight, local time
    off_peak: Band
    holidays: str | None = None  # a calendar whose days count as weekend days

    def is_off_peak(self, moment: datetime, holidays: frozenset[date] = frozenset()) -> bool:
        """Whether an aware ``moment`` is billed at the off-peak prices."""
        local = moment.astimezone(timezone(timedelta(minutes=self.utc_offset)))
        day, minute = local.date(), local.hour * 60 + local.minute
        workday = local.weekday() < 5 and day not in holidays
        in_window = (self.days == "all" or workday) and any(start <= minute < end for start, end in self.hours)
        return not in_window if self.windows == "peak" else in_window

    def describe(self) -> str:
        """'peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, statutory holidays off-peak)'."""
        hours = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in self.hours)
        sign = "+" if self.utc_offset >= 0 else "-"
        offset = f"UTC{sign}{abs(self.utc_offset) // 60:02d}:{abs(self.utc_offset) % 60:02d}"
        days = "Mon-Fri " if self.days == "weekdays" else "daily "
        extra = f", {self.holidays} holidays off-peak" if self.holidays and self.windows == "peak" else ""
        kind = "peak" if self.windows == "peak" else "off-peak"
        return f"{kind} {days}{hours} ({offset}{extra})"


@dataclass(frozen=True)
class PriceEntry:
    """One dated price of a model, as the vendor quoted it."""

    effective: date
    unit: str
    mode: str  # "flat" | "whole" | "graduated"
    bands: tuple[Band, ...]
    source: str
    note: str | None = None
    free_quota: FreeQuota | None = None
    source_kind: str = "official"  # or "third-party"
    see_also: tuple[str, ...] = ()
    provenance: str | None = None
    time_of_day: TimeOfDay | None = None
    announced: date | None = None  # an announced future price: the day it was announced

    @property
    def per(self) -> int:
        return UNITS[self.unit]

    @property
    def flat(self) -> Band:
        return self.bands[0]

    def unit_label(self, currency: str) -> str:
        return f"{currency}/{self.unit} tokens"

    def band_index(self, input_tokens: Decimal | int, output_tokens: Decimal | int = 0) -> int:
        """The band a request of this size is priced at (``whole``), or the band its input reaches
        (``graduated``, whose bands never depend on output).  Token counts are Decimal averages
        (a workload) or whole numbers (a usage record)."""
        for i, band in enumerate(self.bands):
            if band.fits(input_tokens, output_tokens):
                return i
        return len(self.bands) - 1  # pragma: no cover - the loader requires an open last band

    def band_label(self, index: int) -> str:
        """'' for a flat price; '≤32K', '32K-128K', '>128K'; with an output condition
        '≤32K in, ≤200 out'."""
        if self.mode == "flat":
            return ""
        band = self.bands[index]
        low = None
        for earlier in reversed(self.bands[:index]):
            if (earlier.up_to, earlier.below) != (band.up_to, band.below):
                low = earlier
                break
        label = _range(low.up_to if low else None, low.below if low else False, band.up_to, band.below)
        if band.output_up_to is not None:
            label += f" in, {'<' if band.output_below else '≤'}{_k(band.output_up_to)} out"
        elif index and (self.bands[index - 1].up_to, self.bands[index - 1].below) == (band.up_to, band.below):
            previous = self.bands[index - 1]
            label += f" in, {'≥' if previous.output_below else '>'}{_k(previous.output_up_to or 0)} out"
        return label


def _range(low: int | None, low_below: bool, high: int | None, high_below: bool) -> str:
    if high is None:
        return f"{'≥' if low_below else '>'}{_k(low or 0)}"
    top = f"{'<' if high_below else '≤'}{_k(high)}"
    if not low:
        return top
    return f"{_k(low)}-{_k(high)}"


@dataclass(frozen=True)
class Deprecation:
    """An announced shutdown: from ``shutdown`` on the model cannot be used."""

    shutdown: date
    source: str
    announced: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class PriceList:
    """A model's other regional price list (the international one of a mainland vendor)."""

    currency: str
    prices: tuple[PriceEntry, ...]
    context_window: int | None = None
    retired: date | None = None
    retired_source: str | None = None
    unpriced: str | None = None
    note: str | None = None


REGION_NAMES = {"cn": "mainland China list", "intl": "international list", "global": "global list"}


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    provider: str
    currency: str
    context_window: int
    tokenizer: str
    prices: tuple[PriceEntry, ...]
    aliases: tuple[str, ...] = ()
    retired: date | None = None
    note: str | None = None
    origin: str = ""
    user: bool = False  # priced from a user's file
    provenance: str | None = None
    retired_source: str | None = None
    deprecated: Deprecation | None = None
    successor: str | None = None
    unpriced: str | None = None  # why there is no per-token price (then ``prices`` is empty)
    max_output: int | None = None
    api_id: str | None = None  # the vendor's spelling, where it is not all lowercase
    region: str = "cn"  # the list ``prices`` is: "cn" (mainland), "global" (one list) or "intl"
    intl: PriceList | None = None  # the international list of a mainland model
    checked: date | None = None  # the day its provider's prices were last verified

    @property
    def shutdown(self) -> date | None:
        """The day it stopped (or stops) being served: retired, or an announced shutdown."""
        if self.retired is not None:
            return self.retired
        return self.deprecated.shutdown if self.deprecated is not None else None

    def in_region(self, region: str) -> Model:
        """This model as priced in ``region`` ("cn" or "intl"): its own list, or its international
        list; a NoPriceError when it has none there."""
        if region == "cn" or self.region == "global" or self.region == region:
            if self.region == "intl" and region == "cn":
                raise NoPriceError(self, None, reason="has no mainland China price list (--region cn)")
            return self
        if self.intl is None:
            raise NoPriceError(
                self,
                None,
                reason=f"has no international price list ({self.provider} sells it "
                "in mainland China only; use --region cn)",
            )
        intl = self.intl
        return replace(
            self,
            currency=intl.currency,
            prices=intl.prices,
            context_window=intl.context_window or self.context_window,
            retired=intl.retired,
            retired_source=intl.retired_source,
            unpriced=intl.unpriced,
            region="intl",
            intl=None,
            note=intl.note or self.note,
        )

    def price_at(self, when: date) -> PriceEntry:
        """The entry in force on ``when``; an error before the first one, after a shutdown, or for a
        model without a per-token price."""
        if self.unpriced is not None and not self.prices:
            raise NoPriceError(self, when, reason=f"has no per-token price: {self.unpriced}")
        current = None
        for entry in self.prices:
            if entry.effective <= when:
                current = entry
        if current is None:
            raise NoPriceError(self, when)
        if self.retired is not None and when >= self.retired:
            raise NoPriceError(self, when, retired=True)
        if self.deprecated is not None and when >= self.deprecated.shutdown:
            raise NoPriceError(self, when, reason=self.shutdown_text(when))
        return current

    def shutdown_text(self, when: date) -> str:
        dep = self.deprecated
        assert dep is not None
        announced = f", announced {dep.announced.isoformat()}" if dep.announced else ""
        instead = f"; use {self.successor}" if self.successor else ""
        return f"shuts down on {dep.shutdown.isoformat()}{announced}, before {when.isoformat()}{instead}"


class NoPriceError(InputError):
    """A model with no price on a date or in a region.  ``message`` names the model ('beta-4o has no
    price on or before …', an error on its own); ``reason`` is the same without it ('has no price on or
    before …'), for a line that names the model already ('Not priced: beta-4o: has no price …')."""

    def __init__(self, model: Model, when: date | None, retired: bool = False, reason: str | None = None):
        if reason is None and retired:
            assert model.retired is not None and when is not None
            instead = f"; use {model.successor}" if model.successor else ""
            reason = f"was retired on {model.retired.isoformat()}, before {when.isoformat()}{instead}"
        elif reason is None:
            assert when is not None
            reason = (
                f"has no price on or before {when.isoformat()} "
                f"(its first price is from {model.prices[0].effective.isoformat()})"
            )
        super().__init__(f"{model.id} {reason}")
        self.model, self.when, self.reason = model, when, reason


@dataclass(frozen=True)
class Provider:
    """One provider file: who it is, which list its models' prices are, when it was last checked."""

    id: str
    name: str | None
    region: str  # "cn" or "global"
    checked: date | None
    schema_version: int
    origin: str


@dataclass(frozen=True)
class Family:
    provider: str
    names: tuple[str, ...]
    prefix: str
    flagship: str | None


@dataclass(frozen=True)
class FxTable:
    rates: tuple[FxRate, ...]

    def at(self, when: date) -> FxRate | None:
        """The last rate on or before ``when``; None before the first one."""
        current = None
        for rate in self.rates:
            if rate.date is not None and rate.date <= when:
                current = rate
        return current


@dataclass(frozen=True)
class PriceBook:
    models: dict[str, Model]
    families: tuple[Family, ...] = ()
    fx: FxTable | None = None
    providers: dict[str, Provider] = field(default_factory=dict)
    calendars: dict[str, frozenset[date]] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    digest: str = ""
    _names: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    origin: Any = None  # book.installed.ActiveBook: which book this is (shipped, an update…); set by book.load

    @property
    def checked(self) -> date | None:
        """The newest ``checked`` date of its provider files: the last day its prices are known for."""
        return max((p.checked for p in self.providers.values() if p.checked is not None), default=None)

    # -- lookup -----------------------------------------------------------
    def resolve(self, name: str) -> Model:
        """An id, alias (case-insensitive), family name, prefix form or vendor-qualified name → one model
        (see ``book.names``)."""
        key = _norm(name)
        if not key:
            raise UsageError("empty model name")
        ids = self._names.get(key) or names.family_match(self, key) or names.qualified_match(self, key)
        if not ids:
            raise UnknownModelError(name, self.suggest(key))
        if len(ids) > 1:
            raise UsageError(
                f"model name {name!r} is ambiguous: it matches {', '.join(sorted(ids))}", hint="use the model id"
            )
        return self.models[ids[0]]

    def suggest(self, key: str) -> list[str]:
        return names.suggest(self, key)

    def select(self, names: Iterable[str] = (), providers: Iterable[str] = (), everything: bool = False) -> list[Model]:
        """Models named, or all of the given providers, or all; in a stable order."""
        names, providers = list(names), [p.strip().lower() for p in providers]
        known = sorted({m.provider for m in self.models.values()})
        for provider in providers:
            if provider not in known:
                close = difflib.get_close_matches(provider, known, n=1)
                hint = f"did you mean {close[0]}?" if close else f"providers: {', '.join(known)}"
                raise UsageError(f"unknown provider {provider!r}", hint=hint)
        chosen: list[Model] = []
        for name in names:
            model = self.resolve(name)
            if providers and model.provider not in providers:
                raise UsageError(f"{model.id} is a {model.provider} model, not in --provider {','.join(providers)}")
            if model not in chosen:
                chosen.append(model)
        if not names and (everything or providers):
            chosen = [m for m in self.models.values() if not providers or m.provider in providers]
        return chosen


_norm = names.norm
