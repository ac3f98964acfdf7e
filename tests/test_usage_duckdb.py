"""llmcost usage --engine duckdb (issue 15, item 6): the same report as the streaming engine.

Every test of tests/test_usage.py and tests/test_bad_input_usage.py runs again here with
``--engine duckdb`` added to its ``usage`` command (same exact output, same errors), and the tests
below cover what only the DuckDB engine does: Parquet, its fallback, and its absence."""

from __future__ import annotations

import inspect
import json
import sys

import pytest
import test_bad_input_usage
import test_usage
from conftest import run
from test_usage import HEADER, RATE, USAGE_BOOK, csv_file, write

duckdb = pytest.importorskip("duckdb", reason='the DuckDB engine needs duckdb: pip install "llmcost[duckdb]"')

#: Tests of the streaming engine that are about it alone.
STREAMING_ONLY = {"test_parquet_needs_duckdb"}


@pytest.fixture(autouse=True)
def _usage_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(USAGE_BOOK))


def on_duckdb(*args: str, **kwargs):
    """The CLI, with --engine duckdb on every usage command."""
    args_ = list(args)
    if args_[:1] == ["usage"]:
        args_.insert(1, "--engine=duckdb")
    return run(*args_, **kwargs)


def _cases():
    for module in (test_usage, test_bad_input_usage):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_") or name in STREAMING_ONLY:
                continue
            marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
            if not marks:
                yield pytest.param(fn, {}, id=f"{module.__name__}.{name}")
                continue
            names = [n.strip() for n in marks[0].args[0].split(",")]
            for i, values in enumerate(marks[0].args[1]):
                values = values.values if type(values).__name__ == "ParameterSet" else values
                given = dict(zip(names, values if len(names) > 1 else (values,)))
                yield pytest.param(fn, given, id=f"{module.__name__}.{name}[{i}]")


@pytest.mark.parametrize(("test", "given"), list(_cases()))
def test_streaming_engine_tests_pass_on_duckdb(test, given, tmp_path, monkeypatch):
    fixtures = {"cli": on_duckdb, "tmp_path": tmp_path, "monkeypatch": monkeypatch, **given}
    missing = [p for p in inspect.signature(test).parameters if p not in fixtures]
    assert not missing, f"{test.__name__} needs fixtures this runner does not give: {missing}"
    test(**{p: fixtures[p] for p in inspect.signature(test).parameters})


def both(cli, *args: str) -> tuple[dict, dict]:
    s = cli("usage", *args, *RATE, "-f", "json")
    d = cli("usage", "--engine", "duckdb", *args, *RATE, "-f", "json")
    assert (s.code, d.code) == (0, 0), (s.err, d.err)
    assert d.err == ""  # no fallback
    return json.loads(s.out), json.loads(d.out)


ROWS = (
    "2026-10-01T10:00:00+08:00,ml-tod,1000000,1000000,0,0,0,false,,a",
    "2026-10-08T10:00:00+08:00,ml-chat,1000000,1000000,500000,0,0,false,,a",
    "2026-10-08T20:00:00+08:00,ml-tod,1000000,1000000,0,0,0,false,intl,b",
    "2026-10-10T10:00:00+08:00,ml-tiers,31999,200,100,0,0,true,,b",
    "2026-10-10T10:00:00+08:00,ml-tiers,32000,201,100,0,5,false,,b",
    "2026-10-10T10:00:00+08:00,ml-grad,6000,201,1500,200,5,false,,b",
    "2026-10-10T10:00:00+08:00,ml-grad,600,201,100,200,5,true,,b",
    "2026-05-31T23:59:59Z,w-cache,600,201,100,200,5,true,,b",
    "2026-06-01T00:00:00Z,World-Cache-Latest,600,201,100,200,5,false,,b",
    "1790820000,ml-think,600,201,0,200,5,true,,c",
)


def test_parquet_gives_the_csv_report(cli, tmp_path):
    path = csv_file(tmp_path, *ROWS)
    parquet = str(tmp_path / "usage.parquet")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (CAST(input_tokens AS BIGINT) AS input_tokens, CAST(batch AS BOOLEAN) AS batch) "
        f"FROM read_csv('{path}', all_varchar = true)) TO '{parquet}' (FORMAT parquet)"
    )
    s = json.loads(cli("usage", path, *RATE, "-f", "json", "-g", "project", "--what-if", "w-mini").out)
    r = cli("usage", parquet, "--engine", "duckdb", *RATE, "-f", "json", "-g", "project", "--what-if", "w-mini")
    assert (r.code, r.err) == (0, "")
    d = json.loads(r.out)
    assert d["files"] == [parquet]
    d["files"] = s["files"]
    assert d == s
    assert s["total"] == "46.61"  # 10 + 18.5 + 2.5 USD × 7.2 + 0.11


def test_parquet_with_bad_values_is_one_line(cli, tmp_path):
    parquet = str(tmp_path / "bad.parquet")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT '2026-10-01T10:00:00' AS timestamp, 'ml-tod' AS model, 5 AS input_tokens, 1 AS output_tokens) "
        f"TO '{parquet}' (FORMAT parquet)"
    )
    r = cli("usage", parquet, "--engine", "duckdb")
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith(f"llmcost: error: {parquet}: 1 record with a value llmcost cannot read (")
    assert r.err.count("\n") == 1


def test_same_report_on_every_feature(cli, tmp_path):
    path = csv_file(tmp_path, *ROWS)
    for args in (
        (),
        ("-g", "day", "-g", "provider", "-g", "project"),
        ("--what-if", "w-mini", "--what-if", "ml-old", "--currency", "USD"),
        ("--region", "intl", "--skip-unknown", "-g", "month"),
    ):
        s, d = both(cli, path, *args)
        assert d == s, args
    assert s["total"] != "0.00"


def test_jsonl_gzip_and_stdin(cli, tmp_path):
    import gzip

    lines = [
        {
            "model": "ml-tod",
            "created": 1790820000,
            "usage": {"prompt_tokens": 1000, "completion_tokens": 50, "prompt_tokens_details": {"cached_tokens": 100}},
        },
        {
            "model": "w-cache",
            "timestamp": "2026-07-01T00:00:00Z",
            "usage": {
                "input_tokens": 1000,
                "output_tokens": 50,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 20,
            },
        },
    ]
    path = write(tmp_path, "log.jsonl.gz", gzip.compress("".join(json.dumps(x) + "\n" for x in lines).encode()))
    s, d = both(cli, path)
    assert d == s
    text = "\n".join([HEADER, *ROWS]) + "\n"
    s = cli("usage", "-", *RATE, "-f", "json", input=text)
    d = cli("usage", "-", "--engine", "duckdb", *RATE, "-f", "json", input=text)
    assert (d.code, d.err, d.out) == (0, "", s.out)


def test_a_value_duckdb_does_not_read_falls_back_to_streaming(cli, tmp_path):
    path = csv_file(tmp_path, '2026-10-08T20:00:00+08:00,ml-tod,"1,000,000",0,0,0,0,,,')
    s = cli("usage", path, *RATE, "-f", "json")
    d = cli("usage", path, "--engine", "duckdb", *RATE, "-f", "json")
    assert (d.code, d.out) == (0, s.out)
    assert d.err == (
        "llmcost: note: some records are not read by DuckDB as llmcost reads them: "
        "priced with the streaming engine instead\n"
    )
    assert json.loads(d.out)["total"] == "2.00"


def test_without_duckdb_installed(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    r = cli("usage", csv_file(tmp_path, *ROWS), "--engine", "duckdb")
    assert (r.code, r.out) == (2, "")
    assert r.err == 'llmcost: error: --engine duckdb needs the duckdb package: pip install "llmcost[duckdb]"\n'


def test_unknown_engine(cli, tmp_path):
    r = cli("usage", csv_file(tmp_path, *ROWS), "--engine", "spark")
    assert (r.code, r.out, r.err) == (2, "", "llmcost: error: --engine: 'spark' is not stream or duckdb\n")


def test_emit_sql_duckdb_gives_the_streaming_totals(cli, tmp_path):
    iso = [row for row in ROWS if not row.startswith("1790820000")]  # the SQL reads ISO 8601 timestamps
    path = csv_file(tmp_path, *iso, "2026-10-10T10:00:00+08:00,no-such-model,5,5,0,0,0,,,")
    r = cli("usage", "--emit-sql", "--usage-table", f"read_csv('{path}', all_varchar = true)")
    assert (r.code, r.err) == (0, "")
    got = duckdb.connect().execute(r.out).fetchall()
    assert [row[:9] + row[9:11] for row in got if row[0] == "not priced"] == [
        ("not priced", None, None, None, None, None, None, "no-such-model", "cn", 1, 5)
    ]
    s = json.loads(cli("usage", path, *RATE, "-f", "json", "--skip-unknown").out)
    totals = {}
    for row in got:
        if row[0] == "priced":
            key = (row[1], row[2])
            amount = sum(row[-4:])
            totals[key] = totals.get(key, 0) + (amount * 72 / 10 if row[5] == "USD" else amount)  # USD/CNY 7.2
    assert {k: str(round(v + 0, 2)) for k, v in totals.items()} == {
        (line["month"], line["model"]): line["total"] for line in s["lines"]
    }


def test_emit_sql_takes_no_files(cli, tmp_path):
    r = cli("usage", csv_file(tmp_path, *ROWS), "--emit-sql")
    assert (r.code, r.out) == (2, "")
    assert r.err == "llmcost: error: --emit-sql prints SQL for a warehouse table: it takes no FILE and no --what-if\n"
    r = cli("usage", "--emit-sql", "--dialect", "oracle")
    assert r.err == "llmcost: error: --dialect: 'oracle' is not one of duckdb, spark\n"
