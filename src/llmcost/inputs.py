"""Reading what a user names: files, standard input and text encodings, each read with a bound.

Every file llmcost reads for a user (a workload file, a prompt, a baseline, a price file) comes
through here, so the same rules hold everywhere:

- **What may be read.** A regular file, or a pipe the user named: ``-`` (standard input),
  ``/dev/stdin`` fed by a pipe, or process substitution (``--baseline <(git show main:base.json)``).
  A folder, a device (``/dev/zero``, a terminal) or a socket is refused before anything is read.
  A file found by listing a folder (a price folder, ``count`` on a folder) must be a regular file:
  a FIFO there is refused, never opened (opening one waits for a writer for ever).
- **How much.** At most ``limit + 1`` bytes are read, whatever the file claims (``/dev/stdin``
  and a pipe have no size; a file can grow while it is read), so a reader never holds more
  than its limit.
- **Text encodings.** Only encodings of text: ``base64``, ``zlib_codec`` or ``rot13`` are codecs
  but not text encodings; ``utf-16`` and ``utf-32`` without a byte order mark are refused rather
  than guessed; every decoding problem is an ``InputError`` naming the file and the byte.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import IO, BinaryIO

from .errors import InputError, UsageError

#: Codecs that decode text but are not the encoding of a text file.
_NOT_FILE_ENCODINGS = frozenset(("idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"))
_ENCODING_HINT = "e.g. utf-8, gbk, gb18030, utf-16"
#: Encodings that need a byte order mark to know the byte order.
_BOM_ENCODINGS = {
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}
_BLOCK = 1 << 20


def text_encoding(name: str) -> str:
    """The codec name of a text encoding a user gave (``--encoding``); UsageError if it is none."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):  # ValueError: a NUL in the name
        raise UsageError(f"unknown text encoding {name!r}", hint=_ENCODING_HINT) from None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FILE_ENCODINGS:
        raise UsageError(f"{name!r} is not a text encoding", hint=_ENCODING_HINT)
    return info.name


def decoding_name(encoding: str) -> str:
    """The codec to decode a file with: UTF-8 drops a leading byte order mark."""
    name = text_encoding(encoding)
    return "utf-8-sig" if name == "utf-8" else name


def check_bom(head: bytes, encoding: str, source: str) -> None:
    """``utf-16``/``utf-32`` say nothing of the byte order without a BOM: refuse rather than guess."""
    boms = _BOM_ENCODINGS.get(text_encoding(encoding))
    if boms is not None and head and not head.startswith(boms):
        name = text_encoding(encoding)
        raise InputError(
            f"not valid {name} text: no byte order mark at the start",
            source=source,
            hint=f"pass --encoding {name}-le or {name}-be",
        )


def decode(raw: bytes, source: str, encoding: str = "utf-8") -> str:
    """Decode a whole file, strictly; a UTF-8 BOM is dropped; a wrong encoding names the byte offset."""
    codec = decoding_name(encoding)
    check_bom(raw, encoding, source)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid {encoding} text at byte {exc.start}", source=source, hint=decode_hint(raw, encoding)
        ) from None
    except UnicodeError as exc:  # pragma: no cover - a codec's own complaint (the BOM is checked above)
        raise InputError(f"not valid {encoding} text: {exc}", source=source) from None
    if "\x00" in text:
        raise InputError("binary data (NUL byte) in a text file", source=source)
    return text


def decode_hint(raw: bytes, encoding: str) -> str:
    """What to tell a user whose file is not ``encoding``: GBK, or the encoding to pass."""
    if text_encoding(encoding) == "utf-8" and _looks_gbk(raw):
        return "it looks like GBK; pass --encoding gbk"
    return "pass --encoding NAME"


def _looks_gbk(raw: bytes) -> bool:
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    return "not a regular file"


def open_file(path: str | os.PathLike[str], *, pipes: bool = True, folder: str = "is a folder, not a file") -> BinaryIO:
    """Open a file a user named, for reading bytes; every failure is an InputError naming it.

    ``pipes``: a pipe is welcome (the user named it: process substitution, /dev/stdin); False for
    files found by listing a folder.  ``folder``: the message for a folder."""
    source = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(folder, source=source)
        fifo = stat.S_ISFIFO(info.st_mode)
        if not (stat.S_ISREG(info.st_mode) or (fifo and pipes)):
            raise InputError(
                f"is {_kind(info.st_mode)}, not a file",
                source=source,
                hint="give a file, or - to read standard input" if pipes else None,
            )
        # A regular file is opened without waiting (if it became a device meanwhile, fstat says so);
        # a pipe waits for its writer, as `cat` does.
        flags = os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags if fifo else flags | getattr(os, "O_NONBLOCK", 0))
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except PermissionError:
        raise InputError("permission denied", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from None
    try:
        opened = os.fstat(fd)
        if not (stat.S_ISREG(opened.st_mode) or (stat.S_ISFIFO(opened.st_mode) and pipes)):
            raise InputError(f"is {_kind(opened.st_mode)}, not a file", source=source)
        if not fifo and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``stream`` (one more than allowed says it is too large)."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(_BLOCK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_bytes(
    path: str | os.PathLike[str], limit: int, *, pipes: bool = True, folder: str = "is a folder, not a file"
) -> bytes:
    """A user's whole file, at most ``limit`` bytes (else an InputError), read once."""
    source = str(path)
    with open_file(path, pipes=pipes, folder=folder) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > limit:  # a regular file says how large it is: refuse before reading it
                raise InputError(f"file is {size} bytes, over the {limit}-byte limit", source=source)
            data = read_stream(f, limit)
        except InputError:
            raise
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from None
    if len(data) > limit:
        raise InputError(f"file is larger than the {limit}-byte limit", source=source)
    return data


def read_text(path: str | os.PathLike[str], *, encoding: str = "utf-8", limit: int, pipes: bool = True) -> str:
    """A user's text file, decoded; every failure is an InputError naming the file."""
    return decode(read_bytes(path, limit, pipes=pipes), str(path), encoding)


def is_listed_file(path: Path) -> bool:
    """Whether an entry of a folder listing is something to read (not a folder); a symlink counts
    as what it points to, and one that points nowhere counts (reading it says so)."""
    try:
        return not stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return True


def argument_text(text: str, what: str) -> str:
    """Text given on the command line; refused if the terminal's bytes were not UTF-8 (Python keeps
    such bytes as lone surrogates, which no tokenizer or output can take)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            f"{what}: the text is not valid UTF-8",
            hint="is the terminal's encoding UTF-8? or put it in a file and pass --encoding",
        ) from None
    return text
