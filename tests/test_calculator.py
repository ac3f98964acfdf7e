"""The calculator against hand-computed bills (see the comments for the arithmetic)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from llmcost.calculator import Bill, CannotServe, price_line
from llmcost.money import FxRate
from llmcost.workload import Workload

RATE = FxRate(D("7.2"), None, "--rate")


def w(model, requests, tin, tout, **kw):
    return Workload(model=model, requests_per_month=D(requests), input_tokens=D(tin), output_tokens=D(tout), **kw)


def line(book, workload, as_of="2025-06-01", currency="CNY", **kw):
    return price_line(
        workload, book.models[workload.model], as_of=date.fromisoformat(as_of), currency=currency, fx=RATE, **kw
    )


def test_lite_after_the_cut(book):
    # 60,000 requests × 1,500 in = 90M tokens × 0.0003/1K = 27; 24M out × 0.0006/1K = 14.4
    result = line(book, w("alpha-lite", 60000, 1500, 400), as_of="2024-06-01")
    assert (result.input_cost, result.output_cost, result.total) == (D("27"), D("14.4"), D("41.4"))
    assert result.entry.effective == date(2024, 5, 15)


def test_lite_in_usd_at_a_given_rate(book):
    result = line(book, w("alpha-lite", 60000, 1500, 400), as_of="2024-06-01", currency="USD")
    assert result.total == D("5.75")  # 41.4 / 7.2


def test_lite_before_the_cut(book):
    # 90M × 0.008/1K = 720; 24M × 0.008/1K = 192
    assert line(book, w("alpha-lite", 60000, 1500, 400), as_of="2024-04-01").total == D("912")


def test_before_the_first_price_is_not_zero(book):
    with pytest.raises(CannotServe, match="no price on or before 2023-12-31"):
        line(book, w("alpha-lite", 1, 1, 1), as_of="2023-12-31")


def test_cached_share_at_the_cache_price(book):
    # 90M input: half at 0.8, half at 0.16 per 1M → 36 + 7.2 = 43.2; 24M out × 2 = 48
    result = line(book, w("alpha-pro", 60000, 1500, 400, cached_ratio=D("0.5")))
    assert (result.input_cost, result.cached_input_cost, result.output_cost) == (D("43.2"), D("7.2"), D("48"))
    assert result.total == D("91.2")


def test_batch_halves_an_openai_style_bill(book):
    # 1,000 requests: 1M in × 2.5 + 0.5M out × 10 = 7.5 USD; at batch prices 3.75
    standard = line(book, w("beta-4o", 1000, 1000, 500), currency="USD")
    batch = line(book, w("beta-4o", 1000, 1000, 500, batch_ratio=D(1)), currency="USD")
    assert (standard.total, batch.total) == (D("7.5"), D("3.75"))


def test_missing_batch_price_is_standard_and_said(book):
    result = line(book, w("alpha-lite", 1000, 1000, 1000, batch_ratio=D(1)))
    assert result.total == D("0.9")  # 1M × 0.0003/1K + 1M × 0.0006/1K
    assert any("no batch price" in note for note in result.notes)


def test_usd_model_in_cny(book):
    assert line(book, w("beta-4o", 1000, 1000, 500)).total == D("54")  # 7.5 × 7.2


def test_whole_tier(book):
    # 50,000 input falls in 32K-128K: 5M × 1.2 = 6; 0.1M out × 16 = 1.6
    result = line(book, w("alpha-tiered", 100, 50000, 1000))
    assert result.total == D("7.6") and result.tier == "32K-128K"


def test_first_tier_label(book):
    assert line(book, w("alpha-tiered", 100, 32000, 1000)).tier == "≤32K"
    assert line(book, w("alpha-tiered", 100, 200000, 1000)).tier == ">128K"


def test_graduated_tier(book):
    # per request 32,000 × 0.8 + 18,000 × 1.2 = 47,200 per 1M → 0.0472 × 100 = 4.72; out 1.6
    result = line(book, w("alpha-grad", 100, 50000, 1000))
    assert result.total == D("6.32")
    assert result.tier == "graduated 32K-128K"


def test_context_window(book):
    with pytest.raises(CannotServe, match="context window 32768"):
        line(book, w("alpha-lite", 1, 40000, 1))


def test_free_quota_only_when_asked(book):
    # 100 × (1,000 + 1,000) = 200,000 tokens, all inside the 500,000 quota
    assert line(book, w("alpha-pro", 100, 1000, 1000)).total == D("0.28")
    credited = line(book, w("alpha-pro", 100, 1000, 1000), free_quota=True)
    assert credited.free_quota == D("-0.28") and credited.total == 0


def test_free_quota_partial(book):
    # 1,000,000 tokens a month, 500,000 free: half the bill credited
    credited = line(book, w("alpha-pro", 500, 1000, 1000), free_quota=True)
    assert credited.total == D("0.7")  # (0.4 + 1.0) / 2


def test_discount(book):
    result = line(book, w("alpha-lite", 60000, 1500, 400), as_of="2024-06-01", discount=D("0.2"))
    assert (result.discount, result.total) == (D("-8.28"), D("33.12"))


def test_free_model_is_zero(book):
    assert line(book, w("alpha-free", 10**6, 1000, 1000)).total == 0


def test_bill_total_is_exact_sum(book):
    lines = [
        line(book, w("alpha-lite", 60000, 1500, 400), as_of="2024-06-01"),
        line(book, w("alpha-pro", 60000, 1500, 400, cached_ratio=D("0.5"))),
    ]
    assert Bill.of("CNY", date(2025, 6, 1), RATE, lines).total == D("132.6")
