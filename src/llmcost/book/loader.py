"""Loading the price book: read the price files (each parsed by ``book.parse``), merge the shipped book with a user's,
and cache the parsed base book (``book.cache``).

The book is made from the shipped files in ``llmcost/price_files`` (``prices/`` in the source
tree) plus, optionally, a user's file or folder (``--prices`` or ``LLMCOST_PRICES``) whose models
add to or replace shipped ones.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

from ..errors import InputError, PriceBookError
from ..inputs import decode, is_listed_file, read_bytes
from ..money import FxRate
from ..yamlsafe import MAX_YAML_BYTES, loads
from .model import (
    Band,
    Deprecation,
    Family,
    FreeQuota,
    FxTable,
    Model,
    PriceBook,
    PriceEntry,
    PriceList,
    Provider,
    TimeOfDay,
    _norm,
)
from .parse import parse_fx_file, parse_holidays_file, parse_price_file


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
    providers: list[Provider] = field(default_factory=list)
    calendars: list[tuple[str, tuple[date, ...]]] = field(default_factory=list)  # (name, days), sorted


def _parse_files(files: list[tuple[Path, bytes]], *, user: bool) -> _Parsed:
    out = _Parsed([], [], None, [], [])
    for path, raw in files:
        data, locator = loads(decode(raw, str(path)), str(path))
        out.paths.append(path)
        out.raw.append(raw)
        if path.name == "fx.yaml":
            out.fx = parse_fx_file(data, locator, str(path))
            continue
        if path.name == "holidays.yaml":
            calendars = parse_holidays_file(data, locator, str(path))
            out.calendars = sorted((name, tuple(sorted(days))) for name, days in calendars.items())
            continue
        models, family, provider = parse_price_file(
            data, locator, str(path), user=user, expected_provider=None if user else path.stem
        )
        out.models.extend(models)
        out.providers.append(provider)
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
    providers: dict[str, Provider] = {}
    calendars: dict[str, frozenset[date]] = {}
    fx = None
    files = [str(path) for layer in parsed for path in layer.paths]
    for layer in parsed:
        for provider in layer.providers:
            providers.setdefault(provider.id, provider)  # a user's file adds to a shipped provider
        for name, days in layer.calendars:
            calendars[name] = frozenset(days)
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
    for model in models.values():
        for entry in (*model.prices, *(model.intl.prices if model.intl else ())):
            calendar = entry.time_of_day.holidays if entry.time_of_day else None
            if calendar is not None and calendar not in calendars:
                raise PriceBookError(
                    f"model {model.id}: time_of_day.holidays {calendar!r} is not a calendar in "
                    f"holidays.yaml (known: {', '.join(sorted(calendars)) or 'none'})",
                    source=model.origin,
                )
    return PriceBook(
        models=models,
        families=tuple(families),
        fx=fx,
        providers=providers,
        calendars=calendars,
        files=tuple(files),
        digest=digest_of((path, raw) for layer in parsed for path, raw in zip(layer.paths, layer.raw, strict=True)),
        _names=resolved,
    )


def digest_of(files: Iterable[tuple[Path, bytes]]) -> str:
    """A book's digest: 16 hex digits of the sha256 of its files' names and bytes, in order."""
    digest = hashlib.sha256()
    for path, raw in files:
        digest.update(os.fsencode(path.name) + b"\0" + raw + b"\0")
    return digest.hexdigest()[:16]


#: The classes a cached book is made of (``book.cache`` restores only these).
_CACHED_CLASSES = (
    Model,
    PriceEntry,
    Band,
    FreeQuota,
    Family,
    FxTable,
    FxRate,
    TimeOfDay,
    Deprecation,
    PriceList,
    Provider,
)


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
            [__version__.encode(), os.fsencode(folder), os.fsencode(folder.resolve())],
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
    origin = replace(
        active,
        digest=digest_of(zip(base.paths, base.raw, strict=True)),
        book_date=active.book_date or installed.parsed_date(base),
    )
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
    parsed = _parse_paths(Path(path), user=not base)
    book = build([parsed])
    check_book(book)
    return book, [str(p) for p in parsed.paths]


def check_book(book: PriceBook) -> None:
    """What ``prices validate`` checks of a built book beyond each file: the schema-2 date rules
    (``book.rules``) and that every tokenizer is known."""
    from ..tokens import known_tokenizers
    from .rules import check_dates

    check_dates(book)
    known = known_tokenizers()
    for model in book.models.values():
        if model.tokenizer not in known:
            raise PriceBookError(
                f"model {model.id}: unknown tokenizer {model.tokenizer!r}",
                source=model.origin,
                column="field tokenizer",
                hint=f"known: {', '.join(known)}",
            )


def with_models(book: PriceBook, models: Iterable[Model]) -> PriceBook:
    """A copy of ``book`` with some models replaced (used for discounts)."""
    updated = dict(book.models)
    for model in models:
        updated[model.id] = model
    return replace(book, models=updated)
