"""The calculator's schema-2 dimensions against hand-computed bills, on tests/data/book_v2.

Time-of-day prices, cache writes, thinking-mode output, output-length bands, batch without a
batch price, free quotas, and the notes every line carries (a shutdown, an announced price, a book
not checked for a while).  The arithmetic of each expected value is in the comments; these are the
tests the mutation run of calculator.py is scored with (docs/testing.md), so each one pins a term
of the formula that no other test isolates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from conftest import DATA

from llmcost import book as prices
from llmcost.calculator import (
    NO_BATCH_PRICE,
    NO_CACHE_PRICE,
    Bill,
    CannotServe,
    Skipped,
    band_label,
    model_notes,
    price_line,
)
from llmcost.money import FxRate
from llmcost.workload import Workload

V2 = prices.load_only(DATA / "book_v2")
V1 = prices.load_only(DATA / "book")
RATE = FxRate(D("7.2"), None, "--rate")
PEAK = "peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn holidays off-peak)"


def w(model, requests, tin, tout, **kw):
    return Workload(model=model, requests_per_month=D(requests), input_tokens=D(tin), output_tokens=D(tout), **kw)


def line(workload, as_of="2026-09-01", book=V2, currency="CNY", model=None, **kw):
    return price_line(
        workload,
        model or book.models[workload.model],
        as_of=date.fromisoformat(as_of),
        currency=currency,
        fx=RATE,
        **kw,
    )


def parts(result):
    return result.input_cost, result.cached_input_cost, result.output_cost, result.total


# -- time of day ------------------------------------------------------------------------------


def test_off_peak_share_with_cache_hits():
    # 2026-08-17 entry: peak listed 8 / 24, cached 0.2; off-peak 4 / 12, cached 0.1 (per 1M).
    # 1,000 requests × 1,000 in × 1,000 out; 25% off-peak → 750 at peak, 250 off-peak; half the input cached.
    # cached: 750k × 0.5 × 0.2 = 0.075 + 250k × 0.5 × 0.1 = 0.0125 → 0.0875
    # input:  750k × 0.5 × 8 = 3 + 0.075, 250k × 0.5 × 4 = 0.5 + 0.0125 → 3.5875
    # output: 750k × 24 = 18 + 250k × 12 = 3 → 21
    result = line(w("gamma-tod", 1000, 1000, 1000, cached_ratio=D("0.5"), off_peak_ratio=D("0.25")))
    assert parts(result) == (D("3.5875"), D("0.0875"), D("21"), D("24.5875"))
    assert result.notes == (f"25% of requests at off-peak prices ({PEAK})",)


def test_every_request_at_the_peak_price_says_so():
    result = line(w("gamma-tod", 1000, 1000, 1000))  # 1M × 8 + 1M × 24
    assert parts(result) == (D("8"), D("0"), D("24"), D("32"))
    assert result.notes == (
        f"peak price for every request ({PEAK}); give --off-peak-ratio for the share sent off-peak",
    )


def test_off_peak_hours_listed_as_such_price_the_rest_at_the_standard_price():
    # 2025 entry: listed 4 / 16 every hour except the off-peak 00:30-08:30 window (2 / 8)
    result = line(w("gamma-tod", 1000, 1000, 1000), as_of="2025-06-01")
    assert parts(result) == (D("4"), D("0"), D("16"), D("20"))
    assert result.notes == (
        "standard price for every request; off-peak prices apply daily 00:30-08:30 (UTC+08:00) (give --off-peak-ratio)",
    )
    all_off = line(w("gamma-tod", 1000, 1000, 1000, off_peak_ratio=D(1)), as_of="2025-06-01")
    assert parts(all_off) == (D("2"), D("0"), D("8"), D("10"))
    assert all_off.notes == ("100% of requests at off-peak prices (off-peak daily 00:30-08:30 (UTC+08:00))",)


def test_off_peak_ratio_is_ignored_without_time_of_day_prices():
    result = line(w("gamma-write", 1000, 1000, 1000, off_peak_ratio=D("0.5")))  # 1 + 4
    assert parts(result) == (D("1"), D("0"), D("4"), D("5"))
    assert result.notes == ()


# -- cache writes ------------------------------------------------------------------------------


def test_cache_writes_hits_and_the_rest():
    # 1,000 × 1,000 input tokens = 1M: 50% at 1, 20% hits at 0.1, 30% written at 1.25
    # → 0.5 + 0.02 + 0.375 = 0.895 input (0.02 of it cached); 1M out × 4 = 4
    result = line(w("gamma-write", 1000, 1000, 1000, cached_ratio=D("0.2"), cache_write_ratio=D("0.3")))
    assert parts(result) == (D("0.895"), D("0.02"), D("4"), D("4.895"))


def test_a_cache_write_without_a_write_price_costs_the_input_price():
    # gamma-tod 2026 peak: 1M input, 40% written at the input price 8 → 8 × 0.6 + 8 × 0.4 = 8
    result = line(w("gamma-tod", 1000, 1000, 0, cache_write_ratio=D("0.4")))
    assert parts(result)[:1] == (D("8"),)
    # and with a quarter off-peak: 750k at 8 and 250k at 4 → 6 + 1 = 7, writes included
    quarter = line(w("gamma-tod", 1000, 1000, 0, cache_write_ratio=D("0.4"), off_peak_ratio=D("0.25")))
    assert quarter.input_cost == D("7")


# -- thinking mode -----------------------------------------------------------------------------


def test_thinking_share_of_the_output_at_the_reasoning_price():
    # 1M output tokens: 75% at 2 + 25% at 8 → 3.5; 1M input × 1 → 1
    result = line(w("gamma-think", 1000, 1000, 1000, thinking_ratio=D("0.25")))
    assert parts(result) == (D("1"), D("0"), D("3.5"), D("4.5"))
    assert result.notes == ("25% of requests in thinking mode, their output at the thinking-mode price",)


def test_thinking_on_a_model_without_a_thinking_price():
    result = line(w("gamma-write", 1000, 1000, 1000, thinking_ratio=D("0.25")))  # 1 + 4, no note
    assert parts(result) == (D("1"), D("0"), D("4"), D("5"))
    assert result.notes == ()


def test_thinking_and_batch_together():
    # gamma-think has no batch price: 40% of the 1,000 requests in batch at the standard prices
    # output: batch 400k × 2 = 0.8; standard 600k × (0.5 × 2 + 0.5 × 8 = 5) = 3 → 3.8; input 1M × 1 = 1
    result = line(w("gamma-think", 1000, 1000, 1000, thinking_ratio=D("0.5"), batch_ratio=D("0.4")))
    assert parts(result) == (D("1"), D("0"), D("3.8"), D("4.8"))
    assert NO_BATCH_PRICE in result.notes


# -- output-length bands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tin, tout, output_cost, tier",
    [
        (1000, 200, D("0.4"), "≤32K in, ≤200 out"),  # 1,000 × 200 out × 2
        (1000, 201, D("1.608"), "≤32K in, >200 out"),  # 1,000 × 201 × 8
        (32000, 200, D("0.4"), "≤32K in, ≤200 out"),
        (32001, 200, D("3.2"), "32K-128K"),  # 1,000 × 200 × 16
    ],
)
def test_output_length_bands(tin, tout, output_cost, tier):
    result = line(w("gamma-out", 1000, tin, tout))
    assert (result.output_cost, result.tier) == (output_cost, tier)


# -- context window, batch, free quota ----------------------------------------------------------


def test_a_request_as_long_as_the_context_window_is_served():
    window = V1.models["alpha-lite"].context_window  # 32,768
    assert line(w("alpha-lite", 1, window, 0), as_of="2024-06-01", book=V1).input_cost == D("0.0098304")
    with pytest.raises(CannotServe) as caught:
        line(w("alpha-lite", 1, window + 1, 0), as_of="2024-06-01", book=V1)
    assert str(caught.value) == "alpha-lite cannot serve 32769 input tokens per request (context window 32768)"


def _band(model_id: str, **changes):
    model = V1.models[model_id]
    entry = model.prices[-1]
    entry = replace(entry, bands=(replace(entry.bands[0], **changes),))
    return replace(model, prices=(*model.prices[:-1], entry))


@pytest.mark.parametrize("ratio", [D("0.5"), D(1)])
def test_no_batch_price_on_either_side_is_noted(ratio):
    # alpha-pro publishes both; without one of them the batch share pays the standard price of that side
    no_input = _band("alpha-pro", batch_input=None)
    no_output = _band("alpha-pro", batch_output=None)
    for model in (no_input, no_output):
        result = line(w("alpha-pro", 1000, 1000, 1000, batch_ratio=ratio), as_of="2024-06-01", book=V1, model=model)
        assert NO_BATCH_PRICE in result.notes
    both = line(w("alpha-pro", 1000, 1000, 1000, batch_ratio=ratio), as_of="2024-06-01", book=V1)
    assert NO_BATCH_PRICE not in both.notes
    # 1M in at 0.4 in batch vs 0.8 standard; 1M out at 1 vs 2 (the whole month in batch)
    if ratio == 1:
        assert line(
            w("alpha-pro", 1000, 1000, 1000, batch_ratio=ratio), as_of="2024-06-01", book=V1, model=no_input
        ).total == D("0.8") + D("1")
        assert line(
            w("alpha-pro", 1000, 1000, 1000, batch_ratio=ratio), as_of="2024-06-01", book=V1, model=no_output
        ).total == D("0.4") + D("2")


def test_no_cache_price_is_noted_only_when_something_is_cached():
    no_cache = _band("alpha-pro", cached_input=None)
    cached = line(w("alpha-pro", 1000, 1000, 0, cached_ratio=D("0.5")), as_of="2024-06-01", book=V1, model=no_cache)
    assert cached.notes == (NO_CACHE_PRICE,) and cached.input_cost == D("0.8")
    plain = line(w("alpha-pro", 1000, 1000, 0), as_of="2024-06-01", book=V1, model=no_cache)
    assert plain.notes == ()


@pytest.mark.parametrize("period, text", [("once", "once, first month only"), ("month", "every month")])
def test_free_quota_note_names_its_period(period, text):
    model = V1.models["alpha-pro"]
    entry = replace(model.prices[-1], free_quota=replace(model.prices[-1].free_quota, period=period))
    model = replace(model, prices=(entry,))
    # 1,000 × 1,000 in + 1,000 × 1,000 out = 2M tokens; 500,000 free = a quarter of 0.8 + 2 → -0.7
    result = line(w("alpha-pro", 1000, 1000, 1000), as_of="2024-06-01", book=V1, model=model, free_quota=True)
    assert (result.free_quota, result.total) == (D("-0.7"), D("2.1"))
    assert result.notes == (f"free quota of 500,000 tokens ({text}) applied",)


def test_free_quota_on_an_empty_month_credits_nothing():
    result = line(w("alpha-pro", 0, 1000, 1000), as_of="2024-06-01", book=V1, free_quota=True)
    assert (result.free_quota, result.total) == (D(0), D(0))
    assert result.notes == ()
    one = line(w("alpha-pro", 1, 0, 1), as_of="2024-06-01", book=V1, free_quota=True)  # 1 token: all free
    assert (one.free_quota, one.total) == (D("-0.000002"), D(0))


def test_the_line_keeps_its_discount_rate_and_the_bill_its_rate():
    result = line(w("alpha-pro", 1000, 1000, 1000), as_of="2024-06-01", book=V1, discount=D("0.1"))
    assert result.discount_rate == D("0.1") and result.discount == D("-0.28")
    bill = Bill.of("CNY", date(2024, 6, 1), RATE, [result])
    assert (bill.fx, bill.total) == (RATE, D("2.52"))


def test_a_graduated_request_exactly_at_a_band_edge():
    # alpha-grad: the first 32,000 input tokens at 0.8, the rest at 1.2; at exactly 32,000 only band 1
    at_edge = line(w("alpha-grad", 1000, 32000, 0), as_of="2025-06-01", book=V1)
    assert (at_edge.input_cost, at_edge.tier) == (D("25.6"), "graduated ≤32K")
    past = line(w("alpha-grad", 1000, 32001, 0), as_of="2025-06-01", book=V1)
    assert past.input_cost == D("25.6012")  # + 1,000 × 1 × 1.2 / 1M


# -- the notes every line of a model carries ----------------------------------------------------


def test_a_deprecated_model_names_its_shutdown_announcement_and_successor():
    model = V2.models["gamma-dep"]
    result = line(w("gamma-dep", 1, 1, 1))
    note = "deprecated: shuts down on 2027-01-14 (announced 2026-10-14); successor gamma-tod"
    assert result.notes == (note,)
    bare = replace(model, successor=None, deprecated=replace(model.deprecated, announced=None))
    assert model_notes(bare, model.prices[-1], date(2026, 9, 1)) == ("deprecated: shuts down on 2027-01-14",)


def test_an_announced_price_says_when_it_was_announced():
    model = V2.models["gamma-future"]
    entry = model.price_at(date(2027, 1, 1))
    assert model_notes(model, entry, date(2027, 1, 1)) == (
        "announced price (announced 2026-10-01, in force from 2027-01-01)",
    )
    assert model_notes(model, model.price_at(date(2026, 12, 31)), date(2026, 12, 31)) == ()


def test_a_book_not_checked_for_more_than_90_days_says_so():
    # gamma's prices were checked on 2026-11-01: 90 days later is 2027-01-30
    model = V2.models["gamma-write"]
    entry = model.prices[-1]
    assert model_notes(model, entry, date(2027, 1, 30)) == ()
    assert model_notes(model, entry, date(2027, 1, 31)) == (
        "gamma prices last checked on 2026-11-01, 91 days before 2027-01-31",
    )
    result = line(w("gamma-write", 1, 1, 1), as_of="2027-01-31")
    assert result.notes == ("gamma prices last checked on 2026-11-01, 91 days before 2027-01-31",)


def test_static_notes_given_by_the_caller_replace_the_computed_ones():
    result = line(w("gamma-write", 1, 1, 1), as_of="2027-01-31", static_notes=("given",))
    assert result.notes == ("given",)


# -- what a line and a bill carry ------------------------------------------------------------


def test_a_line_carries_its_workload_model_requests_and_no_tier_when_flat():
    workload = w("alpha-pro", 1000, 1000, 1000)
    result = line(workload, as_of="2024-06-01", book=V1)
    assert (result.workload, result.model, result.requests, result.tier) == (
        workload,
        V1.models["alpha-pro"],
        D(1000),
        None,
    )
    assert result.entry == V1.models["alpha-pro"].prices[-1]


def test_a_bill_carries_what_it_was_made_of():
    first = line(w("alpha-pro", 1000, 1000, 1000), as_of="2024-06-01", book=V1)
    second = line(w("alpha-lite", 1000, 1000, 1000), as_of="2024-06-01", book=V1)  # 1M × 0.0003/1K + 1M × 0.0006/1K
    skipped = [Skipped(w("beta-4o", 1, 1, 1), None, "no price")]
    bill = Bill.of("CNY", date(2024, 6, 1), RATE, [first, second], skipped)
    assert (bill.currency, bill.as_of, bill.lines, bill.skipped) == (
        "CNY",
        date(2024, 6, 1),
        (first, second),
        tuple(skipped),
    )
    assert bill.total == D("2.8") + D("0.9")


def test_band_label_names_the_band():
    entry = V1.models["alpha-tiered"].prices[-1]
    assert [band_label(entry, i) for i in range(3)] == ["≤32K", "32K-128K", ">128K"]


def test_the_input_band_follows_the_output_length_too():
    # gamma-out with band 1 (≤32K in, longer output) at 0.5 instead of 0.8 for input: a request with
    # 201 output tokens pays band 1's input price: 1,000 × 1,000 × 0.5 = 0.5
    model = V2.models["gamma-out"]
    entry = model.prices[-1]
    bands = (entry.bands[0], replace(entry.bands[1], input=D("0.5")), *entry.bands[2:])
    model = replace(model, prices=(replace(entry, bands=bands),))
    assert line(w("gamma-out", 1000, 1000, 201), model=model).input_cost == D("0.5")
    assert line(w("gamma-out", 1000, 1000, 200), model=model).input_cost == D("0.8")


def test_a_graduated_request_past_the_last_edge_pays_every_band():
    # 200,000 input tokens: 32,000 × 0.8 + 96,000 × 1.2 + 72,000 × 2.4 = 25,600 + 115,200 + 172,800 per 1M
    # → 313,600 / 1M × 1,000 requests = 313.6; output 0 (band 3)
    result = line(w("alpha-grad", 1000, 200000, 0), as_of="2025-06-01", book=V1)
    assert (result.input_cost, result.tier) == (D("313.6"), "graduated >128K")


def test_no_free_quota_published_is_said():
    result = line(w("alpha-lite", 1000, 1000, 1000), as_of="2024-06-01", book=V1, free_quota=True)
    assert result.notes == ("no free quota published",) and result.free_quota == D(0)


def test_a_discount_comes_off_after_the_free_quota():
    # alpha-pro: 0.8 + 2 = 2.8, a quarter free → 2.1; 10% of that off → -0.21; total 1.89
    result = line(w("alpha-pro", 1000, 1000, 1000), as_of="2024-06-01", book=V1, free_quota=True, discount=D("0.1"))
    assert (result.free_quota, result.discount, result.total) == (D("-0.7"), D("-0.21"), D("1.89"))
    assert result.notes == (
        "free quota of 500,000 tokens (once, first month only) applied",
        "your discount of 10% applied",
    )


def test_no_exchange_rate_for_a_model_in_the_other_currency():
    with pytest.raises(CannotServe) as caught:
        price_line(w("beta-4o", 1, 1, 1), V1.models["beta-4o"], as_of=date(2024, 6, 1), currency="CNY", fx=None)
    assert str(caught.value) == (
        "beta-4o is priced in USD: no USD/CNY rate on or before 2024-06-01 in the price book (pass --rate)"
    )
