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
- **Private files.** The cache folder is created 0700 and checked to be the user's own and not
  writable by others; files are created 0600 with exclusive, no-follow opens at random names and
  renamed into place; only a regular file owned by the user, no larger than ``MAX_BYTES``, is read
  (a FIFO or a symlink at the cache path is ignored, never waited on or followed).
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
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from .. import paths

MAGIC = b"llmcost-book-cache 2\n"
MAX_BYTES = 64 * 1024 * 1024
KEEP = 8
SECRET_NAME = "cache-secret"

# Tags of the flattened form (the first item of a tagged tuple).
_DEC, _DATE, _TUPLE, _LIST, _PATH, _OBJ = range(6)


def _flatten(value: Any, classes: dict[type, int]) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
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
    return (_OBJ, index, tuple(_flatten(getattr(value, f.name), classes)
                               for f in dataclasses.fields(value) if f.init))


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
    """Create ``path`` 0700 if missing; true if it is the user's own folder, not writable by others."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return False
    return True


def _read_private(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file the user owns and only the user can write; None otherwise.
    Never follows a symlink and never blocks on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022
                or info.st_size > limit):
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


def _write_private(folder: Path, name: str, data: bytes) -> bool:
    """Write ``data`` to ``folder/name`` atomically: a new 0600 file at a random name, then rename."""
    tmp = folder / f".{name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def _secret() -> bytes | None:
    """The user's cache secret, created on first use in the data folder; None if it cannot be had."""
    folder = paths.data_dir()
    if not _private_dir(folder):
        return None
    path = folder / SECRET_NAME
    data = _read_private(path, 1024)
    if data is not None and len(data) >= 32:
        return data
    if data is None and path.exists() or os.path.islink(path):
        return None  # something that is not our secret sits there: no cache rather than trust it
    fresh = secrets.token_bytes(32)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:  # another process made it just now
        data = _read_private(path, 1024)
        return data if data is not None and len(data) >= 32 else None
    except OSError:
        return None
    with os.fdopen(fd, "wb") as f:
        f.write(fresh)
    return fresh


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
        mac, sep, payload = data[len(MAGIC):].partition(b"\n")
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
        payload = marshal.dumps(_flatten(value, self._index))
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


def cache_key(parts: list[bytes], files: list[Path], code: list[Path]) -> str | None:
    """The key of a parsed book: llmcost's version and code, and every file's name and bytes.
    None when a file cannot be read (the parser then reports it)."""
    key = hashlib.sha256()
    for part in parts:
        key.update(part + b"\0")
    try:
        for path in (*code, *files):
            key.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
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
