"""Commands that price workloads: estimate, compare, check, and init (an example workload file)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from ..money import parse_decimal
from . import progress
from .app import app
from .options import (
    AllModels,
    AsOf,
    BatchRatio,
    CachedRatio,
    CacheWriteRatio,
    Currency,
    Days,
    Discounts,
    Encoding,
    Format,
    FreeQuota,
    InputFormat,
    InputTokens,
    Models,
    OffPeakRatio,
    OutputSample,
    OutputTokens,
    PricesPath,
    Prompt,
    PromptFile,
    Providers,
    Rate,
    Region,
    RequestsPerDay,
    RequestsPerMonth,
    StreamFormat,
    ThinkingRatio,
    Verbose,
    Wide,
    WorkloadFile,
    Workloads,
    _color,
    _dated_notes,
    _emit,
    _flush,
    _format,
    _one_file,
    _pricer,
    _refuse_with_workloads,
    _request,
    _stdin,
    _width,
    _write,
    _writer,
    complete_model,
)

if TYPE_CHECKING:
    from ..api import Pricer


@app.command()
def estimate(
    file: WorkloadFile = None,
    model: Models = None,
    all_models: AllModels = False,
    provider: Providers = None,
    workloads: Workloads = None,
    requests_per_day: RequestsPerDay = None,
    requests_per_month: RequestsPerMonth = None,
    input_tokens: InputTokens = None,
    output_tokens: OutputTokens = None,
    days: Days = None,
    cached_ratio: CachedRatio = "0",
    batch_ratio: BatchRatio = "0",
    cache_write_ratio: CacheWriteRatio = "0",
    thinking_ratio: ThinkingRatio = "0",
    off_peak_ratio: OffPeakRatio = "0",
    prompt: Prompt = None,
    prompt_file: PromptFile = None,
    output_sample: OutputSample = None,
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    discount: Discounts = None,
    free_quota: FreeQuota = False,
    region: Region = "cn",
    fmt: StreamFormat = "table",
    input_format: InputFormat = None,
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
    wide: Wide = False,
    verbose: Verbose = False,
) -> None:
    """Estimate the monthly bill of a workload on one model, several, or all; or of a workload file.

    Counts take 10k, 2.5M or 1,000.

    \b
    Examples:
      llmcost estimate -m qwen-long --requests-per-day 2000 \\
        --input-tokens 1500 --output-tokens 400
      llmcost estimate --all --requests-per-day 5k --input-tokens 1.2k \\
        --output-tokens 300 --currency USD
      llmcost estimate examples/workloads.yaml --format csv
    """
    from .. import api
    from ..render import bill_report, render_bill

    fmt = _format(fmt, ("table", "json", "jsonl", "csv", "markdown"))
    pricer = _pricer(prices, currency, rate, as_of, discount, free_quota, region)
    workloads = _one_file(file, workloads)
    if workloads is not None:
        _refuse_with_workloads(
            model=model,
            all=all_models,
            provider=provider,
            requests_per_day=requests_per_day,
            requests_per_month=requests_per_month,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            days=days,
            cached_ratio=cached_ratio,
            batch_ratio=batch_ratio,
            cache_write_ratio=cache_write_ratio,
            thinking_ratio=thinking_ratio,
            off_peak_ratio=off_peak_ratio,
            prompt=prompt,
            prompt_file=prompt_file,
            output_sample=output_sample,
        )
        _price_workload_file(pricer, workloads, fmt, input_format, encoding, wide, as_of, verbose)
        return
    request = _request(
        model,
        all_models,
        provider,
        requests_per_day,
        requests_per_month,
        input_tokens,
        output_tokens,
        days,
        cached_ratio,
        batch_ratio,
        prompt,
        prompt_file,
        output_sample,
        encoding,
        cache_write_ratio,
        thinking_ratio,
        off_peak_ratio,
    )
    bill = api.estimate(pricer, request)
    converted = any(line.model.currency != bill.currency for line in bill.lines)
    report = bill_report(bill, pricer.book)
    report["notes"] = _dated_notes(as_of, pricer.book, bill.as_of, bill.fx, converted, fmt)
    _emit(render_bill(report, fmt, color=_color(), width=_width(), wide=wide, verbose=verbose), fmt)


def _price_workload_file(
    pricer: Pricer,
    path: str,
    fmt: str,
    input_format: str | None,
    encoding: str,
    wide: bool = False,
    as_of: str | None = None,
    verbose: bool = False,
) -> None:
    """Read, price and write one workload at a time (see render.Stream)."""
    from .. import pipeline
    from ..money import plain
    from ..render import report_head, stream_for

    p = pricer.pricing
    head = report_head(p.currency, p.as_of, p.fx, pricer.book, "workloads")
    head["notes"] = _dated_notes(as_of, pricer.book, p.as_of, p.fx, None, fmt)  # streamed: conversions not known yet
    writer = _writer()
    stream = stream_for(fmt, head, color=writer.color, width=writer.width, wide=wide, verbose=verbose)
    out = _Output(writer, fmt)
    out.write(stream.begin())
    # Rows streaming onto the terminal are their own progress; a table is written at the end.
    with progress.Rows(not (fmt in pipeline.PARALLEL_FORMATS and writer.tty)) as rows_done:
        total = pipeline.price_file(
            pricer,
            path,
            stdin=_stdin(),
            input_format=input_format,
            encoding=encoding,
            stream=stream,
            write=out.write,
            parallel=fmt in pipeline.PARALLEL_FORMATS,
            progress=rows_done,
        )
    out.write(stream.end([], plain(total)))
    out.close()


class _Output:
    """Buffers the first MiB of output, so a bad row early in a file prints nothing at all;
    past that, output streams (a later error still leaves no TOTAL row and exits 2)."""

    LIMIT = 1024 * 1024

    def __init__(self, writer, fmt: str) -> None:
        self.writer, self.fmt = writer, fmt
        self.parts: list[str] | None = []
        self.size = 0

    def write(self, text: str) -> None:
        if self.parts is None:
            _write(self.writer.prepare(text, self.fmt))
            return
        self.parts.append(text)
        self.size += len(text)
        if self.size > self.LIMIT:
            _write(self.writer.prepare("".join(self.parts), self.fmt))
            self.parts = None

    def close(self) -> None:
        if self.parts is not None:
            _write(self.writer.prepare("".join(self.parts), self.fmt))
        _flush()


@app.command()
def compare(
    file: WorkloadFile = None,
    workloads: Workloads = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            metavar="MODEL",
            help="Only these models (repeatable) [default: every model].",
            autocompletion=complete_model,
        ),
    ] = None,
    provider: Providers = None,
    baseline_model: Annotated[
        str | None,
        typer.Option(
            metavar="MODEL",
            help="Also show the saving against this model (e.g. what you use today).",
            autocompletion=complete_model,
        ),
    ] = None,
    requests_per_day: RequestsPerDay = None,
    requests_per_month: RequestsPerMonth = None,
    input_tokens: InputTokens = None,
    output_tokens: OutputTokens = None,
    days: Days = None,
    cached_ratio: CachedRatio = "0",
    batch_ratio: BatchRatio = "0",
    cache_write_ratio: CacheWriteRatio = "0",
    thinking_ratio: ThinkingRatio = "0",
    off_peak_ratio: OffPeakRatio = "0",
    prompt: Prompt = None,
    prompt_file: PromptFile = None,
    output_sample: OutputSample = None,
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    discount: Discounts = None,
    free_quota: FreeQuota = False,
    region: Region = "cn",
    fmt: Format = "table",
    input_format: InputFormat = None,
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
    wide: Wide = False,
    verbose: Verbose = False,
) -> None:
    """Price one workload (flags) or a workload file on every model, cheapest first, with the saving of
    each against --baseline-model (what you run today) or else the median.

    \b
    Examples:
      llmcost compare --requests-per-day 5000 --input-tokens 1200 \\
        --output-tokens 300
      llmcost compare -p qwen -p openai --baseline-model gpt-4o \\
        --requests-per-day 5k --input-tokens 1200 --output-tokens 300
      llmcost compare examples/workloads.yaml --provider doubao --provider qwen
    """
    from .. import api, workload_files
    from ..render import compare_report, render_compare

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    pricer = _pricer(prices, currency, rate, as_of, discount, free_quota, region)
    models = pricer.book.select(model or [], provider or [], everything=True)
    workloads = _one_file(file, workloads)
    if workloads is not None:
        _refuse_with_workloads(
            requests_per_day=requests_per_day,
            requests_per_month=requests_per_month,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            days=days,
            cached_ratio=cached_ratio,
            batch_ratio=batch_ratio,
            cache_write_ratio=cache_write_ratio,
            thinking_ratio=thinking_ratio,
            off_peak_ratio=off_peak_ratio,
            prompt=prompt,
            prompt_file=prompt_file,
            output_sample=output_sample,
        )
        items = list(
            workload_files.read(
                workloads,
                stdin=_stdin(),
                input_format=input_format,
                encoding=encoding,
                count_prompt=api.prompt_counter(pricer.book),
            )
        )
    else:
        request = _request(
            [],
            False,
            [],
            requests_per_day,
            requests_per_month,
            input_tokens,
            output_tokens,
            days,
            cached_ratio,
            batch_ratio,
            prompt,
            prompt_file,
            output_sample,
            encoding,
            cache_write_ratio,
            thinking_ratio,
            off_peak_ratio,
        )
        items = [api.request_workload(request)]
    comparison = api.compare(pricer, items, models, baseline_model)
    p = pricer.pricing
    converted = any(o.model.currency != p.currency for o in comparison.options)
    report = compare_report(comparison, pricer.book)
    report["notes"] = _dated_notes(as_of, pricer.book, p.as_of, p.fx, converted, fmt)
    _emit(render_compare(report, fmt, color=_color(), width=_width(), wide=wide, verbose=verbose), fmt)


@app.command()
def check(
    workloads: Annotated[
        str | None,
        typer.Argument(metavar="[FILE]", help="A CSV or YAML workload file, or - for stdin.", show_default=False),
    ] = None,
    budget: Annotated[
        list[str] | None,
        typer.Option(
            metavar="AMOUNT",
            help="Monthly budget for the total, in --currency; with --usage also PROJECT=AMOUNT (repeatable).",
        ),
    ] = None,
    usage: Annotated[
        list[str] | None,
        typer.Option(
            "--usage",
            metavar="FILE",
            help="Check the real spend of usage records (as 'llmcost usage' reads them; repeatable) instead.",
        ),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM", help="With --usage: the month to check [default: the current month]."),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="With --usage: the time zone of timestamps written without one."),
    ] = None,
    skip_unknown: Annotated[
        bool,
        typer.Option(
            "--skip-unknown", help="With --usage: skip (and count) records of models without a price on their day."
        ),
    ] = False,
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    discount: Discounts = None,
    free_quota: FreeQuota = False,
    region: Region = "cn",
    baseline: Annotated[
        str | None,
        typer.Option(
            metavar="PATH",
            help="An earlier JSON report (estimate --workloads -f json, or check -f json) to compare with.",
        ),
    ] = None,
    max_increase: Annotated[
        str | None,
        typer.Option(
            metavar="LIMIT", help="Fail if the total rose more than this since --baseline: 10% or an amount, e.g. 500."
        ),
    ] = None,
    max_increase_per_workload: Annotated[
        str | None,
        typer.Option(
            metavar="LIMIT", help="Fail if any workload rose more than this since --baseline: 10% or an amount."
        ),
    ] = None,
    fmt: Format = "table",
    input_format: InputFormat = None,
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
    wide: Wide = False,
    verbose: Verbose = False,
) -> None:
    """Check a workload file against budgets and a baseline, or a month's real spend (--usage) against
    budgets: exit 0 within, 1 over, 2 bad input.

    \b
    Examples:
      llmcost check examples/workloads.yaml --budget 100000
      llmcost check llmcost.yaml --baseline main.json --max-increase 10%
      llmcost check --usage usage.csv.gz --budget 3000 --budget search=1000 \\
        -f markdown >> "$GITHUB_STEP_SUMMARY"
    """
    if usage:
        from .spend import check_usage

        if workloads is not None:
            raise UsageError("give a workload FILE or --usage FILE, not both")
        check_usage(
            usage,
            budgets=budget or [],
            month=month,
            currency=currency,
            rate=rate,
            as_of=as_of,
            region=region,
            timezone=timezone,
            skip_unknown=skip_unknown,
            fmt=fmt,
            prices=prices,
            wide=wide,
            refused={
                "--baseline": baseline is not None,
                "--max-increase": max_increase is not None,
                "--max-increase-per-workload": max_increase_per_workload is not None,
                "--discount": bool(discount),
                "--free-quota": free_quota,
                "--input-format": input_format is not None,
            },
        )
        return
    for flag, given in (("--month", month), ("--timezone", timezone), ("--skip-unknown", skip_unknown)):
        if given:
            raise UsageError(f"{flag} is for --usage FILE")
    if workloads is None:
        raise UsageError("give a workload FILE, or --usage FILE", hint="see 'llmcost check --help'")
    if budget and (len(budget) > 1 or "=" in budget[0]):
        raise UsageError("--budget is given once for a workload file (PROJECT=AMOUNT is for --usage)")
    total_text = budget[0] if budget else None
    from .. import api, workload_files
    from .. import budget as budgets
    from ..inputs import read_text
    from ..render import check_report, render_check, report_head
    from ..workload import MAX_BUDGET, check_number

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    pricer = _pricer(prices, currency, rate, as_of, discount, free_quota, region)
    limit, per_workload = (
        None if text is None else budgets.parse_limit(text, what)
        for text, what in ((max_increase, "--max-increase"), (max_increase_per_workload, "--max-increase-per-workload"))
    )
    total_budget = (
        None
        if total_text is None
        else check_number(parse_decimal(total_text, "--budget"), "--budget", maximum=MAX_BUDGET)
    )
    base = (
        None
        if baseline is None
        else budgets.parse_baseline(read_text(baseline, limit=budgets.MAX_BASELINE_BYTES), baseline)
    )
    rows = workload_files.read(
        workloads,
        stdin=_stdin(),
        input_format=input_format,
        encoding=encoding,
        count_prompt=api.prompt_counter(pricer.book),
    )
    verdict = api.check(
        pricer,
        rows,
        total_budget=total_budget,
        baseline=base,
        max_increase=limit,
        max_increase_per_workload=per_workload,
    )
    p = pricer.pricing
    head = report_head(p.currency, p.as_of, p.fx, pricer.book)
    converted = any(c.line is not None and c.line.model.currency != p.currency for c in verdict.checks)
    head["notes"] = _dated_notes(as_of, pricer.book, p.as_of, p.fx, converted, fmt)
    report = check_report(verdict, head)
    _emit(render_check(report, fmt, color=_color(), width=_width(), wide=wide, verbose=verbose), fmt)
    if not (fmt == "table" and sys.stdout.isatty() and sys.stderr.isatty()):  # else the table just said it
        typer.echo(f"llmcost: {report['summary']}", err=True)
    if not verdict.passed:
        raise typer.Exit(1)


@app.command()
def init(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="Where to write the example workload file (- for stdout).")
    ] = "llmcost.yaml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example workload file to start from."""
    from pathlib import Path

    from ..workload_files import EXAMPLE_YAML

    if path == "-":
        _emit(EXAMPLE_YAML)
        return
    target = Path(path)
    if target.exists() and not force:
        raise UsageError(f"{path} already exists", hint="pass --force to overwrite it")
    try:
        target.write_text(EXAMPLE_YAML, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path}; price it with: llmcost estimate --workloads {path}", err=True)
