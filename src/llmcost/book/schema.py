"""JSON Schemas for the price book: ``prices/<provider>.yaml``, ``prices/fx.yaml`` and
``prices/holidays.yaml``.

The schema checks shape and types; ``book.loader`` then checks what a schema cannot (real calendar
dates, dates in order, bands in order, aliases unique, what schema version 2 requires).
Documented for people in docs/price-format.md.
"""

from __future__ import annotations

from typing import Any

DECIMAL = {
    "type": "string",
    "pattern": r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,12})?$",
    "description": 'a non-negative price as a quoted decimal string, e.g. "0.0008"',
}
DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
URL = {"type": "string", "pattern": r"^https?://[^\s]+$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}

TEXT_LONG = {"type": "string", "minLength": 1, "maxLength": 4000}
#: A user-facing note in a schema-2 file: one short sentence shown on bill lines (the loader checks
#: the length, so the error can say where the detail belongs).
SOURCE_KIND = {"enum": ["official", "third-party"]}
COUNT = {"type": "integer", "minimum": 1}

_PRICES = {
    "input": DECIMAL,
    "output": DECIMAL,
    "cached_input": DECIMAL,
    "cache_write": DECIMAL,
    "reasoning_output": DECIMAL,
    "batch_input": DECIMAL,
    "batch_output": DECIMAL,
}

BAND = {
    "type": "object",
    "additionalProperties": False,
    "required": ["input", "output"],
    "properties": {"up_to": COUNT, "below": COUNT, "output_up_to": COUNT, "output_below": COUNT, **_PRICES},
    "not": {"anyOf": [{"required": ["up_to", "below"]}, {"required": ["output_up_to", "output_below"]}]},
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

TIME_OF_DAY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["utc_offset", "windows", "days", "hours", "off_peak"],
    "properties": {
        "utc_offset": {"type": "string", "pattern": r"^[+-](0[0-9]|1[0-4]):[0-5][0-9]$"},
        "windows": {"enum": ["peak", "off_peak"]},
        "days": {"enum": ["weekdays", "all"]},
        "hours": {
            "type": "array",
            "minItems": 1,
            "maxItems": 24,
            "items": {"type": "string", "pattern": r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"},
        },
        "holidays": {"type": "string", "pattern": r"^[a-z][a-z0-9_-]{0,30}$"},
        "off_peak": {
            "type": "object",
            "additionalProperties": False,
            "required": ["input", "output"],
            "properties": {k: DECIMAL for k in ("input", "output", "cached_input", "cache_write", "reasoning_output")},
        },
    },
}

PRICE_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["effective", "unit", "source"],
    "properties": {
        "effective": DATE,
        "announced": DATE,
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
        "time_of_day": TIME_OF_DAY,
        "free_quota": FREE_QUOTA,
        "source": URL,
        "source_kind": SOURCE_KIND,
        "see_also": {"type": "array", "maxItems": 20, "items": URL},
        "note": TEXT,
        "provenance": TEXT_LONG,
    },
    # Either flat input/output prices or tiers, never both; time-of-day prices only on flat prices.
    "oneOf": [
        {"required": ["input", "output"], "not": {"required": ["tiers"]}},
        {"required": ["tiers"], "not": {"anyOf": [{"required": [k]} for k in (*_PRICES, "time_of_day")]}},
    ],
}

PRICE_LIST = {"type": "array", "items": PRICE_ENTRY}

DEPRECATED = {
    "type": "object",
    "additionalProperties": False,
    "required": ["shutdown", "source"],
    "properties": {"shutdown": DATE, "announced": DATE, "source": URL, "source_kind": SOURCE_KIND, "note": TEXT},
}

MODEL_ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._:-]{0,99}$"}

INTL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["currency", "prices"],
    "properties": {
        "currency": {"enum": ["CNY", "USD"]},
        "context_window": COUNT,
        "prices": PRICE_LIST,
        "retired": DATE,
        "retired_source": URL,
        "unpriced": TEXT,
        "note": TEXT,
    },
}

MODEL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "currency", "context_window", "tokenizer", "prices"],
    "properties": {
        "id": MODEL_ID,
        "api_id": {"type": "string", "minLength": 1, "maxLength": 100},
        "name": TEXT,
        "aliases": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}},
        "currency": {"enum": ["CNY", "USD"]},
        "context_window": COUNT,
        "max_output": COUNT,
        "tokenizer": {"type": "string", "minLength": 1},
        "retired": DATE,
        "retired_source": URL,
        "deprecated": DEPRECATED,
        "successor": MODEL_ID,
        "unpriced": TEXT,
        "note": TEXT,
        "provenance": TEXT_LONG,
        "prices": PRICE_LIST,
        "intl": INTL,
    },
}

PRICE_FILE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "llmcost price file",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema_version", "provider", "models"],
    "properties": {
        "schema_version": {"enum": [1, 2]},
        "provider": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,49}$"},
        "provider_name": TEXT,
        "checked": DATE,
        "region": {"enum": ["cn", "global"]},
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
        "schema_version": {"enum": [1, 2]},
        "rates": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["date", "usd_cny", "source"],
                "properties": {
                    "date": DATE,
                    "usd_cny": DECIMAL,
                    "source": URL,
                    "source_kind": SOURCE_KIND,
                    "note": TEXT,
                },
            },
        },
    },
}

_DAY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["date", "name", "source"],
    "properties": {"date": DATE, "name": TEXT, "source": URL, "source_kind": SOURCE_KIND},
}

HOLIDAYS_FILE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "llmcost holiday calendars",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema_version", "calendars"],
    "properties": {
        "schema_version": {"const": 2},
        "calendars": {
            "type": "object",
            "propertyNames": {"pattern": r"^[a-z][a-z0-9_-]{0,30}$"},
            "additionalProperties": {"type": "array", "items": _DAY},
        },
    },
}
