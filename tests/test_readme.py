"""Every example command in README.md runs as written, on the shipped price book.

Commands are the `$ llmcost …` (or `$ cat … | llmcost …`) lines of the README's ```console blocks;
a line may end in `# exits N` to say which exit code it documents (default 0). The quick-start
lines (`pip install …`) are run by .ci/run itself, so they are not repeated here.

The lines under a command, up to the next `$` line, are its output as the README shows it, and
are checked like a doctest: each shown line is a whole line of the real output, in order, and
consecutive lines are consecutive in the output.  Only the width of the gaps between cells is free
(a run of spaces matches a run of spaces, a rule of ─ matches a rule), so the README need not follow
each change of column padding, but every cell, amount and row must be the same.  A line that is only `…`
stands for any number of lines left out, and `…` inside a line for any text left out of it.
What comes before the first shown line and after the last one may be left out without a `…`.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"


def _examples(text: str) -> list[tuple[str, int, list[str]]]:
    """(command, exit code, the output lines shown under it) of every example."""
    found: list[tuple[str, int, list[str]]] = []
    block, shown = False, None
    for line in text.splitlines():
        if line.startswith("```"):
            block, shown = line.strip() == "```console", None
            continue
        if not block:
            continue
        if line.startswith("$ "):
            shown = None
            if "llmcost" in line and "pip install" not in line:
                command = line[2:]
                match = re.search(r"\s+# exits (\d)$", command)
                code = int(match.group(1)) if match else 0
                shown = []
                found.append((command[: match.start()] if match else command, code, shown))
        elif shown is not None:
            shown.append(line)
    return found


def shown_lines_missing(shown: list[str], output: str) -> str | None:
    """None if the README's shown lines are the output's (see the module's docstring), else what differs."""
    pieces: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "…":
            pieces.append([])
        else:
            pieces[-1].append(_cells(line))
    lines = [_cells(line) for line in output.splitlines()]
    at = 0
    for piece in (p for p in pieces if p):
        patterns = [re.compile(".*".join(re.escape(part) for part in line.split("…"))) for line in piece]
        start = next(
            (
                i
                for i in range(at, len(lines) - len(piece) + 1)
                if all(p.fullmatch(lines[i + k]) for k, p in enumerate(patterns))
            ),
            None,
        )
        if start is None:
            return "\n".join(["the README shows:", *piece, "", "the command prints:", *lines[at:]])
        at = start + len(piece)
    return None


def _cells(line: str) -> str:
    """A line with its gaps made one space wide, and a table's rule made one ─ long."""
    cells = " ".join(line.split())
    return "─" if cells and set(cells) == {"─"} else cells


EXAMPLES = _examples(README.read_text(encoding="utf-8"))


def test_readme_has_examples():
    assert len(EXAMPLES) >= 10


def test_readme_shows_output_for_the_examples_that_price_something():
    shown = [command for command, _, lines in EXAMPLES if lines]
    assert len(shown) >= 8, shown


@pytest.mark.parametrize("command, code, shown", EXAMPLES, ids=[c for c, _, _ in EXAMPLES])
def test_readme_example(command, code, shown, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LLMCOST_BOOK", "LLMCOST_PRICES")}
    env["NO_COLOR"] = "1"
    bindir = os.path.dirname(sys.executable)
    if shutil.which("llmcost", path=bindir):  # the installed console script, as a user runs it
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        prelude = ""
    else:  # pragma: no cover - an install without scripts on this interpreter's bin dir
        prelude = f'llmcost() {{ "{sys.executable}" -m llmcost "$@"; }}\n'
    # Commands that write files (init, baselines) do it in a scratch copy of examples/.
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = subprocess.run(
        ["bash", "-c", prelude + "set -o pipefail\n" + command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == code, result.stderr
    if code == 0:
        assert result.stdout.strip() or "wrote" in result.stderr
    if shown:
        difference = shown_lines_missing(shown, result.stdout)
        assert difference is None, difference


@pytest.mark.parametrize(
    "shown, output, ok",
    [
        (["a", "b"], "x\na\nb\ny\n", True),
        (["a", "b"], "a\nx\nb\n", False),  # consecutive shown lines are consecutive output lines
        (["a", "…", "b"], "a\nx\ny\nb\n", True),
        (["b", "a"], "a\nb\n", False),  # in order
        (["¥41.40 …"], "¥41.40 on 2024-05-15\n", True),
        (["¥41.40 …"], "¥41.41 on 2024-05-15\n", False),
        (["$875.00"], "$1,000.00\n", False),
        (["$875.00"], "$875.00 2024-10-02\n", False),  # a whole line, not a piece of one
        (["  gpt-4o   $875.00  "], "gpt-4o $875.00\n", True),  # the gaps' width aside
        (["gpt-4o $875.00"], "gpt-4o$875.00\n", False),  # but a gap is a gap
        ([" ─────"], "──────────\n", True),
        (["a", "─────", "b"], "a\nb\n", False),
    ],
)
def test_shown_output_is_matched_line_for_line(shown, output, ok):
    assert (shown_lines_missing(shown, output) is None) is ok


def _python_examples() -> list[tuple[str, str]]:
    """Each ```python block of the README with the ```text block right after it (its output)."""
    blocks, kind, lines = [], None, []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if kind is None:
                kind, lines = line.strip()[3:], []
            else:
                blocks.append((kind, "\n".join(lines) + "\n"))
                kind = None
            continue
        if kind is not None:
            lines.append(line)
    return [(code, out) for (k1, code), (k2, out) in itertools.pairwise(blocks) if k1 == "python" and k2 == "text"]


PYTHON_EXAMPLES = _python_examples()


@pytest.mark.parametrize("code, expected", PYTHON_EXAMPLES, ids=[f"python-{i}" for i in range(len(PYTHON_EXAMPLES))])
def test_readme_python_example(code, expected, tmp_path):
    """The library examples run on the shipped book and print what the README shows."""
    env = {k: v for k, v in os.environ.items() if k not in ("LLMCOST_BOOK", "LLMCOST_PRICES")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_readme_has_python_examples():
    assert len(PYTHON_EXAMPLES) >= 1
