"""Property: the streaming and DuckDB engines give the same report on any log (issue 15, item 6).

Logs are generated on tests/data/usage_book around everything that changes a price: tier edges
(31,999/32,000/128,000 input, 200/201 output; graduated 1,000/5,000), cached and cache-write tokens,
thinking and batch requests, the peak hours' edges in Beijing time, weekends and the holidays of
2026-10-01/02, price-change days (2026-03-01, 2026-05-01, 2026-06-01, 2026-09-01, at both vendors'
midnights) and retirement (2026-06-01), both regions.  Both engines price the same file and their
JSON reports must be identical: every line's groups, counts, amounts, notes and the total to the fen."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import DATA, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb", reason='the DuckDB engine needs duckdb: pip install "llmcost[duckdb]"')

HEADER = (
    "timestamp,model,input_tokens,output_tokens,cached_tokens,cache_write_tokens,reasoning_tokens,batch,region,project"
)
MODELS = ["ml-tod", "ml-chat", "ml-tiers", "ml-grad", "ml-think", "ml-old", "w-cache", "World-Cache-Latest", "w-mini"]
DAYS = [
    "2026-02-28",
    "2026-03-01",
    "2026-04-30",
    "2026-05-01",
    "2026-05-31",
    "2026-06-01",
    "2026-08-31",
    "2026-09-01",
    "2026-09-30",
    "2026-10-01",
    "2026-10-02",
    "2026-10-03",
    "2026-10-08",
    "2026-10-10",
]
# Beijing clock times at the edges of 09:00-12:00 and 14:00-18:00, and the two midnights
TIMES = [
    "00:00:00",
    "07:59:59",
    "08:00:00",
    "08:59:59",
    "09:00:00",
    "11:59:59",
    "12:00:00",
    "13:59:00",
    "14:00:00",
    "17:59:59",
    "18:00:00",
    "23:59:59",
]
INPUTS = [0, 1, 999, 1000, 1001, 4999, 5000, 5001, 31999, 32000, 32001, 127999, 128000, 128001, 1_000_000]
OUTPUTS = [0, 1, 199, 200, 201, 202, 5000, 1_000_000]
BEIJING = timezone(timedelta(hours=8))


@st.composite
def records(draw) -> str:
    day = draw(st.sampled_from(DAYS) | st.sampled_from(["2026-10-01", "2026-10-02"]))  # the holidays, often
    clock = draw(st.sampled_from(TIMES))
    zone = draw(st.sampled_from(["+08:00", "Z", "unix"]))
    moment = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BEIJING if zone != "Z" else timezone.utc)
    stamp = str(int(moment.timestamp())) if zone == "unix" else moment.isoformat().replace("+00:00", "Z")
    input_ = draw(st.sampled_from(INPUTS) | st.integers(0, 300_000))
    output = draw(st.sampled_from(OUTPUTS) | st.integers(0, 20_000))
    cached = draw(st.integers(0, input_))
    write = draw(st.integers(0, input_ - cached))
    reasoning = draw(st.sampled_from([0, 0, output]) | st.integers(0, output))
    batch = draw(st.sampled_from(["", "true", "false"]))
    region = draw(st.sampled_from(["", "", "", "cn", "intl"]))
    project = draw(st.sampled_from(["", "a", "b b"]))
    model = draw(st.sampled_from(MODELS) | st.just("ml-tod"))
    return f"{stamp},{model},{input_},{output},{cached},{write},{reasoning},{batch},{region},{project}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(records(), min_size=5, max_size=60),
    groups=st.sampled_from([(), ("-g", "day", "-g", "project"), ("-g", "provider", "-g", "month")]),
    what_if=st.sampled_from([(), ("--what-if", "w-mini", "--what-if", "ml-tiers")]),
    currency=st.sampled_from(["CNY", "USD"]),
)
def test_both_engines_give_the_same_report(rows, groups, what_if, currency, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))
    path = tmp_path / "log.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    args = ("usage", str(path), "--skip-unknown", "--as-of", "2026-12-01", "--currency", currency, "-f", "json")
    stream = run(*args, *groups, *what_if)
    duck = run(*args, "--engine", "duckdb", *groups, *what_if)
    assert stream.code == 0, stream.err
    assert (duck.code, duck.err) == (0, "")
    s, d = json.loads(stream.out), json.loads(duck.out)
    assert d["total"] == s["total"]
    assert d["lines"] == s["lines"]
    assert d == s
