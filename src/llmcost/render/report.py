"""The JSON contract: bill → report dict, the one ``--format json`` prints.

Every other format renders from these dicts, so the formats cannot disagree.  Money is rounded here
and only here (``money.plain``); amounts are decimal strings.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from .. import __version__
from ..book import PriceBook, PriceEntry
from ..calculator import Bill, Line, Skipped
from ..money import ROUNDING_RULE, FxRate, exact, plain

SCHEMA_VERSION = 1


def quantity(value: Decimal) -> str | int:
    """A count as JSON gives it: an int when whole, else the exact decimal string."""
    return int(value) if value == value.to_integral_value() else exact(value)


_quantity = quantity  # the name fastrow imports


def price_fields(entry: PriceEntry, line: Line | None = None) -> dict[str, Any]:
    band = entry.bands[0]
    if line is not None and entry.mode != "flat":
        band = entry.bands[entry.band_index(line.workload.input_tokens, line.workload.output_tokens)]
    return {"input_price": exact(band.input), "output_price": exact(band.output), "price_unit": entry.unit}


def line_dict(line: Line) -> dict[str, Any]:
    w, m, e = line.workload, line.model, line.entry
    out: dict[str, Any] = {}
    if w.name is not None:
        out["name"] = w.name
    out.update(
        {
            "model": m.id,
            "provider": m.provider,
            "requests_per_month": quantity(line.requests),
            "input_tokens": quantity(w.input_tokens),
            "output_tokens": quantity(w.output_tokens),
            "input_tokens_method": w.input_method,
            "output_tokens_method": w.output_method,
            "cached_ratio": exact(w.cached_ratio),
            "batch_ratio": exact(w.batch_ratio),
            "cache_write_ratio": exact(w.cache_write_ratio),
            "thinking_ratio": exact(w.thinking_ratio),
            "off_peak_ratio": exact(w.off_peak_ratio),
            "input_cost": plain(line.input_cost),
            "cached_input_cost": plain(line.cached_input_cost),
            "output_cost": plain(line.output_cost),
            "free_quota": plain(line.free_quota),
            "discount": plain(line.discount),
            "total": plain(line.total),
            "price_currency": m.currency,
            **price_fields(e, line),
            "tier": line.tier,
            "region": m.region,
            "price_effective": e.effective.isoformat(),
            "source": e.source,
            "source_kind": e.source_kind,
            "price_note": e.note,  # for users
            "price_provenance": e.provenance,  # for maintainers: where the price was read, doubts, cross-checks
            "user_price": m.user,
            "notes": list(line.notes),
        }
    )
    return out


def skipped_dict(item: Skipped) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.workload.name is not None:
        out["name"] = item.workload.name
    out["model"] = item.model.id if item.model else item.workload.model
    out["reason"] = item.reason
    return out


def fx_dict(fx: FxRate | None) -> dict[str, Any] | None:
    if fx is None:
        return None
    return {"usd_cny": exact(fx.usd_cny), "date": fx.date.isoformat() if fx.date else None, "source": fx.source}


def report_head(
    currency: str, as_of: date, fx: FxRate | None, book: PriceBook, lines_are: str | None = None
) -> dict[str, Any]:
    """Everything in the report but the lines and totals (and ``lines_are``, when given)."""
    head = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "currency": currency,
        "as_of": as_of.isoformat(),
        "fx": fx_dict(fx),
        "price_book": book.digest,
        "price_book_origin": book.origin.to_dict() if book.origin is not None else None,
        "rounding": ROUNDING_RULE,
    }
    if lines_are is not None:
        head["lines_are"] = lines_are
    return head


def bill_report(bill: Bill, book: PriceBook) -> dict[str, Any]:
    """The JSON contract for estimates (schema_version 1).

    ``lines_are`` says what the lines are: ``"workloads"`` (a workload file: the lines add up, and
    ``total`` is the monthly bill) or ``"models"`` (one workload on several models: alternatives,
    so ``total``, their sum, is a bill nobody pays; the table and markdown show no grand total)."""
    named = any(line.workload.name is not None for line in bill.lines)
    return {
        **report_head(bill.currency, bill.as_of, bill.fx, book, "workloads" if named else "models"),
        "lines": [line_dict(line) for line in bill.lines],
        "skipped": [skipped_dict(s) for s in bill.skipped],
        "total": plain(bill.total),
    }


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def sources(lines: list[dict[str, Any]]) -> list[str]:
    """The distinct sources of ``lines``, in order of first use: footnote [n] is sources[n-1]."""
    seen: dict[str, None] = {}
    for line in lines:
        if line.get("source"):
            seen.setdefault(line["source"], None)
    return list(seen)
