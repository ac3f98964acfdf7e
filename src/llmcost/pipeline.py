"""Streaming a workload file: read, price and render one line at a time, in input order.

``price_file`` prices every workload of a CSV or YAML file and hands each line's text to
``write`` as it goes, so memory does not grow with the file.  A large CSV (more than
``PARALLEL_AFTER`` rows) streamed to csv, json or jsonl is priced in parallel past that
point: this process reads the records (a line with no quote as it is, a quoted record
parsed), a pool of worker processes (forked, so they share the loaded price book) splits
and checks them, prices and renders chunks of ``CHUNK_ROWS`` records, and this process
writes the chunks in input order and adds their exact sums (sums carry every digit, so
adding by chunk gives the same total).  The output is the same byte for byte, and so is an
error: the first bad row in input order stops the run with its message, after exactly
the lines before it, as if the file had been priced one row after the other
(tests/test_fast_paths.py checks both ways against each other).
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any

from . import fastrow, workload_files
from .errors import LlmcostError
from .money import add_exact
from .render.bill import Stream
from .workload import Workload

#: Rows priced in this process before a pool is started, so a small file never pays for one:
#: measured on 2 CPUs, a pool starts paying off at about 10,000 rows (40,000 rows: 1.12 s in one
#: process, 0.89 s with a pool after 5,000).  At least 1: the first line of the JSON stream (the
#: one without a comma before it) is written here.
PARALLEL_AFTER = 5_000
#: Rows per chunk sent to a worker.
CHUNK_ROWS = 5_000
#: Chunks in flight per worker: enough to keep every worker busy, few enough to bound memory.
PENDING_PER_WORKER = 2
#: Formats whose line text does not depend on the lines before it (the table views hold rows).
PARALLEL_FORMATS = ("csv", "json", "jsonl")


#: Rows between two calls of a progress callback.
PROGRESS_EVERY = 1_000


def _counted(items: Iterator[Any], progress: Callable[[int], None], done: int = 0) -> Iterator[Any]:
    """``items``, telling ``progress`` how many have been taken, every PROGRESS_EVERY of them."""
    for n, item in enumerate(items, done + 1):
        yield item
        if n % PROGRESS_EVERY == 0:
            progress(n)


def price_file(
    pricer: Any,
    path: str,
    *,
    stdin: IO[bytes] | None,
    input_format: str | None,
    encoding: str,
    stream: Stream,
    write: Callable[[str], None],
    parallel: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Decimal:
    """Price every workload in ``path`` (``-``: stdin) in order, writing each line's text; the exact total.

    ``pricer`` is an ``api.Pricer``.  With ``parallel``, a large CSV is priced in worker processes
    (see the module's docstring); the output is the same either way.  ``progress``, if given, is
    told the number of rows priced so far, every ``PROGRESS_EVERY`` rows.
    """
    from .api import prompt_counter

    count_prompt = prompt_counter(pricer.book)
    source = workload_files.open_source(path, stdin)
    kind, data = workload_files.detect_format(source, input_format)
    if kind == "yaml":
        workloads = workload_files.read_yaml(source, data, encoding=encoding, count_prompt=count_prompt)

        def price_workload(workload: Workload) -> tuple[str, Decimal]:
            line = pricer.strict(workload)
            return stream.line(line), line.total

        items: Iterator[Any] = ((w,) for w in workloads)
        return _price_in_order(
            items if progress is None else _counted(items, progress), price_workload, write, Decimal(0)
        )
    records = workload_files.CsvRecords(source, data, encoding=encoding)
    price_row = _row_pricer(records, pricer, stream, count_prompt)
    rows: Iterator[Any] = iter(records)
    if progress is not None:
        rows = _counted(rows, progress)
    total = _price_in_order(islice(rows, PARALLEL_AFTER), price_row, write, Decimal(0))
    workers = _workers() if parallel else 1
    if workers < 2:
        return _price_in_order(rows, price_row, write, total)
    # The records past those, read here but split, checked and priced by the workers.
    unread = records.records()
    following = next(unread, None)  # a reading error here is raised here, after the lines before it
    if following is None:
        return total
    return _price_in_parallel(
        chain([following], unread),
        records.cells,
        price_row,
        write,
        total,
        workers,
        progress=progress,
        done=PARALLEL_AFTER,
    )


#: Prices one item (a CSV row's line number and cells, or a YAML workload): its line's text and exact total.
PriceRow = Callable[..., "tuple[str, Decimal]"]


def _row_pricer(records: workload_files.CsvRecords, pricer: Any, stream: Stream, count_prompt: Any) -> PriceRow:
    """Each row through the fast row where it has one (``fastrow``), else the general path."""
    fast = fastrow.compile_row(records, pricer, stream)

    def general(line: int, row: list[str]) -> tuple[str, Decimal]:
        priced = pricer.strict(records.workload(line, row, count_prompt))
        return stream.line(priced), priced.total

    if fast is None:
        return general

    def price_row(line: int, row: list[str]) -> tuple[str, Decimal]:
        return fast(line, row) or general(line, row)

    return price_row


def _price_in_order(
    items: Iterable[tuple[Any, ...]], price_row: PriceRow, write: Callable[[str], None], total: Decimal
) -> Decimal:
    add = add_exact
    for item in items:
        text, amount = price_row(*item)
        total = add(total, amount)
        write(text)
    return total


def _workers() -> int:
    """Worker processes for a parallel run: one per CPU this process may use; 1 means none."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # the workers share the loaded book and rows reader by forking
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# -- parallel ------------------------------------------------------------------------------

#: What a forked worker reads and prices each record with: (cells, price_row), set before the pool is started.
_JOB: tuple[Callable[[int, Any], list[str] | None], PriceRow] | None = None

#: A worker's result: its lines' text and their exact sum, up to its first error (and that error).
Result = tuple[str, Decimal, "tuple[str, str, int] | None"]


def _price_chunk(chunk: list[tuple[int, Any]]) -> Result:
    """In a worker: check, price and render a chunk of records."""
    cells, price_row = _JOB  # type: ignore[misc]
    add, parts, total = add_exact, [], Decimal(0)
    try:
        for line, record in chunk:
            row = cells(line, record)
            if row is not None:
                text, amount = price_row(line, row)
                total = add(total, amount)
                parts.append(text)
    except LlmcostError as exc:
        return "".join(parts), total, ("", str(exc), exc.exit_code)
    except Exception as exc:  # a bug: reported by the CLI's error boundary as it would be in one process
        return "".join(parts), total, (type(exc).__name__, str(exc), 0)
    return "".join(parts), total, None


class _Relayed(LlmcostError):
    """An error a worker met, raised again here with the same message and exit code."""

    def __init__(self, text: str, exit_code: int):
        super().__init__(text)
        self.exit_code = exit_code


def _raise(error: tuple[str, str, int]) -> None:
    kind, text, exit_code = error
    if not kind:
        raise _Relayed(text, exit_code)
    raise type(kind, (Exception,), {})(text)  # the same "internal error: TypeName: message"


def _chunks(rows: Iterator[tuple[int, Any]]) -> Iterator[tuple[list[tuple[int, Any]], Exception | None]]:
    """Chunks of records; a reading error ends the last chunk, after the records read before it."""
    while True:
        chunk: list[tuple[int, Any]] = []
        try:
            for item in rows:
                chunk.append(item)
                if len(chunk) == CHUNK_ROWS:
                    break
            else:
                yield chunk, None
                return
        except Exception as exc:  # raised once the rows before it are written
            yield chunk, exc
            return
        yield chunk, None


def _price_in_parallel(
    rows: Iterator[tuple[int, Any]],
    cells: Callable[[int, Any], list[str] | None],
    price_row: PriceRow,
    write: Callable[[str], None],
    total: Decimal,
    workers: int,
    *,
    progress: Callable[[int], None] | None = None,
    done: int = 0,
) -> Decimal:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _JOB
    _JOB = (cells, price_row)
    # A forked worker flushes its copy of these on exit: they must hold nothing that is not yet written.
    sys.stdout.flush()
    sys.stderr.flush()
    pending: deque[Any] = deque()
    reading_error: Exception | None = None
    # An executor, not a multiprocessing.Pool: a worker that dies (killed, out of memory) fails the
    # run with BrokenProcessPool instead of leaving it waiting for ever.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_ctrl_c)
    try:
        for chunk, reading_error in _chunks(rows):
            if chunk:
                pending.append((pool.submit(_price_chunk, chunk), len(chunk)))
            while pending and (len(pending) >= workers * PENDING_PER_WORKER or reading_error is not None):
                total, done = _write_next(pending, write, total, progress, done)
        while pending:
            total, done = _write_next(pending, write, total, progress, done)
    finally:
        _JOB = None
        pool.shutdown(wait=True, cancel_futures=True)  # on an error: drop the chunks past it
    if reading_error is not None:
        raise reading_error
    return total


def _ignore_ctrl_c() -> None:
    """In a worker: Ctrl-C (SIGINT to the whole process group) is this process's to handle, not the workers':
    the CLI stops with exit 130 and no TOTAL row, and shutting the pool down ends them.  A worker that took it
    too would print its own KeyboardInterrupt traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _write_next(
    pending: deque[Any], write: Callable[[str], None], total: Decimal, progress: Callable[[int], None] | None, done: int
) -> tuple[Decimal, int]:
    """Write the oldest chunk's result: the new total and the number of rows priced."""
    future, size = pending.popleft()
    total = _write_result(future.result(), write, total)
    if progress is not None:
        progress(done + size)
    return total, done + size


def _write_result(result: Result, write: Callable[[str], None], total: Decimal) -> Decimal:
    text, amount, error = result
    total = add_exact(total, amount)  # exact: the same total as adding line by line in one process
    if text:
        write(text)
    if error is not None:
        _raise(error)
    return total
