"""Where the base price book lives: inside the installed package, or LLMCOST_BOOK."""

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
    return Path(str(resources.files("llmcost.price_files")))
