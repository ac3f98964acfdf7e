"""The workload stream's fast row: a plain workload row straight to its priced line.

Pricing a workload CSV to CSV, JSON or JSON Lines spends its time per row, and in the general
path most of it goes on generality: a dict of the row's cells, a check function per column
(present or not), a Workload, a Line with its notes, the band loop of graduated tiers.  A
generated million-row file is almost all plain rows: numbers, a known model with a flat or
whole-tier price, no prompt.

``compile_row(records, pricer, stream)`` gives ``fast(line, row) -> (text, total)`` for such
rows, or None where this file or these options have no fast path.  ``fast`` returns None for any
row it does not recognise as plain, and that row takes the general path
(``build_workload`` → ``Pricer.strict`` → ``Stream.line``), which gives its result or its error.
So the fast path never decides what is an error: it accepts only values the general path's checks
accept (it refuses more, never less), and it prices with the same Decimal operations in the same
order and context, so every amount is the same number; the CSV row is ``render.line_csv_row``'s
cells, the JSON line is ``render.line_dict``'s dict.  ``tests/test_fast_paths.py`` checks the
two paths against each other on generated rows, bad and odd cells included, in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, getcontext, setcontext
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from .calculator import NO_BATCH_PRICE, NO_CACHE_PRICE, ONE, ZERO, CannotServe
from .csvcells import protect
from .errors import LlmcostError
from .money import EXACT_CONTEXT, exact, parse_currency, plain
from .render.bill import CsvStream, JsonLinesStream, JsonStream, Stream, csv_context, csv_line
from .render.report import quantity as _quantity
from .workload import MAX_BUDGET, MAX_DAYS, MAX_REQUESTS, MAX_TOKENS
from .workload_fields import OUTPUT_ONLY
from .workload_files import CsvRecords

if TYPE_CHECKING:
    from .api import Pricer

#: Columns the fast row reads; the output-only columns llmcost writes are ignored by both paths.
COLUMNS = frozenset(
    (
        "name",
        "model",
        "requests_per_day",
        "requests_per_month",
        "days",
        "input_tokens",
        "output_tokens",
        "cached_ratio",
        "batch_ratio",
        "budget",
        "currency",
        *OUTPUT_ONLY,
    )
)
#: The streams it writes: CSV, and JSON and JSON Lines (from the line's dict, as Stream.line does).
STREAMS = (CsvStream, JsonStream, JsonLinesStream)
#: At most this many distinct model, ratio and currency cells are remembered.
CACHE_SIZE = 4096

FastRow = Callable[[int, list[str]], "tuple[str, Decimal] | None"]


class _Memo(dict):
    """A cell's text → what ``compute`` makes of it, computed once; at most CACHE_SIZE kept."""

    def __init__(self, compute: Callable[[str], Any]):
        super().__init__()
        self.compute = compute

    def __missing__(self, cell: str) -> Any:
        if len(self) >= CACHE_SIZE:
            self.clear()
        value = self[cell] = self.compute(cell)
        return value


class _Band(NamedTuple):
    """One band of a price entry, as the fast row prices and renders it."""

    up_to: int | None
    input: Decimal
    cached_input: Decimal  # the standard input price where no cache price is published
    batch_input: Decimal  # the standard prices where no batch prices are published
    output: Decimal
    batch_output: Decimal
    tier: str | None  # the line's tier: a whole-tier band's label, None on a flat price
    no_cache_price: bool  # for price_line's notes
    no_batch_price: bool
    input_text: str  # the line's input_price and output_price
    output_text: str


class _Plan(NamedTuple):
    """What pricing rows on one model cell needs, looked up once."""

    bands: tuple[_Band, ...]
    per: Decimal
    context_window: int
    convert: Callable[[Decimal, str, str], Decimal] | None  # into the report's currency, if not the model's
    price_currency: str
    model: str
    provider: str
    effective: str
    source: str | None
    unit: str
    user: bool
    joinable: bool  # no fixed cell of the CSV row needs quoting
    region: str  # the price list used
    source_kind: str
    notes: tuple[str, ...]  # what every line of this model says (calculator.model_notes)
    price_note: str | None  # the price's note for users
    provenance: str | None  # and where the maintainers read it


_DAYS_MIN, _DAYS_MAX, _THIRTY = Decimal(1), Decimal(MAX_DAYS), Decimal(30)


def compile_row(records: CsvRecords, pricer: Pricer, stream: Stream) -> FastRow | None:
    """The fast row for this file, pricer and stream; None if there is none."""
    columns = records.columns
    if type(stream) not in STREAMS or pricer.pricing.free_quota or not columns.keys() <= COLUMNS:
        return None  # another format, free quotas, or a prompt column
    per_day_at, per_month_at = columns.get("requests_per_day"), columns.get("requests_per_month")
    days_at = columns.get("days")
    if (per_day_at is None) == (per_month_at is None) or (per_month_at is not None and days_at is not None):
        return None  # both request columns (or days with requests per month): each row decides
    return _compile(pricer, stream, columns)


def _number(cell: str, low: Decimal, high: Decimal) -> Decimal | None:
    """A plain number cell within [low, high]; None for anything else (blank, grouped, NaN, …)."""
    if "," in cell or "_" in cell:
        return None  # grouped digits: the general path reads (or refuses) them
    try:
        value = Decimal(cell)
        return value if low <= value <= high else None  # NaN raises here, infinities are out of range
    except ArithmeticError:
        return None


def _plain_cell(text: str) -> bool:
    """A cell the csv module writes as it is, unquoted (numbers always are), and that ``csv_cell``
    leaves alone (it starts with no formula character)."""
    return '"' not in text and "," not in text and text.isprintable() and protect(text) == text


def _compile(pricer: Pricer, stream: Stream, columns: dict[str, int]) -> FastRow:
    currency, csv = stream.head["currency"], type(stream) is CsvStream
    line_text = stream.line_text
    at = columns.get
    # model, input_tokens and output_tokens are there (the reader requires them; a prompt column has no fast row)
    name_at, model_at, in_at, out_at = at("name"), columns["model"], columns["input_tokens"], columns["output_tokens"]
    per_day_at, days_at = at("requests_per_day"), at("days")
    requests_at = per_day_at if per_day_at is not None else columns["requests_per_month"]  # one of them (compile_row)
    cached_at, batch_at, budget_at, currency_at = at("cached_ratio"), at("batch_ratio"), at("budget"), at("currency")
    write_row = csv_line  # what CsvStream writes a row with
    _, as_of_text, rate_text = csv_context(stream.head) if csv else ("", "", "")

    def plan_of(cell: str) -> _Plan | None:
        """What pricing a model cell needs; None: the general path says why not."""
        name = cell.strip()
        if not name:
            return None
        p = pricer.pricing
        try:
            plan = pricer.plan(pricer.book.resolve(name))
        except (LlmcostError, CannotServe):
            return None
        model, entry = plan.regional, plan.entry
        if (
            entry.mode == "graduated"
            or plan.discount
            or entry.time_of_day is not None
            or any(band.below or band.output_up_to is not None for band in entry.bands)
        ):
            return None  # graduated tiers, a discount, time-of-day prices or output-length bands
        convert = None
        if model.currency != currency:
            if p.fx is None:
                return None
            convert = partial(p.fx.convert, strict=True)
        bands = tuple(
            _Band(
                band.up_to,
                band.input,
                band.input if band.cached_input is None else band.cached_input,
                band.input if band.batch_input is None else band.batch_input,
                band.output,
                band.output if band.batch_output is None else band.batch_output,
                entry.band_label(i) if entry.mode == "whole" else None,
                band.cached_input is None,
                band.batch_input is None or band.batch_output is None,
                exact(band.input),
                exact(band.output),
            )
            for i, band in enumerate(entry.bands)
        )
        effective = entry.effective.isoformat()
        joinable = all(
            _plain_cell(text or "")
            for text in (model.id, model.provider, effective, entry.source, currency, *(band.tier for band in bands))
        )
        return _Plan(
            bands,
            Decimal(entry.per),
            model.context_window,
            convert,
            model.currency,
            model.id,
            model.provider,
            effective,
            entry.source,
            entry.unit,
            model.user,
            joinable and _plain_cell(model.region),
            model.region,
            entry.source_kind,
            plan.notes,
            entry.note,
            entry.provenance,
        )

    def ratio_of(cell: str) -> tuple[Decimal, str] | None:
        if not cell or cell.isspace():
            return ZERO, "0"
        value = _number(cell, ZERO, ONE)
        return None if value is None else (value, exact(value))

    def currency_ok(cell: str) -> bool:
        if not cell or cell.isspace():
            return True
        try:
            parse_currency(cell)
        except LlmcostError:
            return False
        return True

    plans, ratios, currencies = _Memo(plan_of), _Memo(ratio_of), _Memo(currency_ok)

    def fast(line: int, row: list[str]) -> tuple[str, Decimal] | None:
        plan = plans[row[model_at]]
        if plan is None:
            return None
        if budget_at is not None:
            cell = row[budget_at]
            if cell and not cell.isspace() and _number(cell, ZERO, MAX_BUDGET) is None:
                return None
        if currency_at is not None and not currencies[row[currency_at]]:
            return None
        cached = batched = None
        if cached_at is not None:
            cached = ratios[row[cached_at]]
            if cached is None:
                return None
        if batch_at is not None:
            batched = ratios[row[batch_at]]
            if batched is None:
                return None
        c, c_text = (ZERO, "0") if cached is None else cached
        b, b_text = (ZERO, "0") if batched is None else batched
        (
            bands,
            per,
            window,
            convert,
            source,
            model_id,
            provider,
            effective,
            price_source,
            unit,
            user,
            joinable,
            region,
            source_kind,
            model_notes,
            price_note,
            provenance,
        ) = plan
        saved = getcontext()
        setcontext(EXACT_CONTEXT)  # price_line's context (NaN comparisons and rounding raise: the general path)
        try:
            input_tokens = _number(row[in_at], ZERO, MAX_TOKENS)
            output_tokens = _number(row[out_at], ZERO, MAX_TOKENS)
            if input_tokens is None or output_tokens is None or input_tokens > window:
                return None
            if per_day_at is not None:
                per_day = _number(row[requests_at], ZERO, MAX_REQUESTS)
                if per_day is None:
                    return None
                days = _THIRTY
                if days_at is not None:
                    cell = row[days_at]
                    if cell and not cell.isspace():
                        given = _number(cell, _DAYS_MIN, _DAYS_MAX)
                        if given is None:
                            return None
                        days = given
                r = per_day * days
                if r > MAX_REQUESTS:
                    return None
            else:
                per_month = _number(row[requests_at], ZERO, MAX_REQUESTS)
                if per_month is None:
                    return None
                r = per_month
            for band in bands:
                if band.up_to is None or input_tokens <= band.up_to:
                    break
            (
                _,
                price_in,
                price_cached,
                price_batch_in,
                price_out,
                price_batch_out,
                tier,
                no_cache_price,
                no_batch_price,
                input_price,
                output_price,
            ) = band
            # calculator.price_line's operations, one by one and in its order (leaving out adding zeros).
            standard, batch = r * (ONE - b), r * b
            cached_cost = standard * input_tokens * c * price_cached / per
            input_cost = (
                standard * input_tokens * (ONE - c) * price_in / per
                + cached_cost
                + batch * input_tokens * price_batch_in / per
            )
            output_cost = (standard * price_out + batch * price_batch_out) * output_tokens / per
            total = input_cost + output_cost
            if convert is not None:
                input_cost = convert(input_cost, source, currency)
                output_cost = convert(output_cost, source, currency)
                total = convert(total, source, currency)
                if not csv:
                    cached_cost = convert(cached_cost, source, currency)
            # render.line_dict's values
            input_text, output_text, total_text = plain(input_cost), plain(output_cost), plain(total)
            requests, tokens_in, tokens_out = _quantity(r), _quantity(input_tokens), _quantity(output_tokens)
            cached_text = None if csv else plain(cached_cost)
        except ArithmeticError:  # an amount too large to round to the fen: the general path says so
            return None
        finally:
            setcontext(saved)
        name = (row[name_at].strip() if name_at is not None else "") or f"line {line}"
        if csv:  # render.line_csv_row's cells
            cells = [
                name,
                model_id,
                provider,
                str(requests),
                str(tokens_in),
                str(tokens_out),
                c_text,
                b_text,
                "0",
                "0",
                "0",
                currency,
                input_text,
                output_text,
                "0.00",
                "0.00",
                total_text,
                tier or "",
                region,
                effective,
                price_source or "",
                as_of_text,
                source,
                rate_text if convert is not None else "",
            ]
            if joinable and _plain_cell(name):
                return ",".join(cells) + "\n", total  # no cell the csv module would quote
            return write_row(cells), total
        notes = []  # price_line's notes, with no free quota and no discount
        if no_cache_price and c > 0:
            notes.append(NO_CACHE_PRICE)
        if no_batch_price and b > 0:
            notes.append(NO_BATCH_PRICE)
        notes.extend(model_notes)
        return line_text(
            {
                "name": name,
                "model": model_id,
                "provider": provider,
                "requests_per_month": requests,
                "input_tokens": tokens_in,
                "output_tokens": tokens_out,
                "input_tokens_method": "given",
                "output_tokens_method": "given",
                "cached_ratio": c_text,
                "batch_ratio": b_text,
                "cache_write_ratio": "0",
                "thinking_ratio": "0",
                "off_peak_ratio": "0",
                "input_cost": input_text,
                "cached_input_cost": cached_text,
                "output_cost": output_text,
                "free_quota": "0.00",
                "discount": "0.00",
                "total": total_text,
                "price_currency": source,
                "input_price": input_price,
                "output_price": output_price,
                "price_unit": unit,
                "tier": tier,
                "region": region,
                "price_effective": effective,
                "source": price_source,
                "source_kind": source_kind,
                "price_note": price_note,
                "price_provenance": provenance,
                "user_price": user,
                "notes": notes,
            }
        ), total

    return fast
