"""The library API behind the commands: load the book, price workloads.

Everything here is usable without the CLI::

    from llmcost import api
    book = api.load_book()
    bill = api.estimate(book, api.EstimateRequest(models=["qwen-long"], requests_per_day=..., ...), ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from . import prices
from .calculator import Bill, CannotServe, Line, Skipped, price_line
from .errors import InputError, UsageError
from .money import FxRate
from .prices import Model, PriceBook
from .workload import Workload, check_ratio, check_tokens, monthly_requests


def load_book(user_prices: str | None = None) -> PriceBook:
    return prices.load(user_prices)


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

    def workload(self, model: str, *, input_tokens: Decimal | None = None, input_method: str = "given") -> Workload:
        tokens_in = self.input_tokens if input_tokens is None else input_tokens
        if tokens_in is None:
            raise UsageError("give --input-tokens (tokens per request)")
        if self.output_tokens is None:
            raise UsageError("give --output-tokens (tokens per request)")
        return Workload(
            model=model,
            requests_per_month=monthly_requests(self.requests_per_day, self.requests_per_month, self.days),
            input_tokens=check_tokens(tokens_in, "--input-tokens"),
            output_tokens=check_tokens(self.output_tokens, "--output-tokens"),
            cached_ratio=check_ratio(self.cached_ratio, "--cached-ratio"),
            batch_ratio=check_ratio(self.batch_ratio, "--batch-ratio"),
            input_method=input_method, requests_per_day=self.requests_per_day, days=self.days)


def choose_models(book: PriceBook, names: list[str], providers: list[str], everything: bool) -> list[Model]:
    if names and everything:
        raise UsageError("give --model or --all, not both")
    chosen = book.select(names, providers, everything)
    if not chosen:
        raise UsageError("give --model NAME (repeatable), --provider NAME or --all")
    return chosen


def price_all(pairs: list[tuple[Workload, Model]], *, as_of: date, currency: str, fx: FxRate | None,
              strict: bool) -> tuple[list[Line], list[Skipped]]:
    """Price each (workload, model); ``strict`` turns a model that can't serve into an error."""
    lines, skipped = [], []
    for workload, model in pairs:
        try:
            lines.append(price_line(workload, model, as_of=as_of, currency=currency, fx=fx))
        except CannotServe as exc:
            if strict:
                raise InputError(str(exc)) from None
            skipped.append(Skipped(workload, model, str(exc)))
    return lines, skipped


def estimate(book: PriceBook, request: EstimateRequest, *, as_of: date, currency: str, fx: FxRate | None) -> Bill:
    """Price one workload on the chosen models, cheapest first."""
    chosen = choose_models(book, request.models, request.providers, request.everything)
    pairs = [(request.workload(model.id), model) for model in chosen]
    lines, skipped = price_all(pairs, as_of=as_of, currency=currency, fx=fx, strict=len(chosen) == 1)
    if not lines:
        raise InputError("no model could price this workload: " + "; ".join(s.reason for s in skipped))
    lines.sort(key=lambda line: (line.total, line.model.provider, line.model.id))
    return Bill.of(currency, as_of, fx, lines, skipped)
