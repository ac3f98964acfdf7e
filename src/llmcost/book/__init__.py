"""The price book: what it is (``model``), its file format (``schema``), parsing one file (``parse``),
loading and validating the whole book (``loader``) and caching the parsed shipped book (``cache``).
Installing a newer book between releases: ``update``, ``installed``, ``archive``, ``download``,
``publish``; what is active: ``status``.

Everything a caller needs is importable from here::

    from llmcost import book
    prices = book.load()                      # the shipped book, plus LLMCOST_PRICES if set
    model = prices.resolve("豆包")             # a name people type → a Model
    entry = model.price_at(date(2024, 6, 1))  # the dated price in force that day
"""

from .loader import build, load, load_only, validate, with_models
from .model import (
    SPECIAL_FILES,
    UNITS,
    Band,
    Family,
    FreeQuota,
    FxTable,
    Model,
    NoPriceError,
    PriceBook,
    PriceEntry,
)

__all__ = [
    "SPECIAL_FILES",
    "UNITS",
    "Band",
    "Family",
    "FreeQuota",
    "FxTable",
    "Model",
    "NoPriceError",
    "PriceBook",
    "PriceEntry",
    "build",
    "load",
    "load_only",
    "validate",
    "with_models",
]
