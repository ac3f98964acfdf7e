"""The Typer application and its error boundary.

One error boundary (``LlmcostGroup.main``) maps every failure to the documented exit codes: 0 ok,
1 budget exceeded, 2 bad input or usage.  A user never sees a traceback: an unexpected exception is
reported as a bug in one line, exit 2... except with ``LLMCOST_DEBUG=1``, which re-raises it.
"""

from __future__ import annotations

import errno
import io
import os
import re
import sys
from typing import Annotated, Any, ClassVar, NoReturn

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import EXIT_INPUT, LlmcostError, OutputError

# Typer has shipped both a vendored and an external click; find its usage-error base class
# through a public name instead of importing either.
_CLICK_ERROR: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class LlmcostGroup(TyperGroup):
    """The error boundary: every exception becomes one line on stderr and an exit code."""

    #: The commands in the order people reach for them; any other command follows, as registered.
    ORDER = (
        "estimate",
        "compare",
        "check",
        "count",
        "usage",
        "models",
        "history",
        "init",
        "prices",
        "status",
        "update",
        "validate",
        "diff",
        "pack",
        "import",
        "export",
        "reset",
    )
    #: One whole sentence per command for the command list (click would cut the docstring at 45 characters).
    SUMMARIES: ClassVar[dict[str, str]] = {
        "estimate": "Price a workload per month on one model, several, or all.",
        "compare": "Price one workload on every model, cheapest first.",
        "check": "Fail a CI job when a workload file goes over budget.",
        "count": "Count tokens the way each model bills them.",
        "usage": "Price real usage records at the prices of their day.",
        "models": "List the models with their prices per 1M tokens.",
        "history": "Show how models' prices changed over time.",
        "init": "Write an example workload file to start from.",
        "prices": "Check, compare, update and export the price book.",
        # llmcost prices ...
        "status": "Show the active price book and when each provider was checked.",
        "update": "Install a newer price book without upgrading llmcost.",
        "validate": "Check price files against the schema and the book's rules.",
        "diff": "Show what a change to the price book changes, model by model.",
        "pack": "Write a price-book archive for 'llmcost prices update'.",
        "export": "Write the price book in another tool's format.",
        "import": "Read prices from another tool's format.",
        "reset": "Use the price book shipped with this llmcost again.",
    }

    def list_commands(self, ctx):
        names = list(super().list_commands(ctx))
        rank = {name: i for i, name in enumerate(self.ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None and not command.short_help:
            command.short_help = self.SUMMARIES.get(cmd_name) or _first_sentence(command.help or "")
        return command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if sys.stdout is None:  # `llmcost ... >&-`: nobody reads the output; run, and write it nowhere
            sys.stdout = io.TextIOWrapper(io.FileIO(os.devnull, "w"), encoding="utf-8")
        try:
            rv = super().main(
                args=args, prog_name=prog_name or "llmcost", complete_var=complete_var, standalone_mode=False, **extra
            )
        except OutputError as exc:
            _discard_output()
            _fail(str(exc), exc.exit_code)
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
        except UnicodeEncodeError as exc:  # written by a path that does not go through cli.options._write
            _discard_output()
            _fail(str(OutputError.of(exc)), EXIT_INPUT)
        except OSError as exc:
            if exc.errno not in _WRITE_ERRORS:
                _internal(exc)
            _discard_output()
            _fail(f"cannot write: {exc.strerror or exc}", EXIT_INPUT)
        except Exception as exc:  # the last line of defence: a bug, still no traceback
            _internal(exc)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        # Catch a closed pipe here, inside click's main, which would otherwise turn it into exit 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()


def _first_sentence(text: str) -> str:
    """A command's help up to the end of its first sentence: a summary that is never cut mid-sentence."""
    words = " ".join(text.split("\n\n", 1)[0].split())
    end = re.search(r"[.!?](\s|$)", words)
    return words[: end.start() + 1] if end else words


#: errno values of a write that failed for a reason outside llmcost (no space, quota, too large, I/O).
_WRITE_ERRORS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO") if hasattr(errno, name))


def _internal(exc: BaseException) -> NoReturn:
    if os.environ.get("LLMCOST_DEBUG"):
        raise exc
    _fail(
        f"internal error: {type(exc).__name__}: {exc} (please report it; set LLMCOST_DEBUG=1 for details)",
        EXIT_INPUT,
    )


def _fail(message: str, code: int) -> NoReturn:
    try:
        from ..render.text import clean  # a name in the message never controls the terminal

        typer.echo(f"llmcost: error: {clean(' '.join(message.split()))}", err=True)
    except BrokenPipeError:  # pragma: no cover
        pass
    sys.exit(code)


def _quiet_broken_pipe() -> None:
    """`llmcost ... | head -1`: the reader went away; exit quietly, like cat does."""
    _discard_output()
    sys.exit(0)


def _discard_output() -> None:
    """Point standard output at the null device, so what is still buffered is not written at exit
    (into a closed pipe or a full disk, which Python would report after llmcost's own message)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout is not a real file (tests)
        pass


app = typer.Typer(
    cls=LlmcostGroup,
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Estimate what LLM API usage costs per month, across Chinese vendors and GPT-4o, "
    "in RMB or USD. Offline; exit codes: 0 ok, 1 budget exceeded, 2 bad input. Amounts are exact until "
    "they are shown, then rounded to 0.01, half up.",
)
prices_app = typer.Typer(
    cls=LlmcostGroup,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Check, compare, update, publish and export the price book.",
)
app.add_typer(prices_app, name="prices")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmcost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    pass
