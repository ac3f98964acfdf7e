"""Bad input, at the command line: every case exits 2 with exactly one line on stderr,
``llmcost: error: <what is wrong and where>``, nothing on stdout and no traceback.

The messages are compared in full (file, line, column, field), so a vague or misplaced
message fails a test.  A few cases check that input which only *looks* odd (BOM, CRLF,
quoted newlines, GBK with --encoding gbk) is accepted and priced correctly.

Prices used below (test book, --as-of 2025-06-01): alpha-lite costs 0.0003 CNY per 1K
input tokens and 0.0006 per 1K output tokens, so 100,000 requests × (1,000 in + 500 out)
= 100,000 × (0.0003 + 0.0003) = 60.00 CNY.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import BOOK, DATA

AS_OF = ["--as-of", "2025-06-01"]
HEADER = "name,model,requests_per_month,input_tokens,output_tokens"
GOOD_ROW = "bot,alpha-lite,100000,1000,500"  # 60.00 CNY, see the module docstring
CHECK_CSV = DATA / "check_workloads.csv"


def assert_bad(r, message: str) -> None:
    """Exit 2, stdout empty, stderr exactly one line: 'llmcost: error: ' + message."""
    assert "Traceback" not in r.err
    assert r.err == f"llmcost: error: {message}\n", r.err
    assert r.code == 2
    assert r.out == ""


def write(tmp_path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


# -- numeric flags of estimate and compare ---------------------------------------------

REQ = "at most 1,000,000,000,000"
TOK = "at most 1,000,000,000"
RATE = "--rate must be between 0 and 1000 CNY per USD, not {v}"
# flag → {kind: (value, expected message)}
NUMERIC = {
    "--requests-per-month": {
        "negative": ("-5", "--requests-per-month must be at least 0, not -5"),
        "huge": ("1e30", f"--requests-per-month must be {REQ}, not 1E+30"),
        "huge-exponent": ("1e999999999", f"--requests-per-month must be {REQ}, not 1E+999999999"),
    },
    "--requests-per-day": {
        "negative": ("-5", "--requests-per-day must be at least 0, not -5"),
        "huge": ("1e30", f"--requests-per-day must be {REQ}, not 1E+30"),
    },
    "--input-tokens": {
        "negative": ("-1", "--input-tokens must be at least 0, not -1"),
        "huge": ("1e30", f"--input-tokens must be {TOK}, not 1E+30"),
    },
    "--output-tokens": {
        "negative": ("-1", "--output-tokens must be at least 0, not -1"),
        "huge": ("1e30", f"--output-tokens must be {TOK}, not 1E+30"),
    },
    "--days": {
        "negative": ("-1", "--days must be at least 1, not -1"),
        "zero": ("0", "--days must be at least 1, not 0"),
        "huge": ("1e30", "--days must be at most 366, not 1E+30"),
    },
    "--cached-ratio": {
        "negative": ("-0.1", "--cached-ratio must be at least 0, not -0.1"),
        "above-1": ("1.5", "--cached-ratio must be at most 1, not 1.5"),
        "huge": ("1e30", "--cached-ratio must be at most 1, not 1E+30"),
    },
    "--batch-ratio": {
        "negative": ("-0.1", "--batch-ratio must be at least 0, not -0.1"),
        "above-1": ("1.01", "--batch-ratio must be at most 1, not 1.01"),
        "huge": ("1e30", "--batch-ratio must be at most 1, not 1E+30"),
    },
    "--rate": {
        "negative": ("-7", RATE.format(v="-7")),
        "zero": ("0", RATE.format(v="0")),
        "huge": ("1e30", RATE.format(v="1e30")),
    },
}
for _flag, _cases in NUMERIC.items():  # every numeric flag refuses text, NaN and infinities the same way
    for _kind, _value in (
        ("text", "abc"),
        ("nan", "NaN"),
        ("infinity", "Infinity"),
        ("minus-inf", "-inf"),
        ("empty", ""),
    ):
        _cases[_kind] = (_value, f"{_flag}: {_value!r} is not a number")


def _flag_args(command: str, flag: str, value: str) -> list[str]:
    """A valid estimate/compare call with ``flag`` set to ``value``."""
    given = {"--input-tokens": "100", "--output-tokens": "100"}
    if flag in ("--requests-per-day", "--days"):
        given.update({"--requests-per-day": "100", "--days": "30"})
    else:
        given["--requests-per-month"] = "1000"
    given[flag] = value
    args = [command, *AS_OF] + (["-m", "alpha-lite"] if command == "estimate" else [])
    for name, text in given.items():
        args += [f"{name}={text}"]
    return args


@pytest.mark.parametrize("command", ["estimate", "compare"])
@pytest.mark.parametrize("flag,kind", [(f, k) for f, cases in NUMERIC.items() for k in cases])
def test_numeric_flag(cli, command, flag, kind):
    value, message = NUMERIC[flag][kind]
    started = time.monotonic()
    assert_bad(cli(*_flag_args(command, flag, value)), message)
    assert time.monotonic() - started < 5  # 1e30 / 1e999999999 are refused, not computed


def test_requests_per_day_times_days_over_the_limit(cli):
    # 10^12 a day is allowed on its own; × 2 days is 2 × 10^12 a month, over the limit.
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-day",
        "1e12",
        "--days",
        "2",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        *AS_OF,
    )
    assert_bad(r, f"--requests-per-day × --days must be {REQ}, not 2E+12")


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--requests-per-month", "1", "--requests-per-day", "1"],
            "give --requests-per-day or --requests-per-month, not both",
        ),
        ([], "give --requests-per-day or --requests-per-month"),
        (["--requests-per-month", "1", "--days", "3"], "--days only goes with --requests-per-day"),
    ],
    ids=["both-request-flags", "no-request-flag", "days-without-per-day"],
)
def test_request_flag_combinations(cli, args, message):
    assert_bad(
        cli("estimate", "-m", "alpha-lite", "--input-tokens", "1", "--output-tokens", "1", *args, *AS_OF), message
    )


def test_zero_requests_and_tokens_are_valid_and_cost_nothing(cli):
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-month",
        "0",
        "--input-tokens",
        "0",
        "--output-tokens",
        "0",
        "-f",
        "json",
        *AS_OF,
    )
    assert (r.code, r.err) == (0, "")
    assert json.loads(r.out)["total"] == "0.00"


# -- numeric flags of check -----------------------------------------------------------

TOO_BIG = "1" + "0" * 16  # 10^16, over the 10^15 limits
CHECK_FLAGS = [
    ("--budget", "-5", "--budget must be at least 0, not -5"),
    ("--budget", "abc", "--budget: 'abc' is not a number"),
    ("--budget", "NaN", "--budget: 'NaN' is not a number"),
    ("--budget", "Infinity", "--budget: 'Infinity' is not a number"),
    ("--budget", "1e30", "--budget must be at most 1,000,000,000,000,000, not 1E+30"),
    ("--budget", "1e999999999999", "--budget must be at most 1,000,000,000,000,000, not 1E+999999999999"),
    ("--rate", "0", RATE.format(v="0")),
    ("--rate", "NaN", "--rate: 'NaN' is not a number"),
]
for _flag in ("--max-increase", "--max-increase-per-workload"):
    for _value in ("-5%", "abc", "NaN%", "inf", "1e30", "10%%"):
        CHECK_FLAGS.append(
            (
                _flag,
                _value,
                f"{_flag}: {_value!r} is not an allowed increase "
                "(use a percentage such as 10% or an amount such as 500)",
            )
        )
    CHECK_FLAGS.append((_flag, TOO_BIG, f"{_flag}: {TOO_BIG!r} is too large (at most 1,000,000,000,000,000)"))
    CHECK_FLAGS.append(
        (_flag, TOO_BIG + "%", f"{_flag}: {TOO_BIG + '%'!r} is too large (at most 1,000,000,000,000,000%)")
    )


@pytest.mark.parametrize("flag,value,message", CHECK_FLAGS, ids=[f"{f}={v[:12]}" for f, v, _ in CHECK_FLAGS])
def test_check_numeric_flag(cli, flag, value, message):
    assert_bad(cli("check", str(CHECK_CSV), f"{flag}={value}", *AS_OF), message)


def test_max_increase_needs_a_baseline(cli):
    assert_bad(
        cli("check", str(CHECK_CSV), "--max-increase", "10%", *AS_OF),
        "--max-increase and --max-increase-per-workload need --baseline PREVIOUS.json",
    )


# -- baselines -------------------------------------------------------------------------


def _baseline(cli, tmp_path, **changes) -> str:
    r = cli("check", str(CHECK_CSV), "--budget", "1000", "-f", "json", *AS_OF)
    report = json.loads(r.out)
    report.update(changes)
    return write(tmp_path, "base.json", json.dumps(report))


HINT = "(use the output of 'llmcost estimate --workloads FILE -f json' or 'llmcost check -f json')"


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"total": "1e5000"}, "not an llmcost baseline: total is '1e5000', not an amount such as \"12.34\" " + HINT),
        ({"total": "NaN"}, "not an llmcost baseline: total is 'NaN', not an amount such as \"12.34\" " + HINT),
        ({"currency": "EUR"}, "not an llmcost baseline: currency is 'EUR', not CNY or USD " + HINT),
        ({"schema_version": 2}, "not an llmcost baseline: schema_version is 2, not 1 " + HINT),
        ({"schema_version": True}, "not an llmcost baseline: schema_version is true, not 1 " + HINT),
        ({"schema_version": None}, "not an llmcost baseline: schema_version is null, not 1 " + HINT),
    ],
    ids=["huge-total", "nan-total", "currency", "schema-version", "schema-version-true", "schema-version-null"],
)
def test_bad_baseline(cli, tmp_path, changes, message):
    path = _baseline(cli, tmp_path, **changes)
    assert_bad(cli("check", str(CHECK_CSV), "--baseline", path, "--max-increase", "10%", *AS_OF), f"{path}: {message}")


@pytest.mark.parametrize(
    "data,message",
    [
        ("{not json", "line 1: not valid JSON: Expecting property name enclosed in double quotes"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON: nested too deeply"),
        (b"\xff\xfe\x00\x01", "not valid utf-8 text at byte 0 (pass --encoding NAME)"),
        (
            '{"schema_version": 1, "lines": [{"name": "bot\\ud800"}]}',
            "not valid JSON: lines[0].name holds an escape that is not a character (a lone surrogate)",
        ),
        (
            '{"\\udfff": 1}',
            "not valid JSON: a key of the top level holds an escape that is not a character (a lone surrogate)",
        ),
    ],
    ids=["not-json", "nested-too-deeply", "binary", "lone-surrogate", "lone-surrogate-key"],
)
def test_baseline_that_is_not_json(cli, tmp_path, data, message):
    path = write(tmp_path, "base.json", data)
    assert_bad(
        cli("check", str(CHECK_CSV), "--baseline", path, "--max-increase", "10%", *AS_OF),
        f"{path}{',' if message.startswith('line') else ':'} {message}",
    )


# -- models, aliases, providers, dates, currencies, formats -------------------------------

GAMMA = """\
schema_version: 1
provider: {provider}
models:
  - id: {id}
    name: Gamma
{extra}    currency: {currency}
    context_window: 8000
    tokenizer: {tokenizer}
    prices:
      - effective: "2024-01-01"
        unit: 1M
        input: {input}
        output: "2"
        source: https://example.com/g
"""


def gamma(provider="gamma", id="gamma-1", currency="CNY", tokenizer="alpha-estimate", input='"0.8"', extra=""):
    return GAMMA.format(provider=provider, id=id, currency=currency, tokenizer=tokenizer, input=input, extra=extra)


ONE = ["--requests-per-month", "1000", "--input-tokens", "100", "--output-tokens", "100", *AS_OF]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["estimate", "-m", "alpha-lit", *ONE],
            "unknown model 'alpha-lit' (did you mean alpha-lite, alpha-tiered, alpha-pro?)",
        ),
        (["estimate", "-m", "zzz", *ONE], "unknown model 'zzz' (see 'llmcost models')"),
        (["estimate", "-m", " ", *ONE], "empty model name"),
        (["compare", "-m", "b4", *ONE], "unknown model 'b4' (did you mean beta-4o?)"),
        (["compare", "--baseline-model", "zzz", *ONE], "unknown model 'zzz' (see 'llmcost models')"),
        (["estimate", "--provider", "alfa", *ONE], "unknown provider 'alfa' (did you mean alpha?)"),
        (
            ["estimate", "-m", "beta-4o", "--provider", "alpha", *ONE],
            "beta-4o is a beta model, not in --provider alpha",
        ),
        (["estimate", *ONE], "give --model NAME (repeatable), --provider NAME or --all"),
        (["history", "zzz"], "unknown model 'zzz' (see 'llmcost models')"),
        (["count", "-m", "zzz", "hello"], "unknown model 'zzz' (see 'llmcost models')"),
        (["models", "--provider", "zzz"], "unknown provider 'zzz' (providers: alpha, beta)"),
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--discount", "zzz=5%"],
            "--discount 'zzz=5%': 'zzz' is neither a provider nor a model in the price book (providers: alpha, beta)",
        ),
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--discount", "alpha=-5%"],
            "--discount: '-5%' must be between 0% and 100% (or 0 and 1)",
        ),
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--discount", "alpha=1e9999999999%"],
            "--discount: '1e9999999999%' is not a percentage",
        ),
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--discount", "alpha"],
            "--discount: 'alpha' is not NAME=PERCENT, e.g. doubao=20%",
        ),
    ],
    ids=[
        "unknown-close",
        "unknown-far",
        "empty-name",
        "compare-unknown",
        "baseline-model",
        "provider-typo",
        "model-not-in-provider",
        "no-model",
        "history",
        "count",
        "models-provider",
        "discount-target",
        "discount-negative",
        "discount-huge",
        "discount-shape",
    ],
)
def test_unknown_names(cli, args, message):
    assert_bad(cli(*args), message)


def test_ambiguous_alias_lists_the_models(cli, tmp_path):
    prices = write(tmp_path, "gamma.yaml", gamma(id="gamma-lite", extra='    aliases: ["lite"]\n'))
    r = cli("estimate", "-m", "lite", *ONE, "--prices", prices)
    assert_bad(r, "model name 'lite' is ambiguous: it matches alpha-lite, gamma-lite (use the model id)")


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--as-of", "2024-13-01"],
            "--as-of: '2024-13-01' is not a date (use YYYY-MM-DD)",
        ),
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--as-of", "yesterday"],
            "--as-of: 'yesterday' is not a date (use YYYY-MM-DD)",
        ),
        (["estimate", "-m", "alpha-lite", *ONE, "--as-of", ""], "--as-of: '' is not a date (use YYYY-MM-DD)"),
        (
            ["estimate", "-m", "alpha-lite", *ONE, "--as-of", "2020-01-01"],
            "alpha-lite has no price on or before 2020-01-01 (its first price is from 2024-01-01)",
        ),
        (
            ["compare", *ONE, "--as-of", "2020-01-01"],
            "no model could price this workload: alpha-lite has no price on or before 2020-01-01 (its first price is "
            "from 2024-01-01); alpha-pro has no price on or before 2020-01-01 (its first price is from 2024-05-15); "
            "alpha-free has no price on or before 2020-01-01 (its first price is from 2024-05-21)",
        ),
        (
            ["check", str(CHECK_CSV), "--budget", "5", "--as-of", "2020-01-01"],
            f"{CHECK_CSV}, line 2: alpha-lite has no price on or before 2020-01-01 "
            "(its first price is from 2024-01-01)",
        ),
        (["models", "--as-of", "2024-02-30"], "--as-of: '2024-02-30' is not a date (use YYYY-MM-DD)"),
        (["history", "--since", "notadate"], "--since: 'notadate' is not a date (use YYYY-MM-DD)"),
        (["history", "--all", "--until", "2024-02-30"], "--until: '2024-02-30' is not a date (use YYYY-MM-DD)"),
        (
            ["history", "--since", "2025-01-01", "--until", "2024-01-01"],
            "--since 2025-01-01 is after --until 2024-01-01",
        ),
    ],
    ids=[
        "month-13",
        "word",
        "empty",
        "before-any-price",
        "compare-before-any-price",
        "check-before-any-price",
        "models-feb-30",
        "history-since",
        "history-until",
        "history-window-reversed",
    ],
)
def test_bad_dates(cli, args, message):
    assert_bad(cli(*args), message)


@pytest.mark.parametrize(
    "args",
    [["estimate", "-m", "alpha-lite", *ONE], ["compare", *ONE], ["check", str(CHECK_CSV), "--budget", "5", *AS_OF]],
    ids=["estimate", "compare", "check"],
)
@pytest.mark.parametrize("currency", ["EUR", "", "usdollar"])
def test_unknown_currency(cli, args, currency):
    assert_bad(cli(*args, "--currency", currency), f"unknown currency {currency!r} (use CNY (or RMB) or USD)")


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["estimate", "-m", "alpha-lite", *ONE, "-f", "xml"],
            "--format: 'xml' is not one of table, json, jsonl, csv, markdown",
        ),
        (
            ["check", str(CHECK_CSV), "--budget", "5", "-f", "xml"],
            "--format: 'xml' is not one of table, json, csv, markdown",
        ),
        (
            ["prices", "diff", str(BOOK), str(BOOK), "-f", "xml"],
            "--format: 'xml' is not one of table, json, csv, markdown",
        ),
        (["estimate", "-w", str(CHECK_CSV), "--input-format", "xml"], "--input-format: 'xml' is not csv or yaml"),
        (
            ["estimate", "-w", str(CHECK_CSV), "-m", "alpha-lite"],
            "--model cannot be combined with --workloads (put them in the file)",
        ),
        (
            ["estimate", "-w", str(CHECK_CSV), "--encoding", "klingon", *AS_OF],
            "unknown text encoding 'klingon' (e.g. utf-8, gbk, gb18030, utf-16)",
        ),
        (["estimate", "--qqq"], "No such option: --qqq"),
        (["history"], "give models, --provider NAME, --all, or a --since/--until window"),
    ],
    ids=[
        "estimate-format",
        "check-format",
        "diff-format",
        "input-format",
        "model-with-workloads",
        "encoding",
        "unknown-option",
        "history-nothing",
    ],
)
def test_bad_options(cli, args, message):
    assert_bad(cli(*args), message)


# -- CSV workload files, through estimate --workloads and check -------------------------


def _run_file(cli, command: str, path: str, *extra: str):
    if command == "estimate":
        return cli("estimate", "--workloads", path, "-f", "json", *AS_OF, *extra)
    return cli("check", path, "--budget", "100", *AS_OF, *extra)


LONG_OK = "\n".join([HEADER] + [GOOD_ROW.replace("bot", f"w{i}") for i in range(500)])  # past 8 KiB blocks
COLUMNS = (
    "the first line must be a header row: name, model, requests_per_day, requests_per_month, "
    "input_tokens, prompt, output_tokens, …"
)
CSV_CASES = {
    "empty": (b"", "{p}: empty workload file: a header row and at least one row are needed"),
    "blank-lines-only": (b"\n\n  \n", "{p}: empty workload file: a header row and at least one row are needed"),
    "header-only": (HEADER + "\n", "{p}, line 1: no workload rows after the header"),
    "no-header": (GOOD_ROW + "\n", f"{{p}}, line 1: unknown column 'bot' ({COLUMNS})"),
    "duplicate-column": (
        "name,model,model,requests_per_month,input_tokens,output_tokens\n",
        "{p}, line 1: duplicate column 'model' (also column 2)",
    ),
    "unknown-column": (
        "name,model,colour,requests_per_month,input_tokens,output_tokens\nb,alpha-lite,red,1,1,1\n",
        f"{{p}}, line 1: unknown column 'colour' ({COLUMNS})",
    ),
    "missing-column": (
        "name,model,requests_per_month,input_tokens\nb,alpha-lite,1,1\n",
        "{p}, line 1: missing required column 'output_tokens'",
    ),
    "short-row": (
        f"{HEADER}\n{GOOD_ROW}\nbot2,alpha-lite,1000,100\n",
        "{p}, line 3: short row: 4 fields where the header has 5",
    ),
    "long-row": (f"{HEADER}\n{GOOD_ROW},9\n", "{p}, line 2: long row: 6 fields where the header has 5"),
    "unclosed-quote": (
        f'{HEADER}\n"bot,alpha-lite,1,1,1\nx,alpha-lite,1,1,1\n',
        "{p}, line 2: malformed CSV: a quote opened in this row is never closed",
    ),
    "text-after-quote": (f'{HEADER}\n"bot"x,alpha-lite,1,1,1\n', "{p}, line 2: malformed CSV: ',' expected after '\"'"),
    # A quoted name spans lines 2-3; the bad row after it starts on line 4.
    "bad-row-after-quoted-newline": (
        f'{HEADER}\n"multi\nline",alpha-lite,1,1,1\nsecond,alpha-lite,1,1,-1\n',
        "{p}, line 4, column 'output_tokens': output_tokens must be at least 0, not -1",
    ),
    # The error is in a record that starts on line 2 and ends on line 3: the line named is where it starts.
    "bad-value-in-multiline-row": (
        f'{HEADER}\nbot,alpha-lite,-1,1,"1\n"\n',
        "{p}, line 2, column 'requests_per_month': requests_per_month must be at least 0, not -1",
    ),
    "not-a-number": (
        f"{HEADER}\nbot,alpha-lite,lots,1,1\n",
        "{p}, line 2, column 'requests_per_month': 'lots' is not a number",
    ),
    "nan": (
        f"{HEADER}\nbot,alpha-lite,NaN,1,1\n",
        "{p}, line 2, column 'requests_per_month': 'NaN' is not a finite number",
    ),
    "huge": (
        f"{HEADER}\nbot,alpha-lite,1e30,1,1\n",
        f"{{p}}, line 2, column 'requests_per_month': requests_per_month must be {REQ}, not 1E+30",
    ),
    "ratio-above-1": (
        "name,model,requests_per_month,input_tokens,output_tokens,cached_ratio\nb,alpha-lite,1,1,1,2\n",
        "{p}, line 2, column 'cached_ratio': cached_ratio must be at most 1, not 2",
    ),
    "missing-model": (f"{HEADER}\nbot,,1,1,1\n", "{p}, line 2, column 'model': missing value for model"),
    "unknown-model": (
        f"{HEADER}\n{GOOD_ROW}\nb2,alpha-lit,1,1,1\n",
        "{p}, line 3: unknown model 'alpha-lit' (did you mean alpha-lite, alpha-tiered, alpha-pro?)",
    ),
    "unknown-currency": (
        "name,model,requests_per_month,input_tokens,output_tokens,budget,currency\nb,alpha-lite,1,1,1,5,EUR\n",
        "{p}, line 2, column 'currency': unknown currency 'EUR' (use CNY (or RMB) or USD)",
    ),
    "gbk": (
        f"{HEADER}\n客服,alpha-lite,1,1,1\n".encode("gbk"),
        "{p}, line 2: not valid utf-8 text (it looks like GBK; pass --encoding gbk)",
    ),
    # The decoder reads ahead in blocks: the line must still be the one with the GBK bytes.
    "gbk-deep-in-a-file": (
        (LONG_OK + "\n客服,alpha-lite,1,1,1\n").encode("gbk"),
        "{p}, line 502: not valid utf-8 text (it looks like GBK; pass --encoding gbk)",
    ),
    "binary-junk": (
        b"name,model\n" + bytes(range(256)) * 8,
        "{p}, line 3: not valid utf-8 text (it looks like binary data, not a CSV text file)",
    ),
    "nul-byte": (
        f"{HEADER}\nbot,alpha-lite,1\x0000,1,1\n",
        "{p}, line 2, column 'requests_per_month': '1\\x0000' is not a number",
    ),
}


@pytest.mark.parametrize("command", ["estimate", "check"])
@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv(cli, tmp_path, command, case):
    data, message = CSV_CASES[case]
    path = write(tmp_path, "w.csv", data)
    assert_bad(_run_file(cli, command, path), message.format(p=path))


def test_bad_csv_from_stdin_is_named_stdin(cli):
    r = cli("estimate", "--workloads", "-", *AS_OF, input=f"{HEADER}\nbot,alpha-lite,1,1\n")
    assert_bad(r, "<stdin>, line 2: short row: 4 fields where the header has 5")


# Odd but valid CSV: accepted and priced (60.00 CNY, see the module docstring).
GOOD_CSV = {
    "bom": b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD_ROW}\n".encode(),
    "crlf": f"{HEADER}\r\n{GOOD_ROW}\r\n".encode(),
    "bom-and-crlf": b"\xef\xbb\xbf" + f"{HEADER}\r\n{GOOD_ROW}\r\n".encode(),
    "no-final-newline": f"{HEADER}\n{GOOD_ROW}".encode(),
    "blank-lines": f"\n{HEADER}\n\n{GOOD_ROW}\n\n".encode(),
    "header-case-and-spaces": f" Name , MODEL ,Requests Per Month,input-tokens,output_tokens\n{GOOD_ROW}\n".encode(),
}


@pytest.mark.parametrize("case", list(GOOD_CSV))
def test_odd_but_valid_csv_is_priced(cli, tmp_path, case):
    path = write(tmp_path, "w.csv", GOOD_CSV[case])
    r = cli("estimate", "--workloads", path, "-f", "json", *AS_OF)
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    assert [(line["name"], line["total"]) for line in report["lines"]] == [("bot", "60.00")]
    assert report["total"] == "60.00"


def test_quoted_newlines_parse_and_later_lines_are_counted_right(cli, tmp_path):
    # Lines 2-4 hold one record whose name has two newlines; the unknown model is on line 5.
    path = write(tmp_path, "w.csv", f'{HEADER}\n"bot\none\ntwo",alpha-lite,100000,1000,500\nnext,alpha-lit,1,1,1\n')
    assert_bad(
        cli("estimate", "--workloads", path, *AS_OF),
        f"{path}, line 5: unknown model 'alpha-lit' (did you mean alpha-lite, alpha-tiered, alpha-pro?)",
    )
    path = write(tmp_path, "ok.csv", f'{HEADER}\n"bot\none",alpha-lite,100000,1000,500\n')
    r = cli("estimate", "--workloads", path, "-f", "json", *AS_OF)
    assert r.code == 0 and json.loads(r.out)["lines"][0]["name"] == "bot\none"


def test_gbk_with_encoding_gbk_is_priced(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n客服机器人,alpha-lite,100000,1000,500\n".encode("gbk"))
    r = cli("estimate", "--workloads", path, "--encoding", "gbk", "-f", "json", *AS_OF)
    assert (r.code, r.err) == (0, "")
    assert [(line["name"], line["total"]) for line in json.loads(r.out)["lines"]] == [("客服机器人", "60.00")]
    r = cli("check", path, "--encoding", "gbk", "--budget", "60", *AS_OF)
    assert r.code == 0 and r.err.startswith("llmcost: check passed")


# -- YAML workload files ---------------------------------------------------------------

W = (
    "version: 1\nworkloads:\n  - name: bot\n    model: alpha-lite\n    requests_per_month: 1\n"
    "    input_tokens: 1\n    output_tokens: 1\n"
)
BOMB = "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi"))
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + BOMB + "workloads: *i\n"
YAML_CASES = {
    "malformed": (
        "workloads:\n  - name: a\n    model: [alpha-lite\n",
        "{p}, line 4: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    "bad-indentation": (
        "version: 1\nworkloads:\n  - name: a\n   model: x\n",
        "{p}, line 4: invalid YAML: expected <block end>, but found '<block mapping start>'",
    ),
    "duplicate-key": (W + "    model: beta-4o\n", "{p}, line 8: duplicate key 'model' (first on line 4)"),
    "duplicate-top-key": ("version: 1\n" + W, "{p}, line 2: duplicate key 'version' (first on line 1)"),
    "python-object-tag": (
        "version: 1\nworkloads:\n  - !!python/object:os.system\n    name: a\n",
        "{p}, line 3: YAML tags (tag:yaml.org,2002:python/object:os.system) are not allowed",
    ),
    "python-apply-tag": (
        'workloads: !!python/object/apply:os.system ["echo hi"]\n',
        "{p}, line 1: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed",
    ),
    "float-tag": (
        W.replace("requests_per_month: 1", "requests_per_month: !!float 1"),
        "{p}, line 5: YAML tags (tag:yaml.org,2002:float) are not allowed",
    ),
    "alias": (
        "version: 1\ndefaults: &d {days: 30}\nworkloads: []\n",
        "{p}, line 2: YAML anchors (&name) are not allowed",
    ),
    "not-a-mapping": ("- a\n- b\n", "{p}, line 1: a workload file is a mapping with version, defaults and workloads"),
    "no-version": (W.replace("version: 1\n", ""), "{p}, line 1: version must be 1"),
    "unknown-top-key": (W + "extra: 1\n", "{p}, line 8: unknown key 'extra'"),
    "unknown-workload-key": (W + "    colour: red\n", "{p}, line 8: unknown key 'colour'"),
    "empty-workloads": ("version: 1\nworkloads: []\n", "{p}, line 2: workloads must be a non-empty list"),
    "infinity": (
        W.replace("requests_per_month: 1", "requests_per_month: .inf"),
        "{p}, line 5, field workloads[0].requests_per_month: 'Infinity' is not a finite number",
    ),
    "nan": (
        W.replace("input_tokens: 1", "input_tokens: .nan"),
        "{p}, line 6, field workloads[0].input_tokens: 'NaN' is not a finite number",
    ),
    "huge": (
        W.replace("requests_per_month: 1", "requests_per_month: 1.0e+999999999"),
        f"{{p}}, line 5, field workloads[0].requests_per_month: requests_per_month must be {REQ}, not 1.0E+999999999",
    ),
    "ratio": (
        W + "    batch_ratio: -0.5\n",
        "{p}, line 8, field workloads[0].batch_ratio: batch_ratio must be at least 0, not -0.5",
    ),
    "list-value": (
        W.replace("output_tokens: 1", "output_tokens: [1, 2]"),
        "{p}, line 7, field workloads[0].output_tokens: output_tokens must be a single value",
    ),
    "duplicate-name": (
        W + "  - name: bot\n    model: alpha-lite\n    requests_per_month: 1\n"
        "    input_tokens: 1\n    output_tokens: 1\n",
        "{p}, line 8, field workloads[1].name: duplicate workload name 'bot'",
    ),
    "lone-surrogate": (
        W.replace("name: bot", 'name: "bot\\ud800"'),
        "{p}, line 3: invalid YAML: an escape that is not a character (a lone surrogate such as \\ud800)",
    ),
    "nested-too-deeply": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "{p}, line 1: YAML nested more than 32 levels deep"),
    "binary-junk": (b"\x00\x01\x02\xff\xfe" * 100, "{p}: not valid utf-8 text at byte 3 (pass --encoding NAME)"),
    "gbk": (
        (W.replace("name: bot", "name: 客服")).encode("gbk"),
        "{p}: not valid utf-8 text at byte 32 (it looks like GBK; pass --encoding gbk)",
    ),
}


@pytest.mark.parametrize("command", ["estimate", "check"])
@pytest.mark.parametrize("case", list(YAML_CASES))
def test_bad_yaml_workloads(cli, tmp_path, command, case):
    data, message = YAML_CASES[case]
    path = write(tmp_path, "w.yaml", data)
    assert_bad(_run_file(cli, command, path), message.format(p=path))


@pytest.mark.parametrize("command", ["estimate", "check"])
def test_billion_laughs_is_refused_at_the_first_anchor(cli, tmp_path, command):
    # Expanded, this is 9^9 (387 million) strings.  Refused on line 1, at the first anchor,
    # so nothing is expanded (the message proves where it stopped; the time is a sanity bound).
    path = write(tmp_path, "bomb.yaml", BOMB)
    started = time.monotonic()
    assert_bad(_run_file(cli, command, path), f"{path}, line 1: YAML anchors (&name) are not allowed")
    assert time.monotonic() - started < 1


def test_bad_yaml_from_stdin(cli):
    r = cli("estimate", "--workloads", "-", *AS_OF, input=W + "    model: beta-4o\n")
    assert_bad(r, "<stdin>, line 8: duplicate key 'model' (first on line 4)")


# -- price files (--prices) ------------------------------------------------------------

PRICE_CASES = {
    "float-price": (
        gamma(input="0.8"),
        "{p}, line 12: field models[0].prices[0].input: is a YAML float; prices must "
        'be quoted decimal strings (quote prices as decimal strings, e.g. "0.0008")',
    ),
    "integer-price": (
        gamma(input="1"),
        "{p}, line 12: field models[0].prices[0].input: is a YAML number; prices must "
        'be quoted decimal strings (write "0" or "5", quoted)',
    ),
    "negative-price": (
        gamma(input='"-0.8"'),
        "{p}, line 12: field models[0].prices[0].input: '-0.8' is not a non-negative decimal",
    ),
    "missing-source": (
        gamma().replace("        source: https://example.com/g\n", ""),
        "{p}, line 10: field models[0].prices[0]: missing required field 'source'",
    ),
    "dates-out-of-order": (
        gamma() + '      - effective: "2023-06-01"\n        unit: 1M\n        input: "0.5"\n'
        '        output: "1"\n        source: https://example.com/g2\n',
        "{p}, line 15: model gamma-1: price dates must be in increasing order (2023-06-01 after 2024-01-01)",
    ),
    "same-date-twice": (
        gamma() + '      - effective: "2024-01-01"\n        unit: 1M\n        input: "0.5"\n'
        '        output: "1"\n        source: https://example.com/g2\n',
        "{p}, line 15: model gamma-1: price dates must be in increasing order (2024-01-01 after 2024-01-01)",
    ),
    "not-a-real-date": (
        gamma().replace("2024-01-01", "2024-02-30"),
        "{p}, line 10: effective: '2024-02-30' is not a real date",
    ),
    "malformed-yaml": (
        "schema_version: 1\nprovider: gamma\nmodels:\n  - id: gamma-1\n    name: [Gamma\n",
        "{p}, line 6: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    "duplicate-key": (
        gamma().replace("    context_window: 8000\n", "    context_window: 8000\n    currency: USD\n"),
        "{p}, line 8: duplicate key 'currency' (first on line 6)",
    ),
    "alias-bomb": (BOMB, "{p}, line 1: YAML anchors (&name) are not allowed"),
    "tag": (
        "schema_version: !!python/object:os.system 1\n",
        "{p}, line 1: YAML tags (tag:yaml.org,2002:python/object:os.system) are not allowed",
    ),
    "lone-surrogate": (
        gamma(extra='    note: "\\udfff"\n'),
        "{p}, line 6: invalid YAML: an escape that is not a character (a lone surrogate such as \\ud800)",
    ),
    "not-a-mapping": ("- 1\n", "{p}, line 1: a price file is a mapping with schema_version, provider and models"),
    "same-model-twice": (gamma() + gamma().split("models:\n", 1)[1], "{p}, line 15: model 'gamma-1' is defined twice"),
    # Overriding a test-book model is allowed with the same provider and currency, not otherwise.
    "override-other-currency": (
        gamma(provider="alpha", id="alpha-lite", currency="USD"),
        "{p}: model 'alpha-lite' overrides the shipped alpha model priced in CNY with "
        "provider 'alpha' in USD; use the same provider and currency, or give it a new id",
    ),
    "override-other-provider": (
        gamma(id="beta-4o", currency="USD"),
        "{p}: model 'beta-4o' overrides the shipped beta model priced in USD with provider "
        "'gamma' in USD; use the same provider and currency, or give it a new id",
    ),
}


@pytest.mark.parametrize(
    "command,case",
    [("estimate", c) for c in PRICE_CASES] + [("validate", c) for c in PRICE_CASES if not c.startswith("override")],
)  # validate: a file alone, no base book
def test_bad_price_file(cli, tmp_path, command, case):
    data, message = PRICE_CASES[case]
    path = write(tmp_path, "gamma.yaml", data)
    if command == "validate":
        r = cli("prices", "validate", path)
    else:
        r = cli("estimate", "-m", "alpha-lite", *ONE, "--prices", path)
    assert_bad(r, message.format(p=path))


def test_consistent_override_is_accepted(cli, tmp_path):
    # Same provider and currency: the user's price replaces the test book's (0.8 + 2 per 1M).
    path = write(tmp_path, "alpha.yaml", gamma(provider="alpha", id="alpha-lite"))
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-month",
        "1000000",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "-f",
        "json",
        *AS_OF,
        "--prices",
        path,
    )
    assert (r.code, r.err) == (0, "")
    assert json.loads(r.out)["total"] == "2.80"  # 1M × (0.8 + 2)/1M


def test_price_file_errors_reach_every_command(cli, tmp_path):
    path = write(tmp_path, "gamma.yaml", gamma(input="0.8"))
    message = (
        f"{path}, line 12: field models[0].prices[0].input: is a YAML float; prices must be quoted decimal "
        'strings (quote prices as decimal strings, e.g. "0.0008")'
    )
    for args in (
        ["models"],
        ["history", "--all"],
        ["compare", *ONE],
        ["count", "-m", "alpha-lite", "hi"],
        ["check", str(CHECK_CSV), "--budget", "5"],
    ):
        assert_bad(cli(*args, "--prices", path), message)
    assert_bad(cli("models", env={"LLMCOST_PRICES": path}), message)
    assert_bad(cli("prices", "diff", str(BOOK), path), message)
    assert_bad(cli("prices", "diff", path, str(BOOK)), message)


def test_unknown_tokenizer_names_the_model_and_file(cli, tmp_path):
    path = write(tmp_path, "gamma.yaml", gamma(tokenizer="klingon-bpe"))
    known = (
        "known: alpha-estimate, cl100k_base, claude-estimate, deepseek, deepseek-v4, doubao-estimate, ernie-estimate, "
        "gemini-estimate, glm-estimate, hunyuan-estimate, kimi-estimate, minimax-estimate, o200k_base, qwen, "
        "qwen-estimate, qwen3.5, spark-estimate"
    )
    message = f"{path}: model gamma-1: unknown tokenizer 'klingon-bpe' ({known})"
    assert_bad(cli("count", "-m", "gamma-1", "hello", "--prices", path), message)
    assert_bad(
        cli(
            "estimate",
            "-m",
            "gamma-1",
            "--prompt",
            "hello",
            "--requests-per-month",
            "1",
            "--output-tokens",
            "1",
            *AS_OF,
            "--prices",
            path,
        ),
        message,
    )
    assert_bad(
        cli("prices", "validate", path),
        f"{path}, field tokenizer: model gamma-1: unknown tokenizer 'klingon-bpe' ({known})",
    )


# -- missing and unreadable files and folders ------------------------------------------


def _paths(tmp_path):
    regular = write(tmp_path, "file.csv", f"{HEADER}\n{GOOD_ROW}\n")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    return {
        "missing": str(tmp_path / "nope.csv"),
        "under-a-file": regular + "/x",
        "folder": str(empty_dir),
        "dangling-link": str(tmp_path / "dangling"),
    }


MISSING = {"missing": "no such file", "under-a-file": "cannot read: Not a directory", "dangling-link": "no such file"}
MISSING_CASES = [
    # (command builder, which path, expected message after "{path}: ")
    *[(("estimate", "-w", "{}"), k, v) for k, v in MISSING.items()],
    (("estimate", "-w", "{}"), "folder", "is a folder, not a workload file"),
    *[(("check", "{}", "--budget", "5"), k, v) for k, v in MISSING.items()],
    (("check", "{}", "--budget", "5"), "folder", "is a folder, not a workload file"),
    (("compare", "-w", "{}"), "missing", "no such file"),
    *[
        (
            (
                "estimate",
                "-m",
                "alpha-lite",
                "--prompt-file",
                "{}",
                "--requests-per-month",
                "1",
                "--output-tokens",
                "1",
            ),
            k,
            v,
        )
        for k, v in MISSING.items()
    ],
    (
        ("estimate", "-m", "alpha-lite", "--prompt-file", "{}", "--requests-per-month", "1", "--output-tokens", "1"),
        "folder",
        "is a folder, not a file",
    ),
    *[(("check", str(CHECK_CSV), "--baseline", "{}", "--max-increase", "1%"), k, v) for k, v in MISSING.items()],
    (("check", str(CHECK_CSV), "--baseline", "{}", "--max-increase", "1%"), "folder", "is a folder, not a file"),
    (("models", "--prices", "{}"), "missing", "no such file or folder"),
    (("models", "--prices", "{}"), "folder", "no .yaml price files in this folder"),
    (("models", "--prices", "{}"), "dangling-link", "no such file or folder"),
    (("prices", "validate", "{}"), "missing", "no such file or folder"),
    (("prices", "validate", "{}"), "folder", "no .yaml price files in this folder"),
    (("prices", "diff", "{}", str(BOOK)), "missing", "no such file or folder"),
    (("prices", "diff", str(BOOK), "{}"), "folder", "no .yaml price files in this folder"),
    (("count", "-m", "alpha-lite", "{}"), "missing", "no such file or folder"),
    (("count", "-m", "alpha-lite", "{}"), "under-a-file", "no such file or folder"),
]


@pytest.mark.parametrize(
    "args,which,message",
    MISSING_CASES,
    ids=[f"{a[0]}-{a[1] if a[1] != '{}' else 'arg'}-{w}" for a, w, _ in MISSING_CASES],
)
def test_missing_and_unreadable_paths(cli, tmp_path, args, which, message):
    path = _paths(tmp_path)[which]
    assert_bad(
        cli(*[a.format(path) for a in args], *AS_OF if args[0] in ("estimate", "check", "compare") else ()),
        f"{path}: {message}",
    )


def test_count_glob_that_matches_nothing(cli, tmp_path):
    pattern = str(tmp_path / "nothing-*.txt")
    assert_bad(cli("count", "-m", "alpha-lite", pattern), f"{pattern}: no file matches this pattern")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_unreadable_file(cli, tmp_path):  # pragma: no cover - not run as root
    path = write(tmp_path, "w.csv", f"{HEADER}\n{GOOD_ROW}\n")
    os.chmod(path, 0)
    assert_bad(cli("estimate", "--workloads", path, *AS_OF), f"{path}: permission denied")


# -- count ---------------------------------------------------------------------------


def test_count_not_utf8_names_the_file_and_suggests_an_encoding(cli, tmp_path):
    path = write(tmp_path, "notes.txt", "hello 你好".encode("gbk"))
    assert_bad(
        cli("count", "-m", "alpha-lite", path),
        f"{path}: not valid utf-8 at byte 6 (pass --encoding gbk (or gb18030) if it is Chinese legacy text)",
    )
    r = cli("count", "-m", "alpha-lite", path, "--encoding", "gbk", "-f", "csv")
    assert (r.code, r.err) == (0, "")
    # 你 and 好 are a token each; "hello " is 6 other characters at 4 a token → 2: 4 tokens.
    assert r.out.splitlines()[1].startswith(f"{path},alpha-lite,alpha-estimate,4,false,")


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["count", "-m", "alpha-lite", "hi", "--encoding", "nope"],
            "unknown text encoding 'nope' (e.g. utf-8, gbk, gb18030, utf-16)",
        ),
        (["count", "-m", "alpha-lite"], "give text, files, folders or - (stdin) to count"),
        (["count", "hi"], "give --model NAME (repeatable), --provider NAME or --all"),
        (["count", "-m", "alpha-lite", "--all", "hi"], "give --model or --all, not both"),
        (["count", "-m", "alpha-lite", "hi", "-f", "xml"], "--format: 'xml' is not one of table, json, csv, markdown"),
    ],
    ids=["encoding", "nothing", "no-model", "model-and-all", "format"],
)
def test_count_bad_options(cli, args, message):
    assert_bad(cli(*args), message)


# -- standard input: empty, and closed -------------------------------------------------


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["estimate", "--workloads", "-", *AS_OF],
            "<stdin>: empty workload file: a header row and at least one row are needed",
        ),
        (
            ["check", "-", "--budget", "5", *AS_OF],
            "<stdin>: empty workload file: a header row and at least one row are needed",
        ),
        (
            ["compare", "--workloads", "-", *AS_OF],
            "<stdin>: empty workload file: a header row and at least one row are needed",
        ),
        (["count", "-m", "alpha-lite", "-"], "-: standard input is empty (pipe text in, or give files)"),
        (
            ["estimate", "-m", "alpha-lite", "--prompt-file", "-", "--requests-per-month", "1", "--output-tokens", "1"],
            "--prompt-file: standard input is empty",
        ),
    ],
    ids=["estimate", "check", "compare", "count", "prompt-file"],
)
@pytest.mark.parametrize("data", ["", None], ids=["empty-string", "no-input"])
def test_empty_stdin(cli, args, message, data):
    assert_bad(cli(*args, input=data), message)


def _llmcost(*args: str, **kwargs):
    env = {**os.environ, "LLMCOST_BOOK": str(BOOK)}
    for name in ("LLMCOST_PRICES", "LLMCOST_DEBUG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "llmcost", *args], env=env, capture_output=True, text=True, timeout=60, **kwargs
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["estimate", "--workloads", "-", *AS_OF], "no standard input to read"),
        (["check", "-", "--budget", "5", *AS_OF], "no standard input to read"),
        (["count", "-m", "alpha-lite", "-"], "-: no standard input to read (it is closed)"),
        (
            ["estimate", "-m", "alpha-lite", "--prompt-file", "-", "--requests-per-month", "1", "--output-tokens", "1"],
            "--prompt-file: no standard input to read (it is closed)",
        ),
    ],
    ids=["estimate", "check", "count", "prompt-file"],
)
def test_closed_stdin(args, message):
    # `llmcost ... <&-`: file descriptor 0 is closed, so sys.stdin is None (CliRunner cannot do this).
    r = _llmcost(*args, stdin=None, preexec_fn=lambda: os.close(0))
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"llmcost: error: {message}\n")


# -- output to a closed pipe ------------------------------------------------------------


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("pipe") / "big.csv"
    path.write_text("\n".join([HEADER] + [f"w{i},alpha-lite,1000,100,100" for i in range(20000)]) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_closed_pipe_exits_quietly(big_csv, fmt):
    # Megabytes of output into `head -1`: llmcost exits 0 (not 1, the budget code) and says nothing.
    script = (
        f'set -o pipefail; "{sys.executable}" -m llmcost estimate --workloads "{big_csv}" -f {fmt} '
        f"--as-of 2025-06-01 | head -1"
    )
    env = {**os.environ, "LLMCOST_BOOK": str(BOOK)}
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert r.stderr == ""
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) == 1


# -- limits (documented in the README) ---------------------------------------------------


def test_limits_of_numbers_are_inclusive(cli):
    # 10^12 requests a month and 10^9 tokens a request are allowed; one more is not.
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-month",
        "1e12",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "-f",
        "json",
        *AS_OF,
    )
    assert r.code == 0 and json.loads(r.out)["total"] == "900000.00"  # 10^12 × (0.0003 + 0.0006)/1K
    assert_bad(
        cli(
            "estimate",
            "-m",
            "alpha-lite",
            "--requests-per-month",
            "1000000000001",
            "--input-tokens",
            "1",
            "--output-tokens",
            "1",
            *AS_OF,
        ),
        f"--requests-per-month must be {REQ}, not 1,000,000,000,001",
    )
    assert_bad(
        cli(
            "estimate",
            "-m",
            "alpha-lite",
            "--requests-per-month",
            "1",
            "--input-tokens",
            "1000000001",
            "--output-tokens",
            "1",
            *AS_OF,
        ),
        f"--input-tokens must be {TOK}, not 1,000,000,001",
    )
    assert_bad(
        cli("check", str(CHECK_CSV), "--budget", "1000000000000001", *AS_OF),
        "--budget must be at most 1,000,000,000,000,000, not 1,000,000,000,000,001",
    )


def test_limit_budget_column(cli, tmp_path):
    path = write(
        tmp_path, "w.csv", "name,model,requests_per_month,input_tokens,output_tokens,budget\nb,alpha-lite,1,1,1,1e16\n"
    )
    assert_bad(
        cli("check", path, *AS_OF),
        f"{path}, line 2, column 'budget': budget must be at most 1,000,000,000,000,000, not 1E+16",
    )


def test_limit_csv_field(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n{'x' * 1_000_001},alpha-lite,1,1,1\n")
    assert_bad(
        cli("estimate", "--workloads", path, *AS_OF),
        f"{path}, line 2: a field is longer than the 1,000,000-character limit",
    )


def test_limit_yaml_prompt(cli, tmp_path):
    text = W.replace("    input_tokens: 1\n", f"    prompt: {'x' * 1_000_001}\n")
    path = write(tmp_path, "w.yaml", text)
    assert_bad(
        cli("estimate", "--workloads", path, *AS_OF),
        f"{path}, line 6, field workloads[0].prompt: prompt is longer than 1,000,000 characters",
    )


def _sparse(tmp_path, name: str, size: int) -> str:
    path = tmp_path / name
    with open(path, "wb") as f:
        f.truncate(size)  # a sparse file: the size is checked before anything is read
    return str(path)


def test_limit_yaml_workload_file(cli, tmp_path):
    path = write(tmp_path, "w.yaml", W + "#" * (5 * 1024 * 1024))
    assert_bad(cli("estimate", "--workloads", path, *AS_OF), f"{path}: YAML workload file is larger than 5 MiB")


def test_limit_price_file(cli, tmp_path):
    path = _sparse(tmp_path, "big.yaml", 5 * 1024 * 1024 + 1)
    assert_bad(cli("models", "--prices", path), f"{path}: file is 5242881 bytes, over the 5242880-byte limit")


def test_limit_prompt_file_and_stdin(cli, tmp_path):
    size = 10 * 1024 * 1024 + 1
    path = _sparse(tmp_path, "prompt.txt", size)
    args = ["estimate", "-m", "alpha-lite", "--requests-per-month", "1", "--output-tokens", "1", *AS_OF]
    assert_bad(cli(*args, "--prompt-file", path), f"{path}: file is {size} bytes, over the 10485760-byte limit")
    assert_bad(
        cli(*args, "--prompt-file", "-", input=b"x" * size),
        "--prompt-file: standard input is larger than the 10 MiB limit",
    )


def test_limit_baseline(cli, tmp_path):
    size = 64 * 1024 * 1024 + 1
    path = _sparse(tmp_path, "base.json", size)
    assert_bad(
        cli("check", str(CHECK_CSV), "--baseline", path, "--max-increase", "1%", *AS_OF),
        f"{path}: file is {size} bytes, over the 67108864-byte limit",
    )


def test_a_tokenizers_file_in_your_prices_folder_is_refused_not_ignored(cli, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "alpha.yaml").write_bytes((BOOK / "alpha.yaml").read_bytes())
    (folder / "tokenizers.yaml").write_bytes((BOOK / "tokenizers.yaml").read_bytes())
    r = cli("models", "--prices", str(folder))
    assert r.code == 2 and r.out == ""
    assert r.err.startswith(
        f"llmcost: error: {folder / 'tokenizers.yaml'}: a tokenizers.yaml in --prices is not "
        "read; your models must name a shipped tokenizer: "
    )
    assert r.err.count("\n") == 1


# -- devices, pipes and files without end ----------------------------------------------
# A file is a regular file, `-` (standard input) or a pipe the user names (process substitution,
# /dev/stdin); a device or a socket is refused before anything is read, and no reader reads more
# than its limit + 1 bytes, whatever the file claims.

DEVICE = "/dev/zero: is a character device, not a file (give a file, or - to read standard input)"
ESTIMATE_ONE = ["estimate", "-m", "alpha-lite", "--requests-per-month", "1", "--output-tokens", "1", *AS_OF]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize(
    "args",
    [
        [*ESTIMATE_ONE, "--prompt-file", "/dev/zero"],
        [*ESTIMATE_ONE, "--input-tokens", "1", "--output-sample", "/dev/zero"],
        ["compare", "--requests-per-month", "1", "--output-tokens", "1", "--prompt-file", "/dev/zero", *AS_OF],
        ["check", str(CHECK_CSV), "--baseline", "/dev/zero", "--max-increase", "1%", *AS_OF],
        ["models", "--prices", "/dev/zero"],
        ["prices", "validate", "/dev/zero"],
        ["prices", "diff", str(BOOK), "/dev/zero"],
        ["estimate", "--workloads", "/dev/zero", *AS_OF],
        ["compare", "--workloads", "/dev/zero", *AS_OF],
        ["check", "/dev/zero", *AS_OF],
        ["count", "-m", "alpha-lite", "/dev/zero"],
    ],
    ids=[
        "prompt-file",
        "output-sample",
        "compare-prompt-file",
        "baseline",
        "prices",
        "validate",
        "diff",
        "workloads",
        "compare-workloads",
        "check",
        "count",
    ],
)
def test_a_device_is_refused_before_it_is_read(args):
    # In a child process with 1 GiB of address space and a timeout: were /dev/zero read, the test
    # would fail with a MemoryError or the timeout instead of taking the machine's memory.
    r = _llmcost(*args, preexec_fn=_limit_memory)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"llmcost: error: {DEVICE}\n")


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_dangling_link_in_a_price_folder_is_refused_not_opened_or_skipped(cli, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "alpha.yaml").write_bytes((BOOK / "alpha.yaml").read_bytes())
    os.mkfifo(folder / "gamma.yaml")  # opening it would wait for a writer for ever
    assert_bad(cli("models", "--prices", str(folder)), f"{folder / 'gamma.yaml'}: is a named pipe (FIFO), not a file")
    os.unlink(folder / "gamma.yaml")
    (folder / "gamma.yaml").symlink_to(tmp_path / "gone.yaml")
    assert_bad(cli("prices", "validate", str(folder)), f"{folder / 'gamma.yaml'}: no such file")


def test_prompt_file_dev_stdin_stops_at_the_limit(tmp_path):
    # /dev/stdin fed by a pipe has no size to check first: reading stops at 10 MiB + 1 byte.
    r = _llmcost(*ESTIMATE_ONE, "--prompt-file", "/dev/stdin", input="x" * (10 * 1024 * 1024 + 1))
    assert (r.returncode, r.stdout, r.stderr) == (
        2,
        "",
        "llmcost: error: /dev/stdin: file is larger than the 10485760-byte limit\n",
    )


def test_a_pipe_the_user_names_is_read(tmp_path):
    # Process substitution (`--prompt-file <(…)`, `--prices <(…)`) names a pipe: it is read like a file.
    script = (
        f'"{sys.executable}" -m llmcost estimate -m alpha-lite --requests-per-month 1 --output-tokens 1 '
        f'--as-of 2025-06-01 -f json --prompt-file <(printf "你好你好") --prices <(cat "{BOOK / "alpha.yaml"}")'
    )
    env = {**os.environ, "LLMCOST_BOOK": str(BOOK)}
    r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (0, "")
    [line] = json.loads(r.stdout)["lines"]
    assert (line["input_tokens"], line["user_price"]) == (4, True)  # alpha's rule: a token per 汉字


def test_a_csv_line_without_end_is_not_read_whole(cli, tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n" + "x" * 4_000_001)
    assert_bad(
        cli("estimate", "--workloads", path, *AS_OF),
        f"{path}, line 2: a line is longer than the 4,000,000-character limit",
    )


def test_count_a_named_link_that_goes_nowhere(cli, tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert_bad(
        cli("count", "-m", "alpha-lite", str(tmp_path / "dangling")),
        f"{tmp_path / 'dangling'}: no such file or folder (a symbolic link to nothing)",
    )
    assert_bad(
        cli("count", "-m", "alpha-lite", str(tmp_path / "loop")),
        f"{tmp_path / 'loop'}: cannot read: Too many levels of symbolic links",
    )


# -- text encodings ------------------------------------------------------------------
# --encoding takes the encoding of a text file: codecs of bytes (base64, zlib) or of text to text
# (rot13), and text codecs that are not file encodings (idna, punycode), are refused; utf-16 and
# utf-32 without a byte order mark are refused rather than guessed.


def _encoding_runs(path: str) -> dict[str, list[str]]:
    return {
        "csv": ["estimate", "--workloads", path, "--input-format", "csv", *AS_OF],
        "yaml": ["estimate", "--workloads", path, "--input-format", "yaml", *AS_OF],
        "check": ["check", path, "--input-format", "csv", *AS_OF],
        "prompt-file": [*ESTIMATE_ONE, "--prompt-file", path],
        "count": ["count", "-m", "alpha-lite", path],
    }


@pytest.mark.parametrize(
    "encoding", ["base64", "zlib_codec", "hex", "rot13", "bz2", "uu", "idna", "punycode", "undefined", "unicode_escape"]
)
@pytest.mark.parametrize("run", ["csv", "yaml", "check", "prompt-file", "count"])
def test_a_codec_that_is_not_a_text_encoding(cli, tmp_path, encoding, run):
    path = write(tmp_path, "w.txt", f"{HEADER}\n{GOOD_ROW}\n")
    assert_bad(
        cli(*_encoding_runs(path)[run], "--encoding", encoding),
        f"{encoding!r} is not a text encoding (e.g. utf-8, gbk, gb18030, utf-16)",
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
@pytest.mark.parametrize("run", ["csv", "yaml", "check", "prompt-file", "count"])
def test_utf16_without_a_byte_order_mark(cli, tmp_path, encoding, run):
    path = write(tmp_path, "w.txt", f"{HEADER}\n{GOOD_ROW}\n".encode(f"{encoding}-le"))
    where = f"{path}, line 1" if run in ("csv", "check") else path
    assert_bad(
        cli(*_encoding_runs(path)[run], "--encoding", encoding),
        f"{where}: not valid {encoding} text: no byte order mark at the start "
        f"(pass --encoding {encoding}-le or {encoding}-be)",
    )


def test_utf16_with_a_byte_order_mark_or_a_byte_order_is_priced(cli, tmp_path):
    for name, data in (
        ("bom.csv", f"{HEADER}\n{GOOD_ROW}\n".encode("utf-16")),
        ("le.csv", f"{HEADER}\n{GOOD_ROW}\n".encode("utf-16-le")),
    ):
        path = write(tmp_path, name, data)
        encoding = "utf-16" if name == "bom.csv" else "utf-16-le"
        r = cli("estimate", "--workloads", path, "--encoding", encoding, "-f", "json", *AS_OF)
        assert (r.code, r.err) == (0, "")
        assert json.loads(r.out)["total"] == "60.00"


# -- standard output that cannot take the output -----------------------------------------


def _shell(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "LLMCOST_BOOK": str(BOOK), **env}
    for name in ("LLMCOST_PRICES", "LLMCOST_DEBUG"):
        full.pop(name, None)
    return subprocess.run(
        ["bash", "-c", f'llmcost() {{ "{sys.executable}" -m llmcost "$@"; }}\n{script}'],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize(
    "args,message",
    [
        ([*ESTIMATE_ONE, "--input-tokens", "1"], "cannot write to standard output: No space left on device"),
        (
            ["estimate", "--workloads", str(CHECK_CSV), "-f", "csv", *AS_OF],
            "cannot write to standard output: No space left on device",
        ),
        (["--version"], "cannot write: No space left on device"),
    ],
    ids=["estimate", "stream", "version"],
)
def test_a_full_disk(args, message):
    r = _shell(f"llmcost {' '.join(args)} > /dev/full")
    assert (r.returncode, r.stderr) == (2, f"llmcost: error: {message}\n")


def test_a_closed_stdout_runs_and_exits_with_the_verdict():
    # `>&-`: nobody reads the output; the command still runs and its exit code is the verdict.
    r = _shell(f"llmcost {' '.join(ESTIMATE_ONE)} --input-tokens 1 >&-")
    assert (r.returncode, r.stderr) == (0, "")
    r = _shell(f"llmcost check {CHECK_CSV} --budget 1 --as-of 2025-06-01 >&-")
    assert r.returncode == 1
    assert r.stderr.startswith("llmcost: check failed: ") and "Traceback" not in r.stderr


def test_an_output_encoding_that_cannot_show_the_text(tmp_path):
    path = write(tmp_path, "w.csv", f"{HEADER}\n客服,alpha-lite,100000,1000,500\n")
    r = _shell(f"llmcost estimate --workloads {path} -f csv --as-of 2025-06-01", PYTHONIOENCODING="ascii")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (
        "llmcost: error: standard output's encoding (ascii) cannot show '客' (set "
        "PYTHONIOENCODING=utf-8, or use a UTF-8 locale such as LC_ALL=C.UTF-8)\n"
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["count", "-m", "alpha-lite", "caf\udce9"], "<text>: the text is not valid UTF-8"),
        ([*ESTIMATE_ONE, "--prompt", "caf\udce9"], "--prompt: the text is not valid UTF-8"),
        (
            [*ESTIMATE_ONE, "--input-tokens", "1", "--output-sample", "caf\udce9"],
            "--output-sample: the text is not valid UTF-8",
        ),
    ],
    ids=["count", "prompt", "output-sample"],
)
def test_text_arguments_that_are_not_utf8(cli, args, message):
    # A terminal in Latin-1 passes 'café' as b'caf\xe9'; Python keeps the byte as a lone surrogate.
    assert_bad(cli(*args), f"{message} (is the terminal's encoding UTF-8? or put it in a file and pass --encoding)")


# -- LiteLLM cost maps: llmcost prices import litellm FILE.json ----------------------------------------

LITELLM_CASES = {
    "not-json": (b"{nope", "not JSON (Expecting property name enclosed in double quotes, line 1 column 2)"),
    "array": (b"[1, 2]", "not a LiteLLM cost map (the top level is a JSON array, not an object of models)"),
    "entry-string": (b'{"m": "x"}', "entry 'm' is a JSON string, not an object"),
    "price-string": (
        b'{"m": {"input_cost_per_token": "1e-6", "output_cost_per_token": 1}}',
        "entry 'm': input_cost_per_token is a JSON string, not a number",
    ),
    "price-bool": (
        b'{"m": {"input_cost_per_token": true}}',
        "entry 'm': input_cost_per_token is a JSON true/false/null, not a number",
    ),
    "negative": (b'{"m": {"input_cost_per_token": -1e-6}}', "entry 'm': input_cost_per_token is negative (-0.000001)"),
    "nan": (b'{"m": {"input_cost_per_token": NaN}}', "not a LiteLLM cost map (NaN is not a number JSON allows)"),
    "infinity": (
        b'{"m": {"output_cost_per_token": -Infinity}}',
        "not a LiteLLM cost map (-Infinity is not a number JSON allows)",
    ),
    "huge": (
        b'{"m": {"input_cost_per_token": 1e300}}',
        "entry 'm': input_cost_per_token is too large to be a price per token (1E+300)",
    ),
    "huge-exponent": (
        b'{"m": {"input_cost_per_token": 1e999999999}}',
        "entry 'm': input_cost_per_token is too large to be a price per token (1E+999999999)",
    ),
    "escape-in-name": (
        b'{"\\u001b[31mred": {}}',
        "entry '\\x1b[31mred': not a model name (letters, digits and ._:/@+=~- only, at most 200)",
    ),
    "markup-in-name": (
        b'{"[bold]x[/bold]": {}}',
        "entry '[bold]x[/bold]': not a model name (letters, digits and ._:/@+=~- only, at most 200)",
    ),
    "duplicate": (b'{"m": {}, "m": {}}', "not a LiteLLM cost map (the name 'm' appears twice in one object)"),
    "window-float": (
        b'{"m": {"input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6, "max_input_tokens": 1.5}}',
        "entry 'm': max_input_tokens is not a whole number of tokens",
    ),
    "provider-markup": (b'{"m": {"litellm_provider": "<b>"}}', "entry 'm': litellm_provider is not a provider name"),
    "not-utf8": (b'{"m\xff": {}}', "not UTF-8 text (byte 3)"),
    "deep": (b"[" * 100000 + b"]" * 100000, "not a LiteLLM cost map (JSON nested too deeply)"),
}


@pytest.mark.parametrize("case", sorted(LITELLM_CASES))
def test_bad_litellm_file(cli, tmp_path, case):
    """``prices import litellm``: a file that is not a LiteLLM cost map is one line, and nothing is written."""
    data, message = LITELLM_CASES[case]
    path = write(tmp_path, "map.json", data)
    out = tmp_path / "out.yaml"
    assert_bad(cli("prices", "import", "litellm", path, "-o", str(out)), f"{path}: {message}")
    assert not out.exists()


def test_a_1_gb_litellm_file_is_refused_before_it_is_read(cli, tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.truncate(1024**3)  # sparse: no gigabyte is written
    r = cli("prices", "import", "litellm", str(path), "-o", str(tmp_path / "out.yaml"))
    assert_bad(r, f"{path}: file is 1073741824 bytes, over the 67108864-byte limit")
