"""Parsing one price file, ``fx.yaml`` or ``holidays.yaml``: schema check (``book.schema``), then the
book's own rules (dates, bands, time-of-day windows, notes), into ``book.model`` objects.

Pure: the caller reads the bytes and parses the YAML (``yamlsafe``); errors are ``PriceBookError``
with the file and line.  ``book.loader`` puts the parsed files together into a book.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import pairwise
from typing import Any

from ..dates import parse_day
from ..errors import PriceBookError
from ..money import FxRate
from ..yamlsafe import Locator
from .model import (
    Band,
    Deprecation,
    Family,
    FreeQuota,
    FxTable,
    Model,
    PriceEntry,
    PriceList,
    Provider,
    TimeOfDay,
)

#: The price fields of an entry or band (schema errors about them say how to quote a price).
PRICE_FIELDS = ("input", "output", "cached_input", "cache_write", "reasoning_output", "batch_input", "batch_output")


@cache
def _compiled(schema_name: str) -> Callable[[Any], Any]:
    import fastjsonschema

    from . import schema

    return fastjsonschema.compile(getattr(schema, schema_name))


def _schema_check(data: Any, schema_name: str, source: str, locator: Locator) -> None:
    import fastjsonschema

    try:
        _compiled(schema_name)(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        # fastjsonschema gives list indexes as strings ("0"); as ints they find the YAML line.
        path = [int(p) if isinstance(p, str) and p.isascii() and p.isdigit() else p for p in (exc.path or [])[1:]]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "top level"
        message = exc.message.split(" must ", 1)
        problem = "must " + message[1] if len(message) == 2 else exc.message
        hint = None
        if exc.rule == "oneOf":
            problem = "give either input and output prices, or tiers, not both"
        elif exc.rule == "required" and isinstance(exc.value, dict):
            missing = [k for k in exc.rule_definition if k not in exc.value]
            problem = "missing required field" + ("s " if len(missing) > 1 else " ") + ", ".join(map(repr, missing))
        elif exc.rule == "additionalProperties":
            problem = f"unknown field ({problem})"
        elif exc.rule == "pattern" and isinstance(exc.value, str) and path and path[-1] in (*PRICE_FIELDS, "usd_cny"):
            problem = f"{exc.value!r} is not a non-negative decimal"
        elif exc.rule == "type" and isinstance(exc.value, float):
            hint = 'quote prices as decimal strings, e.g. "0.0008"'
            problem = "is a YAML float; prices must be quoted decimal strings"
        elif exc.rule == "type" and isinstance(exc.value, int) and path and path[-1] in (*PRICE_FIELDS, "usd_cny"):
            hint = 'write "0" or "5", quoted'
            problem = "is a YAML number; prices must be quoted decimal strings"
        raise PriceBookError(f"field {where}: {problem}", source=source, line=locator.line(path), hint=hint) from None


def _date(text: str, source: str, line: int | None, what: str) -> date:
    try:
        return parse_day(text)
    except ValueError:
        raise PriceBookError(f"{what}: {text!r} is not a real date", source=source, line=line) from None


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


#: A schema-2 ``note`` is for users, on a bill line; detail belongs in ``provenance``.
MAX_NOTE = 200
_HHMM = 60


def _band(raw: dict[str, Any]) -> Band:
    below, output_below = "below" in raw, "output_below" in raw
    return Band(
        up_to=raw.get("below", raw.get("up_to")),
        input=Decimal(raw["input"]),
        output=Decimal(raw["output"]),
        cached_input=_dec(raw.get("cached_input")),
        batch_input=_dec(raw.get("batch_input")),
        batch_output=_dec(raw.get("batch_output")),
        cache_write=_dec(raw.get("cache_write")),
        reasoning_output=_dec(raw.get("reasoning_output")),
        below=below,
        output_up_to=raw.get("output_below", raw.get("output_up_to")),
        output_below=output_below,
    )


def _check_bands(mode: str, bands: tuple[Band, ...], fail: Any) -> None:
    """Bands in order: input bounds never decrease; bands that share an input bound differ by an
    increasing output bound, the last of them without one; the last band is open-ended."""
    last = bands[-1]
    if last.up_to is not None or last.output_up_to is not None:
        fail("the last tier has no up_to (it is open-ended)")
    for earlier, later in pairwise(bands):
        if earlier.up_to is None:
            fail("tiers must have increasing up_to values")
        a = (earlier.up_to, 0 if earlier.below else 1)
        b = (later.up_to, 0 if later.below else 1) if later.up_to is not None else (None, 2)
        if b[0] is not None and b <= a:
            if b == a and earlier.output_up_to is not None:
                later_out = later.output_up_to
                if later_out is not None and (later_out, 0 if later.output_below else 1) <= (
                    earlier.output_up_to,
                    0 if earlier.output_below else 1,
                ):
                    fail("tiers with the same input range must have increasing output_up_to values")
                continue
            fail("tiers must have increasing up_to values")
        if earlier.output_up_to is not None and b != a:
            fail("a tier with output_up_to must be followed by one for the same input range and longer outputs")
    if mode == "graduated" and any(b.below or b.output_up_to is not None for b in bands):
        fail("graduated tiers take up_to only (no below, no output_up_to)")


def _minutes(text: str, fail: Any) -> int:
    hours, minutes = int(text[:2]), int(text[3:])
    if hours > 24 or (hours == 24 and minutes):
        fail(f"time_of_day: {text!r} is not a time of day (00:00 to 24:00)")
    return hours * _HHMM + minutes


def _time_of_day(raw: dict[str, Any], entry_prices: dict[str, Any], fail: Any) -> TimeOfDay:
    hours = []
    for span in raw["hours"]:
        start, end = _minutes(span[:5], fail), _minutes(span[6:], fail)
        if start >= end:
            fail(f"time_of_day: hours {span!r} must end after they start")
        hours.append((start, end))
    for (_, end), (start, _) in pairwise(sorted(hours)):
        if start < end:
            fail("time_of_day: hours overlap")
    off = raw["off_peak"]
    missing = [k for k in ("cached_input", "cache_write", "reasoning_output") if k in entry_prices and k not in off]
    if missing:
        fail(f"time_of_day.off_peak: give {', '.join(missing)} too (the entry has them)")
    sign = 1 if raw["utc_offset"][0] == "+" else -1
    offset = sign * (int(raw["utc_offset"][1:3]) * _HHMM + int(raw["utc_offset"][4:]))
    return TimeOfDay(
        utc_offset=offset,
        windows=raw["windows"],
        days=raw["days"],
        hours=tuple(sorted(hours)),
        off_peak=_band(off),
        holidays=raw.get("holidays"),
    )


def _entry(raw: dict[str, Any], source: str, line: int | None, version: int = 1) -> PriceEntry:
    def fail(message: str) -> None:
        raise PriceBookError(message, source=source, line=line)

    effective = _date(raw["effective"], source, line, "effective")
    if "tiers" in raw:
        mode = raw["tiers"]["mode"]
        bands = tuple(_band(b) for b in raw["tiers"]["bands"])
        _check_bands(mode, bands, fail)
    else:
        mode, bands = "flat", (_band(raw),)
    if version >= 2 and len(raw.get("note", "")) > MAX_NOTE:
        fail(f"note is for users, at most {MAX_NOTE} characters ({len(raw['note'])}); put the detail in provenance")
    quota = raw.get("free_quota")
    return PriceEntry(
        effective=effective,
        unit=raw["unit"],
        mode=mode,
        bands=bands,
        source=raw["source"],
        note=raw.get("note"),
        free_quota=FreeQuota(quota["tokens"], quota["period"], quota.get("note")) if quota else None,
        source_kind=raw.get("source_kind", "official"),
        see_also=tuple(raw.get("see_also", ())),
        provenance=raw.get("provenance"),
        time_of_day=_time_of_day(raw["time_of_day"], raw, fail) if "time_of_day" in raw else None,
        announced=_date(raw["announced"], source, line, "announced") if "announced" in raw else None,
    )


def _entries(
    raw_list: list[Any], where: list[Any], model_id: str, source: str, locator: Locator, version: int
) -> tuple[PriceEntry, ...]:
    entries: list[PriceEntry] = []
    for j, raw_entry in enumerate(raw_list):
        entry = _entry(raw_entry, source, locator.line([*where, j]), version)
        if entries and entry.effective <= entries[-1].effective:
            raise PriceBookError(
                f"model {model_id}: price dates must be in increasing order "
                f"({entry.effective.isoformat()} after {entries[-1].effective.isoformat()})",
                source=source,
                line=locator.line([*where, j, "effective"]),
            )
        entries.append(entry)
    return tuple(entries)


def parse_price_file(
    data: Any, locator: Locator, source: str, *, user: bool = False, expected_provider: str | None = None
) -> tuple[list[Model], Family | None, Provider]:
    """Validate one provider file and build its models."""
    if not isinstance(data, dict):
        raise PriceBookError(
            "a price file is a mapping with schema_version, provider and models", source=source, line=1
        )
    _schema_check(data, "PRICE_FILE", source, locator)
    provider = data["provider"]
    version = data["schema_version"]
    if expected_provider is not None and provider != expected_provider:
        raise PriceBookError(
            f"field provider: {provider!r} does not match the file name ({expected_provider}.yaml)",
            source=source,
            line=locator.line(["provider"]),
        )
    if version >= 2:
        for key in ("checked", "region"):
            if key not in data:
                raise PriceBookError(f"missing required field {key!r} (schema_version 2)", source=source, line=1)
    elif any(k in data for k in ("checked", "region")):
        raise PriceBookError("checked and region need schema_version: 2", source=source, line=1)
    checked = _date(data["checked"], source, locator.line(["checked"]), "checked") if "checked" in data else None
    region = data.get("region", "global")
    info = Provider(provider, data.get("provider_name"), region, checked, version, source)
    models: list[Model] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["models"]):
        line = locator.line(["models", i])
        model_id = raw["id"]

        def fail(message: str, field: str | None = None) -> None:
            where = locator.line(["models", i, field]) if field else line  # noqa: B023
            raise PriceBookError(f"model {model_id}: {message}", source=source, line=where)  # noqa: B023

        if model_id in seen:
            raise PriceBookError(f"model {model_id!r} is defined twice", source=source, line=line)
        seen[model_id] = i
        if version < 2 and any(k in raw for k in _V2_MODEL_FIELDS):
            fail(f"{', '.join(k for k in _V2_MODEL_FIELDS if k in raw)} need schema_version: 2")
        if version >= 2 and len(raw.get("note", "")) > MAX_NOTE:
            fail(
                f"note is for users, at most {MAX_NOTE} characters ({len(raw['note'])}); put the detail in provenance",
                "note",
            )
        entries = _entries(raw["prices"], ["models", i, "prices"], model_id, source, locator, version)
        if not entries and "unpriced" not in raw:
            fail("has no prices: give at least one, or say why in unpriced", "prices")
        if entries and "unpriced" in raw:
            fail("is unpriced but has prices: give one or the other", "unpriced")
        retired = _date(raw["retired"], source, line, "retired") if "retired" in raw else None
        if version >= 2 and retired is not None and "retired_source" not in raw:
            fail("retired needs retired_source (the notice that says so)", "retired")
        deprecated = None
        if "deprecated" in raw:
            dep = raw["deprecated"]
            deprecated = Deprecation(
                _date(dep["shutdown"], source, line, "deprecated.shutdown"),
                dep["source"],
                _date(dep["announced"], source, line, "deprecated.announced") if "announced" in dep else None,
                dep.get("note"),
            )
            if retired is not None:
                fail("give retired (it happened) or deprecated (announced), not both", "deprecated")
        intl = None
        if "intl" in raw:
            if region != "cn":
                fail("intl is a mainland vendor's international list: only in region: cn files", "intl")
            raw_intl = raw["intl"]
            intl_entries = _entries(
                raw_intl["prices"], ["models", i, "intl", "prices"], model_id, source, locator, version
            )
            if not intl_entries and "unpriced" not in raw_intl:
                fail("intl has no prices: give at least one, or say why in unpriced", "intl")
            intl = PriceList(
                raw_intl["currency"],
                intl_entries,
                raw_intl.get("context_window"),
                _date(raw_intl["retired"], source, line, "intl.retired") if "retired" in raw_intl else None,
                raw_intl.get("retired_source"),
                raw_intl.get("unpriced"),
                raw_intl.get("note"),
            )
        models.append(
            Model(
                id=model_id,
                name=raw["name"],
                provider=provider,
                currency=raw["currency"],
                context_window=raw["context_window"],
                tokenizer=raw["tokenizer"],
                prices=entries,
                aliases=tuple(raw.get("aliases", ())),
                retired=retired,
                note=raw.get("note"),
                origin=source,
                user=user,
                provenance=raw.get("provenance"),
                retired_source=raw.get("retired_source"),
                deprecated=deprecated,
                successor=raw.get("successor"),
                unpriced=raw.get("unpriced"),
                max_output=raw.get("max_output"),
                api_id=raw.get("api_id"),
                region=region,
                intl=intl,
                checked=checked,
            )
        )
    for i, model in enumerate(models):
        if model.successor is not None and model.successor not in seen:
            raise PriceBookError(
                f"model {model.id}: successor {model.successor!r} is not a model in this file",
                source=source,
                line=locator.line(["models", i, "successor"]),
            )
    family = None
    if "family" in data:
        fam = data["family"]
        family = Family(provider, tuple(fam["names"]), fam["prefix"], fam.get("flagship"))
        if family.flagship and family.flagship not in seen:
            raise PriceBookError(
                f"field family.flagship: {family.flagship!r} is not a model in this file",
                source=source,
                line=locator.line(["family", "flagship"]),
            )
    return models, family, info


#: Model fields that schema_version 1 files cannot use.
_V2_MODEL_FIELDS = (
    "provenance",
    "retired_source",
    "deprecated",
    "successor",
    "unpriced",
    "max_output",
    "api_id",
    "intl",
)


def parse_holidays_file(data: Any, locator: Locator, source: str) -> dict[str, frozenset[date]]:
    """``holidays.yaml``: named calendars of days (China's statutory holidays for DeepSeek's peak rule)."""
    if not isinstance(data, dict):
        raise PriceBookError("a holidays file is a mapping with schema_version and calendars", source=source, line=1)
    _schema_check(data, "HOLIDAYS_FILE", source, locator)
    calendars = {}
    for name, days in data["calendars"].items():
        dates = [_date(day["date"], source, locator.line(["calendars", name, j]), "date") for j, day in enumerate(days)]
        if len(set(dates)) != len(dates):
            raise PriceBookError(
                f"calendar {name}: a day is listed twice", source=source, line=locator.line(["calendars", name])
            )
        calendars[name] = frozenset(dates)
    return calendars


def parse_fx_file(data: Any, locator: Locator, source: str) -> FxTable:
    if not isinstance(data, dict):
        raise PriceBookError("an fx file is a mapping with schema_version and rates", source=source, line=1)
    _schema_check(data, "FX_FILE", source, locator)
    rates: list[FxRate] = []
    for i, raw in enumerate(data["rates"]):
        line = locator.line(["rates", i])
        when = _date(raw["date"], source, line, "date")
        if rates and when <= (rates[-1].date or when):  # a book's rates are dated
            raise PriceBookError("rates must be in increasing date order", source=source, line=line)
        rate = Decimal(raw["usd_cny"])
        if rate <= 0:
            raise PriceBookError("usd_cny must be positive", source=source, line=line)
        rates.append(FxRate(rate, when, raw["source"]))
    return FxTable(tuple(rates))
