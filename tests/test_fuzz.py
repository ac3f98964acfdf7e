"""Fuzzing the three readers of user files with hypothesis (issue 7, item 3).

Targets: the CSV workload reader, the YAML workload reader and the price-file loader.
Inputs: arbitrary bytes, and structured near-valid files (a valid file with one thing
mutated: a wrong type, a huge or tiny number, a missing or unknown key, a duplicate
column or key, unicode, an embedded NUL, a truncation, a YAML anchor or tag...).

The property, for every input: it either parses, and then pricing it gives Decimal
totals and renders, or it raises ``LlmcostError`` with exit code 2 and a one-line
message.  Never another exception, never a hang (a hang is a test that never ends: hypothesis'
per-example deadline is off, timings on a shared 2-core CI machine are noise, not a verdict).

Budget: ``FUZZ_EXAMPLES`` examples per target (``LLMCOST_FUZZ_EXAMPLES`` raises it for
a longer run).  The hypothesis database lives in
``.hypothesis/`` (gitignored), so a failure found once is replayed first next time.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import BOOK, run, warm_tokenizers
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from llmcost import api, render, workload_files
from llmcost import book as prices
from llmcost.errors import EXIT_INPUT, LlmcostError

FUZZ_EXAMPLES = int(os.environ.get("LLMCOST_FUZZ_EXAMPLES", "600"))
CLI_EXAMPLES = max(10, FUZZ_EXAMPLES // 6)

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,  # a slow example under load is not a failure (see the module docstring)
    derandomize=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
FUZZ_CLI = settings(FUZZ, max_examples=CLI_EXAMPLES)

TEST_BOOK = prices.load_only(BOOK)
AS_OF = date(2025, 6, 1)


@pytest.fixture(scope="module", autouse=True)
def _warm_tokenizers():
    warm_tokenizers(TEST_BOOK)


def pricer(currency: str = "CNY") -> api.Pricer:
    fx = TEST_BOOK.fx.at(AS_OF)
    return api.Pricer(TEST_BOOK, api.Pricing(as_of=AS_OF, currency=currency, fx=fx))


def _event(text: str) -> None:
    """Count outcomes for ``--hypothesis-show-statistics`` (outside a hypothesis test: nothing)."""
    try:
        event(text)
    except InvalidArgument:
        pass


def assert_llmcost_error(exc: LlmcostError) -> None:
    """Our own error type, exit code 2, one non-empty line."""
    text = str(exc)
    assert exc.exit_code == EXIT_INPUT
    assert text.strip(), "an empty error message"
    assert len(text.splitlines()) == 1, f"not one line: {text!r}"


def price_all(workloads, currency: str = "CNY") -> None:
    """Price and render what parsed: Decimal totals, never negative, and a report."""
    p = pricer(currency)
    lines = list(p.lines(workloads))
    bill = p.bill(lines)
    for line in lines:
        for amount in (line.input_cost, line.cached_input_cost, line.output_cost, line.total):
            assert isinstance(amount, Decimal) and amount.is_finite() and amount >= 0
    assert isinstance(bill.total, Decimal) and bill.total.is_finite() and bill.total >= 0
    report = render.bill_report(bill, TEST_BOOK)
    render.to_json(report)
    render.to_csv(report)


def parses_or_llmcost_error(read, currency: str = "CNY") -> bool:
    """The property. ``read()`` returns an iterable of workloads. True if it parsed."""
    try:
        price_all(read(), currency)
    except LlmcostError as exc:
        assert_llmcost_error(exc)
        _event(f"refused: {type(exc).__name__}")
        return False
    _event("parsed and priced")
    return True


def read_workloads(data: bytes, input_format: str | None, name: str = "-"):
    def read():
        return workload_files.read(
            "-", stdin=io.BytesIO(data), input_format=input_format, count_prompt=api.prompt_counter(TEST_BOOK)
        )

    return read


def assert_cli_outcome(args: list[str], data: bytes) -> None:
    """Through the CLI: exit 0 with a result, or exit 2 with one line on stderr; no 'internal error'."""
    r = run(*args, input=data)
    assert r.code in (0, EXIT_INPUT), (r.code, r.err)
    if r.code == 0:
        assert r.err == "" and r.out
        return
    assert r.err.startswith("llmcost: error: ") and r.err.endswith("\n") and r.err.count("\n") == 1, r.err
    assert "internal error" not in r.err and "Traceback" not in r.err, r.err
    assert r.out == "", "output that looks like a result before the error"


# -- values to mutate with ------------------------------------------------------------

NASTY_TEXT = [
    "",
    " ",
    "0",
    "-0",
    "-1",
    "+5",
    ".5",
    "5.",
    "1.5",
    "0.5",
    "2",
    "1e30",
    "1E+999999999",
    "1e-999999999",
    "1e-30",
    "NaN",
    "sNaN",
    "-nan",
    "Infinity",
    "-inf",
    "1e",
    "e5",
    "--1",
    "0x10",
    "0o17",
    "0700",
    "1:30",
    "1,000",
    "1,000,000",
    "1,5",
    "1_000",
    "_1",
    "1__0",
    "١٢٣",
    "１２３",
    "9" * 60,
    "9" * 5000,
    "0." + "0" * 60 + "1",
    "abc",
    "豆包",
    "豆包-pro-32k",
    "阿尔法",
    "\x00",
    "a\x00b",
    "\u2028",
    "\u0085",
    "\r",
    "\n",
    "\r\n",
    '"',
    "'",
    "=1+1",
    "\ufeff",
    "alpha-lite",
    "ALPHA-LITE",
    " alpha-lite ",
    "b4o",
    "beta-4o",
    "alpha-tiered",
    "alpha-grad",
    "alpha-free",
    "lite",
    "TOTAL",
    "CNY",
    "usd",
    "rmb",
    "元",
    "EUR",
    "true",
    "null",
    "~",
    "[1]",
    "{a: 1}",
    "&a",
    "*a",
    "!!python/object:os.system",
    "<<",
    "\t",
    "é" * 200,
    "🙂",
    "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "x" * 2000,
]
NASTY_VALUES = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=10**120, max_value=10**130),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
CSV_CELL = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)

COLUMNS = list(workload_files.FIELDS) + list(workload_files.OUTPUT_ONLY)


# -- valid files to start from -------------------------------------------------------

VALID_ROWS = [
    ["bot", "alpha-lite", "2000", "", "1500", "", "400", "", "0", "0", "0", "0", "0", "50", "CNY"],
    ["summariser", "alpha-pro", "", "60000", "1500", "", "400", "", "0.5", "0", "0.2", "0.5", "0.3", "", ""],
    ["assistant", "b4o", "", "1000", "1000", "", "500", "", "0", "1", "", "", "", "1", "USD"],
    ["long", "alpha-tiered", "100", "", "40000", "", "800", "31", "0", "0", "0", "1", "1", "", ""],
    ["grad", "alpha-grad", "", "3000", "", "一段中文提示和 some English", "300", "", "0", "0", "0", "0", "0", "", ""],
    ["free", "阿尔法-lite", "10", "", "", "hello", "10", "7", "0", "0", "0", "0", "0", "1000000", "rmb"],
]
HEADER = list(workload_files.FIELDS)


def csv_text(rows: list[list[str]], header: list[str] = HEADER, newline: str = "\n") -> str:
    out = io.StringIO()
    import csv

    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def near_valid_csv(draw) -> bytes:
    """A valid workload CSV with one or two mutations."""
    rows = [list(r) for r in draw(st.lists(st.sampled_from(VALID_ROWS), min_size=1, max_size=4))]
    header = list(HEADER)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    for _ in range(draw(st.sampled_from([1, 1, 1, 2]))):
        kind = draw(
            st.sampled_from(
                [
                    "cell",
                    "cell",
                    "cell",
                    "similar",
                    "similar",
                    "drop_cell",
                    "add_cell",
                    "dup_column",
                    "rename_column",
                    "drop_column",
                    "no_header",
                    "case",
                    "many_digits",
                    "total_row",
                ]
            )
        )
        r = draw(st.integers(0, len(rows) - 1))
        if kind == "cell":
            c = draw(st.integers(0, len(header) - 1))
            if c < len(rows[r]):
                rows[r][c] = draw(CSV_CELL)
        elif kind == "similar":
            c = draw(st.integers(0, len(header) - 1))
            if c < len(rows[r]):
                rows[r][c] = str(draw(st.one_of(st.integers(0, 10**6), st.decimals(0, 1, places=3))))
        elif kind == "drop_cell" and rows[r]:
            rows[r].pop(draw(st.integers(0, len(rows[r]) - 1)))
        elif kind == "add_cell":
            rows[r].append(draw(CSV_CELL))
        elif kind == "dup_column":
            c = draw(st.integers(0, len(header) - 1))
            header.append(header[c])
            for row in rows:
                row.append(row[c] if c < len(row) else "")
        elif kind == "rename_column":
            header[draw(st.integers(0, len(header) - 1))] = draw(
                st.one_of(st.sampled_from(COLUMNS + NASTY_TEXT), st.text(max_size=10))
            )
        elif kind == "drop_column":
            c = draw(st.integers(0, len(header) - 1))
            header.pop(c)
            for row in rows:
                if c < len(row):
                    row.pop(c)
        elif kind == "many_digits":  # more significant digits than the 60 a bill is computed with
            c = draw(st.integers(0, len(header) - 1))
            if c < len(rows[r]):
                digits = draw(st.text("0123456789", min_size=55, max_size=80))
                rows[r][c] = draw(st.sampled_from(["0.", "1.", "2.4", "0.00"])) + digits
        elif kind == "total_row":  # llmcost's own TOTAL row, anywhere: skipped only as the last row
            rows.insert(draw(st.integers(0, len(rows))), ["TOTAL"] + [""] * (len(header) - 1))
        elif kind == "no_header":
            header = rows.pop(0) if len(rows) > 1 else header
        elif kind == "case":
            header = [
                draw(st.sampled_from([h.upper(), f" {h} ", h.replace("_", " "), h.replace("_", "-"), h]))
                for h in header
            ]
    text = csv_text(rows, header, newline)
    encoding = draw(st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "gbk", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    return draw(byte_mutation(data))


@st.composite
def byte_mutation(draw, data: bytes) -> bytes:
    """Sometimes damage the bytes themselves: truncate, insert, flip."""
    kind = draw(st.sampled_from(["none"] * 6 + ["truncate", "insert", "flip", "nul"]))
    if kind == "none" or not data:
        return data
    i = draw(st.integers(0, len(data) - 1))
    if kind == "truncate":
        return data[:i]
    if kind == "insert":
        return (
            data[:i]
            + draw(
                st.sampled_from(
                    [
                        b"\x00",
                        b"\xff\xfe",
                        b'"',
                        b"\r",
                        b"\xe8\xb1",
                        b"\xef\xbb\xbf",
                        b",",
                        b"&a ",
                        b"*a",
                        b"!!str ",
                        b"- ",
                        b": ",
                        b"\t",
                    ]
                )
            )
            + data[i:]
        )
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1 :]
    return data[:i] + b"\x00" + data[i + 1 :]


VALID_YAML = {
    "version": 1,
    "defaults": {"days": 30, "output_tokens": 400},
    "workloads": [
        {
            "name": "bot",
            "model": "alpha-lite",
            "requests_per_day": 2000,
            "input_tokens": 1500,
            "budget": 50,
            "currency": "CNY",
        },
        {
            "name": "summariser",
            "model": "alpha-pro",
            "requests_per_month": 60000,
            "input_tokens": 1500,
            "cached_ratio": Decimal("0.5"),
        },
        {
            "name": "assistant",
            "model": "b4o",
            "requests_per_month": 1000,
            "input_tokens": 1000,
            "output_tokens": 500,
            "batch_ratio": 1,
            "budget": 1,
            "currency": "USD",
        },
        {"name": "prompted", "model": "alpha-grad", "requests_per_month": 10, "prompt": "你好, world"},
    ],
}


def _yaml_repr(value):
    """Decimals in the valid documents are written as plain YAML numbers."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _yaml_repr(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_repr(v) for v in value]
    return value


def paths(value, prefix=()):
    """Every path into a nested structure, containers included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from paths(child, (*prefix, i))


DECIMAL_TEXT = st.from_regex(r"\A(0|[1-9][0-9]{0,11})(\.[0-9]{1,12})?\Z")
DATE_TEXT = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)).map(date.isoformat)


def similar(value):
    """A value of the same kind as ``value``, often still valid: another price, date, count."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.one_of(st.integers(min_value=-2, max_value=10**12), st.integers())
    if isinstance(value, Decimal):
        return st.decimals(min_value=-1, max_value=2, places=4, allow_nan=False)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return st.one_of(DATE_TEXT, st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"))
    if isinstance(value, str) and re.fullmatch(r"[0-9.]+", value):
        return st.one_of(DECIMAL_TEXT, st.decimals(allow_nan=False, allow_infinity=False).map(str))
    if isinstance(value, str):
        return st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(NASTY_TEXT))
    return NASTY_VALUES


def mutate(draw, document):
    """One structural mutation of a parsed document (a deep copy is changed)."""
    import copy

    doc = copy.deepcopy(document)
    path = draw(st.sampled_from(list(paths(doc))[1:]))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    kind = draw(st.sampled_from(["similar", "similar", "replace", "replace", "delete", "add_key", "duplicate_item"]))
    if kind == "similar":
        parent[last] = draw(similar(parent[last]))
    elif kind == "replace":
        parent[last] = draw(NASTY_VALUES)
    elif kind == "delete":
        del parent[last]
    elif kind == "add_key" and isinstance(parent, dict):
        parent[draw(st.one_of(st.sampled_from(COLUMNS + NASTY_TEXT), st.text(max_size=8)))] = draw(NASTY_VALUES)
    elif kind == "duplicate_item" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    return doc


@st.composite
def text_mutation(draw, text: str) -> str:
    """YAML-level damage: a duplicate key, an anchor/alias, a tag, a merge key, broken indentation."""
    lines = text.splitlines()
    if not lines:
        return text
    i = draw(st.integers(0, len(lines) - 1))
    kind = draw(
        st.sampled_from(
            ["none"] * 6 + ["duplicate_line", "anchor", "tag", "merge", "indent", "tab", "alias_bomb", "drop_line"]
        )
    )
    line = lines[i]
    if kind == "duplicate_line":
        lines.insert(i, line)
    elif kind == "anchor" and ":" in line:
        lines[i] = line.replace(": ", ": &x ", 1)
    elif kind == "tag" and ":" in line:
        lines[i] = line.replace(": ", ": !!python/object/apply:os.system ", 1)
    elif kind == "merge":
        indent = line[: len(line) - len(line.lstrip(" -"))].replace("-", " ")
        lines.insert(i + 1, indent + "<<: {model: alpha-pro}")
    elif kind == "indent":
        lines[i] = "   " + line
    elif kind == "tab":
        lines[i] = "\t" + line
    elif kind == "alias_bomb":
        bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        bomb += [f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]" for p, c in zip("abcdefgh", "bcdefghi")]
        lines[i:i] = bomb
    elif kind == "drop_line":
        del lines[i]
    return "\n".join(lines) + "\n"


@st.composite
def near_valid_yaml(draw) -> bytes:
    doc = mutate(draw, VALID_YAML)
    try:
        text = yaml.safe_dump(_yaml_repr(doc), allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:  # pragma: no cover - everything we generate can be dumped
        text = "version: 1\n"
    text = draw(text_mutation(text))
    encoding = draw(st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "gbk", "utf-16"]))
    return draw(byte_mutation(text.encode(encoding, errors="replace")))


# -- the CSV workload reader ----------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=3000))
@example(data=b"")
@example(data=b"\xef\xbb\xbf")
@example(data=b"\x00\x01\x02\xff")
@example(data=b'name,model\n"unterminated')
@example(data="name,model,requests_per_month,input_tokens,output_tokens\r\n豆包,x,1,1,1\r\n".encode("gbk"))
def test_csv_reader_arbitrary_bytes(data):
    parses_or_llmcost_error(read_workloads(data, "csv"))


@FUZZ
@given(data=near_valid_csv(), currency=st.sampled_from(["CNY", "USD"]))
@example(data=csv_text([VALID_ROWS[0]]).replace(",2000,", ',"1,000",').encode(), currency="CNY")
@example(data=csv_text([VALID_ROWS[1]]).replace("60000", "1E+999999999").encode(), currency="USD")
@example(data=csv_text([VALID_ROWS[1]]).replace("60000", "1e-999999999").encode(), currency="USD")
@example(data=csv_text([VALID_ROWS[2]]).replace("b4o", "a\x00b").encode(), currency="CNY")
@example(data=csv_text([VALID_ROWS[0]], [*HEADER[:-1], "model"]).encode(), currency="CNY")
@example(data=csv_text([VALID_ROWS[1]]).replace("60000", "2.4" + "9" * 64).encode(), currency="CNY")  # issue 16
@example(data=csv_text([VALID_ROWS[0], ["TOTAL"] + [""] * (len(HEADER) - 1), VALID_ROWS[1]]).encode(), currency="CNY")
def test_csv_reader_near_valid(data, currency):
    parses_or_llmcost_error(read_workloads(data, "csv"), currency)


@FUZZ
@given(data=st.one_of(near_valid_csv(), near_valid_yaml(), st.binary(max_size=500)))
def test_format_detection_then_either_reader(data):
    """No --input-format: the format is guessed from the first bytes, then read."""
    parses_or_llmcost_error(read_workloads(data, None))


# -- the YAML workload reader ---------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=3000))
@example(data=b"version: 1\nworkloads: " + b"[" * 5000)
@example(data=b"- " * 3000)
def test_yaml_reader_arbitrary_bytes(data):
    parses_or_llmcost_error(read_workloads(data, "yaml"))


@FUZZ
@given(text=st.text(max_size=400))
def test_yaml_reader_arbitrary_text(text):
    parses_or_llmcost_error(read_workloads(text.encode("utf-8", "surrogatepass"), "yaml"))


BASE_YAML = yaml.safe_dump(_yaml_repr(VALID_YAML), allow_unicode=True, sort_keys=False)


@FUZZ
@given(data=near_valid_yaml(), currency=st.sampled_from(["CNY", "USD"]))
# Regressions: each raised a TypeError or ValueError (or read a wrong number) before the fix.
@example(data=BASE_YAML.replace("version: 1", "version: 1\n[a]: 1").encode(), currency="CNY")  # list as a key
@example(data=BASE_YAML.replace("days: 30", "{a: 1}: 30").encode(), currency="CNY")  # mapping as a key
@example(data=BASE_YAML.replace("1000\n", "1" * 5000 + "\n", 1).encode(), currency="CNY")  # > 4300 digits
@example(data=BASE_YAML.replace("days: 30", "<<: {days: 31}\n  days: 30").encode(), currency="CNY")
@example(data=BASE_YAML.replace("version: 1", "version: true").encode(), currency="CNY")
@example(data=b"\x08" + BASE_YAML.encode(), currency="CNY")  # a control character: ReaderError
def test_yaml_reader_near_valid(data, currency):
    parses_or_llmcost_error(read_workloads(data, "yaml"), currency)


def test_yaml_integers_are_decimal_never_octal_or_sexagesimal():
    """YAML 1.1 reads 0700 as 448 and 1:30 as 90; a workload file means 700, or is refused."""
    doc = "version: 1\nworkloads:\n  - {model: alpha-lite, requests_per_month: %s, input_tokens: 1, output_tokens: 1}\n"
    [w] = list(read_workloads((doc % "0700").encode(), "yaml")())
    assert w.requests_per_month == Decimal(700)
    for text in ("0x10", "1:30", "0b11", "-0x1_0"):
        with pytest.raises(LlmcostError, match=r"line 3: invalid YAML: .* is not a plain decimal number"):
            list(read_workloads((doc % text).encode(), "yaml")())
    with pytest.raises(LlmcostError, match="requests_per_month: '0o17' is not a number"):  # a string in YAML 1.1
        list(read_workloads((doc % "0o17").encode(), "yaml")())


# -- the price-file loader ------------------------------------------------------------

PRICE_DIR = Path(tempfile.mkdtemp(prefix="llmcost-fuzz-prices-"))
ALPHA = yaml.safe_load((BOOK / "alpha.yaml").read_text(encoding="utf-8"))
BETA = yaml.safe_load((BOOK / "beta.yaml").read_text(encoding="utf-8"))
FX = yaml.safe_load((BOOK / "fx.yaml").read_text(encoding="utf-8"))
WORKLOAD = api.Workload(
    model="",
    requests_per_month=Decimal(60000),
    input_tokens=Decimal(40000),
    output_tokens=Decimal(400),
    cached_ratio=Decimal("0.5"),
    batch_ratio=Decimal("0.25"),
)


def teardown_module():
    shutil.rmtree(PRICE_DIR, ignore_errors=True)


def load_and_price(name: str, data: bytes) -> bool:
    """Write one price file, load it as a book (``--prices FILE`` / ``prices validate``), price every model."""
    path = PRICE_DIR / name
    path.write_bytes(data)
    try:
        book = prices.load_only(path)
        prices.validate(path)
        for model in book.models.values():
            for when in (date(2023, 1, 1), date(2024, 6, 1), AS_OF, date(2099, 12, 31)):
                fx = book.fx.at(when) if book.fx else TEST_BOOK.fx.at(when)
                for currency in ("CNY", "USD"):
                    p = api.Pricer(
                        book,
                        api.Pricing(
                            as_of=when, currency=currency, fx=fx, free_quota=True, discounts={model.id: Decimal("0.1")}
                        ),
                    )
                    from dataclasses import replace

                    try:
                        line = p.strict(replace(WORKLOAD, model=model.id), model)
                    except LlmcostError as exc:  # no price yet, too long for the context: a clear error
                        assert_llmcost_error(exc)
                        continue
                    assert isinstance(line.total, Decimal) and line.total.is_finite()
                    render.line_dict(line)
        if book.fx is not None:
            for rate in book.fx.rates:
                assert isinstance(rate.usd_cny, Decimal) and rate.usd_cny > 0
    except LlmcostError as exc:
        assert_llmcost_error(exc)
        _event(f"refused: {type(exc).__name__}")
        return False
    _event("loaded and priced")
    return True


@st.composite
def near_valid_price_file(draw) -> tuple[str, bytes]:
    name, doc = draw(st.sampled_from([("alpha.yaml", ALPHA), ("beta.yaml", BETA), ("fx.yaml", FX)]))
    doc = mutate(draw, doc)
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:  # pragma: no cover
        text = ""
    text = draw(text_mutation(text))
    return name, draw(byte_mutation(text.encode("utf-8")))


@FUZZ
@given(name=st.sampled_from(["alpha.yaml", "fx.yaml", "user.yml"]), data=st.binary(max_size=3000))
@example(name="alpha.yaml", data=b"")
@example(name="fx.yaml", data=b"schema_version: 1\nrates: []\n")
def test_price_loader_arbitrary_bytes(name, data):
    load_and_price(name, data)


ALPHA_TEXT = (BOOK / "alpha.yaml").read_text(encoding="utf-8")


@FUZZ
@given(file=near_valid_price_file())
@example(
    file=("fx.yaml", b'schema_version: 1\nrates:\n- {date: "2024-01-02", usd_cny: "7.1", source: "\\U10010000"}\n')
)
@example(file=("alpha.yaml", ALPHA_TEXT.replace("context_window: 32768", "context_window: 0100000").encode()))
@example(file=("alpha.yaml", ALPHA_TEXT.replace("up_to: 32000", "up_to: 8:53:20").encode()))
@example(file=("alpha.yaml", ALPHA_TEXT.replace("context_window: 8192", "context_window: " + "9" * 5000).encode()))
@example(file=("alpha.yaml", ALPHA_TEXT.replace("provider: alpha", "provider: alpha\n[x]: 1").encode()))
def test_price_loader_near_valid(file):
    load_and_price(*file)


def test_price_file_integers_are_decimal():
    """A context window written 0100000 is 100,000 tokens, not octal 32,768."""
    path = PRICE_DIR / "octal.yaml"
    path.write_text(ALPHA_TEXT.replace("context_window: 32768", "context_window: 0100000"), encoding="utf-8")
    assert prices.load_only(path).models["alpha-lite"].context_window == 100_000


# -- the same, end to end through the CLI (exit codes, stderr, no partial output) -------


@FUZZ_CLI
@given(
    data=st.one_of(near_valid_csv(), near_valid_yaml(), st.binary(max_size=300)),
    fmt=st.sampled_from(["csv", "json", "jsonl", "table", "markdown"]),
)
def test_cli_estimate_workloads(data, fmt):
    assert_cli_outcome(["estimate", "--workloads", "-", "--as-of", "2025-06-01", "--format", fmt], data)


@FUZZ_CLI
@given(data=st.one_of(near_valid_csv(), near_valid_yaml()))
def test_cli_check_workloads(data):
    r = run("check", "-", "--budget", "100", "--as-of", "2025-06-01", "--format", "json", input=data)
    assert r.code in (0, 1, EXIT_INPUT), (r.code, r.err)
    assert r.err.count("\n") == 1 and "internal error" not in r.err and "Traceback" not in r.err, r.err
    if r.code == EXIT_INPUT:
        assert r.err.startswith("llmcost: error: ") and r.out == ""


@FUZZ_CLI
@given(file=near_valid_price_file())
def test_cli_prices_validate(file):
    name, data = file
    path = PRICE_DIR / name
    path.write_bytes(data)
    assert_cli_outcome(["prices", "validate", str(path)], b"")


# -- the seeds themselves are valid (otherwise "near-valid" would be near nothing) -------


def test_the_seed_files_parse_and_price():
    assert parses_or_llmcost_error(read_workloads(csv_text(VALID_ROWS).encode(), "csv"))
    assert parses_or_llmcost_error(read_workloads(BASE_YAML.encode(), "yaml"))
    assert parses_or_llmcost_error(read_workloads(BASE_YAML.encode(), None))
    for name, doc in (("alpha.yaml", ALPHA), ("beta.yaml", BETA), ("fx.yaml", FX)):
        assert load_and_price(name, yaml.safe_dump(doc, allow_unicode=True).encode())
