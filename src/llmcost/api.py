"""The library API behind the commands: load the book, count prompts, price workloads.

Everything here is usable without the CLI::

    from datetime import date
    from llmcost import api
    book = api.load_book()
    pricer = api.Pricer(book, api.Pricing(as_of=date(2024, 6, 1), currency="CNY", fx=None))
    bill = api.estimate(pricer, api.EstimateRequest(models=["qwen-long"], requests_per_day=..., ...))
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Context, Decimal
from typing import TYPE_CHECKING, NamedTuple

from .book import Model, NoPriceError, PriceBook, PriceEntry
from .book import load as load_price_book
from .calculator import Bill, CannotServe, Line, Skipped, model_notes, price_line
from .errors import InputError, LlmcostError, UnknownModelError, UsageError
from .money import FxRate, exact_sum
from .workload import FLAG_NAMES, Workload, check_ratio, check_tokens, monthly_requests

if TYPE_CHECKING:
    from .budget import Baseline, Limit, Verdict


def load_book(user_prices: str | None = None) -> PriceBook:
    return load_price_book(user_prices)


@dataclass(frozen=True)
class Pricing:
    """How to price: the date, the report currency and rate, and the user's adjustments."""

    as_of: date
    currency: str
    fx: FxRate | None
    discounts: dict[str, Decimal] = field(default_factory=dict)  # model id or provider → share off
    free_quota: bool = False
    region: str = "cn"  # which price list: "cn" (mainland China) or "intl" (a vendor's international list)


def parse_discounts(items: Iterable[str], book: PriceBook) -> dict[str, Decimal]:
    """``doubao=20%`` or ``qwen-long=0.15`` → {"doubao": Decimal("0.2"), ...}.

    NAME is a provider (its id or family name: doubao, 豆包) or a model (id or alias).
    A model's own discount replaces its provider's; the two never stack (``Pricer.price``)."""
    out: dict[str, Decimal] = {}
    providers = {m.provider for m in book.models.values()}
    families = {name.lower(): fam.provider for fam in book.families for name in fam.names}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError(f"--discount: {item!r} is not NAME=PERCENT, e.g. doubao=20%")
        try:
            share = Decimal(value[:-1]) / 100 if value.endswith("%") else Decimal(value)
        except ArithmeticError:
            raise UsageError(f"--discount: {value!r} is not a percentage") from None
        if not share.is_finite() or not 0 <= share <= 1:
            raise UsageError(f"--discount: {value!r} must be between 0% and 100% (or 0 and 1)")
        if key.lower() in providers:
            target = key.lower()
        elif key.lower() in families:  # a family name (豆包, 通义千问) means its provider, not its flagship
            target = families[key.lower()]
        else:
            try:
                target = book.resolve(key).id
            except UnknownModelError as exc:
                close = difflib.get_close_matches(key.lower(), sorted(providers), n=1) or exc.suggestions
                hint = f"did you mean {', '.join(close)}?" if close else f"providers: {', '.join(sorted(providers))}"
                raise UsageError(
                    f"--discount {item!r}: {key!r} is neither a provider nor a model in the price book", hint=hint
                ) from None
        if target in out and out[target] != share:
            raise UsageError(f"--discount: {target} is given two different discounts; give it once")
        out[target] = share
    return out


def after_the_book(book: PriceBook, as_of: date, fx: FxRate | None, converted: bool | None) -> str | None:
    """The note for a date after the book's last check (``PriceBook.checked``): what it is priced with.

    ``converted``: whether a line was converted between USD and CNY (the rate is named only then);
    None when it is not known yet (a workload file streamed as it is priced)."""
    known = book.checked
    if known is None or as_of <= known:
        return None
    text = (
        f"{as_of.isoformat()} is after {known.isoformat()}, the price book's last check: "
        "prices are those known that day"
    )
    if fx is not None and fx.date is not None and converted is not False:
        rate = f"the USD/CNY rate is that of {fx.date.isoformat()}"
        text += f"; {rate}" if converted else f"; where a line is converted, {rate}"
    return text + "."


class Plan(NamedTuple):
    """A model as one Pricer prices it (see ``Pricer.plan``)."""

    model: Model  # as the book has it (the cache key)
    pricing: Pricing
    regional: Model  # its price list in the chosen region
    entry: PriceEntry
    discount: Decimal | None
    notes: tuple[str, ...]


class Pricer:
    """Prices workloads against one book with one set of options."""

    #: At most this many model names and models are remembered (a file of a million rows names a few dozen).
    CACHE_SIZE = 4096

    def __init__(self, book: PriceBook, pricing: Pricing):
        self.book, self.pricing = book, pricing
        # Looked up once, not per row: a model name → its Model; a Model (by identity, kept alive
        # here) → its price entry on the as-of date and its discount.  Only successes are kept.
        self._models: dict[str, Model] = {}
        self._plans: dict[int, Plan] = {}

    def model(self, workload: Workload) -> Model:
        model = self._models.get(workload.model)
        if model is not None:
            return model
        try:
            model = self.book.resolve(workload.model)
        except LlmcostError as exc:
            if workload.origin:
                exc.message = f"{workload.origin}: {exc.message}"
            raise
        if len(self._models) >= self.CACHE_SIZE:
            self._models.clear()
        self._models[workload.model] = model
        return model

    def plan(self, model: Model) -> Plan:
        """What pricing on ``model`` needs, looked up once: its price list in the chosen region, the
        entry in force on the as-of date, the discount and the notes every line of it carries.
        Raises ``CannotServe`` when it has no price then and there."""
        p = self.pricing
        plan = self._plans.get(id(model))
        if plan is None or plan.model is not model or plan.pricing is not p:
            try:
                regional = model.in_region(p.region)
                entry = regional.price_at(p.as_of)
            except NoPriceError as exc:
                raise CannotServe(model.id, exc.reason) from None
            if len(self._plans) >= self.CACHE_SIZE:
                self._plans.clear()
            discount = p.discounts.get(model.id, p.discounts.get(model.provider))
            plan = self._plans[id(model)] = Plan(
                model, p, regional, entry, discount, model_notes(regional, entry, p.as_of)
            )
        return plan

    def price(self, workload: Workload, model: Model) -> Line:
        """Raises ``CannotServe`` when the model can't price the workload."""
        p = self.pricing
        plan = self.plan(model)
        return price_line(
            workload,
            plan.regional,
            as_of=p.as_of,
            currency=p.currency,
            fx=p.fx,
            discount=plan.discount,
            free_quota=p.free_quota,
            entry=plan.entry,
            static_notes=plan.notes,
        )

    def strict(self, workload: Workload, model: Model | None = None) -> Line:
        """Price, turning "can't serve" into an error that names the workload's origin."""
        model = model or self.model(workload)
        try:
            return self.price(workload, model)
        except CannotServe as exc:
            where = f"{workload.origin}: " if workload.origin else ""
            raise InputError(f"{where}{exc}") from None

    def lines(self, workloads: Iterable[Workload]) -> Iterator[Line]:
        """Each workload on its own model, in order, one at a time (streams)."""
        for workload in workloads:
            yield self.strict(workload)

    def bill(self, lines: list[Line], skipped: list[Skipped] | None = None) -> Bill:
        p = self.pricing
        return Bill.of(p.currency, p.as_of, p.fx, lines, skipped or [])


@dataclass
class EstimateRequest:
    """One workload given as numbers, priced on the chosen models."""

    models: list[str] = field(default_factory=list)
    everything: bool = False
    providers: list[str] = field(default_factory=list)
    requests_per_day: Decimal | None = None
    requests_per_month: Decimal | None = None
    input_tokens: Decimal | None = None
    output_tokens: Decimal | None = None
    days: Decimal | None = None
    cached_ratio: Decimal = Decimal(0)
    batch_ratio: Decimal = Decimal(0)
    prompt: str | None = None  # text whose tokens are counted per model
    output_sample: str | None = None
    cache_write_ratio: Decimal = Decimal(0)
    thinking_ratio: Decimal = Decimal(0)
    off_peak_ratio: Decimal = Decimal(0)

    def workload(self, model: str) -> Workload:
        if self.input_tokens is None and self.prompt is None:
            raise UsageError("give --input-tokens (tokens per request) or --prompt/--prompt-file")
        if self.input_tokens is not None and self.prompt is not None:
            raise UsageError("give --input-tokens or --prompt/--prompt-file, not both")
        if self.output_tokens is None and self.output_sample is None:
            raise UsageError("give --output-tokens (tokens per request) or --output-sample")
        if self.output_tokens is not None and self.output_sample is not None:
            raise UsageError("give --output-tokens or --output-sample, not both")
        requests = monthly_requests(self.requests_per_day, self.requests_per_month, self.days, names=FLAG_NAMES)
        return Workload(
            model=model,
            requests_per_month=requests,
            input_tokens=check_tokens(self.input_tokens or Decimal(0), "--input-tokens"),
            output_tokens=check_tokens(self.output_tokens or Decimal(0), "--output-tokens"),
            cached_ratio=check_ratio(self.cached_ratio, "--cached-ratio"),
            batch_ratio=check_ratio(self.batch_ratio, "--batch-ratio"),
            requests_per_day=self.requests_per_day,
            days=self.days,
            cache_write_ratio=self._write_ratio(),
            thinking_ratio=check_ratio(self.thinking_ratio, "--thinking-ratio"),
            off_peak_ratio=check_ratio(self.off_peak_ratio, "--off-peak-ratio"),
        )

    def _write_ratio(self) -> Decimal:
        write = check_ratio(self.cache_write_ratio, "--cache-write-ratio")
        if write + self.cached_ratio > 1:
            raise UsageError(
                f"--cached-ratio + --cache-write-ratio must be at most 1 (shares of the same input "
                f"tokens), not {write + self.cached_ratio}"
            )
        return write


def request_workload(request: EstimateRequest) -> Workload:
    """The one workload a set of flags describes (prompt and sample kept for per-model counting)."""
    workload = replace(request.workload(""), name=None, prompt=request.prompt, output_sample=request.output_sample)
    if request.output_sample is not None:
        workload = replace(workload, output_method="sample")
    return workload


def counter_for(model: Model):
    """The model's tokenizer; an unknown one is an error naming the model and its price file."""
    from .errors import TokenizerError
    from .tokens import get_counter

    try:
        return get_counter(model.tokenizer)
    except TokenizerError as exc:
        exc.message = f"{model.origin}: model {model.id}: {exc.message}" if model.origin else exc.message
        raise


def count_text(model: Model, text: str) -> tuple[int, str]:
    """Tokens of ``text`` with the model's own tokenizer, and how they were counted."""
    counter = counter_for(model)
    return counter.count(text), counter.method


def with_counted_text(workload: Workload, model: Model, prompt: str | None, sample: str | None) -> Workload:
    """The workload with input/output tokens counted from text by the model's tokenizer."""
    changes: dict[str, object] = {}
    if prompt is not None:
        tokens, method = count_text(model, prompt)
        changes.update(input_tokens=Decimal(tokens), input_method=method)
    if sample is not None:
        tokens, method = count_text(model, sample)
        changes.update(output_tokens=Decimal(tokens), output_method=method)
    return replace(workload, **changes) if changes else workload  # type: ignore[arg-type]


def prompt_counter(book: PriceBook):
    """For workload files: count a row's prompt with its model's tokenizer."""

    def count(model_name: str, text: str) -> tuple[int, str]:
        return count_text(book.resolve(model_name), text)

    return count


def choose_models(book: PriceBook, names: list[str], providers: list[str], everything: bool) -> list[Model]:
    if names and everything:
        raise UsageError("give --model or --all, not both")
    chosen = book.select(names, providers, everything)
    if not chosen:
        raise UsageError("give --model NAME (repeatable), --provider NAME or --all")
    return chosen


def estimate(pricer: Pricer, request: EstimateRequest) -> Bill:
    """Price one workload on the chosen models, cheapest first.

    With one model, a model that can't serve is an error; with several it is listed
    in ``skipped`` with the reason, never priced 0.
    """
    chosen = choose_models(pricer.book, request.models, request.providers, request.everything)
    base = request.workload("")
    lines, skipped = [], []
    for model in chosen:
        workload = with_counted_text(replace(base, model=model.id), model, request.prompt, request.output_sample)
        if len(chosen) == 1:
            lines.append(pricer.strict(workload, model))
            continue
        try:
            lines.append(pricer.price(workload, model))
        except CannotServe as exc:
            skipped.append(Skipped(workload, model, exc.reason))
    if not lines:
        raise InputError("no model could price this workload: " + "; ".join(_named(s) for s in skipped))
    lines.sort(key=lambda line: (line.total, line.model.provider, line.model.id))
    return pricer.bill(lines, skipped)


def _named(skipped: Skipped) -> str:
    """A model not priced, as one clause of an error: 'alpha-lite cannot serve …'."""
    return f"{skipped.model.id} {skipped.reason}" if skipped.model is not None else skipped.reason


@dataclass(frozen=True)
class Option:
    """One model's price for the whole workload set, in a comparison."""

    model: Model
    lines: tuple[Line, ...]
    total: Decimal


@dataclass(frozen=True)
class Comparison:
    pricing: Pricing
    options: tuple[Option, ...]  # cheapest first
    cannot_serve: tuple[Skipped, ...]
    baseline: Option | None

    @property
    def most_expensive(self) -> Option:
        return self.options[-1]

    @property
    def median(self) -> Decimal:
        """The median of the options' totals (the mean of the middle two for an even count), exact."""
        totals = [o.total for o in self.options]
        middle = len(totals) // 2
        if len(totals) % 2:
            return totals[middle]
        pair = exact_sum(totals[middle - 1 : middle + 1])
        return Context(prec=len(pair.as_tuple().digits) + 1).multiply(pair, Decimal("0.5"))  # exact


def compare(
    pricer: Pricer, workloads: list[Workload], models: list[Model], baseline_model: str | None = None
) -> Comparison:
    """Price every workload on every model; a model that can't serve one of them is listed, not priced."""
    if not workloads:
        raise UsageError("nothing to compare: no workloads")
    baseline = pricer.book.resolve(baseline_model) if baseline_model else None
    if baseline is not None and baseline not in models:
        models = [*models, baseline]
    options, cannot = [], []
    for model in models:
        lines = []
        try:
            for workload in workloads:
                # a prompt and an output sample are recounted with this model's tokenizer, as estimate does
                moved = with_counted_text(
                    replace(workload, model=model.id), model, workload.prompt, workload.output_sample
                )
                lines.append(pricer.price(moved, model))
        except CannotServe as exc:
            cannot.append(Skipped(workload, model, exc.reason))
            continue
        options.append(Option(model, tuple(lines), exact_sum(line.total for line in lines)))
    if not options:
        raise InputError("no model could price this workload: " + "; ".join(_named(s) for s in cannot[:3]))
    options.sort(key=lambda o: (o.total, o.model.provider, o.model.id))
    base = next((o for o in options if baseline is not None and o.model.id == baseline.id), None)
    if baseline is not None and base is None:
        reason = next(s.reason for s in cannot if s.model is not None and s.model.id == baseline.id)
        raise InputError(f"--baseline-model {baseline.id} {reason}")
    return Comparison(pricer.pricing, tuple(options), tuple(cannot), base)


def check(
    pricer: Pricer,
    workloads: Iterable[Workload],
    *,
    total_budget: Decimal | None = None,
    baseline: Baseline | None = None,
    max_increase: Limit | None = None,
    max_increase_per_workload: Limit | None = None,
) -> Verdict:
    """Price every workload and judge the bill against its budgets and a baseline (see ``budget``).

    With nothing to check — no total budget, no workload budget, no increase limit — a UsageError.
    """
    from . import budget

    if (max_increase or max_increase_per_workload) and baseline is None:
        raise UsageError("--max-increase and --max-increase-per-workload need --baseline PREVIOUS.json")
    lines = list(pricer.lines(workloads))
    if (
        total_budget is None
        and max_increase is None
        and max_increase_per_workload is None
        and not any(line.workload.budget is not None for line in lines)
    ):
        raise UsageError(
            "nothing to check: give --budget AMOUNT, a budget in the workload file, or --baseline with --max-increase"
        )
    p = pricer.pricing
    comparison = None
    if baseline is not None:
        from .render import fx_dict, line_dict

        prices: dict[str, set[str]] = {}
        for line in lines:
            text = budget.price_text(line_dict(line))
            if text is not None:
                prices.setdefault(line.model.id, set()).add(text)
        comparison = budget.compare(
            [(line.workload.name or line.model.id, line.total) for line in lines],
            Bill.of(p.currency, p.as_of, p.fx, lines).total,
            baseline,
            currency=p.currency,
            as_of=p.as_of.isoformat(),
            price_book=pricer.book.digest,
            fx=fx_dict(p.fx),
            max_increase=max_increase,
            max_increase_per_workload=max_increase_per_workload,
            prices=prices,
        )
    return budget.evaluate(lines, currency=p.currency, fx=p.fx, total_budget=total_budget, comparison=comparison)
