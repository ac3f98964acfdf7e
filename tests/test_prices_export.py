"""llmcost prices export --format csv|jsonl: the book as one flat table (issue 14, item 5).

The book is tests/data/usage_book (see tests/test_usage.py for its prices)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import DATA

from llmcost import book as prices
from llmcost.book.flat import COLUMNS, flat_rows
from llmcost.resources import shipped_prices_dir

USAGE_BOOK = DATA / "usage_book"
HEADER = (
    "provider,model,region,currency,effective,until,retired,announced,billing_utc_offset,mode,band,input_over,"
    "up_to,output_over,output_up_to,clock,input,output,cached_input,cache_write,batch_input,batch_output,"
    "reasoning_output,tod_utc_offset,tod_days,tod_hours,tod_hours_are,tod_holidays,source,source_kind"
)


@pytest.fixture(autouse=True)
def _usage_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(USAGE_BOOK))


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_columns_are_the_contract(cli):
    r = cli("prices", "export")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == HEADER
    assert ",".join(COLUMNS) == HEADER


def test_tiers_bounds_and_per_million_prices(cli):
    rows = [row for row in rows_of(cli("prices", "export", "-f", "csv").out) if row["model"] == "ml-tiers"]
    got = [
        (
            r["band"],
            r["input_over"],
            r["up_to"],
            r["output_over"],
            r["output_up_to"],
            r["input"],
            r["output"],
            r["cached_input"],
            r["batch_input"],
            r["batch_output"],
            r["reasoning_output"],
        )
        for r in rows
    ]
    assert got == [
        ("<32K in, ≤200 out", "", "31999", "", "200", "0.8", "2", "0.16", "0.4", "1", ""),
        ("<32K in, >200 out", "", "31999", "200", "", "0.8", "8", "0.16", "0.4", "4", "16"),
        ("32K-128K", "31999", "128000", "", "", "1.2", "16", "", "", "", "32"),
        (">128K", "128000", "", "", "", "2.4", "24", "", "", "", ""),
    ]
    assert {r["mode"] for r in rows} == {"whole"} and {r["currency"] for r in rows} == {"CNY"}


def test_time_of_day_rows_regions_and_until(cli):
    rows = [row for row in rows_of(cli("prices", "export").out) if row["model"] == "ml-tod"]
    got = [
        (
            r["region"],
            r["currency"],
            r["effective"],
            r["until"],
            r["clock"],
            r["input"],
            r["output"],
            r["cached_input"],
            r["tod_hours"],
            r["tod_hours_are"],
            r["tod_days"],
            r["tod_holidays"],
            r["tod_utc_offset"],
            r["billing_utc_offset"],
        )
        for r in rows
    ]
    assert got == [
        ("cn", "CNY", "2026-01-01", "2026-09-01", "", "2", "8", "0.5", "", "", "", "", "", "480"),
        (
            "cn",
            "CNY",
            "2026-09-01",
            "",
            "peak",
            "4",
            "16",
            "1",
            "09:00-12:00 14:00-18:00",
            "peak",
            "weekdays",
            "cn",
            "480",
            "480",
        ),
        (
            "cn",
            "CNY",
            "2026-09-01",
            "",
            "off-peak",
            "2",
            "8",
            "0.5",
            "09:00-12:00 14:00-18:00",
            "peak",
            "weekdays",
            "cn",
            "480",
            "480",
        ),
        ("intl", "USD", "2026-01-01", "", "", "0.5", "2", "0.1", "", "", "", "", "", "480"),
    ]
    old = [row for row in rows_of(cli("prices", "export").out) if row["model"] == "ml-old"]
    assert [(r["effective"], r["until"], r["retired"]) for r in old] == [("2025-01-01", "2026-06-01", "2026-06-01")]


def test_graduated_slices_and_per_10k_prices(cli):
    rows = [row for row in rows_of(cli("prices", "export").out) if row["model"] == "ml-grad"]
    assert [
        (r["input_over"], r["up_to"], r["input"], r["output"], r["cached_input"], r["cache_write"]) for r in rows
    ] == [
        ("", "1000", "1", "3", "0.2", "1.25"),
        ("1000", "5000", "2", "5", "0.4", ""),
        ("5000", "", "4", "9", "", ""),
    ]


def test_jsonl_matches_csv_and_output_file(cli, tmp_path):
    r = cli("prices", "export", "--format", "jsonl")
    assert r.code == 0, r.err
    objects = [json.loads(line) for line in r.out.splitlines()]
    assert list(objects[0]) == list(COLUMNS)
    out = tmp_path / "prices.csv"
    w = cli("prices", "export", "-o", str(out))
    assert (w.code, w.out, w.err) == (0, "", "")
    table = rows_of(out.read_text(encoding="utf-8"))
    assert len(table) == len(objects)
    for row, obj in zip(table, objects):
        assert row == {k: "" if v is None else str(v) for k, v in obj.items()}


def test_bad_format_and_unwritable_output(cli, tmp_path):
    r = cli("prices", "export", "-f", "xml")
    assert (r.code, r.out) == (2, "")
    assert r.err == "llmcost: error: --format: 'xml' is not an export format (csv, jsonl, litellm)\n"
    r = cli("prices", "export", "-o", str(tmp_path / "missing" / "p.csv"))
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith("llmcost: error: cannot write ") and r.err.count("\n") == 1


@pytest.mark.parametrize("folder", ["usage_book", "book", "shipped"])
def test_band_bounds_pick_the_band_the_book_picks(folder):
    """For every entry, each request size at and around every bound falls in exactly one row's band
    (per clock), and it is the band PriceEntry.band_index picks (a whole entry) or reaches (graduated)."""
    book = prices.load_only(shipped_prices_dir() if folder == "shipped" else DATA / folder)
    rows = list(flat_rows(book))
    by_entry: dict[tuple[str, str, str, str], list[dict]] = {}
    for row in rows:
        if row["clock"] != "off-peak":
            by_entry.setdefault((row["model"], row["region"], row["effective"], row["clock"]), []).append(row)
    checked = 0
    for (model_id, region, effective, _), band_rows in by_entry.items():
        model = book.models[model_id].in_region("intl" if region == "intl" else "cn")
        entry = next(e for e in model.prices if e.effective.isoformat() == effective)
        points = {0, 1}
        for band in entry.bands:
            for bound in (band.up_to, band.output_up_to):
                if bound is not None:
                    points |= {bound - 1, bound, bound + 1}
        for i in sorted(points):
            for o in sorted(points):
                inside = [
                    k
                    for k, r in enumerate(band_rows)
                    if (r["input_over"] is None or i > r["input_over"])
                    and (r["up_to"] is None or i <= r["up_to"])
                    and (r["output_over"] is None or o > r["output_over"])
                    and (r["output_up_to"] is None or o <= r["output_up_to"])
                ]
                assert inside == [entry.band_index(i, o)], (model_id, effective, i, o)
                checked += 1
    assert checked > 10
