"""What a what-if comparison says about tokenizers: the records' token counts are reused on the
other model, but the same text is a different number of tokens there.  With a sample text and two
exact tokenizers, by how much."""

from __future__ import annotations

from decimal import Decimal

from ..book import Model
from ..money import round_to


def tokenizer_notes(sources: list[Model], what_if: tuple[Model, ...], sample: str | None) -> list[str]:
    """One note per what-if model and tokenizer of the records' models, where the two differ."""
    from ..tokens import get_counter

    by_tokenizer: dict[str, list[str]] = {}
    for model in sources:
        by_tokenizer.setdefault(model.tokenizer, []).append(model.id)
    notes = []
    for other in what_if:
        for tokenizer, ids in sorted(by_tokenizer.items()):
            if tokenizer == other.tokenizer:
                continue
            text = (
                f"{other.id} is priced on the records' own token counts, but its tokenizer ({other.tokenizer}) "
                f"differs from that of {', '.join(ids)} ({tokenizer})"
            )
            if sample is None:
                notes.append(text + ": the same text may be more or fewer tokens on it (--sample TEXT measures it)")
                continue
            mine, theirs = get_counter(tokenizer), get_counter(other.tokenizer)
            if not (mine.exact and theirs.exact):
                estimate = tokenizer if not mine.exact else other.tokenizer
                notes.append(text + f": not measured, {estimate} is an estimate, not an exact tokenizer")
                continue
            a, b = mine.count(sample), theirs.count(sample)
            if a == 0:
                notes.append(text + ": the sample has no tokens to compare")
                continue
            ratio = round_to(Decimal(b) / Decimal(a), Decimal("0.01"))
            notes.append(text + f": the sample is {b:,} tokens on {other.id}, {a:,} on {ids[0]} ({ratio}x)")
    return notes
