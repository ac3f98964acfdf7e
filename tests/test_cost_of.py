"""``from llmcost import cost_of``: one response priced exactly, as ``llmcost usage`` prices a record.

The book is tests/data/usage_book (see test_usage.py for its prices): ml-tod (CNY per 1M) from
2026-09-01 peak 4 / 16 / 1 cached, off-peak 2 / 8 / 0.5 (Beijing weekdays 09-12, 14-18 peak);
w-cache (USD per 1M) from 2026-06-01 2 / 10 / 0.2 cached / 2.5 cache write; USD/CNY 7.2 from 2026-07-01.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from conftest import DATA

from llmcost import book as prices
from llmcost import cost_of
from llmcost.errors import InputError, LlmcostError, UnknownModelError, UsageError

USAGE_BOOK = DATA / "usage_book"
D = Decimal
# 2026-10-05 is a Monday; 20:00 Beijing (12:00 UTC) is off-peak, 10:00 Beijing (02:00 UTC) peak.
MONDAY_EVENING = 1791201600
MONDAY_MORNING = MONDAY_EVENING - 10 * 3600


@pytest.fixture(scope="module")
def ubook():
    return prices.load_only(USAGE_BOOK)


def deepseek(created: int) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "ml-tod",
        "created": created,
        "usage": {
            "prompt_tokens": 1000,
            "completion_tokens": 500,
            "total_tokens": 1500,
            "prompt_cache_hit_tokens": 400,
            "prompt_cache_miss_tokens": 600,
            "completion_tokens_details": {"reasoning_tokens": 100},
        },
    }


def parts(cost) -> tuple[Decimal, ...]:
    return (cost.input, cost.cached_input, cost.cache_write, cost.output, cost.reasoning, cost.total)


def test_deepseek_hit_miss_off_peak(ubook):
    cost = cost_of(deepseek(MONDAY_EVENING), book=ubook)
    # off-peak 2 / 8 / 0.5 per 1M: 600 missed, 400 hit, 400 visible + 100 reasoning output
    assert parts(cost) == (D("0.0012"), D("0.0002"), D(0), D("0.0032"), D("0.0008"), D("0.0054"))
    assert cost.currency == "CNY"
    assert cost.convention == "deepseek"
    assert (cost.input_tokens, cost.cached_tokens, cost.output_tokens, cost.reasoning_tokens) == (1000, 400, 500, 100)
    assert cost.when == datetime(2026, 10, 5, 12, tzinfo=timezone.utc)
    p = cost.price
    assert (p.model, p.effective, p.band, p.currency, p.unit, p.off_peak, p.batch) == (
        "ml-tod",
        date(2026, 9, 1),
        "",
        "CNY",
        "1M",
        True,
        False,
    )
    assert p.source == "https://example.com/ml/tod-2026-09"
    assert cost.notes == ("off-peak prices (peak Mon-Fri 09:00-12:00, 14:00-18:00 (UTC+08:00, cn holidays off-peak))",)


def test_deepseek_peak_is_twice_off_peak(ubook):
    cost = cost_of(deepseek(MONDAY_MORNING), book=ubook)
    assert parts(cost) == (D("0.0024"), D("0.0004"), D(0), D("0.0064"), D("0.0016"), D("0.0108"))
    assert cost.price.off_peak is False
    assert cost.notes[0].startswith("peak prices")


def test_anthropic_cache_reads_and_writes(ubook):
    message = {
        "id": "msg_1",
        "type": "message",
        "model": "w-cache",
        "usage": {
            "input_tokens": 100,
            "cache_read_input_tokens": 2000,
            "cache_creation_input_tokens": 1000,
            "output_tokens": 300,
        },
    }
    usd = cost_of(message, when=datetime(2026, 7, 2, 10, tzinfo=timezone.utc), currency="USD", book=ubook)
    # 2 / 10 / 0.2 read / 2.5 write USD per 1M; input_tokens excludes the cache reads and writes
    assert parts(usd) == (D("0.0002"), D("0.0004"), D("0.0025"), D("0.003"), D(0), D("0.0061"))
    assert (usd.input_tokens, usd.cached_tokens, usd.cache_write_tokens) == (3100, 2000, 1000)
    assert usd.convention == "anthropic" and usd.fx is None and usd.notes == ()
    assert (usd.price.model, usd.price.region, usd.price.effective) == ("w-cache", "global", date(2026, 6, 1))
    cny = cost_of(message, when="2026-07-02T18:00:00+08:00", book=ubook)
    assert parts(cny) == (D("0.00144"), D("0.00288"), D("0.018"), D("0.0216"), D(0), D("0.04392"))
    assert cny.fx is not None and (cny.fx.usd_cny, cny.fx.date) == (D("7.2"), date(2026, 7, 1))
    assert cny.notes == ("USD price converted to CNY at 1 USD = 7.2 CNY (2026-07-01)",)
    # the price in force on the call's own day: before 2026-06-01, 3 / 15 / 0.3 / 3.75
    may = cost_of(message, when=date(2026, 5, 31), currency="USD", book=ubook)
    assert may.total == D("0.0003") + D("0.0006") + D("0.00375") + D("0.0045")
    assert cost_of(message, when=date(2026, 5, 31), rate="7", book=ubook).total == may.total * 7


@dataclass
class Details:
    cached_tokens: int | None = None
    audio_tokens: int | None = None


def test_sdk_objects_with_attributes(ubook):
    """Objects like the openai SDK's: attributes, nested objects, None for absent details."""
    usage = SimpleNamespace(
        prompt_tokens=1000,
        completion_tokens=500,
        total_tokens=1500,
        prompt_tokens_details=Details(cached_tokens=400),
        completion_tokens_details=SimpleNamespace(reasoning_tokens=100, audio_tokens=None),
    )
    response = SimpleNamespace(id="x", model="ml-tod", created=MONDAY_EVENING, usage=usage, _client=object())
    cost = cost_of(response, book=ubook)
    assert parts(cost) == (D("0.0012"), D("0.0002"), D(0), D("0.0032"), D("0.0008"), D("0.0054"))
    assert cost.convention == "openai"
    assert cost_of(usage, model="ml-chat", when=MONDAY_EVENING, book=ubook).total == D("0.0054")


def test_pydantic_models_as_the_sdks_make_them(ubook):
    pydantic = pytest.importorskip("pydantic")

    class InputDetails(pydantic.BaseModel):
        cached_tokens: int

    class OutputDetails(pydantic.BaseModel):
        reasoning_tokens: int

    class ResponseUsage(pydantic.BaseModel):  # the Responses API's usage
        input_tokens: int
        input_tokens_details: InputDetails
        output_tokens: int
        output_tokens_details: OutputDetails
        total_tokens: int

    class Response(pydantic.BaseModel):
        id: str
        created_at: float
        model: str
        usage: ResponseUsage

    response = Response(
        id="resp_1",
        created_at=float(MONDAY_MORNING),
        model="ml-tod",
        usage=ResponseUsage(
            input_tokens=1000,
            input_tokens_details=InputDetails(cached_tokens=400),
            output_tokens=500,
            output_tokens_details=OutputDetails(reasoning_tokens=100),
            total_tokens=1500,
        ),
    )
    cost = cost_of(response, book=ubook)
    assert parts(cost) == (D("0.0024"), D("0.0004"), D(0), D("0.0064"), D("0.0016"), D("0.0108"))
    assert cost.convention == "responses"


def test_same_amount_as_llmcost_usage(ubook, cli, tmp_path, monkeypatch):
    """A one-record log priced by `llmcost usage` totals what cost_of says, to the fen."""
    monkeypatch.setenv("LLMCOST_BOOK", str(USAGE_BOOK))
    record = deepseek(MONDAY_MORNING)
    record["usage"] = {**record["usage"], "prompt_tokens": 9_000_000, "prompt_cache_miss_tokens": 8_999_600}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    r = cli("usage", str(path), "-f", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["total"] == "36.01"
    assert cost_of(record, book=ubook).total == D("36.0068")  # 8,999,600 × 4 + 400 × 1 + 500 × 16 per 1M


def test_batch_output_line_and_as_dict(ubook):
    line = {
        "custom_id": "r1",
        "response": {
            "status_code": 200,
            "body": {
                "model": "w-cache",
                "created": MONDAY_EVENING,
                "usage": {"prompt_tokens": 1000, "completion_tokens": 100},
            },
        },
    }
    cost = cost_of(line, currency="USD", book=ubook)
    assert cost.price.batch is True and cost.total == D("0.0015")  # batch 1 / 5 per 1M
    assert cost.notes == ("batch prices",)
    data = cost.as_dict()
    assert json.loads(json.dumps(data))["total"] == "0.0015"
    assert data["price"]["effective"] == "2026-06-01" and data["when"] == "2026-10-05T12:00:00+00:00"


def test_errors_are_llmcosts(ubook):
    with pytest.raises(UnknownModelError, match="unknown model 'no-such-model'"):
        cost_of({"model": "no-such-model", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}, book=ubook)
    with pytest.raises(InputError) as no_price:
        cost_of(deepseek(MONDAY_EVENING), model="w-mini", when=date(2026, 4, 30), book=ubook)
    assert (
        str(no_price.value)
        == "cost_of: w-mini has no price on or before 2026-04-30 (its first price is from 2026-05-01)"
    )
    with pytest.raises(UsageError, match="a usage object alone needs model="):
        cost_of({"prompt_tokens": 1, "completion_tokens": 1}, book=ubook)
    with pytest.raises(UsageError, match="has no time zone"):
        cost_of(deepseek(MONDAY_EVENING), when=datetime(2026, 10, 5, 12), book=ubook)
    with pytest.raises(InputError) as bad:
        cost_of({"model": "ml-tod", "usage": {"prompt_tokens": -1, "completion_tokens": 1}}, book=ubook)
    assert str(bad.value) == "cost_of: usage.prompt_tokens: -1 is negative: not a token count"
    with pytest.raises(InputError, match=r"cached tokens \(2\) exceed input tokens \(1\)"):
        cost_of(
            {"prompt_tokens": 1, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 2}},
            model="ml-tod",
            book=ubook,
        )
    with pytest.raises(UsageError, match="unknown currency"):
        cost_of(deepseek(MONDAY_EVENING), currency="EUR", book=ubook)
    with pytest.raises(LlmcostError) as region:
        cost_of(deepseek(MONDAY_EVENING), model="ml-tiers", region="intl", book=ubook)
    assert str(region.value).startswith("cost_of: ml-tiers has no international price list (mainland sells it")
    intl = cost_of(deepseek(MONDAY_EVENING), region="intl", currency="USD", book=ubook)  # 0.5 / 2 / 0.1 USD
    assert (intl.total, intl.price.region) == (D("0.0003") + D("0.00004") + D("0.001"), "intl")
    with pytest.raises(UsageError, match="is not a response or a usage object"):
        cost_of("prompt_tokens=1", book=ubook)


def test_shipped_book_loaded_once(monkeypatch):
    from llmcost import api
    from llmcost.usage import cost as module

    monkeypatch.setenv("LLMCOST_BOOK", str(USAGE_BOOK))
    module._active_book.cache_clear()
    loads = []
    real = api.load_book
    monkeypatch.setattr(api, "load_book", lambda *a: loads.append(1) or real(*a))
    try:
        now = datetime.now(timezone.utc)
        first = cost_of({"model": "ml-think", "usage": {"prompt_tokens": 10, "completion_tokens": 0}})
        second = cost_of({"prompt_tokens": 10, "completion_tokens": 0}, model="ml-think")
    finally:
        module._active_book.cache_clear()
    assert len(loads) == 1
    assert first.total == second.total == D("0.00001")
    assert abs(first.when - now) < timedelta(minutes=1)  # no time in the response: now


def test_import_llmcost_stays_light():
    code = "import sys, llmcost; print(sorted(m for m in sys.modules if m.startswith('llmcost')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['llmcost']"
