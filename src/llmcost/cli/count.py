"""The count command: tokens of texts, files and folders as each model bills them."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from . import progress
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
    with progress.Files() as on_block:
        results = list(
            counting.count_inputs(
                paths, [m.tokenizer for m in chosen], texts=texts, encoding=encoding, progress=on_block, stdin=_stdin()
            )
        )
    _emit(render_counts(count_report(results, chosen), fmt, color=_color(), width=_width(), wide=wide), fmt)
