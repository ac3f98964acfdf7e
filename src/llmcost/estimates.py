"""Estimate rules: a vendor's published characters-per-token rule, plus our own additions.

A rule splits the text into five kinds of visible character and prices each:

* 汉字 (CJK ideographs): ``cjk_chars_per_token``, the vendor's rule;
* letters of other scripts: the vendor's rule for English, either per ``word`` (a run of
  letters, as Baidu's SDK counts 单词) or per ``char`` (Alibaba's "3 letters per token");
* digits, punctuation and symbols, emoji: vendors publish no rule for these, so each rule
  adds our own conservative amount (``digit_tokens``, ``symbol_tokens``, ``emoji_tokens``;
  defaults below), calibrated on ``tests/data/calibration`` against o200k and Qwen's BPE;
* whitespace counts nothing.

The counts are additive over safe chunks (a chunk never cuts a word or a number).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from llmcost.errors import TokenizerError

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
# letters (and other alphanumerics that are not decimal digits), CJK ideographs excluded
_LETTER_RE = re.compile(f"[^\\W\\d_{_CJK}]")
_WORD_RE = re.compile(f"[^\\W\\d_{_CJK}]+")
_DIGIT_RE = re.compile(r"\d")
_SPACE_RE = re.compile(r"\s")
# characters outside the Basic Multilingual Plane that are not letters, digits or 汉字: emoji
# and other pictographs (each is 4 UTF-8 bytes: 1 to 3 tokens in every BPE we ship)
_ASTRAL_SYMBOL_RE = re.compile(f"(?![{_CJK}])(?=[\\W_])[\U00010000-\U0010ffff]")

#: Our additions where vendors are silent (tokens per character); a rule may override each.
#: One token per digit is what Qwen's BPE counts (o200k: one per 1-3 digits); one per
#: punctuation mark or symbol is what o200k and Qwen count for full-width punctuation
#: (ASCII punctuation often merges, so this errs high on code); two per emoji is the most
#: any BPE we ship counts for a common emoji (cl100k).
ADDITIONS = {"digit_tokens": "1", "symbol_tokens": "1", "emoji_tokens": "2"}


def _decimal(value, what: str) -> Fraction:
    if not isinstance(value, str):
        raise TokenizerError(f"{what} must be a quoted decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise TokenizerError(f"{what} is not a decimal: {value!r}") from exc
    if not number.is_finite() or number <= 0:
        raise TokenizerError(f"{what} must be a positive decimal, got {value!r}")
    return Fraction(number)


#: Units of a text: (汉字, words or letters, digits, other BMP symbols, emoji).
Units = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class EstimateRule:
    """tokens = ceil(汉字 / cjk_chars_per_token + letter units x rate + digits x digit_tokens
    + punctuation and symbols x symbol_tokens + emoji x emoji_tokens)."""

    cjk_chars_per_token: Fraction
    other_unit: str  # "word" or "char": how the vendor counts letters that are not 汉字
    tokens_per_other_unit: Fraction
    digit_tokens: Fraction = Fraction(ADDITIONS["digit_tokens"])
    symbol_tokens: Fraction = Fraction(ADDITIONS["symbol_tokens"])
    emoji_tokens: Fraction = Fraction(ADDITIONS["emoji_tokens"])

    @classmethod
    def from_entry(cls, name: str, entry: dict) -> EstimateRule:
        where = f"tokenizers.yaml: {name}"
        unit = entry.get("other_unit")
        if unit not in ("word", "char"):
            raise TokenizerError(f"{where}: other_unit must be 'word' or 'char', got {unit!r}")
        per_token, tokens_each = entry.get("other_units_per_token"), entry.get("tokens_per_other_unit")
        if (per_token is None) == (tokens_each is None):
            raise TokenizerError(f"{where}: give exactly one of other_units_per_token, tokens_per_other_unit")
        rate = (
            1 / _decimal(per_token, f"{where}: other_units_per_token")
            if per_token is not None
            else _decimal(tokens_each, f"{where}: tokens_per_other_unit")
        )
        additions = {key: _decimal(entry.get(key, default), f"{where}: {key}") for key, default in ADDITIONS.items()}
        return cls(_decimal(entry.get("cjk_chars_per_token"), f"{where}: cjk_chars_per_token"), unit, rate, **additions)

    def units(self, text: str) -> Units:
        """The units in ``text``; additive over safe chunks."""
        cjk = len(_CJK_RE.findall(text))
        letters = len(_LETTER_RE.findall(text))
        digits = len(_DIGIT_RE.findall(text))
        emoji = len(_ASTRAL_SYMBOL_RE.findall(text))
        symbols = len(text) - len(_SPACE_RE.findall(text)) - cjk - letters - digits - emoji
        other = len(_WORD_RE.findall(text)) if self.other_unit == "word" else letters
        return cjk, other, digits, symbols, emoji

    def tokens(self, units: Units) -> int:
        """The rule applied to unit totals, rounded up to a whole token."""
        cjk, other, digits, symbols, emoji = units
        return math.ceil(
            cjk / self.cjk_chars_per_token
            + other * self.tokens_per_other_unit
            + digits * self.digit_tokens
            + symbols * self.symbol_tokens
            + emoji * self.emoji_tokens
        )
