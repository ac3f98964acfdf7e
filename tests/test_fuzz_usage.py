"""Fuzzing the usage readers (CSV, JSON Lines, gzip) through the library and the CLI.

The property, for every input: it parses and prices (Decimal amounts, never negative, every format
renders, nothing dropped: priced + skipped = read), or it raises ``LlmcostError`` with exit code 2
and a one-line message.  Never another exception.  Inputs: arbitrary bytes, and valid files with one
thing mutated (a cell, a key, a value's type, a truncation, a gzip layer).  Budget as in
tests/test_fuzz.py (``LLMCOST_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
from datetime import date
from decimal import Decimal

from conftest import DATA, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmcost import book as prices
from llmcost import usage
from llmcost.errors import EXIT_INPUT, LlmcostError
from llmcost.render_usage import render_usage
from llmcost.usage.report import usage_report

EXAMPLES = int(os.environ.get("LLMCOST_FUZZ_EXAMPLES", "600")) // 2
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a slow example on a loaded 2-core CI machine is not a failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
BOOK = prices.load_only(DATA / "usage_book")
AS_OF = date(2026, 12, 1)
MODELS = ["ml-tod", "ml-tiers", "ml-grad", "ml-think", "w-cache", "w-mini", "ml-old", "nobody", "ML-TOD", ""]
HEADER = [
    "timestamp",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "batch",
    "region",
    "project",
]


def check(data: bytes, input_format: str | None = None, skip: bool = True) -> None:
    options = usage.Options(BOOK, skip_unknown=skip, what_if=(BOOK.models["w-mini"],), group_by=("month", "project"))
    try:
        result = usage.price_files(["-"], options, stdin=io.BytesIO(data), input_format=input_format)
        report = usage_report(
            result,
            head={"currency": "CNY", "fx": None, "rounding": "r"},
            book=BOOK,
            groups=options.group_by,
            what_if=options.what_if,
            currency="CNY",
            fx=BOOK.fx.at(AS_OF),
            as_of=AS_OF,
        )
    except LlmcostError as exc:
        assert exc.exit_code == EXIT_INPUT
        assert str(exc).strip() and len(str(exc).splitlines()) == 1, repr(str(exc))
        return
    skipped = sum(s.records for s in result.skipped if s.scenario == 0)
    assert report["priced_records"] + skipped == result.records
    for row in result.rows:
        for amount in (row.input_cost, row.cached_cost, row.write_cost, row.output_cost):
            assert isinstance(amount, Decimal) and amount.is_finite() and amount >= 0
    for fmt in ("json", "csv", "markdown", "table"):
        render_usage(report, fmt)


@FUZZ
@given(st.binary(max_size=600), st.sampled_from([None, "csv", "jsonl"]))
def test_arbitrary_bytes(data, input_format):
    check(data, input_format)


STAMPS = st.one_of(
    st.datetimes(
        min_value=__import__("datetime").datetime(2025, 1, 1), max_value=__import__("datetime").datetime(2027, 12, 31)
    ).map(lambda d: d.isoformat() + "+08:00"),
    st.integers(min_value=-5, max_value=2 * 10**11).map(str),
    st.sampled_from(["2026-10-01T09:00:00Z", "2026-10-01 09:00", "", "2026-02-30T00:00:00Z", "nope"]),
)
COUNTS = st.one_of(
    st.integers(min_value=-2, max_value=10**13).map(str),
    st.sampled_from(["", "1.5", "1e3", "1,000", "NaN", "-0", "0x10", " 7 "]),
)
CELL = st.text(max_size=8)


@st.composite
def csv_rows(draw):
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        rows.append(
            [
                draw(STAMPS),
                draw(st.sampled_from(MODELS)),
                draw(COUNTS),
                draw(COUNTS),
                draw(COUNTS),
                draw(COUNTS),
                draw(COUNTS),
                draw(st.sampled_from(["true", "false", "", "maybe"])),
                draw(st.sampled_from(["", "cn", "intl", "mars"])),
                draw(CELL),
            ]
        )
    return rows


@FUZZ
@given(csv_rows(), st.booleans(), st.booleans())
def test_near_valid_csv(rows, packed, skip):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8", "surrogatepass") if True else b""
    check(gzip.compress(data) if packed else data, skip=skip)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**13) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def json_records(draw):
    usage_obj = draw(
        st.sampled_from(
            [
                {
                    "prompt_tokens": 100,
                    "completion_tokens": 50,
                    "prompt_tokens_details": {"cached_tokens": 10},
                    "completion_tokens_details": {"reasoning_tokens": 5},
                },
                {
                    "prompt_tokens": 100,
                    "completion_tokens": 5,
                    "prompt_cache_hit_tokens": 40,
                    "prompt_cache_miss_tokens": 60,
                },
                {"input_tokens": 100, "output_tokens": 5, "input_tokens_details": {"cached_tokens": 3}},
                {
                    "input_tokens": 100,
                    "output_tokens": 5,
                    "cache_read_input_tokens": 3,
                    "cache_creation_input_tokens": 9,
                },
            ]
        )
    )
    record = {"created": 1791450000, "model": draw(st.sampled_from(MODELS)), "usage": dict(usage_obj)}
    where = draw(st.sampled_from(["top", "usage"]))
    target = record if where == "top" else record["usage"]
    key = draw(st.sampled_from([*target.keys(), "batch", "region", "project", "timestamp", "extra"]))
    if draw(st.booleans()):
        target[key] = draw(JSON_VALUES)
    elif key in target and draw(st.booleans()):
        del target[key]
    return record


@FUZZ
@given(st.lists(json_records(), min_size=1, max_size=4), st.integers(0, 40))
def test_near_valid_jsonl(records, cut):
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    if cut:
        data = data[:-cut]
    check(data)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 6))
@given(csv_rows())
def test_cli_never_tracebacks(rows):
    import csv

    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    r = run(
        "usage",
        "-",
        "--as-of",
        "2026-12-01",
        "-f",
        "csv",
        input=out.getvalue().encode("utf-8", "surrogatepass"),
        env={"LLMCOST_BOOK": str(DATA / "usage_book")},
    )
    assert r.code in (0, 2), r.err
    assert "Traceback" not in r.err
    if r.code == 2:
        assert r.out == "" and r.err.startswith("llmcost: error: ") and r.err.count("\n") == 1
