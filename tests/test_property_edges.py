"""Properties at the edges the first property tests never reached (issue 18).

tests/test_properties.py draws ``--as-of`` dates from 2025-2027, where every price and exchange rate of
the test book is the same, so a wrong date comparison or a stale rate could not fail it; and no drawn
total ended in exactly half a fen, so half-even rounding passed for half-up.  Here:

1. ``--as-of`` is drawn around every date the test book changes on (a price's ``effective``, an
   exchange rate's ``date``): the day before, the day itself and the day after, and anywhere from
   2023 to 2026.  The bill, through the CLI, is the exact rational bill of the entry and the rate in
   force that day, found here from the YAML files themselves, rounded once, half up; before a
   model's first price, or before the first rate when one is needed, it is refused (exit 2).
2. Totals that end in exactly half a fen (k × 0.01 + 0.005, also through a USD→CNY rate) are shown
   rounded up, in every format.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import yaml
from conftest import BOOK, run, warm_tokenizers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llmcost import book as prices

EXAMPLES = int(os.environ.get("LLMCOST_PROPERTY_EXAMPLES", "200")) // 2
SETTINGS = settings(
    max_examples=max(EXAMPLES, 20),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _raw(name: str) -> dict:
    return yaml.safe_load((BOOK / name).read_text(encoding="utf-8"))


#: The test book as written (not as llmcost reads it): model id → currency, and its dated prices.
RAW_MODELS = {m["id"]: m for name in ("alpha.yaml", "beta.yaml") for m in _raw(name)["models"]}
RAW_RATES = sorted((date.fromisoformat(r["date"]), Fraction(r["usd_cny"])) for r in _raw("fx.yaml")["rates"])
FLAT = [model_id for model_id, m in RAW_MODELS.items() if all("tiers" not in p for p in m["prices"])]
CHANGES = sorted(
    {date.fromisoformat(p["effective"]) for m in RAW_MODELS.values() for p in m["prices"]}
    | {when for when, _ in RAW_RATES}
)
UNIT = {"1K": 1000, "1M": 1_000_000}

edge_dates = st.one_of(
    st.builds(lambda day, shift: day + timedelta(days=shift), st.sampled_from(CHANGES), st.sampled_from([-1, 0, 1])),
    st.dates(min_value=date(2023, 6, 1), max_value=date(2026, 12, 31)),
)


@pytest.fixture(scope="module", autouse=True)
def _warm_tokenizers():
    warm_tokenizers(prices.load_only(BOOK))


def half_up(amount: Fraction) -> str:
    """``amount`` to the hundredth, half away from zero, as text: written out, not Decimal's rounding."""
    cents = amount * 100
    whole = int(abs(cents) + Fraction(1, 2))  # floor(|x| + 1/2): .5 goes up
    sign = "-" if cents < 0 and whole else ""
    return f"{sign}{whole // 100}.{whole % 100:02d}"


def entry_on(model_id: str, day: date) -> dict | None:
    """The model's price in force on ``day``: the latest effective on or before it."""
    entries = [p for p in RAW_MODELS[model_id]["prices"] if date.fromisoformat(p["effective"]) <= day]
    return max(entries, key=lambda p: p["effective"]) if entries else None


def rate_on(day: date) -> Fraction | None:
    rates = [rate for when, rate in RAW_RATES if when <= day]
    return rates[-1] if rates else None


def expected_bill(model_id: str, requests: int, tin: int, tout: int, day: date, currency: str):
    """(exit code, total text) of one flat workload, from the YAML files and the README's rules."""
    entry = entry_on(model_id, day)
    if entry is None:
        return 2, None
    per = UNIT[entry["unit"]]
    exact = Fraction(requests) * (tin * Fraction(entry["input"]) + tout * Fraction(entry["output"])) / per
    model_currency = RAW_MODELS[model_id]["currency"]
    if model_currency != currency:
        rate = rate_on(day)
        if rate is None:
            return 2, None
        exact = exact * rate if model_currency == "USD" else exact / rate
    return 0, exact


def estimate(model_id: str, requests: int, tin: int, tout: int, day: date, currency: str, fmt: str = "json"):
    return run(
        "estimate",
        "-m",
        model_id,
        "--requests-per-month",
        str(requests),
        "--input-tokens",
        str(tin),
        "--output-tokens",
        str(tout),
        "--as-of",
        day.isoformat(),
        "--currency",
        currency,
        "-f",
        fmt,
    )


@SETTINGS
@given(
    model_id=st.sampled_from(FLAT),
    requests=st.integers(0, 10**7),
    tin=st.integers(0, 8000),
    tout=st.integers(0, 8000),
    day=edge_dates,
    currency=st.sampled_from(["CNY", "USD"]),
)
@example(model_id="alpha-lite", requests=60000, tin=1500, tout=400, day=date(2024, 5, 15), currency="CNY")  # the cut
@example(model_id="alpha-lite", requests=60000, tin=1500, tout=400, day=date(2024, 5, 14), currency="CNY")
@example(model_id="beta-4o", requests=1000, tin=1000, tout=1000, day=date(2024, 6, 3), currency="CNY")  # new rate
@example(model_id="beta-4o", requests=1000, tin=1000, tout=1000, day=date(2024, 6, 2), currency="CNY")
@example(model_id="alpha-lite", requests=1000, tin=1000, tout=1000, day=date(2024, 1, 1), currency="USD")  # no rate yet
@example(model_id="beta-4o", requests=1000, tin=1000, tout=1000, day=date(2024, 10, 2), currency="USD")
def test_the_bill_uses_the_price_and_the_rate_in_force_that_day(model_id, requests, tin, tout, day, currency):
    code, exact = expected_bill(model_id, requests, tin, tout, day, currency)
    r = estimate(model_id, requests, tin, tout, day, currency)
    assert r.code == code, (r.err, code)
    if code:
        assert r.out == "" and r.err.count("\n") == 1
        assert "no price on or before" in r.err or "no USD/CNY rate on or before" in r.err, r.err
        return
    report = json.loads(r.out)
    (line,) = report["lines"]
    assert line["price_effective"] == entry_on(model_id, day)["effective"]
    assert line["total"] == half_up(exact)
    assert report["total"] == half_up(exact)
    if RAW_MODELS[model_id]["currency"] != currency:
        assert Fraction(report["fx"]["usd_cny"]) == rate_on(day)


# -- totals that end in exactly half a fen ------------------------------------------------------

#: (model, input tokens per request, the day): k requests cost exactly k × 0.005 in the model's currency.
#: alpha-pro: 6,250 tokens × ¥0.8/M = ¥0.005; beta-4o: 2,000 tokens × $2.5/M = $0.005.
HALF = {"alpha-pro": (6250, date(2024, 6, 1)), "beta-4o": (2000, date(2024, 10, 2))}


@SETTINGS
@given(
    model_id=st.sampled_from(sorted(HALF)),
    k=st.integers(0, 10**6).map(lambda n: 2 * n + 1),
    fmt=st.sampled_from(["json", "csv", "jsonl", "table"]),
)
@example(model_id="alpha-pro", k=5, fmt="json")  # ¥0.025: half-even says 0.02, half-up 0.03
@example(model_id="beta-4o", k=469, fmt="csv")  # $2.345
def test_a_total_ending_in_half_a_fen_is_rounded_up(model_id, k, fmt):
    tin, day = HALF[model_id]
    currency = RAW_MODELS[model_id]["currency"]
    exact = Fraction(k * 5, 1000)
    assert exact * 100 % 1 == Fraction(1, 2)  # exactly half a fen (a cent) over
    r = estimate(model_id, k, tin, 0, day, currency, fmt)
    assert r.code == 0, r.err
    shown = half_up(exact)
    assert Decimal(shown) > Decimal(k) * Decimal("0.005")  # up, never down
    if fmt == "json":
        assert (json.loads(r.out)["lines"][0]["total"], json.loads(r.out)["total"]) == (shown, shown)
    elif fmt == "jsonl":
        records = [json.loads(line) for line in r.out.splitlines()]
        assert records[-1]["total"] == shown
    elif fmt == "csv":
        header, row = (line.split(",") for line in r.out.splitlines()[:2])
        assert row[header.index("total")] == shown
    else:
        sign = "¥" if currency == "CNY" else "$"
        assert f"{sign}{Decimal(shown):,.2f}" in r.out


@SETTINGS
@given(k=st.integers(0, 10**5))
@example(k=100)  # ¥0.355 -> ¥0.36 (half-even: ¥0.36 too); see the next
@example(k=300)  # ¥1.065 -> ¥1.07 (half-even: ¥1.06)
def test_half_a_fen_after_conversion_is_rounded_up(k):
    """beta-4o at its launch price, $5/M input: 100 tokens are $0.0005 a request, and at 7.1 CNY/USD
    (the rate from 2024-01-02 to 2024-06-02) ¥0.00355: k = 100, 300, 500, … requests end in half a fen."""
    day = date(2024, 5, 20)
    r = estimate("beta-4o", k, 100, 0, day, "CNY")
    exact = Fraction(k) * 100 * 5 / 1_000_000 * Fraction("7.1")
    assert r.code == 0, r.err
    assert json.loads(r.out)["total"] == half_up(exact)
