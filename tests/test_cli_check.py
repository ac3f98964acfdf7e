"""`llmcost check` through the CLI runner: budgets, baselines, formats and the exit codes 0 / 1 / 2.

The numbers, on the test book on 2024-06-01 (1 USD = 7.1 CNY, the rate of 2024-01-02):

- support-bot: alpha-lite (2024-05-15: ¥0.0003 in / ¥0.0006 out per 1K), 2,000/day × 30 = 60,000 requests
  × (1,500 × 0.0003 + 400 × 0.0006) / 1K = 60,000 × ¥0.00069 = ¥41.40
- summariser: alpha-pro (¥0.8 in / ¥2 out per 1M), 100,000 × (2,000 × 0.8 + 500 × 2) / 1M = ¥260.00
- assistant: beta-4o (2024-05-13: $5 in / $15 out per 1M), 10,000 × (1,000 × 5 + 200 × 15) / 1M = $80.00 = ¥568.00

check_workloads.csv holds support-bot (budget ¥50) and summariser (no budget): total ¥301.40.
check_workloads.yaml holds all three, with budgets ¥50, ¥200 and $10 (= ¥71.00): total ¥869.40.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, assert_golden

from llmcost import __version__

CSV = str(DATA / "check_workloads.csv")
YAML = str(DATA / "check_workloads.yaml")
RAISED = str(DATA / "check_workloads_raised.csv")  # support-bot at 3,000/day: ¥62.10, over its ¥50
BAD = str(DATA / "check_workloads_bad.csv")  # output_tokens 'lots' on line 2
AS_OF = ["--as-of", "2024-06-01"]
HEADER = "name,model,requests_per_day,requests_per_month,input_tokens,output_tokens,budget,currency\n"


def _golden_text(text: str) -> str:
    """Goldens do not change with each release: the version in 'llmcost X.Y.Z' is a placeholder."""
    return text.replace(f"llmcost {__version__}", "llmcost VERSION")


def _one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    return err[:-1]


def _write(path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- exit 0 / 1 on budgets -------------------------------------------------------------------


def test_within_the_total_budget_exits_0(cli):
    r = cli("check", CSV, "--budget", "1000", *AS_OF)
    assert r.code == 0
    # 301.40 / 1,000 = 30.14% → 30.1%; headroom 1,000 − 301.40 = 698.60
    assert _one_line(r.err) == (
        "llmcost: check passed: total ¥301.40 is within the ¥1,000.00 budget (30.1%); "
        "2 workloads, 1 with a budget, within it"
    )
    rows = [line.split() for line in r.out.splitlines()]
    # [n]: the footnote naming the source of the row's price, listed under the table
    assert ["support-bot", "alpha-lite", "[1]", "¥41.40", "¥50.00", "¥8.60", "82.8%", "ok"] in rows
    assert ["summariser", "alpha-pro", "[2]", "¥260.00", "—", "—", "—", "ok"] in rows
    assert ["Total", "¥301.40", "¥1,000.00", "¥698.60", "30.1%", "ok"] in rows


def test_a_budget_equal_to_the_estimate_is_within_it(cli):
    assert cli("check", CSV, "--budget", "301.40", *AS_OF).code == 0
    assert cli("check", CSV, "--budget", "301.39", *AS_OF).code == 1


def test_total_over_budget_exits_1_and_says_by_how_much(cli):
    r = cli("check", CSV, "--budget", "300", *AS_OF, "-f", "json")
    assert r.code == 1
    # 301.40 / 300 = 100.47% → 100.5%; 1.40 over
    assert _one_line(r.err) == (
        "llmcost: check failed: total ¥301.40 is over the ¥300.00 budget (100.5%); "
        "2 workloads, 1 with a budget, within it"
    )
    report = json.loads(r.out)
    assert {k: report[k] for k in ("total", "budget", "budget_as_given", "headroom", "percent_used", "verdict")} == {
        "total": "301.40",
        "budget": "300.00",
        "budget_as_given": {"amount": "300", "currency": "CNY"},
        "headroom": "-1.40",
        "percent_used": "100.5",
        "verdict": "fail",
    }
    assert report["failures"] == [
        {
            "kind": "over_budget",
            "name": None,
            "message": "the total is over budget: ¥301.40 of ¥300.00 (100.5%), ¥1.40 over; "
            "largest: summariser ¥260.00, support-bot ¥41.40",
        }
    ]


def test_per_workload_budgets_from_the_yaml_budget_key_with_a_currency(cli):
    r = cli("check", YAML, *AS_OF, "-f", "json")
    assert r.code == 1
    assert _one_line(r.err) == "llmcost: check failed: 2 of 3 workloads over budget; total ¥869.40"
    report = json.loads(r.out)
    got = [
        (
            line["name"],
            line["total"],
            line["budget"],
            line["budget_as_given"],
            line["headroom"],
            line["percent_used"],
            line["verdict"],
        )
        for line in report["lines"]
    ]
    assert got == [
        ("support-bot", "41.40", "50.00", {"amount": "50", "currency": "CNY"}, "8.60", "82.8", "ok"),
        # 260 / 200 = 130%
        ("summariser", "260.00", "200.00", {"amount": "200", "currency": "CNY"}, "-60.00", "130.0", "over"),
        # $10 at 7.1 = ¥71; 568 / 71 = 800%
        ("assistant", "568.00", "71.00", {"amount": "10", "currency": "USD"}, "-497.00", "800.0", "over"),
    ]
    assert (report["total"], report["budget"], report["headroom"], report["verdict"]) == ("869.40", None, None, "fail")
    assert [(f["kind"], f["name"]) for f in report["failures"]] == [
        ("over_budget", "summariser"),
        ("over_budget", "assistant"),
    ]


def test_per_workload_budgets_from_the_csv_budget_column(cli):
    r = cli("check", RAISED, *AS_OF, "-f", "json")
    assert r.code == 1
    # 3,000/day × 30 = 90,000 × ¥0.00069 = ¥62.10 of ¥50: 124.2%, ¥12.10 over
    assert _one_line(r.err) == "llmcost: check failed: 1 of 2 workloads over budget (1 with a budget); total ¥322.10"
    report = json.loads(r.out)
    bot, summariser = report["lines"]
    assert (bot["total"], bot["budget"], bot["headroom"], bot["percent_used"], bot["verdict"]) == (
        "62.10",
        "50.00",
        "-12.10",
        "124.2",
        "over",
    )
    assert (summariser["budget"], summariser["headroom"], summariser["verdict"]) == (None, None, "ok")
    assert [f["message"] for f in report["failures"]] == [
        "support-bot is over budget: ¥62.10 of ¥50.00 (124.2%), ¥12.10 over"
    ]


def test_budgets_in_the_other_currency_are_converted_at_the_pricing_rate(cli):
    r = cli("check", YAML, "--currency", "USD", "--budget", "130", *AS_OF, "-f", "json")
    # In USD: ¥41.40 / 7.1 = $5.83, ¥260 / 7.1 = $36.62, $80; total (exact) 122.4507… → $122.45 of $130 = 94.2%.
    # The budgets without a currency are in the report currency ($50, $200); the assistant's $10 stays $10.
    assert r.code == 1
    assert _one_line(r.err) == (
        "llmcost: check failed: 1 of 3 workloads over budget; total $122.45 is within the $130.00 budget (94.2%)"
    )
    report = json.loads(r.out)
    assert [(line["name"], line["total"], line["budget"], line["verdict"]) for line in report["lines"]] == [
        ("support-bot", "5.83", "50.00", "ok"),
        ("summariser", "36.62", "200.00", "ok"),
        ("assistant", "80.00", "10.00", "over"),
    ]
    assert (report["budget"], report["headroom"], report["percent_used"]) == ("130.00", "7.55", "94.2")

    # A CNY budget in a USD report: ¥50 / 7.1 = $7.04; shown with the amount as given.
    r = cli("check", CSV, "--currency", "USD", *AS_OF)
    assert r.code == 0
    assert ["support-bot", "alpha-lite", "[1]", "$5.83", "$7.04", "(¥50.00)", "$1.21", "82.8%", "ok"] in [
        line.split() for line in r.out.splitlines()
    ]


def test_table_golden(cli):
    r = cli("check", YAML, "--budget", "1000", *AS_OF)
    assert r.code == 1
    assert_golden("check_table.txt", _golden_text(r.out))


def test_markdown_names_the_workloads_over_budget(cli):
    r = cli("check", YAML, "--budget", "1000", *AS_OF, "-f", "markdown")
    assert r.code == 1
    assert_golden("check_markdown.md", _golden_text(r.out))
    lines = r.out.splitlines()
    # the summary first, then the table, the failures, and the price dates used
    assert lines[0] == "### ❌ llmcost: monthly LLM cost check failed"
    assert lines[2] == "2 of 3 workloads over budget; total ¥869.40 is within the ¥1,000.00 budget (86.9%)"
    table = lines.index("| Workload | Model | Estimate | Budget | Headroom | Used | Status |")
    failures = lines.index("**Failures**")
    prices = lines.index("**Prices used**")
    assert 2 < table < failures < prices
    assert lines[failures + 2 : failures + 4] == [
        "- ❌ summariser is over budget: ¥260.00 of ¥200.00 (130.0%), ¥60.00 over",
        "- ❌ assistant is over budget: ¥568.00 of ¥71.00 (800.0%), ¥497.00 over",
    ]
    assert "| summariser | alpha-pro | ¥260.00 | ¥200.00 | -¥60.00 | 130.0% | ❌ over budget |" in lines
    assert "| assistant | beta-4o | ¥568.00 | ¥71.00 ($10.00) | -¥497.00 | 800.0% | ❌ over budget |" in lines
    assert {
        "- alpha-lite: price effective 2024-05-15",
        "- alpha-pro: price effective 2024-05-15",
        "- beta-4o: price effective 2024-05-13",
    } <= set(lines[prices:])


def test_markdown_when_passing(cli):
    r = cli("check", CSV, "--budget", "1000", *AS_OF, "-f", "md")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[:3] == [
        "### ✅ llmcost: monthly LLM cost check passed",
        "",
        "total ¥301.40 is within the ¥1,000.00 budget (30.1%); 2 workloads, 1 with a budget, within it",
    ]
    assert "**Failures**" not in lines
    assert "| **Total** |  | **¥301.40** | ¥1,000.00 | ¥698.60 | 30.1% | ✅ ok |" in lines


# -- stdout stays clean: the verdict is one line on stderr -------------------------------------


@pytest.mark.parametrize("budget, code, verdict", [("1000", 0, "pass"), ("100", 1, "fail")])
def test_json_on_stdout_verdict_on_stderr(cli, book, budget, code, verdict):
    r = cli("check", CSV, "--budget", budget, *AS_OF, "--format", "json")
    assert r.code == code
    assert _one_line(r.err).startswith(f"llmcost: check {verdict}ed: ")
    report = json.loads(r.out)  # nothing but the JSON on stdout
    assert report["verdict"] == verdict
    assert (report["as_of"], report["price_book"], report["currency"]) == ("2024-06-01", book.digest, "CNY")
    assert len(book.digest) == 16
    assert report["fx"] == {"usd_cny": "7.1", "date": "2024-01-02", "source": "https://example.com/fx/1"}
    assert report["summary"] == _one_line(r.err)[len("llmcost: ") :]
    for key in ("budget", "headroom", "percent_used", "baseline", "failures", "lines", "total"):
        assert key in report


def test_stdin(cli):
    data = (DATA / "check_workloads.csv").read_bytes()
    r = cli("check", "-", "--budget", "1000", *AS_OF, "-f", "json", input=data)
    assert (r.code, json.loads(r.out)["total"]) == (0, "301.40")


# -- baselines ---------------------------------------------------------------------------------


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder to work in, so the baseline's file name in the reports is a short relative one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "maker",
    [
        ["estimate", "--workloads", CSV, "-f", "json"],
        ["check", CSV, "--budget", "1000", "-f", "json"],
    ],
)
def test_raising_one_workload_fails_max_increase_10_percent(cli, work, maker):
    r = cli(*maker, *AS_OF)
    assert r.code == 0
    (work / "old.json").write_text(r.out, encoding="utf-8")
    raised = _write(
        work / "raised.csv",
        HEADER + "support-bot,alpha-lite,2000,,1500,400,50,CNY\nsummariser,alpha-pro,,150000,2000,500,,\n",
    )
    # summariser 150,000 × 2,600 / 1M = ¥390.00 (+¥130.00, +50%); total 301.40 → 431.40: +130 / 301.40 = +43.1%
    r = cli("check", raised, "--baseline", "old.json", "--max-increase", "10%", *AS_OF, "-f", "json")
    assert r.code == 1
    assert _one_line(r.err) == (
        "llmcost: check failed: total ¥431.40 is up ¥130.00 (43.1%) since the baseline, "
        "more than the 10% allowed; 2 workloads, 1 with a budget, within it"
    )
    report = json.loads(r.out)
    base = report["baseline"]
    assert {
        k: base[k]
        for k in (
            "file",
            "baseline_total",
            "total",
            "change",
            "percent_change",
            "exceeds_max_increase",
            "max_increase",
            "max_increase_per_workload",
            "added",
            "removed",
            "unchanged",
            "differences",
        )
    } == {
        "file": "old.json",
        "baseline_total": "301.40",
        "total": "431.40",
        "change": "130.00",
        "percent_change": "43.1",
        "exceeds_max_increase": True,
        "max_increase": "10%",
        "max_increase_per_workload": None,
        "added": [],
        "removed": [],
        "unchanged": 1,
        "differences": [],
    }
    assert base["changed"] == [
        {
            "name": "summariser",
            "status": "changed",
            "baseline_total": "260.00",
            "total": "390.00",
            "change": "130.00",
            "percent_change": "50.0",
            "exceeds_max_increase": False,
        }
    ]
    assert report["failures"] == [
        {
            "kind": "over_increase",
            "name": None,
            "message": "the total is up ¥130.00 (43.1%) since the baseline, more than the 10% allowed",
        }
    ]

    r = cli("check", raised, "--baseline", "old.json", "--max-increase", "10%", *AS_OF)
    assert r.code == 1
    assert "Changed: summariser ¥260.00 → ¥390.00, +¥130.00 (+50.0%)" in r.out.splitlines()
    assert "Baseline old.json: total ¥301.40 → ¥431.40, +¥130.00 (+43.1%); limits: total 10%" in r.out.splitlines()
    # within a looser limit it passes: +43.1% ≤ 50%
    assert cli("check", raised, "--baseline", "old.json", "--max-increase", "50%", *AS_OF).code == 0


def test_max_increase_as_an_amount(cli, work):
    (work / "old.json").write_text(cli("estimate", "-w", CSV, "-f", "json", *AS_OF).out, encoding="utf-8")
    raised = _write(
        work / "raised.csv",
        HEADER + "support-bot,alpha-lite,2000,,1500,400,50,CNY\nsummariser,alpha-pro,,150000,2000,500,,\n",
    )
    # the total rose by ¥130.00
    for limit, code in (("500", 0), ("130", 0), ("129.99", 1), ("1,000", 0)):
        r = cli("check", raised, "--baseline", "old.json", "--max-increase", limit, *AS_OF, "-f", "json")
        assert (limit, r.code) == (limit, code)
    r = cli("check", raised, "--baseline", "old.json", "--max-increase", "100", *AS_OF, "-f", "json")
    assert [f["message"] for f in json.loads(r.out)["failures"]] == [
        "the total is up ¥130.00 (43.1%) since the baseline, more than the ¥100.00 allowed"
    ]
    assert _one_line(r.err) == (
        "llmcost: check failed: total ¥431.40 is up ¥130.00 (43.1%) since the baseline, "
        "more than the ¥100.00 allowed; 2 workloads, 1 with a budget, within it"
    )


def test_max_increase_per_workload(cli, work):
    (work / "old.json").write_text(cli("check", CSV, "--budget", "1000", "-f", "json", *AS_OF).out, encoding="utf-8")
    # support-bot 41.40 → 62.10: +20.70, +50%; the total 301.40 → 322.10: +6.9%, within 10%
    r = cli(
        "check",
        RAISED,
        "--baseline",
        "old.json",
        "--max-increase",
        "10%",
        "--max-increase-per-workload",
        "20%",
        *AS_OF,
        "-f",
        "json",
    )
    assert r.code == 1
    report = json.loads(r.out)
    assert (report["baseline"]["percent_change"], report["baseline"]["exceeds_max_increase"]) == ("6.9", False)
    assert [(f["kind"], f["name"], f["message"]) for f in report["failures"]] == [
        ("over_budget", "support-bot", "support-bot is over budget: ¥62.10 of ¥50.00 (124.2%), ¥12.10 over"),
        (
            "over_increase",
            "support-bot",
            "support-bot is up ¥20.70 (50.0%) since the baseline, more than the 20% allowed per workload",
        ),
    ]
    assert _one_line(r.err) == (
        "llmcost: check failed: 1 of 2 workloads over budget (1 with a budget); "
        "1 of 2 workloads up more than the 20% allowed per workload; "
        "total ¥322.10 is up ¥20.70 (6.9%) since the baseline, within the 10% allowed"
    )
    # per-workload as an amount: +20.70 against 25 passes the limit (the ¥50 budget still fails)
    r = cli("check", RAISED, "--baseline", "old.json", "--max-increase-per-workload", "25", *AS_OF, "-f", "json")
    assert [f["kind"] for f in json.loads(r.out)["failures"]] == ["over_budget"]
    r = cli("check", RAISED, "--baseline", "old.json", "--max-increase-per-workload", "20", *AS_OF, "-f", "json")
    assert [f["message"] for f in json.loads(r.out)["failures"]][1] == (
        "support-bot is up ¥20.70 (50.0%) since the baseline, more than the ¥20.00 allowed per workload"
    )


def test_added_removed_and_changed_workloads(cli, work):
    (work / "old.json").write_text(cli("check", YAML, "-f", "json", *AS_OF).out, encoding="utf-8")
    new = _write(
        work / "new.csv",
        HEADER + "support-bot,alpha-lite,2000,,1500,400,50,CNY\n"
        "summariser,alpha-pro,,200000,2000,500,,\n"
        "translator,alpha-lite,,10000,1000,1000,,\n",
    )
    # summariser doubles: ¥520.00 (+¥260.00, +100%); translator is new: 10,000 × (0.3 + 0.6)/1K = ¥9.00;
    # assistant (¥568.00) is gone. Total 869.40 → 570.40: −¥299.00, −34.4%.
    r = cli(
        "check",
        new,
        "--baseline",
        "old.json",
        "--max-increase",
        "10%",
        "--max-increase-per-workload",
        "50%",
        *AS_OF,
        "-f",
        "json",
    )
    assert r.code == 1
    base = json.loads(r.out)["baseline"]
    assert (base["baseline_total"], base["total"], base["change"], base["percent_change"]) == (
        "869.40",
        "570.40",
        "-299.00",
        "-34.4",
    )
    assert base["added"] == [{"name": "translator", "total": "9.00"}]
    assert base["removed"] == [{"name": "assistant", "baseline_total": "568.00"}]
    assert [(c["name"], c["change"], c["percent_change"], c["exceeds_max_increase"]) for c in base["changed"]] == [
        ("summariser", "260.00", "100.0", True)
    ]
    assert base["unchanged"] == 1
    assert [f["message"] for f in json.loads(r.out)["failures"]] == [
        "summariser is up ¥260.00 (100.0%) since the baseline, more than the 50% allowed per workload"
    ]

    r = cli(
        "check",
        new,
        "--baseline",
        "old.json",
        "--max-increase",
        "10%",
        "--max-increase-per-workload",
        "50%",
        *AS_OF,
        "-f",
        "markdown",
    )
    assert r.code == 1
    assert_golden("check_baseline_markdown.md", _golden_text(r.out))
    prefixes = ("- Added", "- Removed", "- Changed", "- Unchanged")
    summary = [line for line in r.out.splitlines() if line.startswith(prefixes)]
    assert summary == [
        "- Added: translator (¥9.00)",
        "- Removed: assistant (was ¥568.00)",
        "- Changed: summariser ¥260.00 → ¥520.00, +¥260.00 (+100.0%)",
        "- Unchanged: 1 workload",
    ]


def test_checking_the_same_files_against_their_own_baseline_is_no_change(cli, work):
    (work / "old.json").write_text(cli("check", YAML, "-f", "json", *AS_OF).out, encoding="utf-8")
    r = cli(
        "check",
        YAML,
        "--baseline",
        "old.json",
        "--max-increase",
        "0",
        "--max-increase-per-workload",
        "0%",
        "--budget",
        "1000",
        *AS_OF,
        "-f",
        "json",
    )
    base = json.loads(r.out)["baseline"]
    assert (base["change"], base["percent_change"], base["changed"], base["unchanged"]) == ("0.00", "0.0", [], 3)
    assert [f["kind"] for f in json.loads(r.out)["failures"]] == ["over_budget", "over_budget"]  # the budgets only


def test_a_baseline_priced_differently_is_reported(cli, work):
    (work / "old.json").write_text(cli("estimate", "-w", CSV, "-f", "json", *AS_OF).out, encoding="utf-8")
    # 2024-06-05: same alpha prices, but the rate of 2024-06-03 (7.2)
    r = cli("check", CSV, "--baseline", "old.json", "--max-increase", "10%", "--as-of", "2024-06-05", "-f", "json")
    assert r.code == 0
    assert json.loads(r.out)["baseline"]["differences"] == [
        {"what": "prices as of", "baseline": "2024-06-01", "current": "2024-06-05"},
        {"what": "USD/CNY rate", "baseline": "7.1 (2024-01-02)", "current": "7.2 (2024-06-03)"},
    ]
    r = cli("check", CSV, "--baseline", "old.json", "--max-increase", "10%", "--as-of", "2024-06-05", "-f", "md")
    assert "- Priced differently from the baseline: USD/CNY rate 7.1 (2024-01-02) → 7.2 (2024-06-03)" in (
        r.out.splitlines()
    )

    old = json.loads((work / "old.json").read_text(encoding="utf-8"))
    real = old["price_book"]
    old["price_book"] = "0123456789abcdef"
    (work / "edited.json").write_text(json.dumps(old), encoding="utf-8")
    r = cli("check", CSV, "--baseline", "edited.json", "--max-increase", "10%", *AS_OF, "-f", "json")
    assert json.loads(r.out)["baseline"]["differences"] == [
        {"what": "price book", "baseline": "0123456789abcdef", "current": real}
    ]
    r = cli("check", CSV, "--baseline", "edited.json", "--max-increase", "10%", *AS_OF)
    assert f"Priced differently from the baseline: price book 0123456789abcdef → {real}" in r.out.splitlines()


def test_a_baseline_from_before_a_price_cut_names_the_prices_that_changed(cli, work):
    war = _write(
        work / "war.yaml",
        "version: 1\nworkloads:\n"
        "  - {name: support-bot, model: alpha-lite, requests_per_day: 2000, input_tokens: 1500,"
        " output_tokens: 400}\n"
        "  - {name: assistant, model: beta-4o, requests_per_month: 10000, input_tokens: 1000,"
        " output_tokens: 200}\n",
    )
    # 2024-05-14: alpha-lite still at ¥0.008 / ¥0.008 per 1K: 60,000 × (1,500 + 400) × 0.008 / 1K = ¥912.00;
    # beta-4o already at $5 / $15 (2024-05-13): ¥568.00 both times, at the same rate 7.1.
    (work / "old.json").write_text(
        cli("estimate", "-w", war, "--as-of", "2024-05-14", "-f", "json").out, encoding="utf-8"
    )
    r = cli("check", war, "--baseline", "old.json", "--max-increase", "0", *AS_OF, "-f", "json")
    assert r.code == 0  # the price cut: 1,480.00 → 609.40
    base = json.loads(r.out)["baseline"]
    assert (base["baseline_total"], base["total"], base["change"], base["percent_change"]) == (
        "1480.00",
        "609.40",
        "-870.60",
        "-58.8",
    )
    assert base["differences"] == [
        {"what": "prices as of", "baseline": "2024-05-14", "current": "2024-06-01"},
        {
            "what": "price of alpha-lite",
            "baseline": "0.008/0.008 CNY per 1K tokens in/out (effective 2024-01-01)",
            "current": "0.0003/0.0006 CNY per 1K tokens in/out (effective 2024-05-15)",
        },
    ]  # beta-4o: no change
    r = cli("check", war, "--baseline", "old.json", "--max-increase", "0", *AS_OF, "-f", "markdown")
    assert (
        "- Priced differently from the baseline: price of alpha-lite 0.008/0.008 CNY per 1K tokens in/out "
        "(effective 2024-01-01) → 0.0003/0.0006 CNY per 1K tokens in/out (effective 2024-05-15)"
    ) in (r.out.splitlines())


# -- exit 2: bad input, one line, never 0 or 1 ---------------------------------------------------


@pytest.mark.parametrize("args", [[], ["--budget", "1000000"], ["--budget", "0"], ["-f", "json"], ["-f", "markdown"]])
def test_a_malformed_workload_file_exits_2_with_one_line(cli, args):
    r = cli("check", BAD, *args, *AS_OF)
    assert (r.code, r.out) == (2, "")
    assert _one_line(r.err) == f"llmcost: error: {BAD}, line 2, column 'output_tokens': 'lots' is not a number"


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "neg.csv",
            HEADER + "bot,alpha-lite,1,,1,1,-3,\n",
            "neg.csv, line 2, column 'budget': budget must be at least 0, not -3",
        ),
        (
            "eur.csv",
            HEADER + "bot,alpha-lite,1,,1,1,3,EUR\n",
            "eur.csv, line 2, column 'currency': unknown currency 'EUR'",
        ),
        ("unknown.csv", HEADER + "bot,alpha-lte,1,,1,1,3,\n", "unknown.csv, line 2: unknown model 'alpha-lte'"),
        ("bad.yaml", "version: 1\nworkloads:\n  - [unclosed\n", "bad.yaml, line 4: invalid YAML"),
        (
            "cheap.yaml",
            "version: 1\nworkloads:\n  - {name: a, model: alpha-lite, requests_per_month: 1, input_tokens: 1,"
            " output_tokens: 1, budget: cheap}\n",
            "cheap.yaml, line 3, field workloads[0].budget: 'cheap' is not a number",
        ),
        ("empty.csv", "", "empty.csv: empty workload file"),
    ],
)
def test_bad_workload_files_exit_2(cli, work, name, content, message):
    _write(work / name, content)
    for budget in ("0", "1000000"):  # a budget that would fail, and one that would pass
        r = cli("check", name, "--budget", budget, *AS_OF)
        assert (r.code, r.out) == (2, "")
        assert _one_line(r.err).startswith("llmcost: error: " + message)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"lines": [', "old.json, line 1: not valid JSON"),
        ("[]", "old.json: not an llmcost baseline: the top level is not an object"),
        ('{"schema_version": 1, "currency": "CNY", "total": "1.00"}', "old.json: not an llmcost baseline: no 'lines'"),
        (
            '{"schema_version": 1, "currency": "CNY", "total": "1.00", '
            '"lines": [{"model": "alpha-lite", "total": "1"}]}',
            "old.json: not an llmcost baseline: lines[0] has no workload 'name' (was it made with --workloads?)",
        ),
        (
            '{"schema_version": 1, "currency": "CNY", "total": 1.5, "lines": []}',
            "old.json: not an llmcost baseline: total is ",
        ),  # a JSON number, not a string like "1.50"
        (
            '{"schema_version": 1, "currency": "USD", "total": "1.00", "lines": []}',
            "--baseline old.json is in USD but this check is in CNY (run the check with --currency USD)",
        ),
    ],
)
def test_a_malformed_baseline_exits_2(cli, work, content, message):
    _write(work / "old.json", content)
    r = cli("check", CSV, "--baseline", "old.json", "--max-increase", "10%", "--budget", "1000", *AS_OF)
    assert (r.code, r.out) == (2, "")
    assert _one_line(r.err).startswith("llmcost: error: " + message)


def test_a_single_estimate_is_not_a_baseline(cli, work):
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "-f",
        "json",
        *AS_OF,
    )
    _write(work / "old.json", r.out)
    r = cli("check", CSV, "--baseline", "old.json", "--max-increase", "10%", *AS_OF)
    assert (r.code, r.out) == (2, "")
    assert "lines[0] has no workload 'name' (was it made with --workloads?)" in _one_line(r.err)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            [],
            "nothing to check: give --budget AMOUNT, a budget in the workload file, or --baseline with --max-increase",
        ),
        (["--budget", "abc"], "--budget: 'abc' is not a number"),
        (["--budget", "-5"], "--budget must be at least 0, not -5"),
        (["--max-increase", "10%"], "--max-increase and --max-increase-per-workload need --baseline PREVIOUS.json"),
        (["--budget", "1", "--max-increase", "ten"], "--max-increase: 'ten' is not an allowed increase"),
        (["--budget", "1", "-f", "xml"], "--format: 'xml' is not one of table, json, csv, markdown"),
        (["--budget", "1", "--baseline", "missing.json"], "missing.json: no such file"),
    ],
)
def test_usage_errors_exit_2(cli, work, args, message):
    (work / "w.csv").write_text(
        "name,model,requests_per_month,input_tokens,output_tokens\nbot,alpha-lite,100,10,10\n", encoding="utf-8"
    )
    r = cli("check", "w.csv", *args, *AS_OF)
    assert (r.code, r.out) == (2, "")
    assert _one_line(r.err).startswith("llmcost: error: " + message)


# -- determinism ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "markdown", "table"])
def test_same_inputs_give_byte_identical_reports(cli, work, fmt):
    (work / "old.json").write_text(cli("estimate", "-w", CSV, "-f", "json", *AS_OF).out, encoding="utf-8")
    args = ["check", YAML, "--budget", "1000", "--baseline", "old.json", "--max-increase", "10%", *AS_OF, "-f", fmt]
    first, second = cli(*args), cli(*args)
    assert first.code == second.code == 1
    assert first.out.encode("utf-8") == second.out.encode("utf-8")
    assert first.err == second.err


def test_the_json_records_what_reproduces_it(cli, work, book):
    """A check's JSON, used as the baseline of the same check, says nothing changed and nothing differs."""
    r = cli("check", YAML, "--budget", "1000", *AS_OF, "-f", "json")
    report = json.loads(r.out)
    assert (report["as_of"], report["price_book"]) == ("2024-06-01", book.digest)
    _write(work / "old.json", r.out)
    again = json.loads(cli("check", YAML, "--budget", "1000", "--baseline", "old.json", *AS_OF, "-f", "json").out)
    assert (again["baseline"]["differences"], again["baseline"]["change"]) == ([], "0.00")
    assert {k: v for k, v in again.items() if k not in ("baseline", "lines", "summary")} == {
        k: v for k, v in report.items() if k not in ("baseline", "lines", "summary")
    }


# -- the verdict says what failed, first, at the precision shown (issue 11, item 5) ----------------


def test_the_verdict_names_the_failure_first_and_counts_every_workload(cli, work):
    three = _write(
        work / "three.yaml",
        "version: 1\nworkloads:\n"
        "  - {name: support-bot, model: alpha-lite, requests_per_day: 2000, input_tokens: 1500,"
        " output_tokens: 400, budget: 50}\n"
        "  - {name: summariser, model: alpha-pro, requests_per_month: 100000, input_tokens: 2000,"
        " output_tokens: 500, budget: 300}\n"
        "  - {name: assistant, model: beta-4o, requests_per_month: 10000, input_tokens: 1000,"
        " output_tokens: 200}\n",
    )
    # ¥41.40 of ¥50 and ¥260.00 of ¥300: both within; the total ¥869.40 of ¥800: 108.675% → 108.7%
    r = cli("check", three, "--budget", "800", *AS_OF)
    assert r.code == 1
    assert _one_line(r.err) == (
        "llmcost: check failed: total ¥869.40 is over the ¥800.00 budget (108.7%); "
        "3 workloads, 2 with budgets, both within"
    )
    lines = r.out.splitlines()
    total = lines.index(
        "check failed: total ¥869.40 is over the ¥800.00 budget (108.7%); 3 workloads, 2 with budgets, both within"
    )
    assert lines[total - 1] == "Total                         ¥869.40  ¥800.00   -¥69.40  108.7%  OVER budget"
    assert lines[total + 1] == (
        "  ✗ the total is over budget: ¥869.40 of ¥800.00 (108.7%), ¥69.40 over; largest: "
        "assistant ¥568.00, summariser ¥260.00, support-bot ¥41.40"
    )


def test_the_status_says_whether_a_budget_or_an_increase_limit_failed(cli, work):
    (work / "old.json").write_text(cli("estimate", "-w", CSV, "-f", "json", *AS_OF).out, encoding="utf-8")
    # support-bot 41.40 → 62.10 (+50.0%, over its ¥50); the total 301.40 → 322.10 (+6.9%), no --budget
    r = cli(
        "check", RAISED, "--baseline", "old.json", "--max-increase", "5%", "--max-increase-per-workload", "20%", *AS_OF
    )
    assert r.code == 1
    assert r.out.splitlines()[:6] == [
        "Workload     Model           Estimate  Budget  Headroom    Used            Change  Status",
        "─" * 93,
        "support-bot  alpha-lite [1]    ¥62.10  ¥50.00   -¥12.10  124.2%  +¥20.70 (+50.0%)  OVER both",
        "summariser   alpha-pro [2]    ¥260.00       —         —       —                 —  ok",
        "─" * 93,
        "Total                         ¥322.10       —         —       —   +¥20.70 (+6.9%)  OVER limit",
    ]
    assert _one_line(r.err) == (
        "llmcost: check failed: total ¥322.10 is up ¥20.70 (6.9%) since the baseline, more than the 5% allowed; "
        "1 of 2 workloads over budget (1 with a budget); 1 of 2 workloads up more than the 20% allowed per workload"
    )
    # a budget as well: the total fails both
    r = cli("check", RAISED, "--baseline", "old.json", "--max-increase", "5%", "--budget", "300", *AS_OF, "-f", "md")
    assert r.out.splitlines()[2] == (
        "total ¥322.10 is over the ¥300.00 budget (107.4%) and up ¥20.70 (6.9%) since the baseline, more than the 5% "
        "allowed; 1 of 2 workloads over budget (1 with a budget)"
    )
    assert r.out.splitlines()[6:9] == [
        "| support-bot | alpha-lite | ¥62.10 | ¥50.00 | -¥12.10 | 124.2% | +¥20.70 (+50.0%) | ❌ over budget |",
        "| summariser | alpha-pro | ¥260.00 | — | — | — | — | ✅ ok |",
        "| **Total** |  | **¥322.10** | ¥300.00 | -¥22.10 | 107.4% | +¥20.70 (+6.9%) | ❌ over both |",
    ]


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_a_rise_is_said_once_without_a_doubled_sign(cli, work, fmt):
    (work / "old.json").write_text(cli("estimate", "-w", CSV, "-f", "json", *AS_OF).out, encoding="utf-8")
    r = cli("check", RAISED, "--baseline", "old.json", "--max-increase", "5%", *AS_OF, "-f", fmt)
    assert r.code == 1
    assert "up +" not in r.out + r.err and "(+6.9%) since" not in r.out + r.err
    assert "the total is up ¥20.70 (6.9%) since the baseline, more than the 5% allowed" in r.out


@pytest.mark.parametrize(
    "requests, shown, code",
    [
        # alpha-pro ¥0.8 per 1M input tokens: 100,001 × 750 × 0.8 / 1M = ¥60.0006 → ¥60.00 of ¥60.00: within
        ("100001", ("¥60.00", "¥0.00", "100.0%", "ok"), 0),
        # 100,017 × 750 × 0.8 / 1M = ¥60.0102 → ¥60.01: over by the ¥0.01 shown
        ("100017", ("¥60.01", "-¥0.01", "100.0%", "OVER budget"), 1),
    ],
)
def test_an_estimate_shown_equal_to_its_budget_is_within_it(cli, work, requests, shown, code):
    edge = _write(
        work / "edge.csv",
        f"name,model,requests_per_month,input_tokens,output_tokens,budget\nedge,alpha-pro,{requests},750,0,60\n",
    )
    estimate, headroom, used, status = shown
    r = cli("check", edge, "--budget", "60", *AS_OF)
    assert r.code == code
    assert r.out.splitlines()[2] == f"edge      alpha-pro [1]    {estimate}  ¥60.00    {headroom:>6}  {used}  {status}"
    verdict = (
        "check passed: total ¥60.00 is within the ¥60.00 budget (100.0%); 1 workload, within its budget"
        if code == 0
        else "check failed: total ¥60.01 is over the ¥60.00 budget (100.0%); 1 of 1 workload over budget"
    )
    assert _one_line(r.err) == f"llmcost: {verdict}"

    md = cli("check", edge, "--budget", "60", *AS_OF, "-f", "markdown")
    mark = "✅ ok" if code == 0 else "❌ over budget"
    assert f"| edge | alpha-pro | {estimate} | ¥60.00 | {headroom} | {used} | {mark} |" in md.out.splitlines()

    report = json.loads(cli("check", edge, "--budget", "60", *AS_OF, "-f", "json").out)
    line = report["lines"][0]
    assert (line["total"], line["budget"], line["headroom"], line["percent_used"], line["verdict"]) == (
        estimate[1:],
        "60.00",
        headroom.replace("¥", ""),
        used[:-1],
        "ok" if code == 0 else "over",
    )
    assert (report["total"], report["headroom"], report["verdict"]) == (
        estimate[1:],
        headroom.replace("¥", ""),
        "pass" if code == 0 else "fail",
    )
    assert [f["message"] for f in report["failures"]] == (
        []
        if code == 0
        else [
            "edge is over budget: ¥60.01 of ¥60.00 (100.0%), ¥0.01 over",
            "the total is over budget: ¥60.01 of ¥60.00 (100.0%), ¥0.01 over; largest: edge ¥60.01",
        ]
    )


def test_a_limit_more_precise_than_shown_is_refused(cli):
    r = cli("check", CSV, "--budget", "1000", "--baseline", CSV, "--max-increase", "12.55%", *AS_OF)
    assert (r.code, r.out) == (2, "")
    assert _one_line(r.err) == (
        "llmcost: error: --max-increase: '12.55%' is more precise than a report shows "
        "(give a percentage with at most one decimal (12.5%) or an amount with at most two "
        "(129.99))"
    )
