"""Tests that fail when the code breaks the way issue 18 found it could, unnoticed.

Each test names the break it was checked against (made once in the code, seen to fail, reverted):
an error in a streamed file past the first MiB, an internal error's exit code, output that depends
on the hash seed, the permission-denied path when the tests run as root, and the price files of a
built wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import BOOK, DATA, run

from llmcost import api, pipeline
from llmcost.cli import estimate as cli_estimate

ROOT = Path(__file__).resolve().parent.parent
AS_OF = ["--as-of", "2025-06-01"]


# -- a streamed file: an error after the first MiB leaves the lines before it, and no total -------

HEADER = "name,model,requests_per_day,input_tokens,output_tokens"
MODELS = ["alpha-lite", "alpha-pro", "beta-4o", "alpha-tiered"]


def _rows(n: int) -> list[str]:
    return [f"w{i},{MODELS[i % len(MODELS)]},{1000 + i},{100 + i % 50},{10 + i % 7}" for i in range(n)]


def _no_total(fmt: str, out: str) -> None:
    last = out.splitlines()[-1]
    if fmt == "csv":
        assert "TOTAL" not in out
        assert last.startswith("w"), last
    elif fmt == "jsonl":
        assert '"summary"' not in out
        assert json.loads(last)["name"].startswith("w")
    else:
        assert '"total": "' not in out.rsplit('"lines"', 1)[-1].rsplit("}", 2)[-1]
        assert '"skipped"' not in out


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_an_error_after_the_first_mib_leaves_the_lines_before_it_and_no_total(fmt, tmp_path):
    """Break checked: `_price_workload_file` writing `stream.end(...)` in a `finally:` (so an error
    still closes the stream) -> a TOTAL row / summary after the streamed lines, and this fails."""
    sample = run("estimate", "--workloads", "-", *AS_OF, "-f", fmt, input="\n".join([HEADER, *_rows(50)]) + "\n")
    per_line = len(sample.out) / 50
    # past the buffered first MiB, and past PARALLEL_AFTER (the rows after it are priced in worker processes)
    n = max(int(1.3 * cli_estimate._Output.LIMIT / per_line), pipeline.PARALLEL_AFTER + 500)
    path = tmp_path / "w.csv"
    path.write_text("\n".join([HEADER, *_rows(n), "bad,alpha-lite,abc,1,1"]) + "\n", encoding="utf-8")
    r = run("estimate", "--workloads", str(path), *AS_OF, "-f", fmt)
    assert r.code == 2
    assert r.err == (f"llmcost: error: {path}, line {n + 2}, column 'requests_per_day': 'abc' is not a number\n")
    assert len(r.out.encode("utf-8")) > cli_estimate._Output.LIMIT  # streamed: the lines before the bad row
    assert f"w{n - 1}," in r.out or f'"w{n - 1}"' in r.out  # up to the row before the bad one
    _no_total(fmt, r.out)


def test_an_error_in_the_first_mib_prints_nothing(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("\n".join([HEADER, *_rows(100), "bad,alpha-lite,abc,1,1"]) + "\n", encoding="utf-8")
    r = run("estimate", "--workloads", str(path), *AS_OF, "-f", "csv")
    assert (r.code, r.out) == (2, "")
    assert r.err.count("\n") == 1 and "line 102" in r.err


# -- a bug is exit 2, never 1 (the over-budget code) -------------------------------------------


def test_an_internal_error_is_one_line_and_exit_2_not_1(monkeypatch):
    """Break checked: `_internal` exiting with EXIT_BUDGET (1) -> this fails; so does a traceback."""

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "estimate", boom)
    args = ["estimate", "-m", "alpha-lite", "--requests-per-month", "10", "--input-tokens", "1", "--output-tokens", "1"]
    r = run(*args)
    assert (r.code, r.out) == (2, "")
    assert (
        r.err
        == "llmcost: error: internal error: RuntimeError: boom (please report it; set LLMCOST_DEBUG=1 for details)\n"
    )
    # a check that crashes is not "over budget" either: CI must not read a bug as a budget verdict
    monkeypatch.setattr(api, "check", boom)
    r = run("check", str(DATA / "check_workloads.yaml"), "--budget", "1000", "--as-of", "2024-06-01")
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith("llmcost: error: internal error: RuntimeError: boom")
    monkeypatch.setenv("LLMCOST_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        run(*args)


def test_an_os_error_that_is_not_a_write_error_is_an_internal_error(monkeypatch):
    def lost(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(api, "estimate", lost)
    r = run("estimate", "-m", "alpha-lite", "--requests-per-month", "10", "--input-tokens", "1", "--output-tokens", "1")
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith("llmcost: error: internal error: FileNotFoundError: ")


# -- the same input gives the same bytes in another process, whatever the hash seed ------------

SEEDED = {
    "check": ["check", str(DATA / "check_workloads.yaml"), "--budget", "1000", "--as-of", "2024-06-01", "-f", "json"],
    "check-markdown": [
        "check",
        str(DATA / "check_workloads.yaml"),
        "--budget",
        "1000",
        "--as-of",
        "2024-06-01",
        "-f",
        "markdown",
    ],
    "compare": [
        "compare",
        "--requests-per-day",
        "2000",
        "--input-tokens",
        "1500",
        "--output-tokens",
        "400",
        *AS_OF,
        "-f",
        "json",
    ],
    "models": ["models", *AS_OF, "-f", "csv"],
    "estimate-all": [
        "estimate",
        "--all",
        "--requests-per-day",
        "10",
        "--input-tokens",
        "100",
        "--output-tokens",
        "10",
        *AS_OF,
    ],
    "workloads": ["estimate", "--workloads", str(DATA / "workloads" / "small.yaml"), *AS_OF, "-f", "json"],
    "history": ["history", "--all", "--since", "2024-01-01", "-f", "csv"],
    "count": ["count", "-m", "alpha-lite", "-m", "beta-4o", str(DATA / "workloads"), "-f", "json"],
    "validate": ["prices", "validate", str(BOOK)],
}


def _in_a_process(args: list[str], seed: str, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCOST_")}
    env.update(
        PYTHONHASHSEED=seed,
        LLMCOST_BOOK=str(BOOK),
        NO_COLOR="1",
        LLMCOST_CACHE_DIR=str(tmp_path / f"cache-{seed}"),
        LLMCOST_DATA_DIR=str(tmp_path / f"data-{seed}"),
    )
    return subprocess.run([sys.executable, "-m", "llmcost", *args], env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("name", list(SEEDED))
def test_byte_identical_across_processes_with_different_hash_seeds(name, tmp_path):
    """Break checked: `sorted({...})` -> `list({...})` for the price dates of the check report
    (render/check.py) -> their order changes with PYTHONHASHSEED and check-markdown fails here, while
    tests/test_cli_check.py's same-process test passes (one process cannot see it: its seed is fixed)."""
    args = SEEDED[name]
    first, second = _in_a_process(args, "1", tmp_path), _in_a_process(args, "2", tmp_path)
    assert first.returncode == second.returncode and first.returncode in (0, 1), first.stderr
    assert first.stdout, first.stderr
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr


# -- permission denied, also when the tests run as root -----------------------------------------

SETPRIV = shutil.which("setpriv")
WITHOUT_DAC = ["--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-dac_override,-dac_read_search"]


def _as_a_user(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """llmcost in a process that may not read what its mode bits forbid: as root, without the
    capabilities that let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCOST_")}
    env.update(LLMCOST_BOOK=str(BOOK), LLMCOST_CACHE_DIR=str(tmp_path / "cache"), LLMCOST_DATA_DIR=str(tmp_path / "d"))
    prefix = [SETPRIV, *WITHOUT_DAC] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "llmcost", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0 and SETPRIV is None, reason="root without setpriv")
@pytest.mark.parametrize(
    "args",
    [
        ["estimate", "--workloads", "{path}", "--as-of", "2024-06-01"],
        ["check", "{path}", "--budget", "10", "--as-of", "2024-06-01"],
        ["count", "-m", "alpha-lite", "{path}"],
        [
            "estimate",
            "-m",
            "alpha-lite",
            "--requests-per-month",
            "1",
            "--output-tokens",
            "1",
            "--prompt-file",
            "{path}",
        ],
    ],
    ids=["estimate", "check", "count", "prompt-file"],
)
def test_an_unreadable_file_is_permission_denied_even_for_root(args, tmp_path):
    """Break checked: the PermissionError branch of the file readers removed -> 'cannot read: …' or an
    internal error instead of this line; as root without setpriv the file is read and this fails too."""
    path = tmp_path / "w.csv"
    path.write_text(
        "name,model,requests_per_month,input_tokens,output_tokens\nbot,alpha-lite,100,10,10\n", encoding="utf-8"
    )
    os.chmod(path, 0)
    r = _as_a_user([a.replace("{path}", str(path)) for a in args], tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"llmcost: error: {path}: permission denied\n"


@pytest.mark.parametrize(
    "make, message",
    [
        ("folder", "{path}: is a folder, not a workload file"),
        ("under-a-file", "{path}: cannot read: Not a directory"),
    ],
)
def test_a_path_that_cannot_be_opened_is_one_line_and_exit_2(make, message, tmp_path):
    """Paths no user, root included, can open as a file: a folder, and a path under a file."""
    if make == "folder":
        path = tmp_path / "w.csv"
        path.mkdir()
    else:
        (tmp_path / "file").write_text("x", encoding="utf-8")
        path = tmp_path / "file" / "w.csv"
    r = run("estimate", "--workloads", str(path), "--as-of", "2024-06-01")
    assert (r.code, r.out) == (2, "")
    assert r.err == f"llmcost: error: {message.format(path=path)}\n"


# -- the wheel carries the price book ------------------------------------------------------------


def _offline_builder() -> str | None:
    """An interpreter that can build the wheel without the network: pip and setuptools>=68 (the build
    requirement) installed.  This one, or the one its virtual environment was made from."""
    probe = "import setuptools, sys; sys.exit(int(setuptools.__version__.split('.')[0]) < 68)"
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, str(base)):
        if Path(python).exists() and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0:
            return python
    return None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of this source tree, as `pip wheel .` builds it for a release."""
    python = _offline_builder()
    if python is None:  # pragma: no cover - the test extra installs setuptools>=68
        pytest.skip("building a wheel offline needs setuptools>=68 (pip install '.[test]')")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src-tree"
    source.mkdir()
    for item in ("pyproject.toml", "README.md", "src", "prices"):
        copy = shutil.copytree if (ROOT / item).is_dir() else shutil.copy2
        copy(
            ROOT / item,
            source / item,
            **({"ignore": shutil.ignore_patterns("__pycache__", "*.egg-info")} if (ROOT / item).is_dir() else {}),
        )
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = (work / "dist").glob("llmcost-*.whl")
    return built


def test_the_wheel_carries_every_price_file_byte_for_byte(wheel):
    """Break checked: `"llmcost.price_files" = ["*.yaml"]` dropped from package-data in pyproject.toml
    -> the wheel has no price file and this fails (an editable install would not notice)."""
    repo = {p.name: p.read_bytes() for p in (ROOT / "prices").glob("*.yaml")}
    assert len(repo) > 10
    with zipfile.ZipFile(wheel) as packed:
        shipped = {
            Path(n).name: packed.read(n)
            for n in packed.namelist()
            if n.startswith("llmcost/price_files/") and n.endswith(".yaml")
        }
    assert sorted(shipped) == sorted(repo)
    for name, data in repo.items():
        assert shipped[name] == data, name


def test_the_unpacked_wheel_prices_with_its_own_book(wheel, tmp_path):
    """Installed from the wheel alone (no source tree, no LLMCOST_BOOK), llmcost finds its book."""
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as packed:
        packed.extractall(target)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCOST_")}
    env.update(PYTHONPATH=str(target), LLMCOST_CACHE_DIR=str(tmp_path / "cache"), LLMCOST_DATA_DIR=str(tmp_path / "d"))
    code = "import llmcost, llmcost.resources as r; print(llmcost.__file__); print(r.shipped_prices_dir())"
    where = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.splitlines()
    assert all(line.startswith(str(target)) for line in where), where
    r = subprocess.run(
        [sys.executable, "-m", "llmcost", "prices", "validate"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr


# -- a retired model is priced up to the day before its retirement, never on or after it --------

BOOK_V2 = DATA / "book_v2"


@pytest.mark.parametrize(
    "as_of, code, out, err",
    [
        ("2025-12-31", 0, "1.00", ""),  # 500,000 × 1 token × ¥1/M = ¥0.50 in, and ¥0.50 out
        ("2026-01-01", 2, "", "llmcost: error: gamma-old was retired on 2026-01-01, before 2026-01-01\n"),
        ("2027-06-01", 2, "", "llmcost: error: gamma-old was retired on 2026-01-01, before 2027-06-01\n"),
    ],
)
def test_a_retired_model_is_priced_until_the_day_it_retires(monkeypatch, as_of, code, out, err):
    """Break checked: the retirement check of Model.price_at removed -> the model is priced on
    2026-01-01 and after, and this fails; `>=` made `>` -> priced on the retirement day, and this fails."""
    monkeypatch.setenv("LLMCOST_BOOK", str(BOOK_V2))
    r = run(
        "estimate",
        "-m",
        "gamma-old",
        "--requests-per-month",
        "500000",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--as-of",
        as_of,
        "-f",
        "json",
    )
    assert (r.code, r.err) == (code, err)
    if code == 0:
        assert json.loads(r.out)["total"] == out
    else:
        assert r.out == ""
