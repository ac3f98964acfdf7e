"""Commands that read the price book: models, history, and the prices group (validate, diff)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from .app import app, prices_app
from .options import (
    AllModels,
    AsOf,
    Format,
    Models,
    PricesPath,
    Providers,
    Verbose,
    Wide,
    _as_of,
    _color,
    _dated_notes,
    _emit,
    _format,
    _width,
    complete_model,
)


@app.command()
def models(
    query: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TEXT]...",
            help="Only models whose id, name, alias or provider contains this text (any of them).",
            show_default=False,
        ),
    ] = None,
    provider: Providers = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    prices: PricesPath = None,
    wide: Wide = False,
    verbose: Verbose = False,
) -> None:
    """List the price book: each model's input and output price per 1M tokens on --as-of, its context
    window and aliases.

    \b
    Examples:
      llmcost models
      llmcost models qwen
      llmcost models --provider doubao --as-of 2024-06-01
    """
    from .. import api
    from ..render import models_report, render_models

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    book = api.load_book(prices)
    when = _as_of(as_of)
    chosen = book.select(providers=provider or [], everything=True)
    if query:
        chosen = [m for m in chosen if _matches(m, query)]
        if not chosen:
            raise UsageError(
                f"no model matches {' or '.join(repr(q) for q in query)}", hint="llmcost models lists them"
            )
    report = models_report(chosen, when, book)
    report["notes"] = _dated_notes(as_of, book, when, None, False, fmt)  # each price in its own currency
    _emit(render_models(report, fmt, color=_color(), width=_width(), wide=wide, verbose=verbose), fmt)


def _matches(model, words: list[str]) -> bool:
    """Whether a model's id, name, aliases or provider contain one of ``words`` (case-insensitive)."""
    fields = " ".join([model.id, model.name, model.provider, *model.aliases]).casefold()
    return any(word.casefold().strip() in fields for word in words)


@app.command()
def history(
    model: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="MODEL...",
            help="Model ids or aliases, e.g. qwen-long gpt-4o.",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    model_option: Models = None,
    provider: Providers = None,
    all_models: AllModels = False,
    since: Annotated[
        str | None, typer.Option(metavar="DATE", help="Only prices effective on or after YYYY-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="DATE", help="Only prices effective on or before YYYY-MM-DD.")
    ] = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    prices: PricesPath = None,
    wide: Wide = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Also show where each price was read and how it was checked (provenance)."
        ),
    ] = False,
) -> None:
    """Each dated price of models with its change from the one before; with --since/--until, every change
    in that window sorted by date (the price war).

    \b
    Examples:
      llmcost history qwen-long
      llmcost history -m gpt-4o -m 豆包 --verbose
      llmcost history --since 2024-05-01 --until 2024-06-30
    """
    model = [*(model or []), *(model_option or [])]
    from .. import api
    from .. import history as hist
    from ..render.history import history_report, render_history

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    start, end = hist.parse_date(since, "--since"), hist.parse_date(until, "--until")
    book = api.load_book(prices)
    if not model and not provider and not all_models and start is None and end is None:
        raise UsageError("give models, --provider NAME, --all, or a --since/--until window")
    chosen = book.select(model or [], provider or [], everything=True)
    result = hist.history(chosen, _as_of(as_of), start, end)
    _emit(
        render_history(
            history_report(result, book.digest), fmt, color=_color(), width=_width(), wide=wide, verbose=verbose
        ),
        fmt,
    )


@prices_app.command("validate")
def prices_validate(
    path: Annotated[
        str | None, typer.Argument(metavar="PATH", help="A price file or folder [default: the active book].")
    ] = None,
) -> None:
    """Validate price files against the schema and the book's rules (dates, sources, aliases)."""
    from .. import book as prices_mod
    from ..book import installed

    files = prices_mod.validate(path if path is not None else installed.active().folder)
    typer.echo(f"ok: {len(files)} file(s) valid")


@prices_app.command("diff")
def prices_diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The price file or folder before the change.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The price file or folder after the change.")],
    fmt: Format = "table",
    wide: Wide = False,
) -> None:
    """What a price-book change does: models added/removed, prices changed (with %), fields changed.
    Exit 0 with or without differences; 2 if a file is invalid."""
    from .. import book as prices_mod
    from .. import history
    from ..render.history import diff_report, render_diff

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    old_book, new_book = prices_mod.load_only(old), prices_mod.load_only(new)
    result = history.diff(old_book, new_book, old, new)
    _emit(render_diff(diff_report(result), fmt, color=_color(), width=_width(), wide=wide), fmt)
