"""``llmcost usage --emit-sql``: the pricing SQL for a usage table in a warehouse (DuckDB or Spark)."""

from __future__ import annotations

from ..book.flat import flat_rows
from .engine import Options
from .sql import dialect, warehouse_sql


def book_names(book: object) -> dict[str, str]:
    from .duckdb_engine import book_names as names

    return names(book)


def emit_sql(options: Options, dialect_name: str, table: str) -> str:
    """The query, ending with a newline; the records without a price are counted, never dropped."""
    d = dialect(dialect_name)
    book = options.book
    rows = list(flat_rows(book))
    query = warehouse_sql(
        d.name, book, rows, book_names(book), table=table, groups=options.group_by, region=options.region
    )
    return query + ";\n"
