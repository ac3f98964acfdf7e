"""Benchmark for `llmcost usage` (a script, not a test): `python bench/bench_usage.py [--rows N]`.

Generates a usage CSV of N records (default 10,000,000; into a temporary folder, deleted after) on
models of the shipped book (time-of-day, tiered and flat prices, cache, thinking, batch, both
regions, a month and a half of timestamps) and times, each in its own child process, one at a time:

1. a plain `csv.reader` pass over the file (counting rows, adding one column): the floor for Python;
2. the streaming engine (`usage.price_files` + the report): goal within 3x of (1), peak RSS < 100 MB;
3. DuckDB's own scan of the file (`SELECT count(*), sum(...) FROM read_csv(...)`): the floor for DuckDB;
4. the DuckDB engine (`--engine duckdb`): goal within 2x of (3).

Peak memory is each child's peak RSS (`VmHWM`; `ru_maxrss` where there is no /proc): the whole
process, interpreter, book and all.  Both engines'
totals are printed and must agree to the fen.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
HEADER = "timestamp,model,input_tokens,output_tokens,cached_tokens,cache_write_tokens,reasoning_tokens,batch,region,project\n"
START = datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=8)))  # a holiday week and a working month

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, %(src)r)
kind, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
out = {}
if kind == "csv":
    import csv
    rows = total = 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            rows += 1
            total += int(row[2])
    out = {"rows": rows, "input_tokens": total}
elif kind == "duckdb-scan":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows, total = con.execute(
        f"SELECT count(*), sum(input_tokens) FROM read_csv('{path}')").fetchone()
    out = {"rows": rows, "input_tokens": int(total)}
else:
    from datetime import date
    from llmcost import book, usage
    from llmcost.render import report_head
    from llmcost.usage.report import usage_report
    b = book.load()
    options = usage.Options(b)
    if kind == "stream":
        result = usage.price_files([path], options)
    else:
        from llmcost.usage.duckdb_engine import price_files_duckdb
        result = price_files_duckdb([path], options)
    fx = b.fx.at(date(2026, 12, 1)) if b.fx else None
    report = usage_report(result, head=report_head("CNY", date(2026, 12, 1), fx, b), book=b,
                          groups=options.group_by, what_if=(), currency="CNY", fx=fx, as_of=date(2026, 12, 1))
    out = {"rows": report["records"], "total": report["total"], "lines": len(report["lines"])}
out["seconds"] = time.perf_counter() - t0
try:  # VmHWM: this process's peak since exec (ru_maxrss would count the parent's pages before exec)
    out["peak_mb"] = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
except OSError:
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def models() -> list[str]:
    """Models of the shipped book with a mainland or global price all through Oct-Nov 2026."""
    sys.path.insert(0, SRC)
    from llmcost import book
    from llmcost.book.model import NoPriceError

    b = book.load()
    wanted = [
        "deepseek-chat",
        "deepseek-reasoner",
        "qwen-plus",
        "qwen-max",
        "qwen-turbo",
        "doubao-seed-1.6",
        "glm-4.5",
        "kimi-k2",
        "gpt-4o",
        "gpt-4o-mini",
        "claude-sonnet-4",
        "ernie-4.5",
    ]
    out = []
    for model in sorted(b.models.values(), key=lambda m: (m.id not in wanted, m.provider, m.id)):
        try:
            model.price_at(START.date())
            model.price_at(START.date() + timedelta(days=50))
        except NoPriceError:
            continue
        out.append(model.id)
    return out[:24]


def generate(path: str, rows: int, names: list[str]) -> None:
    rng = random.Random(15)
    span = 50 * 86400
    base = int(START.timestamp())
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        chunk = []
        for i in range(rows):
            when = datetime.fromtimestamp(base + rng.randrange(span), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            inp = rng.choice((800, 1500, 3000, 12000, 31999, 32001, 90000, 140000))
            out = rng.choice((50, 200, 201, 800, 2500))
            cached = rng.choice((0, 0, inp // 2))
            reasoning = rng.choice((0, 0, 0, out // 2))
            batch = "true" if i % 17 == 0 else ""
            region = "intl" if i % 29 == 0 else ""
            chunk.append(f"{when},{rng.choice(names)},{inp},{out},{cached},0,{reasoning},{batch},{region},p{i % 7}\n")
            if len(chunk) == 100_000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))


def child(kind: str, path: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD % {"src": SRC}, kind, path], env=ENV, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    names = models()
    with tempfile.TemporaryDirectory(prefix="llmcost-bench-") as folder:
        path = os.path.join(folder, "usage.csv")
        t0 = time.perf_counter()
        generate(path, args.rows, names)
        size = os.path.getsize(path) / 1e6
        print(
            f"generated {args.rows:,} records ({size:,.0f} MB, {len(names)} models) in {time.perf_counter() - t0:.0f} s"
        )
        results = {}
        for kind in ("csv", "stream", "duckdb-scan", "duckdb"):
            results[kind] = r = child(kind, path)
            extra = f", total {r['total']} CNY in {r['lines']} lines" if "total" in r else ""
            print(
                f"{kind:12} {r['seconds']:8.1f} s  peak {r['peak_mb']:6.0f} MB  {r['rows']:,} records{extra}",
                flush=True,
            )
    s, c, d, scan = results["stream"], results["csv"], results["duckdb"], results["duckdb-scan"]
    print(
        f"streaming / csv.reader pass: {s['seconds'] / c['seconds']:.2f}x (goal <= 3x); peak {s['peak_mb']:.0f} MB (goal < 100 MB)"
    )
    print(
        f"duckdb engine / duckdb scan: {d['seconds'] / scan['seconds']:.2f}x (goal <= 2x); peak {d['peak_mb']:.0f} MB"
    )
    print(
        f"totals: streaming {s['total']}, duckdb {d['total']}: {'the same' if s['total'] == d['total'] else 'DIFFERENT'}"
    )


if __name__ == "__main__":
    main()
