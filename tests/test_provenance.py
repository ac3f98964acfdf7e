"""Notes for users, provenance for maintainers: tables mark a price read from a third-party copy with
† and say once what it means; --verbose lists each price's note and provenance under estimate,
compare and models; JSON always carries them (the fast row too).  On the small schema-2 book in
tests/data/book_provenance, whose gamma-copy's 2026 price is a third-party copy with a note and provenance."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from llmcost import fastrow

ONE = ["--requests-per-day", "100", "--input-tokens", "100", "--output-tokens", "100", "--as-of", "2026-09-01"]
TWO = ["-m", "gamma-write", "-m", "gamma-copy", *ONE]
DETAIL = (
    "gamma-copy 2026-03-01†: Doubled in March 2026. Provenance: Read from a reseller's copy of the price page "
    "on 2026-03-05; the vendor's page was not reachable."
)


@pytest.fixture(autouse=True)
def _v2_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "book_provenance"))


def test_a_third_party_price_is_marked_on_its_row_and_explained_once(cli):
    r = cli("estimate", *TWO)
    assert r.out.splitlines() == [
        "Model        Provider  Requests/mo  In tok  Out tok  Input  Output  Total  Price of",
        "─" * 90,
        "gamma-write  gamma           3,000     100      100  ¥0.30   ¥1.20  ¥1.50  2025-01-01 [1]",
        "gamma-copy   gamma           3,000     100      100  ¥0.60   ¥1.80  ¥2.40  2026-03-01 [2]†",
        "Prices as of 2026-09-01.",
        "[1] https://example.com/gamma/write",
        "[2] https://example.com/gamma/copy-mirror",
        "† price from a third-party copy, not the vendor's own page (--verbose says where it was read).",
    ]


def test_verbose_lists_the_note_and_the_provenance(cli):
    out = cli("estimate", *TWO, "--verbose").out.splitlines()
    assert out[4:] == [
        "Prices as of 2026-09-01.",
        DETAIL,
        "[1] https://example.com/gamma/write",
        "[2] https://example.com/gamma/copy-mirror",
        "† price from a third-party copy, not the vendor's own page.",
    ]
    assert f"- {DETAIL}" in cli("estimate", *TWO, "-v", "-f", "markdown").out.splitlines()


def test_official_prices_have_no_mark_and_no_footnote(cli):
    r = cli("estimate", "-m", "gamma-write", *ONE, "-v")
    assert "†" not in r.out and "Provenance" not in r.out


def test_json_always_carries_the_note_the_provenance_and_the_kind_of_source(cli):
    lines = json.loads(cli("estimate", *TWO, "-f", "json").out)["lines"]
    got = [(x["model"], x["source_kind"], x["price_note"], x["price_provenance"]) for x in lines]
    assert got == [
        ("gamma-write", "official", None, None),
        (
            "gamma-copy",
            "third-party",
            "Doubled in March 2026.",
            "Read from a reseller's copy of the price page on 2026-03-05; the vendor's page was not reachable.",
        ),
    ]


def test_compare_and_models_mark_and_explain_too(cli):
    compared = cli("compare", "-m", "gamma-write", "-m", "gamma-copy", *ONE, "-v").out.splitlines()
    assert compared[3].endswith("2026-03-01 [2]†") and DETAIL in compared
    assert compared[-1] == "† price from a third-party copy, not the vendor's own page."
    report = json.loads(cli("compare", "-m", "gamma-copy", *ONE, "-f", "json").out)["models"][0]
    assert (report["source_kind"], report["price_note"]) == ("third-party", "Doubled in March 2026.")
    listed = cli("models", "gamma-copy", "--as-of", "2026-09-01", "--verbose").out.splitlines()
    assert listed[2].split()[-1] == "2026-03-01†"
    assert listed[-2:] == [DETAIL, "† price from a third-party copy, not the vendor's own page."]
    row = json.loads(cli("models", "gamma-copy", "--as-of", "2026-09-01", "-f", "json").out)["models"][0]
    assert (row["source_kind"], row["price_note"]) == ("third-party", "Doubled in March 2026.")


def test_the_fast_row_writes_the_same_note_and_provenance(cli, tmp_path, monkeypatch):
    path = tmp_path / "w.csv"
    path.write_text("name,model,requests_per_day,input_tokens,output_tokens\na,gamma-copy,10,100,100\n")
    args = ("estimate", str(path), "--as-of", "2026-09-01")
    fast = {fmt: cli(*args, "-f", fmt).out for fmt in ("json", "jsonl")}
    monkeypatch.setattr(fastrow, "compile_row", lambda *a: None)  # every row through the general path
    for fmt, text in fast.items():
        assert text == cli(*args, "-f", fmt).out
    assert '"price_provenance": "Read from a reseller' in fast["json"]


def test_check_verbose_lists_them_too(cli, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        "version: 1\nworkloads:\n  - {name: copied, model: gamma-copy, requests_per_day: 100,"
        " input_tokens: 100, output_tokens: 100}\n",
        encoding="utf-8",
    )
    args = ("check", str(path), "--budget", "100", "--as-of", "2026-09-01")
    assert DETAIL not in cli(*args).out
    assert cli(*args, "--verbose").out.splitlines()[-1] == DETAIL
    assert cli(*args, "-v", "-f", "markdown").out.splitlines()[-1] == f"- {DETAIL}"
    line = json.loads(cli(*args, "-f", "json").out)["lines"][0]
    assert (line["source_kind"], line["price_note"]) == ("third-party", "Doubled in March 2026.")
