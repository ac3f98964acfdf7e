"""The command line: parse → call the library → render → exit code.

One error boundary (``LlmcostGroup.main``) maps every failure to the documented
exit codes: 0 ok, 1 budget exceeded, 2 bad input or usage.  A user never sees a
traceback: an unexpected exception is reported as a bug in one line, exit 2...
except with ``LLMCOST_DEBUG=1``, which re-raises it.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from decimal import Decimal
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import EXIT_INPUT, LlmcostError, UsageError
from .money import FxRate, parse_currency, parse_decimal


# Typer has shipped both a vendored and an external click; find its usage-error base class
# through a public name instead of importing either.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class LlmcostGroup(TyperGroup):
    """The error boundary: every exception becomes one line on stderr and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        try:
            rv = super().main(args=args, prog_name=prog_name or "llmcost", complete_var=complete_var,
                              standalone_mode=False, **extra)
        except LlmcostError as exc:
            _fail(str(exc), exc.exit_code)
        except _CLICK_ERROR as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `llmcost`: show the help
                typer.echo(exc.ctx.get_help(), err=True)
                sys.exit(EXIT_INPUT)
            _fail(exc.format_message(), EXIT_INPUT)
        except typer.Abort:
            _fail("aborted", EXIT_INPUT)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:  # the last line of defence: a bug, still no traceback
            if os.environ.get("LLMCOST_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (please report it; "
                  "set LLMCOST_DEBUG=1 for details)", EXIT_INPUT)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        # Catch a closed pipe here, inside click's main, which would otherwise turn it into exit 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()


def _fail(message: str, code: int) -> None:
    try:
        typer.echo(f"llmcost: error: {' '.join(message.split())}", err=True)
    except BrokenPipeError:  # pragma: no cover
        pass
    sys.exit(code)


def _quiet_broken_pipe() -> None:
    """`llmcost ... | head -1`: the reader went away; exit quietly, like cat does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout is not a real file (tests)
        pass
    sys.exit(0)


app = typer.Typer(cls=LlmcostGroup, add_completion=False, no_args_is_help=True,
                  rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Estimate what LLM API usage costs per month, across Chinese vendors and GPT-4o, "
                       "in RMB or USD. Offline; exit codes: 0 ok, 1 budget exceeded, 2 bad input.")
prices_app = typer.Typer(cls=LlmcostGroup, no_args_is_help=True, rich_markup_mode=None,
                         help="Check and compare price files.")
app.add_typer(prices_app, name="prices")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmcost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None) -> None:
    pass


# -- shared options, defined once -----------------------------------------------------

Models = Annotated[Optional[list[str]], typer.Option(
    "--model", "-m", metavar="MODEL", help="Model id or alias (repeatable), e.g. doubao-pro-32k, qwen-long, 豆包.")]
AllModels = Annotated[bool, typer.Option("--all", help="Every model in the price book.")]
Providers = Annotated[Optional[list[str]], typer.Option(
    "--provider", "-p", metavar="NAME",
    help="Only this provider's models (repeatable): doubao, qwen, ernie, spark, hunyuan, glm, openai.")]
Currency = Annotated[str, typer.Option(
    "--currency", "-c", metavar="CODE", help="Report currency: CNY (or RMB) or USD.")]
Rate = Annotated[Optional[str], typer.Option(
    "--rate", metavar="CNY", help="USD→CNY rate (CNY per 1 USD) instead of the shipped dated rate.")]
AsOf = Annotated[Optional[str], typer.Option(
    "--as-of", metavar="DATE", help="Price date YYYY-MM-DD: use the prices in force that day (default: today).")]


def _format_option(formats: str):  # type: ignore[no-untyped-def]
    return Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=f"Output: {formats}.")]


Format = _format_option("table, json, csv or markdown")
StreamFormat = _format_option("table, json, jsonl, csv or markdown")
ReportFormat = _format_option("table, json or markdown")
CountFormat = _format_option("table, json or csv")
PricesPath = Annotated[Optional[str], typer.Option(
    "--prices", metavar="PATH", envvar="LLMCOST_PRICES",
    help="Your own price file or folder; its models add to or replace the shipped ones. "
         "Also LLMCOST_PRICES.")]


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--as-of: {text!r} is not a date (use YYYY-MM-DD)") from None


def _format(text: str, allowed: tuple[str, ...]) -> str:
    name = text.strip().lower()
    if name == "md":
        name = "markdown"
    if name not in allowed:
        raise UsageError(f"--format: {text!r} is not one of {', '.join(allowed)}")
    return name


def _fx(rate: str | None, book, as_of: date) -> FxRate | None:  # type: ignore[no-untyped-def]
    """--rate, or the book's rate in force on the as-of date (None if there is none yet)."""
    if rate is not None:
        value = parse_decimal(rate, "--rate")
        if value <= 0 or value > 1000:
            raise UsageError(f"--rate must be between 0 and 1000 CNY per USD, not {rate}")
        return FxRate(value, None, "--rate")
    return book.fx.at(as_of) if book.fx is not None else None


def _opt_decimal(text: str | None, what: str) -> Decimal | None:
    return None if text is None else parse_decimal(text, what)


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _width() -> int:
    return shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 120


def _stdin():  # type: ignore[no-untyped-def]
    """Standard input as bytes, or None when it is closed (``llmcost ... <&-``)."""
    return sys.stdin.buffer if sys.stdin is not None else None


#: The largest prompt or output sample (--prompt-file, --output-sample) read, in bytes.
MAX_TEXT_BYTES = 10 * 1024 * 1024


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# -- commands ---------------------------------------------------------------------------

RequestsPerDay = Annotated[Optional[str], typer.Option(metavar="N", help="Requests per day (× --days).")]
RequestsPerMonth = Annotated[Optional[str], typer.Option(metavar="N", help="Requests per month.")]
InputTokens = Annotated[Optional[str], typer.Option(metavar="N", help="Input (prompt) tokens per request.")]
OutputTokens = Annotated[Optional[str], typer.Option(metavar="N", help="Output (completion) tokens per request.")]
Days = Annotated[Optional[str], typer.Option(metavar="N", help="Days per month for --requests-per-day [default: 30].")]
CachedRatio = Annotated[str, typer.Option(
    metavar="RATIO", help="Share of input tokens that hit the vendor's cache, 0..1.")]
BatchRatio = Annotated[str, typer.Option(metavar="RATIO", help="Share of requests sent through a Batch API, 0..1.")]
Prompt = Annotated[Optional[str], typer.Option(metavar="TEXT",
    help="A prompt: its input tokens are counted with each model's own tokenizer.")]
PromptFile = Annotated[Optional[str], typer.Option(metavar="PATH",
    help="A file (or - for stdin) holding one request's prompt, counted per model.")]
OutputSample = Annotated[Optional[str], typer.Option(metavar="TEXT|PATH",
    help="A typical answer (text, or a path to a file): output tokens counted per model.")]
Workloads = Annotated[Optional[str], typer.Option(
    "--workloads", "-w", metavar="PATH",
    help="A CSV or YAML workload file, or - for stdin: price every workload in it.")]
InputFormat = Annotated[Optional[str], typer.Option(metavar="FORMAT",
    help="Force the workload file format: csv or yaml [default: from the extension or content].")]
Encoding = Annotated[str, typer.Option(metavar="NAME", help="Text encoding of input files, e.g. gbk.")]
Discounts = Annotated[Optional[list[str]], typer.Option(
    "--discount", metavar="WHO=PCT", help="Your negotiated discount, e.g. doubao=20% or qwen-long=15% (repeatable).")]
FreeQuota = Annotated[bool, typer.Option(
    "--free-quota", help="Credit the free token quotas the price book lists (per account, so off by default).")]


def _pricer(prices: str | None, currency: str, rate: str | None, as_of: str | None,
            discount: list[str] | None, free_quota: bool):  # type: ignore[no-untyped-def]
    """Everything the pricing options say, checked, as an api.Pricer."""
    from . import api

    code = parse_currency(currency)
    when = _as_of(as_of)
    book = api.load_book(prices)
    pricing = api.Pricing(as_of=when, currency=code, fx=_fx(rate, book, when),
                          discounts=api.parse_discounts(discount or [], book), free_quota=free_quota)
    return api.Pricer(book, pricing)


def _read_text_arg(value: str | None, what: str, encoding: str, *, path_only: bool) -> str | None:
    """--prompt-file PATH|-, --output-sample TEXT|PATH → the text."""
    from pathlib import Path

    from .yamlsafe import decode, read_text

    if value is None:
        return None
    if value == "-":
        stdin = _stdin()
        if stdin is None:
            raise UsageError(f"{what}: no standard input to read (it is closed)")
        data = stdin.read(MAX_TEXT_BYTES + 1)
        if not data:
            raise UsageError(f"{what}: standard input is empty")
        if len(data) > MAX_TEXT_BYTES:
            raise UsageError(f"{what}: standard input is larger than the {MAX_TEXT_BYTES // (1024 * 1024)} MiB limit")
        return decode(data, "<stdin>", encoding)
    if path_only or Path(value).is_file():
        return read_text(Path(value), encoding=encoding, limit=MAX_TEXT_BYTES)
    return value


def _request(model, all_models, provider, requests_per_day, requests_per_month, input_tokens,  # type: ignore[no-untyped-def]
             output_tokens, days, cached_ratio, batch_ratio, prompt, prompt_file, output_sample, encoding):
    from . import api

    if prompt is not None and prompt_file is not None:
        raise UsageError("give --prompt or --prompt-file, not both")
    text = prompt if prompt is not None else _read_text_arg(prompt_file, "--prompt-file", encoding, path_only=True)
    return api.EstimateRequest(
        models=model or [], everything=all_models, providers=provider or [],
        requests_per_day=_opt_decimal(requests_per_day, "--requests-per-day"),
        requests_per_month=_opt_decimal(requests_per_month, "--requests-per-month"),
        input_tokens=_opt_decimal(input_tokens, "--input-tokens"),
        output_tokens=_opt_decimal(output_tokens, "--output-tokens"),
        days=_opt_decimal(days, "--days"), cached_ratio=parse_decimal(cached_ratio, "--cached-ratio"),
        batch_ratio=parse_decimal(batch_ratio, "--batch-ratio"), prompt=text,
        output_sample=_read_text_arg(output_sample, "--output-sample", encoding, path_only=False))


def _refuse_with_workloads(**given: object) -> None:
    used = [f"--{k.replace('_', '-')}" for k, v in given.items() if v not in (None, False, [], "0")]
    if used:
        raise UsageError(f"{', '.join(used)} cannot be combined with --workloads (put them in the file)")


@app.command()
def estimate(
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
    prompt: Prompt = None,
    prompt_file: PromptFile = None,
    output_sample: OutputSample = None,
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    discount: Discounts = None,
    free_quota: FreeQuota = False,
    fmt: StreamFormat = "table",
    input_format: InputFormat = None,
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
) -> None:
    """Estimate the monthly bill of a workload on one model, several, or all; or of a workload file."""
    from . import api
    from .render import bill_report, render_bill

    fmt = _format(fmt, ("table", "json", "jsonl", "csv", "markdown"))
    pricer = _pricer(prices, currency, rate, as_of, discount, free_quota)
    if workloads is not None:
        _refuse_with_workloads(model=model, all=all_models, provider=provider, requests_per_day=requests_per_day,
                               requests_per_month=requests_per_month, input_tokens=input_tokens,
                               output_tokens=output_tokens, days=days, cached_ratio=cached_ratio,
                               batch_ratio=batch_ratio, prompt=prompt, prompt_file=prompt_file,
                               output_sample=output_sample)
        _price_workload_file(pricer, workloads, fmt, input_format, encoding)
        return
    request = _request(model, all_models, provider, requests_per_day, requests_per_month, input_tokens,
                       output_tokens, days, cached_ratio, batch_ratio, prompt, prompt_file, output_sample, encoding)
    bill = api.estimate(pricer, request)
    _emit(render_bill(bill_report(bill, pricer.book), fmt, color=_color(), width=_width()))


def _price_workload_file(pricer, path: str, fmt: str, input_format: str | None, encoding: str) -> None:  # type: ignore[no-untyped-def]
    """Read, price and write one workload at a time (see render.Stream)."""
    from . import pipeline
    from .money import plain
    from .render import report_head, stream_for

    p = pricer.pricing
    head = report_head(p.currency, p.as_of, p.fx, pricer.book)
    stream = stream_for(fmt, head, color=_color(), width=_width())
    out = _Output()
    out.write(stream.begin())
    total = pipeline.price_file(pricer, path, stdin=_stdin(), input_format=input_format, encoding=encoding,
                                stream=stream, write=out.write, parallel=fmt in pipeline.PARALLEL_FORMATS)
    out.write(stream.end([], plain(total)))
    out.close()


class _Output:
    """Buffers the first MiB of output, so a bad row early in a file prints nothing at all;
    past that, output streams (a later error still leaves no TOTAL row and exits 2)."""

    LIMIT = 1024 * 1024

    def __init__(self) -> None:
        self.parts: list[str] | None = []
        self.size = 0

    def write(self, text: str) -> None:
        if self.parts is None:
            sys.stdout.write(text)
            return
        self.parts.append(text)
        self.size += len(text)
        if self.size > self.LIMIT:
            sys.stdout.write("".join(self.parts))
            self.parts = None

    def close(self) -> None:
        if self.parts is not None:
            sys.stdout.write("".join(self.parts))
        sys.stdout.flush()


@app.command()
def models(
    provider: Providers = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    prices: PricesPath = None,
) -> None:
    """List the price book: every model with the price in force on --as-of."""
    from . import api
    from .render import models_report, render_models

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    book = api.load_book(prices)
    when = _as_of(as_of)
    chosen = book.select(providers=provider or [], everything=True)
    _emit(render_models(models_report(chosen, when, book), fmt, color=_color(), width=_width()))


@app.command()
def check(
    workloads: Annotated[str, typer.Argument(
        metavar="FILE", help="A CSV or YAML workload file, or - for stdin.", show_default=False)],
    budget: Annotated[Optional[str], typer.Option(
        metavar="AMOUNT", help="Monthly budget for the total, in --currency.")] = None,
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    discount: Discounts = None,
    free_quota: FreeQuota = False,
    baseline: Annotated[Optional[str], typer.Option(metavar="PATH",
        help="An earlier JSON report (estimate --workloads -f json, or check -f json) to compare with.")] = None,
    max_increase: Annotated[Optional[str], typer.Option(metavar="LIMIT",
        help="Fail if the total rose more than this since --baseline: 10% or an amount, e.g. 500.")] = None,
    max_increase_per_workload: Annotated[Optional[str], typer.Option(metavar="LIMIT",
        help="Fail if any workload rose more than this since --baseline: 10% or an amount.")] = None,
    fmt: ReportFormat = "table",
    input_format: InputFormat = None,
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
) -> None:
    """Check a workload file against budgets and a baseline: exit 0 within, 1 over, 2 bad input."""
    from pathlib import Path

    from . import api, budget as budgets, workload_files
    from .render import check_report, render_check, report_head
    from .workload import MAX_BUDGET, check_number
    from .yamlsafe import read_text

    fmt = _format(fmt, ("table", "json", "markdown"))
    pricer = _pricer(prices, currency, rate, as_of, discount, free_quota)
    limit, per_workload = (None if text is None else budgets.parse_limit(text, what) for text, what in (
        (max_increase, "--max-increase"), (max_increase_per_workload, "--max-increase-per-workload")))
    total_budget = None if budget is None else check_number(parse_decimal(budget, "--budget"), "--budget",
                                                            maximum=MAX_BUDGET)
    base = None if baseline is None else budgets.parse_baseline(read_text(Path(baseline), limit=64 * 1024 * 1024),
                                                                baseline)
    rows = workload_files.read(workloads, stdin=_stdin(), input_format=input_format, encoding=encoding,
                               count_prompt=api.prompt_counter(pricer.book))
    verdict = api.check(pricer, rows, total_budget=total_budget, baseline=base, max_increase=limit,
                        max_increase_per_workload=per_workload)
    p = pricer.pricing
    report = check_report(verdict, report_head(p.currency, p.as_of, p.fx, pricer.book))
    _emit(render_check(report, fmt, color=_color(), width=_width()))
    if not (fmt == "table" and sys.stdout.isatty() and sys.stderr.isatty()):  # else the table just said it
        typer.echo(f"llmcost: {report['summary']}", err=True)
    if not verdict.passed:
        raise typer.Exit(1)


@app.command()
def history(
    model: Annotated[Optional[list[str]], typer.Argument(metavar="MODEL...",
        help="Model ids or aliases, e.g. qwen-long gpt-4o.", show_default=False)] = None,
    provider: Providers = None,
    all_models: AllModels = False,
    since: Annotated[Optional[str], typer.Option(
        metavar="DATE", help="Only prices effective on or after YYYY-MM-DD.")] = None,
    until: Annotated[Optional[str], typer.Option(
        metavar="DATE", help="Only prices effective on or before YYYY-MM-DD.")] = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    prices: PricesPath = None,
) -> None:
    """Each dated price of models with its change from the one before; with --since/--until, every change
    in that window sorted by date (the price war)."""
    from . import api
    from . import history as hist
    from .render_history import history_report, render_history

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    start, end = hist.parse_date(since, "--since"), hist.parse_date(until, "--until")
    book = api.load_book(prices)
    if not model and not provider and not all_models and start is None and end is None:
        raise UsageError("give models, --provider NAME, --all, or a --since/--until window")
    chosen = book.select(model or [], provider or [], everything=True)
    result = hist.history(chosen, _as_of(as_of), start, end)
    _emit(render_history(history_report(result, book.digest), fmt, color=_color(), width=_width()))


@app.command()
def compare(
    workloads: Workloads = None,
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", metavar="MODEL", help="Only these models (repeatable) [default: every model].")] = None,
    provider: Providers = None,
    baseline_model: Annotated[Optional[str], typer.Option(metavar="MODEL",
        help="Also show the saving against this model (e.g. what you use today).")] = None,
    requests_per_day: RequestsPerDay = None,
    requests_per_month: RequestsPerMonth = None,
    input_tokens: InputTokens = None,
    output_tokens: OutputTokens = None,
    days: Days = None,
    cached_ratio: CachedRatio = "0",
    batch_ratio: BatchRatio = "0",
    prompt: Prompt = None,
    prompt_file: PromptFile = None,
    output_sample: OutputSample = None,
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    discount: Discounts = None,
    free_quota: FreeQuota = False,
    fmt: Format = "table",
    input_format: InputFormat = None,
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
) -> None:
    """Price one workload (flags) or a workload file on every model, cheapest first, with savings."""
    from . import api, workload_files
    from .render import compare_report, render_compare

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    pricer = _pricer(prices, currency, rate, as_of, discount, free_quota)
    models = pricer.book.select(model or [], provider or [], everything=True)
    if workloads is not None:
        _refuse_with_workloads(requests_per_day=requests_per_day, requests_per_month=requests_per_month,
                               input_tokens=input_tokens, output_tokens=output_tokens, days=days,
                               cached_ratio=cached_ratio, batch_ratio=batch_ratio, prompt=prompt,
                               prompt_file=prompt_file, output_sample=output_sample)
        items = list(workload_files.read(workloads, stdin=_stdin(), input_format=input_format,
                                         encoding=encoding, count_prompt=api.prompt_counter(pricer.book)))
    else:
        request = _request([], False, [], requests_per_day, requests_per_month, input_tokens, output_tokens,
                           days, cached_ratio, batch_ratio, prompt, prompt_file, output_sample, encoding)
        items = [api.request_workload(request)]
    comparison = api.compare(pricer, items, models, baseline_model)
    _emit(render_compare(compare_report(comparison, pricer.book), fmt, color=_color(), width=_width()))


@app.command()
def init(
    path: Annotated[str, typer.Argument(
        metavar="PATH", help="Where to write the example workload file (- for stdout).")] = "llmcost.yaml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example workload file to start from."""
    from pathlib import Path

    from .workload_files import EXAMPLE_YAML

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


@app.command()
def count(
    inputs: Annotated[Optional[list[str]], typer.Argument(metavar="INPUT...",
        help="Text, files, folders (recursive), globs, or - for stdin.", show_default=False)] = None,
    model: Models = None,
    all_models: AllModels = False,
    provider: Providers = None,
    fmt: CountFormat = "table",
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
) -> None:
    """Count tokens the way each model bills them: exact BPE where public, else the vendor's rule."""
    from . import api, counting
    from .render import count_report, render_counts

    fmt = _format(fmt, ("table", "json", "csv"))
    book = api.load_book(prices)
    chosen = api.choose_models(book, model or [], provider or [], all_models)
    if not inputs:
        raise UsageError("give text, files, folders or - (stdin) to count")
    texts = [arg for arg in inputs if arg != "-" and not counting.looks_like_path(arg)]
    paths = [arg for arg in inputs if arg == "-" or counting.looks_like_path(arg)]
    if "-" in paths and _stdin() is None:
        raise UsageError("-: no standard input to read (it is closed)")
    for m in chosen:
        api.counter_for(m)  # an unknown tokenizer names the model and its price file
    with _progress() as progress:
        results = list(counting.count_inputs(paths, [m.tokenizer for m in chosen], texts=texts,
                                             encoding=encoding, progress=progress, stdin=_stdin()))
    _emit(render_counts(count_report(results, chosen), fmt, color=_color(), width=_width()))


class _progress:
    """A rich progress bar on stderr, only when stderr is a terminal; else nothing."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":  # NO_COLOR: a bar, uncoloured
            self.bar = None
            return None
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        self.task = self.bar.add_task("counting", total=None)
        return self.update

    def update(self, p) -> None:  # type: ignore[no-untyped-def]
        self.bar.update(self.task, description=p.path[-40:], completed=p.bytes_done, total=p.bytes_total)

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        if self.bar is not None:
            self.bar.stop()


@prices_app.command("validate")
def prices_validate(
    path: Annotated[Optional[str], typer.Argument(
        metavar="PATH", help="A price file or folder [default: the shipped book].")] = None,
) -> None:
    """Validate price files against the schema and the book's rules (dates, sources, aliases)."""
    from . import book as prices_mod
    from .resources import shipped_prices_dir

    files = prices_mod.validate(path if path is not None else shipped_prices_dir())
    typer.echo(f"ok: {len(files)} file(s) valid")


@prices_app.command("diff")
def prices_diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The price file or folder before the change.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The price file or folder after the change.")],
    fmt: ReportFormat = "table",
) -> None:
    """What a price-book change does: models added/removed, prices changed (with %), fields changed.
    Exit 0 with or without differences; 2 if a file is invalid."""
    from . import history
    from . import book as prices_mod
    from .render_history import diff_report, render_diff

    fmt = _format(fmt, ("table", "json", "markdown"))
    old_book, new_book = prices_mod.load_only(old), prices_mod.load_only(new)
    result = history.diff(old_book, new_book, old, new)
    _emit(render_diff(diff_report(result), fmt, color=_color(), width=_width()))


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
