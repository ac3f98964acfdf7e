"""What a price book is: models, dated price entries and their bands, families, exchange rates,
and how a name people type resolves to a model.

A ``PriceBook`` is immutable once built (``book.load`` builds it).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from ..errors import InputError, UnknownModelError, UsageError
from ..money import FxRate

UNITS = {"1K": 1_000, "10K": 10_000, "1M": 1_000_000}
SPECIAL_FILES = {"fx.yaml", "tokenizers.yaml"}


@dataclass(frozen=True)
class Band:
    """Prices per ``unit`` tokens for requests whose input is at most ``up_to`` tokens."""

    up_to: int | None
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    batch_input: Decimal | None = None
    batch_output: Decimal | None = None


@dataclass(frozen=True)
class FreeQuota:
    tokens: int
    period: str  # "once" | "month"
    note: str | None = None


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

    @property
    def per(self) -> int:
        return UNITS[self.unit]

    @property
    def flat(self) -> Band:
        return self.bands[0]

    def unit_label(self, currency: str) -> str:
        unit = {"1K": "1K", "10K": "10K", "1M": "1M"}[self.unit]
        return f"{currency}/{unit} tokens"


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

    def price_at(self, when: date) -> PriceEntry:
        """The entry in force on ``when``; an error before the first one."""
        current = None
        for entry in self.prices:
            if entry.effective <= when:
                current = entry
        if current is None:
            raise NoPriceError(self, when)
        if self.retired is not None and when >= self.retired:
            raise NoPriceError(self, when, retired=True)
        return current


class NoPriceError(InputError):
    def __init__(self, model: Model, when: date, retired: bool = False):
        if retired:
            message = f"{model.id} was retired on {model.retired.isoformat()}, before {when.isoformat()}"
        else:
            message = (f"{model.id} has no price on or before {when.isoformat()} "
                       f"(its first price is from {model.prices[0].effective.isoformat()})")
        super().__init__(message)
        self.model, self.when = model, when


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
    files: tuple[str, ...] = ()
    digest: str = ""
    _names: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    origin: Any = None  # book.installed.ActiveBook: which book this is (shipped, an update…); set by book.load

    # -- lookup -----------------------------------------------------------
    def resolve(self, name: str) -> Model:
        """An id, alias (case-insensitive) or family name/prefix → one model."""
        key = _norm(name)
        if not key:
            raise UsageError("empty model name")
        ids = self._names.get(key)
        if ids is None:
            ids = self._family_match(key)
        if not ids:
            raise UnknownModelError(name, self.suggest(key))
        if len(ids) > 1:
            raise UsageError(f"model name {name!r} is ambiguous: it matches {', '.join(sorted(ids))}",
                             hint="use the model id")
        return self.models[ids[0]]

    def _family_match(self, key: str) -> tuple[str, ...]:
        for fam in self.families:
            for fname in fam.names:
                fkey = _norm(fname)
                if key == fkey and fam.flagship:
                    return (fam.flagship,)
                for sep in ("-", " ", "_", ""):
                    if sep == "" and fkey.isascii():
                        continue  # "qwenlong" is not "qwen-long"; "豆包pro-32k" may be
                    if key.startswith(fkey + sep) and len(key) > len(fkey + sep):
                        rest = key[len(fkey + sep):]
                        candidate = _norm(f"{fam.prefix}-{rest}")
                        if candidate in self._names:
                            return self._names[candidate]
        return ()

    def suggest(self, key: str) -> list[str]:
        hits = difflib.get_close_matches(key, list(self._names), n=3, cutoff=0.6)
        out: list[str] = []
        for hit in hits:
            for model_id in self._names[hit]:
                if model_id not in out:
                    out.append(model_id)
        return out[:3]

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


def _norm(name: str) -> str:
    return " ".join(name.strip().lower().split())


