"""Price-book archives: what a book update may contain, reading one safely, and packing one.

A book update is a folder, a ``.tar.gz`` or a ``.zip`` of price files in the shipped format. This
module owns the rules of its *shape*; what the files say is checked by the loader
(``book.update`` runs it on the unpacked files before anything is installed):

- only price files: ``NAME.yaml`` where NAME is a provider name (lowercase letters, digits, ``_``
  and ``-``), ``fx.yaml`` and ``holidays.yaml``; at the top of the archive or all inside one
  folder. ``tokenizers.yaml`` is refused (an update changes prices, never how tokens are
  counted), and so is every other file;
- nothing that can leave the folder: absolute paths, ``..``, backslashes, drive letters; no
  symbolic or hard links, devices or FIFOs; no encrypted zip members; no name twice;
- bounded: the archive at most ``MAX_ARCHIVE_BYTES``, each file at most ``MAX_FILE_BYTES``,
  all files together at most ``MAX_TOTAL_BYTES`` once unpacked, at most ``MAX_FILES`` files.
  A ``.tar.gz`` is decompressed with a bound, so a small archive that unpacks to gigabytes
  stops at the limit instead of filling memory or the disk.

Everything is read into memory (the limits keep it small); nothing is written here except by
``pack``, which writes a reproducible archive (sorted names, fixed times and owners) and its
sha256.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError

MAX_ARCHIVE_BYTES = 16 * 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024
MAX_FILES = 500

#: A price file's name: a provider name (the schema's pattern) or fx/holidays, then ``.yaml``.
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}\.yaml$")
#: The one folder an archive may keep its files in (``pack`` writes ``llmcost-prices``).
FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
PACK_FOLDER = "llmcost-prices"

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class BookFiles:
    """The price files of a book, by name, as bytes."""

    files: dict[str, bytes]
    kind: str  # "folder", "tar.gz" or "zip"


def shown(text: str) -> str:
    """Text from a name, an archive or a server, safe to print on one terminal line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _refuse(what: str, message: str, member: str | None = None) -> InputError:
    where = f"{what}: {shown(member)}" if member is not None else what
    return InputError(message, source=where)


def _parts(name: str, what: str) -> list[str]:
    """A member name → its path parts, or an error if it could leave the folder."""
    if "\\" in name or "\0" in name:
        raise _refuse(what, "a path with a backslash or NUL (refused)", name)
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise _refuse(what, "an absolute path (an update stays inside its folder)", name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _refuse(what, "a path that leaves the archive's folder (refused)", name)
    if not parts:
        raise _refuse(what, "an empty name", name)
    if len(parts) > 2 or (len(parts) == 2 and not FOLDER_NAME.match(parts[0])):
        raise _refuse(what, "a file in a subfolder (an update holds price files at its top, or in one folder)", name)
    return parts


def check_name(name: str, what: str) -> tuple[str | None, str]:
    """A member name → (its folder or None, the price file's name), or an error saying why not."""
    parts = _parts(name, what)
    base = parts[-1]
    if base == "tokenizers.yaml":
        raise _refuse(what, "an update carries prices only; tokenizers come with llmcost itself", name)
    if not FILE_NAME.match(base):
        raise _refuse(
            what,
            "not a price file (an update holds only NAME.yaml price files: lowercase "
            "provider names, fx.yaml, holidays.yaml; 'llmcost prices pack' makes one from a "
            "prices folder)",
            name,
        )
    return (parts[0] if len(parts) == 2 else None), base


class _Collector:
    """Adds files one by one, enforcing the limits, the one folder and unique names."""

    def __init__(self, what: str, kind: str):
        self.what, self.kind = what, kind
        self.files: dict[str, bytes] = {}
        self.tops: set[str | None] = set()  # None: a file at the top
        self.total = 0

    def _place(self, top: str | None, name: str) -> None:
        self.tops.add(top)
        if len(self.tops) > 1:
            raise _refuse(
                self.what,
                "files in more than one folder (an update holds its price files at its top, or all in one folder)",
                name,
            )

    def folder(self, name: str) -> None:
        parts = _parts(name, self.what)
        if len(parts) != 1:
            raise _refuse(self.what, "a subfolder (an update holds price files at its top, or in one folder)", name)
        if not FOLDER_NAME.match(parts[0]):
            raise _refuse(self.what, "a folder name that is not plain letters, digits, '.', '_' or '-'", name)
        self._place(parts[0], name)

    def declared(self, name: str, size: int) -> str:
        """Check a member before reading it: its name and place, its declared size, the count."""
        top, base = check_name(name, self.what)
        if size > MAX_FILE_BYTES:
            raise _refuse(self.what, f"a file of {size:,} bytes (at most {MAX_FILE_BYTES:,})", name)
        if len(self.files) >= MAX_FILES:
            raise _refuse(self.what, f"more than {MAX_FILES} files")
        if base in self.files:
            raise _refuse(self.what, "the same price file twice", name)
        self._place(top, name)
        return base

    def add(self, name: str, base: str, data: bytes) -> None:
        if len(data) > MAX_FILE_BYTES:
            raise _refuse(self.what, f"a file of more than {MAX_FILE_BYTES:,} bytes", name)
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise _refuse(self.what, f"unpacks to more than {MAX_TOTAL_BYTES:,} bytes")
        self.files[base] = data

    def result(self) -> BookFiles:
        if not self.files:
            raise InputError("no price files in it", source=self.what)
        return BookFiles(dict(sorted(self.files.items())), self.kind)


# -- reading -----------------------------------------------------------------------------


def read_bytes(data: bytes, what: str) -> BookFiles:
    """An archive's bytes (from a file or a download) → its price files; the kind from its first bytes."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise InputError(f"an archive of {len(data):,} bytes (at most {MAX_ARCHIVE_BYTES:,})", source=what)
    if data.startswith(_GZIP_MAGIC):
        return read_tar_gz(data, what)
    if data.startswith(_ZIP_MAGIC):
        return read_zip(data, what)
    if not data:
        raise InputError("an empty file, not a .tar.gz or .zip", source=what)
    raise InputError("not a .tar.gz or .zip archive (its first bytes are neither)", source=what)


def _gunzip(data: bytes, what: str) -> bytes:
    """Decompress at most the limit (plus tar's headers), never more: a bomb stops at the bound."""
    bound = MAX_TOTAL_BYTES + (MAX_FILES + 4) * 1024 + 10240
    out = io.BytesIO()
    rest = data
    try:
        while rest:  # a .gz may hold several members, one after another
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = inflater.decompress(rest, bound + 1 - out.tell())
            out.write(chunk)
            while inflater.unconsumed_tail and out.tell() <= bound:
                out.write(inflater.decompress(inflater.unconsumed_tail, bound + 1 - out.tell()))
            if out.tell() > bound:
                raise InputError(f"unpacks to more than {MAX_TOTAL_BYTES:,} bytes", source=what)
            if not inflater.eof:
                raise InputError("a damaged .tar.gz (it ends too early)", source=what)
            rest = inflater.unused_data.lstrip(b"\0")
    except zlib.error:  # zlib's own words vary between its versions
        raise InputError("a damaged .tar.gz (not valid gzip data)", source=what) from None
    return out.getvalue()


def read_tar_gz(data: bytes, what: str) -> BookFiles:
    raw = _gunzip(data, what)
    files = _Collector(what, "tar.gz")
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            for member in tar:
                name = member.name
                if member.issym() or member.islnk():
                    raise _refuse(what, "a link (an update holds plain files only)", name)
                if member.isdir():
                    files.folder(name)
                    continue
                if not member.isreg():
                    raise _refuse(what, "not a plain file (a device, FIFO or other special member)", name)
                base = files.declared(name, member.size)
                handle = tar.extractfile(member)
                content = handle.read(MAX_FILE_BYTES + 1) if handle is not None else b""
                if len(content) != member.size:
                    raise _refuse(what, "a damaged member (shorter than it says)", name)
                files.add(name, base, content)
    except tarfile.TarError as exc:
        raise InputError(f"a damaged .tar.gz ({shown(str(exc))})", source=what) from None
    return files.result()


def read_zip(data: bytes, what: str) -> BookFiles:
    files = _Collector(what, "zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_FILES + 1:
                raise _refuse(what, f"more than {MAX_FILES} files")
            for info in infos:
                name = info.filename
                kind = stat.S_IFMT(info.external_attr >> 16)  # Unix file type bits, when a Unix zip set them
                if kind == stat.S_IFLNK:
                    raise _refuse(what, "a link (an update holds plain files only)", name)
                if info.is_dir():
                    files.folder(name)
                    continue
                if kind and kind != stat.S_IFREG:
                    raise _refuse(what, "not a plain file (a device, FIFO or other special member)", name)
                if info.flag_bits & 0x1:
                    raise _refuse(what, "an encrypted member (refused)", name)
                base = files.declared(name, info.file_size)
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
                files.add(name, base, content)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error) as exc:
        raise InputError(f"a damaged .zip ({shown(str(exc))})", source=what) from None
    except RuntimeError as exc:  # zipfile: encrypted members, unsupported compression...
        raise InputError(f"an unreadable .zip ({shown(str(exc))})", source=what) from None
    return files.result()


def read_folder(path: Path) -> BookFiles:
    """A folder of price files. Links, subfolders and other files in it are refused."""
    what = shown(str(path))
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"cannot read the folder ({exc.strerror or exc})", source=what) from None
    files = _Collector(what, "folder")
    for entry in entries:
        if entry.is_symlink():
            raise _refuse(what, "a link (an update holds plain files only)", entry.name)
        if entry.is_dir(follow_symlinks=False):
            raise _refuse(what, "a subfolder (an update holds price files at its top, or in one folder)", entry.name)
        if not entry.is_file(follow_symlinks=False):
            raise _refuse(what, "not a plain file", entry.name)
        base = files.declared(entry.name, entry.stat(follow_symlinks=False).st_size)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(entry.path, flags)
            with os.fdopen(fd, "rb") as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise _refuse(what, f"cannot read it ({exc.strerror or exc})", entry.name) from None
        files.add(entry.name, base, content)
    return files.result()


def read_file(path: Path) -> bytes:
    """An archive file's bytes, refusing what is not a regular file or is over the size limit."""
    what = shown(str(path))
    try:
        if not path.exists():
            raise InputError("no such file or folder", source=what)
        if not path.is_file():
            raise InputError("not a folder, .tar.gz or .zip", source=what)
        size = path.stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            raise InputError(f"an archive of {size:,} bytes (at most {MAX_ARCHIVE_BYTES:,})", source=what)
        with open(path, "rb") as handle:
            return handle.read(MAX_ARCHIVE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror or exc})", source=what) from None


def read_path(path: Path) -> BookFiles:
    """A folder, a .tar.gz or a .zip on disk."""
    if path.is_dir():
        return read_folder(path)
    return read_bytes(read_file(path), shown(str(path)))


# -- packing -----------------------------------------------------------------------------


def packable(folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """The price files of a prices folder (as ``pack`` takes them) and the names it leaves out."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"cannot read the folder ({exc.strerror or exc})", source=str(folder)) from None
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    for entry in entries:
        if entry.is_file(follow_symlinks=False) and FILE_NAME.match(entry.name) and entry.name != "tokenizers.yaml":
            if entry.stat().st_size > MAX_FILE_BYTES:
                raise _refuse(str(folder), f"a file of more than {MAX_FILE_BYTES:,} bytes", entry.name)
            files[entry.name] = Path(entry.path).read_bytes()
        elif entry.name != "__pycache__":
            skipped.append(entry.name)
    if not files:
        raise InputError("no price files to pack in this folder", source=str(folder))
    return files, skipped


def pack_bytes(files: dict[str, bytes], when: datetime | None = None) -> bytes:
    """A reproducible .tar.gz of the files under ``llmcost-prices/``: same files, same bytes."""
    stamp = int((when or datetime(2000, 1, 1, tzinfo=timezone.utc)).timestamp())
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folder = tarfile.TarInfo(PACK_FOLDER)
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, stamp
        tar.addfile(folder)
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(f"{PACK_FOLDER}/{name}")
            info.size, info.mode, info.mtime = len(content), 0o644, stamp
            tar.addfile(info, io.BytesIO(content))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=stamp, compresslevel=9, filename="") as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
