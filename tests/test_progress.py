"""Progress on long work, on a terminal only: counting and pricing a workload file show how far they
are on stderr when it is a terminal (here the wait before showing it is 0 s, so that small inputs show
it); piped or redirected, stderr carries nothing but errors, and stdout never carries progress."""

from __future__ import annotations

import io
import os
import struct
import sys

import pytest
from test_screens import _env

from llmcost import pipeline
from llmcost.cli import estimate as cli_estimate
from llmcost.cli import progress

pty = pytest.importorskip("pty")  # POSIX only
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

ROWS = 50


@pytest.fixture
def workloads(tmp_path):
    path = tmp_path / "many.csv"
    rows = [f"w{i},alpha-lite,{i + 1},1500,400" for i in range(ROWS)]
    path.write_text("\n".join(["name,model,requests_per_day,input_tokens,output_tokens", *rows]) + "\n")
    return str(path)


@pytest.fixture(autouse=True)
def _at_once(monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 10)


def run_on_terminal(args: list[str], env: dict[str, str], stdout: str | None = None) -> tuple[int, str]:
    """llmcost with stderr (and stdout, unless it goes to the file ``stdout``) on an 80-column terminal:
    (exit code, what the terminal showed)."""
    from llmcost.cli import main

    pid, fd = pty.fork()
    if pid == 0:
        code = 127
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.environ.clear()
            os.environ.update(env)
            out = open(stdout, "w", encoding="utf-8") if stdout else io.FileIO(1, "w", closefd=False)  # noqa: SIM115
            sys.stdout = out if stdout else io.TextIOWrapper(out, encoding="utf-8", line_buffering=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
            sys.argv = ["llmcost", *args]
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8")


def test_pricing_a_workload_file_shows_rows_done_then_the_table(tmp_path, workloads):
    code, screen = run_on_terminal(["estimate", workloads, "--as-of", "2024-06-01"], _env(tmp_path, NO_COLOR="1"))
    assert code == 0
    assert f"{ROWS} rows priced" in screen
    # the bar is gone before the report is written: the report starts on a clean line
    assert screen.rindex("rows priced") < screen.index("Workload")


def test_redirected_output_never_carries_progress_but_the_terminal_sees_it(tmp_path, monkeypatch, workloads):
    monkeypatch.setattr(pipeline, "PARALLEL_AFTER", 20)  # and the rest in worker processes, by chunks
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 10)
    monkeypatch.setattr(cli_estimate._Output, "LIMIT", 100)  # rows are written while the bar shows
    out = tmp_path / "out.csv"
    args = ["estimate", workloads, "--as-of", "2024-06-01", "-f", "csv"]
    code, screen = run_on_terminal(args, _env(tmp_path, NO_COLOR="1"), stdout=str(out))
    assert code == 0
    assert f"{ROWS} rows priced" in screen  # the last 30 rows were priced by the workers
    text = out.read_text(encoding="utf-8")
    assert len(text.splitlines()) == ROWS + 2 and "rows priced" not in text and "\x1b" not in text


def test_rows_streaming_onto_the_terminal_are_their_own_progress(tmp_path, workloads):
    code, screen = run_on_terminal(
        ["estimate", workloads, "--as-of", "2024-06-01", "-f", "csv"], _env(tmp_path, NO_COLOR="1")
    )
    assert code == 0 and "rows priced" not in screen


def test_stderr_not_a_terminal_carries_no_progress(cli, workloads):
    r = cli("estimate", workloads, "--as-of", "2024-06-01", "-f", "csv")
    assert r.code == 0 and r.err == ""


def test_counting_shows_files_and_bytes_done(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    for i in range(3):
        (folder / f"t{i}.txt").write_text("你好，世界 hello world " * 2000, encoding="utf-8")
    code, screen = run_on_terminal(["count", "-m", "alpha-lite", str(folder)], _env(tmp_path, NO_COLOR="1"))
    assert code == 0
    assert "3/3 files" in screen and "kB" in screen
