"""Bad usage files and flags for ``llmcost usage``: exit 2, exactly one line on stderr naming the file,
line and field, nothing on stdout, no traceback (the rules of tests/test_bad_input.py)."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import DATA

HEADER = "timestamp,model,input_tokens,output_tokens,cached_tokens,reasoning_tokens,batch,region"
ROW = "2026-10-08T20:00:00+08:00,ml-tod,100,50,0,0,false,cn"


@pytest.fixture(autouse=True)
def _usage_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))


def assert_bad(r, message: str) -> None:
    assert "Traceback" not in r.err
    assert r.err == f"llmcost: error: {message}\n", r.err
    assert r.code == 2
    assert r.out == ""


def write(tmp_path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


TS = "(write ISO 8601 with a zone, e.g. 2026-10-01T09:30:00+08:00, or Unix seconds)"
CONVENTION_IN = "(input_tokens counts every input token, cached ones included (OpenAI's convention))"
CONVENTION_OUT = "(output_tokens counts every output token, reasoning ones included (OpenAI's convention))"

CSV_CASES = {
    "empty": ("", "{p}: empty usage file: no records"),
    "blank": ("\n\n  \n", "{p}: empty usage file: no records"),
    "header only": (HEADER + "\n", "{p}, line 1: no records after the header"),
    "missing column": (
        "timestamp,model,input_tokens\n" + ROW + "\n",
        "{p}, line 1: missing required column 'output_tokens' (the first line must be a header: "
        "timestamp, model, input_tokens, output_tokens, …)",
    ),
    "duplicate column": (
        "timestamp,model,input_tokens,output_tokens,prompt_tokens\n",
        "{p}, line 1: duplicate column 'input_tokens' (also column 3)",
    ),
    "misspelt column": (
        "timestamp,model,input_tokens,output_tokens,cache_tokens\n",
        "{p}, line 1: unknown column 'cache_tokens' (the columns are timestamp, model, input_tokens, "
        "output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, batch, region, project)",
    ),
    "short row": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,1\n",
        "{p}, line 2: short row: 3 fields where the header has 8",
    ),
    "long row": (HEADER + "\n" + ROW + ",x\n", "{p}, line 2: long row: 9 fields where the header has 8"),
    "negative": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,-5,1,0,0,,\n",
        "{p}, line 2, column 'input_tokens': -5 is negative: not a token count",
    ),
    "fraction": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,1,12.5,0,0,,\n",
        "{p}, line 2, column 'output_tokens': '12.5' is not a whole number of tokens",
    ),
    "word": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,lots,1,0,0,,\n",
        "{p}, line 2, column 'input_tokens': 'lots' is not a token count",
    ),
    "nan": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,NaN,1,0,0,,\n",
        "{p}, line 2, column 'input_tokens': 'NaN' is not a whole number of tokens",
    ),
    "huge": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,1e40,1,0,0,,\n",
        "{p}, line 2, column 'input_tokens': '1e40' tokens is more than the 1,000,000,000,000 a record may carry",
    ),
    "empty count": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,,1,0,0,,\n",
        "{p}, line 2, column 'input_tokens': no token count (an empty cell)",
    ),
    "cached over input": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,10,1,11,0,,\n",
        "{p}, line 2, column 'cached_tokens': cached tokens (11) exceed input tokens (10) " + CONVENTION_IN,
    ),
    "reasoning over output": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,10,1,0,2,,\n",
        "{p}, line 2, column 'reasoning_tokens': reasoning tokens (2) exceed output tokens (1) " + CONVENTION_OUT,
    ),
    "no model": (
        HEADER + "\n2026-10-08T20:00:00Z, ,10,1,0,0,,\n",
        "{p}, line 2, column 'model': no model (each record names its model)",
    ),
    "no timestamp": (HEADER + "\n,ml-tod,10,1,0,0,,\n", "{p}, line 2, column 'timestamp': no timestamp " + TS),
    "word timestamp": (
        HEADER + "\nyesterday,ml-tod,10,1,0,0,,\n",
        "{p}, line 2, column 'timestamp': 'yesterday' is not a timestamp " + TS,
    ),
    "bad month": (
        HEADER + "\n2026-13-01T00:00:00Z,ml-tod,10,1,0,0,,\n",
        "{p}, line 2, column 'timestamp': '2026-13-01T00:00:00Z' is not a date " + TS,
    ),
    "bad hour": (
        HEADER + "\n2026-10-01T25:00:00Z,ml-tod,10,1,0,0,,\n",
        "{p}, line 2, column 'timestamp': '2026-10-01T25:00:00Z' is not a time of day " + TS,
    ),
    "bad offset": (
        HEADER + "\n2026-10-01T05:00:00+15:00,ml-tod,10,1,0,0,,\n",
        "{p}, line 2, column 'timestamp': '2026-10-01T05:00:00+15:00': the UTC offset is out of range " + TS,
    ),
    "milliseconds": (
        HEADER + "\n1791450000000,ml-tod,10,1,0,0,,\n",
        "{p}, line 2, column 'timestamp': 1791450000000 is not a Unix time in seconds (milliseconds?) "
        "(divide by 1000: Unix seconds)",
    ),
    "before 1970": (
        HEADER + "\n1969-12-31T23:00:00Z,ml-tod,10,1,0,0,,\n",
        "{p}, line 2, column 'timestamp': '1969-12-31T23:00:00Z' is before 1970 " + TS,
    ),
    "batch word": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,10,1,0,0,maybe,\n",
        "{p}, line 2, column 'batch': 'maybe' is not true or false",
    ),
    "region": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tod,10,1,0,0,,mars\n",
        "{p}, line 2, column 'region': 'mars' is not a region (cn or intl)",
    ),
    "no intl list": (
        HEADER + "\n2026-10-08T20:00:00Z,ml-tiers,10,1,0,0,,intl\n",
        "{p}, line 2: ml-tiers has no international price list (mainland sells it in mainland China "
        "only; use --region cn)",
    ),
    "retired": (
        HEADER + "\n2026-07-01T00:00:00Z,ml-old,10,1,0,0,,\n",
        "{p}, line 2: ml-old was retired on 2026-06-01, before 2026-07-01",
    ),
    "unclosed quote": (
        HEADER + '\n2026-10-08T20:00:00Z,"ml-tod,10,1,0,0,,\n',
        "{p}, line 2: malformed CSV: a quote opened in this row is never closed",
    ),
    "gbk": (HEADER + ",project\n" + ROW + ",搜索\n", None),
    "nul": (
        HEADER + "\n" + ROW.replace("ml-tod", "ml\x00tod") + "\n",
        "{p}, line 2: binary data (NUL byte) in a text file",
    ),
}


@pytest.mark.parametrize("case", CSV_CASES)
def test_bad_csv(cli, tmp_path, case):
    data, message = CSV_CASES[case]
    if case == "gbk":
        path = write(tmp_path, "usage.csv", data.encode("gbk"))
        message = (
            "{p}, line 2: not valid UTF-8 text at byte 53 of the line (it looks like GBK; convert it to "
            "UTF-8 (iconv -f gbk -t utf-8))"
        )
    else:
        path = write(tmp_path, "usage.csv", data)
    assert_bad(cli("usage", path), message.format(p=path))


def obj_line(**changes) -> str:
    base = {"created": 1791450000, "model": "ml-tod", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
    base.update(changes)
    return json.dumps(base)


JSONL_CASES = {
    "not json": (
        "{nope\n",
        "{p}, line 1: not valid JSON: Expecting property name enclosed in double quotes (column 2)",
    ),
    "array": (
        "{}\n[1]\n",
        "{p}, line 1, field usage: usage has neither prompt_tokens/completion_tokens nor "
        "input_tokens/output_tokens (a Chat Completions, Responses API, DeepSeek or Anthropic "
        "usage object)",
    ),
    "list line": (
        '{"model": "ml-tod", "created": 1791450000, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}\n[1]\n',
        "{p}, line 2: a record is list, not a JSON object",
    ),
    "usage string": (obj_line(usage="lots") + "\n", "{p}, line 1, field usage: usage is 'lots', not an object"),
    "no completion": (
        obj_line(usage={"prompt_tokens": 1}) + "\n",
        "{p}, line 1, field usage.completion_tokens: usage has no completion_tokens",
    ),
    "bool tokens": (
        obj_line(usage={"prompt_tokens": True, "completion_tokens": 1}) + "\n",
        "{p}, line 1, field usage.prompt_tokens: True is not a token count",
    ),
    "float tokens": (
        obj_line(usage={"prompt_tokens": 1.5, "completion_tokens": 1}) + "\n",
        "{p}, line 1, field usage.prompt_tokens: 1.5 is not a whole number of tokens",
    ),
    "string tokens": (
        obj_line(usage={"prompt_tokens": [], "completion_tokens": 1}) + "\n",
        "{p}, line 1, field usage.prompt_tokens: [] is not a token count",
    ),
    "no model": (
        json.dumps({"created": 1, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}) + "\n",
        "{p}, line 1, field model: no model (each record names its model)",
    ),
    "no time": (
        json.dumps({"model": "ml-tod", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}) + "\n",
        "{p}, line 1, field timestamp: no timestamp (timestamp, created or created_at)",
    ),
    "time object": (
        obj_line(created={"a": 1}) + "\n",
        "{p}, line 1, field timestamp: {{'a': 1}} is not a timestamp " + TS,
    ),
    "failed batch": (
        json.dumps({"custom_id": "x", "response": {"status_code": 500, "body": {}}}) + "\n",
        "{p}, line 1: a failed batch request (status 500)",
    ),
    "deepseek mismatch": (
        obj_line(usage={"prompt_tokens": 5, "completion_tokens": 1, "prompt_cache_hit_tokens": 9}) + "\n",
        "{p}, line 1, field cached_tokens: cached tokens (9) exceed input tokens (5) " + CONVENTION_IN,
    ),
    "deep": ("[" * 100000 + "\n", "{p}, line 1: not valid JSON: nested too deeply"),
    "unknown model": (obj_line(model="gpt-99") + "\n", "{p}, line 1: unknown model 'gpt-99' (see 'llmcost models')"),
}


@pytest.mark.parametrize("case", JSONL_CASES)
def test_bad_jsonl(cli, tmp_path, case):
    data, message = JSONL_CASES[case]
    path = write(tmp_path, "log.jsonl", data)
    r = cli("usage", path, "--input-format", "jsonl")
    assert_bad(r, message.format(p=path))


def test_truncated_gzip(cli, tmp_path):
    data = gzip.compress(("\n".join([HEADER] + [ROW] * 2000) + "\n").encode())
    path = write(tmp_path, "usage.csv.gz", data[: len(data) // 2])
    r = cli("usage", path)
    assert r.code == 2 and r.out == "" and "Traceback" not in r.err
    assert r.err.startswith(f"llmcost: error: {path}: cannot read")
    assert r.err.endswith("the gzip data ends early (a truncated file?)\n")


def test_corrupt_gzip(cli, tmp_path):
    path = write(tmp_path, "usage.csv.gz", b"\x1f\x8b\x08\x00garbage-not-deflate-data")
    r = cli("usage", path)
    assert r.code == 2 and r.out == "" and "Traceback" not in r.err
    assert r.err.startswith(f"llmcost: error: {path}: ")


def test_parquet_needs_duckdb(cli, tmp_path):
    path = write(tmp_path, "usage.parquet", b"PAR1" + b"\0" * 20)
    assert_bad(cli("usage", path), f"{path}: is a Parquet file: read it with --engine duckdb")


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "give a usage FILE (or - for stdin) (see 'llmcost usage --help')"),
        (["-", "-"], "standard input (-) can be read once"),
        (["{p}", "--group-by", "week"], "--group-by: 'week' is not one of month, day, model, provider, project"),
        (
            ["{p}", "--timezone", "Mars/Olympus"],
            "--timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as Asia/Shanghai, or +08:00)",
        ),
        (["{p}", "--timezone", "+15:00"], "--timezone: '+15:00' is not a UTC offset (at most ±14:00)"),
        (
            ["{p}", "--timezone", "../../etc/passwd"],
            "--timezone: unknown time zone '../../etc/passwd' (use an IANA name such as Asia/Shanghai, or +08:00)",
        ),
        (["{p}", "--input-format", "xml"], "--input-format: 'xml' is not csv or jsonl"),
        (["{p}", "--what-if", "nobody"], "unknown model 'nobody' (see 'llmcost models')"),
        (["{p}", "--sample", "hello"], "--sample measures tokenizers for --what-if: give --what-if MODEL too"),
        (["{p}", "--region", "mars"], "--region: 'mars' is not cn or intl"),
        (["{p}", "-f", "yaml"], "--format: 'yaml' is not one of table, json, csv, markdown"),
        (["{d}"], "{d}: is a folder, not a usage file"),
        (["{d}/missing.csv"], "{d}/missing.csv: no such file"),
    ],
)
def test_bad_flags(cli, tmp_path, args, message):
    path = write(tmp_path, "usage.csv", HEADER + "\n" + ROW + "\n")
    args = [a.format(p=path, d=tmp_path) for a in args]
    assert_bad(cli("usage", *args), message.format(p=path, d=tmp_path))


def test_odd_but_valid(cli, tmp_path):
    """A BOM, CRLF line ends, blank lines, quoted cells, trailing commas, upper-case columns and aliases."""
    data = (
        "\ufeffTimestamp,Model,Prompt_Tokens,Completion_Tokens,Request_Id\r\n\r\n"
        '"2026-10-08T20:00:00+08:00","ml-tod","1,000,000",0,"a,b"\r\n'
        "1791460800,ml-chat,1000000,0,x,\r\n"
    )
    path = write(tmp_path, "usage.csv", data)
    r = cli("usage", path, "-f", "json", "--as-of", "2026-12-01")
    assert r.code == 0, r.err
    assert json.loads(r.out)["total"] == "4.00"
