"""The one reader of calendar dates: YYYY-MM-DD, ASCII digits, nothing else.

``date.fromisoformat`` is not used for input: Python 3.11 made it accept ``20240601``,
``2024-W23-1`` and ``2024-06-01T…`` forms that 3.10 refuses, so what llmcost accepted would
depend on the Python running it.  ``--as-of``, ``--since``/``--until``, and the dates in price
files and the installed-book state all come through here.
"""

from __future__ import annotations

import re
from datetime import date

_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_day(text: str) -> date:
    """``"2024-06-01"`` → ``date(2024, 6, 1)``; ValueError for any other text or a day that does not exist."""
    match = _DAY.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date")
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)  # ValueError for 2024-02-30, month 13, year 0
