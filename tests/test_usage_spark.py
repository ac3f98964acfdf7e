"""llmcost usage --emit-sql --dialect spark, run on a local Spark session (issue 15, item 6).

A generated log (mainland models of tests/data/usage_book: time of day and holidays, tiers, graduated
slices, cache reads and writes, thinking, batch, a price-change day) is priced by the streaming
engine and by the emitted Spark SQL in a local Spark; every line's parts and the total agree to the
fen.  pyspark is large and starting Spark takes about a minute here: it is the ``spark`` extra, and
this test is skipped without it."""

from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import DATA, run

pytest.importorskip("pyspark", reason='the Spark SQL test needs pyspark: pip install "llmcost[spark]"')
if shutil.which("java") is None:
    pytest.skip("the Spark SQL test needs Java (17 or newer)", allow_module_level=True)

HEADER = (
    "timestamp,model,input_tokens,output_tokens,cached_tokens,cache_write_tokens,reasoning_tokens,batch,region,project"
)
BEIJING = timezone(timedelta(hours=8))


def generated_log(n: int = 400, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    start = datetime(2026, 8, 25, tzinfo=BEIJING)  # across ml-tod's price change of 2026-09-01 and 10-01/02
    rows = []
    for _ in range(n):
        moment = start + timedelta(minutes=rng.randrange(0, 50 * 24 * 60))
        model = rng.choice(["ml-tod", "ml-chat", "ml-tiers", "ml-grad", "ml-think"])
        input_ = rng.choice([999, 1000, 1001, 5000, 5001, 31999, 32000, 128000, 128001, rng.randrange(0, 200_000)])
        output = rng.choice([200, 201, rng.randrange(0, 5000)])
        cached = rng.choice([0, rng.randrange(0, input_ + 1)])
        write = rng.choice([0, rng.randrange(0, input_ - cached + 1)])
        reasoning = rng.choice([0, rng.randrange(0, output + 1)])
        batch = rng.choice(["", "true", "false"])
        stamp = moment.isoformat() if rng.random() < 0.5 else moment.astimezone(timezone.utc).isoformat()
        rows.append(f"{stamp},{model},{input_},{output},{cached},{write},{reasoning},{batch},,")
    return rows


def fen(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01"), ROUND_HALF_UP))


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("llmcost-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_sql_gives_the_streaming_totals(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "usage_book"))
    path = tmp_path / "usage.csv"
    path.write_text("\n".join([HEADER, *generated_log()]) + "\n", encoding="utf-8")
    stream = run("usage", str(path), "--as-of", "2026-12-01", "-f", "json")
    assert stream.code == 0, stream.err
    report = json.loads(stream.out)
    sql = run("usage", "--emit-sql", "--dialect", "spark", "--usage-table", "usage_log")
    assert sql.code == 0, sql.err
    spark.read.csv(str(path), header=True).createOrReplaceTempView("usage_log")
    rows = [r.asDict() for r in spark.sql(sql.out.rstrip().rstrip(";")).collect()]
    assert [r for r in rows if r["status"] != "priced"] == []
    lines: dict[tuple[str, str], dict[str, Decimal]] = {}
    for r in rows:
        assert r["currency"] == "CNY"
        line = lines.setdefault(
            (r["grp_month"], r["grp_model"]), dict.fromkeys(("in", "cached", "write", "out", "n"), Decimal(0))
        )
        line["in"] += r["input_cost"]
        line["cached"] += r["cached_input_cost"]
        line["write"] += r["cache_write_cost"]
        line["out"] += r["output_cost"]
        line["n"] += r["records"]
    got = {
        key: (
            int(v["n"]),
            fen(v["in"]),
            fen(v["cached"]),
            fen(v["write"]),
            fen(v["out"]),
            fen(v["in"] + v["cached"] + v["write"] + v["out"]),
        )
        for key, v in lines.items()
    }
    want = {
        (line["month"], line["model"]): (
            line["records"],
            line["input_cost"],
            line["cached_input_cost"],
            line["cache_write_cost"],
            line["output_cost"],
            line["total"],
        )
        for line in report["lines"]
    }
    assert got == want
    total = sum((v["in"] + v["cached"] + v["write"] + v["out"] for v in lines.values()), Decimal(0))
    assert fen(total) == report["total"] != "0.00"
