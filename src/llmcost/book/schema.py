"""JSON Schemas for the price book (``prices/<provider>.yaml``) and ``prices/fx.yaml``.

The schema checks shape and types; ``prices.py`` then checks what a schema cannot
(real calendar dates, dates in order, bands in order, aliases unique).
Documented for people in docs/price-format.md.
"""

from __future__ import annotations

from typing import Any

DECIMAL = {
    "type": "string",
    "pattern": r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,12})?$",
    "description": "a non-negative price as a quoted decimal string, e.g. \"0.0008\"",
}
DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
URL = {"type": "string", "pattern": r"^https?://[^\s]+$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}

_PRICES = {
    "input": DECIMAL,
    "output": DECIMAL,
    "cached_input": DECIMAL,
    "batch_input": DECIMAL,
    "batch_output": DECIMAL,
}

BAND = {
    "type": "object",
    "additionalProperties": False,
    "required": ["input", "output"],
    "properties": {"up_to": {"type": "integer", "minimum": 1}, **_PRICES},
}

FREE_QUOTA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tokens", "period"],
    "properties": {
        "tokens": {"type": "integer", "minimum": 1},
        "period": {"enum": ["once", "month"]},
        "note": TEXT,
    },
}

PRICE_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["effective", "unit", "source"],
    "properties": {
        "effective": DATE,
        "unit": {"enum": ["1K", "10K", "1M"]},
        **_PRICES,
        "tiers": {
            "type": "object",
            "additionalProperties": False,
            "required": ["mode", "bands"],
            "properties": {
                "mode": {"enum": ["whole", "graduated"]},
                "bands": {"type": "array", "minItems": 2, "maxItems": 20, "items": BAND},
            },
        },
        "free_quota": FREE_QUOTA,
        "source": URL,
        "note": TEXT,
    },
    # Either flat input/output prices or tiers, never both.
    "oneOf": [
        {"required": ["input", "output"], "not": {"required": ["tiers"]}},
        {"required": ["tiers"], "not": {"anyOf": [{"required": [k]} for k in _PRICES]}},
    ],
}

MODEL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "currency", "context_window", "tokenizer", "prices"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._:-]{0,99}$"},
        "name": TEXT,
        "aliases": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}},
        "currency": {"enum": ["CNY", "USD"]},
        "context_window": {"type": "integer", "minimum": 1},
        "tokenizer": {"type": "string", "minLength": 1},
        "retired": DATE,
        "note": TEXT,
        "prices": {"type": "array", "minItems": 1, "items": PRICE_ENTRY},
    },
}

PRICE_FILE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "llmcost price file",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema_version", "provider", "models"],
    "properties": {
        "schema_version": {"const": 1},
        "provider": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,49}$"},
        "provider_name": TEXT,
        "family": {
            "type": "object",
            "additionalProperties": False,
            "required": ["names", "prefix"],
            "properties": {
                "names": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                "prefix": {"type": "string", "minLength": 1},
                "flagship": {"type": "string"},
            },
        },
        "models": {"type": "array", "items": MODEL},
    },
}

FX_FILE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "llmcost exchange rates",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema_version", "rates"],
    "properties": {
        "schema_version": {"const": 1},
        "rates": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["date", "usd_cny", "source"],
                "properties": {"date": DATE, "usd_cny": DECIMAL, "source": URL, "note": TEXT},
            },
        },
    },
}
