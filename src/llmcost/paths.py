"""Where llmcost keeps its own files, by platform convention (``platformdirs``).

- the cache folder (the parsed price book): ``LLMCOST_CACHE_DIR``, else the platform's user cache
  folder (``$XDG_CACHE_HOME/llmcost`` or ``~/.cache/llmcost`` on Linux);
- the data folder (an installed price-book update, the cache secret): ``LLMCOST_DATA_DIR``, else
  the platform's user data folder (``$XDG_DATA_HOME/llmcost`` or ``~/.local/share/llmcost``).
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    override = os.environ.get("LLMCOST_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmcost", appauthor=False))


def data_dir() -> Path:
    override = os.environ.get("LLMCOST_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("llmcost", appauthor=False))
