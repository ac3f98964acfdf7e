"""Shared fixtures: every test runs on the small book in tests/data/book, never the shipped one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from llmcost import book as prices
from llmcost.cli import app

DATA = Path(__file__).parent / "data"
BOOK = DATA / "book"

# No per-example deadline anywhere (a test's own settings inherit this): on a 2-core CI machine shared with other
# jobs an example's time is noise, and a flaky "DeadlineExceeded" hides real results.  Modest example counts keep
# the suite fast; the fuzz and property modules take LLMCOST_FUZZ_EXAMPLES / LLMCOST_PROPERTY_EXAMPLES for more.
settings.register_profile("llmcost", deadline=None, max_examples=100)
settings.load_profile("llmcost")


@pytest.fixture(scope="session")
def _cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("llmcost-cache")


@pytest.fixture(autouse=True)
def _test_book(monkeypatch, _cache_dir):
    monkeypatch.setenv("LLMCOST_BOOK", str(BOOK))
    monkeypatch.setenv("LLMCOST_CACHE_DIR", str(_cache_dir))  # the parsed-book cache, never ~/.cache
    monkeypatch.setenv("LLMCOST_DATA_DIR", str(_cache_dir / "data"))  # its secret, never ~/.local
    for name in ("LLMCOST_PRICES", "NO_COLOR", "LLMCOST_DEBUG", "LLMCOST_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def book():
    return prices.load_only(BOOK)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process through typer's runner, like a user would."""
    result = CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli():
    return run


def warm_tokenizers(book) -> None:
    """Load the test book's encodings once, so no hypothesis example is charged with it (deadline)."""
    import os

    from llmcost import api

    old = os.environ.get("LLMCOST_BOOK")
    os.environ["LLMCOST_BOOK"] = str(BOOK)
    try:
        count = api.prompt_counter(book)
        count("beta-4o", "warm up")
        count("alpha-lite", "warm up")
    finally:
        if old is None:
            del os.environ["LLMCOST_BOOK"]
        else:
            os.environ["LLMCOST_BOOK"] = old


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/data/golden/NAME; `UPDATE_GOLDEN=1 pytest` rewrites the files."""
    import os

    path = DATA / "golden" / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
