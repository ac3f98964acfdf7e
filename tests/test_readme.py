"""Every example command in README.md runs as written, on the shipped price book.

Commands are the `$ llmcost …` (or `$ cat … | llmcost …`) lines of the README's ```console blocks;
a line may end in `# exits N` to say which exit code it documents (default 0). The quick-start
lines (`pip install …`) are run by .ci/run itself, so they are not repeated here.
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


def _examples() -> list[tuple[str, int]]:
    found, block = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            block = line.strip() == "```console"
            continue
        if block and line.startswith("$ ") and "llmcost" in line and "pip install" not in line:
            command = line[2:]
            match = re.search(r"\s+# exits (\d)$", command)
            code = int(match.group(1)) if match else 0
            found.append((command[:match.start()] if match else command, code))
    return found


EXAMPLES = _examples()


def test_readme_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("command, code", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command, code, tmp_path):
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
    result = subprocess.run(["bash", "-c", prelude + "set -o pipefail\n" + command], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode == code, result.stderr
    if code == 0:
        assert result.stdout.strip() or "wrote" in result.stderr


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
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_readme_has_python_examples():
    assert len(PYTHON_EXAMPLES) >= 1
