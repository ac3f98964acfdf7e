"""What a person sees: the real CLI in a pseudo-terminal at 40, 60, 80 and 120 columns, against golden
screens in tests/data/screens/ (``UPDATE_GOLDEN=1 pytest tests/test_screens.py`` rewrites them).

On every screen: no line is wider than the terminal, none ends in a space, none is only spaces, and no
amount is cut.  The same commands piped: no trailing spaces, no colour codes, and every sentence of the
report on one line, however long (issue 11: output that is not going to a terminal is never wrapped).
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys

import pytest
from conftest import BOOK, DATA
from rich.cells import cell_len

pty = pytest.importorskip("pty")  # POSIX only
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

SCREENS = DATA / "screens"
WIDTHS = (40, 60, 80, 120)
AS_OF = ["--as-of", "2024-06-01"]
ONE = ["--requests-per-day", "2000", "--input-tokens", "1500", "--output-tokens", "400"]
COMMANDS = {
    "estimate": ["estimate", "-m", "alpha-lite", *ONE, *AS_OF],
    "estimate_models": ["estimate", "-m", "alpha-lite", "-m", "alpha-pro", "-m", "beta-4o", *ONE, *AS_OF],
    "workloads": ["estimate", "--workloads", str(DATA / "workloads" / "small.yaml"), "--as-of", "2025-06-01"],
    "compare": ["compare", *ONE, "--as-of", "2025-06-01"],
    "check": ["check", str(DATA / "check_workloads.yaml"), "--budget", "1000", *AS_OF],
    "models": ["models", "--as-of", "2025-06-01"],
    "count": ["count", "-m", "alpha-lite", "-m", "beta-4o", "hello world", "你好，世界"],
    "history": ["history", "alpha-lite", "--as-of", "2025-06-01"],
}


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LLMCOST_PRICES", "COLUMNS", "LINES")}
    env.update(
        {
            "LLMCOST_BOOK": str(BOOK),
            "LLMCOST_CACHE_DIR": str(tmp_path / "cache"),
            "LLMCOST_DATA_DIR": str(tmp_path / "data"),
            "TERM": "xterm-256color",
            **extra,
        }
    )
    return env


def on_terminal(args: list[str], width: int, env: dict[str, str]) -> tuple[int, str]:
    """Run llmcost's entry point with stdin, stdout and stderr on a pseudo-terminal ``width`` columns wide.

    The child is forked from the test process, with llmcost already imported (a fresh interpreter per
    screen would cost seconds each on a busy machine); from there it is the real command line."""
    from llmcost.cli import main

    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of the given size, the environment given, then llmcost
        code = 127
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
            os.environ.clear()
            os.environ.update(env)
            sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
            sys.argv = ["llmcost", *args]
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def _check_screen(text: str, width: int) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= width, (width, line)
        assert line == line.rstrip(" "), f"trailing spaces: {line!r}"
        assert line == "" or line.strip(), f"a line of spaces: {line!r}"


#: Every report at 80 columns; the tables at every width.
SCREEN_CASES = [
    (name, width)
    for name in COMMANDS
    for width in (
        WIDTHS if name in ("estimate", "estimate_models", "workloads", "compare", "check", "models") else (40, 80)
    )
]


@pytest.mark.parametrize(("name", "width"), SCREEN_CASES)
def test_screen(name, width, tmp_path):
    code, screen = on_terminal(COMMANDS[name], width, _env(tmp_path, NO_COLOR="1"))
    assert code in (0, 1), screen
    _check_screen(screen, width)
    path = SCREENS / f"{name}_{width}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        SCREENS.mkdir(exist_ok=True)
        path.write_text(screen, encoding="utf-8")
    assert screen == path.read_text(encoding="utf-8")


def test_amounts_are_never_cut(tmp_path, cli):
    """Every amount of the JSON report is on the screen, whole, at every width."""
    env = _env(tmp_path, NO_COLOR="1")
    report = json.loads(cli(*COMMANDS["estimate_models"], "-f", "json").out)
    for width in WIDTHS:
        screen = on_terminal(COMMANDS["estimate_models"], width, env)[1]
        for line in report["lines"]:
            assert f"¥{float(line['total']):,.2f}" in screen, (width, line["model"])


def test_colour_on_a_terminal_only_and_never_with_no_color(tmp_path, cli):
    args = COMMANDS["check"]
    coloured = on_terminal(args, 120, _env(tmp_path))[1]
    assert "\x1b[" in coloured
    assert "\x1b[" not in on_terminal(args, 120, _env(tmp_path, NO_COLOR="1"))[1]
    assert "\x1b[" not in on_terminal(args, 120, _env(tmp_path, TERM="dumb"))[1]
    piped = cli(*args)
    assert "\x1b[" not in piped.out and "\x1b[" not in piped.err


def test_wide_shows_every_column_or_stacks(tmp_path):
    env = _env(tmp_path, NO_COLOR="1")
    narrow = on_terminal(COMMANDS["estimate"], 80, env)[1]
    assert (
        "Provider" not in narrow.splitlines()[0]
        and "Not shown at this width: Provider (--wide shows every column)." in narrow
    )
    wide = on_terminal([*COMMANDS["estimate"], "--wide"], 80, env)[1]
    _check_screen(wide, 80)
    assert "\n  Provider     alpha\n" in wide  # every column, stacked: the table is 90 columns wide
    assert "Not shown" not in wide
    assert "Provider" in on_terminal([*COMMANDS["estimate"], "--wide"], 120, env)[1].splitlines()[0]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_piped_output_is_clean_and_never_wrapped(name, cli):
    run = cli(*COMMANDS[name])
    assert run.code in (0, 1), run.err
    for line in run.out.splitlines():
        assert line == line.rstrip(" "), f"trailing spaces: {line!r}"
        assert line == "" or line.strip(), f"a line of spaces: {line!r}"
    assert "\x1b" not in run.out + run.err
    lines = run.out.splitlines()
    # the sentences under a table are whole lines: each source, the summary, the failures
    data = json.loads(cli(*COMMANDS[name], "-f", "json").out)
    if name == "check":
        assert data["summary"] in lines
        assert all(f"  ✗ {f['message']}" in lines for f in data["failures"])
    sources = {v for k, v in _walk(data) if k == "source" and v} if name != "models" else set()
    assert all(any(line.endswith("] " + src) for line in lines) for src in sources), sources


def _walk(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "fx":  # the rate's source is named with the rate, not as a footnote
                yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    else:
        yield key, value


def test_a_long_sentence_is_one_line_piped_and_wrapped_on_a_terminal(tmp_path, cli):
    deep = tmp_path / ("a-folder-with-a-long-name-" * 6)
    deep.mkdir()
    (deep / "old.yaml").write_bytes((DATA / "diff" / "old.yaml").read_bytes())
    path = str(deep / "old.yaml")
    env = _env(tmp_path, NO_COLOR="1")
    piped = cli("prices", "diff", path, path).out
    assert piped == f"No differences between {path} and {path}.\n"
    screen = on_terminal(["prices", "diff", path, path], 80, env)[1]
    _check_screen(screen, 80)
    assert screen.replace("\n", "").replace(" ", "") == piped.replace("\n", "").replace(" ", "")
