"""CSV cells that no spreadsheet runs as a formula, and that llmcost reads back unchanged.

The rule: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, is longer
than that one character, and is not a plain number (``-12.50``, ``1,000``, ``-96.3%``) is written
with one leading apostrophe, which spreadsheets show as text.  So is a cell that already begins with
an apostrophe followed by one of those characters.  llmcost's CSV reader takes away one apostrophe
before such a character, so the CSV that llmcost writes reads back into it unchanged.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?%?")


def protect(value: object) -> str:
    """The cell as written: see the module's docstring."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and len(text) > 1 and not _NUMBER.fullmatch(text):
        return "'" + text
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_START and text.lstrip("'"):
        return "'" + text  # else the reader would take its own apostrophe away
    return text


def unprotect(cell: str) -> str:
    """A cell as ``protect`` was given it: one apostrophe before a formula character is taken away."""
    if cell[:1] == "'":
        rest = cell.lstrip("'")
        if rest and rest[0] in FORMULA_START:
            return cell[1:]
    return cell
