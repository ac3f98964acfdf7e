"""The parsed-book cache: the shipped book parsed once per content, kept as plain data.

Parsing and validating the YAML price files costs a few hundred milliseconds; this cache brings a
command's book down to a few.  What is cached cannot run code and cannot be doctored unnoticed:

- **Plain data.** The parsed book is flattened to builtin values (tuples, strings, ints; a
  ``Decimal`` as its string, a date as its ordinal) and written with ``marshal``; it is read back
  into the book's own classes through a fixed list of them.  Nothing in the file names a class,
  a function or a module to import.
- **Bound to its key.** The file name is a hash of llmcost's version and code and the bytes of
  every price file (a changed file is a new key).  The content carries an HMAC-SHA256 of the key
  and the data, with a secret kept in llmcost's *data* folder (not the cache folder, which CI
  systems share and restore): a file planted or altered by anyone without that secret fails the
  check and the book is parsed from the YAML again.  The data is only unmarshalled once it passes.
- **Private files.** The cache folder (and any parent it needs) is created 0700 and checked to be the
  user's own and not writable by others; files are created 0600 with exclusive, no-follow opens at
  random names and renamed into place; only a regular file owned by the user, no larger than
  ``MAX_BYTES``, is read (a FIFO or a symlink at the cache path is ignored, never waited on or
  followed).  The secret must be readable by the user alone, and is written whole before it is
  linked into place, so no process ever reads half of one.
- **Pruned.** At most ``KEEP`` entries are kept; older ones are removed when a new one is written.

Any problem with the cache (unreadable, foreign, damaged, a read-only home) means no cache, never
an error: the book is parsed again and the result is the same.  ``LLMCOST_NO_CACHE=1`` turns it
off; ``LLMCOST_CACHE_DIR`` and ``LLMCOST_DATA_DIR`` move the folders.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import marshal
import os
import secrets
import stat
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import paths

MAGIC = b"llmcost-book-cache 2\n"
MAX_BYTES = 64 * 1024 * 1024
KEEP = 8
SECRET_NAME = "cache-secret"

# Tags of the flattened form (the first item of a tagged tuple).
_DEC, _DATE, _TUPLE, _LIST, _PATH, _OBJ = range(6)


def _flatten(value: Any, classes: dict[type, int]) -> Any:
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return value
    if isinstance(value, Decimal):
        return (_DEC, str(value))
    if isinstance(value, date):
        return (_DATE, value.toordinal())
    if isinstance(value, tuple):
        return (_TUPLE, tuple(_flatten(v, classes) for v in value))
    if isinstance(value, list):
        return (_LIST, tuple(_flatten(v, classes) for v in value))
    if isinstance(value, Path):
        return (_PATH, str(value))
    if isinstance(value, dict):
        raise TypeError("dicts are not cached")  # the parsed book has none: its mappings are rebuilt
    index = classes.get(type(value))
    if index is None:
        raise TypeError(f"{type(value).__name__} is not a cacheable class")
    return (_OBJ, index, tuple(_flatten(getattr(value, f.name), classes) for f in dataclasses.fields(value) if f.init))


def _restore(value: Any, classes: tuple[tuple[type, tuple[str, ...]], ...]) -> Any:
    if not isinstance(value, tuple):
        return value
    tag = value[0]
    if tag == _DEC:
        return Decimal(value[1])
    if tag == _DATE:
        return date.fromordinal(value[1])
    if tag == _TUPLE:
        return tuple(_restore(v, classes) for v in value[1])
    if tag == _LIST:
        return [_restore(v, classes) for v in value[1]]
    if tag == _PATH:
        return Path(value[1])
    if tag == _OBJ:
        cls, names = classes[value[1]]
        return cls(**dict(zip(names, (_restore(v, classes) for v in value[2]), strict=True)))
    raise ValueError(f"unknown tag {tag!r}")


def _private_dir(path: Path) -> bool:
    """Create ``path`` (and any missing parent) 0700; true if it is the user's own folder, not writable
    by others."""
    try:
        missing = []
        at = path
        while not os.path.lexists(at) and at != at.parent:
            missing.append(at)
            at = at.parent
        for folder in reversed(missing):
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:  # made by another process just now: checked below like any other
                pass
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _read_private(path: Path, limit: int, others: int = 0o022) -> bytes | None:
    """The bytes of a regular file the user owns and whose mode has none of the ``others`` bits (by
    default: only the user can write it); None otherwise. Never follows a symlink and never blocks on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.geteuid()
            or info.st_mode & others
            or info.st_size > limit
        ):
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` 0600 (exclusive: never through a link, never over a file) holding ``data``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return True
    except OSError:  # a full disk
        _unlink(path)
        return False


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_private(folder: Path, name: str, data: bytes) -> bool:
    """Write ``data`` to ``folder/name`` atomically: a new 0600 file at a random name, then rename."""
    tmp = folder / f".{name}.{secrets.token_hex(8)}.tmp"
    if not _write_new(tmp, data):
        return False
    try:
        os.replace(tmp, folder / name)
        return True
    except OSError:
        _unlink(tmp)
        return False


#: The secret is private to the user: others may neither write it nor read it (they could sign with it).
_SECRET_OTHERS = 0o077


def _secret() -> bytes | None:
    """The user's cache secret, created on first use in the data folder; None if it cannot be had."""
    folder = paths.data_dir()
    if not _private_dir(folder):
        return None
    path = folder / SECRET_NAME
    data = _read_private(path, 1024, _SECRET_OTHERS)
    if data is not None and len(data) >= 32:
        return data
    if data is None and os.path.lexists(path):
        return None  # something that is not our secret sits there: no cache rather than trust it
    if data is not None:  # ours but cut short (written by an llmcost that did not write it atomically)
        _unlink(path)
    # Written whole at a random name, then linked into place (a link never replaces a file): nobody
    # reads a half-written secret, and of two processes making it at once, one secret wins.
    tmp = folder / f".{SECRET_NAME}.{secrets.token_hex(8)}.tmp"
    if not _write_new(tmp, secrets.token_bytes(32)):
        return None
    try:
        os.link(tmp, path)
    except OSError:  # FileExistsError: another process made it just now; else no hard links here
        pass
    finally:
        _unlink(tmp)
    data = _read_private(path, 1024, _SECRET_OTHERS)
    return data if data is not None and len(data) >= 32 else None


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


class BookCache:
    """One cache folder; ``get`` and ``put`` a parsed book by key."""

    def __init__(self, folder: Path, classes: tuple[type, ...]):
        self.folder = folder
        self._index = {cls: i for i, cls in enumerate(classes)}
        self._fields = tuple((cls, tuple(f.name for f in dataclasses.fields(cls) if f.init)) for cls in classes)

    @classmethod
    def default(cls, classes: tuple[type, ...]) -> BookCache | None:
        if os.environ.get("LLMCOST_NO_CACHE"):
            return None
        return cls(paths.cache_dir(), classes)

    def _name(self, key: str) -> str:
        return f"book-{key[:32]}.cache"

    def get(self, key: str) -> Any | None:
        data = _read_private(self.folder / self._name(key), MAX_BYTES)
        if data is None or not data.startswith(MAGIC):
            return None
        mac, sep, payload = data[len(MAGIC) :].partition(b"\n")
        secret = _secret() if sep else None
        if secret is None or not hmac.compare_digest(mac, _mac(secret, key, payload)):
            return None
        try:
            return _restore(marshal.loads(payload), self._fields)
        except Exception:  # written by another build of llmcost with other classes: parse again
            return None

    def put(self, key: str, value: Any) -> bool:
        secret = _secret()
        if secret is None or not _private_dir(self.folder):
            return False
        try:
            payload = marshal.dumps(_flatten(value, self._index))
        except (TypeError, ValueError):  # not plain data (a class this cache was not told of): not cached
            return False
        if not _write_private(self.folder, self._name(key), MAGIC + _mac(secret, key, payload) + b"\n" + payload):
            return False
        self.prune()
        return True

    def prune(self, keep: int = KEEP) -> None:
        """Keep the ``keep`` newest entries; remove the rest, and temporary files an hour old."""
        import time

        entries: list[tuple[float, Path]] = []
        try:
            for path in self.folder.iterdir():
                info = path.lstat()
                if path.name.startswith("book-") and path.name.endswith(".cache"):
                    entries.append((info.st_mtime, path))
                elif path.name.endswith(".tmp") and info.st_mtime < time.time() - 3600:
                    path.unlink()
                elif path.name.startswith("book-") and path.name.endswith(".pickle"):
                    path.unlink()  # the old pickle format is never read again
        except OSError:
            return
        for _, path in sorted(entries, reverse=True)[keep:]:
            try:
                path.unlink()
            except OSError:
                pass


def cache_key(parts: list[bytes], files: list[tuple[Path, bytes]], code: list[Path]) -> str | None:
    """The key of a parsed book: llmcost's version and code, and every file's name and bytes (the
    bytes the book is then parsed from: what is cached under a key is what the key was made of).
    None when llmcost's own code cannot be read."""
    key = hashlib.sha256()
    for part in parts:
        key.update(part + b"\0")
    try:
        for path in code:
            key.update(os.fsencode(path.name) + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    for path, data in files:
        key.update(os.fsencode(path.name) + b"\0" + data + b"\0")
    return key.hexdigest()


def cached(key: str | None, cache: BookCache | None, parse: Callable[[], Any]) -> Any:
    """The cached value for ``key``, or ``parse()`` (then cached)."""
    if key is None or cache is None:
        return parse()
    value = cache.get(key)
    if value is None:
        value = parse()
        cache.put(key, value)
    return value
