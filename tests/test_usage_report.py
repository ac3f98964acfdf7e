"""llmcost usage, the whole report as a user sees it (issue 15, items 1-3): the table with a what-if,
its saving and the tokenizer note measured on a sample; a total that is exact, not the sum of rounded
lines; OpenAI-style CSV headers; repeatable and comma-separated --group-by; a JSON array refused
with a hint.  Book: tests/data/usage_book (see test_usage.py)."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

RATE = ["--as-of", "2026-12-01"]
# 2026-10-08 is a Thursday; 10:00 Beijing is peak for ml-tod: 4 in / 16 out per 1M (CNY).
# w-cache (o200k_base): 2 / 10 USD per 1M; w-mini (cl100k_base): 0.15 / 0.6 USD; 1 USD = 7.2 CNY.
LOG = (
    "timestamp,model,input_tokens,output_tokens,project\n"
    "2026-10-08T10:00:00+08:00,ml-tod,1000,10,a\n"  # 0.004 + 0.00016
    "2026-10-08T10:00:00+08:00,ml-tod,1000,10,b\n"
    "2026-10-08T10:00:00+08:00,ml-tod,1000,10,c\n"
    "2026-10-08T10:00:00+08:00,w-cache,1000000,1000000,c\n"  # 12 USD = 86.40
)
SAMPLE = "Hello world, 你好世界"


@pytest.fixture(autouse=True)
def _usage_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG)
    return str(path)


def test_table_with_what_if_saving_and_measured_tokenizers(cli, log):
    r = cli("usage", log, "-g", "project", "--what-if", "w-mini", "--sample", SAMPLE, *RATE)
    assert r.code == 0, r.err
    assert r.out == (
        "Project  Records     In tok    Out tok    Cost  On w-mini\n"
        "─────────────────────────────────────────────────────────\n"
        "a              1      1,000         10   ¥0.00      ¥0.00\n"
        "b              1      1,000         10   ¥0.00      ¥0.00\n"
        "c              2  1,001,000  1,000,010  ¥86.40      ¥5.40\n"
        "─────────────────────────────────────────────────────────\n"
        "Total          4                        ¥86.41      ¥5.40\n"
        "On w-mini: ¥5.40 (saves ¥81.01, 93.7% less)\n"
        "4 records read; USD amounts at 1 USD = 7.2 CNY (2026-07-01).\n"
        "Note: each record is priced at the price in force on its own day: Beijing time (UTC+08:00) for mainland "
        "vendors, UTC for global ones; months and days are those days.\n"
        "Note: w-mini is priced on the records' own token counts, but its tokenizer (cl100k_base) differs from "
        "that of w-cache (o200k_base): the sample is 9 tokens on w-mini, 6 on w-cache (1.50x).\n"
        "Note: w-mini is priced on the records' own token counts, but its tokenizer (cl100k_base) differs from "
        "that of ml-tod (qwen): the sample is 9 tokens on w-mini, 6 on ml-tod (1.50x).\n"
        "Note: a: 0 of 1 record at off-peak prices (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn "
        "holidays off-peak))\n"
        "Note: b: 0 of 1 record at off-peak prices (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn "
        "holidays off-peak))\n"
        "Note: c: 0 of 2 records at off-peak prices (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn "
        "holidays off-peak))\n"
    )


def test_total_is_exact_not_the_sum_of_rounded_lines(cli, log):
    rep = json.loads(cli("usage", log, "-g", "project", *RATE, "-f", "json").out)
    # a, b: 0.00416 each (shown 0.00); c: 0.00416 + 86.40; total 86.41248 → 86.41, not 86.40
    assert [(x["project"], x["total"]) for x in rep["lines"]] == [("a", "0.00"), ("b", "0.00"), ("c", "86.40")]
    assert rep["total"] == "86.41"
    assert rep["what_if"] == []
    rep = json.loads(cli("usage", log, "-g", "project", "--what-if", "w-mini", *RATE, "-f", "json").out)
    # w-mini: 1,003,000 × 0.15 + 1,000,030 × 0.6 USD per 1M = 0.75046800 USD = 5.40336960 CNY
    assert rep["what_if"] == [
        {
            "model": "w-mini",
            "provider": "world",
            "total": "5.40",
            "saving": "81.01",
            "saving_percent": "93.7%",
            "unpriced_records": 0,
            "unpriced_reasons": [],
        }
    ]


def test_markdown_has_one_blank_line_after_the_table(cli, log):
    out = cli("usage", log, "-g", "project", *RATE, "-f", "markdown").out
    assert "| **Total** | **4** |  |  | **¥86.41** |\n\n- 4 records read" in out


def test_openai_style_csv_headers(cli, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "created,model,prompt_tokens,completion_tokens,cached_input_tokens,request_id\n"
        "1791450000,ml-tod,1000000,0,400000,req-1\n"  # 2026-10-08 17:00 Beijing: peak 4, cached 1
    )
    rep = json.loads(cli("usage", str(path), *RATE, "-f", "json").out)
    line = rep["lines"][0]
    assert (line["input_tokens"], line["cached_tokens"], line["input_cost"], line["cached_input_cost"]) == (
        1000000,
        400000,
        "2.40",
        "0.40",
    )


def test_group_by_repeatable_and_comma_separated(cli, log):
    repeated = json.loads(cli("usage", log, "-g", "provider", "-g", "day", *RATE, "-f", "json").out)
    commas = json.loads(cli("usage", log, "--group-by", "provider,day", *RATE, "-f", "json").out)
    assert repeated["group_by"] == commas["group_by"] == ["provider", "day"]
    assert [(x["provider"], x["day"], x["total"]) for x in repeated["lines"]] == [
        ("mainland", "2026-10-08", "0.01"),
        ("world", "2026-10-08", "86.40"),
    ]
    assert repeated["lines"] == commas["lines"]


def test_a_json_array_is_not_json_lines(cli, tmp_path):
    path = tmp_path / "log.json"
    record = {"model": "ml-tod", "created": 1791450000, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}
    path.write_text(json.dumps([record]))
    r = cli("usage", str(path))
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"llmcost: error: {path}: a JSON array, not JSON Lines (one JSON object per line: jq -c '.[]' FILE)\n"
    )


def test_csv_says_on_stderr_what_it_cannot_carry(cli, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "timestamp,model,input_tokens,output_tokens\n"
        "2026-10-08T10:00:00+08:00,ml-tod,1000,10\n"
        "2026-04-08T10:00:00+08:00,ml-tod,1000,10\n"
        "2026-10-08T10:00:00+08:00,nobody,1000,10\n"
    )
    r = cli("usage", str(path), "--skip-unknown", "--what-if", "w-mini", *RATE, "-f", "csv")
    assert r.code == 0
    assert r.err == (
        f"llmcost: skipped 1 record of nobody: unknown model (first: {path}, line 4)\n"
        "llmcost: on w-mini: 1 record it has no price for, not in its total: has no price on or before "
        "2026-04-08 (its first price is from 2026-05-01)\n"
    )
    r = cli("check", "--usage", str(path), "--month", "2026-10", "--budget", "1", "--skip-unknown", *RATE, "-f", "csv")
    assert r.code == 0
    assert r.err.endswith(f"llmcost: skipped 1 record of nobody: unknown model (first: {path}, line 4)\n")
