"""Markdown pieces: tables and bullet lists whose text is always escaped (``text.md``).

A cell or item is plain text, escaped here, unless it is ``Markup``: markdown that llmcost wrote
itself from escaped parts (bold totals, autolinks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .text import md


class Markup(str):
    """Markdown made by llmcost from escaped parts: written as it is."""


def strong(text: object) -> Markup:
    return Markup(f"**{md(text)}**") if text else Markup("")


def _cell(cell: object) -> str:
    return cell if isinstance(cell, Markup) else md(cell)


def md_table(headers: list[str], rows: Iterable[list[Any]], align: str = "") -> str:
    lines = [
        "| " + " | ".join(md(h) for h in headers) + " |",
        "|" + "|".join(("---:" if a == "r" else "---") for a in align.ljust(len(headers), "l")) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def md_lines(items: Iterable[object]) -> list[str]:
    """A bullet per item."""
    return [f"- {_cell(item)}" for item in items]
