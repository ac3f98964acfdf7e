"""``llmcost prices export --format litellm``: the book as a LiteLLM cost map (custom pricing).

One JSON object: model name → ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost``,
``input_cost_per_token_batches``, ``output_cost_per_token_batches``, ``litellm_provider``,
``max_input_tokens``, ``max_output_tokens``, ``mode: chat``; each at the price in force on the
as-of date, per token, in one currency (USD by default: CNY prices are divided by the USD/CNY rate
of that date, rounded to ``SIGNIFICANT`` significant digits, and the file says which rate).

A first key ``_llmcost`` records what was written (generator, as-of date, currency, the rate with
its date and source, the rounding). LiteLLM's own file carries such a key (``sample_spec``):
``litellm.register_model`` takes every key as a model name and each value as a dict of fields, so
the extra entry adds a "model" nobody calls and no prices. Per-token prices are JSON numbers written
from their Decimal text (``2.5E-7``), never through a float.

A two-band ``whole`` tier on input tokens (``up_to: N``, then open) is written as LiteLLM's
threshold prices (``input_cost_per_token_above_Nk_tokens`` and the output and cache prices that
differ above it): LiteLLM prices every token of a prompt over N at them, as the tier does. What
LiteLLM's fields cannot hold is counted, never dropped silently: other tiers are not written; for
time-of-day prices the listed (standard) prices are written; a thinking-mode output price is left out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from .. import __version__
from ..errors import InputError
from ..money import FxRate
from .litellm import PROVENANCE_KEY, PROVIDER
from .model import NoPriceError, PriceBook

#: CNY → USD per-token prices keep this many significant digits (a quotient has no end), and at
#: most 18 decimals (12 per 1M tokens, as a price file holds them: an export imports back).
SIGNIFICANT = 12
FINEST = Decimal("1e-18")
FINEST_EXP = -18
MILLION = Decimal(1_000_000)
#: llmcost provider → (LiteLLM's litellm_provider, whether LiteLLM's names carry "provider/").
LITELLM_PROVIDERS: dict[str, tuple[str, bool]] = {
    "openai": ("openai", False),
    "anthropic": ("anthropic", False),
    "google": ("gemini", True),
    "deepseek": ("deepseek", True),
    "moonshot": ("moonshot", True),
    "qwen": ("dashscope", True),
    "doubao": ("volcengine", True),
    "glm": ("zai", True),
    "minimax": ("minimax", True),
}
FIELDS = (
    ("input", "input_cost_per_token"),
    ("output", "output_cost_per_token"),
    ("cached_input", "cache_read_input_token_cost"),
    ("cache_write", "cache_creation_input_token_cost"),
    ("batch_input", "input_cost_per_token_batches"),
    ("batch_output", "output_cost_per_token_batches"),
)


@dataclass
class Exported:
    text: str
    models: int
    rate: FxRate | None
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)


def number_text(value: Decimal) -> str:
    """A JSON number for an exact Decimal: plain where short ("0.0000025"), else with an exponent
    ("2.5e-07", as LiteLLM writes it); never rounded."""
    value = value.normalize()
    if value == 0:
        return "0"
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    mantissa = "".join(map(str, digits))
    adjusted = value.adjusted()
    if -4 <= adjusted < 16:  # as Python writes a float, and so LiteLLM's file: 3e-05, 0.0001
        return format(value, "f")
    head = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
    return f"{'-' if sign else ''}{head}e{'-' if adjusted < 0 else '+'}{abs(adjusted):02d}"


def one_threshold(entry: Any) -> int | None:
    """The input-token threshold of a two-band ``whole`` entry LiteLLM can hold as ``…_above_N_tokens``
    prices (it prices every token of a prompt longer than N at them), else None."""
    if entry.mode != "whole" or len(entry.bands) != 2:
        return None
    low, high = entry.bands
    if low.up_to is None or low.below or low.output_up_to is not None or high.output_up_to is not None:
        return None
    return int(low.up_to)


def _key_and_provider(model: Any) -> tuple[str, str]:
    name = model.api_id or model.id
    if model.provider == PROVIDER:
        match = re.search(re.escape(PROVENANCE_KEY) + r"([A-Za-z0-9._:/@+=~-]+)", model.provenance or "")
        return name, match.group(1) if match else "openai"
    litellm, prefixed = LITELLM_PROVIDERS.get(model.provider, ("openai", False))
    return (f"{litellm}/{name}" if prefixed else name), litellm


def export_map(book: PriceBook, as_of: date, currency: str, rate: FxRate | None, region: str = "cn") -> Exported:
    """The book's models priced on ``as_of``, per token in ``currency`` (see the module docstring)."""
    skipped: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    out: dict[str, Any] = {}
    used_rate = False
    context = Context(prec=SIGNIFICANT, rounding=ROUND_HALF_EVEN)
    # A model of your --prices file first: it wins a LiteLLM name it shares with a model of the book.
    for listed in sorted(book.models.values(), key=lambda m: (not m.user, m.provider, m.id)):
        try:
            model = listed.in_region(region)
        except NoPriceError:
            skipped[f"no {'international' if region == 'intl' else 'mainland China'} price list (--region)"] += 1
            continue
        try:
            entry = model.price_at(as_of)
        except NoPriceError:
            skipped[f"no price on {as_of.isoformat()} (not yet priced, retired, shut down or unpriced)"] += 1
            continue
        threshold = one_threshold(entry)
        if entry.mode != "flat" and threshold is None:
            skipped["tiered prices other than one input threshold (LiteLLM cannot hold them)"] += 1
            continue
        band = entry.flat
        if entry.time_of_day is not None:
            notes["time-of-day prices: the listed prices are written, not the off-peak ones"] += 1
        if band.reasoning_output is not None:
            notes["a thinking-mode output price is left out"] += 1
        convert = model.currency != currency
        if convert and rate is None:
            raise InputError(f"no USD/CNY rate on or before {as_of.isoformat()} to convert {model.id}")
        key, provider = _key_and_provider(model)
        if key in out:
            skipped[f"the same LiteLLM name as a model written ({key})"] += 1
            continue
        fields: dict[str, Any] = {}

        def per_token(value: Decimal) -> Decimal:
            nonlocal used_rate
            value = value / entry.per  # noqa: B023
            if not convert:  # noqa: B023
                return value
            assert rate is not None
            used_rate = True
            value = context.divide(value, rate.usd_cny) if currency == "USD" else context.multiply(value, rate.usd_cny)
            exponent = value.as_tuple().exponent
            return (
                value.quantize(FINEST, ROUND_HALF_EVEN)
                if isinstance(exponent, int) and exponent < FINEST_EXP
                else value
            )

        for ours, theirs in FIELDS:
            value = getattr(band, ours)
            if value is not None:
                fields[theirs] = per_token(value)
        if threshold is not None:
            upper = entry.bands[1]
            suffix = f"_above_{threshold // 1000}k_tokens" if threshold % 1000 == 0 else f"_above_{threshold}_tokens"
            for ours, theirs in FIELDS[:4]:
                value, base = getattr(upper, ours), getattr(band, ours)
                if value is not None and (ours == "input" or value != base):
                    fields[theirs + suffix] = per_token(value)
            if (upper.batch_input, upper.batch_output) != (band.batch_input, band.batch_output):
                notes["batch prices above the threshold: the ones below it are written"] += 1
        fields["litellm_provider"] = provider
        window = model.context_window
        fields["max_input_tokens"] = window
        if model.max_output is not None:
            fields["max_output_tokens"] = model.max_output
        fields["mode"] = "chat"
        out[key] = fields
    meta: dict[str, Any] = {
        "generator": f"llmcost {__version__}",
        "as_of": as_of.isoformat(),
        "currency": currency,
        "region": region,
        "prices": "per token, the price in force on as_of",
        "price_book": book.digest,
    }
    if used_rate and rate is not None:
        meta["usd_cny"] = {
            "rate": str(rate.usd_cny),
            "date": rate.date.isoformat() if rate.date else None,
            "source": rate.source,
        }
        direction = "CNY to USD" if currency == "USD" else "USD to CNY"
        meta["converted"] = f"{direction}, {SIGNIFICANT} significant digits, at most 18 decimals"
    text = dumps({"_llmcost": meta, **dict(sorted(out.items()))})
    return Exported(text, len(out), rate if used_rate else None, skipped, notes)


def dumps(value: Any, indent: str = "") -> str:
    """JSON like ``json.dumps(indent=2)``, with each Decimal written as the number it is (the json
    module writes only floats, through ``float.__repr__``)."""
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, dict) and value:
        inner = indent + "  "
        items = ",\n".join(
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, inner)}" for k, v in value.items()
        )
        return "{\n" + items + "\n" + indent + "}" + ("" if indent else "\n")
    return json.dumps(value, ensure_ascii=False)
