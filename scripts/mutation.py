"""Mutation testing of the modules that decide money, with mutmut 3 (see docs/testing.md).

    python scripts/mutation.py money calculator      # one or more modules of MODULES, one after the other
    python scripts/mutation.py --all                 # every module of MODULES
    python scripts/mutation.py --check               # CI: money and calculator, fails under 90% killed

Each module is run in its own scratch copy of the project (``.mutation/<module>/``, git-ignored), with
``[tool.mutmut]`` of pyproject.toml narrowed to that module and the test files that exercise it, so that
mutmut's coverage run and each mutant's tests stay small.  mutmut runs under ``nice -n 10`` with one child
(the machine is shared).  The score is killed / (mutants - skipped); a mutant that times out counts as
killed, as mutmut counts it.  Exit status: 0 if every module reaches ``--min`` (default 90), else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: module → (the source files mutated, the test files that decide whether a mutant survives).
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "money": (["src/llmcost/money.py"], ["tests/test_money.py"]),
    "calculator": (["src/llmcost/calculator.py"], ["tests/test_calculator.py", "tests/test_calculator_v2.py"]),
    "book": (
        ["src/llmcost/book/model.py"],
        [
            "tests/test_book_model.py",
            "tests/test_calculator.py",
            "tests/test_calculator_v2.py",
            "tests/test_price_format_v2.py",
            "tests/test_cli_estimate.py",
            "tests/test_bad_input.py",
        ],
    ),
    "budget": (
        ["src/llmcost/budget.py"],
        ["tests/test_budget_limits.py", "tests/test_budget.py", "tests/test_cli_check.py", "tests/test_bad_input.py"],
    ),
    "pipeline": (["src/llmcost/pipeline.py"], ["tests/test_fast_paths.py"]),
    "fastrow": (["src/llmcost/fastrow.py"], ["tests/test_fast_paths.py", "tests/test_workloads.py"]),
    "usage_pricing": (["src/llmcost/usage/pricing.py"], ["tests/test_usage.py", "tests/test_bad_input_usage.py"]),
    "update": (["src/llmcost/book/update.py"], ["tests/test_book_update.py"]),
}
CHECK = ("money", "calculator")
#: Fewer hypothesis examples per mutant: each mutant runs the tests that cover it, and most die on the first.
ENV = {"LLMCOST_PROPERTY_EXAMPLES": "40"}
COPIED = ("src", "tests", "prices", "pyproject.toml", "README.md", "docs", "examples")


def _narrowed_pyproject(text: str, mutate: list[str], tests: list[str]) -> str:
    """pyproject.toml with its [tool.mutmut] table replaced by one for this module."""
    table = (
        "[tool.mutmut]\n"
        'source_paths = ["src/"]\n'
        f"only_mutate = {json.dumps(mutate)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]\n'
    )
    rest = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
    return rest.rstrip("\n") + "\n\n" + table


def _prepare(name: str, fresh: bool) -> Path:
    work = ROOT / ".mutation" / name
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for item in COPIED:
        source, target = ROOT / item, work / item
        if source.is_dir():
            shutil.copytree(
                source,
                target,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", "*.egg-info"),
            )
        else:
            shutil.copy2(source, target)
    mutate, tests = MODULES[name]
    tests = [t for t in tests if (ROOT / t).exists()]
    pyproject = work / "pyproject.toml"
    pyproject.write_text(
        _narrowed_pyproject((ROOT / "pyproject.toml").read_text(encoding="utf-8"), mutate, tests), encoding="utf-8"
    )
    return work


def run(name: str, fresh: bool) -> dict[str, int]:
    work = _prepare(name, fresh)
    mutmut = [sys.executable, "-c", "import sys; from mutmut.__main__ import cli; sys.exit(cli())"]
    env = {**os.environ, **ENV}
    ran = subprocess.run(
        ["nice", "-n", "10", *mutmut, "run", "--max-children", "1"],
        cwd=work,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    (work / "mutmut-run.log").write_text(ran.stdout + ran.stderr, encoding="utf-8")
    subprocess.run([*mutmut, "export-cicd-stats"], cwd=work, env=env, check=False, capture_output=True)
    found = work / "mutants" / "mutmut-cicd-stats.json"
    if not found.exists():  # mutmut stopped before testing a mutant (a failing clean run, say)
        sys.exit(f"{name}: mutmut gave no results; the end of its output:\n" + (ran.stdout + ran.stderr)[-3000:])
    stats: dict[str, int] = json.loads(found.read_text(encoding="utf-8"))
    survivors = subprocess.run([*mutmut, "results"], cwd=work, env=env, capture_output=True, text=True).stdout
    (work / "survivors.txt").write_text(survivors, encoding="utf-8")
    return stats


def score(stats: dict[str, int]) -> float:
    tested = stats["total"] - stats["skipped"]
    return 100.0 * (stats["killed"] + stats["timeout"]) / tested if tested else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", choices=[[], *MODULES], metavar="MODULE")
    parser.add_argument("--all", action="store_true", help="every module")
    parser.add_argument("--check", action="store_true", help="CI: " + " and ".join(CHECK) + ", from scratch")
    parser.add_argument("--min", type=float, default=90.0, help="the lowest passing score, in percent")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results (--check always does)")
    args = parser.parse_args(argv)
    names = list(CHECK) if args.check else list(MODULES) if args.all else args.modules
    if not names:
        parser.error("name a module, or give --all or --check")
    failed = False
    for name in names:
        start = time.monotonic()
        stats = run(name, args.fresh or args.check)
        value = score(stats)
        failed |= value < args.min
        print(
            f"{name}: {value:.1f}% killed ({stats['killed'] + stats['timeout']} of "
            f"{stats['total'] - stats['skipped']}; survived {stats['survived']}, no tests {stats['no_tests']}, "
            f"suspicious {stats['suspicious']}) in {time.monotonic() - start:.0f} s; "
            f"survivors: .mutation/{name}/survivors.txt",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
