"""The schema-2 rules about a file's ``checked`` date, which neither the JSON Schema nor the parser
can check alone (docs/price-format.md):

- no price is dated after ``checked`` unless it carries ``announced`` on or before ``checked``
  (an announced future price); otherwise a figure nobody verified would be used from its date;
- a ``retired`` model retired on or before ``checked`` (it happened); a ``deprecated`` one shuts
  down after it (it has not happened yet, else it is retired);
- the family's ``flagship`` is on sale on ``checked``.

``llmcost prices validate`` runs them (``loader.validated``), and so do ``prices update`` and
``prices pack``, which validate through it. Schema-1 files have no ``checked`` date: nothing to check.
"""

from __future__ import annotations

from datetime import date

from ..errors import PriceBookError
from .model import PriceBook


def check_dates(book: PriceBook) -> None:
    """Raise a ``PriceBookError`` naming the file and model for the first rule a model breaks."""
    for model in book.models.values():
        provider = book.providers.get(model.provider)
        checked = model.checked
        if provider is None or provider.schema_version < 2 or checked is None:
            continue

        def fail(message: str) -> None:
            raise PriceBookError(f"model {model.id}: {message}", source=model.origin)  # noqa: B023

        lists = [("prices", model.prices)]
        if model.intl is not None:
            lists.append(("intl.prices", model.intl.prices))
        for where, entries in lists:
            for entry in entries:
                if entry.effective <= checked:
                    continue
                if entry.announced is None:
                    fail(
                        f"{where}: the price from {entry.effective.isoformat()} is dated after checked "
                        f"({checked.isoformat()}); an announced future price gives announced (the day it was "
                        "announced)"
                    )
                if entry.announced > checked:  # type: ignore[operator]
                    fail(
                        f"{where}: the price from {entry.effective.isoformat()} was announced on "
                        f"{entry.announced.isoformat()}, after checked ({checked.isoformat()})"  # type: ignore[union-attr]
                    )
        if model.retired is not None and model.retired > checked:
            fail(
                f"retired on {model.retired.isoformat()}, after checked ({checked.isoformat()}); an announced "
                "shutdown is deprecated.shutdown"
            )
        if model.deprecated is not None and model.deprecated.shutdown <= checked:
            fail(
                f"deprecated.shutdown {model.deprecated.shutdown.isoformat()} is not after checked "
                f"({checked.isoformat()}): it has shut down, make it retired (with retired_source)"
            )
    for family in book.families:
        _flagship_on_sale(book, family.provider, family.flagship)


def _flagship_on_sale(book: PriceBook, provider_id: str, flagship: str | None) -> None:
    provider = book.providers.get(provider_id)
    if flagship is None or provider is None or provider.schema_version < 2 or provider.checked is None:
        return
    model = book.models.get(flagship)
    if model is None or model.provider != provider_id:  # the parser checks it is in the file
        return
    checked: date = provider.checked
    shutdown = model.shutdown
    if shutdown is not None and shutdown <= checked:
        why = f"shut down on {shutdown.isoformat()}"
    elif model.unpriced is not None and not model.prices:
        why = "unpriced"
    elif not any(e.effective <= checked for e in model.prices):
        why = f"not priced until {model.prices[0].effective.isoformat()}"
    else:
        return
    raise PriceBookError(
        f"field family.flagship: {flagship} is {why}; the flagship is a model on sale on checked "
        f"({checked.isoformat()})",
        source=model.origin,
    )
