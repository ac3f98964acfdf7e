"""Pricing real usage: API responses, gateway logs and usage exports, record by record.

    from llmcost import book, usage
    result = usage.price_files(["usage.csv.gz"], usage.Options(book.load()))

``records`` reads one record (OpenAI's convention), ``readers`` reads files, ``pricing`` prices
one record, ``engine`` streams a log into priced rows, ``report`` turns rows into the JSON report;
``cost_of`` (``from llmcost import cost_of``) prices one response for an application.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import IO

from .engine import DEFAULT_GROUPS, GROUPS, Options, Result, Row, Skip, parse_groups, price_records
from .readers import Source, open_usage, read_records
from .records import Record, parse_timezone

__all__ = [
    "DEFAULT_GROUPS",
    "GROUPS",
    "Options",
    "Record",
    "Result",
    "Row",
    "Skip",
    "Source",
    "open_usage",
    "parse_groups",
    "parse_timezone",
    "price_files",
    "price_records",
    "read_records",
]


def _sources(
    paths: Sequence[str], options: Options, stdin: IO[bytes] | None, input_format: str | None
) -> Iterator[tuple[str, Iterator[Record]]]:
    for path in paths:
        source = open_usage(path, stdin, input_format)
        try:
            yield source.name, read_records(source, options.zone)
        finally:
            if path != "-":
                source.stream.close()


def price_files(
    paths: Sequence[str], options: Options, *, stdin: IO[bytes] | None = None, input_format: str | None = None
) -> Result:
    """Price every record of every file (``-``: stdin) with the streaming engine."""
    return price_records(_sources(paths, options, stdin, input_format), options)
