"""budget.py: pure functions, against hand-computed numbers (see the comments)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest

from llmcost import budget
from llmcost.calculator import price_line
from llmcost.errors import InputError, UsageError
from llmcost.money import FxRate
from llmcost.workload import Workload

FX = FxRate(D("7.1"), date(2024, 1, 2), "https://example.com/fx/1")
AS_OF = date(2024, 6, 1)


def priced(book, name, model, requests, tin, tout, currency="CNY", **kw):
    w = Workload(
        model=model, requests_per_month=D(requests), input_tokens=D(tin), output_tokens=D(tout), name=name, **kw
    )
    return price_line(w, book.models[model], as_of=AS_OF, currency=currency, fx=FX)


# -- limits and budgets -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, amount, relative",
    [
        ("10%", D("10"), True),
        (" 12.5 % ", D("12.5"), True),
        ("500", D("500"), False),
        ("1,000", D("1000"), False),
        ("0", D("0"), False),
        ("+5%", D("5"), True),
        (".5", D("0.5"), False),
    ],
)
def test_parse_limit(text, amount, relative):
    limit = budget.parse_limit(text, "--max-increase")
    assert (limit.amount, limit.relative) == (amount, relative)


@pytest.mark.parametrize("text", ["", "%", "ten", "-5%", "-1", "10%%", "1e3", "nan", "inf", "10 percent"])
def test_parse_limit_refuses(text):
    with pytest.raises(UsageError, match=r"--max-increase: .* is not an allowed increase"):
        budget.parse_limit(text, "--max-increase")


@pytest.mark.parametrize("text", ["12.55%", "0.05%", "129.995", "0.001"])
def test_parse_limit_refuses_more_precision_than_a_report_shows(text):
    with pytest.raises(UsageError, match=r"--max-increase: .* is more precise than a report shows"):
        budget.parse_limit(text, "--max-increase")


def test_limit_allows():
    ten = budget.parse_limit("10%", "x")
    assert ten.allows(D("100"), D("110"))  # exactly 10% is allowed
    assert ten.allows(D("100"), D("110.04"))  # +10.04% is shown as +10.0%: decided at the precision shown
    assert not ten.allows(D("100"), D("110.05"))  # +10.05% is shown as +10.1%
    assert ten.allows(D("100"), D("50"))  # a fall always passes
    assert not ten.allows(D("0"), D("0.01"))  # any rise from 0 exceeds a percentage
    five_hundred = budget.parse_limit("500", "x")
    assert five_hundred.allows(D("1000"), D("1500")) and not five_hundred.allows(D("1000"), D("1500.01"))


def test_budget_in_usd_converted_at_the_pricing_rate():
    amount = budget.budget_amount(D("10"), "USD", "CNY", FX, "budget")
    assert (amount.given, amount.currency, amount.value) == (D("10"), "USD", D("71.0"))
    assert budget.budget_amount(D("71"), "CNY", "USD", FX, "b").value == D("10")
    assert budget.budget_amount(D("5"), None, "CNY", None, "b").value == D("5")  # no currency: report currency


def test_budget_in_another_currency_without_a_rate():
    with pytest.raises(UsageError, match=r"budget: the budget is in USD but the report is in CNY .*pass --rate"):
        budget.budget_amount(D("10"), "USD", "CNY", None, "budget")


def test_negative_budget():
    with pytest.raises(UsageError, match="cannot be negative"):
        budget.budget_amount(D("-1"), None, "CNY", FX, "--budget")


# -- evaluate -----------------------------------------------------------------------------


def test_evaluate_per_workload_and_total(book):
    lite = priced(book, "bot", "alpha-lite", 60000, 1500, 400, budget=D("50"))  # ¥41.40 of ¥50
    pro = priced(book, "sum", "alpha-pro", 100000, 2000, 500, budget=D("200"))  # 0.16 + 0.1 = 0.26 × 1000 = ¥260
    # beta-4o: 10,000 × (1,000 × $5 + 200 × $15) / 1M = $80 = ¥568 at 7.1; budget $10 = ¥71
    beta = priced(book, "asst", "beta-4o", 10000, 1000, 200, budget=D("10"), budget_currency="USD")
    v = budget.evaluate([lite, pro, beta], currency="CNY", fx=FX, total_budget=D("1000"))
    bot, summ, asst = v.checks
    assert (bot.estimate, bot.budget.value, bot.headroom, bot.used, bot.over_budget) == (
        D("41.4"),
        D("50"),
        D("8.6"),
        D("0.828"),
        False,
    )
    assert (summ.headroom, summ.used, summ.over_budget) == (D("-60"), D("1.3"), True)
    assert (asst.estimate, asst.budget.value, asst.headroom, asst.used) == (D("568.0"), D("71.0"), D("-497.0"), D("8"))
    assert (v.total, v.headroom, v.over_budget) == (D("869.4"), D("130.6"), False)
    assert v.used == D("0.8694")
    assert [(f.kind, f.name) for f in v.failures] == [("over_budget", "sum"), ("over_budget", "asst")]
    assert not v.passed


def test_estimate_equal_to_budget_passes(book):
    lite = priced(book, "bot", "alpha-lite", 60000, 1500, 400, budget=D("41.40"))
    v = budget.evaluate([lite], currency="CNY", fx=FX, total_budget=D("41.4"))
    assert v.passed and v.checks[0].headroom == 0 and v.used == 1


def test_zero_budget(book):
    free = priced(book, "free", "alpha-lite", 0, 10, 10, budget=D("0"))
    v = budget.evaluate([free], currency="CNY", fx=FX)
    assert v.passed and v.checks[0].used is None
    paid = priced(book, "paid", "alpha-lite", 1000, 10, 10, budget=D("0"))
    assert not budget.evaluate([paid], currency="CNY", fx=FX).passed


def test_total_over_budget(book):
    lite = priced(book, "bot", "alpha-lite", 60000, 1500, 400)
    v = budget.evaluate([lite], currency="CNY", fx=FX, total_budget=D("40"))
    assert [(f.kind, f.name) for f in v.failures] == [("over_budget", None)]
    assert v.headroom == D("-1.4")


# -- baselines ----------------------------------------------------------------------------


def report(lines, total, currency="CNY", **extra):
    return json.dumps(
        {
            "schema_version": 1,
            "currency": currency,
            "as_of": "2024-06-01",
            "price_book": "abc",
            "fx": {"usd_cny": "7.1", "date": "2024-01-02", "source": "s"},
            "lines": [{"name": n, "total": t} for n, t in lines],
            "total": total,
            **extra,
        }
    )


def test_parse_baseline():
    b = budget.parse_baseline(report([("a", "10.00"), ("b", "5.50")], "15.50"), "old.json")
    assert (b.currency, b.total, b.lines, b.as_of, b.price_book) == (
        "CNY",
        D("15.50"),
        {"a": D("10.00"), "b": D("5.50")},
        "2024-06-01",
        "abc",
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "old.json, line 1: not valid JSON: Expecting property name enclosed in double quotes"),
        ("[]", "old.json: not an llmcost baseline: the top level is not an object"),
        ('{"schema_version": 2}', "old.json: not an llmcost baseline: schema_version is 2, not 1"),
        ('{"schema_version": 1, "currency": "EUR"}', "currency is 'EUR', not CNY or USD"),
        ('{"schema_version": 1, "currency": "CNY"}', "no 'lines' list"),
        (
            '{"schema_version": 1, "currency": "CNY", "lines": [{"model": "x", "total": "1"}], "total": "1"}',
            "lines[0] has no workload 'name' (was it made with --workloads?)",
        ),
        (
            '{"schema_version": 1, "currency": "CNY", "lines": [{"name": "x", "total": 1.5}], "total": "1"}',
            "lines[0].total is 1.5, not an amount",
        ),
        ('{"schema_version": 1, "currency": "CNY", "lines": [], "total": "NaN"}', "total is 'NaN', not an amount"),
        (report([("a", "1"), ("a", "2")], "3"), "workload 'a' appears twice"),
    ],
)
def test_bad_baselines(text, message):
    with pytest.raises(InputError) as info:
        budget.parse_baseline(text, "old.json")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def compare(lines, total, base, **kw):
    kw.setdefault("currency", "CNY")
    return budget.compare(
        lines,
        D(total),
        base,
        as_of="2024-06-01",
        price_book="abc",
        fx={"usd_cny": "7.1", "date": "2024-01-02", "source": "s"},
        **kw,
    )


def test_compare_added_removed_changed():
    base = budget.parse_baseline(report([("a", "100.00"), ("b", "50.00"), ("gone", "20.00")], "170.00"), "old.json")
    # a: 100 → 125 (+25, +25%); b unchanged (50.004 rounds to 50.00); new: +30; gone: removed
    c = compare(
        [("a", D("125")), ("b", D("50.004")), ("new", D("30"))],
        "205.004",
        base,
        max_increase=budget.parse_limit("20%", "x"),
        max_increase_per_workload=budget.parse_limit("10%", "x"),
    )
    assert [(x.name, x.before, x.after, x.delta, x.ratio, x.limit_exceeded) for x in c.changed] == [
        ("a", D("100.00"), D("125.00"), D("25.00"), D("0.25"), True)
    ]
    assert [(x.name, x.after, x.limit_exceeded) for x in c.added] == [("new", D("30.00"), False)]
    assert [(x.name, x.before) for x in c.removed] == [("gone", D("20.00"))]
    assert [x.name for x in c.unchanged] == ["b"]
    # total 170 → 205.00: +35, +20.588…% > 20%
    assert (c.total.delta, c.total.limit_exceeded) == (D("35.00"), True)
    assert c.differences == ()


def test_compare_reports_different_prices_and_fx():
    base = budget.parse_baseline(
        report(
            [("a", "1.00")], "1.00", as_of="2024-05-01", price_book="old", fx={"usd_cny": "7.0", "date": "2023-12-01"}
        ),
        "old.json",
    )
    c = compare([("a", D("1"))], "1", base)
    assert c.differences == (
        ("prices as of", "2024-05-01", "2024-06-01"),
        ("price book", "old", "abc"),
        ("USD/CNY rate", "7.0 (2023-12-01)", "7.1 (2024-01-02)"),
    )


def test_compare_currency_mismatch():
    base = budget.parse_baseline(report([("a", "1.00")], "1.00", currency="USD"), "old.json")
    with pytest.raises(UsageError, match=r"--baseline old\.json is in USD but this check is in CNY"):
        compare([("a", D("1"))], "1", base)


def test_compare_duplicate_names():
    base = budget.parse_baseline(report([("a", "1.00")], "1.00"), "old.json")
    with pytest.raises(UsageError, match="'a' appears twice"):
        compare([("a", D("1")), ("a", D("2"))], "3", base)


def test_absolute_total_limit():
    base = budget.parse_baseline(report([("a", "1000.00")], "1000.00"), "old.json")
    limit = budget.parse_limit("500", "x")
    assert not compare([("a", D("1500"))], "1500", base, max_increase=limit).total.limit_exceeded
    assert compare(
        [("a", D("1500.01"))], "1500.01", base, max_increase=budget.parse_limit("500", "x")
    ).total.limit_exceeded
