"""Options shared by several commands, defined once, and the helpers that turn them into library
values (dates, formats, rates, a ``Pricer``, texts read from files or stdin)."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from ..dates import parse_day
from ..errors import OutputError, UsageError
from ..money import CONTEXT, FxRate, parse_currency, parse_decimal

if TYPE_CHECKING:
    from ..api import EstimateRequest, Pricer
    from ..book import PriceBook


def _completion_book(ctx: typer.Context) -> PriceBook | None:
    """The book a command line would use (its --prices too), or None: completing never fails."""
    try:
        from ..api import load_book

        prices = ctx.params.get("prices") if ctx is not None else None
        return load_book(prices if isinstance(prices, str) else None)
    except Exception:  # a broken --prices file: complete nothing rather than print an error into the shell
        return None


def complete_model(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for a model: ids, aliases (豆包 too) and family names."""
    from ..completion import model_names

    book = _completion_book(ctx)
    return [] if book is None else model_names(book, incomplete)


def complete_provider(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for a provider id."""
    from ..completion import provider_names

    book = _completion_book(ctx)
    return [] if book is None else provider_names(book, incomplete)


Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="Model id or alias (repeatable), e.g. doubao-pro-32k, qwen-long, 豆包.",
        autocompletion=complete_model,
    ),
]
AllModels = Annotated[bool, typer.Option("--all", help="Every model in the price book.")]
Providers = Annotated[
    list[str] | None,
    typer.Option(
        "--provider",
        "-p",
        metavar="NAME",
        help="Only this provider's models (repeatable): doubao, qwen, ernie, spark, hunyuan, glm, openai.",
        autocompletion=complete_provider,
    ),
]
Currency = Annotated[
    str, typer.Option("--currency", "-c", metavar="CODE", help="Report currency: CNY (or RMB) or USD.")
]
Rate = Annotated[
    str | None,
    typer.Option("--rate", metavar="CNY", help="USD→CNY rate (CNY per 1 USD) instead of the shipped dated rate."),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE", help="Price date YYYY-MM-DD: use the prices in force that day (default: today)."
    ),
]


Verbose = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Also list each price's note and where it was read (provenance, for maintainers)."
    ),
]


def _format_option(formats: str) -> Any:
    return Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=f"Output: {formats}.")]


Format = _format_option("table, json, csv or markdown")
StreamFormat = _format_option("table, json, jsonl, csv or markdown")
PricesPath = Annotated[
    str | None,
    typer.Option(
        "--prices",
        metavar="PATH",
        envvar="LLMCOST_PRICES",
        help="Your own price file or folder; its models add to or replace the shipped ones. Also LLMCOST_PRICES.",
    ),
]


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return parse_day(text.strip())
    except ValueError:
        raise UsageError(f"--as-of: {text!r} is not a date (use YYYY-MM-DD)") from None


def _dated_notes(
    as_of: str | None, book: PriceBook, when: date, fx: FxRate | None, converted: bool | None, fmt: str
) -> list[str]:
    """The note for an --as-of after the book's last check (``api.after_the_book``): for the JSON's
    ``notes``, and said on stderr in every other format.  Without --as-of (today) there is none."""
    from .. import api

    note = None if as_of is None else api.after_the_book(book, when, fx, converted)
    if note is None:
        return []
    if fmt not in ("json", "jsonl"):
        typer.echo(f"llmcost: note: {note}", err=True)
    return [note]


def _format(text: str, allowed: tuple[str, ...]) -> str:
    name = text.strip().lower()
    if name == "md":
        name = "markdown"
    if name not in allowed:
        raise UsageError(f"--format: {text!r} is not one of {', '.join(allowed)}")
    return name


_RATE_STEP = Decimal("1E-12")


def _fx(rate: str | None, book: PriceBook, as_of: date) -> FxRate | None:
    """--rate, or the book's rate in force on the as-of date (None if there is none yet)."""
    if rate is not None:
        value = parse_decimal(rate, "--rate")
        if value <= 0 or value > 1000:
            raise UsageError(f"--rate must be between 0 and 1000 CNY per USD, not {rate}")
        if value.quantize(_RATE_STEP, context=CONTEXT) != value:  # 1E-999999 would overflow a CNY→USD bill
            raise UsageError(f"--rate: at most 12 digits after the point, as in the price book, not {rate}")
        return FxRate(value, None, "--rate")
    return book.fx.at(as_of) if book.fx is not None else None


def _opt_decimal(text: str | None, what: str) -> Decimal | None:
    return None if text is None else parse_decimal(text, what)


_SUFFIXES = {"k": 3, "K": 3, "m": 6, "M": 6, "b": 9, "B": 9}


def parse_count(text: str, what: str) -> Decimal:
    """A count of requests or tokens as people write it: 1500, 1,000, 10k, 2.5M (exact: 2.5M is
    2,500,000), 1B.  Any other letter after the number is an error."""
    stripped = text.strip()
    number, suffix = stripped[:-1], stripped[-1:]
    if suffix.isalpha() and number and all(c.isdigit() or c in ".,_" for c in number):
        if suffix not in _SUFFIXES:
            raise UsageError(f"{what}: {text!r} is not a count (write 1500, 1,500, 1.5k or 2.5M)")
        return parse_decimal(number, what).scaleb(_SUFFIXES[suffix])
    return parse_decimal(stripped, what)


def _opt_count(text: str | None, what: str) -> Decimal | None:
    return None if text is None else parse_count(text, what)


def _writer():
    """Where output goes and how it looks there (render.writer): made for each command."""
    from ..render.writer import Writer

    return Writer.to(sys.stdout)


def _color() -> bool:
    return bool(_writer().color)


def _width() -> int | None:
    """The terminal's width; None when output is not going to a terminal: then nothing is wrapped."""
    return _writer().width


def _stdin() -> BinaryIO | None:
    """Standard input as bytes, or None when it is closed (``llmcost ... <&-``)."""
    return sys.stdin.buffer if sys.stdin is not None else None


#: The largest prompt or output sample (--prompt-file, --output-sample) read, in bytes.
MAX_TEXT_BYTES = 10 * 1024 * 1024


def _emit(text: str, fmt: str = "table") -> None:
    """Write one report, in format ``fmt``, as the writer says it looks where it goes."""
    _write(_writer().prepare(text, fmt))
    _flush()


Wide = Annotated[
    bool,
    typer.Option("--wide", help="Show every column: on a terminal too narrow for them, records are stacked instead."),
]


def _write(text: str) -> None:
    """Write to standard output; a failure is an OutputError (a closed pipe stays BrokenPipeError)."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError as exc:
        raise OutputError.of(exc) from None
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _flush() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


RequestsPerDay = Annotated[str | None, typer.Option(metavar="N", help="Requests per day (× --days).")]
RequestsPerMonth = Annotated[str | None, typer.Option(metavar="N", help="Requests per month.")]
InputTokens = Annotated[str | None, typer.Option(metavar="N", help="Input (prompt) tokens per request.")]
OutputTokens = Annotated[str | None, typer.Option(metavar="N", help="Output (completion) tokens per request.")]
Days = Annotated[str | None, typer.Option(metavar="N", help="Days per month for --requests-per-day [default: 30].")]
CachedRatio = Annotated[
    str, typer.Option(metavar="RATIO", help="Share of input tokens that hit the vendor's cache, 0..1.")
]
BatchRatio = Annotated[str, typer.Option(metavar="RATIO", help="Share of requests sent through a Batch API, 0..1.")]
CacheWriteRatio = Annotated[
    str,
    typer.Option(
        metavar="RATIO",
        help="Share of input tokens written to an explicit cache (priced at the cache-write price "
        "where the vendor charges one), 0..1.",
    ),
]
ThinkingRatio = Annotated[
    str,
    typer.Option(
        metavar="RATIO",
        help="Share of requests in thinking mode: their output is priced at the thinking-mode "
        "price where a model bills it differently, 0..1.",
    ),
]
OffPeakRatio = Annotated[
    str,
    typer.Option(
        metavar="RATIO",
        help="Share of requests sent off-peak, for models with time-of-day prices (DeepSeek); "
        "without it they are priced at the peak price, 0..1.",
    ),
]
Region = Annotated[
    str,
    typer.Option(
        metavar="REGION",
        help="Price list: cn (mainland China, the default) or intl (the vendor's international "
        "list, e.g. Alibaba Cloud International, Z.ai, BytePlus).",
    ),
]
Prompt = Annotated[
    str | None,
    typer.Option(metavar="TEXT", help="A prompt: its input tokens are counted with each model's own tokenizer."),
]
PromptFile = Annotated[
    str | None,
    typer.Option(metavar="PATH", help="A file (or - for stdin) holding one request's prompt, counted per model."),
]
OutputSample = Annotated[
    str | None,
    typer.Option(
        metavar="TEXT|PATH", help="A typical answer (text, or a path to a file): output tokens counted per model."
    ),
]
Workloads = Annotated[
    str | None,
    typer.Option(
        "--workloads",
        "-w",
        metavar="PATH",
        help="A CSV or YAML workload file, or - for stdin: price every workload in it.",
    ),
]
InputFormat = Annotated[
    str | None,
    typer.Option(
        metavar="FORMAT", help="Force the workload file format: csv or yaml [default: from the extension or content]."
    ),
]
Encoding = Annotated[str, typer.Option(metavar="NAME", help="Text encoding of input files, e.g. gbk.")]
Discounts = Annotated[
    list[str] | None,
    typer.Option(
        "--discount", metavar="WHO=PCT", help="Your negotiated discount, e.g. doubao=20% or qwen-long=15% (repeatable)."
    ),
]
FreeQuota = Annotated[
    bool,
    typer.Option(
        "--free-quota", help="Credit the free token quotas the price book lists (per account, so off by default)."
    ),
]


def _region(text: str) -> str:
    name = text.strip().lower()
    name = {"mainland": "cn", "china": "cn", "international": "intl", "global": "intl"}.get(name, name)
    if name not in ("cn", "intl"):
        raise UsageError(f"--region: {text!r} is not cn or intl")
    return name


def _pricer(
    prices: str | None,
    currency: str,
    rate: str | None,
    as_of: str | None,
    discount: list[str] | None,
    free_quota: bool,
    region: str = "cn",
) -> Pricer:
    """Everything the pricing options say, checked, as an api.Pricer."""
    from .. import api

    code = parse_currency(currency)
    when = _as_of(as_of)
    book = api.load_book(prices)
    pricing = api.Pricing(
        as_of=when,
        currency=code,
        fx=_fx(rate, book, when),
        discounts=api.parse_discounts(discount or [], book),
        free_quota=free_quota,
        region=_region(region),
    )
    return api.Pricer(book, pricing)


def _read_text_arg(value: str | None, what: str, encoding: str, *, path_only: bool) -> str | None:
    """--prompt-file PATH|-, --output-sample TEXT|PATH → the text (at most MAX_TEXT_BYTES)."""
    import os

    from ..inputs import argument_text, decode, read_stream, read_text

    if value is None:
        return None
    if value == "-":
        stdin = _stdin()
        if stdin is None:
            raise UsageError(f"{what}: no standard input to read (it is closed)")
        data = read_stream(stdin, MAX_TEXT_BYTES)
        if not data:
            raise UsageError(f"{what}: standard input is empty")
        if len(data) > MAX_TEXT_BYTES:
            raise UsageError(f"{what}: standard input is larger than the {MAX_TEXT_BYTES // (1024 * 1024)} MiB limit")
        return decode(data, "<stdin>", encoding)
    if path_only or (os.path.exists(value) and not os.path.isdir(value)):
        return read_text(value, encoding=encoding, limit=MAX_TEXT_BYTES)
    return argument_text(value, what)


def _request(
    model: list[str] | None,
    all_models: bool,
    provider: list[str] | None,
    requests_per_day: str | None,
    requests_per_month: str | None,
    input_tokens: str | None,
    output_tokens: str | None,
    days: str | None,
    cached_ratio: str,
    batch_ratio: str,
    prompt: str | None,
    prompt_file: str | None,
    output_sample: str | None,
    encoding: str,
    cache_write_ratio: str = "0",
    thinking_ratio: str = "0",
    off_peak_ratio: str = "0",
) -> EstimateRequest:
    from .. import api

    if prompt is not None and prompt_file is not None:
        raise UsageError("give --prompt or --prompt-file, not both")
    from ..inputs import argument_text

    text: str | None
    if prompt is not None:
        text = argument_text(prompt, "--prompt")
    else:
        text = _read_text_arg(prompt_file, "--prompt-file", encoding, path_only=True)
    return api.EstimateRequest(
        models=model or [],
        everything=all_models,
        providers=provider or [],
        requests_per_day=_opt_count(requests_per_day, "--requests-per-day"),
        requests_per_month=_opt_count(requests_per_month, "--requests-per-month"),
        input_tokens=_opt_count(input_tokens, "--input-tokens"),
        output_tokens=_opt_count(output_tokens, "--output-tokens"),
        days=_opt_decimal(days, "--days"),
        cached_ratio=parse_decimal(cached_ratio, "--cached-ratio"),
        batch_ratio=parse_decimal(batch_ratio, "--batch-ratio"),
        prompt=text,
        cache_write_ratio=parse_decimal(cache_write_ratio, "--cache-write-ratio"),
        thinking_ratio=parse_decimal(thinking_ratio, "--thinking-ratio"),
        off_peak_ratio=parse_decimal(off_peak_ratio, "--off-peak-ratio"),
        output_sample=_read_text_arg(output_sample, "--output-sample", encoding, path_only=False),
    )


def _refuse_with_workloads(**given: object) -> None:
    used = [f"--{k.replace('_', '-')}" for k, v in given.items() if v not in (None, False, [], "0")]
    if used:
        raise UsageError(f"{', '.join(used)} cannot be combined with --workloads (put them in the file)")


WorkloadFile = Annotated[
    str | None,
    typer.Argument(
        metavar="[FILE]",
        help="A CSV or YAML workload file, or - for stdin (the same as --workloads).",
        show_default=False,
    ),
]


def _one_file(positional: str | None, option: str | None) -> str | None:
    """The workload file given as FILE or as --workloads (not both)."""
    if positional is not None and option is not None and positional != option:
        raise UsageError("give the workload file once: as FILE or with --workloads")
    return positional if positional is not None else option
