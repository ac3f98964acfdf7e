"""docs/cli.md is generated from --help: it must match the help texts exactly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).parent.parent / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    gen = _generator()
    assert gen.render() == (DOCS / "cli.md").read_text(encoding="utf-8"), "run: python docs/gen_cli.py"


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in (
        "estimate",
        "models",
        "check",
        "history",
        "compare",
        "init",
        "count",
        "prices validate",
        "prices diff",
        "prices update",
        "prices reset",
        "prices status",
        "prices pack",
    ):
        assert f"## `llmcost {command}`" in text
        assert f"Usage: llmcost {command} " in text


def test_price_book_summary_is_current():
    spec = importlib.util.spec_from_file_location("gen_book", DOCS / "gen_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (DOCS / "price-book.md").read_text(encoding="utf-8"), "run: python docs/gen_book.py"
