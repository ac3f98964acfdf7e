"""`llmcost estimate` and `llmcost models` through the CLI runner: exact output and exit codes."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from conftest import DATA, assert_golden

EXAMPLE = [
    "estimate",
    "-m",
    "alpha-lite",
    "--requests-per-day",
    "2000",
    "--input-tokens",
    "1500",
    "--output-tokens",
    "400",
    "--as-of",
    "2024-06-01",
]


def test_json_contract(cli):
    r = cli(*EXAMPLE, "--currency", "CNY", "--format", "json")
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    assert report["schema_version"] == 1
    assert (report["currency"], report["as_of"], report["total"]) == ("CNY", "2024-06-01", "41.40")
    assert report["fx"] == {"usd_cny": "7.1", "date": "2024-01-02", "source": "https://example.com/fx/1"}
    [line] = report["lines"]
    assert {
        k: line[k]
        for k in (
            "model",
            "provider",
            "requests_per_month",
            "input_tokens",
            "output_tokens",
            "input_cost",
            "output_cost",
            "total",
            "price_effective",
            "source",
        )
    } == {
        "model": "alpha-lite",
        "provider": "alpha",
        "requests_per_month": 60000,
        "input_tokens": 1500,
        "output_tokens": 400,
        "input_cost": "27.00",
        "output_cost": "14.40",
        "total": "41.40",
        "price_effective": "2024-05-15",
        "source": "https://example.com/alpha/2024-05",
    }


def test_usd_at_given_rate(cli):
    r = cli(*EXAMPLE, "--currency", "usd", "--rate", "7.2", "-f", "json")
    report = json.loads(r.out)
    assert (report["total"], report["fx"]["usd_cny"], report["fx"]["source"]) == ("5.75", "7.2", "--rate")


def test_rmb_is_cny(cli):
    assert json.loads(cli(*EXAMPLE, "--currency", "RMB", "-f", "json").out)["currency"] == "CNY"


def test_table_golden(cli):
    r = cli(*EXAMPLE)
    assert r.code == 0
    assert_golden("estimate_table.txt", r.out)


def test_csv(cli):
    r = cli(*EXAMPLE, "-f", "csv")
    assert r.out.splitlines() == [
        "name,model,provider,requests_per_month,input_tokens,output_tokens,cached_ratio,batch_ratio,"
        "cache_write_ratio,thinking_ratio,off_peak_ratio,currency,input_cost,output_cost,free_quota,discount,total,"
        "tier,region,price_effective,source,as_of,price_currency,usd_cny",
        ",alpha-lite,alpha,60000,1500,400,0,0,0,0,0,CNY,27.00,14.40,0.00,0.00,41.40,,global,2024-05-15,"
        "https://example.com/alpha/2024-05,2024-06-01,CNY,",
        "TOTAL,,,,,,,,,,,CNY,,,,,41.40,,,,,2024-06-01,,",
    ]


def test_csv_says_the_day_the_currency_and_the_rate_of_a_conversion(cli):
    r = cli(*EXAMPLE, "-m", "beta-4o", "--currency", "USD", "--rate", "7.2", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    got = [(row["model"], row["currency"], row["as_of"], row["price_currency"], row["usd_cny"]) for row in rows]
    assert got == [
        ("alpha-lite", "USD", "2024-06-01", "CNY", "7.2"),
        ("beta-4o", "USD", "2024-06-01", "USD", ""),
        ("", "USD", "2024-06-01", "", ""),
    ]


def test_the_csv_reads_back_in_as_a_workload_file(cli, tmp_path):
    priced = tmp_path / "priced.csv"
    priced.write_text(cli(*EXAMPLE, "--currency", "USD", "--rate", "7.2", "-f", "csv").out, encoding="utf-8")
    again = cli("estimate", str(priced), "--as-of", "2024-06-01", "--currency", "USD", "--rate", "7.2", "-f", "csv")
    assert again.code == 0, again.err
    # the same rows, named after their line in the file now
    assert again.out.splitlines()[1:] == ["line 2" + row for row in priced.read_text("utf-8").splitlines()[1:2]] + [
        priced.read_text("utf-8").splitlines()[-1]
    ]


def test_markdown(cli):
    r = cli(*EXAMPLE, "-f", "markdown")
    assert "| alpha-lite | alpha | 60,000 | 1,500 | 400 | ¥27.00 | ¥14.40 | ¥41.40 | 2024-05-15 \\[1\\] |" in r.out
    assert "- \\[1\\] <https://example.com/alpha/2024-05>" in r.out
    # one workload on one model: the line is the bill; no "Total" row repeats it
    assert "Total**" not in r.out


def test_all_models_cheapest_first_with_dates(cli):
    r = cli(
        "estimate",
        "--all",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--as-of",
        "2025-06-01",
        "-f",
        "json",
    )
    report = json.loads(r.out)
    totals = [(line["model"], line["total"]) for line in report["lines"]]
    assert totals == [
        ("alpha-free", "0.00"),
        ("alpha-lite", "0.60"),
        ("alpha-pro", "1.80"),
        ("alpha-grad", "4.80"),
        ("alpha-tiered", "4.80"),
        ("beta-4o", "54.00"),
    ]
    assert all(line["price_effective"] for line in report["lines"])
    assert report["total"] == "66.00"


def test_as_of_before_a_models_first_price_skips_it_with_a_reason(cli):
    r = cli(
        "estimate",
        "--all",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "10",
        "--output-tokens",
        "10",
        "--as-of",
        "2024-03-01",
        "-f",
        "json",
    )
    report = json.loads(r.out)
    assert [line["model"] for line in report["lines"]] == ["alpha-lite"]
    skipped = {s["model"]: s["reason"] for s in report["skipped"]}
    # the reason does not repeat the model's name: the line names it ("Not priced: beta-4o: has no price …")
    assert skipped["beta-4o"] == "has no price on or before 2024-03-01 (its first price is from 2024-05-13)"


def test_as_of_before_the_only_model_is_an_error(cli):
    r = cli(
        "estimate",
        "-m",
        "beta-4o",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "10",
        "--output-tokens",
        "10",
        "--as-of",
        "2024-03-01",
    )
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "llmcost: error: beta-4o has no price on or before 2024-03-01 (its first price is from 2024-05-13)\n"
    )


def test_unknown_model_did_you_mean(cli):
    r = cli("estimate", "-m", "alpha-lit", "--requests-per-day", "1", "--input-tokens", "1", "--output-tokens", "1")
    assert (r.code, r.out) == (2, "")
    assert r.err == "llmcost: error: unknown model 'alpha-lit' (did you mean alpha-lite, alpha-tiered, alpha-pro?)\n"


def test_chinese_family_names(cli, book):
    assert book.resolve("阿尔法").id == "alpha-pro"
    assert book.resolve("阿尔法-lite").id == "alpha-lite"
    assert book.resolve("阿尔法-TIERED").id == "alpha-tiered"
    assert book.resolve("B4O").id == "beta-4o"


def test_provider_filter(cli):
    r = cli(
        "estimate",
        "-p",
        "beta",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "-f",
        "json",
        "--as-of",
        "2025-01-01",
    )
    assert [line["model"] for line in json.loads(r.out)["lines"]] == ["beta-4o"]


def test_unknown_provider(cli):
    r = cli("estimate", "-p", "alhpa", "--requests-per-month", "1", "--input-tokens", "1", "--output-tokens", "1")
    assert r.code == 2 and r.err == "llmcost: error: unknown provider 'alhpa' (did you mean alpha?)\n"


def test_models_lists_a_provider(cli):
    r = cli("models", "--provider", "alpha", "-f", "csv", "--as-of", "2025-06-01")
    assert r.code == 0
    rows = r.out.splitlines()
    assert rows[0].startswith("provider,id,name,aliases,currency,input_price,output_price,price_unit")
    assert [row.split(",")[1] for row in rows[1:]] == [
        "alpha-lite",
        "alpha-pro",
        "alpha-free",
        "alpha-tiered",
        "alpha-grad",
    ]


def test_models_json_as_of_before_price(cli):
    r = cli("models", "-p", "beta", "-f", "json", "--as-of", "2024-01-01")
    [row] = json.loads(r.out)["models"]
    assert row["input_price"] is None and "no price on or before" in row["status"]


def test_version(cli):
    from llmcost import __version__

    assert cli("--version").out == f"llmcost {__version__}\n"


def test_prices_validate_ok(cli):
    r = cli("prices", "validate", str(DATA / "book"))
    assert (r.code, r.out) == (0, "ok: 3 file(s) valid\n")


def test_bad_option_is_one_line_exit_2(cli):
    r = cli("estimate", "--qqq")  # (click suggests --verbose for --bogus)
    assert (r.code, r.out, r.err) == (2, "", "llmcost: error: No such option: --qqq\n")


def test_missing_tokens_is_a_usage_error(cli):
    r = cli("estimate", "-m", "alpha-lite", "--requests-per-day", "10", "--output-tokens", "1")
    assert (r.code, r.out, r.err) == (
        2,
        "",
        "llmcost: error: give --input-tokens (tokens per request) or --prompt/--prompt-file\n",
    )


def test_narrow_terminal_never_cuts_an_amount():
    from conftest import run

    from llmcost.render import render_bill

    report = json.loads(
        run("estimate", "--workloads", str(DATA / "workloads" / "small.csv"), "--as-of", "2025-06-01", "-f", "json").out
    )
    wide = render_bill(report, "table", width=200)
    for width in (40, 60, 80):
        narrow = render_bill(report, "table", width=width)
        for line in report["lines"]:
            total = f"¥{Decimal(line['total']):,.2f}"
            assert total in wide and total in narrow, (width, total)
        assert f"¥{Decimal(report['total']):,.2f}" in narrow


def test_subtotal_labels_never_wrap_under_short_workload_names(cli, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "name,model,requests_per_month,input_tokens,output_tokens\na,alpha-lite,1000,100,10\nb,beta-4o,1000,100,10\n",
        encoding="utf-8",
    )
    r = cli("estimate", "--workloads", str(path), "--as-of", "2024-06-01")
    assert r.code == 0
    lines = [line.strip() for line in r.out.splitlines()]
    assert any(line.startswith("Subtotal alpha ") for line in lines)
    assert any(line.startswith("Subtotal beta ") for line in lines)
