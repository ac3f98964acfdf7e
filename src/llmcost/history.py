"""Price history and price-book diffs: pure logic, no I/O, no rendering.

``history`` walks each model's dated prices and says how each one changed from
the one before, per input and output.  Prices quoted per 1K, 10K or 1M tokens are
compared per 1M tokens (exact: 1M is a multiple of every unit).  A tiered entry is
compared on its first band, and says so.  A change is an exact Decimal fraction
(``-0.9625`` is -96.25%); a price going to 0 is -100%; a price from 0 is a "new
price" with no percentage (no division by zero); 0 to 0 is unchanged.

``diff`` compares two price books (a file or folder each) for reviewing updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from .book import UNITS, Band, Model, PriceBook, PriceEntry
from .dates import parse_day
from .errors import UsageError
from .money import CONTEXT, exact, percent, round_to

PER_1M = 1_000_000
FIRST, NEW, CHANGE = "first", "new price", "change"
#: A change's fraction in JSON is rounded to this (half up): -0.975 stays, a cut to a third is -0.666667.
FRACTION_PLACES = Decimal("0.000001")


def per_1m(price: Decimal, unit: str) -> Decimal:
    """A price per ``unit`` tokens as a price per 1M tokens, exactly."""
    with localcontext(CONTEXT):
        return price * (PER_1M // UNITS[unit])


@dataclass(frozen=True)
class Change:
    """How one price moved from the entry before: ``kind`` is first, new price or change."""

    kind: str
    fraction: Decimal | None = None  # exact; only for kind == "change"

    @property
    def label(self) -> str:
        if self.kind != CHANGE:
            return self.kind
        assert self.fraction is not None
        text = percent(self.fraction)
        return "+" + text if self.fraction > 0 else text

    @property
    def value(self) -> str | None:
        """The fraction as a decimal string (the JSON field), rounded to FRACTION_PLACES (a cut to
        a third is -0.666667, not 60 digits of sixes); None without one."""
        return None if self.fraction is None else exact(round_to(self.fraction, FRACTION_PLACES))


def change(old: Decimal | None, new: Decimal) -> Change:
    if old is None:
        return Change(FIRST)
    if old == 0:
        return Change(NEW) if new != 0 else Change(CHANGE, Decimal(0))
    with localcontext(CONTEXT):
        return Change(CHANGE, (new - old) / old)


@dataclass(frozen=True)
class HistoryEntry:
    model: Model
    entry: PriceEntry
    input_per_1m: Decimal  # of the first band, for tiered entries
    output_per_1m: Decimal
    input_change: Change
    output_change: Change
    compared_first_band: bool  # this or the previous entry is tiered

    @property
    def tiered(self) -> bool:
        return self.entry.mode != "flat"


@dataclass(frozen=True)
class ModelHistory:
    model: Model
    entries: tuple[HistoryEntry, ...]


def model_history(model: Model, as_of: date) -> ModelHistory:
    """Every dated price of ``model`` in force on or before ``as_of``, with its changes."""
    out: list[HistoryEntry] = []
    previous: PriceEntry | None = None
    for entry in model.prices:
        if entry.effective > as_of:
            break
        band = entry.bands[0]
        inp, outp = per_1m(band.input, entry.unit), per_1m(band.output, entry.unit)
        old_in = old_out = None
        if previous is not None:
            old_band = previous.bands[0]
            old_in, old_out = per_1m(old_band.input, previous.unit), per_1m(old_band.output, previous.unit)
        tiered = entry.mode != "flat" or (previous is not None and previous.mode != "flat")
        out.append(
            HistoryEntry(
                model,
                entry,
                inp,
                outp,
                change(old_in, inp),
                change(old_out, outp),
                compared_first_band=tiered and previous is not None,
            )
        )
        previous = entry
    return ModelHistory(model, tuple(out))


@dataclass(frozen=True)
class History:
    as_of: date
    since: date | None
    until: date | None
    models: tuple[ModelHistory, ...]

    @property
    def window(self) -> bool:
        return self.since is not None or self.until is not None

    def changes(self) -> list[HistoryEntry]:
        """Every entry shown, sorted by date (then provider and model): the price war."""
        rows = [e for m in self.models for e in m.entries]
        return sorted(rows, key=lambda e: (e.entry.effective, e.model.provider, e.model.id))


def parse_date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text.strip())
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a date (use YYYY-MM-DD)") from None


def history(models: list[Model], as_of: date, since: date | None = None, until: date | None = None) -> History:
    """The history of ``models`` as of ``as_of``; with ``since``/``until`` (inclusive)
    only the entries in that window (their changes still compare with the entry before,
    even when that one is older than the window)."""
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
    result = []
    for model in models:
        h = model_history(model, as_of)
        if since is not None or until is not None:
            kept = tuple(
                e
                for e in h.entries
                if (since is None or e.entry.effective >= since) and (until is None or e.entry.effective <= until)
            )
            if not kept:
                continue
            h = ModelHistory(model, kept)
        result.append(h)
    return History(as_of, since, until, tuple(result))


# -- prices diff ---------------------------------------------------------------------

MODEL_FIELDS = ("name", "provider", "currency", "context_window", "tokenizer", "aliases", "retired", "note")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return exact(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def _band_fields(prefix: str, old: Band | None, new: Band | None) -> list[dict[str, str | None]]:
    out = []
    for name in ("up_to", "input", "output", "cached_input", "batch_input", "batch_output"):
        a, b = getattr(old, name, None), getattr(new, name, None)
        if a != b:
            out.append({"field": prefix + name, "old": _text(a), "new": _text(b)})
    return out


def entry_changes(old: PriceEntry, new: PriceEntry) -> list[dict[str, str | None]]:
    """Field by field, what differs between two entries of the same date."""
    out: list[dict[str, str | None]] = []
    for name in ("unit", "mode"):
        if getattr(old, name) != getattr(new, name):
            out.append({"field": name, "old": getattr(old, name), "new": getattr(new, name)})
    tiered = old.mode != "flat" or new.mode != "flat"
    for i in range(max(len(old.bands), len(new.bands))):
        a = old.bands[i] if i < len(old.bands) else None
        b = new.bands[i] if i < len(new.bands) else None
        out += _band_fields(f"tiers[{i}]." if tiered else "", a, b)
    for name in ("source", "note"):
        if getattr(old, name) != getattr(new, name):
            out.append({"field": name, "old": getattr(old, name), "new": getattr(new, name)})
    if old.free_quota != new.free_quota:
        fq = [f"{q.tokens} tokens ({q.period})" if q else None for q in (old.free_quota, new.free_quota)]
        out.append({"field": "free_quota", "old": fq[0], "new": fq[1]})
    return out


@dataclass(frozen=True)
class ModelDiff:
    id: str
    provider: str
    fields: tuple[dict[str, str | None], ...]  # model fields changed: field, old, new
    entries_added: tuple[PriceEntry, ...]
    entries_removed: tuple[PriceEntry, ...]
    entries_changed: tuple[tuple[PriceEntry, tuple[dict[str, str | None], ...]], ...]
    newest_old: PriceEntry
    newest_new: PriceEntry
    old_currency: str
    new_currency: str
    input_change: Change | None  # newest entry, per 1M (first band); None if it is the same entry
    output_change: Change | None  # or the currency changed (no % across currencies)

    @property
    def prices_changed(self) -> bool:
        return bool(self.entries_added or self.entries_removed or self.entries_changed)


@dataclass(frozen=True)
class BookDiff:
    old: str
    new: str
    added: tuple[Model, ...]
    removed: tuple[Model, ...]
    changed: tuple[ModelDiff, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _model_diff(old: Model, new: Model) -> ModelDiff | None:
    fields = tuple(
        {"field": name, "old": _text(getattr(old, name)), "new": _text(getattr(new, name))}
        for name in MODEL_FIELDS
        if getattr(old, name) != getattr(new, name)
    )
    old_by = {e.effective: e for e in old.prices}
    new_by = {e.effective: e for e in new.prices}
    added = tuple(e for d, e in new_by.items() if d not in old_by)
    removed = tuple(e for d, e in old_by.items() if d not in new_by)
    changed = tuple(
        (new_by[d], tuple(entry_changes(old_by[d], new_by[d])))
        for d in sorted(old_by.keys() & new_by.keys())
        if old_by[d] != new_by[d]
    )
    if not (fields or added or removed or changed):
        return None
    a, b = old.prices[-1], new.prices[-1]
    in_change = out_change = None
    if a != b and old.currency == new.currency:
        in_change = change(per_1m(a.bands[0].input, a.unit), per_1m(b.bands[0].input, b.unit))
        out_change = change(per_1m(a.bands[0].output, a.unit), per_1m(b.bands[0].output, b.unit))
    return ModelDiff(
        new.id, new.provider, fields, added, removed, changed, a, b, old.currency, new.currency, in_change, out_change
    )


def diff(old: PriceBook, new: PriceBook, old_name: str = "OLD", new_name: str = "NEW") -> BookDiff:
    """What changes from ``old`` to ``new``: models added/removed, prices and fields changed."""

    def order(m: Model) -> tuple[str, str]:
        return (m.provider, m.id)

    added = sorted((m for k, m in new.models.items() if k not in old.models), key=order)
    removed = sorted((m for k, m in old.models.items() if k not in new.models), key=order)
    changed = []
    for model in sorted((m for k, m in new.models.items() if k in old.models), key=order):
        d = _model_diff(old.models[model.id], model)
        if d is not None:
            changed.append(d)
    return BookDiff(old_name, new_name, tuple(added), tuple(removed), tuple(changed))
