"""Names people type (issue 11, item 8), through the CLI, on tests/data/names_book: made-up prices under
real brand names (Doubao, Qwen, ERNIE, Hunyuan with its old 'ChatPro' alias, OpenAI with 'chatgpt')."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

ONE = ["--requests-per-month", "1", "--input-tokens", "1", "--output-tokens", "1", "--as-of", "2024-06-01"]


@pytest.fixture(autouse=True)
def _names_book(monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK", str(DATA / "names_book"))


def _model(cli, name: str) -> str:
    r = cli("estimate", "-m", name, *ONE, "-f", "json")
    assert r.code == 0, r.err
    return json.loads(r.out)["lines"][0]["model"]


@pytest.mark.parametrize(
    "name, model",
    [
        # the alias 豆包pro, written in the prefix form with a separator
        ("豆包pro", "doubao-pro-32k"),
        ("豆包-pro", "doubao-pro-32k"),
        ("豆包 pro", "doubao-pro-32k"),
        ("豆包_pro", "doubao-pro-32k"),
        ("豆包-PRO", "doubao-pro-32k"),
        ("豆包-pro-32k", "doubao-pro-32k"),
        ("豆包-lite", "doubao-lite-32k"),
        ("通义千问-long", "qwen-long"),
        # a vendor word (from provider_name, or another name of the family) before a family name
        ("腾讯混元", "hunyuan-pro"),
        ("腾讯混元-standard", "hunyuan-standard"),
        ("tencent hunyuan", "hunyuan-pro"),
        ("百度文心", "ernie-4.5"),
        ("百度文心4.5", "ernie-4.5"),
        ("阿里通义千问", "qwen-max"),
        ("阿里千问", "qwen-max"),
        ("字节豆包", "doubao-seed-1.6"),
        ("字节跳动豆包", "doubao-seed-1.6"),
        ("字节豆包-pro", "doubao-pro-32k"),
        ("chatgpt", "gpt-4.1"),
        ("ChatGPT", "gpt-4.1"),
        ("ChatGPT-4o", "gpt-4o"),
    ],
)
def test_names_people_type_resolve(cli, name, model):
    assert _model(cli, name) == model


@pytest.mark.parametrize(
    "name, error",
    [
        # Chinese typos: the same pinyin (dou bao, tong yi qian wen) as a family name
        ("豆宝", "unknown model '豆宝' (did you mean 豆包 (doubao-seed-1.6)?)"),
        ("通意千问", "unknown model '通意千问' (did you mean 通义千问 (qwen-max)?)"),
        ("豆宝pro", "unknown model '豆宝pro' (did you mean 豆包pro (doubao-pro-32k)?)"),
        # close to the brand 'chatgpt': OpenAI's models, never Hunyuan's 'chatpro'
        ("chatgtp", "unknown model 'chatgtp' (did you mean chatgpt (gpt-4.1)?)"),
        ("chat-gpt", "unknown model 'chat-gpt' (did you mean chatgpt (gpt-4.1)?)"),
        ("chatgpt-4", "unknown model 'chatgpt-4' (did you mean gpt-4o, gpt-4.1?)"),
        # a vendor word that is not this family's is not a qualifier
        ("腾讯豆包", "unknown model '腾讯豆包' (did you mean 豆包 (doubao-seed-1.6)?)"),
        # no separator after a Latin name: 'qwenlong' is not 'qwen-long'
        ("qwenlong", "unknown model 'qwenlong' (did you mean qwen-long?)"),
    ],
)
def test_unknown_names_get_a_suggestion_by_the_chinese_name(cli, name, error):
    r = cli("estimate", "-m", name, *ONE)
    assert (r.code, r.out) == (2, "")
    assert r.err == f"llmcost: error: {error}\n"


def test_a_suggestion_in_a_workload_file_and_in_compare(cli, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("name,model,requests_per_month,input_tokens,output_tokens\nbot,豆宝,1,1,1\n", encoding="utf-8")
    r = cli("estimate", "-w", str(path), "--as-of", "2024-06-01")
    assert r.err == f"llmcost: error: {path}, line 2: unknown model '豆宝' (did you mean 豆包 (doubao-seed-1.6)?)\n"
    r = cli("compare", "-m", "chatgtp", "-m", "豆包", *ONE)
    assert r.err == "llmcost: error: unknown model 'chatgtp' (did you mean chatgpt (gpt-4.1)?)\n"


@pytest.mark.parametrize(
    "name, provider",
    [
        ("腾讯混元", "hunyuan"),
        ("百度文心", "ernie"),
        ("阿里通义千问", "qwen"),
        ("讯飞星火", "spark"),
        ("智谱GLM", "glm"),
        ("字节豆包", "doubao"),
        ("深度求索", "deepseek"),
        ("月之暗面", "moonshot"),
        ("月之暗面Kimi", "moonshot"),
        ("Kimi", "moonshot"),
        ("豆包-pro", "doubao"),
        ("chatgpt", "openai"),
        ("ChatGPT", "openai"),
    ],
)
def test_the_shipped_book_knows_the_names_people_type(cli, monkeypatch, name, provider):
    """On the shipped book (its models change; the vendor a name means does not)."""
    from llmcost.resources import packaged_prices_dir

    monkeypatch.setenv("LLMCOST_BOOK", str(packaged_prices_dir()))
    r = cli("history", name, "-f", "json")
    assert r.code == 0, r.err
    assert [m["provider"] for m in json.loads(r.out)["models"]] == [provider]
