"""`llmcost history` and `llmcost prices diff` through the CLI runner (issue 6, items 6 and 7).

The test book's dated prices, per 1M tokens (quoted per 1K for alpha-lite and alpha-free):
  alpha-lite  2024-01-01: 8 / 8 ("before the cut")    2024-05-15: 0.3 / 0.6
              input (0.3 - 8) / 8 = -0.9625 → -96.3% (half up); output (0.6 - 8) / 8 = -0.925 → -92.5%
  alpha-pro   2024-05-15: 0.8 / 2        alpha-free 2024-05-21: 0 / 0
  alpha-tiered, alpha-grad 2025-01-01: tiered, first band 0.8 / 8
  beta-4o     2024-05-13: 5 / 15 USD     2024-10-02: 2.5 / 10: input -50.0%, output -5/15 → -33.3%
"""

from __future__ import annotations

import json

import pytest
from conftest import BOOK, DATA, assert_golden

AS_OF = ["--as-of", "2025-06-01"]  # fixed, so "Prices as of ..." does not move with the calendar
OLD, NEW = str(DATA / "diff" / "old.yaml"), str(DATA / "diff" / "new.yaml")


def report(cli, *args):
    r = cli(*args, "-f", "json")
    assert (r.code, r.err) == (0, ""), r.err
    return json.loads(r.out)


def cells(row: str) -> list[str]:
    """A rendered table row split on its column gaps (two or more spaces)."""
    import re

    return re.split(r"\s{2,}", row.strip())


# -- history of one model ------------------------------------------------------------------


def test_history_table_shows_the_cut_with_its_percentage(cli):
    r = cli("history", "alpha-lite", *AS_OF)
    assert (r.code, r.err) == (0, "")
    assert_golden("history_alpha_lite.txt", r.out)
    rows = r.out.splitlines()
    assert rows[0] == "alpha-lite — Alpha Lite (alpha, CNY)"
    assert rows[4] == "2024-05-15 [2]  0.0003 / 0.0006 CNY/1K     0.3     -96.3%      0.6      -92.5%"
    assert cells(rows[3]) == ["2024-01-01 [1]", "0.008 / 0.008 CNY/1K", "8", "first", "8", "first", "before the cut"]


def test_history_table_has_a_chart_of_price_over_time(cli):
    out = cli("history", "alpha-lite", *AS_OF).out
    # bars scale to the largest price: 8 → 30 full cells; 0.3 → 0.3 × 30 / 8 = 1.125 cells = 9 eighths
    # → one full cell and one eighth
    assert (
        "Input price per 1M tokens (CNY):\n  2024-01-01 " + "█" * 30 + " 8\n  2024-05-15 █▏" + " " * 28 + " 0.3\n"
    ) in out


def test_no_chart_for_a_single_price_nor_in_json_or_csv(cli):
    # exit 0 and a report each time: an empty output would pass the `not in` checks
    single = cli("history", "alpha-pro", *AS_OF)
    assert single.code == 0 and "alpha-pro" in single.out
    assert "Input price per 1M" not in single.out
    for fmt in ("json", "csv"):
        r = cli("history", "alpha-lite", *AS_OF, "-f", fmt)
        assert r.code == 0 and "2024-05-15" in r.out
        assert "█" not in r.out and "Input price per 1M" not in r.out


def test_history_markdown_has_a_plain_text_chart(cli):
    out = cli("history", "alpha-lite", *AS_OF, "-f", "markdown").out
    assert out.startswith("### alpha-lite — Alpha Lite (alpha, CNY)\n")
    assert (
        "| 2024-05-15 | 0.0003 / 0.0006 CNY/1K | 0.3 | -96.3% | 0.6 | -92.5% | <https://example.com/alpha/2024-05> |  |"
    ) in out
    assert "```text\nInput price per 1M tokens (CNY):\n  2024-01-01 " + "#" * 30 + " 8\n" in out


def test_history_json(cli):
    data = report(cli, "history", "lite", *AS_OF)  # an alias works
    assert (data["schema_version"], data["as_of"], data["since"], data["until"]) == (1, "2025-06-01", None, None)
    [model] = data["models"]
    assert {k: model[k] for k in ("id", "provider", "currency", "user_price")} == {
        "id": "alpha-lite",
        "provider": "alpha",
        "currency": "CNY",
        "user_price": False,
    }
    first, cut = model["entries"]
    assert (first["effective"], first["input_change"], first["input_change_label"], first["note"]) == (
        "2024-01-01",
        None,
        "first",
        "before the cut",
    )
    assert {
        k: cut[k]
        for k in (
            "effective",
            "unit",
            "input",
            "output",
            "input_per_1m",
            "output_per_1m",
            "input_change",
            "output_change",
            "input_change_label",
            "output_change_label",
            "source",
        )
    } == {
        "effective": "2024-05-15",
        "unit": "1K",
        "input": "0.0003",
        "output": "0.0006",
        "input_per_1m": "0.3",
        "output_per_1m": "0.6",
        "input_change": "-0.9625",
        "output_change": "-0.925",
        "input_change_label": "-96.3%",
        "output_change_label": "-92.5%",
        "source": "https://example.com/alpha/2024-05",
    }


def test_history_csv(cli):
    assert cli("history", "alpha-lite", *AS_OF, "-f", "csv").out.splitlines() == [
        "model,provider,currency,effective,unit,input,output,input_per_1m,output_per_1m,input_change,output_change,"
        "input_change_label,output_change_label,compared,tiers,source,note",
        "alpha-lite,alpha,CNY,2024-01-01,1K,0.008,0.008,8,8,,,first,first,,,https://example.com/alpha/2024-01,"
        "before the cut",
        "alpha-lite,alpha,CNY,2024-05-15,1K,0.0003,0.0006,0.3,0.6,-0.9625,-0.925,-96.3%,-92.5%,,,"
        "https://example.com/alpha/2024-05,",
    ]


def test_history_as_of_hides_later_prices_and_says_when_there_is_none(cli):
    data = report(cli, "history", "alpha-lite", "beta-4o", "--as-of", "2024-04-01")
    lite, beta = data["models"]
    assert [e["effective"] for e in lite["entries"]] == ["2024-01-01"]
    assert (beta["entries"], beta["status"]) == (
        [],
        "no price on or before 2024-04-01 (its first price is from 2024-05-13)",
    )
    table = cli("history", "beta-4o", "--as-of", "2024-04-01").out
    assert table.splitlines()[0] == (
        "beta-4o — Beta 4o (beta, USD): no price on or before 2024-04-01 (its first price is from 2024-05-13)"
    )


def test_tiered_entry_shows_its_bands(cli):
    [entry] = report(cli, "history", "alpha-tiered", *AS_OF)["models"][0]["entries"]
    assert entry["tiers"] == {
        "mode": "whole",
        "bands": [
            {"up_to": 32000, "input": "0.8", "output": "8"},
            {"up_to": 128000, "input": "1.2", "output": "16"},
            {"up_to": None, "input": "2.4", "output": "24"},
        ],
    }
    markdown = cli("history", "alpha-tiered", *AS_OF, "-f", "markdown").out
    assert "| whole tiers: ≤32,000 0.8/8 · ≤128,000 1.2/16 · above 2.4/24 |" in markdown


# A user's price file with the edge cases of a change: to 0 (-100%), from 0 (a new price, no
# percentage: no division by zero), 0 to 0 (unchanged), a new unit (per 10K), and a flat price
# followed by a tiered one (compared on the first band, and said so).
EDGES = """\
schema_version: 1
provider: gamma
models:
  - id: gamma-trial
    name: Gamma Trial
    currency: CNY
    context_window: 8192
    tokenizer: alpha-estimate
    prices:
      - {effective: "2024-01-01", unit: 1M, input: "0.5", output: "1", source: "https://example.com/g/1"}
      - {effective: "2024-06-01", unit: 1M, input: "0", output: "0", source: "https://example.com/g/2"}
      - {effective: "2024-09-01", unit: 10K, input: "0.01", output: "0", source: "https://example.com/g/3"}
  - id: gamma-tiered
    name: Gamma Tiered
    currency: CNY
    context_window: 256000
    tokenizer: alpha-estimate
    prices:
      - {effective: "2024-01-01", unit: 1M, input: "1", output: "4", source: "https://example.com/g/t1"}
      - effective: "2024-07-01"
        unit: 1M
        tiers:
          mode: whole
          bands:
            - {up_to: 32000, input: "0.8", output: "2"}
            - {input: "2.4", output: "24"}
        source: https://example.com/g/t2
"""


def test_changes_to_and_from_zero_and_across_units(cli, tmp_path):
    path = tmp_path / "gamma.yaml"
    path.write_text(EDGES, encoding="utf-8")
    data = report(cli, "history", "gamma-trial", "--prices", str(path), *AS_OF)
    [model] = data["models"]
    assert model["user_price"] is True
    # 0.5 → 0 is -100%; 0 → 0.01 per 10K (= 1 per 1M) is a new price; output 0 → 0 is unchanged
    assert [
        (e["input_per_1m"], e["input_change"], e["input_change_label"], e["output_change_label"])
        for e in model["entries"]
    ] == [("0.5", None, "first", "first"), ("0", "-1", "-100.0%", "-100.0%"), ("1", None, "new price", "0.0%")]
    table = cli("history", "gamma-trial", "--prices", str(path), *AS_OF).out
    assert table.splitlines()[0].rstrip() == "gamma-trial — Gamma Trial (gamma, CNY, your price)"
    # the free period has no bar (it is free), the others scale to the largest, 1 per 1M
    assert "  2024-01-01 " + "█" * 15 + " " * 15 + " 0.5\n  2024-06-01 " + " " * 30 + " 0\n" in table


def test_a_change_that_does_not_end_is_rounded_to_six_places_in_json(cli, tmp_path):
    path = tmp_path / "gamma.yaml"
    path.write_text(
        EDGES.replace(
            'input: "0", output: "0", source: "https://example.com/g/2"',
            'input: "0.1666", output: "2.5", source: "https://example.com/g/2"',
        ),
        encoding="utf-8",
    )
    data = report(cli, "history", "gamma-trial", "--prices", str(path), *AS_OF)
    second = data["models"][0]["entries"][1]
    # 0.5 → 0.1666 is -0.6668 exactly; 1 → 2.5 is +1.5; 0.1666 → 1 per 1M is +5.002400960384153…
    assert (second["input_change"], second["output_change"]) == ("-0.6668", "1.5")
    third = data["models"][0]["entries"][2]
    assert (third["input_change"], third["input_change_label"]) == ("5.002401", "+500.2%")


def test_flat_to_tiered_compares_the_first_band_and_says_so(cli, tmp_path):
    path = tmp_path / "gamma.yaml"
    path.write_text(EDGES, encoding="utf-8")
    # 1 → 0.8 is -20%; 4 → 2 is -50%
    entries = report(cli, "history", "gamma-tiered", "--prices", str(path), *AS_OF)["models"][0]["entries"]
    assert [(e["input_change_label"], e["output_change_label"], e["compared"]) for e in entries] == [
        ("first", "first", None),
        ("-20.0%", "-50.0%", "first tier band"),
    ]
    assert "change compares the first band" in cli("history", "gamma-tiered", "--prices", str(path), *AS_OF).out


# -- the price war: every change in a window ----------------------------------------------


def test_provider_since_lists_every_change_in_the_window(cli):
    r = cli("history", "--provider", "alpha", "--since", "2024-05-01", *AS_OF)
    assert (r.code, r.err) == (0, "")
    assert_golden("history_window_alpha.txt", r.out)
    data = report(cli, "history", "--provider", "alpha", "--since", "2024-05-01", *AS_OF)
    rows = [(e["effective"], m["id"], e["input_change_label"]) for m in data["models"] for e in m["entries"]]
    # alpha-lite's 2024-01-01 price is before the window; its cut still compares with it
    assert sorted(rows) == [
        ("2024-05-15", "alpha-lite", "-96.3%"),
        ("2024-05-15", "alpha-pro", "first"),
        ("2024-05-21", "alpha-free", "first"),
        ("2025-01-01", "alpha-grad", "first"),
        ("2025-01-01", "alpha-tiered", "first"),
    ]
    assert data["since"] == "2024-05-01"


def test_a_window_across_vendors_is_sorted_by_date(cli):
    r = cli("history", "--since", "2024-05-01", "--until", "2024-12-31", *AS_OF, "-f", "csv")
    assert (r.code, r.err) == (0, "")
    rows = [row.split(",") for row in r.out.splitlines()[1:]]
    assert [(row[3], row[0], row[11], row[12]) for row in rows] == [
        ("2024-05-13", "beta-4o", "first", "first"),
        ("2024-05-15", "alpha-lite", "-96.3%", "-92.5%"),
        ("2024-05-15", "alpha-pro", "first", "first"),
        ("2024-05-21", "alpha-free", "first", "first"),
        ("2024-10-02", "beta-4o", "-50.0%", "-33.3%"),
    ]
    markdown = cli("history", "--since", "2024-05-01", "--until", "2024-12-31", *AS_OF, "-f", "markdown").out
    assert (
        "| 2024-10-02 | beta | beta-4o | 2.5 / 10 USD/1M | 2.5 | -50.0% | 10 | -33.3% | "
        "<https://example.com/beta/cut> |  |"
    ) in markdown
    assert (
        "5 dated price(s) from 2024-05-01 to 2024-12-31, across 4 model(s), sorted by date; "
        "changes are from the entry before, per 1M tokens."
    ) in markdown


def test_window_table_row(cli):
    out = cli("history", "--since", "2024-10-01", "--until", "2024-10-31", *AS_OF).out
    row = next(row for row in out.splitlines() if "beta-4o" in row)
    assert cells(row) == ["2024-10-02 [1]", "beta", "beta-4o", "2.5 / 10 USD/1M", "2.5", "-50.0%", "10", "-33.3%"]


def test_an_empty_window_says_so(cli):
    r = cli("history", "--provider", "beta", "--since", "2025-01-01", *AS_OF)
    assert r.code == 0
    assert "0 dated price(s) from 2025-01-01 to 2025-06-01, across 0 model(s)" in r.out


# -- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "give models, --provider NAME, --all, or a --since/--until window"),
        (["--since", "May 2024"], "--since: 'May 2024' is not a date (use YYYY-MM-DD)"),
        (["--all", "--since", "2024-06-01", "--until", "2024-05-01"], "--since 2024-06-01 is after --until 2024-05-01"),
        (["alpha-nope"], "unknown model 'alpha-nope' (did you mean alpha-pro, alpha-lite, alpha-free?)"),
        (["--provider", "gamma"], "unknown provider 'gamma' (providers: alpha, beta)"),
        (["alpha-lite", "-f", "xml"], "--format: 'xml' is not one of table, json, csv, markdown"),
    ],
)
def test_history_usage_errors_exit_2(cli, args, message):
    r = cli("history", *args)
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {message}\n")


# -- prices diff ---------------------------------------------------------------------------------


def test_diff_table(cli, monkeypatch):
    monkeypatch.chdir(DATA / "diff")  # the paths are shown as given: short and the same on every checkout
    r = cli("prices", "diff", "old.yaml", "new.yaml")
    assert (r.code, r.err) == (0, "")
    assert_golden("prices_diff_table.txt", r.out)


def test_diff_json(cli):
    data = report(cli, "prices", "diff", OLD, NEW)
    assert data["summary"] == {"models_added": 1, "models_removed": 1, "models_changed": 2}
    assert [m["id"] for m in data["models_added"]] == ["alpha-free"]
    assert [(m["id"], m["newest"]["input_per_1m"], m["newest"]["output_per_1m"]) for m in data["models_removed"]] == [
        ("alpha-gone", "10", "20")
    ]  # 0.01 / 0.02 per 1K
    lite, pro = data["models_changed"]
    assert lite["fields"] == [
        {"field": "context_window", "old": "32768", "new": "131072"},
        {"field": "aliases", "old": "lite", "new": "lite, 阿尔法-lite"},
    ]
    assert [e["effective"] for e in lite["entries_added"]] == ["2025-01-01"]
    # newest price per 1M: 0.3 → 0.15 and 0.6 → 0.3, both -50%
    assert lite["newest"]["input_change"] == {"value": "-0.5", "label": "-50.0%"}
    assert lite["newest"]["output_change"] == {"value": "-0.5", "label": "-50.0%"}
    # alpha-pro's 2024-05-15 entry corrected in place: 0.8 → 0.7 is -12.5%, output unchanged
    assert pro["entries_changed"] == [
        {
            "effective": "2024-05-15",
            "changes": [
                {"field": "input", "old": "0.8", "new": "0.7"},
                {
                    "field": "source",
                    "old": "https://example.com/alpha/pro",
                    "new": "https://example.com/alpha/pro-corrected",
                },
            ],
        }
    ]
    assert pro["newest"]["input_change"] == {"value": "-0.125", "label": "-12.5%"}
    assert pro["newest"]["output_change"] == {"value": "0", "label": "0.0%"}


def test_diff_markdown(cli):
    out = cli("prices", "diff", OLD, NEW, "-f", "markdown").out
    assert out == (
        "| Model | Change | Old | New |\n"
        "|---|---|---|---|\n"
        "| alpha-free | model added |  | 0 / 0 CNY/1K from 2024-05-21 |\n"
        "| alpha-gone | model removed | 0.01 / 0.02 CNY/1K from 2024-01-01 |  |\n"
        "| alpha-lite | context_window | 32768 | 131072 |\n"
        "| alpha-lite | aliases | lite | lite, 阿尔法-lite |\n"
        "| alpha-lite | price added 2025-01-01 |  | 0.15 / 0.3 CNY/1M |\n"
        "| alpha-lite | newest price, per 1M | 0.3 / 0.6 CNY/1M (2024-05-15) | "
        "0.15 / 0.3 CNY/1M (2025-01-01): input -50.0%, output -50.0% |\n"
        "| alpha-pro | 2024-05-15 input | 0.8 | 0.7 |\n"
        "| alpha-pro | 2024-05-15 source | https://example.com/alpha/pro | https://example.com/alpha/pro-corrected |\n"
        "| alpha-pro | newest price, per 1M | 0.8 / 2 CNY/1M (2024-05-15) | "
        "0.7 / 2 CNY/1M (2024-05-15): input -12.5%, output 0.0% |\n"
        "\n"
        f"{OLD} → {NEW}: 1 model(s) added, 1 removed, 2 changed.\n"
    )


def test_diff_the_other_way_round(cli):
    data = report(cli, "prices", "diff", NEW, OLD)
    assert data["summary"] == {"models_added": 1, "models_removed": 1, "models_changed": 2}
    assert ([m["id"] for m in data["models_added"]], [m["id"] for m in data["models_removed"]]) == (
        ["alpha-gone"],
        ["alpha-free"],
    )
    # 0.15 → 0.3 per 1M is +100%
    assert data["models_changed"][0]["newest"]["input_change"] == {"value": "1", "label": "+100.0%"}


def test_diff_of_a_tiered_change_names_the_band(cli, tmp_path):
    changed = tmp_path / "alpha.yaml"
    text = (BOOK / "alpha.yaml").read_text(encoding="utf-8")
    band = '{up_to: 128000, input: "1.2", output: "16"}'
    assert text.count(band) == 2
    changed.write_text(text.replace(band, '{up_to: 128000, input: "1.5", output: "16"}'), encoding="utf-8")
    out = cli("prices", "diff", str(BOOK / "alpha.yaml"), str(changed), "-f", "markdown").out
    assert "| alpha-tiered | 2025-01-01 tiers\\[1\\].input | 1.2 | 1.5 |" in out
    # the first band did not move: the per-1M summary says it compares only that band
    assert (
        "| alpha-tiered | newest price, per 1M | 0.8 / 8 CNY/1M (2025-01-01) | "
        "0.8 / 8 CNY/1M (2025-01-01): input 0.0%, output 0.0% (first tier band) |"
    ) in out


def test_diff_without_differences(cli):
    for args in ([OLD, OLD], [str(BOOK), str(BOOK)]):
        r = cli("prices", "diff", *args)
        assert (r.code, r.out) == (0, f"No differences between {args[0]} and {args[1]}.\n")


def test_diff_of_folders(cli, tmp_path):
    # a folder holding new.yaml against one holding old.yaml: the same differences as the files
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "alpha.yaml").write_bytes((DATA / "diff" / "old.yaml").read_bytes())
    (tmp_path / "new" / "alpha.yaml").write_bytes((DATA / "diff" / "new.yaml").read_bytes())
    data = report(cli, "prices", "diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert data["summary"] == {"models_added": 1, "models_removed": 1, "models_changed": 2}


def test_diff_of_an_invalid_file_exits_2(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (DATA / "diff" / "new.yaml").read_text(encoding="utf-8").replace('input: "0.7"', "input: 0.7"), encoding="utf-8"
    )
    r = cli("prices", "diff", OLD, str(bad))
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith(f"llmcost: error: {bad}, line ") and r.err.count("\n") == 1
    assert "input" in r.err


def test_diff_of_a_missing_file_or_a_workload_file_exits_2(cli):
    missing = cli("prices", "diff", OLD, "/no/such/prices.yaml")
    assert (missing.code, missing.out, missing.err) == (
        2,
        "",
        "llmcost: error: /no/such/prices.yaml: no such file or folder\n",
    )
    workload = str(DATA / "workloads" / "small.yaml")
    wrong = cli("prices", "diff", workload, NEW)
    assert (wrong.code, wrong.out) == (2, "") and wrong.err.startswith(f"llmcost: error: {workload}, line 1:")


def test_diff_bad_format_exits_2(cli):
    r = cli("prices", "diff", OLD, NEW, "-f", "xml")
    assert (r.code, r.out, r.err) == (
        2,
        "",
        "llmcost: error: --format: 'xml' is not one of table, json, csv, markdown\n",
    )


def test_a_long_unbroken_note_folds_within_the_terminal_width(cli, tmp_path):
    # a note quoting a Chinese announcement has no space to break at: on a 120-column terminal the
    # table stays 120 wide; piped, the note stays on one line
    from rich.cells import cell_len

    from llmcost.render_history import render_history

    path = tmp_path / "gamma.yaml"
    note = "阿里云宣布降价" * 30
    path.write_text(
        EDGES.replace('source: "https://example.com/g/1"}', 'source: "https://example.com/g/1", note: "' + note + '"}'),
        encoding="utf-8",
    )
    report = json.loads(cli("history", "gamma-trial", "--prices", str(path), *AS_OF, "-f", "json").out)
    screen = render_history(report, "table", width=120)
    assert "阿里云宣布降价" in screen
    assert max(cell_len(row) for row in screen.splitlines()) == 120
    piped = cli("history", "gamma-trial", "--prices", str(path), *AS_OF).out
    assert note in piped


def test_piped_output_is_never_wrapped_to_a_width(cli, tmp_path):
    # issue 11: "No differences between A and B." broke in two in a clone with a long path
    deep = tmp_path / ("a-checkout-folder-whose-name-is-long-like-a-ci-runner-workspace-" * 3)
    deep.mkdir()
    old = deep / "old.yaml"
    old.write_bytes((DATA / "diff" / "old.yaml").read_bytes())
    r = cli("prices", "diff", str(old), str(old))
    assert (r.code, r.out) == (0, f"No differences between {old} and {old}.\n")
