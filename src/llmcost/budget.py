"""Budget checks: priced lines × budgets (× a baseline) → a verdict.  Pure functions, no I/O.

- A workload's own budget (``budget``/``currency`` in the workload file) and the total
  budget (``--budget`` in the report currency) are compared with the exact estimates.
  A budget in another currency is converted at the pricing rate (``FxRate.convert``).
  A workload budget without a currency is in the report currency.
- The verdict is taken at the precision the report shows: amounts to the fen/cent (half up),
  percentages to 0.1% (half up).  An estimate shown equal to its budget (¥60.00 of ¥60.00) is within
  it; only one shown larger is over.  Headroom and share used are computed from the shown amounts, so
  a reader can redo every figure by hand.  A limit more precise than that is refused.
- A baseline (the JSON of an earlier ``estimate --workloads`` or ``check``) holds amounts
  rounded to the fen/cent, so the comparison uses this run's amounts rounded the same
  way: checking the same commit twice gives a change of exactly 0.
- ``--max-increase`` limits the rise of the total; ``--max-increase-per-workload`` the
  rise of each workload present in both runs.  A new workload is reported as added and
  counts towards the total; it is not held to the per-workload limit.

Everything is Decimal; rounding for display happens in ``render``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from .calculator import Line
from .errors import InputError, UsageError
from .money import CONTEXT, SUM_CONTEXT, FxRate, exact_sum, round_money, round_to, ungroup

ZERO = Decimal(0)
HUNDRED = Decimal(100)


# -- inputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """A budget as the user gave it, and converted to the report currency."""

    given: Decimal
    currency: str
    value: Decimal  # in the report currency


@dataclass(frozen=True)
class Limit:
    """An allowed increase: ``10%`` (relative) or ``500`` (absolute, report currency)."""

    amount: Decimal
    relative: bool
    text: str

    def allows(self, before: Decimal, after: Decimal) -> bool:
        """At the precision shown: the amounts (already rounded to the fen/cent) and the percentage
        change rounded to 0.1%, half up (+10.04% is shown as +10.0% and is within 10%)."""
        delta = after - before
        if delta <= 0:
            return True
        if not self.relative:
            return delta <= self.amount
        if before <= 0:
            return False  # from 0, any rise exceeds a relative limit
        with localcontext(CONTEXT):
            return round_to(delta * HUNDRED / before, TENTH) <= self.amount


_LIMIT = re.compile(r"^\+?(\d+(\.\d*)?|\.\d+)$")
TENTH = Decimal("0.1")
MAX_LIMIT = Decimal(10) ** 15  # an increase limit, as an amount or a percentage
MAX_BASELINE_BYTES = 64 * 1024 * 1024  # a --baseline JSON report
MAX_BASELINE_AMOUNT = Decimal(10) ** 100  # far above any bill llmcost can write; keeps arithmetic finite
MIN_BASELINE_STEP = Decimal("1E-100")  # at most 100 digits after the point (llmcost writes 2)


def parse_limit(text: str, what: str) -> Limit:
    """``10%`` / ``12.5 %`` → relative; ``500`` / ``1,000`` → absolute.  Negative or not a number: UsageError."""
    raw = text.strip()
    relative = raw.endswith("%")
    number = ungroup(raw[:-1] if relative else raw) or ""  # None: commas that are not thousands separators
    if not _LIMIT.match(number):
        raise UsageError(
            f"{what}: {text!r} is not an allowed increase", hint="use a percentage such as 10% or an amount such as 500"
        )
    amount = Decimal(number)
    if amount > MAX_LIMIT:
        raise UsageError(f"{what}: {text!r} is too large (at most {MAX_LIMIT:,}{'%' if relative else ''})")
    places = 1 if relative else 2  # what a report shows: 0.1% and the fen/cent; the verdict is taken there
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise UsageError(
            f"{what}: {text!r} is more precise than a report shows",
            hint="give a percentage with at most one decimal (12.5%) or an amount with at most two (129.99)",
        )
    return Limit(amount, relative, raw)


def budget_amount(amount: Decimal, currency: str | None, report_currency: str, fx: FxRate | None, what: str) -> Amount:
    """A budget converted to the report currency at the pricing rate."""
    currency = currency or report_currency
    if amount < 0:
        raise UsageError(f"{what}: a budget cannot be negative, not {amount}")
    if currency == report_currency:
        return Amount(amount, currency, amount)
    if fx is None:
        raise UsageError(
            f"{what}: the budget is in {currency} but the report is in {report_currency} and "
            "there is no USD/CNY rate on the as-of date",
            hint="pass --rate",
        )
    return Amount(amount, currency, fx.convert(amount, currency, report_currency))


# -- baselines --------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """What an earlier report said: totals by workload name, and how it was priced."""

    source: str
    currency: str
    total: Decimal
    lines: dict[str, Decimal]
    as_of: str | None = None
    price_book: str | None = None
    fx: dict[str, Any] | None = None
    prices: dict[str, frozenset[str]] = field(default_factory=dict)  # model → price_text of its lines


def price_text(line: dict[str, Any]) -> str | None:
    """The price a report line was priced at, as one comparable string (None if the line has none):
    '0.0003/0.0006 CNY per 1K tokens in/out (effective 2024-05-15)'."""
    values = [line.get(k) for k in ("input_price", "output_price", "price_currency", "price_unit", "price_effective")]
    if not all(isinstance(v, str) for v in values):
        return None
    given, made, currency, unit, effective = values
    return f"{given}/{made} {currency} per {unit} tokens in/out (effective {effective})"


def _lone_surrogate(data: Any, where: str = "") -> str | None:
    """Where in decoded JSON a string (or key) holds half of a UTF-16 pair ("\\ud800"); None if nowhere."""
    stack = [(where or "the top level", data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return at
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return f"a key of {at}"
                stack.append((f"{at}.{key}" if at != "the top level" else key, item))
        elif isinstance(value, list):
            stack.extend((f"{at}[{i}]", item) for i, item in enumerate(value))
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_baseline(text: str, source: str) -> Baseline:
    """An llmcost JSON report (``estimate --workloads … -f json`` or ``check -f json``)."""

    def bad(message: str) -> InputError:
        return InputError(
            f"not an llmcost baseline: {message}",
            source=source,
            hint="use the output of 'llmcost estimate --workloads FILE -f json' or 'llmcost check -f json'",
        )

    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", source=source, line=exc.lineno) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", source=source) from None
    if ("\\ud" in text or "\\uD" in text) and (where := _lone_surrogate(data)) is not None:
        raise InputError(
            f"not valid JSON: {where} holds an escape that is not a character (a lone surrogate)", source=source
        )
    if not isinstance(data, dict):
        raise bad("the top level is not an object")
    version = data.get("schema_version")
    if version != 1 or isinstance(version, bool):  # `true` == 1 in Python
        raise bad(f"schema_version is {_shown(version)}, not 1")
    currency = data.get("currency")
    if currency not in ("CNY", "USD"):
        raise bad(f"currency is {_shown(currency)}, not CNY or USD")
    lines = data.get("lines")
    if not isinstance(lines, list):
        raise bad("no 'lines' list")
    totals: dict[str, Decimal] = {}
    prices: dict[str, set[str]] = {}
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or not isinstance(line.get("name"), str):
            raise bad(f"lines[{i}] has no workload 'name' (was it made with --workloads?)")
        name = line["name"]
        if name in totals:
            raise bad(f"workload {name!r} appears twice")
        totals[name] = _amount(line.get("total"), f"lines[{i}].total", bad)
        priced_at = price_text(line)
        if priced_at is not None and isinstance(line.get("model"), str):
            prices.setdefault(line["model"], set()).add(priced_at)
    fx = data.get("fx")
    return Baseline(
        source=source,
        currency=currency,
        total=_amount(data.get("total"), "total", bad),
        lines=totals,
        as_of=_str_or_none(data.get("as_of")),
        prices={model: frozenset(texts) for model, texts in prices.items()},
        price_book=_str_or_none(data.get("price_book")),
        fx=fx if isinstance(fx, dict) else None,
    )


def _amount(value: Any, what: str, bad: Any) -> Decimal:
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = None
        if (
            amount is not None
            and amount.is_finite()
            and abs(amount) <= MAX_BASELINE_AMOUNT
            and amount == amount.quantize(MIN_BASELINE_STEP, context=SUM_CONTEXT)  # 1E-999: a ratio overflows
        ):
            return amount
    raise bad(f'{what} is {_shown(value)}, not an amount such as "12.34"')


def _shown(value: Any) -> str:
    """A JSON value as the user wrote it: 2 and 1.5 for numbers (read as Decimal), 'text' for strings,
    true, false and null."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return str(value) if isinstance(value, Decimal) else repr(value)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One workload (or the total) against the baseline."""

    name: str
    status: str  # added, removed, changed, unchanged
    before: Decimal | None
    after: Decimal | None
    delta: Decimal
    ratio: Decimal | None  # delta / before; None when before is 0 or missing
    limit_exceeded: bool = False


@dataclass(frozen=True)
class LineCheck:
    line: Line | None  # None for a workload only in the baseline
    name: str
    estimate: Decimal
    budget: Amount | None
    headroom: Decimal | None
    used: Decimal | None  # estimate / budget; None without a budget or with a budget of 0
    over_budget: bool
    change: Change | None = None

    @property
    def failed(self) -> bool:
        return self.over_budget or (self.change is not None and self.change.limit_exceeded)


@dataclass(frozen=True)
class Comparison:
    baseline: Baseline
    total: Change
    added: tuple[Change, ...]
    removed: tuple[Change, ...]
    changed: tuple[Change, ...]
    unchanged: tuple[Change, ...]
    max_increase: Limit | None
    max_increase_per_workload: Limit | None
    differences: tuple[tuple[str, str | None, str | None], ...]  # (what, baseline, this run)


@dataclass(frozen=True)
class Failure:
    """What failed: ``over_budget`` or ``over_increase``, of a workload (``name``) or the total (None)."""

    kind: str
    name: str | None


@dataclass(frozen=True)
class Verdict:
    currency: str
    checks: tuple[LineCheck, ...]
    total: Decimal
    budget: Amount | None
    headroom: Decimal | None
    used: Decimal | None
    over_budget: bool
    comparison: Comparison | None = None
    failures: tuple[Failure, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def budgeted(self) -> list[LineCheck]:
        return [c for c in self.checks if c.budget is not None]


def _usage(estimate: Decimal, budget: Amount | None) -> tuple[Decimal | None, Decimal | None, bool]:
    """headroom, share used, over? — from the amounts as shown (rounded to the fen/cent), so that
    ¥60.004 of a ¥60 budget is ¥60.00 of ¥60.00: within it, ¥0.00 headroom, 100.0% used."""
    if budget is None:
        return None, None, False
    shown, limit = round_money(estimate), round_money(budget.value)
    with localcontext(CONTEXT):
        headroom = limit - shown
        used = shown / limit if limit else None
    return headroom, used, shown > limit


def _change(name: str, before: Decimal | None, after: Decimal | None, limit: Limit | None) -> Change:
    with localcontext(CONTEXT):
        b, a = before or ZERO, after or ZERO
        delta = SUM_CONTEXT.subtract(a, b)  # exact: a baseline's 10^100 minus 301.40 needs 103 digits
        ratio = delta / b if b else None
    if before is None:
        status = "added"
    elif after is None:
        status = "removed"
    else:
        status = "changed" if delta else "unchanged"
    exceeded = limit is not None and not limit.allows(b, a)
    return Change(name, status, before, after, delta, ratio, exceeded)


def compare(
    lines: Iterable[tuple[str, Decimal]],
    total: Decimal,
    baseline: Baseline,
    *,
    currency: str,
    as_of: str,
    price_book: str,
    fx: dict[str, Any] | None,
    max_increase: Limit | None = None,
    max_increase_per_workload: Limit | None = None,
    prices: Mapping[str, Iterable[str]] | None = None,
) -> Comparison:
    """This run's (name, exact total) pairs against a baseline, at the baseline's precision.

    ``prices`` (model → the ``price_text`` of this run's lines on it): a model priced in both
    runs at a different price is reported in ``differences`` as ``price of MODEL``."""
    if baseline.currency != currency:
        raise UsageError(
            f"--baseline {baseline.source} is in {baseline.currency} but this check is in {currency}",
            hint=f"run the check with --currency {baseline.currency}",
        )
    current: dict[str, Decimal] = {}
    for name, amount in lines:
        if name in current:
            raise UsageError(f"workload name {name!r} appears twice; names must be unique to compare with a baseline")
        current[name] = round_money(amount)
    added, changed, unchanged = [], [], []
    for name, after in current.items():
        before = baseline.lines.get(name)
        c = _change(name, before, after, max_increase_per_workload if before is not None else None)
        if c.status == "added":
            added.append(c)
        elif c.status == "changed":
            changed.append(c)
        else:
            unchanged.append(c)
    removed = [_change(name, before, None, None) for name, before in baseline.lines.items() if name not in current]
    differences = []
    for what, theirs, ours in (
        ("prices as of", baseline.as_of, as_of),
        ("price book", baseline.price_book, price_book),
        ("USD/CNY rate", _fx_text(baseline.fx), _fx_text(fx)),
    ):
        if theirs != ours:
            differences.append((what, theirs, ours))
    for model, texts in sorted((prices or {}).items()):
        theirs_set, ours_set = baseline.prices.get(model), frozenset(texts)
        if theirs_set is not None and ours_set and theirs_set != ours_set:
            differences.append((f"price of {model}", "; ".join(sorted(theirs_set)), "; ".join(sorted(ours_set))))
    return Comparison(
        baseline,
        _change("total", baseline.total, round_money(total), max_increase),
        tuple(added),
        tuple(removed),
        tuple(changed),
        tuple(unchanged),
        max_increase,
        max_increase_per_workload,
        tuple(differences),
    )


def _fx_text(fx: dict[str, Any] | None) -> str | None:
    if not fx:
        return None
    return f"{fx.get('usd_cny')} ({fx.get('date') or 'given with --rate'})"


def evaluate(
    lines: list[Line],
    *,
    currency: str,
    fx: FxRate | None,
    total_budget: Decimal | None = None,
    comparison: Comparison | None = None,
) -> Verdict:
    """Each line against its own budget, the total against ``total_budget`` (report currency),
    and the baseline comparison's limits.  ``failures`` lists what failed, in order."""

    changes = {}
    if comparison is not None:
        changes = {c.name: c for c in comparison.changed + comparison.added + comparison.unchanged}
    checks = []
    total = exact_sum(line.total for line in lines)
    for line in lines:
        w = line.workload
        name = w.name or line.model.id
        budget = None
        if w.budget is not None:
            budget = budget_amount(w.budget, w.budget_currency, currency, fx, f"{w.origin or name}: budget")
        headroom, used, over = _usage(line.total, budget)
        checks.append(LineCheck(line, name, line.total, budget, headroom, used, over, changes.get(name)))
    if comparison is not None:
        checks += [LineCheck(None, c.name, ZERO, None, None, None, False, c) for c in comparison.removed]
    budget = budget_amount(total_budget, currency, currency, fx, "--budget") if total_budget is not None else None
    headroom, used, over = _usage(total, budget)

    failures: list[Failure] = []
    for c in checks:
        if c.over_budget:
            failures.append(Failure("over_budget", c.name))
        if c.change is not None and c.change.limit_exceeded:
            failures.append(Failure("over_increase", c.name))
    if over:
        failures.append(Failure("over_budget", None))
    if comparison is not None and comparison.total.limit_exceeded:
        failures.append(Failure("over_increase", None))
    return Verdict(currency, tuple(checks), total, budget, headroom, used, over, comparison, tuple(failures))
