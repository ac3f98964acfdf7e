"""The command line: parse → call the library → render → exit code.

``app`` (with its error boundary) is in ``cli.app``, the options several commands share in
``cli.options``, and the commands by what they do: ``cli.estimate`` (estimate, compare, check,
init), ``cli.count``, ``cli.book`` (models, history, prices validate/diff), ``cli.prices`` (prices
update, reset, status, pack, export, import).  Commands only parse, call the library and print;
everything they compute lives in the library.
"""

from __future__ import annotations

from . import book, count, estimate, prices, usage  # noqa: F401  (registers the commands, in this order)
from .app import app, prices_app

__all__ = ["app", "main", "prices_app"]


def main() -> None:
    app()
