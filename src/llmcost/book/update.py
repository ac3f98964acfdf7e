"""Installing a price-book update, rolling it back, and returning to the shipped book.

``update(source)`` takes a folder, a ``.tar.gz``/``.zip`` or an ``http(s)://`` URL to one
(``LLMCOST_BOOK_URL`` when no source is given), and:

1. reads it within the archive rules (``book.archive``) and, for a URL, the download rules
   (``book.download``); with ``sha256`` the archive's bytes must have that digest;
2. validates them *completely* in a scratch folder: everything ``llmcost prices validate``
   checks, each file named after its provider, plus this module's own rules (``check_update``):
   it carries ``fx.yaml``, every provider and model of the shipped book (a book keeps its
   history), and it is not older than the shipped book (it would never be used);
3. only then writes the same bytes to a staging folder next to the installed books, renames it
   into place and switches ``state.json`` to it in one rename. The book it replaces is kept for
   ``rollback``.

Any failure raises an ``LlmcostError`` (one line, exit 2), and the active book is unchanged: the
data folder is not touched before step 3, and there only by the final renames.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import resources
from ..errors import InputError, LlmcostError, UsageError
from . import archive, download, installed
from .installed import Installed, State

DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Change:
    """What an update, a rollback or a reset did, for the command to say."""

    now: str  # the book in use now, described
    before: str  # the book in use before
    providers: int = 0
    models: int = 0
    book_date: date | None = None
    digest: str = ""
    sha256: str | None = None
    note: str | None = None  # e.g. "LLMCOST_BOOK is set and overrides it"


def default_source(given: str | None) -> str:
    source = given if given is not None else os.environ.get("LLMCOST_BOOK_URL") or None
    if source is None or not source.strip():
        raise UsageError(
            "give --from URL|PATH (a folder, .tar.gz or .zip of price files, or an https:// URL to "
            "one), or set LLMCOST_BOOK_URL"
        )
    return source.strip()


def parse_sha256(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise UsageError(f"--sha256: '{archive.shown(text)}' is not a sha256 (64 hexadecimal digits)")
    return value


def parse_timeout(text: str | None) -> float:
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value <= MAX_TIMEOUT):  # also refuses NaN
        raise UsageError(
            f"--timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds, not '{archive.shown(text)}'"
        )
    return value


def _current() -> str:
    try:
        return installed.active().describe()
    except InputError:
        return "a damaged installed update"


def read_source(source: str, *, sha256: str | None, timeout: float) -> tuple[archive.BookFiles, str, str | None]:
    """The files of an update source, how to name the source, and the archive's sha256."""
    from .. import __version__

    if download.is_url(source):
        data = download.fetch(
            source, timeout=timeout, max_bytes=archive.MAX_ARCHIVE_BYTES, user_agent=f"llmcost/{__version__}"
        )
        where = download.display_url(source)
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source):
        raise UsageError(f"--from: '{archive.shown(source)}': only http:// and https:// URLs, or a local path")
    else:
        path = Path(source)
        if path.is_dir():
            if sha256 is not None:
                raise UsageError("--sha256 pins an archive (.tar.gz or .zip), not a folder")
            return archive.read_folder(path), archive.shown(str(path.resolve())), None
        where = archive.shown(str(path.resolve()) if path.exists() else source)
        data = archive.read_file(path)
    digest = archive.sha256_hex(data)
    if sha256 is not None and digest != sha256:
        raise InputError(
            f"sha256 mismatch: --sha256 says {sha256}, the archive is {digest} (not installed)", source=where
        )
    return archive.read_bytes(data, where), where, digest


def check_update(book, shipped, where: str) -> None:
    """The update's own rules, beyond what ``prices validate`` checks (see the module docstring)."""
    from .. import __version__

    if book.fx is None:
        raise InputError("an update must carry fx.yaml (the USD/CNY rates)", source=where)
    if not book.models:
        raise InputError("no models in it", source=where)
    if shipped is None:
        return
    theirs = {m.provider for m in book.models.values()}
    missing = sorted({m.provider for m in shipped.models.values()} - theirs)
    if missing:
        raise InputError(
            f"the provider{'s' if len(missing) > 1 else ''} {', '.join(missing)} of the shipped book "
            f"{'are' if len(missing) > 1 else 'is'} missing (an update is a whole book)",
            source=where,
        )
    gone = sorted(set(shipped.models) - set(book.models))
    if gone:
        shown = ", ".join(gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
        raise InputError(
            f"models of the shipped book are missing: {shown} (a book keeps its history: a model "
            "that is no longer sold is retired, not removed)",
            source=where,
        )
    ours, new = installed.parsed_date(shipped), installed.parsed_date(book)
    if ours is not None and (new is None or new < ours):
        raise InputError(
            f"this book ({new.isoformat() if new else 'undated'}) is older than the book shipped "
            f"with llmcost {__version__} ({ours.isoformat()}); it would never be used",
            source=where,
        )


def validate_files(files: dict[str, bytes], where: str, *, shipped=None):
    """Validate a book's files completely (as a base book is loaded, plus ``check_update``) in a
    scratch folder, before anything is installed. Errors name ``where`` and the file, never the
    scratch folder. Returns the book."""
    from . import loader

    scratch = Path(tempfile.mkdtemp(prefix="llmcost-book-"))
    try:
        for name, content in files.items():
            (scratch / name).write_bytes(content)
        try:
            book, _ = loader.validated(scratch, base=True)
        except LlmcostError as exc:
            text = str(exc).replace(str(scratch) + os.sep, "").replace(str(scratch), "")
            raise InputError(text, source=where) from None
        check_update(book, shipped, where)
        return book
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def update(
    source: str | None = None, *, sha256: str | None = None, timeout: float = DEFAULT_TIMEOUT, today: date | None = None
) -> Change:
    """Install a book update (see the module docstring). Nothing changes unless it all passes."""
    from . import loader

    source = default_source(source)
    files, where, digest = read_source(source, sha256=sha256, timeout=timeout)
    shipped = loader.build([loader._base(resources.packaged_prices_dir())])
    book = validate_files(files.files, where, shipped=shipped)
    when = installed.parsed_date(book)
    folder = installed.books_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with installed.locked():
        before = _current()
        state = installed.read_state()  # a damaged state is an error here ('prices reset' is the way out)
        staging = folder / f"tmp-{secrets.token_hex(8)}"
        try:
            staging.mkdir(mode=0o700)
            for name, content in files.files.items():
                with open(staging / name, "xb") as handle:
                    handle.write(content)
            book_digest = loader.digest_of((p, p.read_bytes()) for p in sorted(staging.iterdir()))
            final = folder / f"b-{book_digest}-{secrets.token_hex(4)}"
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        entry = Installed(
            folder=final.name,
            digest=book_digest,
            book_date=when.isoformat() if when else None,
            updated=(today or date.today()).isoformat(),
            source=where,
            sha256=digest,
        )
        installed.write_state(State(active=entry, previous=state.active, has_previous=True))
        _prune({entry.folder, state.active.folder if state.active else ""})
    note = "LLMCOST_BOOK is set and overrides it" if os.environ.get("LLMCOST_BOOK") else None
    return Change(
        now=entry.describe(),
        before=before,
        providers=len({m.provider for m in book.models.values()}),
        models=len(book.models),
        book_date=when,
        digest=book_digest,
        sha256=digest,
        note=note,
    )


def rollback() -> Change:
    """Return to the book the last update (or reset) replaced; the one left is kept, so a second
    rollback undoes the first."""
    with installed.locked():
        state = installed.read_state()
        if not state.has_previous:
            raise UsageError("nothing to roll back to: no update has replaced a book yet")
        target = state.previous
        if target is not None and not (installed.books_dir() / target.folder).is_dir():
            raise InputError(
                f"the book to roll back to ({target.describe()}) is missing; 'llmcost prices reset' "
                "returns to the shipped book",
                source=str(installed.books_dir() / target.folder),
            )
        before = _current()
        installed.write_state(State(active=target, previous=state.active, has_previous=True))
        now = _current()
    return Change(now=now, before=before, digest=target.digest if target else "")


def reset() -> Change:
    """Use the book shipped with this llmcost again. The update it leaves is kept for rollback;
    a damaged state is replaced (this is the way out of one)."""
    with installed.locked():
        damaged = False
        try:
            state = installed.read_state()
        except InputError:
            state, damaged = State(), True
        before = _current()
        if state.active is None and not damaged:
            return Change(now=before, before=before, note="no update is in use")
        installed.write_state(State(active=None, previous=state.active, has_previous=state.active is not None))
        _prune({state.active.folder} if state.active else set())
        now = _current()
    return Change(now=now, before=before)


def _prune(keep: set[str]) -> None:
    """Remove installed books nobody can return to, and leftovers of interrupted installs."""
    folder = installed.books_dir()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("b-") and name not in keep and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        elif name.startswith("tmp-") and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)  # we hold the lock: no install is under way
        elif name.startswith(".state-") and name.endswith(".tmp"):
            try:
                os.unlink(entry.path)
            except OSError:
                pass
