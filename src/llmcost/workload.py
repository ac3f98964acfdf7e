"""What a workload is, and how one is checked.  Readers for CSV/YAML files live in
``workload_files.py``.

Limits (documented in the README): at most 10^12 requests a month, 10^9 tokens
per request, 1..366 days, budgets up to 10^15; ratios between 0 and 1.  Larger numbers are refused
with a clear error instead of producing a nonsense bill.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, Inexact

from .errors import UsageError
from .money import EXACT_CONTEXT

MAX_REQUESTS = Decimal(10) ** 12
MAX_TOKENS = Decimal(10) ** 9
MAX_DAYS = 366
MAX_BUDGET = Decimal(10) ** 15  # a monthly budget, in CNY or USD
ZERO = Decimal(0)


@dataclass(frozen=True, init=False)
class Workload:
    """Monthly assumptions for one use of one model."""

    model: str
    requests_per_month: Decimal
    input_tokens: Decimal  # per request
    output_tokens: Decimal  # per request
    name: str | None = None
    cached_ratio: Decimal = ZERO
    batch_ratio: Decimal = ZERO
    budget: Decimal | None = None
    budget_currency: str | None = None
    input_method: str = "given"  # how input_tokens was obtained
    output_method: str = "given"
    requests_per_day: Decimal | None = None
    days: Decimal | None = None
    origin: str | None = None  # "file, line N" for messages about this workload
    prompt: str | None = field(default=None, repr=False)  # text the input tokens were counted from
    output_sample: str | None = field(default=None, repr=False)  # text the output tokens were counted from
    cache_write_ratio: Decimal = ZERO  # share of input tokens written to an explicit cache
    thinking_ratio: Decimal = ZERO  # share of requests in thinking mode (output at the thinking price)
    off_peak_ratio: Decimal = ZERO  # share of requests sent in off-peak hours (time-of-day prices)

    def __init__(
        self,
        model: str,
        requests_per_month: Decimal,
        input_tokens: Decimal,
        output_tokens: Decimal,
        name: str | None = None,
        cached_ratio: Decimal = ZERO,
        batch_ratio: Decimal = ZERO,
        budget: Decimal | None = None,
        budget_currency: str | None = None,
        input_method: str = "given",
        output_method: str = "given",
        requests_per_day: Decimal | None = None,
        days: Decimal | None = None,
        origin: str | None = None,
        prompt: str | None = None,
        output_sample: str | None = None,
        cache_write_ratio: Decimal = ZERO,
        thinking_ratio: Decimal = ZERO,
        off_peak_ratio: Decimal = ZERO,
    ):
        # The generated __init__ of a frozen dataclass calls object.__setattr__ once per field: filling
        # __dict__ at once is 2x faster, per row of a workload file.  Same fields, order and defaults
        # (tests/test_fast_paths.py checks).
        self.__dict__.update(
            model=model,
            requests_per_month=requests_per_month,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            name=name,
            cached_ratio=cached_ratio,
            batch_ratio=batch_ratio,
            budget=budget,
            budget_currency=budget_currency,
            input_method=input_method,
            output_method=output_method,
            requests_per_day=requests_per_day,
            days=days,
            origin=origin,
            prompt=prompt,
            output_sample=output_sample,
            cache_write_ratio=cache_write_ratio,
            thinking_ratio=thinking_ratio,
            off_peak_ratio=off_peak_ratio,
        )


def check_number(
    value: Decimal,
    what: str,
    *,
    minimum: Decimal = ZERO,
    maximum: Decimal | None = None,
    whole: bool = False,
    error=UsageError,
) -> Decimal:
    """Range-check a user's number; ``error`` builds the exception (carrying file/line)."""
    if not value.is_finite():
        raise error(f"{what} must be a finite number, not {value}")
    if value < minimum:
        raise error(f"{what} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise error(f"{what} must be at most {maximum:,}, not {value:,}")
    if whole and value != value.to_integral_value():
        raise error(f"{what} must be a whole number, not {value}")
    return value


@dataclass(frozen=True)
class RequestNames:
    """What ``monthly_requests``' messages call the numbers: words for a file's rows, flags for the CLI."""

    per_day: str = "requests per day"
    per_month: str = "requests per month"
    days: str = "days"
    product: str = "requests per month"  # per_day × days


FLAG_NAMES = RequestNames("--requests-per-day", "--requests-per-month", "--days", "--requests-per-day × --days")


def monthly_requests(
    per_day: Decimal | None,
    per_month: Decimal | None,
    days: Decimal | None,
    *,
    error=UsageError,
    names: RequestNames = RequestNames(),
) -> Decimal:
    """requests_per_day × days (default 30), or requests_per_month; exactly one of the two."""
    if per_day is not None and per_month is not None:
        raise error(f"give {names.per_day} or {names.per_month}, not both")
    if per_day is None and per_month is None:
        raise error(f"give {names.per_day} or {names.per_month}")
    if per_month is not None:
        if days is not None:
            raise error(f"{names.days} only goes with {names.per_day}")
        return check_number(per_month, names.per_month, maximum=MAX_REQUESTS, error=error)
    assert per_day is not None  # one of the two is given (checked above)
    check_number(per_day, names.per_day, maximum=MAX_REQUESTS, error=error)
    days = (
        Decimal(30)
        if days is None
        else check_number(days, names.days, minimum=Decimal(1), maximum=Decimal(MAX_DAYS), error=error)
    )
    try:
        total = EXACT_CONTEXT.multiply(per_day, days)  # exact: the default context keeps only 28 digits
    except Inexact:
        raise error(f"{names.product}: too many significant digits to compute exactly (more than 60)") from None
    return check_number(total, names.product, maximum=MAX_REQUESTS, error=error)


def check_tokens(value: Decimal, what: str, *, error=UsageError) -> Decimal:
    return check_number(value, what, maximum=MAX_TOKENS, error=error)


def check_ratio(value: Decimal, what: str, *, error=UsageError) -> Decimal:
    return check_number(value, what, maximum=Decimal(1), error=error)
