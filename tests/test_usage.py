"""llmcost usage: real usage records priced each at its own day's price, band, clock and kind.

The book is tests/data/usage_book (made up). Prices used below, per 1M tokens unless said:
- ml-tod (mainland, CNY): from 2026-01-01 2 in / 8 out / 0.5 cached; from 2026-09-01 peak 4 / 16 / 1,
  off-peak 2 / 8 / 0.5 (peak: Beijing weekdays 09-12 and 14-18; 2026-10-01 and -02 are holidays).
  International list: USD 0.5 / 2 / 0.1.
- ml-tiers (per 1K): < 32K in and ≤ 200 out 0.0008 / 0.002 (batch 0.0004 / 0.001); < 32K 0.0008 / 0.008
  (thinking 0.016); ≤ 128K 0.0012 / 0.016 (thinking 0.032); above 0.0024 / 0.024.
- ml-grad (per 10K, graduated): first 1,000 at 0.01 (cached 0.002, write 0.0125), to 5,000 at 0.02
  (cached 0.004), above at 0.04; output at the band reached: 0.03 / 0.05 / 0.09.
- ml-think: from 2026-03-01 1 / 2, cache write 1.25, thinking output 8, batch input 0.5 (no batch output).
- w-cache (global, USD): 3 / 15 / 0.3 cached / 3.75 write (batch 1.5 / 7.5); from 2026-06-01 2 / 10 / 0.2 /
  2.5 (batch 1 / 5).  w-mini (USD) from 2026-05-01: 0.15 / 0.6.  USD/CNY 7.2 from 2026-07-01.
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest
from conftest import DATA

USAGE_BOOK = DATA / "usage_book"
HEADER = (
    "timestamp,model,input_tokens,output_tokens,cached_tokens,cache_write_tokens,reasoning_tokens,batch,region,project"
)
RATE = ["--as-of", "2026-12-01"]


@pytest.fixture(autouse=True)
def _usage_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(USAGE_BOOK))


def write(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def csv_file(tmp_path, *rows: str, name: str = "usage.csv") -> str:
    return write(tmp_path, name, "\n".join([HEADER, *rows]) + "\n")


def report(cli, *args: str, input: str | bytes | None = None) -> dict:
    r = cli("usage", *args, *RATE, "-f", "json", input=input)
    assert r.code == 0, r.err
    return json.loads(r.out)


def lines_by(rep: dict, key: str = "model") -> dict:
    return {line[key]: line for line in rep["lines"]}


def assert_bad(r, message: str) -> None:
    assert "Traceback" not in r.err
    assert r.err == f"llmcost: error: {message}\n", r.err
    assert r.code == 2
    assert r.out == ""


# -- pricing -------------------------------------------------------------------------------------


def test_time_of_day_holidays_and_cache(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-10-01T10:00:00+08:00,ml-tod,1000000,1000000,0,0,0,false,,a",  # holiday: off-peak 2 + 8
        "2026-10-08T10:00:00+08:00,ml-tod,1000000,1000000,500000,0,0,false,,a",  # Thu peak: 2 + 0.5 + 16
        "2026-10-08T20:00:00+08:00,ml-tod,1000000,1000000,0,0,0,false,,b",  # evening: off-peak 2 + 8
        "2026-10-10T10:00:00+08:00,ml-tod,1000000,0,0,0,0,false,,b",  # Saturday: off-peak 2
    )
    line = lines_by(report(cli, path))["ml-tod"]
    assert (line["input_cost"], line["cached_input_cost"], line["output_cost"], line["total"]) == (
        "8.00",
        "0.50",
        "32.00",
        "40.50",
    )
    assert line["records"] == 4 and line["cached_tokens"] == 500000
    assert line["notes"] == [
        "3 of 4 records at off-peak prices (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn holidays off-peak))"
    ]
    assert line["prices"] == [
        {
            "model": "ml-tod",
            "region": "cn",
            "effective": "2026-09-01",
            "currency": "CNY",
            "source": "https://example.com/ml/tod-2026-09",
            "records": 4,
        }
    ]


def test_peak_window_edges(cli, tmp_path):
    # 08:59 off-peak, 09:00 peak, 11:59 peak, 12:00 off-peak (1M input each: 2, 4, 4, 2)
    rows = [f"2026-10-08T{t}:00+08:00,ml-tod,1000000,0,0,0,0,,," for t in ("08:59", "09:00", "11:59", "12:00")]
    line = lines_by(report(cli, csv_file(tmp_path, *rows)))["ml-tod"]
    assert line["total"] == "12.00"


def test_tier_edges_batch_and_thinking(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-10-08T12:00:00Z,ml-tiers,31999,200,0,0,0,true,,",  # band 1 batch: 0.0127996 + 0.0002
        "2026-10-08T12:00:00Z,ml-tiers,32000,200,0,0,100,false,,",  # band 3, thinking: 0.0384 + 0.0064
        "2026-10-08T12:00:00Z,ml-tiers,31999,201,0,0,50,false,,",  # band 2, thinking: 0.0255992 + 0.003216
        "2026-10-08T12:00:00Z,ml-tiers,128001,1000,0,0,0,false,,",  # band 4: 0.3072024 + 0.024
    )
    rep = report(cli, path)
    line = lines_by(rep)["ml-tiers"]
    # input 0.0127996 + 0.0384 + 0.0255992 + 0.3072024 = 0.3840012; output 0.0002 + 0.0064 + 0.003216 + 0.024
    assert (line["input_cost"], line["output_cost"], line["total"]) == ("0.38", "0.03", "0.42")
    assert line["notes"] == [
        "1 record in batch, at batch prices",
        "2 records in thinking mode: output at the thinking-mode price",
    ]


def test_graduated_slices_cached_first(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T12:00:00Z,ml-grad,60000,10000,5000,2000,0,,,")
    line = lines_by(report(cli, path))["ml-grad"]
    # cached: 1,000 × 0.002 + 4,000 × 0.004 = 18 per 10K → 0.0018; write 2,000 at band 3's input 0.04
    # (no cache-write price there) = 0.008; the other 53,000 at 0.04 = 0.212; output at 0.09 = 0.09
    assert (line["input_cost"], line["cached_input_cost"], line["cache_write_cost"], line["output_cost"]) == (
        "0.21",
        "0.00",
        "0.01",
        "0.09",
    )
    assert line["total"] == "0.31"  # 0.3118


def test_cache_write_and_usd_conversion(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T20:00:00Z,w-cache,100000,1000,20000,30000,0,,,")
    line = lines_by(report(cli, path))["w-cache"]
    # USD: 50,000 × 2 + 20,000 × 0.2 + 30,000 × 2.5 + 1,000 × 10 = 0.1 + 0.004 + 0.075 + 0.01 = 0.189 → × 7.2
    assert line["total"] == "1.36"  # 1.3608
    assert line["price_currency"] == ["USD"]


def test_usd_report(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T20:00:00Z,w-cache,1000000,0,0,0,0,,,")
    rep = json.loads(cli("usage", path, *RATE, "-f", "json", "--currency", "USD").out)
    assert rep["total"] == "2.00" and rep["currency"] == "USD"


def test_price_change_day_global_vendor_is_utc(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-05-31T23:59:59Z,w-cache,1000000,0,0,0,0,,,",  # old price 3
        "2026-06-01T07:00:00+08:00,w-cache,1000000,0,0,0,0,,,",  # = 05-31 23:00 UTC: old price 3
        "2026-06-01T00:00:00Z,w-cache,1000000,0,0,0,0,,,",  # new price 2
    )
    rep = report(cli, path, "--currency", "USD", "-g", "day")
    assert [(line["day"], line["total"]) for line in rep["lines"]] == [("2026-05-31", "6.00"), ("2026-06-01", "2.00")]


def test_price_change_day_mainland_vendor_is_beijing(cli, tmp_path):
    # ml-think is priced from 2026-03-01: Beijing midnight is 2026-02-28T16:00:00Z.
    ok = csv_file(tmp_path, "2026-02-28T16:00:00Z,ml-think,1000000,0,0,0,0,,,")
    assert lines_by(report(cli, ok, "-g", "day"), "day")["2026-03-01"]["total"] == "1.00"
    early = csv_file(tmp_path, "2026-02-28T15:59:59Z,ml-think,1000000,0,0,0,0,,,", name="early.csv")
    assert_bad(
        cli("usage", early),
        f"{early}, line 2: ml-think has no price on or before 2026-02-28 (its first price is from 2026-03-01)",
    )


def test_month_of_a_mainland_record_is_its_beijing_month(cli, tmp_path):
    path = csv_file(tmp_path, "2026-09-30T16:30:00Z,ml-tod,1000000,0,0,0,0,,,")
    assert [line["month"] for line in report(cli, path)["lines"]] == ["2026-10"]


def test_batch_without_batch_output_price(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T12:00:00Z,ml-think,1000000,1000000,0,0,10,true,,")
    line = lines_by(report(cli, path))["ml-think"]
    assert (line["input_cost"], line["output_cost"]) == ("0.50", "8.00")  # batch input; thinking output
    assert line["notes"][0] == (
        "1 record in batch; 1 on a model without a batch price for input or output: that side at the standard price"
    )


def test_region_column_and_flag(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,intl,",
        "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,",
    )
    rep = report(cli, path, "--currency", "USD", "-g", "model")
    assert rep["lines"][0]["prices"][0]["region"] == "cn"
    assert [p["region"] for p in rep["lines"][0]["prices"]] == ["cn", "intl"]
    # 1M at the off-peak 2 CNY = 0.2777… USD, plus 1M at 0.5 USD
    assert rep["total"] == "0.78"
    rep = report(cli, path, "--currency", "USD", "--region", "intl")
    assert [p["region"] for p in rep["lines"][0]["prices"]] == ["intl"]  # the flag, for the record without one
    assert rep["total"] == "1.00"


def test_group_by_project_and_provider(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,search",
        "2026-10-08T20:00:00+08:00,w-cache,1000000,0,0,0,0,,,",
        "2026-11-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,search",
    )
    rep = report(cli, path, "-g", "project", "-g", "provider")
    assert [(line["project"], line["provider"], line["total"]) for line in rep["lines"]] == [
        (None, "world", "14.40"),
        ("search", "mainland", "4.00"),
    ]
    assert rep["group_by"] == ["project", "provider"]
    assert rep["total"] == "18.40"


# -- JSON Lines: the shapes vendors return --------------------------------------------------------


CHAT = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1791450000,
    "model": "ml-tod",  # 2026-10-08 17:00 +08
    "usage": {
        "prompt_tokens": 1000000,
        "completion_tokens": 1000000,
        "prompt_tokens_details": {"cached_tokens": 400000},
        "completion_tokens_details": {"reasoning_tokens": 10},
    },
}
DEEPSEEK = {
    "created": 1791450000,
    "model": "ml-tod",
    "usage": {
        "prompt_tokens": 1000000,
        "completion_tokens": 0,
        "prompt_cache_hit_tokens": 400000,
        "prompt_cache_miss_tokens": 600000,
    },
}
RESPONSES = {
    "created_at": 1791450000,
    "model": "ml-tod",
    "usage": {
        "input_tokens": 1000000,
        "output_tokens": 0,
        "input_tokens_details": {"cached_tokens": 400000},
        "output_tokens_details": {"reasoning_tokens": 0},
    },
}
ANTHROPIC = {
    "timestamp": "2026-10-08T17:00:00+08:00",
    "model": "w-cache",
    "usage": {
        "input_tokens": 500000,
        "cache_read_input_tokens": 200000,
        "cache_creation_input_tokens": 300000,
        "output_tokens": 1000,
    },
}
BATCH = {
    "id": "b1",
    "custom_id": "r1",
    "response": {
        "status_code": 200,
        "body": {
            "created": 1791450000,
            "model": "w-cache",
            "usage": {"prompt_tokens": 1000000, "completion_tokens": 1000000},
        },
    },
}


def jsonl(*objs) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


@pytest.mark.parametrize("obj", [CHAT, DEEPSEEK, RESPONSES], ids=["chat", "deepseek", "responses"])
def test_openai_compatible_usage(cli, tmp_path, obj):
    line = lines_by(report(cli, write(tmp_path, "log.jsonl", jsonl(obj))))["ml-tod"]
    # peak (Thursday 17:00 Beijing): 600,000 × 4 + 400,000 × 1 = 2.8 input, output 16 per 1M
    assert (line["input_tokens"], line["cached_tokens"]) == (1000000, 400000)
    assert line["input_cost"] == "2.40" and line["cached_input_cost"] == "0.40"
    assert line["output_cost"] == ("16.00" if obj is CHAT else "0.00")
    assert line["reasoning_tokens"] == (10 if obj is CHAT else 0)


def test_anthropic_usage_is_converted(cli, tmp_path):
    line = lines_by(report(cli, write(tmp_path, "log.jsonl", jsonl(ANTHROPIC)), "--currency", "USD"))["w-cache"]
    # input counts every input token: 500,000 + 200,000 read + 300,000 written
    assert (line["input_tokens"], line["cached_tokens"], line["cache_write_tokens"]) == (1000000, 200000, 300000)
    # 500,000 × 2 + 200,000 × 0.2 + 300,000 × 2.5 + 1,000 × 10 = 1 + 0.04 + 0.75 + 0.01
    assert (line["input_cost"], line["cached_input_cost"], line["cache_write_cost"], line["total"]) == (
        "1.00",
        "0.04",
        "0.75",
        "1.80",
    )


def test_openai_batch_output_lines_are_batch(cli, tmp_path):
    line = lines_by(report(cli, write(tmp_path, "batch.jsonl", jsonl(BATCH)), "--currency", "USD"))["w-cache"]
    assert line["total"] == "6.00"  # batch 1 + 5
    assert line["notes"] == ["1 record in batch, at batch prices"]


def test_gzip_and_stdin_and_several_files(cli, tmp_path):
    plain = csv_file(tmp_path, "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,")
    packed = write(tmp_path, "log.jsonl.gz", gzip.compress(jsonl(DEEPSEEK).encode()))
    stdin = gzip.compress(jsonl(DEEPSEEK).encode())
    rep = report(cli, plain, packed, "-", input=stdin)
    assert rep["records"] == 3 and rep["files"] == [plain, packed, "<stdin>"]
    assert rep["total"] == "7.60"  # 2 + 2.8 + 2.8


def test_input_format_forced(cli, tmp_path):
    path = write(tmp_path, "log.txt", jsonl(DEEPSEEK))
    assert report(cli, path, "--input-format", "jsonl")["total"] == "2.80"
    assert_bad(
        cli("usage", path, "--input-format", "csv"),
        f'{path}, line 1: unknown column \'"usage": {{"prompt_tokens": 1000000\''
        " (the columns are timestamp, model, input_tokens, output_tokens, cached_tokens, cache_write_tokens,"
        " reasoning_tokens, batch, region, project)",
    )


# -- what was not priced --------------------------------------------------------------------------


def test_unknown_model_names_file_and_line(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T20:00:00Z,ml-tod,1,1,0,0,0,,,", "2026-10-08T20:00:00Z,ml-toad,1,1,0,0,0,,,")
    assert_bad(cli("usage", path), f"{path}, line 3: unknown model 'ml-toad' (did you mean ml-tod, ml-old, ml-grad?)")


def test_skip_unknown_counts_and_reports(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,",
        "2026-10-08T20:00:00Z,nobody,1,1,0,0,0,,,",
        "2026-10-09T20:00:00Z,nobody,1,1,0,0,0,,,",
        "2026-07-01T00:00:00Z,ml-old,1,1,0,0,0,,,",
    )
    rep = report(cli, path, "--skip-unknown")
    assert rep["records"] == 4 and rep["priced_records"] == 1
    assert rep["skipped"] == [
        {"model": "nobody", "reason": "unknown model", "records": 2, "first": f"{path}, line 3"},
        {
            "model": "ml-old",
            "reason": "was retired on 2026-06-01, before 2026-07-01",
            "records": 1,
            "first": f"{path}, line 5",
        },
    ]
    table = cli("usage", path, "--skip-unknown", *RATE).out
    assert f"Not priced: 2 records of nobody: unknown model (first: {path}, line 3)" in table
    assert f"Not priced: 1 record of ml-old: was retired on 2026-06-01, before 2026-07-01 (first: {path}, line 5)" in (
        table
    )


def test_naive_timestamp_needs_a_zone(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08 20:00:00,ml-tod,1000000,0,0,0,0,,,")
    assert_bad(
        cli("usage", path),
        f"{path}, line 2, column 'timestamp': '2026-10-08 20:00:00' has no time zone "
        "(add one (+08:00, Z) or pass --timezone, e.g. Asia/Shanghai)",
    )
    # 20:00 Beijing is off-peak (2); 20:00 UTC is Friday 04:00 Beijing, off-peak too; 02:00 UTC = 10:00 Beijing peak
    assert report(cli, path, "--timezone", "Asia/Shanghai")["total"] == "2.00"
    peak = csv_file(tmp_path, "2026-10-08 02:00:00,ml-tod,1000000,0,0,0,0,,,", name="peak.csv")
    assert report(cli, peak, "--timezone", "UTC")["total"] == "4.00"
    assert report(cli, peak, "--timezone", "+08:00")["total"] == "2.00"


def test_what_if_side_by_side(cli, tmp_path):
    path = csv_file(
        tmp_path,
        "2026-10-08T10:00:00+08:00,ml-tod,1000000,1000000,0,0,0,,,",
        "2026-04-08T10:00:00+08:00,ml-tod,1000000,1000000,0,0,0,,,",
    )
    rep = report(cli, path, "--what-if", "w-mini", "--what-if", "w-cache", "-g", "month")
    april, october = rep["lines"]
    # w-mini has no price before 2026-05-01: April is not comparable
    assert april["what_if"][0] == {
        "model": "w-mini",
        "total": "0.00",
        "saving": None,
        "saving_percent": None,
        "unpriced_records": 1,
    }
    # October: paid 4 + 16 = 20.00; on w-mini 0.75 USD × 7.2 = 5.40; on w-cache 12 USD × 7.2 = 86.40
    assert october["total"] == "20.00"
    assert october["what_if"][0]["total"] == "5.40" and october["what_if"][0]["saving"] == "14.60"
    assert october["what_if"][1] == {
        "model": "w-cache",
        "total": "86.40",
        "saving": "-66.40",
        "saving_percent": "-332.0%",
        "unpriced_records": 0,
    }
    totals = {w["model"]: w for w in rep["what_if"]}
    assert totals["w-mini"]["saving"] is None and totals["w-mini"]["unpriced_records"] == 1
    assert totals["w-mini"]["unpriced_reasons"] == [
        "has no price on or before 2026-04-08 (its first price is from 2026-05-01)"
    ]
    assert totals["w-cache"]["saving"] == str(Decimal(rep["total"]) - Decimal(totals["w-cache"]["total"]))
    assert any(
        "w-mini is priced on the records' own token counts, but its tokenizer (cl100k_base) differs from "
        "that of ml-tod (qwen)" in note
        for note in rep["notes"]
    )


def test_what_if_sample_measures_exact_tokenizers(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T10:00:00+08:00,w-cache,1000,1000,0,0,0,,,")
    rep = report(cli, path, "--what-if", "w-mini", "--sample", "Hello world, 你好世界")
    from llmcost.tokens import get_counter

    a, b = (
        get_counter("o200k_base").count("Hello world, 你好世界"),
        get_counter("cl100k_base").count("Hello world, 你好世界"),
    )
    assert a != b
    ratio = (Decimal(b) / Decimal(a)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert rep["notes"][1] == (
        "w-mini is priced on the records' own token counts, but its tokenizer (cl100k_base) differs from that "
        f"of w-cache (o200k_base): the sample is {b:,} tokens on w-mini, {a:,} on w-cache ({ratio}x)"
    )


# -- formats -------------------------------------------------------------------------------------


def test_json_contract_head(cli, tmp_path):
    rep = report(cli, csv_file(tmp_path, "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,"))
    for key in ("schema_version", "currency", "as_of", "fx", "price_book", "lines", "skipped", "total"):
        assert key in rep
    assert rep["fx"] == {"usd_cny": "7.2", "date": "2026-07-01", "source": "https://example.com/fx/2"}
    assert rep["lines"][0]["month"] == "2026-10" and rep["lines"][0]["model"] == "ml-tod"


def test_csv_and_markdown(cli, tmp_path):
    path = csv_file(tmp_path, "2026-10-08T20:00:00+08:00,ml-tod,1000000,0,0,0,0,,,=HYPERLINK(1)")
    out = cli("usage", path, *RATE, "-f", "csv", "-g", "project").out
    assert out == (
        "project,records,input_tokens,cached_tokens,cache_write_tokens,output_tokens,reasoning_tokens,input_cost,"
        "cached_input_cost,cache_write_cost,output_cost,total,currency\n"
        "'=HYPERLINK(1),1,1000000,0,0,0,0,2.00,0.00,0.00,0.00,2.00,CNY\n"
        "TOTAL,1,,,,,,,,,,2.00,CNY\n"
    )
    md = cli("usage", path, *RATE, "-f", "markdown", "-g", "project").out
    assert "| =HYPERLINK(1) | 1 | 1,000,000 | 0 | ¥2.00 |\n" in md  # nothing in it markdown would act on
