"""The fast paths of the workload stream give exactly what the plain paths give.

1. A plain number cell is read with Decimal() directly: the same value, or the same error, as
   through money.ungroup() (the path every cell took before).
2. money.plain() without a localcontext per amount: the same text as before.
3. The CSV stream renders a line straight from the Line: the same cells as csv_row(line_dict()).
4. A large CSV priced in worker processes (pipeline): the same bytes on stdout and stderr and the
   same exit code as one row after the other, with or without a bad row anywhere in the file.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import test_properties as props
from conftest import run
from llmcost import cli, pipeline, render
from llmcost.errors import InputError
from llmcost.money import CENT, CONTEXT, GROUPING_HINT, plain, ungroup
from llmcost.workload_files import _number

# -- 1. numbers --------------------------------------------------------------------------------


def reference_number(text: str) -> Decimal:
    """How a cell was read before the fast path: ungroup(), then Decimal()."""
    cleaned = ungroup(text)
    if cleaned is None:
        raise ValueError(f"{text!r} is not a number ({GROUPING_HINT})")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


def outcome(read, text):
    try:
        value = read(text)
    except (ValueError, InputError) as exc:
        return "error", str(exc)
    return "value", value.as_tuple()  # the digits and exponent, not just the value: '1.0' is not '1'


def error(message: str, column: str) -> ValueError:
    assert column == "requests_per_day"
    return ValueError(message)


# Digits of several scripts, every kind of space Unicode has, signs, marks, and words Decimal knows.
NUMBERISH = st.lists(st.sampled_from(list("0123456789+-.eE,_ ") + [
    "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u2003", "\u3000", "\u200b", "\ufeff", "３", "٣", "\u0966", "x",
    "\0", "inf", "nan", "sNaN", "Infinity"]), max_size=14).map("".join)


@given(text=st.one_of(NUMBERISH, st.text(max_size=12)))
@example(text=" 12 ")
@example(text="\u30001\u3000")
@example(text="1e999999")
@example(text="-0")
@example(text="1_000")
@example(text="1,000")
def test_a_number_cell_reads_as_it_did_through_ungroup(text):
    assert outcome(lambda t: _number(t, "requests_per_day", error), text) == outcome(reference_number, text)


# -- 2. rounding -------------------------------------------------------------------------------

def reference_plain(amount: Decimal) -> str:
    with localcontext(CONTEXT):
        rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:f}"


@given(amount=st.decimals(allow_nan=False, allow_infinity=False, min_value=-10 ** 30, max_value=10 ** 30))
@example(amount=Decimal("-0.004"))
@example(amount=Decimal("0.005"))
@example(amount=Decimal("-0.005"))
@example(amount=Decimal("1E+5"))
@example(amount=Decimal("-0E-70"))
def test_plain_is_the_rounded_amount_as_before(amount):
    assert plain(amount) == reference_plain(amount)


# -- 3. the CSV line -----------------------------------------------------------------------------

@props.PROPS
@given(w=props.workloads(), as_of=props.as_of_dates, currency=props.currencies, data=st.data(),
       discount=st.one_of(st.none(), props.decimals(0, 1, 3)), free_quota=st.booleans(),
       name=st.one_of(st.none(), st.text(max_size=8)), tier_input=st.booleans())
def test_the_csv_line_is_csv_row_of_line_dict(w, as_of, currency, data, discount, free_quota, name, tier_input):
    from dataclasses import replace

    from llmcost.calculator import price_line

    fx = data.draw(props.fx_rates(as_of))
    w = replace(w, name=name)
    line = price_line(w, props.TEST_BOOK.models[w.model], as_of=as_of, currency=currency, fx=fx,
                      discount=discount, free_quota=free_quota)
    assert render.line_csv_row(line, currency) == render.csv_row(render.line_dict(line), currency)
    stream = render.CsvStream({"currency": currency})
    assert stream.line(line) == stream.line_text(render.line_dict(line))


# -- 4. in parallel ---------------------------------------------------------------------------

HEADER = "name,model,requests_per_day,input_tokens,output_tokens,cached_ratio,batch_ratio"
MODELS = ["alpha-lite", "alpha-pro", "alpha-tiered", "alpha-grad", "beta-4o", "alpha-free"]


def rows(n: int) -> list[str]:
    return [f"w{i},{MODELS[i % len(MODELS)]},{1000 + i * 37},{50 + i * 13 % 900},{10 + i % 300},"
            f"{['0', '0.25', '0.5'][i % 3]},{['0', '1'][i % 2]}" for i in range(n)]


def both_ways(monkeypatch, data: str, *args: str):
    """The CLI's result priced one row after the other, and with chunks of 3 rows in 2 workers past row 4."""
    argv = ["estimate", "--workloads", "-", "--as-of", "2025-06-01", *args]
    monkeypatch.setattr(pipeline, "_workers", lambda: 1)
    sequential = run(*argv, input=data)
    calls = []
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    monkeypatch.setattr(pipeline, "PARALLEL_AFTER", 4)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 3)
    monkeypatch.setattr(pipeline, "PENDING_PER_WORKER", 1)
    real = pipeline._price_in_parallel
    monkeypatch.setattr(pipeline, "_price_in_parallel", lambda *a: calls.append(1) or real(*a))
    parallel = run(*argv, input=data)
    monkeypatch.undo()
    return sequential, parallel, bool(calls)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_parallel_output_is_the_same(monkeypatch, fmt, currency):
    data = "\n".join([HEADER] + rows(40)) + "\n"
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", fmt, "--currency", currency)
    assert used and sequential.code == 0
    assert parallel == sequential
    if fmt == "json":
        assert len(json.loads(parallel.out)["lines"]) == 40


def with_bad(n: int, at: int, bad: str) -> str:
    lines = rows(n)
    lines[at] = bad
    return "\n".join([HEADER] + lines) + "\n"


# Rows 0-3 are priced before the pool starts; then chunks of 3: rows 4-6, 7-9, ...
@pytest.mark.parametrize("at", [0, 3, 4, 5, 6, 7, 12, 20, 29])
@pytest.mark.parametrize("bad", ["wx,alpha-lite,abc,1,1,0,0",  # a bad value: found by a worker
                                 "wx,alpha-lite,1,1",  # a short row: found while reading
                                 "wx,no-such-model,1,1,1,0,0",  # an unknown model
                                 "wx,alpha-lite,1,99999999,1,0,0"])  # more tokens than the context window
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_parallel_stops_at_the_same_bad_row(monkeypatch, at, bad, fmt):
    monkeypatch.setattr(cli._Output, "LIMIT", 200)  # so that lines before the error are written
    sequential, parallel, used = both_ways(monkeypatch, with_bad(30, at, bad), "-f", fmt)
    assert sequential.code == 2 and sequential.err.startswith(f"llmcost: error: <stdin>, line {at + 2}")
    # Rows 0-3 are priced here; row 4 is read here too, to see that there is more: a short row there
    # stops the run before any pool starts.
    assert used == (at >= (5 if bad.count(",") < 6 else 4))
    assert parallel == sequential


@pytest.mark.parametrize("second", ["wx,alpha-lite,1,1", '"unclosed,alpha-lite,1,1,1,0,0'])
def test_a_bad_value_before_a_malformed_row_is_the_error(monkeypatch, second):
    # The reader meets the malformed row first (it reads ahead of the workers); the bad value comes first.
    lines = rows(30)
    lines[10] = "wx,alpha-lite,abc,1,1,0,0"
    lines[11] = second
    data = "\n".join([HEADER] + lines) + "\n"
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", "csv")
    assert used and sequential.err.startswith("llmcost: error: <stdin>, line 12, column 'requests_per_day'")
    assert parallel == sequential


def test_total_rows_and_blank_lines_in_parallel(monkeypatch):
    lines = rows(30)
    lines[8] = ""
    lines[15] = "TOTAL,,,,,,"
    data = "\r\n".join([HEADER] + lines)
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", "csv")
    assert used and sequential.code == 0 and parallel == sequential


# -- 5. the hand-written __init__ of the frozen dataclasses made once per row ----------------------

@pytest.mark.parametrize("cls", ["Workload", "Line"])
def test_hand_written_init_matches_the_fields(cls):
    """Workload and Line fill __dict__ in one go (faster than the generated __init__): the same
    parameters, in the same order, with the same defaults, setting every field to its argument."""
    import dataclasses
    import inspect

    from llmcost.calculator import Line
    from llmcost.workload import Workload

    klass = {"Workload": Workload, "Line": Line}[cls]
    fields = dataclasses.fields(klass)
    params = list(inspect.signature(klass.__init__).parameters.values())[1:]
    assert [p.name for p in params] == [f.name for f in fields]
    for param, f in zip(params, fields):
        assert f.default_factory is dataclasses.MISSING
        want = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert param.default is want, f.name
    args = [object() for _ in fields]
    made = klass(*args)
    assert [getattr(made, f.name) for f in fields] == args
    assert dataclasses.replace(made) == made and hash(dataclasses.replace(made)) == hash(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.total = 1
