"""Loading the price book: parse and validate price files, merge the shipped book with a user's,
and cache the parsed base book (``book.cache``).

The book is made from the shipped files in ``llmcost/price_files`` (``prices/`` in the source
tree) plus, optionally, a user's file or folder (``--prices`` or ``LLMCOST_PRICES``) whose models
add to or replace shipped ones.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import InputError, PriceBookError
from ..inputs import decode, is_listed_file, read_bytes
from ..money import FxRate
from ..yamlsafe import MAX_YAML_BYTES, Locator, loads
from .model import Band, Family, FreeQuota, FxTable, Model, PriceBook, PriceEntry, _norm


@cache
def _compiled(schema_name: str) -> Callable[[Any], Any]:
    import fastjsonschema

    from . import schema

    return fastjsonschema.compile(getattr(schema, schema_name))


def _schema_check(data: Any, schema_name: str, source: str, locator: Locator) -> None:
    import fastjsonschema

    try:
        _compiled(schema_name)(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        # fastjsonschema gives list indexes as strings ("0"); as ints they find the YAML line.
        path = [int(p) if isinstance(p, str) and p.isdigit() else p for p in (exc.path or [])[1:]]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "top level"
        message = exc.message.split(" must ", 1)
        problem = "must " + message[1] if len(message) == 2 else exc.message
        hint = None
        if exc.rule == "oneOf":
            problem = "give either input and output prices, or tiers, not both"
        elif exc.rule == "required" and isinstance(exc.value, dict):
            missing = [k for k in exc.rule_definition if k not in exc.value]
            problem = "missing required field" + ("s " if len(missing) > 1 else " ") + ", ".join(map(repr, missing))
        elif exc.rule == "additionalProperties":
            problem = f"unknown field ({problem})"
        elif (
            exc.rule == "pattern"
            and isinstance(exc.value, str)
            and path
            and path[-1] in ("input", "output", "cached_input", "batch_input", "batch_output", "usd_cny")
        ):
            problem = f"{exc.value!r} is not a non-negative decimal"
        elif exc.rule == "type" and isinstance(exc.value, float):
            hint = 'quote prices as decimal strings, e.g. "0.0008"'
            problem = "is a YAML float; prices must be quoted decimal strings"
        elif (
            exc.rule == "type"
            and isinstance(exc.value, int)
            and path
            and path[-1] in ("input", "output", "cached_input", "batch_input", "batch_output", "usd_cny")
        ):
            hint = 'write "0" or "5", quoted'
            problem = "is a YAML number; prices must be quoted decimal strings"
        raise PriceBookError(f"field {where}: {problem}", source=source, line=locator.line(path), hint=hint) from None


def _date(text: str, source: str, line: int | None, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PriceBookError(f"{what}: {text!r} is not a real date", source=source, line=line) from None


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _band(raw: dict[str, Any]) -> Band:
    return Band(
        up_to=raw.get("up_to"),
        input=Decimal(raw["input"]),
        output=Decimal(raw["output"]),
        cached_input=_dec(raw.get("cached_input")),
        batch_input=_dec(raw.get("batch_input")),
        batch_output=_dec(raw.get("batch_output")),
    )


def _entry(raw: dict[str, Any], source: str, line: int | None) -> PriceEntry:
    effective = _date(raw["effective"], source, line, "effective")
    if "tiers" in raw:
        mode = raw["tiers"]["mode"]
        bands = tuple(_band(b) for b in raw["tiers"]["bands"])
        previous = 0
        for i, band in enumerate(bands):
            last = i == len(bands) - 1
            if last and band.up_to is not None:
                raise PriceBookError("the last tier has no up_to (it is open-ended)", source=source, line=line)
            if not last and (band.up_to is None or band.up_to <= previous):
                raise PriceBookError("tiers must have increasing up_to values", source=source, line=line)
            previous = band.up_to or previous
    else:
        mode, bands = "flat", (_band(raw),)
    quota = raw.get("free_quota")
    return PriceEntry(
        effective=effective,
        unit=raw["unit"],
        mode=mode,
        bands=bands,
        source=raw["source"],
        note=raw.get("note"),
        free_quota=FreeQuota(quota["tokens"], quota["period"], quota.get("note")) if quota else None,
    )


def parse_price_file(
    data: Any, locator: Locator, source: str, *, user: bool = False, expected_provider: str | None = None
) -> tuple[list[Model], Family | None]:
    """Validate one provider file and build its models."""
    if not isinstance(data, dict):
        raise PriceBookError(
            "a price file is a mapping with schema_version, provider and models", source=source, line=1
        )
    _schema_check(data, "PRICE_FILE", source, locator)
    provider = data["provider"]
    if expected_provider is not None and provider != expected_provider:
        raise PriceBookError(
            f"field provider: {provider!r} does not match the file name ({expected_provider}.yaml)",
            source=source,
            line=locator.line(["provider"]),
        )
    models: list[Model] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["models"]):
        line = locator.line(["models", i])
        if raw["id"] in seen:
            raise PriceBookError(f"model {raw['id']!r} is defined twice", source=source, line=line)
        seen[raw["id"]] = i
        entries: list[PriceEntry] = []
        for j, raw_entry in enumerate(raw["prices"]):
            entry = _entry(raw_entry, source, locator.line(["models", i, "prices", j]))
            if entries and entry.effective <= entries[-1].effective:
                raise PriceBookError(
                    f"model {raw['id']}: price dates must be in increasing order "
                    f"({entry.effective.isoformat()} after {entries[-1].effective.isoformat()})",
                    source=source,
                    line=locator.line(["models", i, "prices", j, "effective"]),
                )
            entries.append(entry)
        retired = raw.get("retired")
        models.append(
            Model(
                id=raw["id"],
                name=raw["name"],
                provider=provider,
                currency=raw["currency"],
                context_window=raw["context_window"],
                tokenizer=raw["tokenizer"],
                prices=tuple(entries),
                aliases=tuple(raw.get("aliases", ())),
                retired=_date(retired, source, line, "retired") if retired else None,
                note=raw.get("note"),
                origin=source,
                user=user,
            )
        )
    family = None
    if "family" in data:
        fam = data["family"]
        family = Family(provider, tuple(fam["names"]), fam["prefix"], fam.get("flagship"))
        if family.flagship and family.flagship not in seen:
            raise PriceBookError(
                f"field family.flagship: {family.flagship!r} is not a model in this file",
                source=source,
                line=locator.line(["family", "flagship"]),
            )
    return models, family


def parse_fx_file(data: Any, locator: Locator, source: str) -> FxTable:
    if not isinstance(data, dict):
        raise PriceBookError("an fx file is a mapping with schema_version and rates", source=source, line=1)
    _schema_check(data, "FX_FILE", source, locator)
    rates: list[FxRate] = []
    for i, raw in enumerate(data["rates"]):
        line = locator.line(["rates", i])
        when = _date(raw["date"], source, line, "date")
        if rates and when <= (rates[-1].date or when):  # a book's rates are dated
            raise PriceBookError("rates must be in increasing date order", source=source, line=line)
        rate = Decimal(raw["usd_cny"])
        if rate <= 0:
            raise PriceBookError("usd_cny must be positive", source=source, line=line)
        rates.append(FxRate(rate, when, raw["source"]))
    return FxTable(tuple(rates))


def _files(path: Path) -> list[Path]:
    """The price files of a file or folder: a folder's ``*.yaml``/``*.yml`` entries that are not folders
    (a FIFO or a device among them is refused when it is read, never skipped)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and is_listed_file(p))
        if not files:
            raise InputError("no .yaml price files in this folder", source=str(path))
        return files
    if path.exists():
        return [path]
    raise InputError("no such file or folder", source=str(path))


def _read(path: Path, files: list[Path]) -> list[tuple[Path, bytes]]:
    """Each price file's bytes, read once (at most ``MAX_YAML_BYTES`` each): the book is parsed from
    them and its digest and cache key are made of them.  A file found in a folder must be a regular
    file; one named on its own may be a pipe (``--prices <(…)``)."""
    listed = path.is_dir()
    return [(f, read_bytes(f, MAX_YAML_BYTES, pipes=not listed)) for f in files if f.name != "tokenizers.yaml"]


@dataclass
class _Parsed:
    models: list[Model]
    families: list[Family]
    fx: FxTable | None
    paths: list[Path]
    raw: list[bytes]  # each path's bytes, for the book's digest


def _parse_files(files: list[tuple[Path, bytes]], *, user: bool) -> _Parsed:
    out = _Parsed([], [], None, [], [])
    for path, raw in files:
        data, locator = loads(decode(raw, str(path)), str(path))
        out.paths.append(path)
        out.raw.append(raw)
        if path.name == "fx.yaml":
            out.fx = parse_fx_file(data, locator, str(path))
            continue
        models, family = parse_price_file(
            data, locator, str(path), user=user, expected_provider=None if user else path.stem
        )
        out.models.extend(models)
        if family:
            out.families.append(family)
    return out


def _parse_paths(path: Path, *, user: bool) -> _Parsed:
    """A price file or folder, read and parsed (``tokenizers.yaml`` is read by ``llmcost.tokens``)."""
    return _parse_files(_read(path, _files(path)), user=user)


def build(parsed: list[_Parsed]) -> PriceBook:
    """Merge parsed layers (shipped first, then the user's) into one book."""
    models: dict[str, Model] = {}
    families: list[Family] = []
    fx = None
    files = [str(path) for layer in parsed for path in layer.paths]
    for layer in parsed:
        layer_ids: dict[str, str] = {}
        for model in layer.models:
            if model.id in layer_ids:
                raise PriceBookError(
                    f"model {model.id!r} is defined in two files (also in {layer_ids[model.id]})", source=model.origin
                )
            layer_ids[model.id] = model.origin
            old = models.get(model.id)
            if old is not None and (old.provider != model.provider or old.currency != model.currency):
                raise PriceBookError(
                    f"model {model.id!r} overrides the shipped {old.provider} model priced in {old.currency} "
                    f"with provider {model.provider!r} in {model.currency}; use the same provider and "
                    "currency, or give it a new id",
                    source=model.origin,
                )
            models[model.id] = model
        families.extend(layer.families)
        fx = layer.fx or fx
    names: dict[str, list[str]] = {}
    for model in models.values():
        for name in (model.id, *model.aliases):
            ids = names.setdefault(_norm(name), [])
            if model.id not in ids:
                ids.append(model.id)
    # An id always wins over another model's alias of the same spelling.
    resolved = {k: (k,) if k in models else tuple(v) for k, v in names.items()}
    return PriceBook(
        models=models,
        families=tuple(families),
        fx=fx,
        files=tuple(files),
        digest=digest_of((path, raw) for layer in parsed for path, raw in zip(layer.paths, layer.raw, strict=True)),
        _names=resolved,
    )


def digest_of(files: Iterable[tuple[Path, bytes]]) -> str:
    """A book's digest: 16 hex digits of the sha256 of its files' names and bytes, in order."""
    digest = hashlib.sha256()
    for path, raw in files:
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
    return digest.hexdigest()[:16]


#: The classes a cached book is made of (``book.cache`` restores only these).
_CACHED_CLASSES = (Model, PriceEntry, Band, FreeQuota, Family, FxTable, FxRate)


@cache
def _base(folder: Path) -> _Parsed:
    """The base book, parsed and validated once per content (see ``book.cache``): keyed by
    llmcost's version and code, the folder (as given and resolved: the parsed book keeps its files'
    paths as given, and a relative path is only right from where it was given) and every file."""
    from .. import __version__, inputs, money, yamlsafe
    from . import cache as book_cache
    from . import model, schema

    files = _read(folder, _files(folder))
    store = book_cache.BookCache.default((*_CACHED_CLASSES, _Parsed))
    key = None
    if store is not None:
        key = book_cache.cache_key(
            [__version__.encode(), str(folder).encode(), str(folder.resolve()).encode()],
            files,
            [Path(__file__), *(Path(str(m.__file__)) for m in (model, schema, book_cache, money, yamlsafe, inputs))],
        )
    # The files' bytes are not cached (the key is made of them, and they are at hand).
    parsed = book_cache.cached(key, store, lambda: replace(_parse_files(files, user=False), raw=[]))
    return replace(parsed, raw=[data for _, data in files])


def load(user_path: str | os.PathLike[str] | None = None, *, user_prices: bool = True) -> PriceBook:
    """The active book (shipped, an installed update, or LLMCOST_BOOK: see ``book.installed``),
    plus a user's file or folder (``--prices``/``LLMCOST_PRICES``; none with ``user_prices=False``).
    ``book.origin`` says which book it is."""
    from . import installed

    active = installed.active()
    base = _base(active.folder)
    origin = replace(active, digest=digest_of(zip(base.paths, base.raw, strict=True)),
                     book_date=active.book_date or installed.parsed_date(base))
    layers = [base]
    if user_path is None and user_prices:
        user_path = os.environ.get("LLMCOST_PRICES") or None
    if user_path is not None and user_prices:
        for path in _files(Path(user_path)):
            if path.name == "tokenizers.yaml":  # not merged: refused, never silently ignored
                from ..tokens import known_tokenizers

                raise PriceBookError(
                    f"{path}: a tokenizers.yaml in --prices is not read; your models must name a "
                    f"shipped tokenizer: {', '.join(known_tokenizers())}"
                )
        layers.append(_parse_paths(Path(user_path), user=True))
    return replace(build(layers), origin=origin)


def load_only(path: str | os.PathLike[str]) -> PriceBook:
    """A book from the given file or folder alone (tests, ``prices validate``)."""
    return build([_parse_paths(Path(path), user=True)])


def validate(path: str | os.PathLike[str]) -> list[str]:
    """Check a file or folder; returns the files checked. Raises on the first problem."""
    return validated(path)[1]


def validated(path: str | os.PathLike[str], *, base: bool = False) -> tuple[PriceBook, list[str]]:
    """Parse, build and check a file or folder: the book and the files checked. Raises on the first
    problem. ``base``: check it as a base book is loaded (each provider file named after its provider)."""
    from ..tokens import known_tokenizers

    parsed = _parse_paths(Path(path), user=not base)
    book = build([parsed])
    known = known_tokenizers()
    for model in book.models.values():
        if model.tokenizer not in known:
            raise PriceBookError(
                f"model {model.id}: unknown tokenizer {model.tokenizer!r}",
                source=model.origin,
                column="field tokenizer",
                hint=f"known: {', '.join(known)}",
            )
    return book, [str(p) for p in parsed.paths]


def with_models(book: PriceBook, models: Iterable[Model]) -> PriceBook:
    """A copy of ``book`` with some models replaced (used for discounts)."""
    updated = dict(book.models)
    for model in models:
        updated[model.id] = model
    return replace(book, models=updated)
