"""What the shell completes for a model or provider name: the book's ids, aliases (Chinese names
too), family names and provider ids that begin with what was typed, each with a short description
(zsh and fish show it).  ``cli.options`` wires these into the options that take a model or provider.
"""

from __future__ import annotations

from .book import PriceBook

#: A completion: the word and what it is.
Completion = tuple[str, str]


def _starts(word: str, typed: str) -> bool:
    """Whether ``word`` completes ``typed``; a word a shell would split or show garbled never does."""
    usable = word.isprintable() and not any(c.isspace() for c in word)
    return usable and word.casefold().startswith(typed.casefold())


def _plain(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def model_names(book: PriceBook, typed: str) -> list[Completion]:
    """Model ids, then aliases, then family names (豆包 → its flagship) beginning with ``typed``
    (case-insensitive); each word once, ids first and in book order."""
    out: dict[str, str] = {}
    for model in book.models.values():
        if _starts(model.id, typed):
            out.setdefault(model.id, _plain(f"{model.name} ({model.provider})"))
    for model in book.models.values():
        for alias in model.aliases:
            if _starts(alias, typed):
                out.setdefault(alias, _plain(f"{model.id} ({model.provider})"))
    for family in book.families:
        if family.flagship is None:
            continue
        for name in family.names:
            if _starts(name, typed):
                out.setdefault(name, _plain(f"{family.flagship} ({family.provider})"))
    return list(out.items())


def provider_names(book: PriceBook, typed: str) -> list[Completion]:
    """Provider ids beginning with ``typed``, with how many models each has."""
    counts: dict[str, int] = {}
    for model in book.models.values():
        counts[model.provider] = counts.get(model.provider, 0) + 1
    return [(p, f"{n} models") for p, n in sorted(counts.items()) if _starts(p, typed)]
