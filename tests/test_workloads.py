"""Workload files and pipes: `estimate --workloads`, `compare`, `init`."""

from __future__ import annotations

import json

import pytest
from conftest import DATA, assert_golden

SMALL_CSV = DATA / "workloads" / "small.csv"
SMALL_YAML = DATA / "workloads" / "small.yaml"
AS_OF = ["--as-of", "2025-06-01"]
# Hand-computed (test book, 2025-06-01, 1 USD = 7.2 CNY):
#   bot: 60,000 × (1,500 × 0.0003 + 400 × 0.0006)/1K = 27 + 14.4 = 41.40
#   summariser: 90M input, half cached: 36 + 7.2 = 43.2; 24M × 2/1M = 48 → 91.20
#   assistant: batch 1M × 1.25 + 0.5M × 5 = 3.75 USD → 27.00 CNY
EXPECTED = [("bot", "41.40"), ("summariser", "91.20"), ("assistant", "27.00")]


def _totals(report):
    return [(line["name"], line["total"]) for line in report["lines"]]


@pytest.mark.parametrize("path", [SMALL_CSV, SMALL_YAML])
def test_csv_and_yaml_give_the_same_bill(cli, path):
    r = cli("estimate", "--workloads", str(path), "-f", "json", *AS_OF)
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    assert _totals(report) == EXPECTED and report["total"] == "159.60"


def test_stdin_csv_to_csv_with_total_row(cli):
    r = cli("estimate", "--workloads", "-", "--format", "csv", *AS_OF, input=SMALL_CSV.read_bytes())
    rows = r.out.splitlines()
    assert rows[0].startswith("name,model,provider,requests_per_month")
    assert [row.split(",")[0] for row in rows[1:]] == ["bot", "summariser", "assistant", "TOTAL"]
    assert rows[-1] == "TOTAL,,,,,,,,,,,CNY,,,,,159.60,,,,,2025-06-01,,"


def test_priced_csv_reads_back_into_the_same_bill(cli):
    first = cli("estimate", "-w", "-", "-f", "csv", *AS_OF, input=SMALL_CSV.read_bytes())
    second = cli("estimate", "-w", "-", "-f", "csv", "--input-format", "csv", *AS_OF, input=first.out)
    assert second.code == 0 and second.out == first.out


def test_yaml_from_stdin_is_detected(cli):
    r = cli("estimate", "-w", "-", "-f", "json", *AS_OF, input=SMALL_YAML.read_bytes())
    assert _totals(json.loads(r.out)) == EXPECTED


def test_jsonl_stream(cli):
    r = cli("estimate", "-w", str(SMALL_CSV), "-f", "jsonl", *AS_OF)
    records = [json.loads(row) for row in r.out.splitlines()]
    assert [rec["record"] for rec in records] == ["head", "line", "line", "line", "summary"]
    assert records[-1]["total"] == "159.60" and records[0]["currency"] == "CNY"


def test_streamed_json_is_exactly_the_whole_report(cli):
    from llmcost.render import render_stream, to_json

    report = json.loads(cli("estimate", "-w", str(SMALL_CSV), "-f", "json", *AS_OF).out)
    assert render_stream(report, "json") == to_json(report)
    empty = {**report, "lines": [], "total": "0.00"}
    assert render_stream(empty, "json") == to_json(empty)


def test_table_has_provider_subtotals(cli):
    r = cli("estimate", "-w", str(SMALL_YAML), *AS_OF)
    assert_golden("workloads_table.txt", r.out)
    assert "Subtotal alpha" in r.out and "Subtotal beta" in r.out


def test_large_table_shows_a_summary(cli):
    rows = ["name,model,requests_per_month,input_tokens,output_tokens"]
    rows += [f"w{i},alpha-lite,1000,1000,1000" for i in range(600)]
    r = cli("estimate", "-w", "-", *AS_OF, input="\n".join(rows) + "\n")
    text = " ".join(r.out.split())
    assert "Showing the first 500 of 600 workloads" in text
    assert "alpha-lite (alpha): 600 workloads, ¥540.00" in text


def test_bom_and_crlf_are_accepted(cli):
    data = "\ufeff" + SMALL_CSV.read_text(encoding="utf-8").replace("\n", "\r\n")
    r = cli("estimate", "-w", "-", "-f", "json", *AS_OF, input=data.encode("utf-8"))
    assert _totals(json.loads(r.out)) == EXPECTED


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "name,model,requests_per_day,input_tokens,output_tokens\nbot,alpha-lite,ten,1,1\n",
            "<stdin>, line 2, column 'requests_per_day': 'ten' is not a number",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens\nbot,alpha-lite,1,1,1\nx,alpha-lite,-5,1,1\n",
            "<stdin>, line 3, column 'requests_per_day': requests_per_day must be at least 0, not -5",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens,colour\nbot,alpha-lite,1,1,1,red\n",
            "<stdin>, line 1: unknown column 'colour'",
        ),
        ("name,model,model,input_tokens,output_tokens\n", "<stdin>, line 1: duplicate column 'model' (also column 2)"),
        (
            "name,requests_per_day,input_tokens,output_tokens\nbot,1,1,1\n",
            "<stdin>, line 1: missing required column 'model'",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens\nbot,alpha-lite,1,1\n",
            "<stdin>, line 2: short row: 4 fields where the header has 5",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens\nbot,alpha-lite,1,1,1,9\n",
            "<stdin>, line 2: long row: 6 fields where the header has 5",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens\nbot,alpha-lit,1,1,1\n",
            "<stdin>, line 2: unknown model 'alpha-lit'",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens\n",
            "<stdin>, line 1: no workload rows after the header",
        ),
        ("", "<stdin>: empty workload file"),
        (
            "name,model,requests_per_day,input_tokens,output_tokens\nbot,alpha-lite,1,1,1,\n",
            "<stdin>, line 2: long row",
        ),
        (
            "name,model,requests_per_day,requests_per_month,input_tokens,output_tokens\nbot,alpha-lite,1,30,1,1\n",
            "<stdin>, line 2, column 'requests_per_month': give requests_per_day or requests_per_month, not both",
        ),
        (
            "name,model,requests_per_day,input_tokens,output_tokens,cached_ratio\nbot,alpha-lite,1,1,1,1.5\n",
            "<stdin>, line 2, column 'cached_ratio': cached_ratio must be at most 1",
        ),
    ],
)
def test_bad_csv_is_one_line_exit_2_and_nothing_printed(cli, content, message):
    r = cli("estimate", "-w", "-", "-f", "csv", *AS_OF, input=content.encode("utf-8"))
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("llmcost: error: " + message) and r.err.count("\n") == 1


def test_gbk_csv_says_how_to_read_it(cli):
    data = "name,model,requests_per_day,input_tokens,output_tokens\n客服,alpha-lite,1,1,1\n".encode("gbk")
    r = cli("estimate", "-w", "-", "-f", "csv", *AS_OF, input=data)
    assert r.code == 2 and r.out == "" and "pass --encoding gbk" in r.err
    r = cli("estimate", "-w", "-", "-f", "csv", "--encoding", "gbk", *AS_OF, input=data)
    assert r.code == 0 and r.out.splitlines()[1].startswith("客服,alpha-lite")


def test_quoted_fields_with_newlines(cli):
    data = 'name,model,requests_per_day,input_tokens,output_tokens\n"multi\nline",alpha-lite,1,1,1\n'
    r = cli("estimate", "-w", "-", "-f", "json", *AS_OF, input=data)
    assert json.loads(r.out)["lines"][0]["name"] == "multi\nline"


def test_prompt_column_is_counted_with_the_rows_model(cli):
    data = "name,model,requests_per_month,prompt,output_tokens\nbot,alpha-lite,1000,你好世界 abcd,10\n"
    r = cli("estimate", "-w", "-", "-f", "json", *AS_OF, input=data)
    line = json.loads(r.out)["lines"][0]
    assert line["input_tokens"] == 5 and line["input_tokens_method"].startswith("estimate: alpha rule")


@pytest.mark.parametrize(
    "content, message",
    [
        ("version: 2\nworkloads: []\n", "<stdin>, line 1: version must be 1"),
        (
            "version: 1\nworkloads:\n  - model: alpha-lite\n    requests_per_day: 1\n    input_tokens: 1\n",
            "<stdin>, line 3, field workloads[0].output_tokens: missing value for output_tokens",
        ),
        (
            "version: 1\nworkloads:\n  - {model: alpha-lite, requests_per_day: 1, input_tokens: 1, output_tokens: 1,"
            " colour: red}\n",
            "<stdin>, line 3: unknown key 'colour'",
        ),
        ("version: 1\nversion: 1\n", "<stdin>, line 2: duplicate key 'version' (first on line 1)"),
        ("version: 1\nworkloads: !!python/object:os.system {}\n", "<stdin>, line 2: YAML tags"),
        ("a: &x [1]\nb: *x\n", "<stdin>, line 1: YAML anchors (&name) are not allowed"),
        ("version: 1\nworkloads:\n  - [unclosed\n", "<stdin>, line 4: invalid YAML"),
    ],
)
def test_bad_yaml_is_one_line_exit_2(cli, content, message):
    r = cli("estimate", "-w", "-", "--input-format", "yaml", *AS_OF, input=content)
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("llmcost: error: " + message) and r.err.count("\n") == 1


def test_workloads_refuse_single_workload_flags(cli):
    r = cli("estimate", "-w", str(SMALL_CSV), "--input-tokens", "5")
    assert (r.code, r.err) == (
        2,
        "llmcost: error: --input-tokens cannot be combined with --workloads (put them in the file)\n",
    )


def test_compare_cheapest_first_with_savings(cli):
    r = cli(
        "compare",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--baseline-model",
        "beta-4o",
        "-f",
        "json",
        *AS_OF,
    )
    report = json.loads(r.out)
    rows = [(m["model"], m["total"], m["saving_vs_baseline"]) for m in report["models"]]
    assert rows == [
        ("alpha-free", "0.00", "54.00"),
        ("alpha-lite", "0.60", "53.40"),
        ("alpha-pro", "1.80", "52.20"),
        ("alpha-grad", "4.80", "49.20"),
        ("alpha-tiered", "4.80", "49.20"),
        ("beta-4o", "54.00", "0.00"),
    ]
    assert report["models"][0]["saving_vs_most_expensive_percent"] == "100.0%"


def test_compare_lists_models_that_cannot_serve(cli):
    r = cli(
        "compare",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "100000",
        "--output-tokens",
        "10",
        "-f",
        "json",
        *AS_OF,
    )
    report = json.loads(r.out)
    assert {c["model"] for c in report["cannot_serve"]} == {"alpha-lite", "alpha-free"}
    assert "beta-4o" in {m["model"] for m in report["models"]}


def test_compare_table_has_bars(cli):
    r = cli(
        "compare",
        "-p",
        "alpha",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        *AS_OF,
    )
    assert_golden("compare_table.txt", r.out)
    assert "█" in r.out


def test_compare_a_workload_file(cli):
    r = cli("compare", "-w", str(SMALL_YAML), "-m", "alpha-lite", "-m", "alpha-pro", "-f", "json", *AS_OF)
    report = json.loads(r.out)
    assert report["workloads"] == 3
    # every workload on alpha-lite: 41.40 + 41.40 + 1,000 × (1,000 × 0.0003 + 500 × 0.0006)/1K = 0.60 → 83.40
    assert next((m["model"], m["total"]) for m in report["models"]) == ("alpha-lite", "83.40")


def test_init_writes_the_example_and_refuses_to_overwrite(cli, tmp_path):
    target = tmp_path / "usage.yaml"
    assert cli("init", str(target)).code == 0
    assert target.read_text(encoding="utf-8") == (DATA.parent.parent / "examples" / "workloads.yaml").read_text(
        encoding="utf-8"
    )
    r = cli("init", str(target))
    assert r.code == 2 and "already exists" in r.err
