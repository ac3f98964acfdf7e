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
    "--model", "-m", help="Model id or alias (repeatable), e.g. doubao-pro-32k, qwen-long, 豆包.")]
AllModels = Annotated[bool, typer.Option("--all", help="Every model in the price book.")]
Providers = Annotated[Optional[list[str]], typer.Option(
    "--provider", "-p", help="Only this provider's models (repeatable): doubao, qwen, ernie, spark, hunyuan, "
                             "glm, openai.")]
Currency = Annotated[str, typer.Option("--currency", "-c", help="Report currency: CNY (or RMB) or USD.")]
Rate = Annotated[Optional[str], typer.Option(
    "--rate", help="USD→CNY rate (CNY per 1 USD) instead of the shipped dated rate.")]
AsOf = Annotated[Optional[str], typer.Option(
    "--as-of", help="Price date YYYY-MM-DD: use the prices in force that day (default: today).")]
Format = Annotated[str, typer.Option("--format", "-f", help="Output: table, json, csv or markdown.")]
PricesPath = Annotated[Optional[str], typer.Option(
    "--prices", envvar="LLMCOST_PRICES",
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


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# -- commands ---------------------------------------------------------------------------

@app.command()
def estimate(
    model: Models = None,
    all_models: AllModels = False,
    provider: Providers = None,
    requests_per_day: Annotated[Optional[str], typer.Option(help="Requests per day (× --days).")] = None,
    requests_per_month: Annotated[Optional[str], typer.Option(help="Requests per month.")] = None,
    input_tokens: Annotated[Optional[str], typer.Option(help="Input (prompt) tokens per request.")] = None,
    output_tokens: Annotated[Optional[str], typer.Option(help="Output (completion) tokens per request.")] = None,
    days: Annotated[Optional[str], typer.Option(help="Days per month for --requests-per-day [default: 30].")] = None,
    cached_ratio: Annotated[str, typer.Option(help="Share of input tokens that hit the cache, 0..1.")] = "0",
    batch_ratio: Annotated[str, typer.Option(help="Share of requests sent through a Batch API, 0..1.")] = "0",
    currency: Currency = "CNY",
    rate: Rate = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    prices: PricesPath = None,
) -> None:
    """Estimate the monthly bill of a workload on one model, several, or all."""
    from . import api

    request = api.EstimateRequest(
        models=model or [], everything=all_models, providers=provider or [],
        requests_per_day=_opt_decimal(requests_per_day, "--requests-per-day"),
        requests_per_month=_opt_decimal(requests_per_month, "--requests-per-month"),
        input_tokens=_opt_decimal(input_tokens, "--input-tokens"),
        output_tokens=_opt_decimal(output_tokens, "--output-tokens"),
        days=_opt_decimal(days, "--days"), cached_ratio=parse_decimal(cached_ratio, "--cached-ratio"),
        batch_ratio=parse_decimal(batch_ratio, "--batch-ratio"))
    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    book = api.load_book(prices)
    when = _as_of(as_of)
    bill = api.estimate(book, request, as_of=when, currency=parse_currency(currency),
                            fx=_fx(rate, book, when))
    from .render import bill_report, render_bill

    _emit(render_bill(bill_report(bill, book), fmt, color=_color(), width=_width()))


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


@prices_app.command("validate")
def prices_validate(
    path: Annotated[Optional[str], typer.Argument(help="A price file or folder [default: the shipped book].")] = None,
) -> None:
    """Validate price files against the schema and the book's rules (dates, sources, aliases)."""
    from . import prices as prices_mod
    from .resources import shipped_prices_dir

    files = prices_mod.validate(path if path is not None else shipped_prices_dir())
    typer.echo(f"ok: {len(files)} file(s) valid")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
