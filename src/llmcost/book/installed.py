"""Which price book is active: the shipped one, an installed update, or ``LLMCOST_BOOK``.

This module owns the installed-update *state* in the user's data folder (``paths.data_dir()``,
``LLMCOST_DATA_DIR`` overrides it) and the rule that picks the active book:

1. ``LLMCOST_BOOK=FOLDER`` overrides everything (a pinned, reviewed copy; the tests' own book);
2. else an installed update, unless the book shipped with this llmcost is newer (a later book
   date: see ``book_date``); on a tie the update wins, being the later act;
3. else the shipped book.

Layout under ``<data_dir>/books/``: ``state.json`` (the active update and the one it replaced,
written whole and renamed into place), one folder per installed book (``b-<digest>-<random>``,
never changed once installed), a ``lock`` file held while the state changes. Installing,
rolling back and resetting are in ``book.update``; this module only reads and writes the state.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .. import paths, resources
from ..dates import parse_day
from ..errors import InputError

STATE_VERSION = 1
MAX_STATE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Installed:
    """One installed update, as the state records it."""

    folder: str  # a folder name under books/
    digest: str  # the book's digest (as ``PriceBook.digest`` computes it)
    book_date: str | None  # ISO date: the newest date in the book (see ``book_date``)
    updated: str  # ISO date it was installed
    source: str  # the URL or path it came from (URLs without credentials or query)
    sha256: str | None = None  # of the archive, when it was one

    def describe(self) -> str:
        return f"updated on {self.updated} from {self.source}"


@dataclass(frozen=True)
class State:
    """The active update (None: the shipped book) and the book it replaced (for --rollback)."""

    active: Installed | None = None
    previous: Installed | None = None
    has_previous: bool = False  # True when --rollback has somewhere to go (previous None = shipped)


@dataclass(frozen=True)
class ActiveBook:
    """The book in use and why; ``digest`` is filled in by the loader once the files are read."""

    kind: str  # "shipped", "update" or "folder" (LLMCOST_BOOK)
    folder: Path
    version: str  # the running llmcost's version (the shipped book came with it)
    book_date: date | None = None
    update: Installed | None = None  # kind == "update": which one
    unused: Installed | None = None  # an installed update that is not used...
    unused_reason: str | None = None  # ...and why
    digest: str = ""
    shipped_date: date | None = None

    def describe(self) -> str:
        if self.kind == "update" and self.update is not None:
            return self.update.describe()
        if self.kind == "folder":
            return f"the folder in LLMCOST_BOOK ({self.folder})"
        return f"shipped with llmcost {self.version}"

    def to_dict(self) -> dict[str, Any]:
        """The ``price_book`` identity of a JSON report and of ``prices status``."""
        update = self.update if self.kind == "update" else None
        return {
            "active": self.kind,
            "description": self.describe(),
            "book_digest": self.digest,
            "book_date": self.book_date.isoformat() if self.book_date else None,
            "llmcost": self.version,
            "updated": update.updated if update else None,
            "source": update.source if update else None,
            "sha256": update.sha256 if update else None,
        }


def books_dir() -> Path:
    return paths.data_dir() / "books"


def _installed(raw: Any) -> Installed | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("an entry is not an object")
    text: dict[str, str] = {}
    for key in ("folder", "digest", "updated", "source"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{key} is missing")
        text[key] = value
    if not _plain_name(text["folder"]):
        raise ValueError("folder is not a plain name")
    optional: dict[str, str | None] = {}
    for key in ("book_date", "sha256"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key} is not text")
        if key == "book_date" and value is not None:
            parse_day(value)  # ValueError: not a YYYY-MM-DD date
        optional[key] = value
    return Installed(**text, book_date=optional["book_date"], sha256=optional["sha256"])


def _plain_name(name: str) -> bool:
    return name.startswith("b-") and all(c.isalnum() or c in "-_" for c in name) and len(name) < 100


def read_state() -> State:
    """The recorded state; an empty one when nothing was ever installed."""
    path = books_dir() / "state.json"
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return State()
    except OSError as exc:
        raise InputError(
            f"cannot read the installed price-book state ({exc.strerror or exc}); 'llmcost prices reset' starts afresh",
            source=str(path),
        ) from None
    try:
        if len(data) > MAX_STATE_BYTES:
            raise ValueError("too large")
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
            raise ValueError("not a state this llmcost writes")
        return State(
            active=_installed(raw.get("active")),
            previous=_installed(raw.get("previous")),
            has_previous=bool(raw.get("has_previous")),
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"the installed price-book state is damaged ({exc}); 'llmcost prices reset' returns to the shipped book",
            source=str(path),
        ) from None


def write_state(state: State) -> None:
    """Replace the state in one rename: a reader sees the old one or the new one, never half."""
    folder = books_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {
        "version": STATE_VERSION,
        "active": asdict(state.active) if state.active else None,
        "previous": asdict(state.previous) if state.previous else None,
        "has_previous": state.has_previous,
    }
    tmp = folder / f".state-{secrets.token_hex(6)}.tmp"
    with open(tmp, "x", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / "state.json")


@contextmanager
def locked() -> Iterator[None]:
    """Hold the books lock while the state changes (two updates at once do not interleave)."""
    folder = books_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / "lock", "a+b") as handle:
        if sys.platform == "win32":  # pragma: no cover - Windows: msvcrt locks a byte range instead
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            return
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# -- the book date, and choosing the active book ----------------------------------------------


def book_date(models: Any, fx: Any = None, checked: Any = ()) -> date | None:
    """How new a book is: the newest of its providers' ``checked`` dates (schema 2), its price
    ``effective`` dates, its retirement dates and its exchange-rate dates. An announced future
    price (``announced``) says nothing about when the book was made: a book checked in November
    that carries a price announced for next year is a November book (else it would outrank a newer
    shipped book until next year)."""
    dates: list[date] = [d for d in checked if isinstance(d, date)]
    for model in models:
        intl = getattr(model, "intl", None)
        for entry in (*model.prices, *(getattr(intl, "prices", None) or ())):
            if getattr(entry, "announced", None) is None:
                dates.append(entry.effective)
        value = getattr(model, "retired", None)
        if isinstance(value, date):
            dates.append(value)
    if fx is not None:
        dates.extend(r.date for r in fx.rates if r.date is not None)
    return max(dates) if dates else None


def parsed_date(parsed: Any) -> date | None:
    """``book_date`` of a parsed book layer (``loader._Parsed``) or a ``PriceBook``."""
    models = parsed.models.values() if isinstance(parsed.models, dict) else parsed.models
    checked = [
        getattr(p, "checked", None)
        for p in (*getattr(parsed, "families", ()), *_values(getattr(parsed, "providers", ())))
    ]
    checked += [getattr(m, "checked", None) for m in models]
    return book_date(models, getattr(parsed, "fx", None), checked)


def _values(x: Any) -> Any:
    return x.values() if isinstance(x, dict) else x


def shipped_date() -> date | None:
    from .loader import _base

    return parsed_date(_base(resources.packaged_prices_dir()))


def active() -> ActiveBook:
    """The book every command prices from (see the module docstring for the rule)."""
    from .. import __version__

    override = os.environ.get("LLMCOST_BOOK")
    if override:
        state = _quiet_state()
        return ActiveBook(
            "folder",
            Path(override),
            __version__,
            unused=state.active if state else None,
            unused_reason="LLMCOST_BOOK is set and overrides it" if state and state.active else None,
        )
    shipped = resources.packaged_prices_dir()
    if not (books_dir() / "state.json").exists():
        return ActiveBook("shipped", shipped, __version__)
    state = read_state()
    if state.active is None:
        return ActiveBook("shipped", shipped, __version__)
    update = state.active
    folder = books_dir() / update.folder
    if not folder.is_dir():
        raise InputError(
            "the installed price-book update is missing; 'llmcost prices reset' returns to the shipped book",
            source=str(folder),
        )
    ours = shipped_date()
    theirs = parse_day(update.book_date) if update.book_date else None
    if ours is not None and (theirs is None or ours > theirs):
        return ActiveBook(
            "shipped",
            shipped,
            __version__,
            book_date=ours,
            unused=update,
            shipped_date=ours,
            unused_reason=f"the book shipped with llmcost {__version__} is newer "
            f"({ours.isoformat()} > {theirs.isoformat() if theirs else 'undated'})",
        )
    return ActiveBook("update", folder, __version__, book_date=theirs, update=update, shipped_date=ours)


def _quiet_state() -> State | None:
    try:
        return read_state()
    except InputError:
        return None
