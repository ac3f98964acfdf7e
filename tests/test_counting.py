"""The counting library behind `llmcost count`: inputs, encodings, binaries, globs, folders."""

from __future__ import annotations

import io

import pytest

from llmcost.counting import (FileCount, Progress, Skipped, count_inputs, expand_paths,
                              looks_like_path)
from llmcost.errors import InputError, TokenizerError
from llmcost.tokens import get_counter

ZH = "你好，世界。大模型按 token 计费。\n"


def _by(results):
    return {(r.path, r.tokenizer): r for r in results if isinstance(r, FileCount)}


def test_text_argument_with_several_tokenizers():
    results = list(count_inputs(texts=["hello world"], tokenizers=["o200k_base", "ernie-estimate"]))
    assert [r.tokenizer for r in results] == ["o200k_base", "ernie-estimate"]
    exact, estimate = results
    assert (exact.path, exact.tokens, exact.exact, exact.chars, exact.bytes) == ("<text>", 2, True, 11, 11)
    assert estimate.exact is False and estimate.method.startswith("estimate: Baidu")


def test_file_counts_match_direct_count_and_report_sizes(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(ZH * 50, encoding="utf-8")
    (r,) = count_inputs([str(f)], ["o200k_base"])
    assert r.tokens == get_counter("o200k_base").count(ZH * 50)
    assert r.chars == len(ZH * 50) and r.bytes == f.stat().st_size


def test_file_is_read_once_in_blocks_for_all_tokenizers(tmp_path, monkeypatch):
    import llmcost.counting as counting

    monkeypatch.setattr(counting, "BLOCK_BYTES", 1000)
    text = ZH * 400  # multi-block; block edges fall inside multi-byte characters
    f = tmp_path / "big.txt"
    f.write_text(text, encoding="utf-8")
    names = ["o200k_base", "qwen", "glm-estimate"]
    results = list(count_inputs([str(f)], names, chunk_chars=500))
    assert [r.tokens for r in results] == [get_counter(n).count(text) for n in names]


def test_binary_file_is_skipped(tmp_path):
    b = tmp_path / "img.bin"
    b.write_bytes(b"PNG\0\0\x01\x02" * 10)
    t = tmp_path / "t.txt"
    t.write_text("hello world")
    results = list(count_inputs([str(tmp_path)], ["o200k_base"]))
    assert results[0] == Skipped(str(b), "binary file (NUL byte in the first 8 KiB)")
    assert results[1].path == str(t) and results[1].tokens == 2


def test_gbk_file_fails_as_utf8_and_counts_with_gbk(tmp_path):
    f = tmp_path / "legacy.txt"
    f.write_bytes(("abc" + ZH).encode("gbk"))
    with pytest.raises(InputError) as err:
        list(count_inputs([str(f)], ["o200k_base"]))
    msg = str(err.value)
    assert str(f) in msg and "at byte 3" in msg and "--encoding gbk" in msg
    (r,) = count_inputs([str(f)], ["o200k_base"], encoding="gbk")
    assert r.tokens == get_counter("o200k_base").count("abc" + ZH)
    assert r.bytes == len(("abc" + ZH).encode("gbk")) and r.chars == len("abc" + ZH)


def test_error_offset_across_blocks(tmp_path, monkeypatch):
    import llmcost.counting as counting

    monkeypatch.setattr(counting, "BLOCK_BYTES", 7)
    f = tmp_path / "x.txt"
    f.write_bytes("好".encode() * 5 + b"\xff" + b"abc")
    with pytest.raises(InputError, match="at byte 15"):
        list(count_inputs([str(f)], ["o200k_base"]))


def test_utf8_bom_is_dropped(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbfhello world")
    (r,) = count_inputs([str(f)], ["o200k_base"])
    assert r.tokens == 2 and r.chars == 11


def test_globs_and_folders(tmp_path, monkeypatch):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.md").write_text("a")
    (tmp_path / "docs" / "sub" / "b.md").write_text("b")
    (tmp_path / "docs" / "sub" / "c.txt").write_text("c")
    (tmp_path / "docs" / ".hidden").mkdir()
    (tmp_path / "docs" / ".hidden" / "d.md").write_text("d")
    monkeypatch.chdir(tmp_path)
    assert expand_paths(["docs/**/*.md"]) == ["docs/a.md", "docs/sub/b.md"]
    assert expand_paths(["docs"]) == ["docs/a.md", "docs/sub/b.md", "docs/sub/c.txt"]
    assert expand_paths(["docs", "docs/a.md"]) == expand_paths(["docs"])  # each file once
    with pytest.raises(InputError, match="no file matches"):
        expand_paths(["docs/*.pdf"])
    with pytest.raises(InputError, match="no such file"):
        list(count_inputs(["missing.txt"], ["o200k_base"]))


def test_stdin_and_progress():
    events: list[Progress] = []
    results = list(count_inputs(["-"], ["o200k_base"], stdin=io.BytesIO(b"hello world"),
                                progress=events.append))
    assert results[0].path == "-" and results[0].tokens == 2
    assert events[-1].inputs_done == 1 and events[-1].inputs_total == 1


def test_bad_encoding_and_tokenizer_names():
    with pytest.raises(InputError, match="unknown text encoding"):
        list(count_inputs(texts=["x"], encoding="klingon"))
    with pytest.raises(TokenizerError, match="unknown tokenizer"):
        list(count_inputs(texts=["x"], tokenizers=["gpt-17"]))


@pytest.mark.parametrize("arg, expected", [
    ("-", True), ("notes.txt", True), ("docs/", True), ("*.md", True),
    ("你好", False), ("hello world", False), ("hello", False), ("v1.0 is out", False),
])
def test_looks_like_path(arg, expected):
    assert looks_like_path(arg) is expected
