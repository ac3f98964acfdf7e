"""Money: Decimal arithmetic, the one rounding rule, exchange rates, formatting.

Amounts are ``decimal.Decimal`` from the YAML string to the rendered output and
are never rounded while they are computed.  Rounding happens once, when an amount
is rendered: to 0.01 of the currency (the fen / the cent), half up
(``ROUND_HALF_UP``).  A rendered total is the rounded exact total, so it can differ
by a fen from the sum of rounded lines; it never drifts further.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation

from .errors import UsageError

#: Arithmetic context for every computation: wide enough that prices (12 decimal
#: places) times monthly token volumes (up to 10^18) are exact.
CONTEXT = Context(prec=60, Emax=999, Emin=-999)

#: CONTEXT that refuses to round: a workload is priced in it, so numbers written with so many significant
#: digits that a product would need more than 60 raise ``decimal.Inexact`` (the workload is refused,
#: ``TooManyDigits``) instead of being rounded silently, which could move a cent.  Only the CNY→USD
#: quotient (QUOTIENT_CONTEXT) and a free quota's share are divisions that round, as documented.
EXACT_CONTEXT = CONTEXT.copy()
EXACT_CONTEXT.traps[Inexact] = True

#: CNY→USD divides with 12 guard digits beyond CONTEXT, so that converting the quotient
#: back (a product rounded to CONTEXT's 60 digits) gives the original amount exactly.
QUOTIENT_CONTEXT = Context(prec=CONTEXT.prec + 12, Emax=CONTEXT.Emax, Emin=CONTEXT.Emin)

#: Sums of amounts carry as many digits as they need: adding is exact, so the order of adding
#: does not matter (a streamed file's total is added up in chunks).
SUM_CONTEXT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
add_exact = SUM_CONTEXT.add

CENT = Decimal("0.01")
ROUNDING = "ROUND_HALF_UP"
ROUNDING_RULE = "amounts are exact until rendered, then rounded to 0.01 (half up)"

CURRENCIES = {"CNY": "¥", "USD": "$"}
_CURRENCY_ALIASES = {"CNY": "CNY", "RMB": "CNY", "YUAN": "CNY", "元": "CNY", "USD": "USD", "$": "USD"}

_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_currency(text: str) -> str:
    """'cny', 'RMB', '元' → 'CNY'; 'usd' → 'USD'; anything else is a usage error."""
    code = _CURRENCY_ALIASES.get(text.strip().upper())
    if code is None:
        raise UsageError(f"unknown currency {text!r}", hint="use CNY (or RMB) or USD")
    return code


_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?")
GROUPING_HINT = "commas only separate thousands, as in 1,000,000; the decimal mark is '.'"


def ungroup(text: str) -> str | None:
    """'1,000,000.5' → '1000000.5', '1_000' → '1000'; None if the commas are not thousands
    separators ('1,5' is not fifteen, and not one and a half either: it is refused)."""
    cleaned = text.strip().replace("_", "")
    if "," in cleaned:
        if not _GROUPED.fullmatch(cleaned):
            return None
        cleaned = cleaned.replace(",", "")
    return cleaned


def parse_decimal(text: str, what: str) -> Decimal:
    """A user's number as Decimal: no NaN, no Infinity, no floats in between."""
    cleaned = ungroup(text)
    if cleaned is None:
        raise UsageError(f"{what}: {text!r} is not a number", hint=GROUPING_HINT)
    if not _DECIMAL_TEXT.match(cleaned):
        raise UsageError(f"{what}: {text!r} is not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex already refused it
        raise UsageError(f"{what}: {text!r} is not a number") from None
    if not value.is_finite():
        raise UsageError(f"{what}: {text!r} is not a finite number")
    return value


#: The one rounding rule as a context: its quantize() rounds money (no localcontext per amount).  As
#: wide as SUM_CONTEXT: an exact sum, or a baseline's amount (up to 10^100), of any size rounds to the
#: fen (with CONTEXT's 60 digits quantize() refused any amount from 10^58 up).
_HALF_UP = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)


def round_money(amount: Decimal) -> Decimal:
    """The one rounding rule: to the fen/cent, half up."""
    return round_to(amount, CENT)


def round_to(value: Decimal, step: Decimal) -> Decimal:
    """The same rule for a number that is not money: to a multiple of ``step`` (0.000001), half up."""
    return _HALF_UP.quantize(value, step)


def plain(amount: Decimal) -> str:
    """A rounded amount as a plain decimal string: '41.40', '-0.05', '0.00'."""
    rounded = _HALF_UP.quantize(amount, CENT)
    # An exponent of -2 is never written in scientific notation, so str() is the plain form.
    return str(rounded) if rounded else "0.00"  # no '-0.00'


def fmt(amount: Decimal, currency: str) -> str:
    """A rounded amount for people: '¥41.40', '$1,234.50', '-¥3.00'."""
    rounded = round_money(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{CURRENCIES[currency]}{abs(rounded):,.2f}"


def exact(amount: Decimal) -> str:
    """An exact amount as a plain string without exponent or trailing zeros."""
    if amount == 0:
        return "0"
    text = f"{amount.normalize(CONTEXT):f}"
    return text


def exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    """Amounts added without rounding (the default context keeps only 28 digits)."""
    total = Decimal(0)
    for amount in amounts:
        total = add_exact(total, amount)
    return total


def percent(fraction: Decimal) -> str:
    """0.0125 → '1.3%' (half up, one decimal)."""
    return f"{round_to(CONTEXT.multiply(fraction, Decimal(100)), Decimal('0.1'))}%"


@dataclass(frozen=True)
class FxRate:
    """CNY per 1 USD, with where it came from."""

    usd_cny: Decimal
    date: date | None
    source: str

    def convert(self, amount: Decimal, from_currency: str, to_currency: str, *, strict: bool = False) -> Decimal:
        """USD→CNY multiplies (exact within 60 digits; ``strict``: a product that needs more raises
        ``decimal.Inexact``); CNY→USD divides with 12 guard digits, so CNY→USD→CNY returns any amount of
        up to 60 significant digits exactly."""
        if from_currency == to_currency:
            return amount
        if from_currency == "USD" and to_currency == "CNY":
            return (EXACT_CONTEXT if strict else CONTEXT).multiply(amount, self.usd_cny)
        if from_currency == "CNY" and to_currency == "USD":
            return QUOTIENT_CONTEXT.divide(amount, self.usd_cny)
        raise UsageError(f"cannot convert {from_currency} to {to_currency}")

    def describe(self) -> str:
        when = self.date.isoformat() if self.date else "given with --rate"
        return f"1 USD = {exact(self.usd_cny)} CNY ({when})"
