"""Prices as vendors bill them, through the CLI: tiers, cache, batch, free quotas, discounts,
your own price file, and --as-of on every command (issue 6).

Every number is hand-computed in a comment from the test book (tests/data/book):
  alpha-tiered (whole) and alpha-grad (graduated), per 1M, from 2025-01-01:
      ≤32,000: 0.8 / 8    32,001-128,000: 1.2 / 16    above: 2.4 / 24    (context 256,000)
  alpha-pro per 1M from 2024-05-15: 0.8 / 2, cached input 0.16, batch 0.4 / 1, free quota 500,000 once
  alpha-lite per 1K: 0.008 / 0.008 from 2024-01-01, 0.0003 / 0.0006 from 2024-05-15 (no cache/batch price)
  beta-4o per 1M USD: 5 / 15 from 2024-05-13; 2.5 / 10, cached 1.25, batch 1.25 / 5 from 2024-10-02
"""

from __future__ import annotations

import json

import pytest
from conftest import assert_golden

LATER = ["--as-of", "2025-06-01"]
# 60,000 requests of 1,500 in / 400 out: 90M input and 24M output tokens a month.
LITE = ["-m", "alpha-lite", "--requests-per-month", "60000", "--input-tokens", "1500", "--output-tokens", "400"]


def report(cli, *args, env=None):
    r = cli(*args, "-f", "json", env=env)
    assert (r.code, r.err) == (0, ""), r.err
    return json.loads(r.out)


def one_line(cli, *args):
    [line] = report(cli, "estimate", *args)["lines"]
    return line


def money(line, *keys):
    return tuple(line[k] for k in keys)


# -- tiers -------------------------------------------------------------------------------

LONG = ["--requests-per-month", "100", "--input-tokens", "200000", "--output-tokens", "1000", *LATER]


def test_long_context_on_a_whole_tier_model_is_priced_at_the_top_band(cli):
    # 200,000 input > 128K: the whole request at the top band.
    # 100 × 200,000 = 20M × 2.4 = 48.00; 100 × 1,000 = 0.1M × 24 = 2.40; total 50.40
    line = one_line(cli, "-m", "alpha-tiered", *LONG)
    assert money(line, "input_cost", "output_cost", "total") == ("48.00", "2.40", "50.40")
    assert (line["tier"], line["input_price"], line["output_price"]) == (">128K", "2.4", "24")


def test_long_context_whole_tier_table_says_which_tier(cli):
    r = cli("estimate", "-m", "alpha-tiered", *LONG)
    assert (r.code, r.err) == (0, "")
    assert_golden("estimate_tiered_table.txt", r.out)
    assert "2025-01-01 (tier >128K)" in r.out


def test_long_context_whole_tier_csv_has_the_tier(cli):
    r = cli("estimate", "-m", "alpha-tiered", *LONG, "-f", "csv")
    assert r.out.splitlines()[1] == (
        ",alpha-tiered,alpha,100,200000,1000,0,0,0,0,0,CNY,48.00,2.40,0.00,0.00,"
        "50.40,>128K,global,2025-01-01,https://example.com/alpha/tiered,2025-06-01,CNY,"
    )


def test_long_context_on_a_graduated_model_prices_each_slice_at_its_band(cli):
    # per request: 32,000 × 0.8 + 96,000 × 1.2 + 72,000 × 2.4 = 25,600 + 115,200 + 172,800
    # = 313,600 per 1M → 0.3136 × 100 requests = 31.36; output at the band the input reaches:
    # 0.1M × 24 = 2.40; total 33.76 (the whole-tier model: 50.40)
    line = one_line(cli, "-m", "alpha-grad", *LONG)
    assert money(line, "input_cost", "output_cost", "total") == ("31.36", "2.40", "33.76")
    assert line["tier"] == "graduated >128K"


def test_graduated_table_and_csv_say_which_tier(cli):
    table = cli("estimate", "-m", "alpha-grad", *LONG)
    assert "2025-01-01 (tier graduated >128K)" in table.out and "¥33.76" in table.out
    csv = cli("estimate", "-m", "alpha-grad", *LONG, "-f", "csv")
    assert csv.out.splitlines()[1] == (
        ",alpha-grad,alpha,100,200000,1000,0,0,0,0,0,CNY,31.36,2.40,0.00,0.00,"
        "33.76,graduated >128K,global,2025-01-01,https://example.com/alpha/grad,2025-06-01,CNY,"
    )


# 100,000 requests a month with 1,000 output tokens each (100M output tokens), so one input
# token more per request shows in the fen: 100,000 × 1 token × 1.2 / 1M = 0.12.
@pytest.mark.parametrize(
    "model,tokens,expected",
    [
        # whole: 3.2e9 × 0.8/1M = 2,560; out 100M × 8 = 800
        ("alpha-tiered", 32000, ("2560.00", "800.00", "3360.00", "≤32K")),
        # whole: 3,200,100,000 × 1.2/1M = 3,840.12 (every token at band 2); out 100M × 16 = 1,600
        ("alpha-tiered", 32001, ("3840.12", "1600.00", "5440.12", "32K-128K")),
        # whole: 12.8e9 × 1.2/1M = 15,360; out 1,600
        ("alpha-tiered", 128000, ("15360.00", "1600.00", "16960.00", "32K-128K")),
        # whole: 12,800,100,000 × 2.4/1M = 30,720.24; out 100M × 24 = 2,400
        ("alpha-tiered", 128001, ("30720.24", "2400.00", "33120.24", ">128K")),
        # graduated at the first edge: all in band 1, as whole
        ("alpha-grad", 32000, ("2560.00", "800.00", "3360.00", "graduated ≤32K")),
        # graduated: (32,000 × 0.8 + 1 × 1.2) × 100,000 / 1M = 2,560.12; out at band 2: 1,600
        ("alpha-grad", 32001, ("2560.12", "1600.00", "4160.12", "graduated 32K-128K")),
        # graduated: (25,600 + 96,000 × 1.2 = 140,800) × 0.1 = 14,080; out 1,600
        ("alpha-grad", 128000, ("14080.00", "1600.00", "15680.00", "graduated 32K-128K")),
        # graduated: (140,800 + 1 × 2.4) × 0.1 = 14,080.24; out at band 3: 2,400
        ("alpha-grad", 128001, ("14080.24", "2400.00", "16480.24", "graduated >128K")),
    ],
)
def test_band_edges(cli, model, tokens, expected):
    line = one_line(
        cli,
        "-m",
        model,
        "--requests-per-month",
        "100000",
        "--input-tokens",
        str(tokens),
        "--output-tokens",
        "1000",
        *LATER,
    )
    assert money(line, "input_cost", "output_cost", "total", "tier") == expected


def test_beyond_the_context_window_is_refused_not_priced_at_the_top_band(cli):
    r = cli(
        "estimate",
        "-m",
        "alpha-tiered",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "256001",
        "--output-tokens",
        "1",
        *LATER,
    )
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "llmcost: error: alpha-tiered cannot serve 256001 input tokens per request (context window 256000)\n"
    )


def test_compare_says_which_tier_each_model_used(cli):
    rows = report(cli, "compare", "-m", "alpha-tiered", "-m", "alpha-grad", *LONG)["models"]
    assert [(m["model"], m["total"], m["tier"]) for m in rows] == [
        ("alpha-grad", "33.76", "graduated >128K"),
        ("alpha-tiered", "50.40", ">128K"),
    ]


# -- cached input ------------------------------------------------------------------------


def test_half_the_input_cached_is_priced_at_the_cache_rate(cli):
    # 90M input: 45M × 0.8 = 36 + 45M × 0.16 = 7.2 → input 43.20 (7.20 of it cached);
    # output 24M × 2 = 48; total 91.20 (without the cache: 72 + 48 = 120.00)
    args = [
        "-m",
        "alpha-pro",
        "--requests-per-month",
        "60000",
        "--input-tokens",
        "1500",
        "--output-tokens",
        "400",
        *LATER,
    ]
    line = one_line(cli, *args, "--cached-ratio", "0.5")
    assert money(line, "input_cost", "cached_input_cost", "output_cost", "total") == ("43.20", "7.20", "48.00", "91.20")
    assert line["notes"] == []
    assert one_line(cli, *args)["total"] == "120.00"


def test_gpt4o_style_cache_halves_the_cost_of_half_the_input(cli):
    # beta-4o from 2024-10-02, 1,000 requests of 1,000 in / 500 out, in USD:
    # 0.5M × 2.5 = 1.25 + 0.5M × 1.25 (cached) = 0.625 → input 1.875 → $1.88 (half up);
    # output 0.5M × 10 = 5; total 6.875 → $6.88 (standard: 2.5 + 5 = 7.50)
    args = [
        "-m",
        "beta-4o",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--currency",
        "USD",
        *LATER,
    ]
    line = one_line(cli, *args, "--cached-ratio", "0.5")
    assert money(line, "input_cost", "cached_input_cost", "output_cost", "total") == ("1.88", "0.63", "5.00", "6.88")
    assert one_line(cli, *args)["total"] == "7.50"


def test_no_cache_price_is_priced_at_the_standard_rate_and_says_so(cli):
    # alpha-lite publishes no cache price: 41.40 with or without --cached-ratio
    line = one_line(cli, *LITE, "--as-of", "2024-06-01", "--cached-ratio", "0.5")
    assert line["total"] == "41.40"
    assert line["notes"] == ["no cache price published: cached share priced at the standard input rate"]
    table = cli("estimate", *LITE, "--as-of", "2024-06-01", "--cached-ratio", "0.5")
    assert "Note: alpha-lite: no cache price published: cached share priced at the standard input rate" in table.out


# -- batch -------------------------------------------------------------------------------


def test_batch_ratio_1_halves_an_openai_style_bill(cli):
    # 1M input × 1.25 + 0.5M output × 5 = 3.75 USD, half of the standard 7.50
    line = one_line(
        cli,
        "-m",
        "beta-4o",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--currency",
        "USD",
        "--batch-ratio",
        "1",
        *LATER,
    )
    assert money(line, "input_cost", "output_cost", "total") == ("1.25", "2.50", "3.75")
    assert line["notes"] == []


def test_batch_ratio_1_on_alpha_pro(cli):
    # 90M × 0.4 = 36; 24M × 1 = 24; total 60.00 (standard 120.00)
    line = one_line(
        cli,
        "-m",
        "alpha-pro",
        "--requests-per-month",
        "60000",
        "--input-tokens",
        "1500",
        "--output-tokens",
        "400",
        "--batch-ratio",
        "1",
        *LATER,
    )
    assert money(line, "input_cost", "output_cost", "total") == ("36.00", "24.00", "60.00")


def test_batch_and_cache_together_batch_requests_get_no_cache_price(cli):
    # 30,000 standard requests: 45M input, half cached: 22.5M × 0.8 = 18 + 22.5M × 0.16 = 3.6;
    # 30,000 batch requests: 45M × 0.4 = 18 → input 39.60; output 12M × 2 = 24 + 12M × 1 = 12 → 36.00
    line = one_line(
        cli,
        "-m",
        "alpha-pro",
        "--requests-per-month",
        "60000",
        "--input-tokens",
        "1500",
        "--output-tokens",
        "400",
        "--batch-ratio",
        "0.5",
        "--cached-ratio",
        "0.5",
        *LATER,
    )
    assert money(line, "input_cost", "cached_input_cost", "output_cost", "total") == ("39.60", "3.60", "36.00", "75.60")


def test_no_batch_price_is_priced_at_the_standard_rate_and_says_so(cli):
    line = one_line(cli, *LITE, "--as-of", "2024-06-01", "--batch-ratio", "1")
    assert line["total"] == "41.40"
    assert line["notes"] == ["no batch price published: batch share priced at the standard rate"]


@pytest.mark.parametrize(
    "flag,value", [("--cached-ratio", "1.5"), ("--batch-ratio", "-0.1"), ("--cached-ratio", "half")]
)
def test_bad_ratios_exit_2(cli, flag, value):
    r = cli("estimate", *LITE, flag, value)
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith(f"llmcost: error: {flag}") and r.err.count("\n") == 1


# -- free quotas -------------------------------------------------------------------------

QUOTA = ["-m", "alpha-pro", "--requests-per-month", "500", "--input-tokens", "1000", "--output-tokens", "1000", *LATER]


def test_free_quota_is_off_by_default(cli):
    # 0.5M × 0.8 = 0.40 + 0.5M × 2 = 1.00 → 1.40, nothing credited
    line = one_line(cli, *QUOTA)
    assert money(line, "free_quota", "total") == ("0.00", "1.40") and line["notes"] == []
    table = cli("estimate", *QUOTA)
    assert table.code == 0 and "¥1.40" in table.out  # a bill, without the column (not an empty output)
    assert "Free quota" not in table.out


def test_free_quota_is_credited_as_its_own_field_when_asked(cli):
    # 500 × 2,000 = 1M tokens a month, 500,000 of them free: half of 1.40 credited
    line = one_line(cli, *QUOTA, "--free-quota")
    assert money(line, "input_cost", "output_cost", "free_quota", "total") == ("0.40", "1.00", "-0.70", "0.70")
    assert line["notes"] == ["free quota of 500,000 tokens (once, first month only) applied"]


def test_free_quota_is_a_separate_column_in_the_table_and_csv(cli):
    table = cli("estimate", *QUOTA, "--free-quota")
    assert_golden("estimate_free_quota_table.txt", table.out)
    csv = cli("estimate", *QUOTA, "--free-quota", "-f", "csv").out.splitlines()
    assert csv[1] == (
        ",alpha-pro,alpha,500,1000,1000,0,0,0,0,0,CNY,0.40,1.00,-0.70,0.00,0.70,,global,2024-05-15,"
        "https://example.com/alpha/pro,2025-06-01,CNY,"
    )


def test_free_quota_covering_everything_makes_it_free(cli):
    # 100 × 2,000 = 200,000 tokens, all inside the quota: 0.08 + 0.20 = 0.28 credited
    line = one_line(
        cli,
        "-m",
        "alpha-pro",
        "--requests-per-month",
        "100",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "1000",
        "--free-quota",
        *LATER,
    )
    assert money(line, "free_quota", "total") == ("-0.28", "0.00")


def test_a_model_without_a_quota_says_so(cli):
    line = one_line(cli, *LITE, "--as-of", "2024-06-01", "--free-quota")
    assert money(line, "free_quota", "total") == ("0.00", "41.40")
    assert line["notes"] == ["no free quota published"]


# -- discounts ---------------------------------------------------------------------------

TWO = [
    "-m",
    "alpha-lite",
    "-m",
    "alpha-pro",
    "--requests-per-month",
    "60000",
    "--input-tokens",
    "1500",
    "--output-tokens",
    "400",
    "--as-of",
    "2024-06-01",
]
# Undiscounted: alpha-lite 27 + 14.4 = 41.40; alpha-pro 90M × 0.8 = 72 + 24M × 2 = 48 → 120.00


def _lines(cli, *args):
    return {
        line["model"]: (line["discount"], line["total"], line["notes"])
        for line in report(cli, "estimate", *TWO, *args)["lines"]
    }


def test_provider_discount_applies_to_each_of_its_models(cli):
    # 20% off: alpha-lite 41.40 - 8.28 = 33.12; alpha-pro 120 - 24 = 96.00
    assert _lines(cli, "--discount", "alpha=20%") == {
        "alpha-lite": ("-8.28", "33.12", ["your discount of 20% applied"]),
        "alpha-pro": ("-24.00", "96.00", ["your discount of 20% applied"]),
    }


def test_model_discount_applies_to_that_model_only(cli):
    # 15% off alpha-pro: 120 - 18 = 102.00
    assert _lines(cli, "--discount", "alpha-pro=15%") == {
        "alpha-lite": ("0.00", "41.40", []),
        "alpha-pro": ("-18.00", "102.00", ["your discount of 15% applied"]),
    }


def test_a_models_own_discount_replaces_its_providers_they_do_not_stack(cli):
    # alpha-pro at 15% (102.00), not 20% then 15% (81.60) nor 35% (78.00); alpha-lite keeps 20%
    for order in (["alpha=20%", "alpha-pro=15%"], ["alpha-pro=15%", "alpha=20%"]):
        args = [arg for item in order for arg in ("--discount", item)]
        assert _lines(cli, *args) == {
            "alpha-lite": ("-8.28", "33.12", ["your discount of 20% applied"]),
            "alpha-pro": ("-18.00", "102.00", ["your discount of 15% applied"]),
        }


def test_discount_by_alias_family_name_or_fraction(cli):
    # "lite" is alpha-lite's alias: 10% of 41.40 = 4.14 → 37.26
    assert _lines(cli, "--discount", "lite=0.1")["alpha-lite"][:2] == ("-4.14", "37.26")
    # 阿尔法 is the alpha family: the provider's discount, not only its flagship's
    assert {k: v[1] for k, v in _lines(cli, "--discount", "阿尔法=20%").items()} == {
        "alpha-lite": "33.12",
        "alpha-pro": "96.00",
    }


def test_discounted_lines_are_marked(cli):
    r = cli("estimate", *TWO, "--discount", "alpha-pro=15%")
    assert_golden("estimate_discount_table.txt", r.out)
    row = next(row for row in r.out.splitlines() if row.startswith("alpha-pro"))
    assert "-¥18.00" in row and "(discount)" in row
    assert "(discount)" not in next(row for row in r.out.splitlines() if row.startswith("alpha-lite"))
    compare = cli("compare", *TWO[:4], *TWO[4:], "--discount", "alpha-pro=15%")
    assert "2024-05-15 (discount)" in compare.out


def test_discount_after_the_free_quota(cli):
    # 1.40, half credited by the quota (-0.70), then 20% off the remaining 0.70 (-0.14) → 0.56
    line = one_line(cli, *QUOTA, "--free-quota", "--discount", "alpha=20%")
    assert money(line, "free_quota", "discount", "total") == ("-0.70", "-0.14", "0.56")


@pytest.mark.parametrize(
    "value,message",
    [
        ("alpha=120%", "--discount: '120%' must be between 0% and 100% (or 0 and 1)"),
        ("alpha=-5%", "--discount: '-5%' must be between 0% and 100% (or 0 and 1)"),
        ("alpha=1.5", "--discount: '1.5' must be between 0% and 100% (or 0 and 1)"),
        ("alpha=abc", "--discount: 'abc' is not a percentage"),
        ("alpha", "--discount: 'alpha' is not NAME=PERCENT, e.g. doubao=20%"),
        (
            "gamma=10%",
            "--discount 'gamma=10%': 'gamma' is neither a provider nor a model in the price book "
            "(providers: alpha, beta)",
        ),
        (
            "alpa=10%",
            "--discount 'alpa=10%': 'alpa' is neither a provider nor a model in the price book (did you mean alpha?)",
        ),
    ],
)
def test_bad_discounts_exit_2(cli, value, message):
    r = cli("estimate", *TWO, "--discount", value)
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {message}\n")


def test_two_different_discounts_for_one_name_are_refused(cli):
    r = cli("estimate", *TWO, "--discount", "alpha=20%", "--discount", "alpha=10%")
    assert (r.code, r.out) == (2, "")
    assert r.err == "llmcost: error: --discount: alpha is given two different discounts; give it once\n"


# -- your own prices -----------------------------------------------------------------------

USER_FILE = """\
schema_version: 1
provider: alpha
models:
  - id: alpha-lite
    name: Alpha Lite (our contract)
    currency: CNY
    context_window: 32768
    tokenizer: alpha-estimate
    prices:
      - effective: "2024-05-15"
        unit: 1K
        input: "0.0002"
        output: "0.0004"
        source: https://example.com/our-contract
"""


def test_user_price_file_replaces_the_model_and_marks_its_lines(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    # alpha-lite at our price: 90M × 0.0002/1K = 18; 24M × 0.0004/1K = 9.6; total 27.60
    lines = {line["model"]: line for line in report(cli, "estimate", *TWO, "--prices", str(path))["lines"]}
    assert money(lines["alpha-lite"], "total", "user_price", "source") == (
        "27.60",
        True,
        "https://example.com/our-contract",
    )
    assert money(lines["alpha-pro"], "total", "user_price") == ("120.00", False)
    table = cli("estimate", *TWO, "--prices", str(path)).out
    assert "2024-05-15 (your price)" in next(row for row in table.splitlines() if row.startswith("alpha-lite"))
    assert "your price" not in next(row for row in table.splitlines() if row.startswith("alpha-pro"))
    compare = cli("compare", *TWO, "--prices", str(path)).out
    assert "2024-05-15 (your price)" in compare
    # The environment variable does the same.
    assert report(cli, "estimate", *TWO, env={"LLMCOST_PRICES": str(path)})["lines"][0]["user_price"] is True


def test_user_price_and_discount_are_both_marked(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    # our 27.60 less 10%: -2.76 → 24.84
    markdown = cli(
        "estimate", *LITE, "--as-of", "2024-06-01", "--prices", str(path), "--discount", "alpha=10%", "-f", "markdown"
    ).out
    assert (
        "| alpha-lite | alpha | 60,000 | 1,500 | 400 | ¥18.00 | ¥9.60 | -¥2.76 | ¥24.84 | "
        "2024-05-15 (your price, discount) \\[1\\] |"
    ) in markdown


def test_invalid_user_price_file_exits_2(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(USER_FILE.replace('input: "0.0002"', "input: 0.0002"), encoding="utf-8")
    r = cli("estimate", *LITE, "--prices", str(path))
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith(f"llmcost: error: {path}") and r.err.count("\n") == 1


# -- --as-of on every command ----------------------------------------------------------------


def test_estimate_as_of_before_and_after_the_cut_differs_as_the_history_says(cli):
    # before: 90M × 0.008/1K = 720 + 24M × 0.008/1K = 192 → 912.00
    # after: 27 + 14.4 = 41.40; input 720 → 27 is -96.25%, output 192 → 14.4 is -92.5%,
    # the changes `llmcost history alpha-lite` shows for 2024-05-15
    before = one_line(cli, *LITE, "--as-of", "2024-04-01")
    after = one_line(cli, *LITE, "--as-of", "2024-06-01")
    assert money(before, "input_cost", "output_cost", "total", "price_effective") == (
        "720.00",
        "192.00",
        "912.00",
        "2024-01-01",
    )
    assert money(after, "input_cost", "output_cost", "total", "price_effective") == (
        "27.00",
        "14.40",
        "41.40",
        "2024-05-15",
    )
    history = report(cli, "history", "alpha-lite")["models"][0]["entries"][1]
    assert (history["input_change"], history["output_change"]) == ("-0.9625", "-0.925")


def test_compare_as_of(cli):
    # 1,000 requests of 1,000 in / 500 out: alpha-lite 1M × 0.008/1K + 0.5M × 0.008/1K = 12.00 in April
    # 2024; beta-4o had no price yet. In June 2024: 0.3 + 0.3 = 0.60, and beta-4o 1M × 5 + 0.5M × 15 =
    # 12.50 USD × 7.1 = 88.75 CNY.
    args = [
        "compare",
        "-m",
        "alpha-lite",
        "-m",
        "beta-4o",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
    ]
    april = report(cli, *args, "--as-of", "2024-04-01")
    assert [(m["model"], m["total"]) for m in april["models"]] == [("alpha-lite", "12.00")]
    assert april["cannot_serve"] == [
        {
            "model": "beta-4o",
            "reason": "has no price on or before 2024-04-01 (its first price is from 2024-05-13)",
        }
    ]
    june = report(cli, *args, "--as-of", "2024-06-01")
    assert [(m["model"], m["total"]) for m in june["models"]] == [("alpha-lite", "0.60"), ("beta-4o", "88.75")]


def test_check_as_of(cli, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        "version: 1\nworkloads:\n  - name: bot\n    model: alpha-lite\n    requests_per_day: 2000\n"
        "    input_tokens: 1500\n    output_tokens: 400\n",
        encoding="utf-8",
    )
    # 2,000 × 30 = 60,000 requests: 912.00 before the cut (over a 100 budget), 41.40 after
    april = cli("check", str(path), "--budget", "100", "--as-of", "2024-04-01", "-f", "json")
    june = cli("check", str(path), "--budget", "100", "--as-of", "2024-06-01", "-f", "json")
    assert (april.code, json.loads(april.out)["total"]) == (1, "912.00")
    assert (june.code, json.loads(june.out)["total"]) == (0, "41.40")


def test_models_as_of(cli):
    def lite(as_of):
        rows = report(cli, "models", "--provider", "alpha", "--as-of", as_of)["models"]
        row = next(row for row in rows if row["id"] == "alpha-lite")
        return row["input_price"], row["output_price"], row["price_unit"], row["price_effective"]

    assert lite("2024-04-01") == ("0.008", "0.008", "1K", "2024-01-01")
    assert lite("2024-06-01") == ("0.0003", "0.0006", "1K", "2024-05-15")


def test_history_as_of(cli):
    entries = report(cli, "history", "alpha-lite", "--as-of", "2024-04-01")["models"][0]["entries"]
    assert [e["effective"] for e in entries] == ["2024-01-01"]


@pytest.mark.parametrize(
    "command", [["estimate", *LITE], ["compare", *LITE[2:]], ["models"], ["history", "alpha-lite"]]
)
def test_bad_as_of_exits_2(cli, command):
    r = cli(*command, "--as-of", "2024-13-01")
    assert (r.code, r.out) == (2, "")
    assert r.err == "llmcost: error: --as-of: '2024-13-01' is not a date (use YYYY-MM-DD)\n"
