"""Ranks for tiktoken from a Hugging Face byte-level BPE ``tokenizer.json`` (DeepSeek-V4's).

Only the vocabulary is read: each entry's text, written in GPT-2's byte-level alphabet, is
turned back into bytes and ranked by its id. The pre-tokenizer is given to tiktoken as a
pattern (``tokens._DEEPSEEK_PAT``); the file's sha256 is checked by ``tokens.read_ranks``.
"""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.errors import TokenizerError


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
