"""One way to do a thing, and help like gh's: the command list, examples, -V, numbers as people write
them, the model filter, a workload file given positionally, history -m."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from llmcost import __version__

ONE = ["--input-tokens", "1500", "--output-tokens", "400", "--as-of", "2024-06-01"]


def test_dash_v_prints_the_version(cli):
    assert cli("-V").out == f"llmcost {__version__}\n"


@pytest.mark.parametrize(
    ("group", "first"), [((), ["estimate", "compare", "check", "count"]), (("prices",), ["status", "update"])]
)
def test_the_command_list_is_in_a_sensible_order_with_whole_sentences(cli, group, first):
    out = cli(*group, "--help", env={"COLUMNS": "200"}).out
    listed = out.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.startswith("  ")]
    assert names[: len(first)] == first
    for line in listed:
        if line.startswith("  "):
            assert line.rstrip().endswith("."), line  # a whole sentence, not cut at 45 characters
            assert not line.rstrip().endswith("..."), line


@pytest.mark.parametrize("command", ["estimate", "compare", "check", "count", "models", "history"])
def test_every_report_command_ends_its_help_with_real_examples(cli, command):
    out = cli(command, "--help").out
    shown = out.split("Examples:\n", 1)[1].split("\n\n", 1)[0]
    assert all(len(line) <= 80 for line in shown.splitlines()), shown  # a long one goes on with a \\
    examples = shown.replace("\\\n", "").splitlines()
    assert 2 <= len(examples) <= 3 and all(line.strip().startswith(("llmcost ", "echo ")) for line in examples)


@pytest.mark.parametrize(
    ("text", "requests"),
    [("2000", 60000), ("2,000", 60000), ("2k", 60000), ("2K", 60000), ("0.002M", 60000), ("1.5k", 45000)],
)
def test_counts_as_people_write_them(cli, text, requests):
    r = cli("estimate", "-m", "alpha-lite", "--requests-per-day", text, *ONE, "-f", "json")
    assert json.loads(r.out)["lines"][0]["requests_per_month"] == requests


def test_a_token_count_with_a_suffix_is_exact(cli):
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "2.5k",
        "--output-tokens",
        "0.0001M",
        "--as-of",
        "2024-06-01",
        "-f",
        "json",
    )
    line = json.loads(r.out)["lines"][0]
    assert (line["input_tokens"], line["output_tokens"]) == (2500, 100)


@pytest.mark.parametrize("text", ["2x", "1.5q"])
def test_a_bad_suffix_is_an_error(cli, text):
    r = cli("estimate", "-m", "alpha-lite", "--requests-per-day", text, *ONE)
    assert (r.code, r.err) == (
        2,
        f"llmcost: error: --requests-per-day: {text!r} is not a count (write 1500, 1,500, 1.5k or 2.5M)\n",
    )


@pytest.mark.parametrize("text", ["k", "1.5kk", "10 kb", "abc"])
def test_a_word_is_not_a_number(cli, text):
    r = cli("estimate", "-m", "alpha-lite", "--requests-per-day", text, *ONE)
    assert r.code == 2 and r.err.startswith("llmcost: error: --requests-per-day: ")


def test_models_filter_by_text_and_provider(cli):
    ids = lambda r: [m["id"] for m in json.loads(r.out)["models"]]  # noqa: E731
    assert ids(cli("models", "tiered", "-f", "json")) == ["alpha-tiered"]
    assert ids(cli("models", "b4o", "-f", "json")) == ["beta-4o"]  # an alias
    assert ids(cli("models", "--provider", "beta", "-f", "json")) == ["beta-4o"]
    r = cli("models", "nothing-like-it")
    assert r.code == 2 and "no model matches 'nothing-like-it'" in r.err


def test_models_table_has_per_1m_prices_with_currency_and_context(cli):
    out = cli("models", "--as-of", "2025-06-01").out
    row = next(line for line in out.splitlines() if line.startswith("alpha") and "alpha-lite" in line)
    assert "¥0.3" in row and "¥0.6" in row and "32K" in row
    assert "阿尔法-lite, lite" in row  # aliases whole


def test_a_workload_file_is_accepted_positionally(cli):
    path = str(DATA / "workloads" / "small.yaml")
    for command in ("estimate", "compare"):
        positional = cli(command, path, "--as-of", "2025-06-01", "-f", "json")
        option = cli(command, "--workloads", path, "--as-of", "2025-06-01", "-f", "json")
        assert positional.code == 0 and positional.out == option.out
    r = cli("estimate", path, "--workloads", str(DATA / "workloads" / "small.csv"))
    assert r.code == 2 and "give the workload file once" in r.err


def test_history_takes_dash_m_like_every_other_command(cli):
    assert cli("history", "-m", "alpha-lite", "-f", "json").out == cli("history", "alpha-lite", "-f", "json").out


def test_several_models_have_no_grand_total_but_a_workload_file_does(cli):
    models = cli("estimate", "-m", "alpha-lite", "-m", "alpha-pro", "--requests-per-day", "2000", *ONE)
    first_cells = [line.split()[0] for line in models.out.splitlines() if line.strip()]
    assert models.code == 0 and {"alpha-lite", "alpha-pro"} <= set(first_cells)  # rows, not an empty output
    assert "Total" not in first_cells
    assert (
        json.loads(
            cli("estimate", "-m", "alpha-lite", "-m", "alpha-pro", "--requests-per-day", "2000", *ONE, "-f", "json").out
        )["lines_are"]
        == "models"
    )
    markdown = cli(
        "estimate", "-m", "alpha-lite", "-m", "alpha-pro", "--requests-per-day", "2000", *ONE, "-f", "markdown"
    ).out
    assert "**Total**" not in markdown
    workloads = cli("estimate", str(DATA / "workloads" / "small.yaml"), "--as-of", "2025-06-01")
    assert any(line.startswith("Total ") for line in workloads.out.splitlines())


@pytest.mark.parametrize(
    "command",
    [
        (),
        *[(c,) for c in ("estimate", "compare", "check", "count", "usage", "models", "history", "init", "prices")],
        *[("prices", c) for c in ("status", "update", "validate", "diff", "pack", "reset")],
    ],
)
def test_every_help_fits_80_columns(cli, command):
    out = cli(*command, "--help", env={"COLUMNS": "80"}).out
    assert [line for line in out.splitlines() if len(line) > 80 or line != line.rstrip()] == []
