"""Notes for users, provenance for maintainers.

A price file gives each price a short ``note`` for users and a ``provenance`` for maintainers (where
the figure was read, doubts, cross-checks), and says whether its source is the vendor's own page or a
third-party copy (``source_kind``).  Tables mark a third-party price with † and say once what the mark
means; ``--verbose`` lists each price's note and provenance under the table; JSON always has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MARK = "†"
FOOTNOTE = f"{MARK} price from a third-party copy, not the vendor's own page."
FOOTNOTE_VERBOSE = (
    f"{MARK} price from a third-party copy, not the vendor's own page (--verbose says where it was read)."
)


def mark(row: dict[str, Any]) -> str:
    """'†' for a price read from a third-party copy, else ''."""
    return MARK if row.get("source_kind") == "third-party" else ""


def footnote(rows: Iterable[dict[str, Any]], verbose: bool = False) -> list[str]:
    """The one line that says what † means, when some row has it."""
    if not any(mark(row) for row in rows):
        return []
    return [FOOTNOTE if verbose else FOOTNOTE_VERBOSE]


def details(items: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    """--verbose: 'who: note. Provenance: …' for each (who, row) whose price has a note or provenance;
    each text once."""
    out: dict[str, None] = {}
    for who, row in items:
        note, provenance = row.get("price_note"), row.get("price_provenance")
        if not note and not provenance:
            continue
        text = f"{who}{mark(row)}: " + " ".join(
            part for part in (_sentence(note), f"Provenance: {_sentence(provenance)}" if provenance else "") if part
        )
        out.setdefault(text, None)
    return list(out)


def _sentence(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if not text or text.endswith((".", "!", "?", "。")) else text + "."
