"""The fast paths of the workload stream give exactly what the plain paths give.

1. A plain number cell is read with Decimal() directly: the same value, or the same error, as
   through money.ungroup() (the path every cell took before).
2. money.plain() without a localcontext per amount: the same text as before.
3. The CSV stream renders a line straight from the Line: the same cells as csv_row(line_dict()).
4. A large CSV priced in worker processes (pipeline): the same bytes on stdout and stderr and the
   same exit code as one row after the other, with or without a bad row anywhere in the file.
5. Workload and Line fill their fields in one go: the same fields as the generated __init__.
6. A line with no quote in it is split at its commas: the cells csv.reader reads from it.
7. The fast row (fastrow): for every row it takes, the same CSV text and the same total as the
   general path; every other row (odd, bad, or beyond it) is left to the general path.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

import pytest
import test_properties as props
from conftest import run
from hypothesis import example, given
from hypothesis import strategies as st

from llmcost import pipeline, render
from llmcost.cli import estimate as cli_estimate
from llmcost.errors import InputError
from llmcost.money import CENT, CONTEXT, GROUPING_HINT, plain, ungroup
from llmcost.workload_fields import _number

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
NUMBERISH = st.lists(
    st.sampled_from(
        [
            *"0123456789+-.eE,_ ",
            "\t",
            "\n",
            "\x0b",
            "\x1c",
            "\x85",
            "\xa0",
            "\u2003",
            "\u3000",
            "\u200b",
            "\ufeff",
            "３",
            "٣",
            "\u0966",
            "x",
            "\0",
            "inf",
            "nan",
            "sNaN",
            "Infinity",
        ]
    ),
    max_size=14,
).map("".join)


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


@given(amount=st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**30), max_value=10**30))
@example(amount=Decimal("-0.004"))
@example(amount=Decimal("0.005"))
@example(amount=Decimal("-0.005"))
@example(amount=Decimal("1E+5"))
@example(amount=Decimal("-0E-70"))
def test_plain_is_the_rounded_amount_as_before(amount):
    assert plain(amount) == reference_plain(amount)


# -- 3. the CSV line -----------------------------------------------------------------------------


@props.PROPS
@given(
    w=props.workloads(),
    as_of=props.as_of_dates,
    currency=props.currencies,
    data=st.data(),
    discount=st.one_of(st.none(), props.decimals(0, 1, 3)),
    free_quota=st.booleans(),
    name=st.one_of(st.none(), st.text(max_size=8)),
    tier_input=st.booleans(),
)
def test_the_csv_line_is_csv_row_of_line_dict(w, as_of, currency, data, discount, free_quota, name, tier_input):
    from dataclasses import replace

    from llmcost.calculator import price_line

    fx = data.draw(props.fx_rates(as_of))
    w = replace(w, name=name)
    line = price_line(
        w,
        props.TEST_BOOK.models[w.model],
        as_of=as_of,
        currency=currency,
        fx=fx,
        discount=discount,
        free_quota=free_quota,
    )
    head = {"currency": currency, "as_of": as_of.isoformat(), "fx": render.fx_dict(fx)}
    assert render.line_csv_row(line, head) == render.csv_row(render.line_dict(line), head)
    stream = render.CsvStream(head)
    assert stream.line(line) == stream.line_text(render.line_dict(line))


# -- 4. in parallel ---------------------------------------------------------------------------

HEADER = "name,model,requests_per_day,input_tokens,output_tokens,cached_ratio,batch_ratio"
MODELS = ["alpha-lite", "alpha-pro", "alpha-tiered", "alpha-grad", "beta-4o", "alpha-free"]


def rows(n: int) -> list[str]:
    return [
        f"w{i},{MODELS[i % len(MODELS)]},{1000 + i * 37},{50 + i * 13 % 900},{10 + i % 300},"
        f"{['0', '0.25', '0.5'][i % 3]},{['0', '1'][i % 2]}"
        for i in range(n)
    ]


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
    monkeypatch.setattr(pipeline, "_price_in_parallel", lambda *a, **k: calls.append(1) or real(*a, **k))
    parallel = run(*argv, input=data)
    monkeypatch.undo()
    return sequential, parallel, bool(calls)


@pytest.mark.parametrize("options", [[], ["--free-quota"], ["--discount", "alpha=10%"]])  # the last two: no fast row
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_parallel_output_is_the_same(monkeypatch, fmt, currency, options):
    data = "\n".join([HEADER, *rows(40)]) + "\n"
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", fmt, "--currency", currency, *options)
    assert used and sequential.code == 0
    assert parallel == sequential
    if fmt == "json":
        assert len(json.loads(parallel.out)["lines"]) == 40


def with_bad(n: int, at: int, bad: str) -> str:
    lines = rows(n)
    lines[at] = bad
    return "\n".join([HEADER, *lines]) + "\n"


# Rows 0-3 are priced before the pool starts; then chunks of 3: rows 4-6, 7-9, ...
@pytest.mark.parametrize("at", [0, 3, 4, 5, 6, 7, 12, 20, 29])
@pytest.mark.parametrize(
    "bad",
    [
        "wx,alpha-lite,abc,1,1,0,0",  # a bad value: found by a worker
        "wx,alpha-lite,1,1",  # a short row: found while reading
        "wx,no-such-model,1,1,1,0,0",  # an unknown model
        "wx,alpha-lite,1,99999999,1,0,0",
    ],
)  # more tokens than the context window
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_parallel_stops_at_the_same_bad_row(monkeypatch, at, bad, fmt):
    monkeypatch.setattr(cli_estimate._Output, "LIMIT", 200)  # so that lines before the error are written
    sequential, parallel, used = both_ways(monkeypatch, with_bad(30, at, bad), "-f", fmt)
    assert sequential.code == 2 and sequential.err.startswith(f"llmcost: error: <stdin>, line {at + 2}")
    # Rows 0-3 are priced here; from row 4 on, the workers check and price them (a short row too).
    assert used == (at >= 4)
    assert parallel == sequential


@pytest.mark.parametrize("second", ["wx,alpha-lite,1,1", '"unclosed,alpha-lite,1,1,1,0,0'])
def test_a_bad_value_before_a_malformed_row_is_the_error(monkeypatch, second):
    # The reader meets the malformed row first (it reads ahead of the workers); the bad value comes first.
    lines = rows(30)
    lines[10] = "wx,alpha-lite,abc,1,1,0,0"
    lines[11] = second
    data = "\n".join([HEADER, *lines]) + "\n"
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", "csv")
    assert used and sequential.err.startswith("llmcost: error: <stdin>, line 12, column 'requests_per_day'")
    assert parallel == sequential


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_quoted_and_multiline_records_in_parallel(monkeypatch, end):
    # Records with a quote are parsed while reading; the lines around them go to the workers as text.
    lines = rows(30)
    lines[6] = '"w, six",alpha-lite,5,5,5,0,0'
    lines[9] = f'"two{end}lines, ""quoted""",alpha-pro,5,5,5,0.5,1'
    lines[20] = '"",alpha-lite,"1,000",5,5,0,0'  # a blank name and a grouped number
    data = end.join([HEADER, *lines]) + end
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", "csv")
    assert used and sequential.code == 0 and parallel == sequential
    assert '"w, six"' in sequential.out and '"two' in sequential.out
    assert "\nline 23,alpha-lite," in sequential.out  # the quoted name before it spans two lines


def test_total_rows_and_blank_lines_in_parallel(monkeypatch):
    lines = rows(30)
    lines[8] = ""
    lines[12] = " , ,\t, , , , "  # blank too: every cell blank
    data = "\r\n".join([HEADER, *lines, "TOTAL,,,,,,", "", " , , , , , , "])  # llmcost's own, last: skipped
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", "csv")
    assert used and sequential.code == 0 and parallel == sequential


def test_a_total_row_with_rows_after_it_is_the_same_error_in_parallel(monkeypatch):
    lines = rows(30)
    lines[15] = "TOTAL,,,,,,"  # with rows after it: an error, the same both ways
    data = "\r\n".join([HEADER, *lines])
    sequential, parallel, used = both_ways(monkeypatch, data, "-f", "csv")
    assert used and sequential.code == 2 and parallel == sequential
    assert sequential.err == (
        "llmcost: error: <stdin>, line 17: a TOTAL row with workload rows after it (line 18); only llmcost's own "
        "total row, the last row of the file, is skipped\n"
    )


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


# -- 6. a line with no quote ------------------------------------------------------------------------


@given(
    line=st.text(alphabet=st.characters(blacklist_characters='"\r\n\0'), max_size=30),
    end=st.sampled_from(["", "\n", "\r", "\r\n"]),
)
@example(line=",,", end="\r\n")
@example(line=" a , b ", end="")
@example(line="\x1c\x0b\u2028,\x85", end="\n")
def test_a_line_without_quotes_splits_as_csv_reader_reads_it(line, end):
    from llmcost.workload_files import _split

    (read,) = list(csv.reader([line + end], strict=True))
    split = _split(line + end)
    # An empty line is one empty cell here, no cell there: blank either way, and skipped.
    assert split == read or (read == [] and split == [""])


# -- 7. the fast row ------------------------------------------------------------------------------

PLAIN_NUMBERS = st.one_of(
    st.integers(0, 10**7).map(str),
    props.decimals(0, 10**5, 3).map(str),
    st.sampled_from(
        [
            "0",
            "-0",
            "0.00",
            "007",
            " 12 ",
            "1e3",
            "1E+2",
            "1.50",
            "1e-999999",
            "32000",
            "32001",
            "128000",
            "1000000000",
            "40000000000",
            "1e12",
        ]
    ),
)
ODD_NUMBERS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "1_000",
            "1,000",
            "nan",
            "sNaN",
            "inf",
            "-1",
            "1e20",
            "３",
            "٣",
            "\u30001",
            "1e9",
            "1000000001",
            "12345678901234567890123456789012345678901234567890123456789012345.5",
            "0.33333333333333333333333333333333333333333333333333333333333333333",
        ]
    ),
    NUMBERISH,
)
PLAIN_RATIOS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "0.25",
            "0.5",
            "1",
            "1.0",
            "-0",
            " 0.5",
            "1e-3",
            "0.333333333333333333333333333333333333333333333333333333333333333",
        ]
    ),
    props.decimals(0, 1, 4).map(str),
)
ODD_RATIOS = st.one_of(
    st.sampled_from(["2", "x", "-0.1", "1.0000000000000000000000000000000000000000000000001"]), NUMBERISH
)
PLAIN_MODELS = st.sampled_from(
    ["alpha-lite", " alpha-pro ", "lite", "阿尔法-lite", "alpha-tiered", "alpha-free", "beta-4o", "b4o"]
)
ODD_MODELS = st.sampled_from(["alpha-grad", "", " ", "no-such", "alpha-pr"])
PLAIN_NAMES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "bot",
            " bot ",
            "名字",
            "TOTAL",
            "a,b",
            'say "hi"',
            "two\nlines",
            "tab\there",
            "\x85",
            "cr\rx",
            "\u2028",
        ]
    ),
    st.text(max_size=8),
)
CURRENCY_CELLS = ["", "CNY", " usd ", "元", "rmb"]
ODD_CURRENCIES = ["EUR", "x"]
# Per column: (a cell of a plain row, any cell).  A row is plain, or odd in every column.
CELLS = {
    "model": (PLAIN_MODELS, st.one_of(PLAIN_MODELS, ODD_MODELS)),
    "name": (PLAIN_NAMES, PLAIN_NAMES),
    "currency": (st.sampled_from(CURRENCY_CELLS), st.sampled_from(CURRENCY_CELLS + ODD_CURRENCIES)),
    "provider": (st.text(max_size=4), st.text(max_size=4)),
    "prompt": (st.text(max_size=5), st.text(max_size=5)),
    **{
        column: (PLAIN_NUMBERS, st.one_of(PLAIN_NUMBERS, ODD_NUMBERS))
        for column in ("requests_per_day", "requests_per_month", "input_tokens", "output_tokens", "budget")
    },
    "days": (st.sampled_from(["", "1", "31", "366", "7.5"]), st.one_of(PLAIN_NUMBERS, ODD_NUMBERS)),
    **{column: (PLAIN_RATIOS, st.one_of(PLAIN_RATIOS, ODD_RATIOS)) for column in ("cached_ratio", "batch_ratio")},
}
OPTIONAL = ["name", "days", "cached_ratio", "batch_ratio", "budget", "currency", "provider"]


@st.composite
def fast_files(draw):
    """A header of columns the fast row reads (sometimes one it does not) and rows of plain and odd cells."""
    columns = [
        "model",
        draw(st.sampled_from(["requests_per_day", "requests_per_month"])),
        "input_tokens",
        "output_tokens",
        *draw(st.lists(st.sampled_from(OPTIONAL), unique=True)),
    ]
    if draw(st.integers(0, 9)) == 0:
        columns.append(draw(st.sampled_from(["requests_per_month", "prompt"])))
    columns = draw(st.permutations(columns))
    plain_row = st.fixed_dictionaries({c: CELLS[c][0] for c in columns})
    any_row = st.fixed_dictionaries({c: CELLS[c][1] for c in columns})
    rows = draw(st.lists(st.one_of(plain_row, any_row), min_size=1, max_size=4))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[row[c] for c in columns] for row in rows])
    return out.getvalue()


PRICINGS = st.fixed_dictionaries(
    {
        "as_of": st.sampled_from([date(2024, 3, 1), date(2024, 6, 1), date(2025, 6, 1)]),
        "currency": props.currencies,
        "fx": st.sampled_from([None, "book", Decimal("7.3"), Decimal("6.8742")]),
        "discounts": st.sampled_from(
            [{}, {}, {"alpha-pro": Decimal("0.2")}, {"alpha": Decimal("0.1")}, {"beta": Decimal(0)}]
        ),
        "free_quota": st.sampled_from([False, False, False, True]),
    }
)


def pricer_of(pricing: dict):
    from llmcost import api
    from llmcost.money import FxRate

    fx = pricing["fx"]
    fx = props.TEST_BOOK.fx.at(pricing["as_of"]) if fx == "book" else None if fx is None else FxRate(fx, None, "--rate")
    return api.Pricer(props.TEST_BOOK, api.Pricing(**{**pricing, "fx": fx}))


def both_paths(data: str, pricing: dict, fmt: str = "csv"):
    """Each row of the file: (what the fast row gives or None, what the general path gives or its error)."""
    from llmcost import fastrow, workload_files
    from llmcost.errors import LlmcostError

    source = workload_files.Source("<test>", None)
    try:
        records = workload_files.CsvRecords(source, io.BytesIO(data.encode()))
        rows = list(records)
    except LlmcostError:
        return None, []
    pricer = pricer_of(pricing)
    # One stream each: the JSON stream counts its lines (the first has no comma before it).
    head = render.report_head(pricing["currency"], pricing["as_of"], pricer.pricing.fx, props.TEST_BOOK)
    stream, fast_stream = (render.STREAMS[fmt](dict(head)) for _ in range(2))
    fast = fastrow.compile_row(records, pricer, fast_stream)
    out = []
    for line, row in rows:
        try:
            priced = pricer.strict(records.workload(line, row))
            general = (stream.line(priced), priced.total)
        except LlmcostError as exc:
            general = ("error", str(exc))
        got = fast and fast(line, row)
        if fast and got is None and general[0] != "error":
            fast_stream.count += 1  # in a run, the general path writes that row to the same stream
        out.append((got, general))
    return fast, out


@props.PROPS
@given(data=fast_files(), pricing=PRICINGS, fmt=st.sampled_from(["csv", "json", "jsonl"]))
def test_the_fast_row_gives_what_the_general_path_gives(data, pricing, fmt):
    _fast, results = both_paths(data, pricing, fmt)
    for got, general in results:
        if got is not None:
            assert general[0] != "error", general
            assert got[0] == general[0]
            assert got[1] == general[1]


PLAIN_ROWS = [
    f"{name},{model},{requests},{tokens},{out},{cached},{batch}"
    for name, model, requests, tokens, out, cached, batch in [
        ("bot", "alpha-lite", 1200, 800, 200, 0, 0),
        ("", "lite", "3000", 100, 0, "0.5", "0"),
        ("x", "alpha-pro", 7, 90000, 1, "0.25", "1"),
        ("y", "alpha-tiered", 50, 40000, 9, 0, "0.5"),
        ("z", "alpha-tiered", 50, 200000, 9, 0, 0),
        ("w", "beta-4o", 999, 1000, 300, "0.5", "0.5"),
        ("f", "alpha-free", 1, 1, 1, 0, 0),
        ("big", "alpha-pro", "1000000", "100000", "4096", 1, 0),
        ("edge", "alpha-tiered", 5, 32000, 1, 0, 0),
        ("edge", "alpha-tiered", 5, 128000, 1, 0, 0),
        ('"a,b"', "alpha-lite", 1, 1, 1, 0, 0),
        ('"say ""hi"""', "alpha-lite", 1, 1, 1, 0, 0),
        ('"two\nlines"', "alpha-lite", 1, 1, 1, 0, 0),
        ("tab\there", "alpha-lite", 1, 1, 1, 0, 0),
        ("max", "alpha-lite", "33333333333", 1, 1, 0, 0),
    ]
]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_the_fast_row_takes_plain_rows(currency, fmt):
    """Not a test that cannot fail: plain rows of every flat and whole-tier model are taken (and agree)."""
    data = "\n".join([HEADER, *PLAIN_ROWS]) + "\n"
    pricing = {"as_of": date(2025, 6, 1), "currency": currency, "fx": "book", "discounts": {}, "free_quota": False}
    fast, results = both_paths(data, pricing, fmt)
    assert fast is not None and len(results) == len(PLAIN_ROWS)
    for got, general in results:
        assert got == general


@pytest.mark.parametrize(
    "pricing, header, row",
    [
        ({"free_quota": True}, HEADER, PLAIN_ROWS[0]),  # free quotas: notes and credits
        ({"discounts": {"alpha-lite": Decimal("0.1")}}, HEADER, PLAIN_ROWS[0]),
        ({}, HEADER, "g,alpha-grad,10,50000,10,0,0"),  # graduated tiers
        ({"fx": None}, HEADER, PLAIN_ROWS[5]),  # a USD model in CNY without a rate: an error
        ({}, HEADER, "q,alpha-lite,1_000,10,10,0,0"),  # grouped digits
        ({}, HEADER, "q,alpha-lite,10,40000,10,0,0"),  # beyond the context window: an error
        ({}, HEADER, "q,alpha-lite,10,10,10,2,0"),  # a ratio over 1: an error
        ({}, HEADER, "q,alpha-lite,33333333334,10,10,0,0"),  # over 10^12 requests a month: an error
        ({}, HEADER + ",days", "q,alpha-lite,10,10,10,0,0,0"),  # days out of range: errors
        ({}, HEADER + ",days", "q,alpha-lite,10,10,10,0,0,367"),
        ({}, HEADER + ",budget", "q,alpha-lite,10,10,10,0,0,-1"),  # budgets out of range: errors
        ({}, HEADER + ",budget", "q,alpha-lite,10,10,10,0,0,1e16"),
        ({}, HEADER + ",currency", "q,alpha-lite,10,10,10,0,0,EUR"),  # an unknown currency: an error
        ({}, "name,model,requests_per_day,prompt,output_tokens", "p,alpha-lite,10,some text,5"),  # a prompt
    ],
)
def test_the_fast_row_leaves_the_rest_to_the_general_path(pricing, header, row):
    pricing = {
        "as_of": date(2025, 6, 1),
        "currency": "CNY",
        "fx": "book",
        "discounts": {},
        "free_quota": False,
        **pricing,
    }
    fast, results = both_paths(f"{header}\n{row}\n", pricing)
    assert fast is None or [got for got, _ in results] == [None]
