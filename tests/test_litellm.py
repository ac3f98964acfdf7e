"""LiteLLM interop (issue 14, item 4): ``prices import litellm`` and ``prices export --format litellm``.

``tests/data/litellm/model_prices.json`` is a small file in the shape of LiteLLM's
``model_prices_and_context_window.json``: its sample_spec, third-party entries with cache-read,
cache-write and batch prices, entries of curated providers, modes llmcost does not price, an entry
without a context window, two names that are one id once lowercased, and a name that is an id of
the test book (beta-4o).

Figures: openrouter/z-ai/glm-4.6 costs 3.5e-07 USD per input token = 0.35 USD per 1M, 1.5e-06 per
output token = 1.5 per 1M; 1,000,000 requests of 1 input and 1 output token cost 1.85 USD. In the
test book on 2025-03-15 beta-4o costs 2.5 USD per 1M input tokens (2.5e-06 a token) and alpha-pro
0.8 CNY per 1M, at 7.2 CNY per USD 0.8 / 7.2 / 10^6 = 1.11111111111e-07 USD a token (12 digits).
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal

import pytest
import yaml
from conftest import BOOK, DATA, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmcost import book as prices
from llmcost.book import litellm
from llmcost.book.litellm_export import export_map, number_text

SAMPLE = DATA / "litellm" / "model_prices.json"
TODAY = date.today().isoformat()
URL = litellm.LITELLM_URL


def load_json(text: str) -> dict:
    return json.loads(text, parse_float=Decimal)


def import_sample(tmp_path, *args: str) -> tuple[object, dict]:
    out = tmp_path / "litellm.yaml"
    r = run("prices", "import", "litellm", str(SAMPLE), "-o", str(out), *args)
    assert r.code == 0, r.err
    return r, yaml.safe_load(out.read_text(encoding="utf-8"))


def test_import_converts_per_token_prices_to_exact_decimals_per_1m(tmp_path):
    r, doc = import_sample(tmp_path)
    assert r.err == ""
    assert r.out == (
        f"Imported 8 models from {SAMPLE} into {tmp_path / 'litellm.yaml'}; 9 entries not imported.\n"
        "      2  curated by llmcost (openai: ask with --provider openai)\n"
        "      1  LiteLLM's sample_spec (it documents the fields)\n"
        "      1  curated by llmcost (deepseek: ask with --provider deepseek)\n"
        "      1  curated by llmcost (qwen: ask with --provider dashscope)\n"
        "      1  mode embedding (not priced per text token)\n"
        "      1  mode rerank (not priced per text token)\n"
        "      1  no max_input_tokens or max_tokens (llmcost needs a context window)\n"
        "      1  the same id as another entry once lowercased (groq:llama-3.1-8b-instant)\n"
        "Left out of imported models (llmcost does not price them): input_cost_per_audio_token (1), "
        "input_cost_per_token_above_128k_tokens (1), input_cost_per_token_above_256k_tokens (1), "
        "output_cost_per_token_above_256000_tokens (1).\n"
    )
    head = {k: doc[k] for k in ("schema_version", "provider", "checked", "region")}
    assert head == {"schema_version": 2, "provider": "litellm", "checked": TODAY, "region": "global"}
    models = {m["id"]: m for m in doc["models"]}
    assert list(models) == [
        "openrouter:z-ai:glm-4.6",
        "groq:llama-3.1-8b-instant",
        "bedrock:us.anthropic.claude-x-v1:0",
        "mistral:mistral-large-latest",
        "together_ai:free-model",
        "azure:beta-4o",
        "litellm:beta-4o",
        "fireworks_ai:two-thresholds",
    ]
    assert models["openrouter:z-ai:glm-4.6"] == {
        "id": "openrouter:z-ai:glm-4.6",
        "name": "openrouter/z-ai/glm-4.6",
        "aliases": ["openrouter/z-ai/glm-4.6"],
        "currency": "USD",
        "context_window": 202800,
        "max_output": 131000,
        "tokenizer": "o200k_base",
        "api_id": "openrouter/z-ai/glm-4.6",
        "provenance": "Imported from LiteLLM's cost map model_prices.json; litellm_provider: openrouter",
        "prices": [
            {
                "effective": TODAY,
                "unit": "1M",
                # input_cost_per_token_above_200k_tokens: a prompt over 200,000 tokens is priced at the
                # price above the threshold, every token of it (as LiteLLM applies it)
                "tiers": {
                    "mode": "whole",
                    "bands": [
                        {"up_to": 200000, "input": "0.35", "output": "1.5", "cached_input": "0.11"},
                        {"input": "0.7", "output": "1.5", "cached_input": "0.11"},
                    ],
                },
                "source": URL,
                "source_kind": "third-party",
            }
        ],
    }
    price = {
        m: {k: v for k, v in models[m]["prices"][0].items() if k not in ("effective", "unit", "source", "source_kind")}
        for m in models
    }
    assert price["groq:llama-3.1-8b-instant"] == {
        "input": "0.05",
        "output": "0.08",
        "batch_input": "0.025",
        "batch_output": "0.04",
    }
    assert price["bedrock:us.anthropic.claude-x-v1:0"]["tiers"]["bands"] == [
        {"up_to": 200000, "input": "3", "output": "15", "cached_input": "0.3", "cache_write": "3.75"},
        {"input": "6", "output": "15", "cached_input": "0.6", "cache_write": "3.75"},
    ]
    # two thresholds (128k, 256k): the base prices, and the threshold prices left out and named above
    assert price["fireworks_ai:two-thresholds"] == {"input": "1", "output": "3"}
    assert price["mistral:mistral-large-latest"] == {
        "input": "2",
        "output": "6",
        "see_also": ["https://mistral.ai/pricing"],
    }
    assert price["together_ai:free-model"] == {"input": "0", "output": "0"}
    assert price["azure:beta-4o"] == {"input": "1.234567", "output": "10"}
    assert models["groq:llama-3.1-8b-instant"]["context_window"] == 8192  # max_tokens when no max_input_tokens
    # "beta-4o" is a model of the active book: the import takes another id and no alias, never replaces it.
    assert "aliases" not in models["litellm:beta-4o"] and models["litellm:beta-4o"]["api_id"] == "beta-4o"


def test_the_imported_file_validates_and_prices_with_prices(tmp_path):
    out = tmp_path / "litellm.yaml"
    umask = os.umask(0o022)
    try:
        import_sample(tmp_path)
    finally:
        os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o644  # a file like any other the user writes (not a 0600 temp file)
    assert [p.name for p in tmp_path.iterdir()] == ["litellm.yaml"]  # no temporary file left behind
    r = run("prices", "validate", str(out))
    assert (r.code, r.out) == (0, "ok: 1 file(s) valid\n")
    r = run(
        "estimate",
        "-m",
        "openrouter/z-ai/glm-4.6",
        "--prices",
        str(out),
        "--requests-per-month",
        "1000000",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        "-c",
        "USD",
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert (report["total"], report["lines"][0]["model"]) == ("1.85", "openrouter:z-ai:glm-4.6")
    r = run(
        "estimate",
        "-m",
        "beta-4o",
        "--prices",
        str(out),
        "--requests-per-month",
        "1000000",
        "--input-tokens",
        "1",
        "--output-tokens",
        "0",
        "-c",
        "USD",
        "--as-of",
        "2025-03-15",
        "-f",
        "json",
    )
    assert json.loads(r.out)["total"] == "2.50"  # still the book's beta-4o


def test_curated_providers_only_with_provider(tmp_path):
    r, doc = import_sample(tmp_path, "--provider", "deepseek", "--provider", "openai")
    assert [m["id"] for m in doc["models"]] == ["deepseek:deepseek-chat", "gpt-4o"]
    assert doc["models"][0]["tokenizer"] == "deepseek"
    assert doc["models"][0]["prices"][0]["cached_input"] == "0.028"
    assert r.out.splitlines()[1:] == [
        "     13  not a --provider asked for",
        "      1  LiteLLM's sample_spec (it documents the fields)",
        "      1  mode image_generation (not priced per text token)",
    ]
    # llmcost's name of a provider works too, and an entry with tiers only is not imported: nothing is left.
    r = run("prices", "import", "litellm", str(SAMPLE), "--provider", "qwen", "-o", str(tmp_path / "q.yaml"))
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"llmcost: error: {SAMPLE}: no entry to import (15 not a --provider asked for; 1 LiteLLM's "
        "sample_spec (it documents the fields); 1 tiered_pricing only)\n"
    )
    assert not (tmp_path / "q.yaml").exists()


def test_import_to_standard_output(tmp_path):
    r = run(
        "prices",
        "import",
        "litellm",
        str(SAMPLE),
        "-o",
        "-",
        "--provider",
        "mistral",
        "--effective",
        "2025-01-01",
        "--source",
        "https://example.com/litellm.json",
    )
    assert r.code == 0, r.err
    doc = yaml.safe_load(r.out)
    assert [(m["id"], m["prices"][0]["effective"], m["prices"][0]["source"]) for m in doc["models"]] == [
        ("mistral:mistral-large-latest", "2025-01-01", "https://example.com/litellm.json")
    ]
    assert r.err.startswith(f"Imported 1 models from {SAMPLE}; 16 entries not imported.\n")


# -- export ----------------------------------------------------------------------------------------


def test_export_writes_the_book_per_token_at_the_as_of_date():
    r = run("prices", "export", "--format", "litellm", "--as-of", "2025-03-15")
    assert r.code == 0, r.err
    assert r.err == (
        "Converted at USD/CNY 7.2 of 2024-06-03 (https://example.com/fx/2).\n"
        "Wrote 4 models priced on 2025-03-15 in USD; 2 not written.\n"
        "      2  tiered prices other than one input threshold (LiteLLM cannot hold them)\n"
    )
    data = load_json(r.out)
    assert data["_llmcost"] == {
        "generator": "llmcost 0.1.0",
        "as_of": "2025-03-15",
        "currency": "USD",
        "region": "cn",
        "prices": "per token, the price in force on as_of",
        "price_book": prices.load_only(BOOK).digest,
        "usd_cny": {"rate": "7.2", "date": "2024-06-03", "source": "https://example.com/fx/2"},
        "converted": "CNY to USD, 12 significant digits, at most 18 decimals",
    }
    assert list(data) == ["_llmcost", "alpha-free", "alpha-lite", "alpha-pro", "beta-4o"]
    assert data["beta-4o"] == {
        "input_cost_per_token": Decimal("0.0000025"),
        "output_cost_per_token": Decimal("0.00001"),
        "cache_read_input_token_cost": Decimal("0.00000125"),
        "input_cost_per_token_batches": Decimal("0.00000125"),
        "output_cost_per_token_batches": Decimal("0.000005"),
        "litellm_provider": "openai",
        "max_input_tokens": 128000,
        "mode": "chat",
    }
    assert '"input_cost_per_token": 2.5e-06,' in r.out  # the Decimal's own digits, as LiteLLM writes them
    assert data["alpha-pro"]["input_cost_per_token"] == Decimal("1.11111111111e-07")
    # 0.0003 CNY per 1K: 4.16666666667e-08 to 12 digits, 0.000000041666666667 to 18 decimals
    assert data["alpha-lite"]["input_cost_per_token"] == Decimal("4.1666666667e-08")


def test_export_in_cny_converts_usd_prices_and_to_a_file(tmp_path):
    out = tmp_path / "custom.json"
    r = run("prices", "export", "-f", "litellm", "--as-of", "2025-03-15", "-c", "cny", "-o", str(out))
    assert (r.code, r.out) == (0, "")
    data = load_json(out.read_text(encoding="utf-8"))
    assert data["beta-4o"]["input_cost_per_token"] == Decimal("0.000018")  # 2.5 × 7.2 per 1M
    assert data["alpha-pro"]["input_cost_per_token"] == Decimal("8E-7")  # CNY already: exact
    assert data["_llmcost"]["converted"] == "USD to CNY, 12 significant digits, at most 18 decimals"


def test_export_of_the_international_list():
    """--region intl writes a mainland vendor's international (USD) list: gamma-intl costs 2 CNY per 1M
    input tokens in China and 0.5 USD abroad; a global provider's one list (delta-1) is sold everywhere."""
    r = run(
        "prices",
        "export",
        "-f",
        "litellm",
        "--region",
        "intl",
        "--as-of",
        "2026-11-01",
        env={"LLMCOST_BOOK": str(DATA / "book_v2")},
    )
    assert r.code == 0, r.err
    assert r.err == (
        "Wrote 3 models priced on 2026-11-01 in USD; 9 not written.\n      9  no international price list (--region)\n"
    )
    data = load_json(r.out)
    assert list(data) == ["_llmcost", "delta-1", "gamma-intl", "gamma-intl-only"]
    assert data["_llmcost"]["region"] == "intl" and "usd_cny" not in data["_llmcost"]  # nothing converted
    assert data["gamma-intl"] == {
        "input_cost_per_token": Decimal("5e-07"),
        "output_cost_per_token": Decimal("2e-06"),
        "litellm_provider": "openai",
        "max_input_tokens": 1000000,
        "mode": "chat",
    }
    r = run("prices", "export", "-f", "litellm", "--as-of", "2026-11-01", env={"LLMCOST_BOOK": str(DATA / "book_v2")})
    cn = load_json(r.out)
    assert cn["gamma-intl"]["input_cost_per_token"] == Decimal("2.77777777778e-07")  # 2 CNY / 7.2 / 10^6
    assert "gamma-intl-only" not in cn


def test_export_before_a_model_has_a_price_counts_it():
    r = run("prices", "export", "-f", "litellm", "--as-of", "2024-05-14")
    assert r.code == 0, r.err
    assert "no price on 2024-05-14 (not yet priced, retired, shut down or unpriced)" in r.err
    assert "beta-4o" in load_json(r.out) and "alpha-pro" not in load_json(r.out)  # alpha-pro: from 2024-05-15


# -- round trip ------------------------------------------------------------------------------------


def test_import_then_export_gives_the_same_per_token_prices(tmp_path):
    out = tmp_path / "litellm.yaml"
    import_sample(tmp_path)
    r = run("prices", "export", "-f", "litellm", "--prices", str(out))
    assert r.code == 0, r.err
    exported = load_json(r.out)
    original = load_json(SAMPLE.read_text(encoding="utf-8"))
    imported = [m["api_id"] for m in yaml.safe_load(out.read_text(encoding="utf-8"))["models"]]
    assert len(imported) == 8
    for name in imported:
        theirs, ours = original[name], exported[name]
        kept = [k for k in theirs if k in litellm.PRICE_KEYS or "_above_" in k]
        if name == "fireworks_ai/two-thresholds":  # two thresholds: left out on import (and said so)
            kept = [k for k in kept if "_above_" not in k]
        assert sorted(k for k in ours if k in litellm.PRICE_KEYS or "_above_" in k) == sorted(kept), name
        for key in kept:
            assert ours[key] == theirs[key], (name, key)
        assert ours["litellm_provider"] == theirs["litellm_provider"]
        assert ours["max_input_tokens"] == theirs.get("max_input_tokens", theirs.get("max_tokens"))


def test_an_export_imports_back_to_the_same_per_token_prices(tmp_path):
    """llmcost → LiteLLM → llmcost → LiteLLM: the same numbers, converted ones too (12 significant
    digits and at most 18 decimals a token, which a price file holds: 12 decimals per 1M)."""
    first = tmp_path / "first.json"
    assert run("prices", "export", "-f", "litellm", "--as-of", "2025-03-15", "-o", str(first)).code == 0
    out = tmp_path / "back.yaml"
    r = run(
        "prices", "import", "litellm", str(first), "--provider", "openai", "--effective", "2025-03-15", "-o", str(out)
    )
    assert r.code == 0, r.err
    assert r.out.splitlines()[1:] == ["      1  llmcost's _llmcost entry (it says how an export was written)"]
    r = run("prices", "export", "-f", "litellm", "--as-of", "2025-03-15", "--prices", str(out))
    again, before = load_json(r.out), load_json(first.read_text(encoding="utf-8"))
    assert [k for k in before if k != "_llmcost"] == ["alpha-free", "alpha-lite", "alpha-pro", "beta-4o"]
    for name, fields in before.items():
        if name != "_llmcost":
            assert again[name] == fields, name
    # a price finer than a price file holds is counted, not rounded
    fine = tmp_path / "fine.json"
    fine.write_text(
        '{"v/m": {"input_cost_per_token": 1.2345678901234567891e-07, "output_cost_per_token": 1e-06, '
        '"litellm_provider": "v", "max_input_tokens": 1000}}',
        encoding="utf-8",
    )
    r = run("prices", "import", "litellm", str(fine), "-o", str(tmp_path / "fine.yaml"))
    assert (r.code, r.err) == (
        2,
        f"llmcost: error: {fine}: no entry to import (1 a price finer than 12 decimals "
        "per 1M tokens (the price format's limit))\n",
    )


PER_TOKEN = st.decimals(min_value=0, max_value=Decimal("0.01"), places=18, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    figures=st.lists(st.tuples(PER_TOKEN, PER_TOKEN, st.none() | PER_TOKEN), min_size=1, max_size=4),
    exponent=st.booleans(),
)
def test_round_trip_is_exact_for_any_price(tmp_path, figures, exponent):
    """Any per-token price with up to 18 decimals, written as LiteLLM writes it (3.5e-07) or plainly,
    is imported to the exact decimal per 1M and exported to the same number."""
    entries = {}
    for i, (inp, out, cached) in enumerate(figures):
        fields = {"input_cost_per_token": inp, "output_cost_per_token": out}
        if cached is not None:
            fields["cache_read_input_token_cost"] = cached
        entries[f"vendor/model-{i}"] = fields
    text = (
        "{"
        + ", ".join(
            f'"{name}": {{"litellm_provider": "vendor", "max_input_tokens": 1000, "mode": "chat", '
            + ", ".join(f'"{k}": {format(v, "e") if exponent else format(v, "f")}' for k, v in fields.items())
            + "}"
            for name, fields in entries.items()
        )
        + "}"
    )
    source = tmp_path / "map.json"
    source.write_text(text, encoding="utf-8")
    imported = litellm.import_map(
        litellm.read_map(str(source)), str(source), effective=date(2025, 1, 1), checked=date(2025, 1, 1)
    )
    price_file = tmp_path / "imported.yaml"
    price_file.write_text(imported.text, encoding="utf-8")
    book = prices.load_only(price_file)
    for model in book.models.values():
        for key, ours in litellm.PRICE_KEYS.items():
            value = getattr(model.prices[0].flat, ours)
            assert value == (entries[model.api_id][key] * 10**6 if key in entries[model.api_id] else None)
    exported = load_json(export_map(book, date(2025, 1, 1), "USD", None).text)
    for name, fields in entries.items():
        assert {k: exported[name][k] for k in fields} == fields
        for k in fields:
            assert Decimal(number_text(fields[k])) == fields[k]


# -- bad options: one line, exit 2 (bad LiteLLM files: test_bad_input.py) ------------------------------

BAD_OPTIONS = {
    "format": (
        ["prices", "import", "openrouter", str(SAMPLE), "-o", "x.yaml"],
        "prices import: 'openrouter' is not a format llmcost imports (only: litellm)",
    ),
    "provider-missing": (
        ["prices", "import", "litellm", str(SAMPLE), "--provider", "xai", "-o", "x.yaml"],
        "--provider xai: no entry of model_prices.json has this litellm_provider",
    ),
    "provider-markup": (
        ["prices", "import", "litellm", str(SAMPLE), "--provider", "[red]", "-o", "x.yaml"],
        "--provider: '[red]' is not a provider name",
    ),
    "effective-future": (
        ["prices", "import", "litellm", str(SAMPLE), "--effective", "2999-01-01", "-o", "x.yaml"],
        f"--effective 2999-01-01 is after today ({TODAY})",
    ),
    "source-not-url": (
        ["prices", "import", "litellm", str(SAMPLE), "--source", "file:///x", "-o", "x.yaml"],
        "--source: 'file:///x' is not an http(s) URL",
    ),
    "export-format": (
        ["prices", "export", "-f", "xlsx"],
        "--format: 'xlsx' is not an export format (csv, jsonl, litellm)",
    ),
    "export-currency": (["prices", "export", "-f", "litellm", "-c", "EUR"], "--currency: 'EUR' is not USD or CNY"),
    "export-as-of": (
        ["prices", "export", "-f", "litellm", "--as-of", "soon"],
        "--as-of: 'soon' is not a date (use YYYY-MM-DD)",
    ),
    "export-no-rate": (
        ["prices", "export", "-f", "litellm", "--as-of", "2024-01-01"],
        "no USD/CNY rate on or before 2024-01-01 to convert alpha-lite",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_import_and_export_options(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    args, message = BAD_OPTIONS[case]
    r = run(*args)
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {message}\n")
    assert not (tmp_path / "x.yaml").exists()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "m",
                        "x/y",
                        "input_cost_per_token",
                        "output_cost_per_token",
                        "max_input_tokens",
                        "mode",
                        "litellm_provider",
                        "cache_read_input_token_cost",
                        "sample_spec",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_is_imported_or_refused_in_one_line(tmp_path, data):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        imported = litellm.import_map(
            litellm.read_map(str(path)), str(path), effective=date(2025, 1, 1), checked=date(2025, 1, 1)
        )
    except (litellm.InputError, litellm.UsageError) as exc:
        assert "\n" not in str(exc)
        return
    out = tmp_path / "fuzz.yaml"
    out.write_text(imported.text, encoding="utf-8")
    prices.validate(out)  # what it writes always validates
