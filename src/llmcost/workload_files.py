"""Workload files: CSV (streamed row by row) and YAML (infracost-style usage file).  What each
field may hold, and the Workload built from it, is ``workload_fields``.

CSV: a header row is required.  Columns (case-insensitive, trimmed):

  name, model, requests_per_day | requests_per_month, input_tokens | prompt, output_tokens,
  days, cached_ratio, batch_ratio, budget, currency

``currency`` is the currency of the row's budget.  The columns llmcost itself writes
with ``--format csv`` (provider, input_cost, output_cost, total, …) are accepted and
ignored, and its final ``TOTAL`` row is skipped (only as the last row: a TOTAL row with
rows after it is an error), so a priced CSV can be read back.  Anything else — an
unknown or duplicate column, a missing required column, a short or long row, a bad
value — is an ``InputError`` naming the file, line and column.  Nothing is skipped silently.

YAML::

    version: 1
    defaults: {days: 30, output_tokens: 300}
    workloads:
      - name: support-bot
        model: doubao-seed-1.6
        requests_per_day: 20000
        input_tokens: 1200
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from .csvcells import unprotect
from .errors import InputError, UsageError
from .inputs import decoding_name, open_file, text_encoding
from .workload import Workload
from .workload_fields import (
    FIELDS,
    MAX_FIELD_CHARS,
    MAX_LINE_CHARS,
    OUTPUT_ONLY,
    PromptCounter,
    build_workload,
)
from .yamlsafe import decode, loads


@dataclass(frozen=True)
class Source:
    """Where workload rows come from: a name for messages and a binary stream."""

    name: str
    stream: IO[bytes]


def open_source(path: str, stdin: IO[bytes] | None = None) -> Source:
    if path == "-":
        if stdin is None:
            raise UsageError("no standard input to read")
        return Source("<stdin>", stdin)
    return Source(path, open_file(path, folder="is a folder, not a workload file"))


def detect_format(source: Source, forced: str | None) -> tuple[str, IO[bytes]]:
    """csv or yaml, from --input-format, the extension, or the first bytes."""
    stream = source.stream
    if forced:
        kind = forced.lower()
        if kind not in ("csv", "yaml", "yml"):
            raise UsageError(f"--input-format: {forced!r} is not csv or yaml")
        return ("yaml" if kind == "yml" else kind), stream
    suffix = Path(source.name).suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv", stream
    if suffix in (".yaml", ".yml"):
        return "yaml", stream
    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(cast(Any, stream))
    head = buffered.peek(4096)[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    first_line = head.split(b"\n", 1)[0]
    if head.startswith((b"#", b"---", b"version:", b"workloads:", b"defaults:")) or (
        b":" in first_line and b"," not in first_line
    ):
        return "yaml", buffered
    return "csv", buffered


# -- values ------------------------------------------------------------------------


# -- CSV -----------------------------------------------------------------------------


class _NewlineCounter:
    """The byte stream under the CSV reader's decoder, counting the newlines it hands over,
    so that a decoding error (found a block ahead of the rows) can name its line."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.before = 0  # newlines in the blocks before the last one read
        self.total = 0

    def read1(self, size: int = -1) -> bytes:
        read = getattr(self.stream, "read1", self.stream.read)
        data = read(size if size is not None and size >= 0 else 65536)
        self.before, self.total = self.total, self.total + data.count(b"\n")
        return data

    read = read1

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return self.stream.closed

    def close(self) -> None:
        self.stream.close()

    def flush(self) -> None:
        pass


def _split(line: str) -> list[str]:
    """The cells of a line with no quote in it: what csv.reader makes of it."""
    return line.rstrip("\r\n").split(",")


def _decode_hint(data: bytes, encoding: str) -> str:
    """What to tell a user whose bytes are not ``encoding``: GBK, or binary data."""
    if b"\0" in data:
        return "it looks like binary data, not a CSV text file"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        try:
            data.decode("gbk")
            return "it looks like GBK; pass --encoding gbk"
        except UnicodeDecodeError as exc:
            if exc.start > 0 and exc.start >= len(data) - 1:  # only a character cut at the end
                return "it looks like GBK; pass --encoding gbk"
    return "pass the file's real --encoding, e.g. gbk or utf-16"


class CsvRecords:
    """The data rows of a workload CSV, one at a time (memory does not grow with the file).

    ``for line, row in records`` gives each data row (the line it starts on, its cells) checked
    for shape only: blank rows and llmcost's own TOTAL row are skipped, a short or long row is an
    error.  ``records.workload(line, row)`` checks its values and builds the Workload.  Reading
    and building are two steps so that ``pipeline`` can build and price rows in worker processes;
    ``read_csv`` does both, one row after the other.

    A line with no quote in it is a whole record, and its cells are the line split at its commas
    (what ``csv.reader`` makes of it, tests/test_fast_paths.py checks); ``csv.reader`` parses the
    records that have a quote.  ``records.records()`` gives the records still to read before that
    split and the shape check (``records.cells``), so that ``pipeline`` can leave both to its workers.
    """

    def __init__(self, source: Source, stream: IO[bytes], *, encoding: str = "utf-8"):
        enc = decoding_name(encoding)
        counted = _NewlineCounter(stream)
        text = io.TextIOWrapper(cast(Any, counted), encoding=enc, errors="strict", newline="")
        self.name = name = source.name
        # The lines as csv.reader reads them from the text (each with its line end), and how many were read.
        readline, read = text.readline, [0]
        held: list[str] = []  # a line with a quote, read here and handed to csv.reader

        def next_line() -> str | None:
            try:
                line = readline(MAX_LINE_CHARS + 1)  # a file without line ends is not read whole
            except UnicodeDecodeError as exc:
                # The decoder works a block ahead of the rows: find the line from the bytes.
                at = counted.before + exc.object[: exc.start].count(b"\n") + 1
                raise InputError(
                    f"not valid {encoding} text",
                    source=name,
                    line=at,
                    hint=_decode_hint(exc.object[exc.start : exc.start + 256], encoding),
                ) from None
            except UnicodeError:  # utf-16 or utf-32 with no byte order mark: the byte order is not known
                name_ = text_encoding(encoding)
                raise InputError(
                    f"not valid {name_} text: no byte order mark at the start",
                    source=name,
                    line=1,
                    hint=f"pass --encoding {name_}-le or {name_}-be",
                ) from None
            if not line:
                return None
            read[0] += 1
            if len(line) > MAX_LINE_CHARS:
                raise InputError(
                    f"a line is longer than the {MAX_LINE_CHARS:,}-character limit", source=name, line=read[0]
                )
            return line

        def feed() -> Iterator[str]:
            """What csv.reader reads: the held line, then the lines a quoted field spans."""
            while True:
                line = held.pop() if held else next_line()
                if line is None:
                    return
                yield line

        reader = csv.reader(feed(), strict=True)

        def records() -> Iterator[tuple[int, str | list[str]]]:
            """Each record and the first line it starts on: a line with no quote as it is, or parsed cells."""
            while True:
                line = next_line()
                if line is None:
                    return
                # (csv.reader refuses a NUL before Python 3.11, and any field over the limit.)
                if '"' not in line and "\0" not in line and len(line) <= MAX_FIELD_CHARS:
                    yield read[0], line
                    continue
                start = read[0]
                held.append(line)
                try:
                    row = next(reader)
                except StopIteration:  # pragma: no cover - the held line is always there to read
                    return
                except csv.Error as exc:
                    if "unexpected end of data" in str(exc):
                        raise InputError(
                            "malformed CSV: a quote opened in this row is never closed", source=name, line=start
                        ) from None
                    if "field larger than field limit" in str(exc):
                        raise InputError(
                            f"a field is longer than the {MAX_FIELD_CHARS:,}-character limit", source=name, line=start
                        ) from None
                    raise InputError(f"malformed CSV: {exc}", source=name, line=read[0]) from None
                yield start, row

        csv.field_size_limit(MAX_FIELD_CHARS)
        self._records = it = records()
        header, header_line = None, 0
        for line, record in it:
            row = _split(record) if isinstance(record, str) else record
            if any(cell.strip() for cell in row):
                header, header_line = row, line
                break
        if header is None:
            raise InputError("empty workload file: a header row and at least one row are needed", source=name)
        self.header_line = header_line
        columns = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in header]
        seen: dict[str, int] = {}
        for i, col in enumerate(columns):
            if col == "" and i == len(columns) - 1 and len(columns) > 1:
                continue  # a trailing comma in the header
            if col not in FIELDS and col not in OUTPUT_ONLY:
                hint = "the first line must be a header row: " + ", ".join(FIELDS[:7]) + ", …"
                raise InputError(f"unknown column {header[i].strip()!r}", source=name, line=header_line, hint=hint)
            if col in seen:
                raise InputError(
                    f"duplicate column {col!r} (also column {seen[col] + 1})", source=name, line=header_line
                )
            seen[col] = i
        for required in ("model", "output_tokens"):
            if required not in seen:
                raise InputError(f"missing required column {required!r}", source=name, line=header_line)
        for a, b in (("requests_per_day", "requests_per_month"), ("input_tokens", "prompt")):
            if a not in seen and b not in seen:
                raise InputError(f"missing required column {a!r} (or {b!r})", source=name, line=header_line)
        self._width = len(header)
        self.columns = seen  # column name → its index in a row
        self._keys = tuple(seen)
        self._pick = operator.itemgetter(*seen.values())  # at least 3 columns: always a tuple
        self._name_at, self._model_at = seen.get("name"), seen["model"]
        if self._name_at is not None:
            self._records = self._total_last(it)

    def _is_total(self, record: str | list[str]) -> bool:
        """Is this llmcost's own total row: a name cell of TOTAL and every other cell but the sums blank?"""
        if "TOTAL" not in (record if isinstance(record, str) else "".join(record)):
            return False  # the common case, one substring search
        row = _split(record) if isinstance(record, str) else record
        if self._name_at is None or len(row) != self._width or row[self._model_at].strip():
            return False
        return unprotect(row[self._name_at]).strip() == "TOTAL"

    def _total_last(self, records: Iterator[tuple[int, str | list[str]]]) -> Iterator[tuple[int, str | list[str]]]:
        """The records without llmcost's own TOTAL row, which may only be the last row (blank lines may
        follow it): a TOTAL row with rows after it would drop them from a sum, so it is an error."""
        total_line = 0
        for line, record in records:
            if total_line:
                cells = _split(record) if isinstance(record, str) else record
                if "".join(cells).strip():
                    raise InputError(
                        f"a TOTAL row with workload rows after it (line {line}); only llmcost's own total "
                        "row, the last row of the file, is skipped",
                        source=self.name,
                        line=total_line,
                    )
            elif self._is_total(record):
                total_line = line
            else:
                yield line, record

    def records(self) -> Iterator[tuple[int, str | list[str]]]:
        """The records not read yet: (first line, the line's text if it has no quote, else its cells)."""
        return self._records

    def cells(self, line: int, record: str | list[str]) -> list[str] | None:
        """A record's cells, checked for shape; None for a blank line (llmcost's TOTAL row, the last
        row, never gets here: ``records`` leaves it out)."""
        row = _split(record) if isinstance(record, str) else record
        if "'" in (record if isinstance(record, str) else "".join(record)):  # a cell protected against formulas
            row = [unprotect(cell) for cell in row]
        model = row[self._model_at] if len(row) == self._width else ""
        if model and not model.isspace():
            return row  # the common case: the right width, a model: not blank
        if not "".join(row).strip():
            return None  # blank line: every cell blank
        if len(row) != self._width:
            kind = "short" if len(row) < self._width else "long"
            raise InputError(
                f"{kind} row: {len(row)} fields where the header has {self._width}", source=self.name, line=line
            )
        return row

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        cells, rows_read = self.cells, 0
        for line, record in self._records:
            row = cells(line, record)
            if row is not None:
                rows_read += 1
                yield line, row
        if rows_read == 0:
            raise InputError("no workload rows after the header", source=self.name, line=self.header_line)

    def workload(self, line: int, row: list[str], count_prompt: PromptCounter | None = None) -> Workload:
        """The Workload of the data row that starts on ``line``; errors name its line and column."""
        name = self.name

        def err(message: str, column: str | None) -> InputError:
            return InputError(message, source=name, line=line, column=column)

        return build_workload(
            dict(zip(self._keys, self._pick(row))),
            default_name=f"line {line}",
            error=err,
            count_prompt=count_prompt,
            origin=f"{name}, line {line}",
        )


def read_csv(
    source: Source, stream: IO[bytes], *, encoding: str = "utf-8", count_prompt: PromptCounter | None = None
) -> Iterator[Workload]:
    """Yield workloads one row at a time (memory does not grow with the file)."""
    records = CsvRecords(source, stream, encoding=encoding)
    for line, row in records:
        yield records.workload(line, row, count_prompt)


# -- YAML ------------------------------------------------------------------------------

YAML_KEYS = set(FIELDS)


def read_yaml(
    source: Source, stream: IO[bytes], *, encoding: str = "utf-8", count_prompt: PromptCounter | None = None
) -> list[Workload]:
    raw = stream.read(5 * 1024 * 1024 + 1)
    if len(raw) > 5 * 1024 * 1024:
        raise InputError("YAML workload file is larger than 5 MiB", source=source.name)
    data, locator = loads(decode(raw, source.name, encoding), source.name, numbers_as_decimal=True)
    name = source.name
    if not isinstance(data, dict):
        raise InputError("a workload file is a mapping with version, defaults and workloads", source=name, line=1)
    unknown = set(data) - {"version", "defaults", "workloads"}
    if unknown:
        key = sorted(map(str, unknown))[0]
        raise InputError(f"unknown key {key!r}", source=name, line=locator.line([key]))
    if data.get("version") != 1 or isinstance(data.get("version"), bool):  # `true` == 1 in Python
        raise InputError("version must be 1", source=name, line=locator.line(["version"]))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise InputError("defaults must be a mapping", source=name, line=locator.line(["defaults"]))
    for key in defaults:
        if key not in YAML_KEYS or key == "name":
            raise InputError(f"unknown key {key!r} in defaults", source=name, line=locator.line(["defaults", key]))
    entries = data.get("workloads")
    if not isinstance(entries, list) or not entries:
        raise InputError("workloads must be a non-empty list", source=name, line=locator.line(["workloads"]))
    out = []
    names: set[str] = set()
    for i, entry in enumerate(entries):
        line = locator.line(["workloads", i])
        if not isinstance(entry, dict):
            raise InputError("each workload is a mapping", source=name, line=line)
        for key in entry:
            if key not in YAML_KEYS:
                raise InputError(f"unknown key {key!r}", source=name, line=locator.line(["workloads", i, key]))
        values = {**defaults, **entry}
        # A workload that sets one of a pair overrides the default of the other.
        for a, b in (("requests_per_day", "requests_per_month"), ("input_tokens", "prompt")):
            if a in entry and b not in entry:
                values.pop(b, None)
            if b in entry and a not in entry:
                values.pop(a, None)
        if "requests_per_month" in values and "days" not in entry:
            values.pop("days", None)  # a default number of days only applies to requests_per_day

        def err(message: str, column: str | None, _i: int = i) -> InputError:
            where = ["workloads", _i] + ([column] if column else [])
            return InputError(
                message,
                source=name,
                line=locator.line(where),
                column=f"field workloads[{_i}].{column}" if column else None,
            )

        for key, value in values.items():
            if isinstance(value, (dict, list)):
                raise err(f"{key} must be a single value", key)
        workload = build_workload(
            values,
            default_name=f"workload {i + 1}",
            error=err,
            count_prompt=count_prompt,
            origin=f"{name}, line {line}",
        )
        if workload.name in names:
            raise err(f"duplicate workload name {workload.name!r}", "name")
        names.add(workload.name)  # type: ignore[arg-type]
        out.append(workload)
    return out


def read(
    path: str,
    *,
    stdin: IO[bytes] | None = None,
    input_format: str | None = None,
    encoding: str = "utf-8",
    count_prompt: PromptCounter | None = None,
) -> Iterator[Workload]:
    """Workloads from a CSV or YAML file, or '-' for stdin; CSV rows are streamed."""
    source = open_source(path, stdin)
    kind, stream = detect_format(source, input_format)
    if kind == "yaml":
        yield from read_yaml(source, stream, encoding=encoding, count_prompt=count_prompt)
    else:
        yield from read_csv(source, stream, encoding=encoding, count_prompt=count_prompt)


EXAMPLE_YAML = """\
# llmcost workload file: what your product sends to LLM APIs each month.
# Price it with:  llmcost estimate --workloads THIS_FILE
# Check a budget: llmcost check THIS_FILE --budget 5000 --currency CNY
version: 1

# Values every workload starts from; a workload overrides any of them.
defaults:
  days: 30              # days per month, for requests_per_day
  cached_ratio: 0       # share of input tokens that hit the vendor's context cache (0..1)
  batch_ratio: 0        # share of requests sent through a Batch API (0..1)

workloads:
  # A Chinese customer-service bot: short questions over a long, cached system prompt.
  - name: customer-service-bot
    model: doubao-seed-1.6      # an API id, an alias, or a Chinese name such as 豆包
    requests_per_day: 20000     # or requests_per_month
    input_tokens: 1800          # per request; or prompt: "the text", counted with the model's tokenizer
    output_tokens: 250          # per request
    cached_ratio: 0.6
    budget: 3000                # monthly budget for this workload (optional)
    currency: CNY               # currency of the budget

  # A nightly document summariser: long inputs, run through a Batch API.
  - name: document-summariser
    model: qwen-long
    requests_per_month: 30000
    input_tokens: 12000
    output_tokens: 600
    batch_ratio: 1

  # A code assistant on GPT-6 Luna, OpenAI's small model.
  - name: code-assistant
    model: gpt-6-luna
    requests_per_day: 3000
    input_tokens: 2500
    output_tokens: 400
    budget: 200
    currency: USD
"""
