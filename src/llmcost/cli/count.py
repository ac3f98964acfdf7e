"""The count command: tokens of texts, files and folders as each model bills them."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from .app import app
from .options import (
    AllModels,
    CountFormat,
    Encoding,
    Models,
    PricesPath,
    Providers,
    _color,
    _emit,
    _format,
    _stdin,
    _width,
)


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
    from .. import api, counting
    from ..render import count_report, render_counts

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
