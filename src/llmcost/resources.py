"""Where the shipped price book lives (inside the installed package)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_prices_dir() -> Path:
    """The folder of shipped YAML price files (``prices/`` in the source tree)."""
    return Path(str(resources.files("llmcost.prices")))
