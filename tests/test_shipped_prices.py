"""The shipped price book (prices/*.yaml, packaged as llmcost.price_files).

This is the one suite that reads the real price book instead of tests/data/book. It
finds the files the way the installed tool does (``llmcost.resources`` with no
``LLMCOST_BOOK``) and checks that they load, follow the format rules of
docs/price-format.md, cover what issue 2 asks for, and hold the price-war facts the
README and the issues quote. A failure here means a price file is wrong, or a
promised model or fact went missing: fix the data, not the test.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import date
from decimal import Decimal
from importlib import resources as importlib_resources
from pathlib import Path

import pytest
import yaml

from llmcost import book as prices
from llmcost.resources import shipped_prices_dir

REPO_PRICES = Path(__file__).resolve().parents[1] / "prices"
SPECIAL = {"fx.yaml", "tokenizers.yaml", "holidays.yaml"}
SEED_PROVIDERS = ["doubao", "qwen", "ernie", "spark", "hunyuan", "glm", "openai"]  # the brief's seven families
COMPARED = ["deepseek", "moonshot", "minimax", "anthropic", "google"]  # the vendors users compare them with
PROVIDERS = SEED_PROVIDERS + COMPARED
PRICE_KEYS = {
    "input",
    "output",
    "cached_input",
    "cache_write",
    "reasoning_output",
    "batch_input",
    "batch_output",
    "usd_cny",
}
DATE_KEYS = {"effective", "date", "retired", "checked", "shutdown", "announced"}
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
        p.name for p in yaml_files(shipped_dir) if p.name != "tokenizers.yaml"
    )
    # load() is stricter: provider must equal the file name (expected_provider).
    assert sorted(Path(f).name for f in shipped_book.files) == sorted(Path(f).name for f in checked)
    assert {m.provider for m in shipped_book.models.values()} == set(PROVIDERS)
    assert len(shipped_book.models) >= 100
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
    bad = [
        (m.id, e.effective.isoformat(), e.source)
        for m in shipped_book.models.values()
        for e in m.prices
        if not re.match(r"^https://\S+$", e.source)
    ]
    assert bad == []


def test_effective_dates_strictly_increase_per_model(shipped_dir):
    # Read the raw files, not the loader's output, so this does not trust the loader.
    for path in provider_files(shipped_dir):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            for prices_list in (model["prices"], model.get("intl", {}).get("prices", [])):
                dates = [date.fromisoformat(p["effective"]) for p in prices_list]
                assert all(a < b for a, b in itertools.pairwise(dates)), (path.name, model["id"], dates)


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
    assert yaml_number_problems("effective: 2024-05-15\n") == ["line 1: effective '2024-05-15' is not a quoted string"]


@pytest.mark.parametrize("name", sorted(p.name for p in yaml_files(REPO_PRICES)))
def test_no_yaml_floats_and_prices_are_quoted(name, shipped_dir):
    assert yaml_number_problems((shipped_dir / name).read_text(encoding="utf-8")) == []


def test_every_model_has_a_known_tokenizer(shipped_dir, shipped_book):
    table = yaml.safe_load((shipped_dir / "tokenizers.yaml").read_text(encoding="utf-8"))["tokenizers"]
    missing = sorted((m.id, m.tokenizer) for m in shipped_book.models.values() if m.tokenizer not in table)
    assert missing == []


def all_entries(model: prices.Model):
    return (*model.prices, *(model.intl.prices if model.intl else ()))


def test_cache_and_batch_prices_are_discounts(shipped_book):
    # Cached input never costs more than input, off-peak never more than peak; every batch price in
    # this book is a vendor's published 50% (OpenAI, Anthropic, Google, Qwen, GLM, Volcano Engine Ark).
    for model in shipped_book.models.values():
        for entry in all_entries(model):
            for band in entry.bands:
                where = (model.id, entry.effective.isoformat(), band.up_to)
                if band.cached_input is not None:
                    assert band.cached_input <= band.input, where
                if band.batch_input is not None or band.batch_output is not None:
                    assert (band.batch_input, band.batch_output) == (band.input / 2, band.output / 2), where
            if entry.time_of_day is not None:
                off = entry.time_of_day.off_peak
                assert off.input <= entry.flat.input and off.output <= entry.flat.output, model.id


# -- freshness and provenance (issue 13) --------------------------------------------


def raw_provider(shipped_dir: Path, provider: str) -> dict:
    return yaml.safe_load((shipped_dir / f"{provider}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_is_schema_2_with_a_checked_date_and_a_region(shipped_dir, shipped_book, provider):
    data = raw_provider(shipped_dir, provider)
    assert data["schema_version"] == 2
    info = shipped_book.providers[provider]
    assert info.checked is not None and info.checked <= TODAY
    assert info.region == ("global" if provider in ("openai", "anthropic", "google") else "cn")


def test_every_entry_has_a_source_and_a_kind(shipped_dir):
    # Read the raw files: the loader's default (official) must not hide a missing kind.
    missing = []
    for path in provider_files(shipped_dir):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            for entry in (*model["prices"], *model.get("intl", {}).get("prices", [])):
                if not re.match(r"^https://\S+$", entry.get("source", "")) or entry.get(
                    "source_kind", "official"
                ) not in ("official", "third-party"):
                    missing.append((path.stem, model["id"], entry["effective"]))
    assert missing == []


def test_no_price_is_dated_after_its_files_checked_date_unless_announced(shipped_book):
    late = []
    for model in shipped_book.models.values():
        checked = shipped_book.providers[model.provider].checked
        for entry in all_entries(model):
            if entry.effective > checked and (entry.announced is None or entry.announced > checked):
                late.append((model.id, entry.effective.isoformat()))
    assert late == []


def test_retirements_are_sourced_and_announced_shutdowns_are_still_ahead(shipped_book):
    for model in shipped_book.models.values():
        checked = shipped_book.providers[model.provider].checked
        if model.retired is not None:
            assert model.retired_source and model.retired_source.startswith("https://"), model.id
            assert model.retired <= checked, model.id
        if model.deprecated is not None:
            assert model.deprecated.shutdown > checked, f"{model.id}: shut down already: make it retired"
            assert model.deprecated.source.startswith("https://"), model.id


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_family_has_a_flagship_on_sale_on_its_checked_date(shipped_book, provider):
    [family] = [f for f in shipped_book.families if f.provider == provider]
    flagship = shipped_book.models[family.flagship]
    checked = shipped_book.providers[provider].checked
    entry = flagship.in_region("cn").price_at(checked)  # raises if retired, shut down or unpriced
    assert entry.bands[0].input > 0 or flagship.id in FREE_MODELS
    for name in family.names:  # the family name alone means the flagship
        assert shipped_book.resolve(name).id == flagship.id


def test_every_model_sold_on_the_checked_date_has_a_note_sized_for_a_table(shipped_book):
    for model in shipped_book.models.values():
        for text in (model.note, *(e.note for e in all_entries(model))):
            assert text is None or len(text) <= 200, model.id


def test_unpriced_models_say_why_and_are_never_priced(shipped_book):
    unpriced = [m for m in shipped_book.models.values() if m.unpriced and not m.prices]
    assert {m.id for m in unpriced} >= {"spark-4.0-ultra"}  # sold as packages (issue 13)
    for model in unpriced:
        with pytest.raises(prices.NoPriceError, match="has no per-token price: "):
            model.price_at(TODAY)


def test_international_lists_are_in_usd(shipped_book):
    intl = [m for m in shipped_book.models.values() if m.intl is not None]
    assert {m.provider for m in intl} >= {"qwen", "glm", "deepseek", "moonshot", "minimax", "doubao"}
    for model in intl:
        assert model.intl.currency == "USD", model.id
        assert model.in_region("intl").currency == "USD"


def test_every_alias_names_one_model(shipped_book):
    for model in shipped_book.models.values():
        for name in (model.id, *model.aliases):
            assert shipped_book.resolve(name).id == model.id, name


def test_time_of_day_prices_name_a_calendar_the_book_has(shipped_book):
    calendars = shipped_book.calendars
    assert date(2026, 10, 1) in calendars["cn"]  # 国庆节
    for model in shipped_book.models.values():
        for entry in all_entries(model):
            if entry.time_of_day is not None and entry.time_of_day.holidays:
                assert entry.time_of_day.holidays in calendars, model.id


# -- what the issues promise is in the book ----------------------------------------

BRIEF_MODELS = {  # what the brief names -> the model id it must resolve to
    "doubao": [
        "doubao-pro-4k",
        "doubao-pro-32k",
        "doubao-pro-128k",
        "doubao-lite-4k",
        "doubao-lite-32k",
        "doubao-lite-128k",
        "doubao-1.5-pro-32k",
        "doubao-1.5-lite-32k",
        "doubao-seed-1.6",
    ],
    "qwen": ["qwen-long", "qwen-turbo", "qwen-plus", "qwen-max", "qwen3-max"],
    "ernie": ["ernie-speed-8k", "ernie-lite-8k", "ernie-3.5-8k", "ernie-4.0-8k", "ernie-4.0-turbo-8k"],
    "spark": ["spark-lite", "spark-pro", "spark-max"],
    "hunyuan": ["hunyuan-lite", "hunyuan-standard", "hunyuan-pro", "hunyuan-turbo", "hunyuan-turbos-latest"],
    "glm": ["glm-3-turbo", "glm-4", "glm-4-air", "glm-4-flash", "glm-4-plus", "glm-5.3"],
    "openai": ["gpt-4o", "gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-6.2-sol"],
    "deepseek": ["deepseek-chat", "deepseek-reasoner", "deepseek-v4-pro"],
    "moonshot": ["moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k"],
    "anthropic": ["claude-3-haiku-20240307"],
    "google": ["gemini-1.5-flash"],
}


@pytest.mark.parametrize("provider,model_id", [(p, m) for p, ids in BRIEF_MODELS.items() for m in ids])
def test_brief_model_resolves_by_id(shipped_book, provider, model_id):
    for spelling in (model_id, model_id.upper()):
        model = shipped_book.resolve(spelling)
        assert (model.id, model.provider) == (model_id, provider)
    assert model.prices[0].effective <= TODAY


@pytest.mark.parametrize(
    "spelling,model_id",
    [
        ("ERNIE-Speed-8K", "ernie-speed-8k"),
        ("ERNIE-4.0-Turbo-8K", "ernie-4.0-turbo-8k"),
        ("Doubao-pro-32k", "doubao-pro-32k"),
        ("generalv3", "spark-pro"),
        ("generalv3.5", "spark-max"),
        ("GLM-4-Flash", "glm-4-flash"),
        ("claude-opus-5.5", "claude-opus-5-5"),
    ],
)
def test_vendor_spellings_resolve(shipped_book, spelling, model_id):
    assert shipped_book.resolve(spelling).id == model_id


FREE_MODELS = {  # model -> the day it became free (priced 0 with date and source)
    "ernie-speed-8k": date(2024, 5, 21),
    "ernie-lite-8k": date(2024, 5, 21),
    "spark-lite": date(2024, 5, 22),
    "hunyuan-lite": date(2024, 5, 22),
    "glm-4-flash": date(2024, 8, 27),
}


@pytest.mark.parametrize("model_id", sorted(FREE_MODELS))
def test_free_models_are_priced_zero_with_date_and_source(shipped_book, model_id):
    model = shipped_book.resolve(model_id)
    became_free = FREE_MODELS[model_id]
    now = model.price_at(became_free)
    assert now.effective == became_free
    assert (now.mode, now.flat.input, now.flat.output) == ("flat", Decimal(0), Decimal(0))
    assert now.source.startswith("https://")
    before = model.price_at(date.fromordinal(became_free.toordinal() - 1))
    assert before.flat.input > 0, "the paid price before it became free is kept as history"


@pytest.mark.parametrize(
    "name,provider",
    [
        ("豆包", "doubao"),
        ("通义千问", "qwen"),
        ("文心", "ernie"),
        ("星火", "spark"),
        ("混元", "hunyuan"),
        ("腾讯混元", "hunyuan"),
        ("智谱", "glm"),
        ("深度求索", "deepseek"),
        ("月之暗面", "moonshot"),
        ("kimi", "moonshot"),
        ("稀宇", "minimax"),
        ("claude", "anthropic"),
        ("gemini", "google"),
    ],
)
def test_chinese_and_brand_family_names_resolve(shipped_dir, shipped_book, name, provider):
    family = raw_provider(shipped_dir, provider)["family"]
    model = shipped_book.resolve(name)
    assert (model.provider, model.id) == (provider, family["flagship"])


@pytest.mark.parametrize(
    "spelling,model_id",
    [
        ("豆包-pro-32k", "doubao-pro-32k"),
        ("豆包-lite-32k", "doubao-lite-32k"),
        ("通义千问-long", "qwen-long"),
        ("星火-lite", "spark-lite"),
        ("混元-lite", "hunyuan-lite"),
        ("智谱-glm-4", "glm-4"),
    ],
)
def test_chinese_prefixed_names_resolve(shipped_book, spelling, model_id):
    assert shipped_book.resolve(spelling).id == model_id


# -- the price war of May 2024 and the audit's corrections, as data ------------------


def test_deepseek_v2_opened_the_price_war(shipped_book):
    entry = shipped_book.resolve("deepseek-chat").price_at(date(2024, 5, 6))
    assert (entry.effective, per_million(entry, entry.flat.input), per_million(entry, entry.flat.output)) == (
        date(2024, 5, 6),
        1,
        2,
    )


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
    assert per_million(after, after.flat.input) == 1  # 0.001 元/千 = 1 元/百万
    assert after.effective == date(2024, 5, 11)


def test_ernie_speed_lite_spark_lite_and_hunyuan_lite_became_free(shipped_book):
    for model_id in ("ernie-speed-8k", "ernie-lite-8k", "spark-lite", "hunyuan-lite"):
        assert shipped_book.resolve(model_id).price_at(date(2024, 5, 31)).flat.input == 0, model_id


def test_gpt_4o_launch_and_what_the_alias_pointed_to(shipped_book):
    snapshot = shipped_book.resolve("gpt-4o-2024-05-13").price_at(date(2024, 5, 13))
    assert (snapshot.effective, snapshot.unit, snapshot.flat.input, snapshot.flat.output) == (
        date(2024, 5, 13),
        "1M",
        Decimal(5),
        Decimal(15),
    )
    alias = shipped_book.resolve("gpt-4o")
    assert alias.currency == "USD"
    assert alias.price_at(date(2024, 5, 13)).flat.input == 5  # -> gpt-4o-2024-05-13
    assert alias.price_at(date(2024, 10, 1)).flat.input == 5  # still 05-13 until Oct 2
    assert alias.price_at(date(2024, 10, 2)).flat.input == Decimal("2.5")  # -> 2024-08-06


def test_the_compared_vendors_of_may_2024(shipped_book):
    flash = shipped_book.resolve("gemini-1.5-flash").price_at(date(2024, 6, 1))
    assert flash.bands[0].input == Decimal("0.35")
    haiku = shipped_book.resolve("claude-3-haiku-20240307").price_at(date(2024, 6, 1))
    assert haiku.flat.input == Decimal("0.25")


def test_the_audits_corrections(shipped_book):
    # ERNIE 4.0 Turbo cut to 0.003 / 0.009 元/千tokens (cache hit 0.0012) by 2025-03-16
    turbo = shipped_book.resolve("ernie-4.0-turbo-8k").price_at(date(2025, 3, 16)).flat
    assert (turbo.input, turbo.output, turbo.cached_input) == (Decimal("0.003"), Decimal("0.009"), Decimal("0.0012"))
    # qwen-max's 2.4 / 9.6 元/百万 in force by 2025-02-06
    qmax = shipped_book.resolve("qwen-max").price_at(date(2025, 2, 6))
    assert (per_million(qmax, qmax.flat.input), per_million(qmax, qmax.flat.output)) == (Decimal("2.4"), Decimal("9.6"))
    # hunyuan-turbos-latest launched 2025-02-27 at 0.8 / 2
    turbos = shipped_book.resolve("hunyuan-turbos-latest")
    assert turbos.prices[0].effective == date(2025, 2, 27)
    assert (turbos.prices[0].flat.input, turbos.prices[0].flat.output) == (Decimal("0.8"), Decimal(2))
    # gpt-4-turbo and gpt-4o-2024-05-13 shut down on 2026-10-23; gpt-4o and gpt-4o-mini announced for 2027-01-14
    for model_id in ("gpt-4-turbo", "gpt-4o-2024-05-13"):
        assert shipped_book.resolve(model_id).retired == date(2026, 10, 23)
    for model_id in ("gpt-4o", "gpt-4o-mini"):
        assert shipped_book.resolve(model_id).deprecated.shutdown == date(2027, 1, 14)


def test_deepseek_peak_hours(shipped_book):
    entry = shipped_book.resolve("deepseek-v4-pro").price_at(date(2026, 12, 1))
    tod = entry.time_of_day
    assert (tod.windows, tod.days, tod.hours, tod.utc_offset, tod.holidays) == (
        "peak",
        "weekdays",
        ((9 * 60, 12 * 60), (14 * 60, 18 * 60)),
        480,
        "cn",
    )
    assert tod.off_peak.input * 2 == entry.flat.input and tod.off_peak.output * 2 == entry.flat.output


def test_output_length_bands(shipped_book):
    seed = shipped_book.resolve("doubao-seed-1.6").price_at(date(2025, 6, 11))
    assert (seed.mode, seed.unit) == ("whole", "1M")
    assert [(b.up_to, b.output_up_to, b.input, b.output) for b in seed.bands] == [
        (32000, 200, Decimal("0.80"), Decimal("2.00")),
        (32000, None, Decimal("0.80"), Decimal("8.00")),
        (128000, None, Decimal("1.20"), Decimal("16.00")),
        (None, None, Decimal("2.40"), Decimal("24.00")),
    ]
    glm = shipped_book.resolve("glm-4.5").price_at(date(2025, 7, 28))
    assert glm.bands[0].output_up_to is not None


def test_the_seed_16_short_answer_example_on_the_shipped_book(cli):
    # issue 11, item 4: 300,000 requests × 1,000 input tokens × 0.8 + 150 output tokens × 2 元/百万 = 330
    r = cli(
        "estimate",
        "-m",
        "doubao-seed-1.6",
        "--requests-per-day",
        "10000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "150",
        "--as-of",
        "2026-06-01",
        "-f",
        "json",
        env={"LLMCOST_BOOK": None},
    )
    assert (r.code, json.loads(r.out)["total"]) == (0, "330.00")


ISSUE_2_EXAMPLE = [
    "estimate",
    "-m",
    "doubao-lite-32k",
    "--requests-per-day",
    "2000",
    "--input-tokens",
    "1500",
    "--output-tokens",
    "400",
    "--as-of",
    "2024-06-01",
    "--format",
    "json",
]


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
