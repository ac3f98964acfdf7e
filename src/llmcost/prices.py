"""The price book: load and validate price files, resolve model names, dated prices.

A ``PriceBook`` is immutable once built.  It is made from the shipped files in
``llmcost/prices`` plus, optionally, a user's file or folder (``--prices`` or
``LLMCOST_PRICES``) whose models add to or replace shipped ones.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import pickle
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from .errors import InputError, PriceBookError, UnknownModelError, UsageError
from .money import FxRate
from .resources import shipped_prices_dir
from .yamlsafe import Locator, load_file

UNITS = {"1K": 1_000, "10K": 10_000, "1M": 1_000_000}
SPECIAL_FILES = {"fx.yaml", "tokenizers.yaml"}


@dataclass(frozen=True)
class Band:
    """Prices per ``unit`` tokens for requests whose input is at most ``up_to`` tokens."""

    up_to: int | None
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    batch_input: Decimal | None = None
    batch_output: Decimal | None = None


@dataclass(frozen=True)
class FreeQuota:
    tokens: int
    period: str  # "once" | "month"
    note: str | None = None


@dataclass(frozen=True)
class PriceEntry:
    """One dated price of a model, as the vendor quoted it."""

    effective: date
    unit: str
    mode: str  # "flat" | "whole" | "graduated"
    bands: tuple[Band, ...]
    source: str
    note: str | None = None
    free_quota: FreeQuota | None = None

    @property
    def per(self) -> int:
        return UNITS[self.unit]

    @property
    def flat(self) -> Band:
        return self.bands[0]

    def unit_label(self, currency: str) -> str:
        unit = {"1K": "1K", "10K": "10K", "1M": "1M"}[self.unit]
        return f"{currency}/{unit} tokens"


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    provider: str
    currency: str
    context_window: int
    tokenizer: str
    prices: tuple[PriceEntry, ...]
    aliases: tuple[str, ...] = ()
    retired: date | None = None
    note: str | None = None
    origin: str = ""
    user: bool = False  # priced from a user's file

    def price_at(self, when: date) -> PriceEntry:
        """The entry in force on ``when``; an error before the first one."""
        current = None
        for entry in self.prices:
            if entry.effective <= when:
                current = entry
        if current is None:
            raise NoPriceError(self, when)
        if self.retired is not None and when >= self.retired:
            raise NoPriceError(self, when, retired=True)
        return current


class NoPriceError(InputError):
    def __init__(self, model: Model, when: date, retired: bool = False):
        if retired:
            message = f"{model.id} was retired on {model.retired.isoformat()}, before {when.isoformat()}"
        else:
            message = (f"{model.id} has no price on or before {when.isoformat()} "
                       f"(its first price is from {model.prices[0].effective.isoformat()})")
        super().__init__(message)
        self.model, self.when = model, when


@dataclass(frozen=True)
class Family:
    provider: str
    names: tuple[str, ...]
    prefix: str
    flagship: str | None


@dataclass(frozen=True)
class FxTable:
    rates: tuple[FxRate, ...]

    def at(self, when: date) -> FxRate | None:
        """The last rate on or before ``when``; None before the first one."""
        current = None
        for rate in self.rates:
            if rate.date is not None and rate.date <= when:
                current = rate
        return current


@dataclass(frozen=True)
class PriceBook:
    models: dict[str, Model]
    families: tuple[Family, ...] = ()
    fx: FxTable | None = None
    files: tuple[str, ...] = ()
    digest: str = ""
    _names: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    # -- lookup -----------------------------------------------------------
    def resolve(self, name: str) -> Model:
        """An id, alias (case-insensitive) or family name/prefix → one model."""
        key = _norm(name)
        if not key:
            raise UsageError("empty model name")
        ids = self._names.get(key)
        if ids is None:
            ids = self._family_match(key)
        if not ids:
            raise UnknownModelError(name, self.suggest(key))
        if len(ids) > 1:
            raise UsageError(f"model name {name!r} is ambiguous: it matches {', '.join(sorted(ids))}",
                             hint="use the model id")
        return self.models[ids[0]]

    def _family_match(self, key: str) -> tuple[str, ...]:
        for fam in self.families:
            for fname in fam.names:
                fkey = _norm(fname)
                if key == fkey and fam.flagship:
                    return (fam.flagship,)
                for sep in ("-", " ", "_", ""):
                    if sep == "" and fkey.isascii():
                        continue  # "qwenlong" is not "qwen-long"; "豆包pro-32k" may be
                    if key.startswith(fkey + sep) and len(key) > len(fkey + sep):
                        rest = key[len(fkey + sep):]
                        candidate = _norm(f"{fam.prefix}-{rest}")
                        if candidate in self._names:
                            return self._names[candidate]
        return ()

    def suggest(self, key: str) -> list[str]:
        hits = difflib.get_close_matches(key, list(self._names), n=3, cutoff=0.6)
        out: list[str] = []
        for hit in hits:
            for model_id in self._names[hit]:
                if model_id not in out:
                    out.append(model_id)
        return out[:3]

    def select(self, names: Iterable[str] = (), providers: Iterable[str] = (), everything: bool = False) -> list[Model]:
        """Models named, or all of the given providers, or all; in a stable order."""
        names, providers = list(names), [p.strip().lower() for p in providers]
        known = sorted({m.provider for m in self.models.values()})
        for provider in providers:
            if provider not in known:
                close = difflib.get_close_matches(provider, known, n=1)
                hint = f"did you mean {close[0]}?" if close else f"providers: {', '.join(known)}"
                raise UsageError(f"unknown provider {provider!r}", hint=hint)
        chosen: list[Model] = []
        for name in names:
            model = self.resolve(name)
            if providers and model.provider not in providers:
                raise UsageError(f"{model.id} is a {model.provider} model, not in --provider {','.join(providers)}")
            if model not in chosen:
                chosen.append(model)
        if not names and (everything or providers):
            chosen = [m for m in self.models.values() if not providers or m.provider in providers]
        return chosen


def _norm(name: str) -> str:
    return " ".join(name.strip().lower().split())


# -- loading ---------------------------------------------------------------

@cache
def _compiled(schema_name: str):  # type: ignore[no-untyped-def]
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
        elif exc.rule == "pattern" and isinstance(exc.value, str) and path and path[-1] in (
                "input", "output", "cached_input", "batch_input", "batch_output", "usd_cny"):
            problem = f"{exc.value!r} is not a non-negative decimal"
        elif exc.rule == "type" and isinstance(exc.value, float):
            hint = 'quote prices as decimal strings, e.g. "0.0008"'
            problem = "is a YAML float; prices must be quoted decimal strings"
        elif exc.rule == "type" and isinstance(exc.value, int) and path and path[-1] in (
                "input", "output", "cached_input", "batch_input", "batch_output", "usd_cny"):
            hint = 'write "0" or "5", quoted'
            problem = "is a YAML number; prices must be quoted decimal strings"
        raise PriceBookError(f"field {where}: {problem}", source=source, line=locator.line(path),
                             hint=hint) from None


def _date(text: str, source: str, line: int | None, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PriceBookError(f"{what}: {text!r} is not a real date", source=source, line=line) from None


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _band(raw: dict[str, Any]) -> Band:
    return Band(up_to=raw.get("up_to"), input=Decimal(raw["input"]), output=Decimal(raw["output"]),
                cached_input=_dec(raw.get("cached_input")), batch_input=_dec(raw.get("batch_input")),
                batch_output=_dec(raw.get("batch_output")))


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
    return PriceEntry(effective=effective, unit=raw["unit"], mode=mode, bands=bands,
                      source=raw["source"], note=raw.get("note"),
                      free_quota=FreeQuota(quota["tokens"], quota["period"], quota.get("note")) if quota else None)


def parse_price_file(data: Any, locator: Locator, source: str, *, user: bool = False,
                     expected_provider: str | None = None) -> tuple[list[Model], Family | None]:
    """Validate one provider file and build its models."""
    if not isinstance(data, dict):
        raise PriceBookError("a price file is a mapping with schema_version, provider and models",
                             source=source, line=1)
    _schema_check(data, "PRICE_FILE", source, locator)
    provider = data["provider"]
    if expected_provider is not None and provider != expected_provider:
        raise PriceBookError(f"field provider: {provider!r} does not match the file name "
                             f"({expected_provider}.yaml)", source=source, line=locator.line(["provider"]))
    models: list[Model] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["models"]):
        line = locator.line(["models", i])
        if raw["id"] in seen:
            raise PriceBookError(f"model {raw['id']!r} is defined twice", source=source, line=line)
        seen[raw["id"]] = i
        entries = []
        for j, raw_entry in enumerate(raw["prices"]):
            entry = _entry(raw_entry, source, locator.line(["models", i, "prices", j]))
            if entries and entry.effective <= entries[-1].effective:
                raise PriceBookError(
                    f"model {raw['id']}: price dates must be in increasing order "
                    f"({entry.effective.isoformat()} after {entries[-1].effective.isoformat()})",
                    source=source, line=locator.line(["models", i, "prices", j, "effective"]))
            entries.append(entry)
        retired = raw.get("retired")
        models.append(Model(
            id=raw["id"], name=raw["name"], provider=provider, currency=raw["currency"],
            context_window=raw["context_window"], tokenizer=raw["tokenizer"], prices=tuple(entries),
            aliases=tuple(raw.get("aliases", ())),
            retired=_date(retired, source, line, "retired") if retired else None,
            note=raw.get("note"), origin=source, user=user))
    family = None
    if "family" in data:
        fam = data["family"]
        family = Family(provider, tuple(fam["names"]), fam["prefix"], fam.get("flagship"))
        if family.flagship and family.flagship not in seen:
            raise PriceBookError(f"field family.flagship: {family.flagship!r} is not a model in this file",
                                 source=source, line=locator.line(["family", "flagship"]))
    return models, family


def parse_fx_file(data: Any, locator: Locator, source: str) -> FxTable:
    if not isinstance(data, dict):
        raise PriceBookError("an fx file is a mapping with schema_version and rates", source=source, line=1)
    _schema_check(data, "FX_FILE", source, locator)
    rates = []
    for i, raw in enumerate(data["rates"]):
        line = locator.line(["rates", i])
        when = _date(raw["date"], source, line, "date")
        if rates and when <= rates[-1].date:
            raise PriceBookError("rates must be in increasing date order", source=source, line=line)
        rate = Decimal(raw["usd_cny"])
        if rate <= 0:
            raise PriceBookError("usd_cny must be positive", source=source, line=line)
        rates.append(FxRate(rate, when, raw["source"]))
    return FxTable(tuple(rates))


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise InputError("no .yaml price files in this folder", source=str(path))
        return files
    if path.exists():
        return [path]
    raise InputError("no such file or folder", source=str(path))


@dataclass
class _Parsed:
    models: list[Model]
    families: list[Family]
    fx: FxTable | None
    paths: list[Path]


def _parse_paths(paths: list[Path], *, user: bool) -> _Parsed:
    out = _Parsed([], [], None, [])
    for path in paths:
        if path.name == "tokenizers.yaml":
            continue  # read by llmcost.tokens
        data, locator = load_file(path)
        out.paths.append(path)
        if path.name == "fx.yaml":
            out.fx = parse_fx_file(data, locator, str(path))
            continue
        models, family = parse_price_file(data, locator, str(path), user=user,
                                          expected_provider=None if user else path.stem)
        out.models.extend(models)
        if family:
            out.families.append(family)
    return out


def build(parsed: list[_Parsed]) -> PriceBook:
    """Merge parsed layers (shipped first, then the user's) into one book."""
    models: dict[str, Model] = {}
    families: list[Family] = []
    fx = None
    files: list[str] = []
    digest = hashlib.sha256()
    for layer in parsed:
        for path in layer.paths:
            files.append(str(path))
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        layer_ids: dict[str, str] = {}
        for model in layer.models:
            if model.id in layer_ids:
                raise PriceBookError(f"model {model.id!r} is defined in two files (also in {layer_ids[model.id]})",
                                     source=model.origin)
            layer_ids[model.id] = model.origin
            old = models.get(model.id)
            if old is not None:
                if old.provider != model.provider or old.currency != model.currency:
                    raise PriceBookError(
                        f"model {model.id!r} overrides the shipped {old.provider} model priced in {old.currency} "
                        f"with provider {model.provider!r} in {model.currency}; use the same provider and "
                        "currency, or give it a new id", source=model.origin)
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
    return PriceBook(models=models, families=tuple(families), fx=fx, files=tuple(files),
                     digest=digest.hexdigest()[:16], _names=resolved)


@cache
def _base(folder: Path) -> _Parsed:
    """The base book, parsed and validated once per content: a pickle of the result is kept in the
    cache folder, keyed by llmcost's version and code, the folder and the bytes of every file in it
    (a changed file is a new key). Parsing the YAML costs ~130 ms; the pickle loads in ~5 ms."""
    files = _files(folder)
    cache_file = _cache_file(folder, files)
    if cache_file is not None:
        try:
            with open(cache_file, "rb") as f:
                parsed = pickle.load(f)
            if isinstance(parsed, _Parsed):
                return parsed
        except Exception:  # missing, unreadable, or from an incompatible build: parse again
            pass
    parsed = _parse_paths(files, user=False)
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, cache_file)
        except OSError:  # a read-only home is fine: no cache, same result
            pass
    return parsed


def _cache_file(folder: Path, files: list[Path]) -> Path | None:
    """Where the parsed book is cached; None when caching is off (``LLMCOST_NO_CACHE=1``)."""
    if os.environ.get("LLMCOST_NO_CACHE"):
        return None
    base = os.environ.get("LLMCOST_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "llmcost")
    from . import __version__

    # The folder as given as well as resolved: the parsed book keeps its files' paths as given, and a
    # relative path is only right from where it was given.
    key = hashlib.sha256(f"{__version__}\0{folder}\0{folder.resolve()}\0".encode())
    try:
        # The code that defines the pickled classes is part of the key too (a development build
        # keeps its version number while they change).
        from . import money

        for path in (Path(__file__), Path(money.__file__), *files):
            key.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None  # let the parser report the unreadable file
    return Path(base) / f"book-{key.hexdigest()[:32]}.pickle"


def load(user_path: str | os.PathLike[str] | None = None) -> PriceBook:
    """The shipped book, plus a user's file or folder (``--prices``/``LLMCOST_PRICES``)."""
    layers = [_base(shipped_prices_dir())]
    if user_path is None:
        user_path = os.environ.get("LLMCOST_PRICES") or None
    if user_path is not None:
        files = _files(Path(user_path))
        for path in files:
            if path.name == "tokenizers.yaml":  # not merged: refused, never silently ignored
                from .tokens import known_tokenizers

                raise PriceBookError(f"{path}: a tokenizers.yaml in --prices is not read; your models must name a "
                                     f"shipped tokenizer: {', '.join(known_tokenizers())}")
        layers.append(_parse_paths(files, user=True))
    return build(layers)


def load_only(path: str | os.PathLike[str]) -> PriceBook:
    """A book from the given file or folder alone (tests, ``prices validate``)."""
    return build([_parse_paths(_files(Path(path)), user=True)])


def validate(path: str | os.PathLike[str]) -> list[str]:
    """Check a file or folder; returns the files checked. Raises on the first problem."""
    from .tokens import known_tokenizers

    parsed = _parse_paths(_files(Path(path)), user=True)
    book = build([parsed])
    known = known_tokenizers()
    for model in book.models.values():
        if model.tokenizer not in known:
            raise PriceBookError(f"model {model.id}: unknown tokenizer {model.tokenizer!r}", source=model.origin,
                                 column="field tokenizer", hint=f"known: {', '.join(known)}")
    return [str(p) for p in parsed.paths]


def with_models(book: PriceBook, models: Iterable[Model]) -> PriceBook:
    """A copy of ``book`` with some models replaced (used for discounts)."""
    updated = dict(book.models)
    for model in models:
        updated[model.id] = model
    return replace(book, models=updated)
