"""The shipped price book (prices/*.yaml, packaged as llmcost.price_files).

This is the one suite that reads the real price book instead of tests/data/book. It
finds the files the way the installed tool does (``llmcost.resources`` with no
``LLMCOST_BOOK``) and checks that they load, follow the format rules of
docs/price-format.md, cover what issue 2 asks for, and hold the price-war facts the
README and the issues quote. A failure here means a price file is wrong, or a
promised model or fact went missing: fix the data, not the test.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from importlib import resources as importlib_resources
from pathlib import Path

import pytest
import yaml

from llmcost import book as prices
from llmcost.errors import UnknownModelError
from llmcost.resources import shipped_prices_dir

REPO_PRICES = Path(__file__).resolve().parents[1] / "prices"
SPECIAL = {"fx.yaml", "tokenizers.yaml"}
PROVIDERS = ["doubao", "qwen", "ernie", "spark", "hunyuan", "glm", "openai"]
PRICE_KEYS = {"input", "output", "cached_input", "batch_input", "batch_output", "usd_cny"}
DATE_KEYS = {"effective", "date", "retired"}
TODAY = date.today()


# -- fixtures ----------------------------------------------------------------------

@pytest.fixture
def shipped_dir(monkeypatch) -> Path:
    """The shipped book's folder, found exactly as the installed tool finds it."""
    monkeypatch.delenv("LLMCOST_BOOK", raising=False)
    monkeypatch.delenv("LLMCOST_PRICES", raising=False)
    return shipped_prices_dir()


@pytest.fixture
def shipped_book(shipped_dir) -> prices.PriceBook:
    """The book the tool uses with no --prices: the shipped files only."""
    return prices.load()


def yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".yaml")


def provider_files(folder: Path) -> list[Path]:
    return [p for p in yaml_files(folder) if p.name not in SPECIAL]


def per_million(entry: prices.PriceEntry, value: Decimal) -> Decimal:
    return value * 1_000_000 / entry.per


# -- where the book is, and that it loads -------------------------------------------

def test_package_data_is_the_repo_prices_folder(shipped_dir):
    packaged = Path(str(importlib_resources.files("llmcost.price_files")))
    assert shipped_dir == packaged
    names = [p.name for p in yaml_files(shipped_dir)]
    assert names == [p.name for p in yaml_files(REPO_PRICES)]
    assert {f"{p}.yaml" for p in PROVIDERS} | SPECIAL <= set(names)
    for name in names:  # an installed copy must be byte-identical to the repo's
        assert (shipped_dir / name).read_bytes() == (REPO_PRICES / name).read_bytes(), name


def test_every_file_loads_and_passes_the_schema(shipped_dir, shipped_book):
    checked = prices.validate(shipped_dir)  # what `llmcost prices validate` runs
    assert sorted(Path(f).name for f in checked) == sorted(
        p.name for p in yaml_files(shipped_dir) if p.name != "tokenizers.yaml")
    # load() is stricter: provider must equal the file name (expected_provider).
    assert sorted(Path(f).name for f in shipped_book.files) == sorted(Path(f).name for f in checked)
    assert {m.provider for m in shipped_book.models.values()} == set(PROVIDERS)
    for path in provider_files(shipped_dir):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["provider"] == path.stem
        assert data["models"], f"{path.name} has no models"


def test_cli_validates_the_shipped_book(cli, shipped_dir):
    n = len([p for p in yaml_files(shipped_dir) if p.name != "tokenizers.yaml"])
    r = cli("prices", "validate", env={"LLMCOST_BOOK": None, "LLMCOST_PRICES": None})
    assert (r.code, r.out, r.err) == (0, f"ok: {n} file(s) valid\n", "")
    r = cli("prices", "validate", str(REPO_PRICES))
    assert (r.code, r.out, r.err) == (0, f"ok: {n} file(s) valid\n", "")


def test_fx_rates_are_dated_and_sourced(shipped_book):
    rates = shipped_book.fx.rates
    assert rates, "fx.yaml has no rates"
    for rate in rates:
        assert rate.source.startswith("https://"), rate
        assert rate.usd_cny > 0 and rate.date is not None
    assert [r.date for r in rates] == sorted({r.date for r in rates})


# -- format rules on every entry -----------------------------------------------------

def test_every_price_entry_has_an_https_source(shipped_book):
    bad = [(m.id, e.effective.isoformat(), e.source) for m in shipped_book.models.values()
           for e in m.prices if not re.match(r"^https://\S+$", e.source)]
    assert bad == []


def test_effective_dates_strictly_increase_per_model(shipped_dir):
    # Read the raw files, not the loader's output, so this does not trust the loader.
    for path in provider_files(shipped_dir):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            dates = [date.fromisoformat(p["effective"]) for p in model["prices"]]
            assert all(a < b for a, b in zip(dates, dates[1:])), (path.name, model["id"], dates)


def yaml_number_problems(text: str) -> list[str]:
    """Every YAML float anywhere, and every price or date that is not a quoted string.

    Works on the composed node tree (tags as YAML resolves them, quoting styles as
    written), so an unquoted ``0.0008`` is caught before any loader converts it.
    """
    problems: list[str] = []

    def walk(node: yaml.Node, key: str | None) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(k, None)
                walk(v, k.value if isinstance(k, yaml.ScalarNode) else None)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, key)
        elif isinstance(node, yaml.ScalarNode):
            where = f"line {node.start_mark.line + 1}"
            if node.tag == "tag:yaml.org,2002:float":
                problems.append(f"{where}: YAML float {node.value!r}")
            elif key in PRICE_KEYS | DATE_KEYS and node.style not in ("'", '"'):
                problems.append(f"{where}: {key} {node.value!r} is not a quoted string")

    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if document is not None:
            walk(document, None)
    return problems


def test_number_scanner_catches_floats_and_unquoted_prices():
    assert yaml_number_problems('input: "0.0008"\neffective: "2024-05-15"\nnote: "1.5"\n') == []
    assert yaml_number_problems("note: 1.5\n") == ["line 1: YAML float '1.5'"]
    assert yaml_number_problems("prices:\n  - input: 5\n") == ["line 2: input '5' is not a quoted string"]
    assert yaml_number_problems("rates: [{usd_cny: 7.1}]\n") == ["line 1: YAML float '7.1'"]
    assert yaml_number_problems("effective: 2024-05-15\n") == [
        "line 1: effective '2024-05-15' is not a quoted string"]


@pytest.mark.parametrize("name", sorted(p.name for p in yaml_files(REPO_PRICES)))
def test_no_yaml_floats_and_prices_are_quoted(name, shipped_dir):
    assert yaml_number_problems((shipped_dir / name).read_text(encoding="utf-8")) == []


def test_every_model_has_a_known_tokenizer(shipped_dir, shipped_book):
    table = yaml.safe_load((shipped_dir / "tokenizers.yaml").read_text(encoding="utf-8"))["tokenizers"]
    missing = sorted((m.id, m.tokenizer) for m in shipped_book.models.values() if m.tokenizer not in table)
    assert missing == []


def test_cache_and_batch_prices_are_discounts(shipped_book):
    # Cached input never costs more than input; every batch price in this book is a
    # vendor's published 50% (OpenAI, Qwen, GLM, Volcano Engine Ark all say 50%).
    for model in shipped_book.models.values():
        for entry in model.prices:
            for band in entry.bands:
                where = (model.id, entry.effective.isoformat(), band.up_to)
                if band.cached_input is not None:
                    assert band.cached_input <= band.input, where
                if band.batch_input is not None or band.batch_output is not None:
                    assert (band.batch_input, band.batch_output) == (band.input / 2, band.output / 2), where


# -- what issue 2 promises is in the book ------------------------------------------

BRIEF_MODELS = {  # what the brief names -> the model id it must resolve to
    "doubao": ["doubao-pro-4k", "doubao-pro-32k", "doubao-pro-128k", "doubao-lite-4k",
               "doubao-lite-32k", "doubao-lite-128k", "doubao-1.5-pro-32k", "doubao-1.5-lite-32k",
               "doubao-seed-1.6"],
    "qwen": ["qwen-long", "qwen-turbo", "qwen-plus", "qwen-max"],
    "ernie": ["ernie-speed-8k", "ernie-lite-8k", "ernie-3.5-8k", "ernie-4.0-8k", "ernie-4.0-turbo-8k"],
    "spark": ["spark-lite", "spark-pro", "spark-max"],
    "hunyuan": ["hunyuan-lite", "hunyuan-standard", "hunyuan-pro", "hunyuan-turbo"],
    "glm": ["glm-3-turbo", "glm-4", "glm-4-air", "glm-4-flash", "glm-4-plus"],
    "openai": ["gpt-4o", "gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "gpt-4o-mini"],
}


@pytest.mark.parametrize("provider,model_id",
                         [(p, m) for p, ids in BRIEF_MODELS.items() for m in ids])
def test_brief_model_resolves_by_id(shipped_book, provider, model_id):
    for spelling in (model_id, model_id.upper()):
        model = shipped_book.resolve(spelling)
        assert (model.id, model.provider) == (model_id, provider)
    assert model.prices[0].effective <= TODAY


@pytest.mark.parametrize("spelling,model_id", [
    ("ERNIE-Speed-8K", "ernie-speed-8k"), ("ERNIE-4.0-Turbo-8K", "ernie-4.0-turbo-8k"),
    ("Doubao-pro-32k", "doubao-pro-32k"), ("doubao-1-5-pro-32k", "doubao-1.5-pro-32k"),
    ("doubao-seed-1-6", "doubao-seed-1.6"), ("generalv3", "spark-pro"), ("generalv3.5", "spark-max"),
    ("GLM-4-Flash", "glm-4-flash"), ("hunyuan-standard-256K", "hunyuan-standard-256k"),
])
def test_vendor_spellings_resolve(shipped_book, spelling, model_id):
    assert shipped_book.resolve(spelling).id == model_id


# Models the brief asks for that have no sourced, dated price yet. Each must stay out
# of the book (never priced from a guess) and the provider file's header must say so.
DOCUMENTED_GAPS = {
    "Spark 4.0 Ultra": ("spark", "spark-4.0-ultra", ["4.0Ultra", "spark-4.0-ultra", "星火-4.0-ultra"]),
}


def header_comment(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines[:next(i for i, l in enumerate(lines) if not l.startswith("#"))])


@pytest.mark.parametrize("label", sorted(DOCUMENTED_GAPS))
def test_documented_gap_is_absent_and_explained(shipped_dir, shipped_book, label):
    provider, model_id, spellings = DOCUMENTED_GAPS[label]
    assert model_id not in shipped_book.models, (
        f"{label} is in the book now: move it from DOCUMENTED_GAPS to BRIEF_MODELS")
    for spelling in spellings:
        with pytest.raises(UnknownModelError):
            shipped_book.resolve(spelling)
    header = header_comment(shipped_dir / f"{provider}.yaml")
    assert model_id in header and "NOT in this file" in header


FREE_MODELS = {  # model -> the day it became free (issue 2: priced 0 with date and source)
    "ernie-speed-8k": date(2024, 5, 21),
    "ernie-lite-8k": date(2024, 5, 21),
    "spark-lite": date(2024, 5, 22),
    "hunyuan-lite": date(2024, 5, 22),
    "glm-4-flash": date(2024, 8, 27),
}


@pytest.mark.parametrize("model_id", sorted(FREE_MODELS))
def test_free_models_are_priced_zero_with_date_and_source(shipped_book, model_id):
    model = shipped_book.resolve(model_id)
    now = model.price_at(TODAY)
    assert now.effective == FREE_MODELS[model_id]
    assert (now.mode, now.flat.input, now.flat.output) == ("flat", Decimal(0), Decimal(0))
    assert now.source.startswith("https://")
    before = model.price_at(date.fromordinal(now.effective.toordinal() - 1))
    assert before.flat.input > 0, "the paid price before it became free is kept as history"


@pytest.mark.parametrize("name,provider", [
    ("豆包", "doubao"), ("通义千问", "qwen"), ("文心", "ernie"),
    ("星火", "spark"), ("混元", "hunyuan"), ("智谱", "glm"),
])
def test_chinese_family_names_resolve(shipped_dir, shipped_book, name, provider):
    family = yaml.safe_load((shipped_dir / f"{provider}.yaml").read_text(encoding="utf-8"))["family"]
    model = shipped_book.resolve(name)
    assert (model.provider, model.id) == (provider, family["flagship"])


@pytest.mark.parametrize("spelling,model_id", [
    ("豆包-pro-32k", "doubao-pro-32k"), ("豆包-lite-32k", "doubao-lite-32k"), ("通义千问-long", "qwen-long"),
    ("文心-3.5", "ernie-3.5-8k"), ("星火-lite", "spark-lite"), ("混元-lite", "hunyuan-lite"),
    ("智谱-glm-4", "glm-4"),
])
def test_chinese_prefixed_names_resolve(shipped_book, spelling, model_id):
    assert shipped_book.resolve(spelling).id == model_id


# -- the price-war facts, as data --------------------------------------------------

def test_doubao_pro_32k_launch_price(shipped_book):
    model = shipped_book.resolve("doubao-pro-32k")
    entry = model.price_at(date(2024, 5, 15))
    assert (entry.effective, entry.unit, entry.flat.input) == (date(2024, 5, 15), "1K", Decimal("0.0008"))
    with pytest.raises(prices.NoPriceError):  # launched at the cut: no price before it
        model.price_at(date(2024, 5, 14))


def test_qwen_long_cut_by_97_percent(shipped_book):
    model = shipped_book.resolve("qwen-long")
    before, after = model.price_at(date(2024, 5, 20)), model.price_at(date(2024, 5, 21))
    assert (before.unit, before.flat.input) == ("1K", Decimal("0.02"))
    assert (after.unit, after.flat.input, after.flat.output) == ("1K", Decimal("0.0005"), Decimal("0.002"))
    assert after.effective == date(2024, 5, 21)
    # (0.0005 - 0.02) / 0.02 = -0.975: the "-97%" of the announcement
    assert (after.flat.input - before.flat.input) / before.flat.input == Decimal("-0.975")


def test_history_shows_the_qwen_long_cut(cli):
    r = cli("history", "qwen-long", "--format", "json", env={"LLMCOST_BOOK": None})
    assert (r.code, r.err) == (0, "")
    [model] = json.loads(r.out)["models"]
    cut = {e["effective"]: e for e in model["entries"]}["2024-05-21"]
    assert (cut["input"], cut["input_change"], cut["input_change_label"]) == ("0.0005", "-0.975", "-97.5%")


def test_glm_3_turbo_5_to_1_yuan_per_million(shipped_book):
    model = shipped_book.resolve("glm-3-turbo")
    before, after = model.price_at(date(2024, 5, 10)), model.price_at(date(2024, 5, 11))
    assert per_million(before, before.flat.input) == 5  # 0.005 元/千 = 5 元/百万
    assert per_million(after, after.flat.input) == 1    # 0.001 元/千 = 1 元/百万
    assert after.effective == date(2024, 5, 11)


def test_gpt_4o_launch_and_what_the_alias_pointed_to(shipped_book):
    snapshot = shipped_book.resolve("gpt-4o-2024-05-13").price_at(date(2024, 5, 13))
    assert (snapshot.effective, snapshot.unit, snapshot.flat.input, snapshot.flat.output) == (
        date(2024, 5, 13), "1M", Decimal(5), Decimal(15))
    alias = shipped_book.resolve("gpt-4o")
    assert alias.currency == "USD"
    assert alias.price_at(date(2024, 5, 13)).flat.input == 5      # -> gpt-4o-2024-05-13
    assert alias.price_at(date(2024, 10, 1)).flat.input == 5      # still 05-13 until Oct 2
    assert alias.price_at(date(2024, 10, 2)).flat.input == Decimal("2.5")  # -> 2024-08-06


def test_gpt_4o_cached_and_batch_prices(shipped_book):
    aug = shipped_book.resolve("gpt-4o-2024-08-06")
    assert aug.price_at(date(2024, 9, 30)).flat.cached_input is None  # no prompt caching yet
    cached = aug.price_at(date(2024, 10, 1)).flat                        # Prompt Caching launch
    assert (cached.input, cached.cached_input, cached.batch_input, cached.batch_output) == (
        Decimal("2.5"), Decimal("1.25"), Decimal("1.25"), Decimal(5))
    mini = shipped_book.resolve("gpt-4o-mini").price_at(date(2024, 10, 1)).flat
    assert (mini.input, mini.cached_input) == (Decimal("0.15"), Decimal("0.075"))


def test_tiered_models(shipped_book):
    # Whole request at the band its input falls in (how Alibaba and Volcano Engine bill).
    seed = shipped_book.resolve("doubao-seed-1.6").price_at(date(2025, 6, 11))
    assert (seed.mode, seed.unit) == ("whole", "1M")
    assert [(b.up_to, b.input, b.output) for b in seed.bands] == [
        (32000, Decimal("0.80"), Decimal("8.00")), (128000, Decimal("1.20"), Decimal("16.00")),
        (None, Decimal("2.40"), Decimal("24.00"))]
    plus = shipped_book.resolve("qwen-plus").price_at(TODAY)
    assert (plus.mode, plus.unit) == ("whole", "1M")
    assert [(b.up_to, b.input, b.output) for b in plus.bands] == [
        (128000, Decimal("0.8"), Decimal("2")), (256000, Decimal("2.4"), Decimal("20")),
        (None, Decimal("4.8"), Decimal("48"))]
    # qwen-turbo is not tiered: Alibaba lists it "无阶梯" (flat) at 0.3 / 0.6 元/百万.
    turbo = shipped_book.resolve("qwen-turbo").price_at(TODAY)
    assert turbo.mode == "flat"
    assert (per_million(turbo, turbo.flat.input), per_million(turbo, turbo.flat.output)) == (
        Decimal("0.3"), Decimal("0.6"))


ISSUE_2_EXAMPLE = ["estimate", "-m", "doubao-lite-32k", "--requests-per-day", "2000", "--input-tokens", "1500",
                   "--output-tokens", "400", "--as-of", "2024-06-01", "--format", "json"]


def test_issue_2_done_when_example_on_the_shipped_book(cli):
    # 2000/day x 30 days = 60,000 requests; 90,000,000 input tokens x 0.3 元/百万 = 27.00,
    # 24,000,000 output tokens x 0.6 元/百万 = 14.40; total 41.40 元; at 7.2: 41.40 / 7.2 = 5.75 USD.
    r = cli(*ISSUE_2_EXAMPLE, "--currency", "CNY", env={"LLMCOST_BOOK": None})
    assert (r.code, r.err) == (0, "")
    report = json.loads(r.out)
    [line] = report["lines"]
    assert (line["input_cost"], line["output_cost"], report["total"]) == ("27.00", "14.40", "41.40")
    assert (line["price_effective"], line["source"]) == ("2024-05-15", "https://www.volcengine.com/docs/82379/1099320")
    r = cli(*ISSUE_2_EXAMPLE, "--currency", "USD", "--rate", "7.2", env={"LLMCOST_BOOK": None})
    assert (r.code, json.loads(r.out)["total"]) == (0, "5.75")
