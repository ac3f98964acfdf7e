"""Every option that `estimate` and `compare` share gives the same line for the same model.

The shared options are read from the Typer commands themselves: a new option given to both
commands fails ``test_every_shared_option_has_a_case`` until it gets a case below, so no flag can
be dropped on the way into one of the two commands unnoticed (issue 11: `compare --output-sample`
priced the output as zero tokens).
"""

from __future__ import annotations

import json

import pytest
import typer

from llmcost.cli import app

BASE = {"--requests-per-day": "100", "--input-tokens": "1000", "--output-tokens": "200"}
MODELS = ("alpha-pro", "alpha-tiered", "beta-4o")  # cache/batch/quota prices, tiers, USD with o200k
SAMPLE = "一个典型的回答：价格是 ¥3.50，共 12 项。A typical answer, with punctuation!!! 😀"
USER_PRICES = """\
schema_version: 1
provider: alpha
models:
  - id: alpha-pro
    name: Alpha Pro (mine)
    currency: CNY
    context_window: 131072
    tokenizer: alpha-estimate
    prices:
      - {effective: "2024-01-01", unit: 1M, input: "3", output: "7", source: "https://example.com/mine"}
"""


def _options(name: str) -> dict[str, object]:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    return {p.name: p for p in command.params if p.param_type_name == "option"}


def _shared() -> set[str]:
    return set(_options("estimate")) & set(_options("compare"))


def _files(tmp_path):
    (tmp_path / "prompt.txt").write_text("请把这段话翻译成英文：今天天气很好。", encoding="utf-8")
    (tmp_path / "prompt-gbk.txt").write_bytes("请把这段话翻译成英文：今天天气很好。".encode("gbk"))
    (tmp_path / "answer.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "prices.yaml").write_text(USER_PRICES, encoding="utf-8")
    (tmp_path / "w.yaml").write_text(
        "version: 1\nworkloads:\n  - {model: MODEL, requests_per_month: 3000, input_tokens: 900,"
        " output_tokens: 300, cached_ratio: 0.25}\n",
        encoding="utf-8",
    )
    (tmp_path / "w.txt").write_text((tmp_path / "w.yaml").read_text(encoding="utf-8"), encoding="utf-8")


#: option name → (flags replacing some of BASE, flags added); {p} is the test's tmp folder.
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "model": ((), ()),  # every case gives -m MODEL
    "provider": ((), ("--provider", "{provider}")),
    "workloads": (tuple(BASE), ("--workloads", "{p}/w.yaml")),
    "input_format": (tuple(BASE), ("--workloads", "{p}/w.txt", "--input-format", "yaml")),
    "requests_per_day": ((), ()),  # in BASE
    "requests_per_month": (("--requests-per-day",), ("--requests-per-month", "4321")),
    "days": ((), ("--days", "7")),
    "input_tokens": ((), ()),  # in BASE
    "output_tokens": ((), ()),  # in BASE
    "cached_ratio": ((), ("--cached-ratio", "0.5")),
    "batch_ratio": ((), ("--batch-ratio", "0.25")),
    "cache_write_ratio": ((), ("--cache-write-ratio", "0.25")),
    "thinking_ratio": ((), ("--thinking-ratio", "0.5")),
    "off_peak_ratio": ((), ("--off-peak-ratio", "0.5")),
    "region": ((), ("--region", "intl")),
    "prompt": (("--input-tokens",), ("--prompt", SAMPLE)),
    "prompt_file": (("--input-tokens",), ("--prompt-file", "{p}/prompt.txt")),
    "encoding": (("--input-tokens",), ("--prompt-file", "{p}/prompt-gbk.txt", "--encoding", "gbk")),
    "output_sample": (("--output-tokens",), ("--output-sample", "{p}/answer.txt")),
    "currency": ((), ("--currency", "USD")),
    "rate": ((), ("--rate", "6.5", "--currency", "USD")),
    "as_of": ((), ("--as-of", "2025-02-01")),
    "discount": ((), ("--discount", "{provider}=15%")),
    "free_quota": ((), ("--free-quota",)),
    "prices": ((), ("--prices", "{p}/prices.yaml")),
    "fmt": ((), ()),  # both commands are read as -f json
    "wide": ((), ("--wide",)),  # the table's columns only: the JSON line is the same
    "verbose": ((), ("--verbose",)),  # what the table lists under it: the JSON line is the same
}
#: An output sample given as text (not a file) too.
EXTRA = {"output_sample text": (("--output-tokens",), ("--output-sample", SAMPLE))}


def test_every_shared_option_has_a_case():
    shared = _shared()
    assert {"output_sample", "prompt", "discount", "free_quota"} <= shared  # the reading of the commands works
    assert shared - set(CASES) == set(), "a new option shared by estimate and compare needs a case in CASES"
    assert set(CASES) - shared == set(), "CASES names an option the two commands no longer share"


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("case", sorted(CASES) + sorted(EXTRA))
def test_estimate_and_compare_give_the_same_line(cli, tmp_path, case, model):
    _files(tmp_path)
    replaced, added = {**CASES, **EXTRA}[case]
    provider = model.split("-")[0]
    args = [a for k, v in BASE.items() if k not in replaced for a in (k, v)]
    args += [a.format(p=tmp_path, provider=provider) for a in added]
    for name in ("w.yaml", "w.txt"):
        path = tmp_path / name
        path.write_text(path.read_text(encoding="utf-8").replace("MODEL", model), encoding="utf-8")
    if "--workloads" in args:
        model_args: list[str] = []  # estimate prices a file's rows on their own models
    else:
        model_args = ["-m", model]
    est = cli("estimate", *model_args, *args, "-f", "json")
    cmp = cli("compare", "-m", model, *args, "-f", "json")
    assert (est.code, est.err, cmp.code, cmp.err) == (0, "", 0, "")
    [line] = json.loads(est.out)["lines"]
    [option] = json.loads(cmp.out)["models"]
    keys = ("model", "total", "tier", "price_effective", "source", "source_kind", "price_note", "price_provenance")
    keys += ("user_price", "notes")
    assert {k: option[k] for k in keys} == {k: line[k] for k in keys}


def test_compare_counts_the_output_sample_per_model(cli, tmp_path):
    """The issue's example: the sample's tokens are priced, not dropped (hand-computed)."""
    (tmp_path / "ans.txt").write_text("hello world this is a test", encoding="utf-8")
    args = [
        "--input-tokens",
        "66",
        "--output-sample",
        str(tmp_path / "ans.txt"),
        "--requests-per-day",
        "5000",
        "-f",
        "json",
    ]
    # alpha rule: 21 non-space characters / 4 → 6 tokens; 150,000 requests × (66 × 0.8 + 6 × 2) / 1M = ¥9.72
    [option] = json.loads(cli("compare", "-m", "alpha-pro", *args).out)["models"]
    assert option["total"] == "9.72"
