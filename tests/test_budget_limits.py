"""--max-increase limits and budgets (llmcost/budget.py) at their edges, with hand-written expectations.

Among the tests the mutation run of budget.py is scored with (docs/testing.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from llmcost.budget import MAX_LIMIT, budget_amount, parse_limit
from llmcost.errors import UsageError
from llmcost.money import FxRate


@pytest.mark.parametrize(
    "limit, before, after, allowed",
    [
        ("10%", "0", "0", True),  # no change is always within, even from 0
        ("10%", "0", "0.01", False),  # from 0, any rise exceeds a relative limit
        ("10%", "1", "1.10", True),  # +10.0%
        ("10%", "1", "1.11", False),  # +11.0%
        ("10%", "1", "0.50", True),  # a fall
        ("10%", "100", "110.04", True),  # +10.04% is shown as +10.0%: within
        ("10%", "100", "110.05", False),  # +10.05% is shown as +10.1% (half up)
        ("5", "100", "105", True),  # an amount
        ("5", "100", "105.01", False),
        ("5", "0", "5", True),
        ("0", "3", "3", True),
    ],
)
def test_a_limit_is_decided_at_the_precision_shown(limit, before, after, allowed):
    assert parse_limit(limit, "--max-increase").allows(D(before), D(after)) is allowed


@pytest.mark.parametrize(
    "text, amount, relative",
    [("10%", "10", True), (" 12.5 % ", "12.5", True), ("1,000", "1000", False), ("+129.99", "129.99", False)],
)
def test_parse_limit(text, amount, relative):
    limit = parse_limit(text, "--max-increase")
    assert (limit.amount, limit.relative, limit.text) == (D(amount), relative, text.strip())


def test_the_largest_limit():
    assert parse_limit("1,000,000,000,000,000", "--x").amount == MAX_LIMIT
    with pytest.raises(UsageError) as caught:
        parse_limit("1000000000000001", "--x")
    assert caught.value.message == "--x: '1000000000000001' is too large (at most 1,000,000,000,000,000)"
    with pytest.raises(UsageError) as caught:
        parse_limit("1000000000000001%", "--x")
    assert caught.value.message == "--x: '1000000000000001%' is too large (at most 1,000,000,000,000,000%)"


@pytest.mark.parametrize("text", ["-5%", "1,5", "ten", "", "%", "1e3"])
def test_what_is_not_a_limit(text):
    with pytest.raises(UsageError) as caught:
        parse_limit(text, "--x")
    assert (caught.value.message, caught.value.hint) == (
        f"--x: {text!r} is not an allowed increase",
        "use a percentage such as 10% or an amount such as 500",
    )


def test_budget_in_the_other_currency_needs_a_rate():
    assert budget_amount(D(100), "USD", "CNY", FxRate(D("7.2"), date(2024, 6, 3), "x"), "--budget").value == D("720.0")
    with pytest.raises(UsageError) as caught:
        budget_amount(D(100), "USD", "CNY", None, "--budget")
    assert (caught.value.message, caught.value.hint) == (
        "--budget: the budget is in USD but the report is in CNY and there is no USD/CNY rate on the as-of date",
        "pass --rate",
    )
