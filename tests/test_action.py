"""The drop-in CI files run as written: action.yml's steps and the pre-commit hook's entry.

The composite action's `llmcost check` step is taken from action.yml, its `${{ inputs.* }}`
expressions replaced by example inputs (or the inputs' defaults), and run with bash the way a
GitHub runner runs `shell: bash` (`bash --noprofile --norc -eo pipefail`), with GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and RUNNER_TEMP pointing into a scratch folder. `llmcost` is the console script
installed next to this Python; prices come from the test book (LLMCOST_BOOK). No network: the
install step runs against a stand-in `python` that records what it would pip install.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from conftest import BOOK, DATA

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CSV = str(DATA / "check_workloads.csv")  # ¥301.40 in all on 2024-06-01; support-bot ¥41.40 of its ¥50
RAISED = str(DATA / "check_workloads_raised.csv")  # support-bot ¥62.10, over its ¥50
BAD = str(DATA / "check_workloads_bad.csv")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLMCOST_", "GITHUB_", "INPUT_"))}
    env.update(
        LLMCOST_BOOK=str(BOOK),
        NO_COLOR="1",
        LLMCOST_NO_CACHE="1",  # never ~/.cache in tests
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
    )
    env.update(extra)
    return env


def _step(step_id: str | None = None, name: str | None = None) -> dict:
    steps = ACTION["runs"]["steps"]
    return next(s for s in steps if (step_id and s.get("id") == step_id) or (name and s.get("name") == name))


def _substitute(text: str, inputs: dict[str, str]) -> str:
    """What the runner does to `${{ … }}` before the step runs (only the expressions the action may use)."""

    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs.") :]]
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"action.yml uses an expression this test does not know: {expr}")

    return EXPRESSION.sub(one, text)


def _inputs(**given: str) -> dict[str, str]:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    for name, value in given.items():
        name = name.replace("_", "-")
        assert name in ACTION["inputs"], f"action.yml has no input {name}"
        values[name] = value
    missing = [
        n
        for n, spec in ACTION["inputs"].items()
        if spec.get("required") and n not in {k.replace("_", "-") for k in given}
    ]
    assert not missing, f"required inputs not given: {missing}"
    return values


@dataclass
class Run:
    code: int
    out: str
    err: str
    summary: str
    outputs: dict[str, str]


def run_step(tmp_path: Path, step: dict, env_extra: dict[str, str] | None = None, **given: str) -> Run:
    inputs = _inputs(**given)
    script = step["run"]
    assert "${{" not in script, "inputs reach the script through env:, never pasted into it (script injection)"
    assert step["shell"] == "bash"
    env = _env(
        GITHUB_OUTPUT=str(tmp_path / "output"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        RUNNER_TEMP=str(tmp_path),
        **(env_extra or {}),
    )
    env.update({key: _substitute(str(value), inputs) for key, value in step.get("env", {}).items()})
    (tmp_path / "step.sh").write_text(script, encoding="utf-8")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(tmp_path / "step.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8") if (tmp_path / "summary.md").exists() else ""
    outputs = {}
    if (tmp_path / "output").exists():
        outputs = dict(line.split("=", 1) for line in (tmp_path / "output").read_text(encoding="utf-8").splitlines())
    return Run(result.returncode, result.stdout, result.stderr, summary, outputs)


def check(tmp_path: Path, **given: str) -> Run:
    return run_step(tmp_path, _step("check"), **given)


# -- the action's shape -------------------------------------------------------------------


def test_action_is_a_composite_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {
        "workloads",
        "budget",
        "currency",
        "baseline",
        "max-increase",
        "max-increase-per-workload",
        "as-of",
        "format",
        "version",
    } <= set(ACTION["inputs"])
    assert ACTION["inputs"]["workloads"]["required"] is True
    setup = ACTION["runs"]["steps"][0]
    assert setup["uses"].startswith("actions/setup-python@")
    # every input is used by some step, and every input a step uses exists
    used = set()
    for step in ACTION["runs"]["steps"]:
        for text in [*map(str, step.get("env", {}).values()), *map(str, step.get("with", {}).values())]:
            used |= {m[len("inputs.") :] for m in EXPRESSION.findall(text) if m.startswith("inputs.")}
    assert used == set(ACTION["inputs"])
    outputs = {name: spec["value"] for name, spec in ACTION["outputs"].items()}
    assert outputs == {
        "exit-code": "${{ steps.check.outputs.exit-code }}",
        "summary": "${{ steps.check.outputs.summary }}",
    }


@pytest.mark.parametrize(
    "version, requirement",
    [
        ("", str(ROOT)),  # the action's own checkout: `uses: owner/llmcost@v1` installs that very tag
        ("0.1.0", "llmcost==0.1.0"),
        ("git+https://example.com/llmcost.git@main", "git+https://example.com/llmcost.git@main"),
        ("./vendor/llmcost", "./vendor/llmcost"),
    ],
)
def test_install_step_installs_the_actions_own_copy_or_the_given_version(tmp_path, version, requirement):
    shims = tmp_path / "shims"
    shims.mkdir()
    record = tmp_path / "pip-args"
    (shims / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    (shims / "python").chmod(0o755)
    step = _step(name="Install llmcost")
    env_path = str(shims) + os.pathsep + os.environ.get("PATH", "")
    r = run_step(tmp_path, step, env_extra={"PATH": env_path}, workloads=CSV, version=version)
    assert r.code == 0, r.err
    args = record.read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["-m", "pip", "install"] and args[-1] == requirement


# -- the check step -------------------------------------------------------------------------


def test_passing_budget_exits_0_and_writes_the_step_summary(tmp_path):
    r = check(tmp_path, workloads=CSV, budget="1000", as_of="2024-06-01")
    assert r.code == 0, r.err
    assert r.summary.startswith("### ✅ llmcost: monthly LLM cost check passed\n")
    assert "| **Total** |  | **¥301.40** | ¥1,000.00 | ¥698.60 | 30.1% | ✅ ok |" in r.summary
    assert r.out == r.summary  # format markdown (the default): the same report in the log
    verdict = (
        "llmcost: check passed: total ¥301.40 is within the ¥1,000.00 budget (30.1%); "
        "2 workloads, 1 with a budget, within it"
    )
    assert r.err == verdict + "\n"
    assert r.outputs == {"exit-code": "0", "summary": verdict}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("llmcost-check")] == []  # cleaned up


def test_failing_budget_exits_1(tmp_path):
    r = check(tmp_path, workloads=CSV, budget="300", as_of="2024-06-01")
    assert r.code == 1
    assert r.summary.startswith("### ❌ llmcost: monthly LLM cost check failed\n")
    assert (
        "- ❌ the total is over budget: ¥301.40 of ¥300.00 (100.5%), ¥1.40 over; "
        "largest: summariser ¥260.00, support-bot ¥41.40"
    ) in r.summary.splitlines()
    assert r.outputs["exit-code"] == "1"
    assert r.outputs["summary"].startswith("llmcost: check failed: ")


def test_baseline_and_max_increase_through_the_action(tmp_path):
    (tmp_path / "a").mkdir()
    first = run_step(
        tmp_path / "a",
        _step("check"),
        workloads=CSV,
        budget="1000",
        as_of="2024-06-01",
        json_report=str(tmp_path / "baseline.json"),
    )
    assert first.code == 0
    baseline = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert (baseline["total"], baseline["verdict"], baseline["as_of"]) == ("301.40", "pass", "2024-06-01")
    (tmp_path / "b").mkdir()
    # support-bot 41.40 → 62.10 (+50%): over the 20% per workload (and over its own ¥50 budget)
    r = run_step(
        tmp_path / "b",
        _step("check"),
        workloads=RAISED,
        baseline=str(tmp_path / "baseline.json"),
        max_increase="10%",
        max_increase_per_workload="20%",
        as_of="2024-06-01",
    )
    assert r.code == 1
    assert "- Changed: support-bot ¥41.40 → ¥62.10, +¥20.70 (+50.0%)" in r.summary.splitlines()
    assert (
        "- ❌ support-bot is up ¥20.70 (50.0%) since the baseline, more than the 20% allowed per workload"
        in r.summary.splitlines()
    )
    # the total rose 6.9%: within --max-increase 10% on a file with no budget exceeded passes
    (tmp_path / "c").mkdir()
    ok = run_step(
        tmp_path / "c",
        _step("check"),
        workloads=CSV,
        baseline=str(tmp_path / "baseline.json"),
        max_increase="500",
        as_of="2024-06-01",
    )
    assert ok.code == 0, ok.err


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_format_input_sets_the_log_report_and_the_summary_stays_markdown(tmp_path, fmt):
    r = check(tmp_path, workloads=CSV, budget="300", as_of="2024-06-01", format=fmt)
    assert r.code == 1
    assert r.summary.startswith("### ❌")
    if fmt == "json":
        assert json.loads(r.out)["verdict"] == "fail"
    else:
        assert "check failed: total ¥301.40 is over the ¥300.00 budget (100.5%)" in r.out and "###" not in r.out
    assert r.err.count("\n") == 1  # one verdict line, not one per run


def test_as_of_defaults_to_today_in_utc_for_every_run(tmp_path):
    r = check(tmp_path, workloads=CSV, budget="1000000", json_report=str(tmp_path / "r.json"))
    assert r.code == 0, r.err
    today = datetime.now(timezone.utc).date().isoformat()
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["as_of"] == today
    assert f"- Prices as of {today}." in r.summary


def test_bad_workload_file_exits_2_with_the_error_in_the_summary(tmp_path):
    r = check(tmp_path, workloads=BAD, budget="1000", as_of="2024-06-01")
    assert r.code == 2
    error = f"llmcost: error: {BAD}, line 2, column 'output_tokens': 'lots' is not a number"
    assert (r.out, r.err) == ("", error + "\n")
    assert r.summary == f"### ⚠️ llmcost: monthly LLM cost check could not run\n\n```\n{error}\n```\n"
    assert r.outputs == {"exit-code": "2", "summary": error}


@pytest.mark.parametrize(
    "given, message",
    [
        ({"format": "csv"}, "llmcost: error: the action's format input must be markdown, table or json, not 'csv'"),
        ({"json_report": "/nonexistent/dir/r.json"}, "llmcost: error: cannot write the json-report file"),
        ({"budget": "lots"}, "llmcost: error: --budget: 'lots' is not a number"),
        ({"budget": ""}, "llmcost: error: nothing to check"),
    ],
)
def test_bad_inputs_exit_2(tmp_path, given, message):
    plain = tmp_path / "w.csv"  # no budget column
    plain.write_text(
        "name,model,requests_per_month,input_tokens,output_tokens\nbot,alpha-lite,100,10,10\n", encoding="utf-8"
    )
    r = check(tmp_path, **{"workloads": str(plain), "budget": "1000", "as_of": "2024-06-01", **given})
    assert r.code == 2
    assert r.out == ""
    assert message in r.err.splitlines()[-1]


# -- pre-commit --------------------------------------------------------------------------------


def _hook() -> dict:
    [hook] = [h for h in HOOKS if h["id"] == "llmcost-check"]
    return hook


def test_hook_shape():
    hook = _hook()
    assert (hook["language"], hook["entry"]) == ("python", "llmcost check")
    files = re.compile(hook["files"])
    for path in (
        "llmcost.yaml",
        "llmcost.yml",
        "workloads.csv",
        "config/workloads.yaml",
        "examples/workloads.yaml",
        "ci/llmcost-prod.yaml",
    ):
        assert files.search(path), path
    for path in ("src/app.py", "prices/qwen.yaml", "docs/workloads.md"):
        assert not files.search(path), path


@pytest.mark.parametrize(
    "args, code",
    [
        ([CSV, "--budget", "1000", "--as-of", "2024-06-01"], 0),
        ([CSV, "--budget", "300", "--as-of", "2024-06-01"], 1),
        ([RAISED, "--as-of", "2024-06-01"], 1),  # the file's own budget
        ([BAD, "--budget", "1000", "--as-of", "2024-06-01"], 2),
        ([], 2),  # no file named in args: a usage error, not a pass
    ],
)
def test_hook_entry_runs_as_pre_commit_runs_it(tmp_path, args, code):
    """pre-commit runs `entry` + `args` (+ the matching file names when pass_filenames is true)."""
    hook = _hook()
    command = shlex.split(hook["entry"]) + args
    if hook.get("pass_filenames", True):
        command.append(CSV)
    result = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
