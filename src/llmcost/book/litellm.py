"""LiteLLM interop: read LiteLLM's cost map (``model_prices_and_context_window.json``) into a user
price file, and write llmcost's book as a LiteLLM cost map.

LiteLLM's file is one JSON object: model name → {``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost``, ``input_cost_per_token_batches``,
``output_cost_per_token_batches``, ``litellm_provider``, ``max_input_tokens``, ``max_output_tokens``,
``mode``, …} in USD per token, plus a ``sample_spec`` entry that documents the fields.

Prices never pass through a float: the JSON is parsed with ``parse_float=Decimal``, so ``3.5e-07``
is ``Decimal("3.5E-7")`` and ``"0.35"`` per 1M tokens, exactly; an export writes each price's Decimal
text as the JSON number. ``import_map`` converts; ``litellm_export`` (``book.litellm_export``) writes.

An import is one price file (``provider: litellm``, schema 2, ``source_kind: third-party``). Each
model keeps LiteLLM's name as an alias (``-m openrouter/foo/bar`` works) and in ``api_id``; its
``litellm_provider`` is kept in ``provenance`` (``litellm_provider: NAME``), which an export reads
back. Prices above one input threshold (``input_cost_per_token_above_200k_tokens``…) become two
``whole`` tiers. Entries of the providers llmcost curates are skipped unless ``--provider`` asks for them;
every entry not converted is counted with its reason, never dropped silently.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import yaml

from ..errors import InputError, UsageError
from ..inputs import read_bytes

#: The largest LiteLLM file read (LiteLLM's own is about 1.6 MB; a 1 GB file is refused before it is read).
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Where LiteLLM publishes the file: the ``source`` of every imported price unless --source says otherwise.
LITELLM_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
#: The provider of an imported file, and the prefix of the provenance line an export reads back.
PROVIDER = "litellm"
PROVENANCE_KEY = "litellm_provider: "
#: A price per 1M tokens the format holds: at most 12 digits before and 12 after the point.
MAX_PRICE = Decimal("999999999999")
PRICE_PLACES = 12
MILLION = Decimal(1_000_000)

#: LiteLLM's ``litellm_provider`` values of the providers llmcost curates → llmcost's provider.
CURATED: dict[str, str] = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "vertex_ai-anthropic_models": "anthropic",
    "gemini": "google",
    "vertex_ai-language-models": "google",
    "deepseek": "deepseek",
    "moonshot": "moonshot",
    "dashscope": "qwen",
    "volcengine": "doubao",
    "zai": "glm",
    "zhipuai": "glm",
    "minimax": "minimax",
    "hunyuan": "hunyuan",
    "tencent": "hunyuan",
    "qianfan": "ernie",
    "baidu": "ernie",
    "spark": "spark",
}
#: llmcost provider → the tokenizer an imported model of it counts with (others: o200k_base).
TOKENIZERS = {
    "anthropic": "claude-estimate",
    "google": "gemini-estimate",
    "deepseek": "deepseek",
    "qwen": "qwen",
    "moonshot": "kimi-estimate",
    "doubao": "doubao-estimate",
    "glm": "glm-estimate",
    "minimax": "minimax-estimate",
    "hunyuan": "hunyuan-estimate",
    "ernie": "ernie-estimate",
    "spark": "spark-estimate",
}
#: LiteLLM price field → llmcost price field (per 1M tokens).
PRICE_KEYS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
    "input_cost_per_token_batches": "batch_input",
    "output_cost_per_token_batches": "batch_output",
}
#: Modes priced per text token, as llmcost prices them.
MODES = ("chat", "completion", "responses")
#: A LiteLLM model name: printable ASCII without spaces, quotes, brackets or markup characters.
_NAME = re.compile(r"^[A-Za-z0-9._:/@+=~-]{1,200}$")
_NON_ID = re.compile(r"[^a-z0-9._:-]")


@dataclass
class Imported:
    """What an import made: the price file's text and, per reason, the entries not converted."""

    text: str
    models: int
    skipped: Counter[str] = field(default_factory=Counter)
    dropped_fields: Counter[str] = field(default_factory=Counter)  # in converted entries, not expressible


def shown(text: str, limit: int | None = 80) -> str:
    """A name from the file, safe on one terminal line (escapes shown as escapes), cut at ``limit``
    characters; a path the user gave is shown whole (``limit=None``)."""
    text = text if limit is None or len(text) <= limit else text[: limit - 3] + "..."
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the name '{shown(key)}' appears twice in one object")
        seen[key] = value
    return seen


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_map(path: str) -> dict[str, Any]:
    """A LiteLLM cost map, parsed with Decimal prices; one InputError line for anything that is not one."""
    data = read_bytes(path, MAX_JSON_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=path) from None
    try:
        raw = json.loads(text, parse_float=Decimal, parse_constant=_constant, object_pairs_hook=_pairs)
    except RecursionError:
        raise InputError("not a LiteLLM cost map (JSON nested too deeply)", source=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg}, line {exc.lineno} column {exc.colno})", source=path) from None
    except ValueError as exc:
        raise InputError(f"not a LiteLLM cost map ({exc})", source=path) from None
    if not isinstance(raw, dict):
        raise InputError(
            f"not a LiteLLM cost map (the top level is a JSON {_kind(raw)}, not an object of models)", source=path
        )
    return raw


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "true/false/null"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def per_million(value: Any, name: str, key: str, source: str) -> Decimal:
    """A per-token USD price → the exact decimal per 1M tokens; bad values are one InputError."""

    def bad(why: str) -> InputError:
        return InputError(f"entry '{shown(name)}': {key} {why}", source=source)

    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise bad(f"is a JSON {_kind(value)}, not a number")
    number = Decimal(value)
    if not number.is_finite():  # pragma: no cover - parse_constant refuses NaN and Infinity first
        raise bad("is not a finite number")
    if number < 0:
        raise bad(f"is negative ({shown(str(value))})")
    if number != 0 and number.adjusted() > 6:  # ≥ 10,000,000 USD a token: no price, a mistake
        raise bad(f"is too large to be a price per token ({shown(str(value))})")
    try:
        scaled = (number * MILLION).normalize()
    except InvalidOperation:  # pragma: no cover - bounded above
        raise bad("is not a price") from None
    if scaled > MAX_PRICE:
        raise bad(f"is too large to be a price per token ({shown(str(value))})")
    return scaled


def _too_fine(value: Decimal) -> bool:
    """More decimals per 1M tokens than a price file holds (a per-token price with over 18)."""
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent > PRICE_PLACES


def price_text(value: Decimal) -> str:
    """A Decimal as plain decimal text ("0.35", "3", never "3.5E-1" or "3E+1")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def model_id(name: str) -> str:
    """LiteLLM's name as an llmcost id: lowercase, '/' → ':', any other character ids lack → '-'."""
    return _NON_ID.sub("-", name.lower().replace("/", ":")).lstrip("._:-")


def _int(value: Any, name: str, key: str, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**12:
        raise InputError(f"entry '{shown(name)}': {key} is not a whole number of tokens", source=source)
    return value


def wanted_providers(asked: list[str]) -> set[str]:
    """``--provider`` names (LiteLLM's or llmcost's) → the LiteLLM provider names, lowercase."""
    out: set[str] = set()
    for name in asked:
        key = name.strip().lower()
        if not key or not _NAME.match(key):
            raise UsageError(f"--provider: '{shown(name)}' is not a provider name")
        out.add(key)
        out.update(litellm for litellm, ours in CURATED.items() if ours == key)
    return out


def import_map(
    raw: dict[str, Any],
    source: str,
    *,
    providers: list[str] = (),  # type: ignore[assignment]
    effective: date,
    checked: date,
    url: str = LITELLM_URL,
    taken: frozenset[str] = frozenset(),
) -> Imported:
    """Convert a LiteLLM cost map (``read_map``) into one schema-2 price file (see the module docstring)."""
    wanted = wanted_providers(list(providers))
    skipped: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    models: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    found: set[str] = set()
    for name, entry in raw.items():
        if name == "sample_spec":
            skipped["LiteLLM's sample_spec (it documents the fields)"] += 1
            continue
        if name == "_llmcost" and isinstance(entry, dict):
            skipped["llmcost's _llmcost entry (it says how an export was written)"] += 1
            continue
        if not _NAME.match(name):
            raise InputError(
                f"entry '{shown(name)}': not a model name (letters, digits and ._:/@+=~- only, at most 200)",
                source=source,
            )
        if not isinstance(entry, dict):
            raise InputError(f"entry '{shown(name)}' is a JSON {_kind(entry)}, not an object", source=source)
        litellm = entry.get("litellm_provider", "")
        if not isinstance(litellm, str) or (litellm and not _NAME.match(litellm)):
            raise InputError(f"entry '{shown(name)}': litellm_provider is not a provider name", source=source)
        litellm = litellm.lower()
        prices = {ours: per_million(entry[k], name, k, source) for k, ours in PRICE_KEYS.items() if k in entry}
        context = _int(entry.get("max_input_tokens"), name, "max_input_tokens", source)
        max_tokens = _int(entry.get("max_tokens"), name, "max_tokens", source)
        max_output = _int(entry.get("max_output_tokens"), name, "max_output_tokens", source)
        mode = entry.get("mode", "chat")
        if not isinstance(mode, str):
            raise InputError(f"entry '{shown(name)}': mode is not text", source=source)
        found.add(litellm)
        if wanted and litellm not in wanted:
            skipped["not a --provider asked for"] += 1
            continue
        if not wanted and litellm in CURATED:
            skipped[f"curated by llmcost ({CURATED[litellm]}: ask with --provider {litellm})"] += 1
            continue
        if mode not in MODES:
            skipped[f"mode {shown(mode)} (not priced per text token)"] += 1
            continue
        if "input" not in prices or "output" not in prices:
            why = "tiered_pricing only" if "tiered_pricing" in entry else "no input and output price per token"
            skipped[why] += 1
            continue
        if ("batch_input" in prices) != ("batch_output" in prices):
            prices.pop("batch_input", None), prices.pop("batch_output", None)
            dropped["a batch price for input or output only"] += 1
        window = context or max_tokens
        if window is None:
            skipped["no max_input_tokens or max_tokens (llmcost needs a context window)"] += 1
            continue
        ident = model_id(name)
        if ident in taken:  # a model of the active book: the import must not replace it
            ident = f"{PROVIDER}:{ident}"
        if not ident or len(ident) > 100:
            skipped["a name too long for an llmcost id (over 100 characters)"] += 1
            continue
        if ident in ids:
            skipped[f"the same id as another entry once lowercased ({ident})"] += 1
            continue
        above = threshold_prices(entry, name, source)
        if any(_too_fine(v) for v in (*prices.values(), *(above[1].values() if above else ()))):
            skipped[f"a price finer than {PRICE_PLACES} decimals per 1M tokens (the price format's limit)"] += 1
            continue
        ids[ident] = name
        for key in entry:
            if _is_price(key) and key not in PRICE_KEYS and (above is None or key not in above[2]):
                dropped[key] += 1
        ours = CURATED.get(litellm)
        price: dict[str, Any] = {"effective": effective.isoformat(), "unit": "1M"}
        if above is None:
            price.update({k: price_text(v) for k, v in prices.items()})
        else:  # one threshold: the whole request at the price of the band its input falls in
            upper = {**prices, **above[1]}
            price["tiers"] = {
                "mode": "whole",
                "bands": [
                    {"up_to": above[0], **{k: price_text(v) for k, v in prices.items()}},
                    {k: price_text(v) for k, v in upper.items()},
                ],
            }
        price["source"] = url
        price["source_kind"] = "third-party"
        vendor = entry.get("source")
        if isinstance(vendor, str) and re.fullmatch(r"https://[^\s]{1,500}", vendor):
            price["see_also"] = [vendor]
        model: dict[str, Any] = {"id": ident, "name": name}
        if name.lower() != ident and " ".join(name.lower().split()) not in taken:
            model["aliases"] = [name]
        model.update({"currency": "USD", "context_window": window})
        if max_output is not None:
            model["max_output"] = max_output
        model["tokenizer"] = TOKENIZERS.get(ours or "", "o200k_base")
        if name != ident:
            model["api_id"] = name
        model["provenance"] = f"Imported from LiteLLM's cost map {Path(source).name}; {PROVENANCE_KEY}{litellm}"
        model["prices"] = [price]
        models.append(model)
    for asked in providers:
        if not wanted_providers([asked]) & found:
            raise UsageError(
                f"--provider {shown(asked)}: no entry of {shown(Path(source).name)} has this litellm_provider"
            )
    doc = {
        "schema_version": 2,
        "provider": PROVIDER,
        "provider_name": "LiteLLM cost map (third-party)",
        "checked": checked.isoformat(),
        "region": "global",
        "models": models,
    }
    if not models:
        reasons = "; ".join(f"{n} {why}" for why, n in skipped.most_common())
        raise InputError(f"no entry to import ({reasons or 'the file has none'})", source=source)
    head = (
        f"# Imported by 'llmcost prices import litellm' from {Path(source).name} on {checked.isoformat()}.\n"
        "# Third-party prices in USD per 1M tokens, exactly as LiteLLM's per-token figures.\n"
    )
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml where PyYAML has it: same text, faster
    text = head + yaml.dump(doc, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
    return Imported(text, len(models), skipped, dropped)


#: LiteLLM's threshold prices: ``input_cost_per_token_above_200k_tokens`` and the like.
_ABOVE = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)"
    r"_above_([1-9][0-9]{0,8})(k?)_tokens$"
)


def threshold_prices(entry: dict[str, Any], name: str, source: str) -> tuple[int, dict[str, Decimal], set[str]] | None:
    """An entry's prices above one input-token threshold, as LiteLLM applies them (when the prompt
    has more tokens than the threshold, every token type is priced at its ``_above_`` price):
    (threshold, llmcost field → price per 1M, the LiteLLM keys used). None when the entry has no
    input threshold price, or several thresholds (left out, and counted)."""
    found: dict[int, dict[str, Decimal]] = {}
    keys: set[str] = set()
    for key, value in entry.items():
        match = _ABOVE.match(key)
        if match is None:
            continue
        threshold = int(match.group(2)) * (1000 if match.group(3) else 1)
        found.setdefault(threshold, {})[PRICE_KEYS[match.group(1)]] = per_million(value, name, key, source)
        keys.add(key)
    if len(found) != 1:
        return None
    ((threshold, prices),) = found.items()
    return (threshold, prices, keys) if "input" in prices else None


def _is_price(key: str) -> bool:
    return "cost_per" in key or key.endswith("_cost") or key == "tiered_pricing"


def import_file(
    path: str,
    out: str,
    *,
    providers: list[str],
    effective: date,
    checked: date,
    url: str = LITELLM_URL,
) -> Imported:
    """Read, convert, validate (as ``prices validate`` does, and merged with the active book as
    ``--prices`` merges it) and only then write ``out`` (``-``: return the text unwritten)."""
    import os
    import tempfile

    from . import installed, loader

    if not re.fullmatch(r"https?://[^\s]{1,500}", url):
        raise UsageError(f"--source: '{shown(url)}' is not an http(s) URL")
    if effective > checked:
        raise UsageError(f"--effective {effective.isoformat()} is after today ({checked.isoformat()})")
    active = loader.load(user_prices=False)
    taken = frozenset(name for name in active._names) | frozenset(active.models)
    imported = import_map(
        read_map(path), path, providers=providers, effective=effective, checked=checked, url=url, taken=taken
    )
    target = Path(out) if out != "-" else None
    folder = target.parent if target is not None else Path(tempfile.gettempdir())
    handle, tmp = _beside(folder, "llmcost-import.yaml", out)
    try:
        with handle:
            handle.write(imported.text)
        try:  # parsed once: checked alone (prices validate), then merged with the active book (--prices)
            parsed = loader._parse_paths(Path(tmp), user=True)
            loader.check_book(loader.build([parsed]))
            loader.build([loader._base(installed.active().folder), parsed])
        except InputError as exc:  # a bug of ours, or a name the active book resolves otherwise
            text = str(exc).replace(tmp, "the converted file")
            raise InputError(f"the converted file does not validate: {text}", source=path) from None
        if target is not None:
            os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write it ({exc.strerror or exc})", source=shown(out, None)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return imported


def write_text(out: str, text: str) -> None:
    """Write ``out`` whole: next to it, then renamed over it (a reader never sees half a file)."""
    import os

    target = Path(out)
    handle, tmp = _beside(target.parent, target.name, out)
    try:
        with handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write it ({exc.strerror or exc})", source=shown(out, None)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _beside(folder: Path, name: str, out: str) -> tuple[IO[str], str]:
    """A new file in ``folder`` to write and rename into place (created by us alone, with the
    permissions the umask gives a new file, as the file it becomes)."""
    import secrets

    tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        return open(tmp, "x", encoding="utf-8"), str(tmp)  # closed by the caller
    except OSError as exc:
        raise InputError(f"cannot write it ({exc.strerror or exc})", source=shown(out, None)) from None
