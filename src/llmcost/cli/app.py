"""The Typer application and its error boundary.

One error boundary (``LlmcostGroup.main``) maps every failure to the documented exit codes: 0 ok,
1 budget exceeded, 2 bad input or usage.  A user never sees a traceback: an unexpected exception is
reported as a bug in one line, exit 2... except with ``LLMCOST_DEBUG=1``, which re-raises it.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import EXIT_INPUT, LlmcostError

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
                         help="Check, compare, update, publish and export the price book.")
app.add_typer(prices_app, name="prices")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmcost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None) -> None:
    pass
