"""Benchmark: price a generated 1,000,000-row workload CSV from stdin to CSV on stdout.

Prints rows per second and peak memory of `llmcost estimate --workloads - --format csv`,
and the ratio against a plain Python csv.reader → csv.writer pass over the same file,
measured in the same run (goal: within 3x of that pass, peak memory under 100 MB).

    python bench/bench_workloads.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

MODELS = ["doubao-pro-32k", "doubao-lite-32k", "qwen-long", "qwen-turbo", "qwen-max", "ernie-speed-8k",
          "ernie-4.0-8k", "glm-4-air", "glm-4-plus", "hunyuan-standard", "gpt-4o", "gpt-4o-mini"]

BASELINE = """
import csv, sys
reader = csv.reader(sys.stdin)
writer = csv.writer(sys.stdout, lineterminator="\\n")
for row in reader:
    writer.writerow(row)
"""


def generate(path: str, rows: int) -> None:
    rng = random.Random(2024)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("name,model,requests_per_day,input_tokens,output_tokens,cached_ratio,batch_ratio\n")
        for i in range(rows):
            f.write(f"w{i},{rng.choice(MODELS)},{rng.randint(1, 50000)},{rng.randint(50, 8000)},"
                    f"{rng.randint(10, 2000)},{rng.choice(['0', '0.25', '0.5'])},{rng.choice(['0', '0', '1'])}\n")


def measure(cmd: list[str], stdin_path: str) -> tuple[float, int]:
    """Wall seconds and the peak RSS (bytes) of that one child process."""
    with open(stdin_path, "rb") as stdin, open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=devnull)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "workloads.csv")
        generate(path, args.rows)
        size = os.path.getsize(path)
        base_s, base_rss = measure([sys.executable, "-c", BASELINE], path)
        ours_s, ours_rss = measure([sys.executable, "-m", "llmcost", "estimate", "--workloads", "-",
                                    "--format", "csv", "--as-of", "2025-06-01"], path)
    print(f"input: {args.rows:,} rows, {size / 1e6:.1f} MB")
    print(f"{'':28} {'seconds':>8} {'rows/s':>10} {'peak MB':>8}")
    print(f"{'csv.reader -> csv.writer':28} {base_s:8.2f} {args.rows / base_s:10,.0f} {base_rss / 1e6:8.1f}")
    print(f"{'llmcost estimate -f csv':28} {ours_s:8.2f} {args.rows / ours_s:10,.0f} {ours_rss / 1e6:8.1f}")
    print(f"ratio (llmcost / plain csv pass): {ours_s / base_s:.2f}x  (goal <= 3x); "
          f"peak memory {ours_rss / 1e6:.0f} MB (goal < 100 MB)")


if __name__ == "__main__":
    main()
