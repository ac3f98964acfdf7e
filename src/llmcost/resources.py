"""Where the base price book lives: inside the installed package, or LLMCOST_BOOK.

The book actually used (the shipped one, an installed update, or LLMCOST_BOOK) is chosen by
``llmcost.book.installed.active``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def shipped_prices_dir() -> Path:
    """The folder of the base price book.

    Normally the YAML files shipped inside the package (``prices/`` in the source
    tree).  ``LLMCOST_BOOK=FOLDER`` replaces the whole base book, which is how the
    tests run on their own small book and how a team can pin a reviewed copy.
    """
    override = os.environ.get("LLMCOST_BOOK")
    if override:
        return Path(override)
    return packaged_prices_dir()


def packaged_prices_dir() -> Path:
    """The folder of price files shipped inside the installed package (never LLMCOST_BOOK)."""
    return Path(str(resources.files("llmcost.price_files")))
