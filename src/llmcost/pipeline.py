"""Streaming a workload file: read, price and render one line at a time, in input order.

``price_file`` prices every workload of a CSV or YAML file and hands each line's text to
``write`` as it goes, so memory does not grow with the file.  A large CSV (more than
``PARALLEL_AFTER`` rows) streamed to csv, json or jsonl is priced in parallel past that
point: this process reads the rows and checks their shape, a pool of worker processes
(forked, so they share the loaded price book) checks the values, prices and renders
chunks of ``CHUNK_ROWS`` rows, and this process writes the chunks in input order and
adds the totals in input order.  The output is the same byte for byte, and so is an
error: the first bad row in input order stops the run with its message, after exactly
the lines before it, as if the file had been priced one row after the other
(tests/test_fast_paths.py checks both ways against each other).
"""

from __future__ import annotations

import os
import sys
from collections import deque
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any, Callable, Iterable, Iterator

from . import workload_files
from .errors import LlmcostError
from .money import CONTEXT
from .render import Stream
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


def price_file(pricer: Any, path: str, *, stdin: IO[bytes] | None, input_format: str | None, encoding: str,
               stream: Stream, write: Callable[[str], None], parallel: bool = False) -> Decimal:
    """Price every workload in ``path`` (``-``: stdin) in order, writing each line's text; the exact total.

    ``pricer`` is an ``api.Pricer``.  With ``parallel``, a large CSV is priced in worker processes
    (see the module's docstring); the output is the same either way.
    """
    from .api import prompt_counter

    count_prompt = prompt_counter(pricer.book)
    source = workload_files.open_source(path, stdin)
    kind, data = workload_files.detect_format(source, input_format)
    if kind == "yaml":
        workloads = workload_files.read_yaml(source, data, encoding=encoding, count_prompt=count_prompt)
        return _price_in_order(((w,) for w in workloads), _given, pricer, stream, write, Decimal(0))
    records = workload_files.CsvRecords(source, data, encoding=encoding)

    def build(line: int, row: list[str]) -> Workload:
        return records.workload(line, row, count_prompt)

    rows = iter(records)
    total = _price_in_order(islice(rows, PARALLEL_AFTER), build, pricer, stream, write, Decimal(0))
    workers = _workers() if parallel else 1
    if workers < 2:
        return _price_in_order(rows, build, pricer, stream, write, total)
    following = next(rows, None)  # a reading error here is raised here, after the lines before it
    if following is None:
        return total
    return _price_in_parallel(chain([following], rows), build, pricer, stream, write, total, workers)


def _given(workload: Workload) -> Workload:
    return workload


def _price_in_order(items: Iterable[tuple[Any, ...]], build: Callable[..., Workload], pricer: Any, stream: Stream,
                    write: Callable[[str], None], total: Decimal) -> Decimal:
    for item in items:
        line = pricer.strict(build(*item))
        total = CONTEXT.add(total, line.total)  # exact: the default context keeps only 28 digits
        write(stream.line(line))
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

#: What a forked worker prices with: (build, pricer, stream), set before the pool is started.
_JOB: tuple[Callable[..., Workload], Any, Stream] | None = None


def _price_chunk(chunk: list[tuple[int, list[str]]]) -> tuple[str, list[Decimal], tuple[str, str, int] | None]:
    """In a worker: the text and totals of a chunk's lines, up to its first error (and that error)."""
    build, pricer, stream = _JOB  # type: ignore[misc]
    parts, totals = [], []
    try:
        for item in chunk:
            line = pricer.strict(build(*item))
            totals.append(line.total)
            parts.append(stream.line(line))
    except LlmcostError as exc:
        return "".join(parts), totals, ("", str(exc), exc.exit_code)
    except Exception as exc:  # a bug: reported by the CLI's error boundary as it would be in one process
        return "".join(parts), totals, (type(exc).__name__, str(exc), 0)
    return "".join(parts), totals, None


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


def _chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[list[tuple[int, list[str]]], Exception | None]]:
    """Chunks of rows; a reading error ends the last chunk, after the rows read before it."""
    while True:
        chunk: list[tuple[int, list[str]]] = []
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


def _price_in_parallel(rows: Iterator[tuple[int, list[str]]], build: Callable[..., Workload], pricer: Any,
                       stream: Stream, write: Callable[[str], None], total: Decimal, workers: int) -> Decimal:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _JOB
    _JOB = (build, pricer, stream)
    # A forked worker flushes its copy of these on exit: they must hold nothing that is not yet written.
    sys.stdout.flush()
    sys.stderr.flush()
    add = CONTEXT.add
    pending: deque[Any] = deque()
    reading_error: Exception | None = None
    # An executor, not a multiprocessing.Pool: a worker that dies (killed, out of memory) fails the
    # run with BrokenProcessPool instead of leaving it waiting for ever.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        for chunk, reading_error in _chunks(rows):
            if chunk:
                pending.append(pool.submit(_price_chunk, chunk))
            while pending and (len(pending) >= workers * PENDING_PER_WORKER or reading_error is not None):
                total = _write_result(pending.popleft().result(), write, total, add)
        while pending:
            total = _write_result(pending.popleft().result(), write, total, add)
    finally:
        _JOB = None
        pool.shutdown(wait=True, cancel_futures=True)  # on an error: drop the chunks past it
    if reading_error is not None:
        raise reading_error
    return total


def _write_result(result: tuple[str, list[Decimal], tuple[str, str, int] | None], write: Callable[[str], None],
                  total: Decimal, add: Callable[[Decimal, Decimal], Decimal]) -> Decimal:
    text, totals, error = result
    for amount in totals:  # one by one, in input order: the same rounding as in one process
        total = add(total, amount)
    if text:
        write(text)
    if error is not None:
        _raise(error)
    return total
