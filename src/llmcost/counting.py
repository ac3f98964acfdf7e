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
import sys
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator, Sequence

from llmcost.errors import InputError
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


@dataclass(frozen=True)
class Skipped:
    """An input that was not counted, and why."""

    path: str
    reason: str


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

    True for "-", existing paths, globs, and anything with a path separator or a
    short file extension ("notes.txt"); False for e.g. "你好" or "hello world".
    """
    if arg == STDIN or os.path.exists(arg) or _GLOB_CHARS & set(arg):
        return True
    if any(ch.isspace() for ch in arg):
        return False
    if os.sep in arg or (os.altsep and os.altsep in arg):
        return True
    stem, dot, ext = arg.rpartition(".")
    return bool(dot and stem and 0 < len(ext) <= 5 and ext.isascii() and ext.isalnum())


def expand_paths(args: Sequence[str]) -> list[str]:
    """Files named by ``args``: files, folders (recursively, hidden entries skipped),
    globs (``**`` allowed) and "-" for stdin; in order, each file once.

    A missing path, or a glob that matches nothing, raises InputError.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = path if path == STDIN else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.append(path)

    for arg in args:
        if arg == STDIN:
            add(STDIN)
        elif os.path.isdir(arg):
            for path in _walk(arg):
                add(path)
        elif os.path.exists(arg):
            add(arg)
        elif _GLOB_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise InputError("no file matches this pattern", source=arg)
            for match in matches:
                if os.path.isdir(match):
                    for path in _walk(match):
                        add(path)
                else:
                    add(match)
        else:
            raise InputError("no such file or folder", source=arg)
    return out


def _walk(folder: str) -> Iterator[str]:
    """Files under ``folder``, sorted, skipping hidden files and folders and symlinked folders."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


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
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown text encoding {encoding!r}", hint="e.g. utf-8, gbk, gb18030")
    counters = [get_counter(name) for name in dict.fromkeys(tokenizers)]
    files = expand_paths(paths)
    total = len(texts) + len(files)
    done = 0
    for i, text in enumerate(texts, 1):
        label = "<text>" if len(texts) == 1 else f"<text {i}>"
        data_len = len(text.encode("utf-8"))
        yield from _count_stream(label, iter_chunks([text], chunk_chars), counters,
                                 len(text), data_len)
        done += 1
        if progress:
            progress(Progress(label, data_len, data_len, done, total))
    for path in files:
        yield from _count_file(path, counters, encoding, progress, done, total, stdin, chunk_chars)
        done += 1


def _count_stream(label, chunks, counters, chars, nbytes) -> Iterator[FileCount]:
    tallies = [counter.tally() for counter in counters]
    for chunk in chunks:
        for tally in tallies:
            tally.add(chunk)
    for counter, tally in zip(counters, tallies):
        yield FileCount(label, counter.name, tally.total(), counter.exact, counter.method,
                        chars, nbytes)


def _count_file(path, counters, encoding, progress, done, total, stdin, chunk_chars):
    is_stdin = path == STDIN
    size = None if is_stdin else os.path.getsize(path)
    try:
        stream = (stdin or sys.stdin.buffer) if is_stdin else open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", source=path) from exc
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
        texts = _decode_blocks(path, first, stream, encoding, stats,
                               lambda n: progress and progress(Progress(path, n, size, done, total)))
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
        yield FileCount(path, counter.name, tokens, counter.exact, counter.method,
                        stats["chars"], stats["bytes"])


def _wide_encoding(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return name.startswith(("utf-16", "utf-32"))


def _decode_blocks(path, first: bytes, stream: BinaryIO, encoding: str, stats: dict,
                   on_block) -> Iterator[str]:
    """Decode ``first`` and the rest of ``stream`` block by block, strictly.

    Counts characters and bytes into ``stats``; a leading UTF-8 BOM is dropped.
    Invalid bytes raise InputError naming the file and the byte offset.
    """
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
            hint = ("pass --encoding gbk (or gb18030) if it is Chinese legacy text"
                    if encoding.startswith("utf-8") else "pass the file's real --encoding")
            raise InputError(f"not valid {codecs.lookup(encoding).name.replace('-sig', '')} "
                             f"at byte {at}", source=path, hint=hint) from None
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
