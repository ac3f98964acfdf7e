"""llmcost check --usage: a month's real spend, per project, against budgets (issue 15, item 5).

Book: tests/data/usage_book (see test_usage.py).  ml-tod (CNY per 1M) from 2026-09-01 peak 4 in / 16 out,
off-peak 2 / 8 (Beijing weekdays 09-12, 14-18 peak); w-cache (USD per 1M) 2 in from 2026-06-01, at 7.2.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import DATA

USAGE_BOOK = DATA / "usage_book"
HEADER = "timestamp,model,input_tokens,output_tokens,project"
ROWS = [
    "2026-11-03T10:00:00+08:00,ml-tod,1000000,1000000,search",  # Tue peak: 4 + 16 = 20
    "2026-11-03T20:00:00+08:00,ml-tod,1000000,0,chat",  # off-peak: 2
    "2026-10-31T23:30:00+08:00,ml-tod,1000000,0,chat",  # October (Beijing): not counted
    "2026-11-30T23:30:00+08:00,w-cache,1000000,0,chat",  # 15:30 UTC, November: $2 = ¥14.40
    "2026-11-05T10:00:00+08:00,ml-tod,1000000,0,",  # no project, peak: 4
    "2025-01-05T10:00:00+08:00,no-such-model,1000000,0,",  # another month: never priced
]
RATE = ["--as-of", "2026-12-01"]
PRICED_AT = (
    "Each record is priced at the price in force on its own day in its vendor's billing zone (Beijing time for "
    "mainland vendors, UTC for global ones); amounts are exact until rendered, then rounded to 0.01 (half up)."
)


@pytest.fixture(autouse=True)
def _usage_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(USAGE_BOOK))


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return str(path)


def check(cli, *args: str):
    return cli("check", *args, *RATE)


def test_projects_over_their_budgets_fail(cli, log):
    r = check(
        cli, "--usage", log, "--month", "2026-11", "--budget", "100", "--budget", "search=10", "--budget", "chat=20"
    )
    assert r.code == 1
    assert r.out == (
        "Project       Records   Spent   Budget  Headroom    Used  Status\n"
        "─────────────────────────────────────────────────────────────────────\n"
        "chat                2  ¥16.40   ¥20.00     ¥3.60   82.0%  ok\n"
        "search              1  ¥20.00   ¥10.00   -¥10.00  200.0%  OVER budget\n"
        "(no project)        1   ¥4.00        —         —       —  ok\n"
        "─────────────────────────────────────────────────────────────────────\n"
        "Total               4  ¥40.40  ¥100.00    ¥59.60   40.4%  ok\n"
        "check failed: 1 of 2 projects over budget; total ¥40.40 spent in 2026-11, within the ¥100.00 budget "
        "(40.4%)\n"
        "  ✗ search is over budget: ¥20.00 of ¥10.00 (200.0%), ¥10.00 over\n"
        "6 records read, 4 in 2026-11; 2 in other months, not counted.\n"
        "Converted at 1 USD = 7.2 CNY (2026-07-01).\n" + PRICED_AT + "\n"
    )
    assert r.err == (
        "llmcost: check failed: 1 of 2 projects over budget; total ¥40.40 spent in 2026-11, "
        "within the ¥100.00 budget (40.4%)\n"
    )


def test_within_budget_passes_json(cli, log):
    r = check(cli, "--usage", log, "--month", "2026-11", "--budget", "40.40", "--budget", "search=20", "-f", "json")
    assert r.code == 0, r.err
    rep = json.loads(r.out)
    assert (rep["kind"], rep["month"], rep["verdict"], rep["failures"]) == ("usage_check", "2026-11", "pass", [])
    assert (rep["total"], rep["budget"], rep["headroom"], rep["percent_used"]) == ("40.40", "40.40", "0.00", "100.0")
    assert (rep["records"], rep["priced_records"], rep["outside_month"]) == (6, 4, 2)
    assert rep["currency"] == "CNY" and rep["fx"]["usd_cny"] == "7.2" and rep["converted"] is True
    assert [
        (x["name"], x["project"], x["records"], x["total"], x["budget"], x["verdict"], x["models"])
        for x in rep["lines"]
    ] == [
        ("chat", "chat", 2, "16.40", None, "ok", ["ml-tod", "w-cache"]),
        ("search", "search", 1, "20.00", "20.00", "ok", ["ml-tod"]),
        ("(no project)", None, 1, "4.00", None, "ok", ["ml-tod"]),
    ]
    assert rep["summary"] == (
        "check passed: total ¥40.40 spent in 2026-11, within the ¥40.40 budget (100.0%); "
        "1 project with a budget, within it"
    )


def test_total_over_budget_markdown_for_a_pull_request(cli, log):
    args = ["--usage", log, "--month", "2026-11", "--budget", "5", "--budget", "search=10", "--currency", "USD"]
    r = check(cli, *args, "-f", "markdown")
    assert r.code == 1
    assert r.out == (
        "### ❌ llmcost: spend check for 2026-11 failed\n"
        "\n"
        "total $5.61 spent in 2026-11, over the $5.00 budget (112.2%); 1 project with a budget, within it\n"
        "\n"
        "| Project | Records | Spent | Budget | Headroom | Used | Status |\n"
        "|---|---:|---:|---:|---:|---:|---|\n"
        "| chat | 2 | $2.28 | — | — | — | ✅ ok |\n"
        "| search | 1 | $2.78 | $10.00 | $7.22 | 27.8% | ✅ ok |\n"
        "| (no project) | 1 | $0.56 | — | — | — | ✅ ok |\n"
        "| **Total** | 4 | **$5.61** | $5.00 | -$0.61 | 112.2% | ❌ over budget |\n"
        "\n"
        "**Failures**\n"
        "\n"
        "- ❌ the total is over budget: $5.61 of $5.00 (112.2%), $0.61 over; largest: search $2.78, chat $2.28, "
        "(no project) $0.56\n"
        "\n"
        "- 6 records read, 4 in 2026-11; 2 in other months, not counted.\n"
        "- Converted at 1 USD = 7.2 CNY (2026-07-01).\n"
        "- " + PRICED_AT + "\n"
        "- Price book cb6bdc480a91fdcd; llmcost 0.1.0\n"
    )


def test_over_total_csv(cli, log):
    r = check(cli, "--usage", log, "--month", "2026-11", "--budget", "40.39", "-f", "csv")
    assert r.code == 1
    assert r.out == (
        "month,name,currency,records,total,budget,headroom,percent_used,verdict\n"
        "2026-11,chat,CNY,2,16.40,,,,ok\n"
        "2026-11,search,CNY,1,20.00,,,,ok\n"
        "2026-11,(no project),CNY,1,4.00,,,,ok\n"
        "2026-11,TOTAL,CNY,4,40.40,40.39,-0.01,100.0,over\n"
    )
    assert r.err == "llmcost: check failed: total ¥40.40 spent in 2026-11, over the ¥40.39 budget (100.0%)\n"


def test_current_month_by_each_vendors_billing_zone(cli, tmp_path, monkeypatch):
    """2026-11-30 16:30 UTC is already December in Beijing but still November in UTC."""
    from llmcost.cli import spend

    now = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc).timestamp()
    monkeypatch.setattr(spend.time, "time", lambda: now)
    path = tmp_path / "u.csv"
    rows = [
        "2026-12-01T00:10:00+08:00,ml-tod,1000000,0,",  # mainland, December in Beijing: counted (off-peak 2)
        "2026-11-30T23:00:00+08:00,ml-tod,2000000,0,",  # mainland, November in Beijing: not counted
        "2026-11-30T16:00:00Z,w-cache,1000000,0,",  # global, November in UTC: counted ($2 = ¥14.40)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    r = check(cli, "--usage", str(path), "--budget", "16", "-f", "json")
    assert r.code == 1, r.err
    rep = json.loads(r.out)
    assert (rep["month"], rep["total"], rep["priced_records"], rep["outside_month"]) == (
        "2026-11/2026-12",
        "16.40",
        2,
        1,
    )


def test_no_record_in_the_month_is_zero_not_silence(cli, log):
    r = check(cli, "--usage", log, "--month", "2026-09", "--budget", "1")
    assert r.code == 0
    assert r.out == (
        "check passed: total ¥0.00 spent in 2026-09, within the ¥1.00 budget (0.0%)\n"
        "6 records read, 0 in 2026-09; 6 in other months, not counted.\n" + PRICED_AT + "\n"
    )


def test_a_project_with_a_budget_and_no_records_spent_nothing(cli, log):
    r = check(cli, "--usage", log, "--month", "2026-11", "--budget", "new=5", "-f", "json")
    assert r.code == 0
    line = next(x for x in json.loads(r.out)["lines"] if x["name"] == "new")
    assert (line["name"], line["records"], line["total"], line["headroom"], line["percent_used"]) == (
        "new",
        0,
        "0.00",
        "5.00",
        "0.0",
    )


def test_skip_unknown_is_counted(cli, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(HEADER + "\n2026-11-03T20:00:00+08:00,ml-tod,1000000,0,a\n2026-11-04T20:00:00+08:00,gone,1,0,a\n")
    r = check(cli, "--usage", str(path), "--month", "2026-11", "--budget", "10", "--skip-unknown")
    assert r.code == 0, r.err
    assert f"Not priced: 1 record of gone: unknown model (first: {path}, line 3)\n" in r.out
    r = check(cli, "--usage", str(path), "--month", "2026-11", "--budget", "10")
    assert (r.code, r.err) == (2, f"llmcost: error: {path}, line 3: unknown model 'gone' (see 'llmcost models')\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--month", "2026-13", "--budget", "1"], "--month: '2026-13' is not a month (use YYYY-MM, e.g. 2026-11)"),
        (["--budget", "a=1", "--budget", "a=2"], "--budget: project 'a' has two budgets"),
        (
            ["--budget", "1", "--budget", "2"],
            "--budget AMOUNT (the total) is given twice (a project's is PROJECT=AMOUNT)",
        ),
        (["--budget", "a=-1"], "--budget a=: a budget cannot be negative, not -1"),
        (["--budget", "a=x"], "--budget a=: 'x' is not a number"),
        (["--budget", "=5"], "--budget '=5': no project name before '='"),
        (
            [],
            "nothing to check: give --budget AMOUNT (the month's total) or --budget PROJECT=AMOUNT "
            "(see 'llmcost check --help')",
        ),
        (["--budget", "1", "--baseline", "x.json"], "--baseline is for workload files, not --usage"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, log, args, message):
    r = check(cli, "--usage", log, *args)
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {message}\n")


def test_project_budgets_need_a_project_column(cli, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("timestamp,model,input_tokens,output_tokens\n2026-11-03T20:00:00+08:00,ml-tod,1,0\n")
    r = check(cli, "--usage", str(path), "--month", "2026-11", "--budget", "app=1")
    assert r.code == 2
    assert r.err == (
        "llmcost: error: --budget app=…: no record has a project (a project column (CSV) or field (JSON Lines) "
        "names each record's project)\n"
    )


def test_workload_checks_keep_their_options(cli, log):
    r = cli("check", "--budget", "1")
    assert (r.code, r.err) == (
        2,
        "llmcost: error: give a workload FILE, or --usage FILE (see 'llmcost check --help')\n",
    )
    r = cli("check", str(DATA / "check_workloads.csv"), "--budget", "a=1")
    assert r.err == "llmcost: error: --budget is given once for a workload file (PROJECT=AMOUNT is for --usage)\n"
    r = cli("check", str(DATA / "check_workloads.csv"), "--month", "2026-11")
    assert r.err == "llmcost: error: --month is for --usage FILE\n"
    r = cli("check", str(DATA / "check_workloads.csv"), "--usage", log, "--budget", "1")
    assert r.err == "llmcost: error: give a workload FILE or --usage FILE, not both\n"


def test_jsonl_from_stdin(cli):
    lines = [
        {
            "model": "ml-tod",
            "created": 1793707200,
            "project": "p",
            "usage": {"prompt_tokens": 1000000, "completion_tokens": 0},
        },
    ]
    text = "".join(json.dumps(x) + "\n" for x in lines)  # 2026-11-03 20:00 Beijing: off-peak 2
    r = cli("check", "--usage", "-", "--month", "2026-11", "--budget", "p=1.99", *RATE, "-f", "json", input=text)
    assert r.code == 1
    assert json.loads(r.out)["failures"] == [
        {"kind": "over_budget", "name": "p", "message": "p is over budget: ¥2.00 of ¥1.99 (100.5%), ¥0.01 over"}
    ]
