"""The count command: tokens of texts, files and folders as each model bills them."""

from __future__ import annotations

import os
import sys
import time
from typing import Annotated

import typer

from ..errors import UsageError
from .app import app
from .options import (
    AllModels,
    Encoding,
    Format,
    Models,
    PricesPath,
    Providers,
    Wide,
    _color,
    _emit,
    _format,
    _stdin,
    _width,
)


@app.command()
def count(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="INPUT...", help="Text, files, folders (recursive), globs, or - for stdin.", show_default=False
        ),
    ] = None,
    model: Models = None,
    all_models: AllModels = False,
    provider: Providers = None,
    fmt: Format = "table",
    encoding: Encoding = "utf-8",
    prices: PricesPath = None,
    wide: Wide = False,
) -> None:
    """Count tokens the way each model bills them: exact BPE where public, else the vendor's rule.

    \b
    Examples:
      llmcost count -m gpt-4o -m qwen-long examples/prompt.txt
      echo -n "你好，世界" | llmcost count -m 豆包 -
      llmcost count --provider openai --format json examples/
    """
    from .. import api, counting
    from ..render import count_report, render_counts

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
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
        results = list(
            counting.count_inputs(
                paths, [m.tokenizer for m in chosen], texts=texts, encoding=encoding, progress=progress, stdin=_stdin()
            )
        )
    _emit(render_counts(count_report(results, chosen), fmt, color=_color(), width=_width(), wide=wide), fmt)


class _progress:
    """Files and bytes done, on stderr, when stderr is a terminal and the counting has taken more than
    a second; else nothing (piped output never carries progress).  NO_COLOR: a bar, uncoloured."""

    DELAY = 1.0

    def __enter__(self):
        self.bar = None
        if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
            return None
        self.started = time.monotonic()
        return self.update

    def update(self, p) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                DownloadColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("counting", total=None)
        from ..render.text import clean

        done = f"{p.inputs_done:,}/{p.inputs_total:,} files"
        self.bar.update(
            self.task, description=f"{done} {clean(p.path)[-30:]}", completed=p.bytes_done, total=p.bytes_total
        )

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
