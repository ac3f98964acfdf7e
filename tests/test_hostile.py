"""Hostile input, round two (issue 16): what an attacker tried through the CLI, each kind once more.

Every case here was first tried against the CLI as an attacker would; each test pins what llmcost does
now: a one-line error with exit 2 (``assert_bad``), or the right answer.  The kinds that were already
right when this file was written are pinned in tests/test_bad_input.py (encodings, surrogates, devices,
closed and full outputs, schema_version true), tests/test_cli_count.py and tests/test_counting.py
(folder walks: FIFOs, dangling links, link loops, unreadable folders; "How are you today?").

Prices (test book, --as-of 2025-06-01): alpha-pro costs 0.0008 CNY per 1K input tokens and 0.002 per
1K output tokens; 1,000 output tokens a request cost 0.002 CNY.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal, localcontext

import pytest
from conftest import DATA, run
from test_bad_input import AS_OF, GOOD_ROW, HEADER, assert_bad, write

CHECK_CSV = DATA / "check_workloads.csv"

# -- a TOTAL row is llmcost's own only as the last row --------------------------------------


def test_a_total_row_in_the_middle_is_an_error_not_a_silent_skip(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n{GOOD_ROW}\nTOTAL,,,,\nlater,alpha-lite,100000,1000,500\n")
    message = (
        f"{path}, line 3: a TOTAL row with workload rows after it (line 4); only llmcost's own total row, "
        "the last row of the file, is skipped"
    )
    assert_bad(cli("estimate", "--workloads", path, *AS_OF, "-f", "csv"), message)
    assert_bad(cli("check", path, *AS_OF), message)


def test_the_last_total_row_is_skipped_even_with_blank_lines_after_it(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('bot', 'two')}\nTOTAL,,,,120.00\n\n\n")
    r = cli("estimate", "--workloads", path, *AS_OF, "-f", "json")
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    assert [line["name"] for line in report["lines"]] == ["bot", "two"]
    assert report["total"] == "120.00"


def test_a_row_named_total_with_a_model_is_a_workload(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\nTOTAL,alpha-lite,100000,1000,500\n{GOOD_ROW}\n")
    r = cli("estimate", "--workloads", path, *AS_OF, "-f", "json")
    assert (r.code, r.err) == (0, "")
    assert [line["name"] for line in json.loads(r.out)["lines"]] == ["TOTAL", "bot"]


def test_llmcosts_own_csv_reads_back(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n{GOOD_ROW}\n")
    first = cli("estimate", "--workloads", path, *AS_OF, "-f", "csv")
    again = cli("estimate", "--workloads", write(tmp_path, "out.csv", first.out), *AS_OF, "-f", "csv")
    assert (again.code, again.out) == (0, first.out)


# -- dates: YYYY-MM-DD, the same on every Python ---------------------------------------------

ISO_ONLY_ON_311 = ["2024-W23-1", "20240601", "2024-06-01T00:00", "2024-06-01 00:00", "2024-153"]
NOT_DATES = [*ISO_ONLY_ON_311, "２０２４-06-01", "2024-6-1", "2024-02-30", "0000-01-01", ""]


@pytest.mark.parametrize("text", NOT_DATES)
def test_as_of_takes_yyyy_mm_dd_only(cli, text):
    assert_bad(
        cli(
            "estimate",
            "-m",
            "alpha-lite",
            "--input-tokens",
            "1",
            "--output-tokens",
            "1",
            "--requests-per-month",
            "1",
            "--as-of",
            text,
        ),
        f"--as-of: {text!r} is not a date (use YYYY-MM-DD)",
    )


@pytest.mark.parametrize("text", ISO_ONLY_ON_311)
def test_history_since_takes_yyyy_mm_dd_only(cli, text):
    assert_bad(cli("history", "--since", text), f"--since: {text!r} is not a date (use YYYY-MM-DD)")


def test_a_plain_date_with_spaces_around_it_is_still_a_date(cli):
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "--requests-per-month",
        "1",
        "--as-of",
        " 2025-06-01 ",
        "-f",
        "json",
    )
    assert (r.code, json.loads(r.out)["as_of"]) == (0, "2025-06-01")


# -- exactness: a number with more digits than the arithmetic is refused, not rounded -----------

# 2.4999…9 (65 nines) requests × 0.002 = 0.004999…98: exactly, that rounds to 0.00; rounded to 60 digits
# first it was 2.5 requests and 0.005, shown as 0.01.
MANY_NINES = "2.4" + "9" * 64


def test_too_many_significant_digits_are_refused_not_rounded(cli, tmp_path):
    hint = "(write the requests, tokens, ratios and rates with fewer digits)"
    assert_bad(
        cli(
            "estimate",
            "-m",
            "alpha-pro",
            "--input-tokens",
            "0",
            "--output-tokens",
            "1000",
            "--requests-per-month",
            MANY_NINES,
            *AS_OF,
        ),
        "the numbers of this workload have too many significant digits for the bill to be computed exactly "
        f"(a product needs more than 60 digits) {hint}",
    )
    path = write(tmp_path, "w.csv", f"{HEADER}\nbot,alpha-pro,{MANY_NINES},0,1000\n")
    message = (
        f"{path}, line 2: the numbers of this workload have too many significant digits for the bill to be "
        f"computed exactly (a product needs more than 60 digits) {hint}"
    )
    for fmt in ("csv", "json", "table"):  # csv and json go through the fast row, which must not round either
        assert_bad(cli("estimate", "--workloads", path, *AS_OF, "-f", fmt), message)
    assert_bad(
        cli(
            "estimate",
            "-m",
            "alpha-pro",
            "--input-tokens",
            "0",
            "--output-tokens",
            "1000",
            "--requests-per-day",
            "0." + "3" * 61,
            "--days",
            "30",
            *AS_OF,
        ),
        "--requests-per-day × --days: too many significant digits to compute exactly (more than 60)",
    )


def test_many_digits_that_fit_are_priced_exactly(cli):
    r = cli(
        "estimate",
        "-m",
        "alpha-pro",
        "--input-tokens",
        "0",
        "--output-tokens",
        "1000",
        "--requests-per-month",
        "2.4" + "9" * 30,
        *AS_OF,
        "-f",
        "json",
    )
    assert (r.code, r.err) == (0, "")
    assert json.loads(r.out)["lines"][0]["total"] == "0.00"  # 0.00499…98, never 0.01


# -- extreme but documented values -------------------------------------------------------------


@pytest.mark.parametrize("rate", ["1E-999999", "1e-13", "0.0000000000001"])
def test_a_rate_finer_than_the_book_can_hold_is_refused(cli, rate):
    assert_bad(
        cli(
            "estimate",
            "-m",
            "alpha-lite",
            "--input-tokens",
            "1000",
            "--output-tokens",
            "1000",
            "--requests-per-month",
            "1",
            "-c",
            "USD",
            "--rate",
            rate,
            *AS_OF,
        ),
        f"--rate: at most 12 digits after the point, as in the price book, not {rate}",
    )


@pytest.mark.parametrize(
    ("rate", "total"),
    [("0.000000000001", "900000000.00"), ("7.50000000000000000000", "0.00"), ("1000", "0.00")],
)
def test_the_extremes_of_the_rate_are_priced(cli, rate, total):
    # 1,000 in + 1,000 out on alpha-lite: 0.0009 CNY; at 1E-12 CNY per USD that is 900,000,000 USD
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "1000",
        "--requests-per-month",
        "1",
        "-c",
        "USD",
        "--rate",
        rate,
        *AS_OF,
        "-f",
        "json",
    )
    assert (r.code, r.err) == (0, "")
    assert json.loads(r.out)["total"] == total


def _baseline(tmp_path, amount: str) -> str:
    report = json.loads(run("check", str(CHECK_CSV), *AS_OF, "-f", "json").out)
    report["total"] = amount
    for line in report["lines"]:
        line["total"] = amount
    return write(tmp_path, "base.json", json.dumps(report))


@pytest.mark.parametrize("amount", ["1e100", "-1e100", "9999999999999999999999999999999999999999999999999999999999.99"])
def test_huge_baseline_totals_are_compared(cli, tmp_path, amount):
    r = cli(
        "check",
        str(CHECK_CSV),
        *AS_OF,
        "--baseline",
        _baseline(tmp_path, amount),
        "--max-increase",
        "10%",
        "-f",
        "json",
    )
    assert r.code in (0, 1), r.err
    assert "Traceback" not in r.err
    baseline = json.loads(r.out)["baseline"]
    assert baseline["baseline_total"] == f"{Decimal(amount):.2f}"
    assert baseline["total"] == "301.40"
    with localcontext() as ctx:
        ctx.prec = 200  # exact: 10^100 - 301.40 has 103 digits
        change = Decimal("301.40") - Decimal(amount)
    assert baseline["change"] == f"{change:.2f}"


def test_a_baseline_amount_with_more_than_100_decimals_is_refused(cli, tmp_path):
    path = _baseline(tmp_path, "1e-999")
    assert_bad(
        cli("check", str(CHECK_CSV), *AS_OF, "--baseline", path, "--max-increase", "10%"),
        f"{path}: not an llmcost baseline: lines[0].total is '1e-999', not an amount such as \"12.34\" "
        "(use the output of 'llmcost estimate --workloads FILE -f json' or 'llmcost check -f json')",
    )


# -- Ctrl-C during a parallel stream ------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="no process groups here")
def test_ctrl_c_in_a_parallel_stream_stops_quietly_with_130(tmp_path):
    """Ctrl-C reaches the whole process group, the workers too: none of them may print a traceback.
    The run is made parallel from its 11th row on (2 workers, chunks of 100 rows) and interrupted
    as soon as the first chunk is written."""
    path = write(tmp_path, "w.csv", HEADER + "\n" + "".join(f"w{i},alpha-lite,100,1000,500\n" for i in range(3000)))
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from llmcost import pipeline
        pipeline.PARALLEL_AFTER, pipeline.CHUNK_ROWS = 10, 100
        pipeline._workers = lambda: 2
        written = pipeline._write_result

        def write_then_interrupt(*args):
            total = written(*args)
            os.killpg(os.getpgrp(), signal.SIGINT)  # what a terminal does on Ctrl-C
            return total

        pipeline._write_result = write_then_interrupt
        sys.argv = ["llmcost", "estimate", "--workloads", {path!r}, "--as-of", "2025-06-01", "-f", "csv"]
        from llmcost.cli import main
        main()
        """
    )
    env = {**os.environ, "LLMCOST_BOOK": str(DATA / "book")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, env=env, timeout=120, start_new_session=True
    )
    # 130: interrupted, and only from _write_result, which only the parallel path calls
    assert done.returncode == 130, done.stderr.decode()
    assert b"Traceback" not in done.stderr and b"KeyboardInterrupt" not in done.stderr, done.stderr.decode()
    assert b"TOTAL" not in done.stdout


# -- count on a folder an attacker filled ---------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_count_a_hostile_folder_lists_what_it_does_not_read(cli, tmp_path, monkeypatch):
    """A FIFO (opening it would hang), a dangling link, a link loop and a folder that cannot be listed
    are each reported as skipped, never opened, never an internal error, never dropped silently."""
    (tmp_path / "a.txt").write_text("hello world", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "secret.txt").write_text("never counted", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # chmod 000 does not stop root, who runs CI here
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    r = cli("count", "-m", "alpha-lite", str(tmp_path), "-f", "json")
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    assert [c["input"] for c in report["counts"]] == [str(tmp_path / "a.txt")]
    assert report["skipped"] == [
        {"input": str(tmp_path / "dangling"), "reason": "broken symbolic link (its target does not exist)"},
        {"input": str(tmp_path / "loop"), "reason": "not read: Too many levels of symbolic links"},
        {"input": str(tmp_path / "pipe"), "reason": "not a regular file (a named pipe)"},
        {"input": str(tmp_path / "locked"), "reason": "folder not read: Permission denied"},
    ]


# -- usage records and --month: digits are 0-9 ------------------------------------------------------


OTHER_DIGITS = ["²", "１７９０００００００", "２０２６-11-05T10:00:00+08:00", "2026-11-05T１０:00:00Z"]


@pytest.mark.parametrize("timestamp", OTHER_DIGITS)
def test_a_usage_timestamp_in_other_digits_is_refused(cli, tmp_path, monkeypatch, timestamp):
    """'²'.isdigit() is true and Decimal('²') raises: it was an internal error; fullwidth digits were read."""
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))
    path = write(tmp_path, "u.csv", f"timestamp,model,input_tokens,output_tokens\n{timestamp},w-mini,1000,100\n")
    assert_bad(
        cli("usage", path, "-f", "csv"),
        f"{path}, line 2, column 'timestamp': {timestamp!r} is not a timestamp (write ISO 8601 with a zone, "
        "e.g. 2026-10-01T09:30:00+08:00, or Unix seconds)",
    )


def test_a_month_in_fullwidth_digits_is_refused(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))
    path = write(tmp_path, "u.csv", "timestamp,model,input_tokens,output_tokens\n1790000000,w-mini,1000,100\n")
    assert_bad(
        cli("check", "--usage", path, "--budget", "100", "--month", "２０２６-１１"),
        "--month: '２０２６-１１' is not a month (use YYYY-MM, e.g. 2026-11)",
    )


def test_a_usage_token_count_that_is_a_superscript_is_refused(cli, tmp_path, monkeypatch):
    """'²'.isdigit() is true and int('²') raises: it was an internal error."""
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))
    path = write(tmp_path, "u.csv", "timestamp,model,input_tokens,output_tokens\n1790000000,w-mini,²,100\n")
    assert_bad(cli("usage", path, "-f", "csv"), f"{path}, line 2, column 'input_tokens': '²' is not a token count")


def test_two_workloads_of_one_name_one_over_budget(cli, tmp_path):
    """Found by the CLI fuzzer: the failure looked up the first line of that name, which had no budget."""
    path = write(tmp_path, "w.csv", f"{HEADER},budget\n{GOOD_ROW},\n{GOOD_ROW},1\n")
    r = cli("check", path, *AS_OF)
    verdict = "llmcost: check failed: 1 of 2 workloads over budget (1 with a budget); total ¥120.00\n"
    assert (r.code, r.err) == (1, verdict)
    assert any("bot is over budget: ¥60.00 of ¥1.00" in line for line in r.out.splitlines()), r.out
