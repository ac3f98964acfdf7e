"""``llmcost usage --engine duckdb``: usage files read and priced by DuckDB, with SQL generated from the
flat price table (``usage.sql``), for logs too large to stream through Python.

DuckDB reads CSV (gzip or not) and Parquet itself, normalises each record as the streaming reader
does (a value it cannot read exactly as llmcost reads it is marked, never guessed), and prices it
in one query; amounts are ``DECIMAL(38, 18)`` products of exact token sums and per-token prices,
so the rows (and the report built from them) are the streaming engine's to the last digit.
What DuckDB does not decide is asked of the streaming code: a model name that is not an id or alias
(family names: ``book.resolve``), the reason a record has no price (``pricing.Target``), the line a
skipped record is on; and a CSV file with a value DuckDB does not read as llmcost does (``1,000``
tokens, a timestamp in another spelling, a broken row) is priced by the streaming engine instead,
which reads it, or stops at its line with its error.  JSON Lines files are read by the streaming
reader and priced by the same SQL.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timezone, tzinfo
from decimal import Decimal
from typing import IO, Any

from ..book import Model
from ..book.flat import flat_rows
from ..errors import InputError, LlmcostError, UnknownModelError, UsageError
from .engine import Options, Result, Row, Skip, _Targets, price_records, row_order
from .engine import _reason as reason_of
from .pricing import CannotPrice, Clock
from .readers import Source, open_usage, read_header, read_records
from .records import CSV_COLUMNS, MAX_EPOCH, MAX_TOKENS, REGIONS, Record
from .sql import PRICE_FIELDS, PRICE_TYPE, Dialect, engine_sql, price_table, price_tuples, quote

INSTALL_HINT = 'pip install "llmcost[duckdb]"'
PARQUET_MAGIC = b"PAR1"
TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.,][0-9]{1,9})?)?"
ISO_ZONED = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]" + TIME + r"[ ]?([Zz]|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)"
ISO_LOCAL = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]" + TIME


def load_duckdb() -> Any:
    """The duckdb module, or a UsageError (exit 2) saying how to install it."""
    try:
        import duckdb
    except ImportError:
        raise UsageError(f"--engine duckdb needs the duckdb package: {INSTALL_HINT}") from None
    return duckdb


@dataclass
class _File:
    name: str  # for messages
    path: str  # on disk (stdin is copied to a temporary file)
    kind: str  # csv, jsonl or parquet
    gzipped: bool
    columns: dict[str, str]  # CSV column → DuckDB column name
    width: int = 0  # CSV: the header's number of columns


def _open(path: str, stdin: IO[bytes] | None, forced: str | None, spool: list[str]) -> _File:
    name = path
    if path == "-":  # DuckDB reads files: stdin is copied to one, decompressed
        source = open_usage(path, stdin, forced)
        handle, path = tempfile.mkstemp(prefix="llmcost-stdin-")
        spool.append(path)
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(source.stream, out)
        name = source.name
    elif os.path.isfile(path):
        with open(path, "rb") as probe:
            if probe.read(4) == PARQUET_MAGIC:
                return _File(path, path, "parquet", False, {})
    source = open_usage(path, None, forced)
    source.name = name
    try:
        file = _File(name, path, source.kind, source.gzipped, {})
        if source.kind == "csv":
            file.columns, file.width = _csv_header(source)
    finally:
        source.stream.close()
    return file


def _csv_header(source: Source) -> tuple[dict[str, str], int]:
    """The header (read as the streaming reader reads it): CSV column → the DuckDB column holding it."""
    import csv

    line = source.stream.readline(1 << 20).decode("utf-8-sig", errors="replace")
    cells = next(csv.reader([line]), [])
    header = read_header(cells, 1, source.name)  # a missing or misspelt column: the streaming error
    return {name: f"c{i}" for name, i in header.columns.items()}, len(cells)


def _text(column: str | None) -> str:
    return "CAST(NULL AS VARCHAR)" if column is None else f"trim(CAST({column} AS VARCHAR))"


def _tokens(column: str | None, required: bool) -> str:
    t = _text(column)
    number = f"TRY_CAST({t} AS BIGINT)"
    whole = f"CASE WHEN regexp_full_match({t}, '[0-9]{{1,15}}') AND {number} <= {MAX_TOKENS} THEN {number} END"
    if required:
        return whole
    return f"CASE WHEN {t} IS NULL OR {t} = '' THEN 0 ELSE {whole} END"


def _timestamp(column: str | None, zone: tzinfo | None) -> str:
    t = _text(column)
    if zone is None:
        local = "NULL"
    elif isinstance(zone, timezone):
        offset = int(zone.utcoffset(None).total_seconds())
        local = f"epoch_us(TRY_CAST({t} AS TIMESTAMP)) // 1000000 - ({offset})"
    else:
        key = getattr(zone, "key", None)
        if not key:
            raise UsageError("--engine duckdb: use an IANA time zone name or a UTC offset for --timezone")
        local = f"epoch_us(timezone({quote(key)}, TRY_CAST({t} AS TIMESTAMP))) // 1000000"
    return (
        f"(CASE WHEN regexp_full_match({t}, '[0-9]+([.][0-9]+)?') THEN TRY_CAST(split_part({t}, '.', 1) AS BIGINT)"
        f" WHEN regexp_full_match({t}, '{ISO_ZONED}') THEN epoch_us(TRY_CAST({t} AS TIMESTAMPTZ)) // 1000000"
        f" WHEN regexp_full_match({t}, '{ISO_LOCAL}') THEN {local} END)"
    )


def _flag(column: str | None) -> str:
    if column is None:
        return "FALSE"
    t = f"lower({_text(column)})"
    return (
        f"(CASE WHEN {t} IN ('true', '1', 'yes', 'y', 't') THEN TRUE"
        f" WHEN {t} IS NULL OR {t} IN ('false', '0', 'no', 'n', 'f', '') THEN FALSE END)"
    )


def _region(column: str | None, default: str) -> str:
    if column is None:
        return quote(default)
    t = f"lower({_text(column)})"
    cases = " ".join(f"WHEN {quote(k)} THEN {quote(v)}" for k, v in REGIONS.items())
    return f"(CASE WHEN {t} IS NULL OR {t} = '' THEN {quote(default)} ELSE (CASE {t} {cases} END) END)"


def _normalised(number: int, file: _File, options: Options) -> str:
    """One file's records as the columns ``usage.sql`` prices (``bad``: a value not read as llmcost reads it)."""
    if file.kind == "parquet":
        relation = f"read_parquet({quote(file.path)})"
    else:
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(file.width)) + "}"
        relation = (
            f"read_csv({quote(file.path)}, header = false, skip = 1, columns = {columns}, delim = ',', quote = '\"',"
            f" escape = '\"', auto_detect = false, strict_mode = true,"
            f" compression = '{'gzip' if file.gzipped else 'none'}')"
        )
    c = {name: file.columns.get(name) for name in CSV_COLUMNS}
    # Every cell is read (DuckDB checks UTF-8 only in the columns a query uses; the streaming reader, all)
    width = " + ".join(f"coalesce(length(c{i}), 0)" for i in range(file.width)) if file.kind == "csv" else "0"
    return f"""SELECT {number} AS file_no, raw_model, n.model_id, req_region, ts, input_tokens, output_tokens,
      cached_tokens, write_tokens, reasoning_tokens, batch, project,
      (raw_model IS NULL OR ts IS NULL OR ts < 0 OR ts > {MAX_EPOCH} OR input_tokens IS NULL OR output_tokens IS NULL
       OR cached_tokens IS NULL OR write_tokens IS NULL OR reasoning_tokens IS NULL OR batch IS NULL
       OR req_region IS NULL OR width < 0
       OR cached_tokens + write_tokens > input_tokens OR reasoning_tokens > output_tokens) AS bad
    FROM (SELECT
      NULLIF(CAST({c["model"]} AS VARCHAR), '') AS raw_model,
      {_timestamp(c["timestamp"], options.zone)} AS ts,
      {_tokens(c["input_tokens"], True)} AS input_tokens,
      {_tokens(c["output_tokens"], True)} AS output_tokens,
      {_tokens(c["cached_tokens"], False)} AS cached_tokens,
      {_tokens(c["cache_write_tokens"], False)} AS write_tokens,
      {_tokens(c["reasoning_tokens"], False)} AS reasoning_tokens,
      {_flag(c["batch"])} AS batch,
      {_region(c["region"], options.region)} AS req_region,
      {"CAST(NULL AS VARCHAR)" if c["project"] is None else f"CAST({c['project']} AS VARCHAR)"} AS project,
      {width} AS width
      FROM {relation}) r
    LEFT JOIN names n ON n.raw = r.raw_model"""


def _parquet_columns(duckdb: Any, con: Any, file: _File) -> None:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({quote(file.path)})").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"not a Parquet file DuckDB can read ({_first_line(exc)})", source=file.name) from None
    names = [row[0] for row in described]
    header = read_header(list(names), 1, file.name)
    file.columns = {name: '"' + names[i].replace('"', '""') + '"' for name, i in header.columns.items()}


def _jsonl_as_csv(file: _File, options: Options, spool: list[str]) -> _File:
    """A JSON Lines file, read by the streaming reader (every shape of response it knows), written as a
    plain CSV of its records for DuckDB to price."""
    import csv

    source = open_usage(file.path, None, "jsonl")
    source.name = file.name
    handle, path = tempfile.mkstemp(prefix="llmcost-jsonl-", suffix=".csv")
    spool.append(path)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in read_records(source, options.zone):
            batch = "true" if r.batch else "false"
            writer.writerow(
                [
                    r.when,
                    r.model,
                    r.input,
                    r.output,
                    r.cached,
                    r.write,
                    r.reasoning,
                    batch,
                    r.region or "",
                    r.project or "",
                ]
            )
    source.stream.close()
    return _File(file.name, path, "csv", False, {name: f"c{i}" for i, name in enumerate(CSV_COLUMNS)}, len(CSV_COLUMNS))


def book_names(book: Any) -> dict[str, str]:
    """Spellings of model names (ids, aliases, API ids, lowercase) → the model the book resolves each to."""
    pairs: dict[str, str] = {}
    for model in book.models.values():
        for name in (model.id, *model.aliases, model.api_id):
            for spelling in (name, name.lower()) if name else ():
                if spelling not in pairs:
                    try:
                        pairs[spelling] = book.resolve(spelling).id
                    except LlmcostError:
                        continue
    return pairs


def _names(book: Any, extra: dict[str, str]) -> str:
    pairs = {**book_names(book), **extra}
    values = ", ".join(f"({quote(k)}, {quote(v)})" for k, v in sorted(pairs.items()))
    return (
        "names AS (SELECT CAST(raw AS VARCHAR) AS raw, CAST(model_id AS VARCHAR) AS model_id"
        f" FROM (VALUES {values}) AS t(raw, model_id))"
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


class _Fallback(Exception):
    """Some record is not read by DuckDB as llmcost reads it: the streaming engine prices (or refuses) the files."""


def price_files_duckdb(
    paths: Sequence[str], options: Options, *, stdin: IO[bytes] | None = None, input_format: str | None = None
) -> Result:
    """Price every record of every file with DuckDB; the same Result as ``usage.price_files``."""
    duckdb = load_duckdb()
    spool: list[str] = []
    try:
        files = [_open(path, stdin, input_format, spool) for path in paths]
        try:
            return _price(duckdb, list(files), files, options, spool)
        except _Fallback as exc:
            if any(f.kind == "parquet" for f in files):
                raise
            result = price_records(_streams(files, options), options)  # its error, if a record is bad
            detail = f" ({exc})" if os.environ.get("LLMCOST_DEBUG") and str(exc) else ""
            print(
                "llmcost: note: some records are not read by DuckDB as llmcost reads them: "
                f"priced with the streaming engine instead{detail}",
                file=sys.stderr,
            )
            return result
    finally:
        for path in spool:
            try:
                os.unlink(path)
            except OSError:
                pass


def _streams(files: list[_File], options: Options) -> Iterator[tuple[str, Iterator[Record]]]:
    for file in files:
        source = open_usage(file.path, None, file.kind if file.kind != "parquet" else None)
        source.name = file.name
        try:
            yield file.name, read_records(source, options.zone)
        finally:
            source.stream.close()


def _load_prices(con: Any, rows: list[dict[str, Any]], spool: list[str]) -> None:
    """Fill the prices table (through a CSV file: far faster than inserting 600 rows one by one)."""
    import csv

    handle, path = tempfile.mkstemp(prefix="llmcost-prices-", suffix=".csv")
    spool.append(path)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for values in price_tuples(rows):
            writer.writerow(["\\N" if v is None else format(v, "f") if isinstance(v, Decimal) else v for v in values])
    types = {"text": "VARCHAR", "BIGINT": "BIGINT", "price": PRICE_TYPE}
    columns = "{" + ", ".join(f"'{name}': '{types[kind]}'" for name, kind in PRICE_FIELDS) + "}"
    con.execute(
        f"INSERT INTO prices SELECT * FROM read_csv({quote(path)}, header = false, columns = {columns},"
        " auto_detect = false, nullstr = '\\N', quote = '\"', escape = '\"', delim = ',')"
    )


def _price(duckdb: Any, files: list[_File], originals: list[_File], options: Options, spool: list[str]) -> Result:
    book = options.book
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # it writes to stdout, into the report
        for i, file in enumerate(files):
            if file.kind == "parquet":
                _parquet_columns(duckdb, con, file)
            elif file.kind == "jsonl":
                files[i] = _jsonl_as_csv(file, options, spool)
        rows = list(flat_rows(book))
        con.execute(price_table(Dialect("duckdb")))
        _load_prices(con, rows, spool)
        groups = options.group_by
        what_if = [m.id for m in options.what_if]
        extra: dict[str, str] = {}
        unknown: dict[str, str] = {}
        while True:
            usage = " UNION ALL ".join(_normalised(i, f, options) for i, f in enumerate(files))
            con.execute("CREATE OR REPLACE TEMP TABLE names AS WITH " + _names(book, extra) + " SELECT * FROM names")
            query = engine_sql(rows, book.calendars, usage, groups, what_if, inline=False)
            try:
                result = con.execute(query)
                columns = [d[0] for d in result.description]
                found = [dict(zip(columns, r)) for r in result.fetchall()]
            except duckdb.Error as exc:
                if any(f.kind == "parquet" for f in files):
                    raise InputError(f"DuckDB cannot read it: {_first_line(exc)}", source=files[0].name) from None
                raise _Fallback(str(exc).splitlines()[0]) from None
            if any(r["status"] == "bad" for r in found):
                if any(f.kind == "parquet" for f in files):
                    _parquet_error(con, files, found)
                raise _Fallback()
            new = _resolve(book, {r["raw_model"] for r in found if r["status"] == "unknown"}, unknown)
            if not new:
                break
            extra.update(new)
    finally:
        con.close()
    return _result(found, files, originals, options, unknown)


def _resolve(book: Any, raws: set[str], unknown: dict[str, str]) -> dict[str, str]:
    """Names the book resolves (family names, other spellings) that the names table did not hold."""
    new: dict[str, str] = {}
    for raw in raws:
        if raw in unknown:
            continue
        name = raw.strip()
        try:
            if not name or len(name) > 200:
                raise _Fallback()
            new[raw] = book.resolve(name).id
        except (UnknownModelError, LlmcostError) as exc:
            unknown[raw] = reason_of(exc)  # as the streaming engine says it: without the model's name
    return new


def _parquet_error(con: Any, files: list[_File], found: list[dict[str, Any]]) -> None:
    number = next(r["file_no"] for r in found if r["status"] == "bad")
    count = sum(r["records"] for r in found if r["status"] == "bad" and r["file_no"] == number)
    raise InputError(
        f"{count:,} record{'s' if count != 1 else ''} with a value llmcost cannot read (a missing model or "
        "timestamp, a timestamp without a zone, a token count that is not a whole number from 0, cached or "
        "reasoning tokens above the total, a batch or region value not understood)",
        source=files[number].name,
        hint="check them with: llmcost usage FILE (the streaming engine names the first one's line) after "
        "converting to CSV",
    )


def _entry(book: Any, model_id: str, region: str, effective: date) -> Any:
    model: Model = book.models[model_id]
    prices = model.prices if region == model.region or model.intl is None else model.intl.prices
    return next(e for e in prices if e.effective == effective)


def _project(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = " ".join(raw.split())
    if len(text) > 200:
        raise _Fallback()  # the streaming reader names its line
    return text or None


def _row(r: dict[str, Any], groups: tuple[str, ...], book: Any) -> Row:
    group = tuple(_project(r["grp_project"]) if g == "project" else r[f"grp_{g}"] for g in groups)
    effective = date.fromisoformat(r["effective"])
    records, batch, thinking = r["records"], bool(r["batch"]), bool(r["thinking"])
    entry = _entry(book, r["model"], r["region"], effective)
    batch_input = r["p_batch_input"] is not None
    if entry.mode == "graduated":
        batch_input = all(b.batch_input is not None for b in entry.bands)
    batch_output = r["p_batch_output"] is not None
    cache_unpriced = r["c_sum"] and not (batch and r["p_batch_input"] is not None) and r["p_cached_input"] is None
    return Row(
        r["scenario"],
        group,
        r["model"],
        r["region"],
        effective,
        r["currency"],
        records=records,
        input=int(r["input_sum"]),
        output=int(r["o_sum"]),
        cached=int(r["cached_sum"]),
        write=int(r["write_sum"]),
        reasoning=int(r["reasoning_sum"]),
        input_cost=Decimal(r["input_cost"]),
        cached_cost=Decimal(r["cached_cost"]),
        write_cost=Decimal(r["write_cost"]),
        output_cost=Decimal(r["output_cost"]),
        off_peak_records=records if r["clock"] == "off-peak" else 0,
        batch_records=records if batch else 0,
        batch_unpriced_records=records if batch and not (batch_input and batch_output) else 0,
        thinking_records=records
        if thinking and not (batch and batch_output) and r["p_reasoning_output"] is not None
        else 0,
        cache_unpriced_records=int(r["with_cache"]) if cache_unpriced else 0,
    )


def _reason(book: Any, model_id: str, region: str, day: int) -> str:
    from .pricing import Target

    try:
        Target(book, book.models[model_id], region).entry_at(day)
    except CannotPrice as exc:
        return exc.reason
    return "no price on its day"  # pragma: no cover - the SQL found none


def _result(
    found: list[dict[str, Any]], files: list[_File], originals: list[_File], options: Options, unknown: dict[str, str]
) -> Result:
    book = options.book
    rows: dict[tuple[Any, ...], Row] = {}
    skips: dict[tuple[int, str, str], int] = {}
    read = 0
    per_file = [0] * len(files)
    for r in found:
        if r["scenario"] == 0:
            per_file[r["file_no"]] += r["records"]
        if r["status"] == "priced":
            part = _row(r, options.group_by, book)
            if part.scenario == 0:
                read += part.records
            row = rows.get(part.key)
            if row is None:
                rows[part.key] = part
            else:
                row.add(part)
            continue
        scenario = r["scenario"]
        if scenario == 0:
            read += r["records"]
        if r["status"] == "unknown":
            key = (0, r["raw_model"].strip(), unknown[r["raw_model"]])
        else:
            model = r["raw_model"].strip() if scenario == 0 else r["price_model"]
            key = (scenario, model, _reason(book, r["price_model"], r["req_region"], r["miss_day"]))
        skips[key] = skips.get(key, 0) + r["records"]
    if 0 in per_file:  # a file without records: the streaming reader's error for it
        raise _Fallback("a file without records")
    if any(k[0] == 0 for k in skips) and not options.skip_unknown:
        _raise_first(originals, options, skips)
    firsts = _first_seen(originals, options, set(skips)) if skips else {}
    order = sorted(skips, key=lambda k: firsts.get(k, (len(files), 0, "")))
    skipped = [Skip(k[0], k[1], k[2], skips[k], firsts[k][2] if k in firsts else "") for k in order]
    names = tuple(f.name for f in originals)
    return Result(sorted(rows.values(), key=row_order), skipped, read, names)


def _raise_first(originals: list[_File], options: Options, skips: dict[tuple[int, str, str], int]) -> None:
    """The streaming engine's error for the first record without a price (with its file and line)."""
    if all(f.kind != "parquet" for f in originals):
        price_records(_streams(originals, options), options)
    key = next(k for k in skips if k[0] == 0)
    raise InputError(key[2], source=originals[0].name if len(originals) == 1 else None)


def _first_seen(
    originals: list[_File], options: Options, wanted: set[tuple[int, str, str]]
) -> dict[tuple[int, str, str], tuple[int, int, str]]:
    """Where the first record of each kind of skipped record is: (file, line, 'file, line N'); read
    with the streaming reader until every one is found."""
    book = options.book
    targets, clock = _Targets(book), Clock(book)
    out: dict[tuple[int, str, str], tuple[int, int, str]] = {}
    for number, file in enumerate(originals):
        if file.kind == "parquet":
            continue
        for name, records in _streams([file], options):
            for rec in records:
                region = rec.region or options.region
                try:
                    target = targets.named(rec.model, region)
                    target.classify(clock, rec)
                except (CannotPrice, LlmcostError) as exc:
                    key = (0, rec.model, reason_of(exc))
                    if key in wanted and key not in out:
                        out[key] = (number, rec.line, f"{name}, line {rec.line}")
                    continue
                for k, model in enumerate(options.what_if, 1):
                    try:
                        targets.of(model, region).classify(clock, rec)
                    except CannotPrice as exc:
                        key = (k, model.id, exc.reason)
                        if key in wanted and key not in out:
                            out[key] = (number, rec.line, f"{name}, line {rec.line}")
                if len(out) == len(wanted):
                    return out
    return out
