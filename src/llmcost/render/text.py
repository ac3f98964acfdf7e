"""Text for people: every string that came from a file, a name or the terminal is made safe for where
it goes, and amounts and counts are written one way.

- ``clean`` (tables and every line on a terminal): control characters, bidirectional overrides and
  line separators are shown as visible escapes (``\\x1b``, ``\\n``, ``\\u202e``), so a name can neither
  move the cursor, set the window title, reorder a line nor break a row.  Rich markup means nothing
  here: nothing llmcost prints goes through a markup parser.
- ``md`` (markdown): ``clean``, then every character markdown gives a meaning to is backslash-escaped,
  so a name cannot add a heading, a table row, an HTML comment or raw HTML.  ``md_link`` writes a
  source as an autolink only when it is a plain http(s) URL, and as escaped text otherwise.
- ``csv_cell`` (CSV): a cell a spreadsheet would run as a formula gets one leading apostrophe, which
  llmcost's CSV reader takes away again (the rule is in ``llmcost.csvcells``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..csvcells import protect as csv_cell
from ..csvcells import unprotect
from ..money import fmt

__all__ = ["amount", "clean", "clean_lines", "count", "csv_cell", "md", "md_link", "plural", "unprotect"]

# C0 and C1 controls, DEL, zero-width space, LRM/RLM, line and paragraph separators, bidirectional
# embeddings, overrides and isolates, interlinear annotation marks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object) -> str:
    """``text`` with every character that could control a terminal shown as a visible escape."""
    return _UNSAFE.sub(_escape, str(text))


_UNSAFE_KEEP_NEWLINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]"
)


def clean_lines(text: str) -> str:
    """``clean``, keeping line breaks: for CSV and JSON shown on a terminal."""
    return _UNSAFE_KEEP_NEWLINES.sub(_escape, text)


# The characters that mean something inside a markdown line: escapes, code, emphasis, links and images,
# HTML and entities, table cells; and "_" except inside a word (snake_case never emphasises).
# (Line-start markup, headings and lists, cannot occur: no line break survives ``clean`` and llmcost
# starts every line itself.)
_MD_SPECIAL = re.compile(r"([\\`*~\[\]<>|&#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def md(text: object) -> str:
    """Plain text for markdown (a table cell or a line): shown literally, never interpreted."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text))


_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def md_link(url: object) -> str:
    """A source URL as an autolink when it is a plain http(s) URL; else as text."""
    text = str(url)
    if _PLAIN_URL.fullmatch(text) and ">" not in text:
        return f"<{text}>"
    return md(text)


def amount(value: str, currency: str) -> str:
    """A report amount (a decimal string) for people: '¥1,234.50'."""
    return fmt(Decimal(value), currency)


def count(value: int | str) -> str:
    """A count of requests or tokens: '60,000' (a fractional count is shown exactly)."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
