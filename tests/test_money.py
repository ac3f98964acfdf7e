"""llmcost.money on its own: the one rounding rule, parsing numbers and currencies, exchange.

Every expected value here is written out by hand (the arithmetic is in the comments), so a
change to the rule — half-even for half-up, a lost digit, a swapped sign — fails a test
(docs/testing.md: these are the tests the mutation run of money.py is measured with).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from llmcost.errors import LlmcostError, UsageError
from llmcost.money import (
    CONTEXT,
    FxRate,
    exact,
    exact_sum,
    fmt,
    parse_currency,
    parse_decimal,
    percent,
    plain,
    round_money,
    round_to,
    ungroup,
)

# -- the one rounding rule: to 0.01, half up, once ---------------------------------------


@pytest.mark.parametrize(
    "amount, rounded",
    [
        ("0.005", "0.01"),  # half a fen goes up (half-even would give 0.00)
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-even: 0.02
        ("2.345", "2.35"),  # half-even: 2.34
        ("0.0049999999", "0.00"),
        ("41.4", "41.40"),
        ("-0.005", "-0.01"),  # half up is away from zero, as ROUND_HALF_UP is
        ("-2.345", "-2.35"),
        ("0.004", "0.00"),
        ("999999999999.995", "1000000000000.00"),
    ],
)
def test_round_money_is_half_up_to_the_fen(amount, rounded):
    assert str(round_money(D(amount))) == rounded


def test_round_to_takes_its_step():
    assert str(round_to(D("0.0000005"), D("0.000001"))) == "0.000001"
    assert str(round_to(D("0.0000025"), D("0.000001"))) == "0.000003"  # half-even: 0.000002
    assert str(round_to(D("1.25"), D("0.1"))) == "1.3"


def test_rounding_keeps_every_digit_of_a_large_amount():
    # 60 digits of context: 10^40 + 0.005 rounds up to the fen, it does not lose the fen
    big = D("1" + "0" * 40 + ".005")
    assert str(round_money(big)) == "1" + "0" * 40 + ".01"
    assert plain(big) == "1" + "0" * 40 + ".01"


@pytest.mark.parametrize(
    "amount, text",
    [
        ("41.4", "41.40"),
        ("-0.05", "-0.05"),
        ("0", "0.00"),
        ("-0.001", "0.00"),
        ("0.005", "0.01"),
        ("2.345", "2.35"),
        ("1234567.891", "1234567.89"),
        ("-0", "0.00"),
        ("1E+3", "1000.00"),
    ],
)
def test_plain(amount, text):
    assert plain(D(amount)) == text


@pytest.mark.parametrize(
    "amount, currency, text",
    [
        ("41.4", "CNY", "¥41.40"),
        ("1234.5", "USD", "$1,234.50"),
        ("-3", "CNY", "-¥3.00"),
        ("-0.004", "CNY", "¥0.00"),  # rounds to zero: no minus sign
        ("-0.005", "USD", "-$0.01"),
        ("0.025", "CNY", "¥0.03"),
        ("1234567.125", "CNY", "¥1,234,567.13"),
        ("0", "USD", "$0.00"),
    ],
)
def test_fmt(amount, currency, text):
    assert fmt(D(amount), currency) == text


@pytest.mark.parametrize(
    "amount, text",
    [
        ("0", "0"),
        ("0.000", "0"),
        ("-0", "0"),
        ("41.400", "41.4"),
        ("1E+3", "1000"),
        ("0.00000000012", "0.00000000012"),
        ("-2.50", "-2.5"),
        ("100", "100"),
    ],
)
def test_exact(amount, text):
    assert exact(D(amount)) == text


def test_exact_keeps_more_digits_than_the_default_context():
    # normalize() in the default context (28 digits) would round this 40-digit amount
    amount = D("123456789012345678901234567890.1234567890")
    assert exact(amount) == "123456789012345678901234567890.123456789"


def test_exact_sum_keeps_every_digit():
    # the default context keeps 28 digits: 10^30 + 0.01 would lose the fen there
    amounts = [D(10) ** 30, D("0.01"), D("-0.005"), D("0.000000000000000000000000000001")]
    assert exact_sum(amounts) == D("1000000000000000000000000000000.005000000000000000000000000001")
    assert exact_sum([]) == D(0)
    assert exact_sum([D("1.5")]) == D("1.5")


@pytest.mark.parametrize(
    "fraction, text",
    [
        ("0.0125", "1.3%"),
        ("0.0124", "1.2%"),
        ("0.00049", "0.0%"),
        ("0.00051", "0.1%"),
        ("1", "100.0%"),
        ("-0.0125", "-1.3%"),
        ("0.5", "50.0%"),
    ],
)
def test_percent_is_half_up_to_one_decimal(fraction, text):
    assert percent(D(fraction)) == text


# -- reading numbers and currencies ------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,000,000", "1000000"),
        ("1,000,000.5", "1000000.5"),
        ("1_000", "1000"),
        (" 12 ", "12"),
        ("-1,234", "-1234"),
        ("+5", "5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1e3", "1000"),
        ("2.5E-2", "0.025"),
        ("0", "0"),
        ("999,999", "999999"),
    ],
)
def test_parse_decimal_reads_the_number_written(text, value):
    assert parse_decimal(text, "--x") == D(value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,5", "--x: '1,5' is not a number"),  # not fifteen, not one and a half
        ("1,00,000", "--x: '1,00,000' is not a number"),
        (",100", "--x: ',100' is not a number"),
        ("0,100", "--x: '0,100' is not a number"),
        ("1234,567", "--x: '1234,567' is not a number"),
        ("abc", "--x: 'abc' is not a number"),
        ("", "--x: '' is not a number"),
        ("1.2.3", "--x: '1.2.3' is not a number"),
        ("NaN", "--x: 'NaN' is not a number"),
        ("inf", "--x: 'inf' is not a number"),
        ("Infinity", "--x: 'Infinity' is not a number"),
        ("0x10", "--x: '0x10' is not a number"),
        ("1e", "--x: '1e' is not a number"),
        ("12 3", "--x: '12 3' is not a number"),
    ],
)
def test_parse_decimal_refuses_what_is_not_a_number(text, message):
    with pytest.raises(UsageError) as caught:
        parse_decimal(text, "--x")
    assert caught.value.message == message
    assert caught.value.exit_code == 2


def test_a_misplaced_comma_says_what_commas_mean():
    with pytest.raises(UsageError) as caught:
        parse_decimal("1,5", "--x")
    assert "commas only separate thousands, as in 1,000,000; the decimal mark is '.'" in str(caught.value)
    with pytest.raises(UsageError) as caught:
        parse_decimal("abc", "--x")
    assert "commas" not in str(caught.value)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,000", "1000"),
        ("1_000_000", "1000000"),
        ("12", "12"),
        (" 7 ", "7"),
        ("1,5", None),
        ("1,000,00", None),
        ("-1,000.25", "-1000.25"),
    ],
)
def test_ungroup(text, value):
    assert ungroup(text) == value


@pytest.mark.parametrize(
    "text, code",
    [
        ("cny", "CNY"),
        ("RMB", "CNY"),
        ("rmb", "CNY"),
        ("Yuan", "CNY"),
        ("元", "CNY"),
        (" usd ", "USD"),
        ("$", "USD"),
        ("CNY", "CNY"),
        ("USD", "USD"),
    ],
)
def test_parse_currency(text, code):
    assert parse_currency(text) == code


@pytest.mark.parametrize("text", ["EUR", "", "¥", "CN", "US"])
def test_parse_currency_refuses_others(text):
    with pytest.raises(UsageError) as caught:
        parse_currency(text)
    assert (caught.value.message, caught.value.hint) == (f"unknown currency {text!r}", "use CNY (or RMB) or USD")


# -- exchange ----------------------------------------------------------------------------


def test_convert_multiplies_usd_to_cny_and_divides_cny_to_usd():
    fx = FxRate(D("7.2"), date(2024, 6, 3), "https://example.com/fx")
    assert fx.convert(D("10"), "USD", "CNY") == D("72.0")
    assert fx.convert(D("72"), "CNY", "USD") == D("10")
    assert fx.convert(D("41.4"), "CNY", "USD") == D("5.75")
    assert fx.convert(D("41.4"), "CNY", "CNY") == D("41.4")
    assert fx.convert(D("5"), "USD", "USD") == D("5")
    # 1 / 7.2 = 0.13888…: the quotient carries 72 significant digits, not 28 nor 60
    third = fx.convert(D(1), "CNY", "USD")
    assert len(third.as_tuple().digits) == CONTEXT.prec + 12
    assert str(third).startswith("0.138888888888888888888888888888888888888888888888888888888888888888888889")


def test_convert_is_exact_for_sixty_digits():
    fx = FxRate(D("7.1"), None, "--rate")
    amount = D("123456789012345678901234567890.123456789012345678901234567891")  # 60 digits
    assert fx.convert(fx.convert(amount, "CNY", "USD"), "USD", "CNY") == amount
    # 7.1 × that has 61 digits: rounded (half even, the context's own rule) to 60
    assert fx.convert(amount, "USD", "CNY") == D("876543201987654320198765432019.876543201987654320198765432026")
    small = D("1234567890.12345678901234567891")
    assert fx.convert(small, "USD", "CNY") == D("8765432019.876543201987654320261")  # exact: 31 digits


def test_convert_refuses_an_unknown_pair():
    fx = FxRate(D("7.2"), None, "--rate")
    with pytest.raises(LlmcostError, match="cannot convert EUR to CNY"):
        fx.convert(D(1), "EUR", "CNY")
    with pytest.raises(LlmcostError, match="cannot convert CNY to EUR"):
        fx.convert(D(1), "CNY", "EUR")


def test_describe_says_the_rate_and_its_date():
    assert FxRate(D("7.20"), date(2024, 6, 3), "x").describe() == "1 USD = 7.2 CNY (2024-06-03)"
    assert FxRate(D("7.1"), None, "--rate").describe() == "1 USD = 7.1 CNY (given with --rate)"
