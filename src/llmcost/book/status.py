"""What ``llmcost prices status`` reports: which book is active and how fresh each part of it is.

The report is plain data (the JSON contract, ``schema_version`` 1); ``render_status`` draws it.
Per provider: the day its prices were last checked against their sources (``checked``, from
schema-2 price files; None before), the newest price date, the number of models; and the FX
table's last date. It also names an installed update that is not used (and why) and the book
``prices update --rollback`` would return to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import installed

SCHEMA_VERSION = 1


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def provider_checked(book: Any, provider: str) -> date | None:
    """A provider's ``checked`` date, wherever the book keeps it (schema 2), else None."""
    table = getattr(book, "providers", None)
    if isinstance(table, dict) and provider in table:
        value = getattr(table[provider], "checked", None)
        if isinstance(value, date):
            return value
    for family in getattr(book, "families", ()):
        if family.provider == provider and isinstance(getattr(family, "checked", None), date):
            return family.checked
    checked = (getattr(m, "checked", None) for m in book.models.values() if m.provider == provider)
    dates = [d for d in checked if isinstance(d, date)]
    return max(dates) if dates else None


def _entries(model: Any) -> list[Any]:
    entries = list(model.prices)
    intl = getattr(model, "intl", None)
    entries.extend(getattr(intl, "prices", None) or ())
    return entries


def status_report(book: Any) -> dict[str, Any]:
    """The status of ``book`` (loaded without user prices: the active book alone)."""
    origin = book.origin
    providers: dict[str, dict[str, Any]] = {}
    for model in book.models.values():
        row = providers.setdefault(
            model.provider, {"provider": model.provider, "checked": None, "newest_price": None, "models": 0}
        )
        row["models"] += 1
        dates = [e.effective for e in _entries(model)]
        if dates:
            newest = max(dates).isoformat()
            row["newest_price"] = max(filter(None, (row["newest_price"], newest)))
    for name, row in providers.items():
        row["checked"] = _iso(provider_checked(book, name))
    fx = book.fx
    rates = [r for r in (fx.rates if fx is not None else ()) if r.date is not None]
    state = _state()
    unused = None
    if origin is not None and origin.unused is not None:
        unused = {
            "description": origin.unused.describe(),
            "book_date": origin.unused.book_date,
            "book_digest": origin.unused.digest,
            "reason": origin.unused_reason,
        }
    rollback = None
    if state is not None and state.has_previous:
        rollback = state.previous.describe() if state.previous else f"the book shipped with llmcost {_version()}"
    return {
        "schema_version": SCHEMA_VERSION,
        "price_book": origin.to_dict() if origin is not None else {"book_digest": book.digest},
        "unused_update": unused,
        "rollback_to": rollback,
        "providers": sorted(providers.values(), key=lambda r: r["provider"]),
        "models": len(book.models),
        "fx": {
            "last_date": rates[-1].date.isoformat() if rates else None,
            "usd_cny": str(rates[-1].usd_cny) if rates else None,
            "rates": len(rates),
        },
    }


def _state() -> installed.State | None:
    try:
        return installed.read_state()
    except Exception:  # a damaged state is reported by the commands that need it
        return None


def _version() -> str:
    from .. import __version__

    return __version__
