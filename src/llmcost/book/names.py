"""Names people type for a model, and what to suggest when one is unknown.

All of it comes from the price files: ids, ``aliases``, and each file's ``family`` (its Chinese and
English brand ``names``, the ``prefix`` of its ids, its ``flagship``) and ``provider_name``.

- A family name alone means the flagship: ``豆包`` → the Doubao flagship.
- A family name, a separator (``-``, a space, ``_``, or none after a Chinese name) and a suffix is
  the prefix form: ``深度求索-v4-pro`` → ``deepseek-v4-pro``; it also matches an alias written with
  another separator (``豆包-pro``, ``豆包 pro`` and ``豆包_pro`` are the alias ``豆包pro``).
- A vendor-qualified name is a vendor word and a name of that vendor's family: ``百度文心``,
  ``阿里通义千问``, ``智谱GLM``, ``字节豆包``, ``tencent hunyuan``.  The vendor word is another name of
  the same family (``智谱``, ``月之暗面``) or a word of the provider's ``provider_name`` (a run of two
  or more Chinese characters, or a whole Latin word): ``百度`` is in "百度智能云千帆".
- Suggestions rank every id, alias and family name by similarity (``difflib``) and, for Chinese,
  by the similarity of the pinyin (``pypinyin``, without tones): ``豆宝`` sounds like ``豆包``,
  ``通意千问`` like ``通义千问``.  When the closest name is a brand (``chatgpt`` for ``chatgtp``),
  only that brand's models are suggested, and a brand is suggested only when it is the closest name;
  after a brand and a separator (``chatgpt-4``), only its models are.
"""

from __future__ import annotations

import difflib
import heapq
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Family, PriceBook

SEPARATORS = ("-", " ", "_", "")
#: A suggestion is at least this similar (difflib's ratio) to what was typed, or its pinyin is at least PINYIN_CUTOFF.
CUTOFF = 0.6
PINYIN_CUTOFF = 0.8
MAX_SUGGESTIONS = 3
MAX_VENDOR_WORD = 40  # characters: longer than any company name

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_WORD = re.compile(r"[a-z][a-z0-9]{2,}")


def norm(name: str) -> str:
    return " ".join(name.strip().lower().split())


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def family_match(book: PriceBook, key: str) -> tuple[str, ...]:
    """A family name alone (its flagship), or the prefix form ``NAME SEP SUFFIX``; () if neither."""
    for fam in book.families:
        for fname in fam.names:
            fkey = norm(fname)
            if key == fkey and fam.flagship:
                return (fam.flagship,)
            split = _after(key, fkey)
            if split is None:
                continue
            for candidate in _prefix_forms(fam, split):
                if candidate in book._names:
                    return book._names[candidate]
    return ()


def _after(key: str, fkey: str) -> str | None:
    """What follows the family name ``fkey`` and a separator in ``key``; None if ``key`` is not that form.
    No separator only after a Chinese name: "qwenlong" is not "qwen-long"; "豆包pro-32k" may be."""
    for sep in SEPARATORS:
        if sep == "" and not _has_cjk(fkey[-1:]):
            continue
        head = fkey + sep
        if key.startswith(head) and len(key) > len(head):
            return key[len(head) :].lstrip("-_ ")
    return None


def _prefix_forms(fam: Family, rest: str) -> list[str]:
    """Where ``NAME-rest`` may be in the book: ``prefix-rest``, then each family name with each separator."""
    forms = [norm(f"{fam.prefix}-{rest}")]
    for name in fam.names:
        forms += [norm(name + sep + rest) for sep in SEPARATORS if sep or _has_cjk(name[-1:])]
    return forms


def qualified_match(book: PriceBook, key: str) -> tuple[str, ...]:
    """``VENDOR NAME``: a vendor word of a family, then a name that resolves to that family's models."""
    for fam in book.families:
        for end in range(2, min(len(key), MAX_VENDOR_WORD)):
            word, rest = key[:end].rstrip("-_ "), key[end:].lstrip("-_ ")
            if not rest or not word or not _vendor_word(book, fam, word):
                continue
            ids = book._names.get(rest) or family_match(book, rest)
            if ids and all(book.models[i].provider == fam.provider for i in ids):
                return ids
    return ()


def _vendor_word(book: PriceBook, fam: Family, word: str) -> bool:
    if word in (norm(name) for name in fam.names):
        return True
    provider = book.providers.get(fam.provider)
    if provider is None or not provider.name:
        return False
    name = provider.name.lower()
    if _has_cjk(word):
        return len(word) >= 2 and any(word in run for run in _CJK_RUN.findall(name))
    return word in _WORD.findall(name)


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # only when a Chinese name is unknown: its dictionary takes a while to load

    return " ".join(lazy_pinyin(text)).lower()


def _similar(typed: str, name: str) -> float:
    matcher = difflib.SequenceMatcher(None, typed, name)
    score = 0.0  # difflib's own quick bounds first, as get_close_matches does: a long name costs little
    if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
        score = matcher.ratio()
    if _has_cjk(typed) and _has_cjk(name):
        matcher = difflib.SequenceMatcher(None, _pinyin(typed), _pinyin(name))
        if matcher.real_quick_ratio() >= PINYIN_CUTOFF and matcher.quick_ratio() >= PINYIN_CUTOFF:
            sound = matcher.ratio()
            if sound >= PINYIN_CUTOFF:
                score = max(score, sound)
    return score


def suggest(book: PriceBook, key: str) -> list[str]:
    """Up to three names to try instead of the unknown ``key``: model ids, or ``NAME (id)`` for a Chinese
    name or a brand, closest first."""
    brands = {norm(name): fam for fam in book.families if fam.flagship for name in fam.names}
    candidates: dict[str, tuple[str, ...]] = dict(book._names)
    for name, fam in brands.items():
        candidates.setdefault(name, (fam.flagship,))  # type: ignore[arg-type]
    typed, scope = [key], None
    for fam in book.families:  # "chatgpt-4": a brand, a separator and a suffix; suggest only that brand's models
        split = next((s for name in fam.names if (s := _after(key, norm(name))) is not None), None)
        if split is not None:
            typed, scope = [key, norm(f"{fam.prefix}-{split}")], fam.provider
            break
    scored = []
    for name, ids in candidates.items():
        if scope is not None and any(book.models[i].provider != scope for i in ids):
            continue
        score = max(_similar(t, name) for t in typed)
        if score >= CUTOFF:
            scored.append((score, name))
    best = heapq.nlargest(2 * MAX_SUGGESTIONS, scored)
    if best and best[0][1] in brands:  # closest to a brand: only that brand ("chatgtp" is not Hunyuan's "ChatPro")
        provider = brands[best[0][1]].provider
        best = [(s, n) for s, n in best if all(book.models[i].provider == provider for i in candidates[n])]
    else:  # closest to a model's own name: brands are not what was meant ("alpha-lit" is alpha-lite, not "alpha")
        best = [(s, n) for s, n in best if n not in brands or n in book._names]
    out: list[str] = []
    seen: set[str] = set()
    for _, name in best:
        for model_id in candidates[name]:
            if model_id in seen:
                continue
            seen.add(model_id)
            shown = name != model_id and (_has_cjk(name) or name in brands)
            out.append(f"{name} ({model_id})" if shown else model_id)
    return out[:MAX_SUGGESTIONS]
