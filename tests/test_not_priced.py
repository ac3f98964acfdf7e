"""'Not priced' means one thing in every command, and the reason never repeats the model's name
(issue 12): alpha-lite's context window is 32,768 tokens; alpha-pro's first price is from 2024-05-15."""

from __future__ import annotations

import json

import pytest

ARGS = [
    "-m",
    "alpha-lite",
    "-m",
    "beta-4o",
    "-m",
    "alpha-pro",
    "--requests-per-month",
    "1",
    "--input-tokens",
    "40000",
    "--output-tokens",
    "10",
    "--as-of",
    "2024-05-14",
]
NOT_PRICED = [
    "Not priced: alpha-lite: cannot serve 40000 input tokens per request (context window 32768)",
    "Not priced: alpha-pro: has no price on or before 2024-05-14 (its first price is from 2024-05-15)",
]
REASONS = [
    {"model": "alpha-lite", "reason": "cannot serve 40000 input tokens per request (context window 32768)"},
    {"model": "alpha-pro", "reason": "has no price on or before 2024-05-14 (its first price is from 2024-05-15)"},
]


@pytest.mark.parametrize("command, key", [("estimate", "skipped"), ("compare", "cannot_serve")])
def test_the_same_words_in_estimate_and_compare(cli, command, key):
    r = cli(command, *ARGS)
    assert r.code == 0
    lines = r.out.splitlines()
    assert [line for line in lines if line.startswith(("Not priced", "Cannot serve"))] == NOT_PRICED
    assert json.loads(cli(command, *ARGS, "-f", "json").out)[key] == REASONS


def test_models_gives_the_reason_on_the_row_without_the_name(cli):
    report = json.loads(cli("models", "alpha-pro", "--as-of", "2024-05-14", "-f", "json").out)
    assert [(m["id"], m["status"]) for m in report["models"]] == [
        ("alpha-pro", "has no price on or before 2024-05-14 (its first price is from 2024-05-15)")
    ]


def test_an_error_names_the_model(cli):
    r = cli(
        "estimate",
        "-m",
        "alpha-pro",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--as-of",
        "2024-05-14",
    )
    assert (r.code, r.err) == (
        2,
        "llmcost: error: alpha-pro has no price on or before 2024-05-14 (its first price is from 2024-05-15)\n",
    )
    r = cli("compare", *ARGS[:2], *ARGS[6:])
    assert (r.code, r.err) == (
        2,
        "llmcost: error: no model could price this workload: alpha-lite cannot serve 40000 "
        "input tokens per request (context window 32768)\n",
    )
