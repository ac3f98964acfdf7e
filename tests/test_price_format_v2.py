"""Price format schema 2 (docs/price-format.md): what each new dimension costs, through the CLI, on the
small schema-2 book in tests/data/book_v2; and what the loader refuses."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import DATA

from llmcost import book

BOOK_V2 = DATA / "book_v2"
AS_OF = ("--as-of", "2026-09-01")


@pytest.fixture(autouse=True)
def _v2_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(BOOK_V2))


def lines(cli, *args: str) -> list[dict]:
    r = cli("estimate", *args, "-f", "json")
    assert (r.code, r.err) == (0, ""), r.err
    return json.loads(r.out)["lines"]


def one(cli, *args: str) -> dict:
    [line] = lines(cli, *args)
    return line


def amounts(line: dict) -> tuple[str, str, str]:
    return line["input_cost"], line["output_cost"], line["total"]


# -- output-length bands (issue 11, item 4) --------------------------------------------------------


def test_short_answers_are_priced_in_the_output_band_they_fall_in(cli):
    """Doubao Seed 1.6's rule: input ≤32K and output ≤200 tokens bills output at 2, not 8 元/百万."""
    short = one(
        cli,
        "-m",
        "gamma-out",
        "--requests-per-day",
        "10000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "150",
        *AS_OF,
    )
    assert amounts(short) == ("240.00", "90.00", "330.00")
    assert (short["tier"], short["output_price"]) == ("≤32K in, ≤200 out", "2")
    edge = one(
        cli,
        "-m",
        "gamma-out",
        "--requests-per-day",
        "10000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
        *AS_OF,
    )
    assert edge["tier"] == "≤32K in, ≤200 out"  # up_to is inclusive
    longer = one(
        cli,
        "-m",
        "gamma-out",
        "--requests-per-day",
        "10000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "201",
        *AS_OF,
    )
    assert amounts(longer) == ("240.00", "482.40", "722.40")
    assert longer["tier"] == "≤32K in, >200 out"
    big = one(
        cli, "-m", "gamma-out", "--requests-per-month", "1", "--input-tokens", "32001", "--output-tokens", "10", *AS_OF
    )
    assert big["tier"] == "32K-128K"  # past the input bound, the output condition does not apply


def test_the_table_says_which_band_applied(cli):
    r = cli(
        "estimate",
        "-m",
        "gamma-out",
        "--requests-per-day",
        "10000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "150",
        *AS_OF,
    )
    assert r.code == 0 and "≤32K in, ≤200 out" in " ".join(r.out.split())


def test_half_open_bands_put_the_bound_in_the_band_above(cli):
    """A vendor that writes [0, 32K) bills 32,000 input tokens at the higher band."""
    assert (
        one(
            cli,
            "-m",
            "gamma-below",
            "--requests-per-month",
            "1",
            "--input-tokens",
            "31999",
            "--output-tokens",
            "199",
            *AS_OF,
        )["tier"]
        == "<32K in, <200 out"
    )
    assert (
        one(
            cli,
            "-m",
            "gamma-below",
            "--requests-per-month",
            "1",
            "--input-tokens",
            "31999",
            "--output-tokens",
            "200",
            *AS_OF,
        )["tier"]
        == "<32K in, ≥200 out"
    )
    line = one(
        cli,
        "-m",
        "gamma-below",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "32000",
        "--output-tokens",
        "100",
        *AS_OF,
    )
    assert (line["tier"], amounts(line)) == ("≥32K", ("64.00", "0.80", "64.80"))


# -- time of day ------------------------------------------------------------------------------------

TOD = ("-m", "gamma-tod", "--requests-per-month", "1000", "--input-tokens", "1000", "--output-tokens", "500")


def test_without_an_off_peak_share_every_request_is_at_the_peak_price_and_the_line_says_so(cli):
    line = one(cli, *TOD, *AS_OF)
    assert amounts(line) == ("8.00", "12.00", "20.00")
    assert line["notes"] == [
        "peak price for every request (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, "
        "cn holidays off-peak)); give --off-peak-ratio for the share sent off-peak"
    ]


def test_an_off_peak_share_is_priced_at_the_off_peak_prices(cli):
    # peak: 750 requests × (500 tokens at 8 + 500 cached at 0.2) input, off-peak 250 × (4, 0.1); output 24 / 12
    line = one(cli, *TOD, "--off-peak-ratio", "0.25", "--cached-ratio", "0.5", *AS_OF)
    assert amounts(line) == ("3.59", "10.50", "14.09")
    assert line["cached_input_cost"] == "0.09"  # 750 × 500 × 0.2 + 250 × 500 × 0.1, per 1M
    assert line["off_peak_ratio"] == "0.25"
    assert line["notes"] == [
        "25% of requests at off-peak prices (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn holidays off-peak))"
    ]


def test_an_off_peak_discount_schedule_says_the_listed_price_is_the_standard_one(cli):
    line = one(cli, *TOD, "--as-of", "2025-06-01")
    assert amounts(line) == ("4.00", "8.00", "12.00")
    assert line["notes"] == [
        "standard price for every request; off-peak prices apply daily 00:30-08:30 (UTC+08:00) (give --off-peak-ratio)"
    ]
    line = one(cli, *TOD, "--as-of", "2025-06-01", "--off-peak-ratio", "1")
    assert amounts(line) == ("2.00", "4.00", "6.00")


def test_the_off_peak_ratio_does_not_touch_models_without_time_of_day_prices(cli):
    line = one(
        cli,
        "-m",
        "gamma-think",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--off-peak-ratio",
        "0.5",
        *AS_OF,
    )
    assert amounts(line) == ("1.00", "1.00", "2.00") and line["notes"] == []


@pytest.mark.parametrize(
    "moment, off_peak",
    [
        ("2026-09-01T01:00:00+00:00", False),  # Tuesday 09:00 Beijing: peak starts
        ("2026-09-01T00:59:59+00:00", True),  # 08:59:59
        ("2026-09-01T04:00:00+00:00", True),  # 12:00: the first window has ended
        ("2026-09-01T06:00:00+00:00", False),  # 14:00
        ("2026-09-01T09:59:00+00:00", False),  # 17:59
        ("2026-09-01T10:00:00+00:00", True),  # 18:00
        ("2026-09-05T03:00:00+00:00", True),  # Saturday 11:00
        ("2026-10-01T03:00:00+00:00", True),  # Thursday 11:00, but 国庆节
        ("2026-10-08T03:00:00+00:00", False),  # the Thursday after
        ("2026-08-31T20:00:00-05:00", False),  # 2026-09-01 09:00 Beijing, written in another zone
    ],
)
def test_peak_hours_are_beijing_weekday_windows_except_holidays(moment, off_peak):
    loaded = book.load_only(BOOK_V2)
    tod = loaded.models["gamma-tod"].prices[-1].time_of_day
    assert tod.is_off_peak(datetime.fromisoformat(moment), loaded.calendars["cn"]) is off_peak


def test_an_off_peak_window_schedule_is_off_peak_inside_it():
    tod = book.load_only(BOOK_V2).models["gamma-tod"].prices[0].time_of_day
    assert tod.is_off_peak(datetime(2025, 3, 1, 16, 30, tzinfo=timezone.utc))  # 00:30 Beijing
    assert not tod.is_off_peak(datetime(2025, 3, 1, 0, 30, tzinfo=timezone.utc))  # 08:30 Beijing


# -- cache writes, thinking, regions ----------------------------------------------------------------


def test_cache_writes_are_priced_at_the_cache_write_price(cli):
    # 32M input tokens: 50% at 1, 20% cached at 0.1, 30% written at 1.25 per 1M → 32 × 0.895
    line = one(
        cli,
        "-m",
        "gamma-write",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "32000",
        "--output-tokens",
        "200",
        "--cached-ratio",
        "0.2",
        "--cache-write-ratio",
        "0.3",
        *AS_OF,
    )
    assert amounts(line) == ("28.64", "0.80", "29.44")
    assert line["cache_write_ratio"] == "0.3"


def test_where_writes_cost_the_input_price_a_write_share_changes_nothing(cli):
    base = ("-m", "gamma-think", "--requests-per-month", "1000", "--input-tokens", "32000", "--output-tokens", "0")
    assert amounts(one(cli, *base, *AS_OF)) == amounts(one(cli, *base, "--cache-write-ratio", "0.7", *AS_OF))


def test_cache_hits_and_writes_cannot_be_more_than_the_input(cli):
    r = cli(
        "estimate",
        "-m",
        "gamma-write",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--cached-ratio",
        "0.6",
        "--cache-write-ratio",
        "0.5",
        *AS_OF,
    )
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "llmcost: error: --cached-ratio + --cache-write-ratio must be at most 1 (shares of the same "
        "input tokens), not 1.1\n"
    )


def test_thinking_requests_pay_the_thinking_output_price(cli):
    line = one(
        cli,
        "-m",
        "gamma-think",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
        "--thinking-ratio",
        "0.5",
        *AS_OF,
    )
    assert amounts(line) == ("1.00", "1.00", "2.00")  # 200,000 output tokens × (2 + 8) / 2 per 1M
    assert line["notes"] == ["50% of requests in thinking mode, their output at the thinking-mode price"]


def test_the_international_list_is_priced_with_region_intl(cli):
    args = (
        "-m",
        "gamma-intl",
        "--requests-per-month",
        "1000",
        "--input-tokens",
        "200000",
        "--output-tokens",
        "100",
        "--currency",
        "USD",
        *AS_OF,
    )
    intl = one(cli, *args, "--region", "intl")
    assert (amounts(intl), intl["region"], intl["price_currency"]) == (("100.00", "0.20", "100.20"), "intl", "USD")
    r = cli("estimate", *args)  # the mainland list: its context window is 128K
    assert (r.code, r.err) == (
        2,
        "llmcost: error: gamma-intl cannot serve 200000 input tokens per request (context window 128000)\n",
    )


def test_a_model_without_the_chosen_list_is_not_priced_and_says_why(cli):
    r = cli(
        "estimate",
        "-m",
        "gamma-out",
        "-m",
        "delta-1",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--region",
        "intl",
        "-f",
        "json",
        *AS_OF,
    )
    report = json.loads(r.out)
    assert [line["model"] for line in report["lines"]] == ["delta-1"]
    assert report["lines"][0]["region"] == "global"
    assert report["skipped"] == [
        {
            "model": "gamma-out",
            "reason": "has no international price list (gamma sells it in mainland China only; use --region cn)",
        }
    ]
    r = cli(
        "estimate",
        "-m",
        "gamma-intl-only",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        *AS_OF,
    )
    assert (r.code, r.err) == (
        2,
        "llmcost: error: gamma-intl-only has no per-token price: no mainland price list published\n",
    )


def test_an_unknown_region_is_a_usage_error(cli):
    r = cli(
        "estimate",
        "-m",
        "delta-1",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--region",
        "eu",
    )
    assert (r.code, r.out, r.err) == (2, "", "llmcost: error: --region: 'eu' is not cn or intl\n")


# -- shutdowns, announced prices, freshness ---------------------------------------------------------


def test_an_announced_shutdown_is_noted_before_and_refused_after(cli):
    line = one(
        cli, "-m", "gamma-dep", "--requests-per-month", "1", "--input-tokens", "1", "--output-tokens", "1", *AS_OF
    )
    assert line["notes"] == ["deprecated: shuts down on 2027-01-14 (announced 2026-10-14); successor gamma-tod"]
    r = cli(
        "estimate",
        "-m",
        "gamma-dep",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--as-of",
        "2027-01-14",
    )
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "llmcost: error: gamma-dep shuts down on 2027-01-14, announced 2026-10-14, before 2027-01-14; use gamma-tod\n"
    )


def test_a_retired_model_is_refused_with_its_date(cli):
    r = cli(
        "estimate",
        "-m",
        "gamma-old",
        "--requests-per-month",
        "1",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        *AS_OF,
    )
    assert (r.code, r.err) == (2, "llmcost: error: gamma-old was retired on 2026-01-01, before 2026-09-01\n")


def test_an_announced_price_applies_from_its_date_with_a_note(cli):
    args = ("-m", "gamma-future", "--requests-per-month", "1000000", "--input-tokens", "1", "--output-tokens", "1")
    assert one(cli, *args, "--as-of", "2026-12-31")["total"] == "3.00"
    line = one(cli, *args, "--as-of", "2027-01-01")
    assert line["total"] == "6.00"
    assert line["notes"][0] == "announced price (announced 2026-10-01, in force from 2027-01-01)"


def test_prices_not_checked_for_90_days_before_the_as_of_date_carry_a_note(cli):
    args = ("-m", "delta-1", "--requests-per-month", "1", "--input-tokens", "1", "--output-tokens", "1")
    assert one(cli, *args, "--as-of", "2027-01-30")["notes"] == []  # 90 days after 2026-11-01
    assert one(cli, *args, "--as-of", "2027-01-31")["notes"] == [
        "delta prices last checked on 2026-11-01, 91 days before 2027-01-31"
    ]


def test_the_new_columns_of_a_workload_csv_round_trip(cli, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "name,model,requests_per_month,input_tokens,output_tokens,cached_ratio,cache_write_ratio,"
        "thinking_ratio,off_peak_ratio\n"
        "a,gamma-tod,1000,1000,500,0.5,0,0,0.25\n"
        "b,gamma-write,1000,32000,200,0.2,0.3,0,0\n"
        "c,gamma-think,1000,1000,200,0,0,0.5,0\n",
        encoding="utf-8",
    )
    first = cli("estimate", "--workloads", str(path), "-f", "csv", *AS_OF)
    assert first.code == 0, first.err
    again = cli("estimate", "--workloads", "-", "-f", "csv", *AS_OF, input=first.out)
    assert (again.code, again.out) == (0, first.out)
    totals = [row.split(",")[16] for row in first.out.splitlines()[1:]]
    assert totals == ["14.09", "29.44", "2.00", "45.53"]


# -- the loader --------------------------------------------------------------------------------------


def _file(
    tmp_path: Path, body: str, head: str = 'schema_version: 2\nprovider: gamma\nchecked: "2026-11-01"\nregion: cn\n'
) -> Path:
    path = tmp_path / "gamma.yaml"
    path.write_text(head + "models:\n" + body, encoding="utf-8")
    return path


MODEL = """  - id: m
    name: M
    currency: CNY
    context_window: 1000
    tokenizer: qwen
"""
FLAT = """    prices:
      - effective: "2025-01-01"
        unit: 1M
        input: "1"
        output: "2"
        source: https://example.com/m
"""


@pytest.mark.parametrize(
    "body, head, message",
    [
        (
            MODEL + FLAT,
            "schema_version: 2\nprovider: gamma\nregion: cn\n",
            "line 1: missing required field 'checked' (schema_version 2)",
        ),
        (
            MODEL + FLAT,
            'schema_version: 1\nprovider: gamma\nchecked: "2026-11-01"\n',
            "line 1: checked and region need schema_version: 2",
        ),
        (
            MODEL + '    provenance: "x"\n' + FLAT,
            "schema_version: 1\nprovider: gamma\n",
            "line 4: model m: provenance need schema_version: 2",
        ),
        (
            MODEL + "    note: " + "x" * 201 + "\n" + FLAT,
            None,
            "line 11: model m: note is for users, at most 200 characters (201); put the detail in provenance",
        ),
        (
            MODEL + '    retired: "2026-01-01"\n' + FLAT,
            None,
            "line 11: model m: retired needs retired_source (the notice that says so)",
        ),
        (
            MODEL + "    prices: []\n",
            None,
            "line 11: model m: has no prices: give at least one, or say why in unpriced",
        ),
        (
            MODEL + '    unpriced: "packages"\n' + FLAT,
            None,
            "line 11: model m: is unpriced but has prices: give one or the other",
        ),
        (
            MODEL
            + FLAT.replace(
                "        source:",
                '        time_of_day:\n          utc_offset: "+08:00"\n'
                '          windows: peak\n          days: all\n          hours: ["12:00-09:00"]\n'
                '          off_peak: {input: "1", output: "1"}\n        source:',
            ),
            None,
            "line 12: time_of_day: hours '12:00-09:00' must end after they start",
        ),
        (
            MODEL
            + FLAT.replace(
                "        source:",
                '        time_of_day:\n          utc_offset: "+08:00"\n'
                '          windows: peak\n          days: all\n          hours: ["09:00-12:00", "11:00-13:00"]\n'
                '          off_peak: {input: "1", output: "1"}\n        source:',
            ),
            None,
            "line 12: time_of_day: hours overlap",
        ),
        (
            MODEL
            + FLAT.replace('        output: "2"\n', '        output: "2"\n        cached_input: "0.1"\n').replace(
                "        source:",
                '        time_of_day:\n          utc_offset: "+08:00"\n          windows: peak\n'
                '          days: all\n          hours: ["09:00-12:00"]\n          off_peak: {input: "1", output: "1"}\n'
                "        source:",
            ),
            None,
            "line 12: time_of_day.off_peak: give cached_input too (the entry has them)",
        ),
        (
            MODEL
            + """    prices:
      - effective: "2025-01-01"
        unit: 1M
        tiers:
          mode: whole
          bands:
            - {up_to: 32000, output_up_to: 200, input: "1", output: "2"}
            - {up_to: 64000, input: "1", output: "2"}
            - {input: "1", output: "2"}
        source: https://example.com/m
""",
            None,
            "line 12: a tier with output_up_to must be followed by one for the same input range and longer outputs",
        ),
        (
            MODEL
            + """    prices:
      - effective: "2025-01-01"
        unit: 1M
        tiers:
          mode: graduated
          bands:
            - {below: 32000, input: "1", output: "2"}
            - {input: "1", output: "2"}
        source: https://example.com/m
""",
            None,
            "line 12: graduated tiers take up_to only (no below, no output_up_to)",
        ),
        (
            MODEL
            + FLAT
            + """    intl:
      currency: USD
      prices: []
""",
            None,
            "line 17: model m: intl has no prices: give at least one, or say why in unpriced",
        ),
        (
            MODEL
            + FLAT
            + """    intl:
      currency: USD
      prices: []
      unpriced: x
""",
            'schema_version: 2\nprovider: gamma\nchecked: "2026-11-01"\nregion: global\n',
            "line 17: model m: intl is a mainland vendor's international list: only in region: cn files",
        ),
    ],
)
def test_the_loader_refuses_what_schema_2_does_not_allow(tmp_path, body, head, message):
    path = _file(tmp_path, body, *(() if head is None else (head,)))
    with pytest.raises(book.loader.PriceBookError) as exc:
        book.load_only(path)
    assert str(exc.value) == f"{path}, {message}"


def test_a_time_of_day_calendar_must_exist(tmp_path):
    body = MODEL + FLAT.replace(
        "        source:",
        '        time_of_day:\n          utc_offset: "+08:00"\n'
        '          windows: peak\n          days: weekdays\n          hours: ["09:00-12:00"]\n'
        '          holidays: cn\n          off_peak: {input: "1", output: "1"}\n'
        "        source:",
    )
    path = _file(tmp_path, body)
    with pytest.raises(book.loader.PriceBookError) as exc:
        book.load_only(path)
    assert str(exc.value) == (
        f"{path}: model m: time_of_day.holidays 'cn' is not a calendar in holidays.yaml (known: none)"
    )


def test_the_schema_2_book_loads_whole():
    loaded = book.load_only(BOOK_V2)
    gamma = loaded.providers["gamma"]
    assert (gamma.checked, gamma.region, gamma.schema_version) == (date(2026, 11, 1), "cn", 2)
    assert loaded.providers["delta"].region == "global"
    tod = loaded.models["gamma-tod"].prices[-1]
    assert (tod.source_kind, tod.see_also, tod.provenance) == (
        "third-party",
        ("https://example.com/gamma/tod-news",),
        "Read from a third-party copy of the price page.",
    )
    assert tod.time_of_day.off_peak.cached_input == D("0.1")
    assert loaded.models["gamma-intl"].intl.prices[0].bands[0].input == D("0.5")
    assert loaded.calendars["cn"] == {date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)}
