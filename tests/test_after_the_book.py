"""A date after what the book knows (issue 11, item 7): the test book tests/data/book_v2 was last checked
on 2026-11-01; delta-1 is priced in USD, gamma-think in CNY; its last USD/CNY rate is of 2024-06-03."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

ONE = ["--requests-per-month", "100", "--input-tokens", "1000", "--output-tokens", "10"]
KNOWN = "2030-01-01 is after 2026-11-01, the price book's last check: prices are those known that day"
RATE = "; the USD/CNY rate is that of 2024-06-03"


@pytest.fixture(autouse=True)
def _book_v2(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "book_v2"))


@pytest.mark.parametrize("model, note", [("delta-1", KNOWN + RATE + "."), ("gamma-think", KNOWN + ".")])
def test_estimate_says_what_the_book_knows_on_stderr_and_in_the_json(cli, model, note):
    r = cli("estimate", "-m", model, *ONE, "--as-of", "2030-01-01")
    assert r.code == 0
    assert r.err == f"llmcost: note: {note}\n"
    r = cli("estimate", "-m", model, *ONE, "--as-of", "2030-01-01", "-f", "json")
    assert (r.err, json.loads(r.out)["notes"]) == ("", [note])
    for fmt in ("csv", "markdown"):
        assert cli("estimate", "-m", model, *ONE, "--as-of", "2030-01-01", "-f", fmt).err == f"llmcost: note: {note}\n"


@pytest.mark.parametrize("as_of", [["--as-of", "2026-11-01"], ["--as-of", "2026-10-01"], []])
def test_no_note_up_to_the_check_date_or_without_as_of(cli, as_of):
    r = cli("estimate", "-m", "delta-1", *ONE, *as_of, "-f", "json")
    assert (r.code, r.err, json.loads(r.out)["notes"]) == (0, "", [])


def test_a_rate_given_with_rate_is_not_dated(cli):
    r = cli("estimate", "-m", "delta-1", *ONE, "--as-of", "2030-01-01", "--rate", "7")
    assert r.err == f"llmcost: note: {KNOWN}.\n"


def test_compare_check_and_models_say_it_too(cli, tmp_path):
    r = cli("compare", "-m", "delta-1", "-m", "gamma-think", *ONE, "--as-of", "2030-01-01")
    assert (r.code, r.err) == (0, f"llmcost: note: {KNOWN}{RATE}.\n")
    r = cli("compare", "-m", "gamma-think", *ONE, "--as-of", "2030-01-01", "-f", "json")
    assert json.loads(r.out)["notes"] == [KNOWN + "."]

    path = tmp_path / "w.csv"
    path.write_text(
        "name,model,requests_per_month,input_tokens,output_tokens,budget\nbot,delta-1,100,1000,10,1000\n",
        encoding="utf-8",
    )
    r = cli("check", str(path), "--as-of", "2030-01-01", "-f", "json")
    assert r.code == 0
    assert json.loads(r.out)["notes"] == [KNOWN + RATE + "."]
    assert "note" not in r.err
    r = cli("check", str(path), "--as-of", "2030-01-01")
    assert r.err.splitlines()[0] == f"llmcost: note: {KNOWN}{RATE}."

    r = cli("models", "--as-of", "2030-01-01")  # each price in its own currency: no rate
    assert (r.code, r.err) == (0, f"llmcost: note: {KNOWN}.\n")
    assert json.loads(cli("models", "--as-of", "2030-01-01", "-f", "json").out)["notes"] == [KNOWN + "."]


def test_a_workload_file_priced_as_it_streams(cli, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "name,model,requests_per_month,input_tokens,output_tokens\nbot,gamma-think,100,1000,10\n", encoding="utf-8"
    )
    # the head of the report is written before the lines are priced: the rate is named for a line converted
    note = f"{KNOWN}; where a line is converted, the USD/CNY rate is that of 2024-06-03."
    r = cli("estimate", str(path), "--as-of", "2030-01-01")
    assert (r.code, r.err) == (0, f"llmcost: note: {note}\n")
    assert json.loads(cli("estimate", str(path), "--as-of", "2030-01-01", "-f", "json").out)["notes"] == [note]


def test_usage_records_dated_after_the_check(cli, monkeypatch, tmp_path):
    """tests/data/usage_book was last checked on 2026-11-01; a record's day is its day in the vendor's
    billing zone: 2026-11-01T20:00Z is 2026-11-02 in Beijing (ml-tod) but 2026-11-01 in UTC (w-cache)."""
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))
    header = "timestamp,model,input_tokens,output_tokens\n"
    path = tmp_path / "u.csv"
    path.write_text(
        header + "2026-11-01T10:00:00Z,ml-tod,1000,0\n2026-11-01T20:00:00Z,ml-tod,1000,0\n"
        "2026-11-01T20:00:00Z,w-cache,1000,0\n",
        encoding="utf-8",
    )
    notes = json.loads(cli("usage", str(path), "--as-of", "2026-12-01", "-f", "json").out)["notes"]
    assert [n for n in notes if "last check" in n] == [
        "1 record is dated after 2026-11-01, the price book's last check: priced at the prices known that day; "
        "the USD/CNY rate is that of 2026-07-01"
    ]  # w-cache was converted
    path.write_text(
        header + "2026-11-01T10:00:00Z,ml-tod,1000,0\n2026-11-02T10:00:00Z,ml-tod,1000,0\n", encoding="utf-8"
    )
    notes = json.loads(cli("usage", str(path), "--as-of", "2026-12-01", "-f", "json").out)["notes"]
    assert [n for n in notes if "last check" in n] == [
        "1 record is dated after 2026-11-01, the price book's last check: priced at the prices known that day"
    ]
    path.write_text(
        header + "2026-11-05T10:00:00Z,ml-tod,1000,0\n2026-11-05T10:00:00Z,w-cache,1000,0\n", encoding="utf-8"
    )
    r = cli("usage", str(path), "--as-of", "2026-12-01")
    note = (
        "2 records are dated after 2026-11-01, the price book's last check: priced at the prices known that day; "
        "the USD/CNY rate is that of 2026-07-01"
    )
    assert f"Note: {note}." in r.out.splitlines()
    assert note in json.loads(cli("usage", str(path), "--as-of", "2026-12-01", "-f", "json").out)["notes"]
