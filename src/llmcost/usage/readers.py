"""Reading usage files: CSV with a header, or JSON Lines; gzip-compressed or not; a file or stdin.

The format is found from the content (``--input-format`` forces it): gzip by its magic bytes, then
JSON Lines when the first non-blank character is ``{``, else CSV.  Records are read one at a
time (memory does not grow with the file), each with the line it starts on; every problem is an
``InputError`` naming the file and line.  Files are UTF-8 (a byte order mark is allowed).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal
from typing import IO, Any

from ..errors import InputError, UsageError
from ..inputs import open_file
from .records import (
    COLUMN_ALIASES,
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    TIMESTAMP_HINT,
    Record,
    RecordError,
    checked,
    flag,
    model_name,
    parse_timestamp,
    project,
    read_object,
    region,
    tokens,
)

FORMATS = ("csv", "jsonl")
#: The longest line read (a JSON response with a long answer is one line).
MAX_LINE_BYTES = 16 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


@dataclass
class Source:
    name: str  # for messages: the path, or <stdin>
    stream: IO[bytes]  # decompressed
    kind: str  # csv or jsonl
    gzipped: bool = False
    path: str | None = None  # the file, when it is one (the DuckDB engine reads it itself)


def open_usage(path: str, stdin: IO[bytes] | None, forced: str | None = None) -> Source:
    """Open a usage file (``-``: stdin), undo gzip, and find its format."""
    if forced is not None:
        forced = forced.strip().lower()
        forced = {"json": "jsonl", "ndjson": "jsonl", "json-lines": "jsonl"}.get(forced, forced)
        if forced not in FORMATS:
            raise UsageError(f"--input-format: {forced!r} is not csv or jsonl")
    if path == "-":
        if stdin is None:
            raise UsageError("no standard input to read (it is closed)")
        raw: IO[bytes] = stdin
        name, real = "<stdin>", None
    else:
        raw = open_file(path, folder="is a folder, not a usage file")
        name, real = path, path
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    head = buffered.peek(4)[:4]
    gzipped = head.startswith(GZIP_MAGIC)
    stream: IO[bytes] = buffered
    if gzipped:
        stream = io.BufferedReader(gzip.GzipFile(fileobj=buffered, mode="rb"), 1 << 16)
    if head.startswith(PARQUET_MAGIC):
        raise InputError("is a Parquet file: read it with --engine duckdb", source=name)
    kind = forced or _detect(stream, name)
    return Source(name, stream, kind, gzipped, real)


def _detect(stream: Any, name: str) -> str:
    try:
        head = stream.peek(4096)[:4096]
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot read: {_gzip_text(exc)}", source=name) from None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise InputError("empty usage file: no records", source=name)
    if text.startswith(b"["):
        raise InputError("a JSON array, not JSON Lines", source=name, hint="one JSON object per line: jq -c '.[]' FILE")
    return "jsonl" if text.startswith(b"{") else "csv"


def _lines(source: Source) -> Iterator[tuple[int, str]]:
    """Each line of the file, decoded, with its number; a line too long or not UTF-8 is an error."""
    readline, name = source.stream.readline, source.name
    number = 0
    while True:
        try:
            raw = readline(MAX_LINE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"cannot read past line {number}: {_gzip_text(exc)}", source=name) from None
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(f"a line is longer than the {MAX_LINE_BYTES:,}-byte limit", source=name, line=number)
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            hint = "usage files are UTF-8"
            try:
                raw.decode("gbk")
                hint = "it looks like GBK; convert it to UTF-8 (iconv -f gbk -t utf-8)"
            except UnicodeDecodeError:
                pass
            raise InputError(
                f"not valid UTF-8 text at byte {exc.start} of the line", source=name, line=number, hint=hint
            ) from None
        if "\x00" in text:
            raise InputError("binary data (NUL byte) in a text file", source=name, line=number)
        yield number, text


def _gzip_text(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, EOFError):
        return "the gzip data ends early (a truncated file?)"
    return f"not valid gzip data ({text})"


def _error(source: Source, line: int, exc: RecordError) -> InputError:
    column = exc.column
    return InputError(
        exc.message, source=source.name, line=line, column=f"field {column}" if column else None, hint=exc.hint
    )


def read_records(source: Source, zone: tzinfo | None) -> Iterator[Record]:
    """Every record of a usage file, in order."""
    if source.kind == "jsonl":
        return _jsonl(source, zone)
    return _csv(source, zone)


def _jsonl(source: Source, zone: tzinfo | None) -> Iterator[Record]:
    found = False
    for number, text in _lines(source):
        if not text.strip():
            continue
        try:
            obj = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg} (column {exc.colno})", source=source.name, line=number
            ) from None
        except RecursionError:
            raise InputError("not valid JSON: nested too deeply", source=source.name, line=number) from None
        try:
            yield read_object(obj, number, zone)
        except RecordError as exc:
            raise _error(source, number, exc) from None
        found = True
    if not found:
        raise InputError("empty usage file: no records", source=source.name)


@dataclass(frozen=True)
class Header:
    """Where each known column is in a CSV row."""

    columns: dict[str, int]
    width: int
    line: int


def read_header(cells: list[str], line: int, source: str) -> Header:
    """The header row: the known columns (and their aliases), case-insensitive; other columns
    (request ids, latencies) are ignored unless they look like a misspelt token column."""
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = cell.strip().lower().replace(" ", "_").replace("-", "_")
        name = COLUMN_ALIASES.get(name, name)
        if name in seen:
            raise InputError(f"duplicate column {name!r} (also column {seen[name] + 1})", source=source, line=line)
        if name in CSV_COLUMNS:
            seen[name] = i
        elif any(word in name for word in ("token", "cache", "reason", "batch")):
            raise InputError(
                f"unknown column {cell.strip()!r}",
                source=source,
                line=line,
                hint="the columns are " + ", ".join(CSV_COLUMNS),
            )
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            raise InputError(
                f"missing required column {required!r}",
                source=source,
                line=line,
                hint="the first line must be a header: " + ", ".join(CSV_COLUMNS[:4]) + ", …",
            )
    return Header(seen, len(cells), line)


def _csv(source: Source, zone: tzinfo | None) -> Iterator[Record]:
    name = source.name
    lines = _lines(source)
    numbers = [0]  # the number of the last line handed to csv.reader

    def feed() -> Iterator[str]:
        for number, text in lines:
            numbers[0] = number
            yield text

    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(feed(), strict=True)
    header: Header | None = None
    found = False
    last = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(
                    "malformed CSV: a quote opened in this row is never closed", source=name, line=last + 1
                ) from None
            raise InputError(f"malformed CSV: {exc}", source=name, line=numbers[0]) from None
        line, last = last + 1, numbers[0]
        if not cells or not any(c.strip() for c in cells):
            continue
        if header is None:
            header = read_header(cells, line, name)
            at = header.columns
            get = [at.get(c) for c in CSV_COLUMNS]
            continue
        if len(cells) != header.width:
            if len(cells) > header.width and not any(c.strip() for c in cells[header.width :]):
                cells = cells[: header.width]  # trailing commas
            else:
                kind = "short" if len(cells) < header.width else "long"
                raise InputError(
                    f"{kind} row: {len(cells)} fields where the header has {header.width}", source=name, line=line
                )
        try:
            yield csv_record(cells, get, line, zone)
        except RecordError as exc:
            raise InputError(exc.message, source=name, line=line, column=exc.column, hint=exc.hint) from None
        found = True
    if header is None:
        raise InputError("empty usage file: no header and no records", source=name)
    if not found:
        raise InputError("no records after the header", source=name, line=header.line)


def csv_record(cells: list[str], get: list[int | None], line: int, zone: tzinfo | None) -> Record:
    """One CSV row → a Record; ``get`` holds the index of each of CSV_COLUMNS (None: absent)."""
    t, m, i, o, c, w, r, b, g, p = get
    stamp = cells[t]  # type: ignore[index]
    if not stamp.strip():
        raise RecordError("no timestamp", "timestamp", TIMESTAMP_HINT)
    when = parse_timestamp(stamp, zone)
    return checked(
        line,
        when,
        model_name(cells[m]),  # type: ignore[index]
        tokens(cells[i], "input_tokens"),  # type: ignore[index]
        tokens(cells[o], "output_tokens"),  # type: ignore[index]
        _optional(cells, c, "cached_tokens"),
        _optional(cells, w, "cache_write_tokens"),
        _optional(cells, r, "reasoning_tokens"),
        False if b is None else flag(cells[b]),
        None if g is None else region(cells[g]),
        None if p is None else project(cells[p]),
    )


def _optional(cells: list[str], index: int | None, column: str) -> int:
    """An optional count: 0 when the column is absent or the cell empty."""
    if index is None:
        return 0
    text = cells[index]
    return tokens(text, column) if text and not text.isspace() else 0
