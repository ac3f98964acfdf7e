"""llmcost usage: price real usage records (API responses, gateway logs, usage exports)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from .app import app
from .options import (
    AsOf,
    Currency,
    PricesPath,
    Rate,
    _as_of,
    _color,
    _emit,
    _format,
    _fx,
    _read_text_arg,
    _region,
    _stdin,
    _width,
    complete_model,
)

if TYPE_CHECKING:
    from ..money import FxRate
    from ..usage.engine import Options

UsageFiles = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="FILE...", help="Usage files (CSV or JSON Lines, gzip or not), or - for stdin.", show_default=False
    ),
]
GroupBy = Annotated[
    list[str] | None,
    typer.Option(
        "--group-by",
        "-g",
        metavar="KEY",
        help="Group lines by month, day, model, provider or project (repeatable) [default: month, model].",
    ),
]
WhatIf = Annotated[
    list[str] | None,
    typer.Option(
        "--what-if",
        metavar="MODEL",
        help="Also price the same records on this model, side by side, with the saving (repeatable).",
        autocompletion=complete_model,
    ),
]
SkipUnknown = Annotated[
    bool,
    typer.Option(
        "--skip-unknown",
        help="Skip records of unknown models or without a price on their day (counted and reported) "
        "instead of stopping at the first.",
    ),
]
TimeZone = Annotated[
    str | None,
    typer.Option(
        "--timezone", metavar="ZONE", help="Time zone of timestamps written without one: Asia/Shanghai, UTC, +08:00."
    ),
]
UsageInputFormat = Annotated[str | None, typer.Option(metavar="FORMAT", help="Force the input format: csv or jsonl.")]
Sample = Annotated[
    str | None,
    typer.Option(
        "--sample",
        metavar="TEXT|PATH",
        help="A typical text (or a file): how many tokens each --what-if model's tokenizer makes of it.",
    ),
]
Region = Annotated[
    str,
    typer.Option(
        metavar="REGION", help="Price list for records without a region column/field: cn (mainland China) or intl."
    ),
]
UsageFormat = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMAT", help="Output: table, json, csv or markdown.")
]
EmitSql = Annotated[
    bool,
    typer.Option(
        "--emit-sql",
        help="Print the pricing SQL (the price table of 'llmcost prices export' joined to a usage table with "
        "the CSV columns) to run in a warehouse, instead of reading files.",
    ),
]
SqlDialect = Annotated[str, typer.Option("--dialect", metavar="DIALECT", help="SQL of --emit-sql: duckdb or spark.")]
UsageTable = Annotated[
    str, typer.Option("--usage-table", metavar="TABLE", help="The usage table --emit-sql reads [default: usage].")
]
Engine = Annotated[
    str,
    typer.Option(
        metavar="ENGINE",
        help="stream (in constant memory) or duckdb (CSV, JSON Lines and Parquet through DuckDB, "
        'for very large logs; pip install "llmcost[duckdb]"): the same report either way.',
    ),
]


def usage_options(
    prices: str | None,
    currency: str,
    rate: str | None,
    as_of: str | None,
    region: str,
    timezone: str | None,
    group_by: list[str] | None,
    what_if: list[str] | None,
    skip_unknown: bool,
) -> tuple[Options, str, FxRate | None, date]:
    """The pricing options a usage command gives, checked: (options, report currency, rate, rate date)."""
    from .. import api, usage
    from ..money import parse_currency

    code = parse_currency(currency)
    when = _as_of(as_of)
    book = api.load_book(prices)
    models = []
    for name in what_if or []:
        model = book.resolve(name)
        if model not in models:
            models.append(model)
    options = usage.Options(
        book=book,
        region=_region(region),
        zone=None if timezone is None else usage.parse_timezone(timezone),
        group_by=usage.parse_groups(group_by or []),
        what_if=tuple(models),
        skip_unknown=skip_unknown,
    )
    return options, code, _fx(rate, book, when), when


@app.command("usage")
def usage_command(
    files: UsageFiles = None,
    group_by: GroupBy = None,
    what_if: WhatIf = None,
    sample: Sample = None,
    skip_unknown: SkipUnknown = False,
    timezone: TimeZone = None,
    region: Region = "cn",
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    fmt: UsageFormat = "table",
    input_format: UsageInputFormat = None,
    engine: Engine = "stream",
    emit_sql: EmitSql = False,
    dialect: SqlDialect = "duckdb",
    usage_table: UsageTable = "usage",
    prices: PricesPath = None,
) -> None:
    """Price real usage records, each at the price in force at its own time: what did we spend, by month,
    model, provider or project, and what would the same records have cost on other models?

    Records are JSON Lines (OpenAI-compatible responses or log records: Chat Completions, Responses API,
    DeepSeek and Anthropic usage) or CSV with a header (timestamp, model, input_tokens, output_tokens;
    optional cached_tokens, cache_write_tokens, reasoning_tokens, batch, region, project), gzip or not.
    --as-of and --rate give the USD/CNY rate; prices are each record's own.

    \b
    Examples:
      llmcost usage requests.jsonl.gz
      llmcost usage usage.csv --group-by project --group-by month -f json
      llmcost usage usage.csv --what-if deepseek-v4-flash --what-if qwen-plus
      cat log.jsonl | llmcost usage - --timezone Asia/Shanghai
      llmcost usage big.parquet --engine duckdb
      llmcost usage --emit-sql --dialect spark --usage-table logs.llm_usage \\
        > price_usage.sql
    """
    from .. import usage
    from ..render import report_head
    from ..render_usage import render_usage
    from ..usage.report import usage_report
    from ..usage.tokenizers import tokenizer_notes

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    options, code, fx, when = usage_options(
        prices, currency, rate, as_of, region, timezone, group_by, what_if, skip_unknown
    )
    if emit_sql:
        from ..usage.warehouse import emit_sql as emit

        if files or options.what_if:
            raise UsageError("--emit-sql prints SQL for a warehouse table: it takes no FILE and no --what-if")
        _emit(emit(options, dialect, usage_table), "csv")
        return
    if not files:
        raise UsageError("give a usage FILE (or - for stdin)", hint="see 'llmcost usage --help'")
    if files.count("-") > 1:
        raise UsageError("standard input (-) can be read once")
    text = _read_text_arg(sample, "--sample", "utf-8", path_only=False) if sample is not None else None
    if text is not None and not options.what_if:
        raise UsageError("--sample measures tokenizers for --what-if: give --what-if MODEL too")
    engine = engine.strip().lower()
    if engine not in ("stream", "duckdb"):
        raise UsageError(f"--engine: {engine!r} is not stream or duckdb")
    if engine == "duckdb":
        from ..usage.duckdb_engine import price_files_duckdb

        result = price_files_duckdb(files, options, stdin=_stdin(), input_format=input_format)
    else:
        result = usage.price_files(files, options, stdin=_stdin(), input_format=input_format)
    sources = sorted({row.model for row in result.rows if row.scenario == 0})
    notes = tokenizer_notes([options.book.models[m] for m in sources], options.what_if, text)
    report = usage_report(
        result,
        head=report_head(code, when, fx, options.book),
        book=options.book,
        groups=options.group_by,
        what_if=options.what_if,
        currency=code,
        fx=fx,
        as_of=when,
        tokenizer_notes=notes,
    )
    _emit(render_usage(report, fmt, color=_color(), width=_width()), fmt)
    if fmt == "csv":  # the table, markdown and JSON list them; a CSV has a row per group only
        from ..render_usage import unshown

        for line in unshown(report):
            typer.echo(f"llmcost: {line}", err=True)
