"""`llmcost count` through the CLI runner."""

from __future__ import annotations

import json


def test_hello_world_is_two_exact_tokens(cli):
    r = cli("count", "-m", "beta-4o", "-", "-f", "csv", input=b"hello world")
    assert (r.code, r.err) == (0, "")
    assert r.out == ("input,model,tokenizer,tokens,exact,method\n-,beta-4o,o200k_base,2,true,o200k_base (exact)\n")


def test_each_model_counts_with_its_own_tokenizer(cli):
    text = "人工智能正在改变世界。The price war started in May 2024."
    r = cli("count", "-m", "beta-4o", "-m", "alpha-lite", text, "-f", "json")
    report = json.loads(r.out)
    rows = {row["model"]: row for row in report["counts"]}
    assert rows["beta-4o"]["method"] == "o200k_base (exact)" and rows["beta-4o"]["exact"] is True
    # alpha rule: 10 CJK characters (1 token each) + 23 letters / 4 + 4 digits + "。" and "." (1 each)
    # → 10 + 5.75 + 4 + 2 = 21.75 → 22
    assert rows["alpha-lite"]["tokens"] == 22 and rows["alpha-lite"]["exact"] is False
    assert rows["alpha-lite"]["method"].startswith("estimate: alpha rule")


def test_files_folders_totals_and_binary_skipped(cli, tmp_path):
    (tmp_path / "a.txt").write_text("hello world", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("hello world hello world", encoding="utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    r = cli("count", "-m", "beta-4o", str(tmp_path), "-f", "csv")
    lines = r.out.splitlines()
    assert lines[-1] == "TOTAL,beta-4o,o200k_base,6,true,o200k_base (exact)"
    r = cli("count", "-m", "beta-4o", str(tmp_path), "-f", "json")
    assert json.loads(r.out)["skipped"] == [
        {"input": str(tmp_path / "blob.bin"), "reason": "binary file (NUL byte in the first 8 KiB)"}
    ]


def test_gbk_file_needs_encoding(cli, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("价格战".encode("gbk"))
    r = cli("count", "-m", "alpha-lite", str(path))
    assert r.code == 2 and r.out == ""
    assert "gbk.txt" in r.err and "--encoding gbk" in r.err and r.err.count("\n") == 1
    r = cli("count", "-m", "alpha-lite", str(path), "--encoding", "gbk", "-f", "csv")
    assert r.out.splitlines()[1].split(",")[3] == "3"


def test_count_needs_a_model_and_input(cli):
    assert cli("count", "hello").code == 2
    r = cli("count", "-m", "beta-4o")
    assert (r.code, r.err) == (2, "llmcost: error: give text, files, folders or - (stdin) to count\n")


def test_missing_file(cli):
    r = cli("count", "-m", "beta-4o", "no/such/file.txt")
    assert r.code == 2 and "no/such/file.txt" in r.err


def test_estimate_with_a_prompt_counts_per_model(cli, tmp_path):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("你好，世界 hello world", encoding="utf-8")
    r = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "-m",
        "beta-4o",
        "--prompt-file",
        str(prompt),
        "--output-tokens",
        "10",
        "--requests-per-month",
        "1000",
        "--as-of",
        "2025-01-01",
        "-f",
        "json",
    )
    lines = {line["model"]: line for line in json.loads(r.out)["lines"]}
    # alpha rule: 4 CJK + "，" (1) + "helloworld" 10 letters / 4 → ceil(7.5) = 8; o200k_base: 5 tokens
    assert (lines["alpha-lite"]["input_tokens"], lines["beta-4o"]["input_tokens"]) == (8, 5)
    assert lines["beta-4o"]["input_tokens_method"] == "o200k_base (exact)"
    assert lines["alpha-lite"]["output_tokens_method"] == "given"


def test_a_question_is_text_not_a_glob(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("count", "-m", "alpha-lite", "How are you today?", "-f", "csv")
    assert (r.code, r.err) == (0, "")
    # alpha rule: 14 letters at 4 a token + "?" (1) → 4.5 → 5
    assert r.out.splitlines()[1] == (
        '<text>,alpha-lite,alpha-estimate,5,false,"estimate: alpha rule, 1 token = 1 汉字 or 4 letters + ours"'
    )
    r = cli("count", "-m", "alpha-lite", "*.markdown")  # a pattern, not a question: it must match something
    assert (r.code, r.err) == (2, "llmcost: error: *.markdown: no file matches this pattern\n")


def test_a_fifo_in_a_folder_is_listed_not_opened(cli, tmp_path):
    import os

    (tmp_path / "a.txt").write_text("hello world", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")  # opening it would wait for a writer for ever
    r = cli("count", "-m", "beta-4o", str(tmp_path), "-f", "json")
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    assert [c["input"] for c in report["counts"]] == [str(tmp_path / "a.txt")]
    assert report["skipped"] == [{"input": str(tmp_path / "pipe"), "reason": "not a regular file (a named pipe)"}]


def test_a_counted_estimate_is_labelled_on_the_line_in_estimate_and_compare(cli):
    args = ["--prompt", "你好，世界 hello world", "--requests-per-month", "1000", "--as-of", "2025-01-01"]
    r = cli("estimate", "-m", "alpha-lite", "-m", "beta-4o", *args, "--output-sample", "ok.", "-f", "json")
    notes = {line["model"]: line["notes"] for line in json.loads(r.out)["lines"]}
    label = "alpha rule, 1 token = 1 汉字 or 4 letters + ours"
    assert notes == {
        "alpha-lite": [f"input tokens are an estimate ({label})", f"output tokens are an estimate ({label})"],
        "beta-4o": [],  # o200k_base: exact
    }
    r = cli("compare", "-m", "alpha-lite", "-m", "beta-4o", *args, "--output-tokens", "5")
    assert (r.code, r.err) == (0, "")
    assert f"Note: alpha-lite: input tokens are an estimate ({label})\n" in r.out
    assert "Note: beta-4o" not in r.out
    r = cli("estimate", "-m", "alpha-lite", "--input-tokens", "7", "--output-tokens", "5", *args[2:], "-f", "json")
    assert json.loads(r.out)["lines"][0]["notes"] == []  # numbers given, nothing estimated
