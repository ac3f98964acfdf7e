"""The price book's own logic (llmcost/book/model.py): which price is in force, band labels,
time-of-day descriptions, regions, shutdowns and retirements, with hand-written expectations.

These are among the tests the mutation run of book/model.py is scored with (docs/testing.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from conftest import DATA

from llmcost import book as prices
from llmcost.book.model import Band, NoPriceError, PriceEntry, TimeOfDay

V1 = prices.load_only(DATA / "book")
V2 = prices.load_only(DATA / "book_v2")


def _entry(mode: str, *bands: Band) -> PriceEntry:
    return PriceEntry(effective=date(2025, 1, 1), unit="1M", mode=mode, bands=bands, source="https://example.com")


def _band(up_to=None, **kw) -> Band:
    return Band(up_to=up_to, input=D(1), output=D(2), **kw)


# -- band labels ---------------------------------------------------------------------------


def test_band_labels_in_thousands_and_millions():
    entry = _entry("whole", _band(1_000_000), _band(2_500_000), _band(3_000_000), _band(1_234_567_890), _band())
    assert [entry.band_label(i) for i in range(5)] == ["≤1M", "1M-2500K", "2500K-3M", "3M-1234567890", ">1234567890"]


def test_a_flat_price_has_no_band_label():
    assert V1.models["alpha-lite"].prices[-1].band_label(0) == ""
    assert _entry("whole", _band(32000, below=True), _band()).band_label(1) == "≥32K"


def test_a_band_repeating_the_input_range_is_labelled_by_its_output():
    entry = _entry("whole", _band(32000, output_up_to=200, output_below=True), _band(32000), _band())
    assert [entry.band_label(i) for i in range(3)] == ["≤32K in, <200 out", "≤32K in, ≥200 out", ">32K"]


def test_band_index_past_every_band_is_the_last():
    # a book always ends with an open band (the loader checks); one built without it still answers
    entry = _entry("whole", _band(100), _band(200))
    assert [entry.band_index(n) for n in (100, 101, 200, 201)] == [0, 1, 1, 1]


# -- time of day -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, windows, holidays, text",
    [
        (480, "peak", "cn", "peak daily 09:00-12:00 (UTC+08:00, cn holidays off-peak)"),
        (0, "peak", None, "peak daily 09:00-12:00 (UTC+00:00)"),
        (-330, "off_peak", "cn", "off-peak daily 09:00-12:00 (UTC-05:30)"),  # holidays only say something at peak
        (-1, "peak", None, "peak daily 09:00-12:00 (UTC-00:01)"),
    ],
)
def test_time_of_day_describes_itself(offset, windows, holidays, text):
    tod = TimeOfDay(
        utc_offset=offset, windows=windows, days="all", hours=((540, 720),), off_peak=_band(), holidays=holidays
    )
    assert tod.describe() == text


# -- regions -------------------------------------------------------------------------------------


def test_a_model_sold_abroad_only_has_no_mainland_list():
    model = replace(V2.models["gamma-write"], region="intl")
    with pytest.raises(NoPriceError) as caught:
        model.in_region("cn")
    assert caught.value.message == "gamma-write has no mainland China price list (--region cn)"
    assert model.in_region("intl") is model


def test_a_mainland_model_without_an_international_list():
    model = V2.models["gamma-write"]
    assert model.in_region("cn") is model
    with pytest.raises(NoPriceError) as caught:
        model.in_region("intl")
    assert caught.value.message == (
        "gamma-write has no international price list (gamma sells it in mainland China only; use --region cn)"
    )


def test_the_international_list_replaces_the_mainland_one():
    model = V2.models["gamma-intl"].in_region("intl")
    assert (model.currency, model.context_window, model.region, model.intl) == ("USD", 1_000_000, "intl", None)
    assert model.price_at(date(2025, 6, 1)).flat.input == D("0.5")


# -- shutdowns and retirements ---------------------------------------------------------------------


def test_shutdown_text_with_and_without_announcement_and_successor():
    model = V2.models["gamma-dep"]
    when = date(2027, 2, 1)
    assert (
        model.shutdown_text(when) == "shuts down on 2027-01-14, announced 2026-10-14, before 2027-02-01; use gamma-tod"
    )
    bare = replace(model, successor=None, deprecated=replace(model.deprecated, announced=None))
    assert bare.shutdown_text(when) == "shuts down on 2027-01-14, before 2027-02-01"
    assert model.shutdown == date(2027, 1, 14)


def test_a_retired_model_names_its_successor():
    model = replace(V2.models["gamma-old"], successor="gamma-tod")
    with pytest.raises(NoPriceError) as caught:
        model.price_at(date(2026, 1, 1))
    assert caught.value.message == "gamma-old was retired on 2026-01-01, before 2026-01-01; use gamma-tod"
    assert model.shutdown == date(2026, 1, 1)
    assert V2.models["gamma-old"].price_at(date(2025, 12, 31)).effective == date(2024, 1, 1)


def test_a_model_is_usable_until_the_day_before_its_shutdown():
    model = V2.models["gamma-dep"]
    assert model.price_at(date(2027, 1, 13)).effective == date(2024, 1, 1)
    with pytest.raises(NoPriceError) as caught:
        model.price_at(date(2027, 1, 14))
    assert caught.value.message == (
        "gamma-dep shuts down on 2027-01-14, announced 2026-10-14, before 2027-01-14; use gamma-tod"
    )


def test_before_the_first_price():
    with pytest.raises(NoPriceError) as caught:
        V1.models["alpha-lite"].price_at(date(2023, 12, 31))
    assert (
        caught.value.message == "alpha-lite has no price on or before 2023-12-31 (its first price is from 2024-01-01)"
    )
    assert V1.models["alpha-lite"].price_at(date(2024, 1, 1)).effective == date(2024, 1, 1)
    assert V1.models["alpha-lite"].price_at(date(2024, 5, 15)).effective == date(2024, 5, 15)


def test_exchange_rate_in_force():
    fx = V1.fx
    assert fx.at(date(2024, 1, 1)) is None
    assert fx.at(date(2024, 1, 2)).usd_cny == D("7.1")
    assert fx.at(date(2024, 6, 2)).usd_cny == D("7.1")
    assert fx.at(date(2024, 6, 3)).usd_cny == D("7.2")
    assert fx.at(date(2030, 1, 1)).usd_cny == D("7.2")


# -- names -------------------------------------------------------------------------------------


def test_suggestions_are_at_most_three_close_names():
    # five names are close to "alpha-lte"; the three closest are suggested
    assert V1.suggest("alpha-lte") == ["alpha-lite", "alpha-tiered", "alpha-free"]
    assert V1.suggest("zzzz") == []


@pytest.mark.parametrize(
    "name, model_id",
    [
        ("alpha", "alpha-pro"),  # a family name: its flagship
        ("阿尔法", "alpha-pro"),
        ("alpha lite", "alpha-lite"),  # family name, a separator, the rest of the id
        ("alpha_lite", "alpha-lite"),
        ("ALPHA-Lite", "alpha-lite"),
        ("阿尔法pro", "alpha-pro"),  # a Chinese family name needs no separator
        ("  b4o ", "beta-4o"),
    ],
)
def test_names_resolve(name, model_id):
    assert V1.resolve(name).id == model_id


@pytest.mark.parametrize("name", ["xxxxxxlite", "alpha-", "alpha lit"])
def test_names_that_are_not_a_model(name):
    from llmcost.errors import UnknownModelError

    with pytest.raises(UnknownModelError):
        V1.resolve(name)


def test_an_empty_name_is_a_usage_error():
    from llmcost.errors import UsageError

    with pytest.raises(UsageError) as caught:
        V1.resolve("  ")
    assert caught.value.message == "empty model name"


def test_the_international_list_brings_its_own_retirement_unpriced_note():
    model = V2.models["gamma-intl"]
    intl = replace(model.intl, retired=date(2026, 6, 1), retired_source="https://example.com/r", note="intl note")
    abroad = replace(model, intl=intl, note="cn note").in_region("intl")
    assert (abroad.retired, abroad.retired_source, abroad.note, abroad.unpriced) == (
        date(2026, 6, 1),
        "https://example.com/r",
        "intl note",
        None,
    )
    with pytest.raises(NoPriceError, match="was retired on 2026-06-01"):
        abroad.price_at(date(2026, 6, 1))
    plain = replace(model, note="cn note").in_region("intl")  # no note of its own: the model's
    assert (plain.note, plain.retired) == ("cn note", None)
    only = V2.models["gamma-intl-only"]
    assert only.unpriced is not None and only.in_region("intl").unpriced is None
    unpriced = replace(model, intl=replace(model.intl, unpriced="not sold by the token", prices=())).in_region("intl")
    with pytest.raises(NoPriceError) as caught:
        unpriced.price_at(date(2026, 1, 1))
    assert caught.value.message == "gamma-intl has no per-token price: not sold by the token"
    assert caught.value.when == date(2026, 1, 1)


def test_a_shutdown_error_says_when():
    with pytest.raises(NoPriceError) as caught:
        V2.models["gamma-dep"].price_at(date(2027, 1, 14))
    assert (caught.value.model.id, caught.value.when) == ("gamma-dep", date(2027, 1, 14))


def test_select():
    assert V1.select() == []
    assert [m.id for m in V1.select(providers=["beta"])] == ["beta-4o"]
    assert len(V1.select(everything=True)) == len(V1.models)
    from llmcost.errors import UsageError

    with pytest.raises(UsageError) as caught:
        V1.select(["beta-4o"], providers=["alpha", "alpha"])
    assert caught.value.message == "beta-4o is a beta model, not in --provider alpha,alpha"
