"""The library behind ``llmcost count``: token counts of texts, files, folders, globs, stdin.

``count_inputs`` yields one :class:`FileCount` per (input, tokenizer) and a
:class:`Skipped` for each binary file; it never prints. Each file is read once, in
blocks, whatever the number of tokenizers, so memory follows the block and chunk
sizes rather than the file size.
"""

from __future__ import annotations

import codecs
import glob
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from llmcost.errors import InputError
from llmcost.inputs import argument_text, check_bom, open_file, text_encoding
from llmcost.tokens import CHUNK_CHARS, get_counter, iter_chunks

BLOCK_BYTES = 1 << 20  # bytes read at a time
SNIFF_BYTES = 8192  # a NUL byte in the first 8 KiB marks a binary file
STDIN = "-"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class FileCount:
    """Tokens of one input for one tokenizer. ``path`` is "-" for stdin, "<text>" for a text."""

    path: str
    tokenizer: str
    tokens: int
    exact: bool
    method: str
    chars: int
    bytes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", shown_path(self.path))


@dataclass(frozen=True)
class Skipped:
    """An input that was not counted, and why."""

    path: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", shown_path(self.path))


def shown_path(path: str) -> str:
    """A path as text to show: a file name whose bytes are not UTF-8 (``caf\\xe9.txt`` in Latin-1) has
    them escaped, as no output could write them."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


@dataclass(frozen=True)
class Progress:
    """Passed to the progress callback after each block read and after each input."""

    path: str
    bytes_done: int  # of this input
    bytes_total: int | None  # size of this input (None for stdin/texts)
    inputs_done: int
    inputs_total: int


def looks_like_path(arg: str) -> bool:
    """Whether a CLI argument names a path or glob rather than being literal text.

    True for "-", existing paths (a broken symbolic link too), globs that match, and anything with
    a path separator, a short file extension ("notes.txt") or a ``*`` or ``[`` ("*.markdown");
    False for e.g. "你好", "hello world", "How are you today?" or "你好吗?": glob characters that
    match nothing, in text, are text.
    """
    if arg == STDIN or os.path.lexists(arg):
        return True
    if _GLOB_CHARS & set(arg) and _glob(arg):
        return True
    if any(ch.isspace() for ch in arg):
        return False
    if os.sep in arg or (os.altsep and os.altsep in arg) or "*" in arg or "[" in arg:
        return True
    stem, dot, ext = arg.rpartition(".")
    return bool(dot and stem and 0 < len(ext) <= 5 and ext.isascii() and ext.isalnum())


def _glob(pattern: str) -> list[str]:
    return sorted(glob.glob(pattern, recursive=True))


def expand_paths(args: Sequence[str]) -> list[str | Skipped]:
    """Files named by ``args``: files, folders (recursively, hidden entries skipped),
    globs (``**`` allowed) and "-" for stdin; in order, each file once.  What a folder holds that
    is not a file to read (a named pipe, a device, a broken or looping symbolic link, a link to a
    folder, a folder that cannot be read) is a ``Skipped``, in its place.

    A missing path, a broken symbolic link, or a glob that matches nothing raises InputError.
    """
    out: list[str | Skipped] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = path if path == STDIN else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.append(path)

    def add_folder(folder: str) -> None:
        for item in _walk(folder):
            if isinstance(item, Skipped):
                out.append(item)
            else:
                add(item)

    for arg in args:
        if arg == STDIN:
            add(STDIN)
        elif os.path.isdir(arg):
            add_folder(arg)
        elif os.path.lexists(arg):
            try:
                os.stat(arg)
            except FileNotFoundError:
                raise InputError("no such file or folder (a symbolic link to nothing)", source=arg) from None
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", source=arg) from None
            add(arg)
        elif _GLOB_CHARS & set(arg):
            matches = _glob(arg)
            if not matches:
                raise InputError("no file matches this pattern", source=arg)
            for match in matches:
                if os.path.isdir(match):
                    add_folder(match)
                else:
                    add(match)
        else:
            raise InputError("no such file or folder", source=arg)
    return out


def _walk(folder: str) -> Iterator[str | Skipped]:
    """Files under ``folder``, sorted, skipping hidden files and folders; everything else that is not
    a regular file, and every folder that cannot be read, as a ``Skipped``."""
    unreadable: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=unreadable.append):
        for error in unreadable:
            yield Skipped(str(error.filename), f"folder not read: {error.strerror or error}")
        unreadable.clear()
        entries: list[tuple[str, str | Skipped]] = []
        for name in dirs:
            if not name.startswith("."):
                path = os.path.join(root, name)
                if os.path.islink(path):
                    entries.append((name, Skipped(path, "symbolic link to a folder (not followed)")))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d)))
        for name in files:
            if not name.startswith("."):
                path = os.path.join(root, name)
                entries.append((name, _entry(path)))
        for _, item in sorted(entries, key=lambda e: e[0]):
            yield item
    for error in unreadable:  # the folder itself
        yield Skipped(str(error.filename), f"folder not read: {error.strerror or error}")


def _entry(path: str) -> str | Skipped:
    """A file found in a folder: its path if it is a regular file (or a link to one), else why not."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return Skipped(path, "broken symbolic link (its target does not exist)")
    except OSError as exc:
        return Skipped(path, f"not read: {exc.strerror or exc}")  # a symbolic link loop, …
    if stat.S_ISREG(mode):
        return path
    return Skipped(path, f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'special file')})")


_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def count_inputs(
    paths: Sequence[str] = (),
    tokenizers: Sequence[str] = ("o200k_base",),
    *,
    texts: Sequence[str] = (),
    encoding: str = "utf-8",
    progress: Callable[[Progress], None] | None = None,
    stdin: BinaryIO | None = None,
    chunk_chars: int = CHUNK_CHARS,
) -> Iterator[FileCount | Skipped]:
    """Count ``texts`` (literal strings) then ``paths`` (files, folders, globs, "-").

    Yields, per input, one FileCount for each tokenizer (in the order given), or one
    Skipped for a binary file. Errors raise: InputError for a missing path, an unknown
    ``encoding``, or bytes that are not valid in it (naming the file and byte offset);
    TokenizerError for an unknown tokenizer.
    """
    encoding = text_encoding(encoding)
    counters = [get_counter(name) for name in dict.fromkeys(tokenizers)]
    files = expand_paths(paths)
    named = set(paths)  # a pipe is read if it was named (`count <(…)`), never if a folder holds it
    total = len(texts) + len(files)
    done = 0
    for i, text in enumerate(texts, 1):
        label = "<text>" if len(texts) == 1 else f"<text {i}>"
        argument_text(text, label)
        data_len = len(text.encode("utf-8"))
        yield from _count_stream(label, iter_chunks([text], chunk_chars), counters, len(text), data_len)
        done += 1
        if progress:
            progress(Progress(label, data_len, data_len, done, total))
    for path in files:
        if isinstance(path, Skipped):
            yield path
        else:
            yield from _count_file(
                path, counters, encoding, progress, done, total, stdin, chunk_chars, pipes=path in named
            )
        done += 1


def _count_stream(label, chunks, counters, chars, nbytes) -> Iterator[FileCount]:
    tallies = [counter.tally() for counter in counters]
    for chunk in chunks:
        for tally in tallies:
            tally.add(chunk)
    for counter, tally in zip(counters, tallies):
        yield FileCount(label, counter.name, tally.total(), counter.exact, counter.method, chars, nbytes)


def _count_file(path, counters, encoding, progress, done, total, stdin, chunk_chars, *, pipes=True):
    is_stdin = path == STDIN
    stream = (stdin or sys.stdin.buffer) if is_stdin else open_file(path, pipes=pipes)
    size = None
    if not is_stdin:
        info = os.fstat(stream.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
    try:
        first = stream.read(BLOCK_BYTES)
        if is_stdin and not first:  # nothing piped in: a mistake, not "0 tokens"
            raise InputError("standard input is empty", source=path, hint="pipe text in, or give files")
        if b"\0" in first[:SNIFF_BYTES] and not _wide_encoding(encoding):
            yield Skipped(path, "binary file (NUL byte in the first 8 KiB)")
            if progress:
                progress(Progress(path, size or len(first), size, done + 1, total))
            return
        stats = {"chars": 0, "bytes": 0}
        texts = _decode_blocks(
            path, first, stream, encoding, stats, lambda n: progress and progress(Progress(path, n, size, done, total))
        )
        yield from _finish(path, _count_stream_lazy(texts, counters, chunk_chars), stats)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=path) from exc
    finally:
        if not is_stdin:
            stream.close()
    if progress:
        progress(Progress(path, stats["bytes"], size, done + 1, total))


def _count_stream_lazy(texts, counters, chunk_chars):
    tallies = [counter.tally() for counter in counters]
    for chunk in iter_chunks(texts, chunk_chars):
        for tally in tallies:
            tally.add(chunk)
    return [(counter, tally.total()) for counter, tally in zip(counters, tallies)]


def _finish(path, results, stats) -> Iterator[FileCount]:
    for counter, tokens in results:
        yield FileCount(path, counter.name, tokens, counter.exact, counter.method, stats["chars"], stats["bytes"])


def _wide_encoding(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return name.startswith(("utf-16", "utf-32"))


def _decode_blocks(path, first: bytes, stream: BinaryIO, encoding: str, stats: dict, on_block) -> Iterator[str]:
    """Decode ``first`` and the rest of ``stream`` block by block, strictly.

    Counts characters and bytes into ``stats``; a leading UTF-8 BOM is dropped.
    Invalid bytes raise InputError naming the file and the byte offset.
    """
    check_bom(first, encoding, path)
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    block, offset = first, 0  # offset: bytes of the stream before ``block``
    while True:
        final = not block
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            at = offset - pending + exc.start
            hint = (
                "pass --encoding gbk (or gb18030) if it is Chinese legacy text"
                if encoding.startswith("utf-8")
                else "pass the file's real --encoding"
            )
            raise InputError(
                f"not valid {codecs.lookup(encoding).name.replace('-sig', '')} at byte {at}", source=path, hint=hint
            ) from None
        except UnicodeError as exc:  # a codec's own complaint, not about one byte
            raise InputError(
                f"not valid {codecs.lookup(encoding).name.replace('-sig', '')}: {exc}", source=path
            ) from None
        offset += len(block)
        stats["bytes"] = offset
        stats["chars"] += len(text)
        if on_block:
            on_block(offset)
        if text:
            yield text
        if final:
            return
        block = stream.read(BLOCK_BYTES)
