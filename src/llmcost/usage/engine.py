"""The streaming engine: read records one at a time, price each, add it to its group.

Memory holds one record at a time and one set of token sums per *class* of records (the same
group, model, price entry, band, clock and kind of request), never the records: pricing is linear
in the tokens within a class, so each class is priced once, exactly, at the end
(``pricing.class_costs``).  The result is a list of ``Row``: priced records summed by scenario
(0: what was paid; k: the k-th ``--what-if`` model), group, model, region, price entry and
currency, which the report is built from (``report``); the DuckDB engine gives the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any

from ..book import Model, PriceBook
from ..errors import InputError, LlmcostError, UnknownModelError, UsageError
from ..money import add_exact
from .pricing import CannotPrice, Clock, Target, add_sums, class_costs, local_day
from .records import Record, day_date

GROUPS = ("month", "day", "model", "provider", "project")
DEFAULT_GROUPS = ("month", "model")
ZERO = Decimal(0)


def parse_groups(names: Iterable[str]) -> tuple[str, ...]:
    """``--group-by`` values (repeatable, or comma-separated) in the order given; default month, model."""
    out: list[str] = []
    for name in names:
        for part in name.split(","):
            key = part.strip().lower()
            if key not in GROUPS:
                raise UsageError(f"--group-by: {part.strip()!r} is not one of {', '.join(GROUPS)}")
            if key not in out:
                out.append(key)
    return tuple(out) or DEFAULT_GROUPS


@dataclass(frozen=True)
class Options:
    """How to price a usage log."""

    book: PriceBook
    region: str = "cn"  # for records without a region of their own
    zone: tzinfo | None = None  # for timestamps without a zone
    group_by: tuple[str, ...] = DEFAULT_GROUPS
    what_if: tuple[Model, ...] = ()
    skip_unknown: bool = False


@dataclass
class Row:
    """Priced records summed by scenario, group, model, region, price entry and currency."""

    scenario: int
    group: tuple[str | None, ...]
    model: str
    region: str
    effective: date
    currency: str
    records: int = 0
    input: int = 0
    output: int = 0
    cached: int = 0
    write: int = 0
    reasoning: int = 0
    input_cost: Decimal = ZERO
    cached_cost: Decimal = ZERO
    write_cost: Decimal = ZERO
    output_cost: Decimal = ZERO
    off_peak_records: int = 0
    batch_records: int = 0
    batch_unpriced_records: int = 0
    thinking_records: int = 0
    cache_unpriced_records: int = 0

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.scenario, self.group, self.model, self.region, self.effective, self.currency)

    @property
    def total(self) -> Decimal:
        return add_exact(add_exact(self.input_cost, self.cached_cost), add_exact(self.write_cost, self.output_cost))

    def add(self, other: Row) -> None:
        for name in (
            "records",
            "input",
            "output",
            "cached",
            "write",
            "reasoning",
            "off_peak_records",
            "batch_records",
            "batch_unpriced_records",
            "thinking_records",
            "cache_unpriced_records",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("input_cost", "cached_cost", "write_cost", "output_cost"):
            setattr(self, name, add_exact(getattr(self, name), getattr(other, name)))


@dataclass
class Skip:
    """Records a scenario could not price, for one reason."""

    scenario: int
    model: str
    reason: str
    records: int = 0
    first: str = ""  # file, line of the first one


@dataclass
class Result:
    rows: list[Row]
    skipped: list[Skip]
    records: int  # records read
    sources: tuple[str, ...] = ()
    regions: dict[str, str] = field(default_factory=dict)
    after_checked: int = 0  # records priced on a day after the book's last check (PriceBook.checked)


class _Targets:
    """Model names (as records write them) and regions → Targets, each looked up once."""

    def __init__(self, book: PriceBook):
        self.book = book
        self.by_name: dict[tuple[str, str], Target] = {}
        self.by_model: dict[tuple[str, str], Target] = {}
        self.list: list[Target] = []

    def named(self, name: str, region: str) -> Target:
        target = self.by_name.get((name, region))
        if target is None:
            target = self.of(self.book.resolve(name), region)  # UnknownModelError
            if len(self.by_name) > 100_000:
                self.by_name.clear()
            self.by_name[(name, region)] = target
        return target

    def of(self, model: Model, region: str) -> Target:
        target = self.by_model.get((model.id, region))
        if target is None:
            target = self.by_model[(model.id, region)] = Target(self.book, model, region)
            target.number = len(self.list)
            self.list.append(target)
        return target


def group_values(groups: tuple[str, ...], target: Target, when: int, project: str | None) -> tuple[str | None, ...]:
    out: list[str | None] = []
    for name in groups:
        if name in ("month", "day"):
            text = day_date(local_day(when, target.offset)).isoformat()
            out.append(text[:7] if name == "month" else text)
        elif name == "model":
            out.append(target.base.id)
        elif name == "provider":
            out.append(target.base.provider)
        else:
            out.append(project)
    return tuple(out)


def price_records(sources: Iterable[tuple[str, Iterator[Record]]], options: Options) -> Result:
    """Price every record of every source; the rows, the skipped records, the count read."""
    book, groups, default_region = options.book, options.group_by, options.region
    targets, clock = _Targets(book), Clock(book)
    classes: dict[tuple[Any, ...], list[int]] = {}
    skips: dict[tuple[int, str, str], Skip] = {}
    what_if = options.what_if
    read = after_checked = 0
    names: list[str] = []
    checked_day = (book.checked - date(1970, 1, 1)).days if book.checked is not None else 1 << 62

    def skip(scenario: int, model: str, reason: str, where: str) -> None:
        item = skips.get((scenario, model, reason))
        if item is None:
            item = skips[(scenario, model, reason)] = Skip(scenario, model, reason, 0, where)
        item.records += 1

    for name, records in sources:
        names.append(name)
        for rec in records:
            read += 1
            region = rec.region or default_region
            try:
                target = targets.named(rec.model, region)
                cls = target.classify(clock, rec)
            except (CannotPrice, LlmcostError) as exc:
                if not options.skip_unknown or not isinstance(exc, (CannotPrice, UnknownModelError)):
                    raise InputError(exc.message, source=name, line=rec.line, hint=exc.hint) from None
                skip(0, rec.model, _reason(exc), f"{name}, line {rec.line}")
                continue
            if local_day(rec.when, target.offset) > checked_day:  # its day in the vendor's billing zone
                after_checked += 1
            group = group_values(groups, target, rec.when, rec.project)
            _add(classes, (0, group, target.number, *cls), target, rec)
            for k, model in enumerate(what_if, 1):
                other = targets.of(model, region)
                try:
                    cls = other.classify(clock, rec)
                except CannotPrice as exc:
                    skip(k, model.id, exc.reason, f"{name}, line {rec.line}")
                    continue
                _add(classes, (k, group, other.number, *cls), other, rec)
    rows = _rows(classes, targets.list)
    return Result(rows, list(skips.values()), read, tuple(names), after_checked=after_checked)


def _reason(exc: LlmcostError) -> str:
    """Why records were not priced, without the model's name (the report gives it)."""
    if isinstance(exc, CannotPrice):
        return exc.reason
    return "unknown model" + (f" ({exc.hint})" if isinstance(exc, UnknownModelError) and exc.suggestions else "")


def _add(classes: dict[tuple[Any, ...], list[int]], key: tuple[Any, ...], target: Target, rec: Record) -> None:
    sums = classes.get(key)
    if sums is None:
        sums = classes[key] = [0] * target.slots
    add_sums(sums, target.entries[key[3]], rec.input, rec.output, rec.cached, rec.write, rec.reasoning)


def _rows(classes: dict[tuple[Any, ...], list[int]], targets: list[Target]) -> list[Row]:
    rows: dict[tuple[Any, ...], Row] = {}
    for (scenario, group, number, index, band, off, batch, thinking), sums in classes.items():
        target = targets[number]
        entry = target.entries[index]
        costs = class_costs(entry, band, off, batch, thinking, sums)
        part = Row(
            scenario,
            group,
            target.base.id,
            target.model.region,
            entry.effective,
            target.model.currency,
            records=sums[0],
            input=sums[1],
            output=sums[2],
            cached=sums[3],
            write=sums[4],
            reasoning=sums[5],
            input_cost=costs.input,
            cached_cost=costs.cached,
            write_cost=costs.write,
            output_cost=costs.output,
            off_peak_records=sums[0] if off else 0,
            batch_records=sums[0] if batch else 0,
            batch_unpriced_records=sums[0] if costs.batch_unpriced else 0,
            thinking_records=sums[0] if costs.thinking_priced else 0,
            cache_unpriced_records=sums[6] if costs.cache_unpriced else 0,
        )
        row = rows.get(part.key)
        if row is None:
            rows[part.key] = part
        else:
            row.add(part)
    return sorted(rows.values(), key=row_order)


def row_order(row: Row) -> tuple[Any, ...]:
    return (
        row.scenario,
        tuple("" if g is None else g for g in row.group),
        row.model,
        row.region,
        row.effective,
        row.currency,
    )
