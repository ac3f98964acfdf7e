"""The fields of a workload, as a CSV row or a YAML entry gives them, checked and made into a
:class:`~llmcost.workload.Workload`: the column names, the values each may take (numbers with
grouping, ratios, budgets with their currency, a prompt counted into input tokens), and the error
that names the file, line and column of a bad one.  The readers are in ``workload_files``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InputError, UsageError
from .money import GROUPING_HINT, parse_currency, ungroup
from .workload import (
    MAX_BUDGET,
    MAX_DAYS,
    MAX_REQUESTS,
    Workload,
    check_number,
    check_ratio,
    check_tokens,
    monthly_requests,
)

FIELDS = (
    "name",
    "model",
    "requests_per_day",
    "requests_per_month",
    "input_tokens",
    "prompt",
    "output_tokens",
    "days",
    "cached_ratio",
    "batch_ratio",
    "cache_write_ratio",
    "thinking_ratio",
    "off_peak_ratio",
    "budget",
    "currency",
)
#: Columns llmcost writes with --format csv; read back and ignored (they are recomputed).
OUTPUT_ONLY = (
    "provider",
    "input_cost",
    "output_cost",
    "free_quota",
    "discount",
    "total",
    "tier",
    "region",
    "price_effective",
    "source",
    "cached_input_cost",
    "headroom",
    "percent_used",
    "verdict",
    "as_of",
    "price_currency",
    "usd_cny",
)
MAX_FIELD_CHARS = 1_000_000  # a prompt cell can be a long document, not a runaway file
MAX_PROMPT_CHARS = MAX_FIELD_CHARS
MAX_LINE_CHARS = 4 * MAX_FIELD_CHARS  # one line of a CSV file (a quoted field may span several)

#: Counts a prompt's tokens for a model name: (tokens, how they were counted).
PromptCounter = Callable[[str, str], tuple[int, str]]


class _Refused(Exception):
    """A check (``check_number``, ``monthly_requests``) refused a value; ``build_workload`` re-raises
    it as ``error(message, column)``.  Saves building an error callback per value of every row."""


# How each number is range-checked: check(value, what, error=...) -> value (functions, not partials:
# a partial merges its keywords on every call).


def _check_requests(value: Decimal, what: str, *, error: Callable[[str], Exception]) -> Decimal:
    return check_number(value, what, maximum=MAX_REQUESTS, error=error)


def _check_days(value: Decimal, what: str, *, error: Callable[[str], Exception]) -> Decimal:
    return check_number(value, what, minimum=Decimal(1), maximum=Decimal(MAX_DAYS), error=error)


def _check_budget(value: Decimal, what: str, *, error: Callable[[str], Exception]) -> Decimal:
    return check_number(value, what, maximum=MAX_BUDGET, error=error)


def _number(text: Any, column: str, error: Callable[..., InputError]) -> Decimal:
    if isinstance(text, str) and "," not in text and "_" not in text:
        # The common case, a plain number.  Decimal() strips the same whitespace as str.strip()
        # (both use Unicode's White_Space) and ungroup() has nothing else to remove, so this is
        # Decimal(ungroup(text)) without the detour (tests/test_fast_paths.py proves they agree).
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise error(f"{text!r} is not a number", column) from None
    elif isinstance(text, bool):
        raise error(f"{text!r} is not a number", column)
    elif isinstance(text, (int, Decimal)):
        value = Decimal(text)
    else:
        cleaned = ungroup(str(text))
        if cleaned is None:
            raise error(f"{str(text)!r} is not a number ({GROUPING_HINT})", column)
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise error(f"{str(text)!r} is not a number", column) from None
    if not value.is_finite():
        raise error(f"{str(text)!r} is not a finite number", column)
    return value


def _checked(
    values: dict[str, Any], key: str, check: Callable[..., Decimal], error: Callable[..., InputError]
) -> Decimal | None:
    """The value in column ``key`` as a number that passed ``check``; None if the cell is empty."""
    raw = values.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = _number(raw, key, error)
    try:
        return check(value, key, error=_Refused)
    except _Refused as exc:
        raise error(str(exc), key) from None


def _required(
    values: dict[str, Any], key: str, check: Callable[..., Decimal], error: Callable[..., InputError]
) -> Decimal:
    """``_checked`` for a column that must have a value."""
    value = _checked(values, key, check, error)
    if value is None:
        raise error(f"missing value for {key}", key)
    return value


def _need(values: dict[str, Any], key: str, alternative: str, error: Callable[..., InputError]) -> None:
    """Exactly one of the two columns has a value."""
    has_key, has_alternative = _present(values.get(key)), _present(values.get(alternative))
    if not has_key and not has_alternative:
        raise error(f"missing value for {key} (or {alternative})", key)
    if has_key and has_alternative:
        raise error(f"give {key} or {alternative}, not both", alternative)


def build_workload(
    values: dict[str, Any],
    *,
    default_name: str,
    error: Callable[..., InputError],
    count_prompt: PromptCounter | None,
    origin: str | None = None,
) -> Workload:
    """Check one row's (or YAML entry's) values and build the Workload.

    ``error(message, column)`` builds the exception that names file, line and column.
    """
    model = str(values.get("model") or "").strip()
    if not model:
        raise error("missing value for model", "model")
    _need(values, "requests_per_day", "requests_per_month", error)
    _need(values, "input_tokens", "prompt", error)
    if not _present(values.get("output_tokens")):
        raise error("missing value for output_tokens", "output_tokens")

    per_day = _checked(values, "requests_per_day", _check_requests, error)
    per_month = _checked(values, "requests_per_month", _check_requests, error)
    days = _checked(values, "days", _check_days, error)
    try:
        requests = monthly_requests(per_day, per_month, days, error=_Refused)
    except _Refused as exc:
        message = str(exc)
        raise error(message, "days" if "days" in message else "requests_per_day") from None
    output_tokens = _required(values, "output_tokens", check_tokens, error)
    method = "given"
    text = None
    if _present(values.get("prompt")):
        if count_prompt is None:
            raise error("prompt text cannot be counted here", "prompt")
        text = str(values["prompt"])
        if len(text) > MAX_PROMPT_CHARS:
            raise error(f"prompt is longer than {MAX_PROMPT_CHARS:,} characters", "prompt")
        tokens, method = count_prompt(model, text)
        input_tokens = Decimal(tokens)
    else:
        input_tokens = _required(values, "input_tokens", check_tokens, error)
    budget = _checked(values, "budget", _check_budget, error)
    currency = None
    if _present(values.get("currency")):
        try:
            currency = parse_currency(str(values["currency"]))
        except UsageError as exc:
            raise error(str(exc), "currency") from None  # with its hint: which currencies
    name = values.get("name")
    name = str(name).strip() if _present(name) else default_name
    cached_ratio = _checked(values, "cached_ratio", check_ratio, error) or Decimal(0)
    cache_write_ratio = _checked(values, "cache_write_ratio", check_ratio, error) or Decimal(0)
    if cached_ratio + cache_write_ratio > 1:
        raise error(
            f"cached_ratio + cache_write_ratio must be at most 1 (shares of the same input tokens), not "
            f"{cached_ratio + cache_write_ratio}",
            "cache_write_ratio",
        )
    return Workload(
        model=model,
        requests_per_month=requests,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        name=name,
        cached_ratio=cached_ratio,
        batch_ratio=_checked(values, "batch_ratio", check_ratio, error) or Decimal(0),
        budget=budget,
        budget_currency=currency,
        input_method=method,
        requests_per_day=per_day,
        days=days,
        origin=origin,
        prompt=text,
        cache_write_ratio=cache_write_ratio,
        thinking_ratio=_checked(values, "thinking_ratio", check_ratio, error) or Decimal(0),
        off_peak_ratio=_checked(values, "off_peak_ratio", check_ratio, error) or Decimal(0),
    )


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
