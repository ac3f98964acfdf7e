"""``llmcost check --usage FILE --budget AMOUNT``: a month's real spend against budgets (the library is
``usage.spend``; ``check`` in ``cli.estimate`` parses the options and hands them here)."""

from __future__ import annotations

import sys
import time

import typer

from ..errors import UsageError
from .options import _as_of, _color, _emit, _format, _fx, _region, _stdin, _width


def check_usage(
    files: list[str],
    *,
    budgets: list[str],
    month: str | None,
    currency: str,
    rate: str | None,
    as_of: str | None,
    region: str,
    timezone: str | None,
    skip_unknown: bool,
    fmt: str,
    prices: str | None,
    wide: bool,
    refused: dict[str, bool],
) -> None:
    from .. import api, usage
    from ..money import parse_currency
    from ..render import report_head
    from ..render_spend import render_spend
    from ..usage import spend

    for flag, given in refused.items():
        if given:
            raise UsageError(f"{flag} is for workload files, not --usage")
    if files.count("-") > 1:
        raise UsageError("standard input (-) can be read once")
    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    code = parse_currency(currency)
    limits = spend.parse_budgets(budgets)
    if limits.total is None and not limits.projects:
        raise UsageError(
            "nothing to check: give --budget AMOUNT (the month's total) or --budget PROJECT=AMOUNT",
            hint="see 'llmcost check --help'",
        )
    months = None if month is None else (spend.parse_month(month),)
    now = int(time.time())
    when = _as_of(as_of)
    book = api.load_book(prices)
    options = usage.Options(
        book=book,
        region=_region(region),
        zone=None if timezone is None else usage.parse_timezone(timezone),
        group_by=("month", "project"),
        skip_unknown=skip_unknown,
    )
    fx = _fx(rate, book, when)
    start, end = spend.window(months or spend.current_months(now))
    outside = [0]
    sources = spend.in_window(usage._sources(files, options, _stdin(), None), start, end, outside)
    result = usage.price_records(sources, options)
    checked = spend.month_spend(
        result,
        book=book,
        months=months,
        now=now,
        outside=outside[0],
        budgets=limits,
        currency=code,
        fx=fx,
        as_of=when,
    )
    skipped = [
        {"model": s.model, "reason": s.reason, "records": s.records, "first": s.first}
        for s in result.skipped
        if s.scenario == 0
    ]
    report = spend.spend_report(
        checked, limits, head=report_head(code, when, fx, book), fx=fx, files=result.sources, skipped=skipped
    )
    _emit(render_spend(report, fmt, color=_color(), width=_width(), wide=wide), fmt)
    if not (fmt == "table" and sys.stdout.isatty() and sys.stderr.isatty()):  # else the table just said it
        typer.echo(f"llmcost: {report['summary']}", err=True)
    if fmt == "csv":  # the other formats list the skipped records; a CSV has a row per project only
        for s in skipped:
            n = f"{s['records']:,} record{'' if s['records'] == 1 else 's'}"
            typer.echo(f"llmcost: skipped {n} of {s['model']}: {s['reason']} (first: {s['first']})", err=True)
    if report["verdict"] != "pass":
        raise typer.Exit(1)
