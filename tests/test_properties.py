"""Property tests of the arithmetic (issue 7, item 2), with hypothesis, on the test book.

1. Cost is linear: k× the requests is exactly k× the cost (flat and tiered models); k× the
   tokens is exactly k× the cost (flat models); input and output add up.
2. Exact to the fen: every amount equals an independent exact rational computation
   (``fractions.Fraction``); the lines add up to the total with no drift; the displayed
   total is the exact total rounded once, half up — in JSON, CSV and JSON Lines.
3. Converting CNY→USD→CNY at the same rate returns the exact amount (and USD→CNY→USD).
4. A price (or exchange rate) dated after ``--as-of`` never changes the result.
5. The CSV llmcost writes, read back by llmcost, gives the same bill, to the last digit.
6. And a number is read as the number written (1,000 and 1_000 are 1000), or refused ('1,5').

Amounts that go through a CNY→USD division are correctly rounded quotients (72 digits),
summed exactly: there the properties hold to 10^-50 relative, and the displayed amounts
are still exactly the rounded exact rational amounts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from conftest import BOOK, run, warm_tokenizers
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from llmcost import api, render, workload_files
from llmcost import book as prices
from llmcost.calculator import price_line
from llmcost.money import FxRate, parse_decimal, plain, round_money
from llmcost.workload import Workload

EXAMPLES = int(os.environ.get("LLMCOST_PROPERTY_EXAMPLES", "200"))
PROPS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a slow example on a loaded 2-core CI machine is not a failure
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FEWER = settings(PROPS, max_examples=max(20, EXAMPLES // 4))  # examples that run the CLI or write files

TEST_BOOK = prices.load_only(BOOK)
FLAT = ["alpha-lite", "alpha-pro", "alpha-free", "beta-4o"]
TIERED = ["alpha-tiered", "alpha-grad"]
WIDE = Context(prec=2000, Emax=10**6, Emin=-(10**6))  # wide enough that every sum below is exact
TINY = Fraction(1, 10**50)  # relative tolerance where a CNY→USD division is involved


@pytest.fixture(scope="module", autouse=True)
def _warm_tokenizers():
    warm_tokenizers(TEST_BOOK)


# -- an independent exact model of the bill -----------------------------------------------


def F(x) -> Fraction:
    return Fraction(x)


def half_up(amount: Fraction) -> Fraction:
    """0.01 half up, in rationals (independent of money.round_money)."""
    cents = amount * 100
    sign = -1 if cents < 0 else 1
    whole = int(abs(cents))
    if abs(cents) - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(sign * whole, 100)


def as_text(amount: Fraction) -> str:
    return f"{Decimal(amount.numerator) / Decimal(amount.denominator):.2f}"


def oracle(
    w: Workload, model_id: str, as_of: date, currency: str, fx: FxRate | None, discount: Decimal | None = None
) -> dict[str, Fraction]:
    """The bill of one workload, exactly, written out from the README's rules."""
    model = TEST_BOOK.models[model_id]
    entry = [e for e in model.prices if e.effective <= as_of][-1]
    per = F(entry.per)
    R, Ti, To = F(w.requests_per_month), F(w.input_tokens), F(w.output_tokens)
    b, c = F(w.batch_ratio), F(w.cached_ratio)
    standard, batch = R * (1 - b), R * b
    if entry.mode == "flat":
        slices = [(entry.bands[0], Ti)]
        out_band = entry.bands[0]
    else:
        index = next(i for i, band in enumerate(entry.bands) if band.up_to is None or band.up_to >= Ti)
        out_band = entry.bands[index]
        if entry.mode == "whole":
            slices = [(out_band, Ti)]
        else:  # graduated: each band's share of the input at its own rate
            slices, low = [], 0
            for band in entry.bands:
                high = band.up_to if band.up_to is not None else Ti
                if min(Ti, high) > low:
                    slices.append((band, min(Ti, high) - low))
                low = high
                if band.up_to is None or band.up_to >= Ti:
                    break
    input_cost = cached_cost = Fraction(0)
    for band, tokens in slices:
        cache_price = F(band.cached_input if band.cached_input is not None else band.input)
        batch_price = F(band.batch_input if band.batch_input is not None else band.input)
        cached = standard * tokens * c * cache_price / per
        cached_cost += cached
        input_cost += standard * tokens * (1 - c) * F(band.input) / per + cached + batch * tokens * batch_price / per
    batch_out = F(out_band.batch_output if out_band.batch_output is not None else out_band.output)
    output_cost = (standard * F(out_band.output) + batch * batch_out) * To / per
    off = -(input_cost + output_cost) * F(discount or 0)
    rate = Fraction(1)
    if model.currency != currency:
        rate = F(fx.usd_cny) if model.currency == "USD" else 1 / F(fx.usd_cny)
    parts = {
        "input_cost": input_cost * rate,
        "cached_input_cost": cached_cost * rate,
        "output_cost": output_cost * rate,
        "discount": off * rate,
    }
    parts["total"] = parts["input_cost"] + parts["output_cost"] + parts["discount"]
    return parts


def divides(model_id: str, currency: str) -> bool:
    """Does pricing this model in this currency go through a CNY→USD division?"""
    return TEST_BOOK.models[model_id].currency == "CNY" and currency == "USD"


def close(x, y, inexact: bool) -> bool:
    x, y = F(x), F(y)
    if not inexact:
        return x == y
    return abs(x - y) <= TINY * max(abs(x), abs(y), Fraction(1, 10**30))


# -- strategies --------------------------------------------------------------------------


def decimals(low, high, places):
    return st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)


requests = st.one_of(st.integers(0, 10**9).map(Decimal), decimals(0, 10**9, 3))
ratios = st.one_of(st.sampled_from([Decimal(0), Decimal(1), Decimal("0.5")]), decimals(0, 1, 4))
rates = st.one_of(
    st.sampled_from([Decimal("7.2"), Decimal("7.1"), Decimal("6.8742"), Decimal(8)]),
    decimals(Decimal("0.5"), 20, 6).filter(lambda r: r > 0),
)
as_of_dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
currencies = st.sampled_from(["CNY", "USD"])


@st.composite
def workloads(draw, model_ids=FLAT + TIERED, max_input=None):
    model_id = draw(st.sampled_from(model_ids))
    window = TEST_BOOK.models[model_id].context_window
    return Workload(
        model=model_id,
        requests_per_month=draw(requests),
        input_tokens=Decimal(draw(st.integers(0, min(window, max_input or window)))),
        output_tokens=Decimal(draw(st.integers(0, 10**6))),
        cached_ratio=draw(ratios),
        batch_ratio=draw(ratios),
    )


@st.composite
def fx_rates(draw, as_of: date) -> FxRate:
    if draw(st.booleans()):
        return TEST_BOOK.fx.at(as_of)
    return FxRate(draw(rates), None, "--rate")


def line_of(w: Workload, as_of: date, currency: str, fx: FxRate, discount=None):
    return price_line(w, TEST_BOOK.models[w.model], as_of=as_of, currency=currency, fx=fx, discount=discount)


# -- 1 and 2: exact, linear --------------------------------------------------------------


@PROPS
@given(
    w=workloads(),
    as_of=as_of_dates,
    currency=currencies,
    data=st.data(),
    discount=st.one_of(st.none(), decimals(0, 1, 3)),
)
@example(
    w=Workload("alpha-pro", Decimal("1000000000.004999999999999999999"), Decimal(0), Decimal(500000)),
    as_of=date(2025, 6, 1),
    currency="CNY",
    data=None,
    discount=None,
)  # 31 digits: beyond prec 28
@example(
    w=Workload("alpha-lite", Decimal(1), Decimal(0), Decimal(1)),
    as_of=date(2025, 1, 1),
    currency="USD",
    data=None,
    discount=Decimal(1),
)  # was -3.3E-68: parts converted one by one, then added
def test_every_amount_is_the_exact_rational_amount(w, as_of, currency, data, discount):
    fx = data.draw(fx_rates(as_of)) if data is not None else TEST_BOOK.fx.at(as_of)
    line = line_of(w, as_of, currency, fx, discount)
    want = oracle(w, w.model, as_of, currency, fx, discount)
    inexact = divides(w.model, currency)
    for field, value in want.items():
        assert close(getattr(line, field), value, inexact), field
    assert plain(line.total) == as_text(half_up(want["total"]))


@PROPS
@given(
    w=workloads(),
    k=st.one_of(st.integers(0, 1000), decimals(0, 1000, 2)),
    as_of=as_of_dates,
    currency=currencies,
    data=st.data(),
)
def test_cost_is_linear_in_requests(w, k, as_of, currency, data):
    """k× the requests → exactly k× every amount, flat or tiered ('whole' and 'graduated')."""
    fx = data.draw(fx_rates(as_of))
    one = line_of(w, as_of, currency, fx)
    many = line_of(replace(w, requests_per_month=w.requests_per_month * k), as_of, currency, fx)
    inexact = divides(w.model, currency)
    for field in ("input_cost", "cached_input_cost", "output_cost", "total"):
        assert close(getattr(many, field), F(k) * F(getattr(one, field)), inexact), field
    assert many.tier == one.tier


@PROPS
@given(w=workloads(FLAT), k=st.integers(0, 50), as_of=as_of_dates, currency=currencies, data=st.data())
def test_cost_is_linear_in_tokens_on_flat_prices(w, k, as_of, currency, data):
    """k× the input and output tokens → k× the cost; input and output cost add up."""
    window = TEST_BOOK.models[w.model].context_window
    assume(w.input_tokens * k <= window)
    fx = data.draw(fx_rates(as_of))
    one = line_of(w, as_of, currency, fx)
    many = line_of(replace(w, input_tokens=w.input_tokens * k, output_tokens=w.output_tokens * k), as_of, currency, fx)
    inexact = divides(w.model, currency)
    assert close(many.total, k * F(one.total), inexact)
    only_in = line_of(replace(w, output_tokens=Decimal(0)), as_of, currency, fx)
    only_out = line_of(replace(w, input_tokens=Decimal(0)), as_of, currency, fx)
    assert close(one.total, F(only_in.total) + F(only_out.total), inexact)


@PROPS
@given(w=workloads(["alpha-tiered"]), k=st.integers(0, 1000), currency=currencies, data=st.data())
def test_whole_tier_is_linear_in_requests_and_priced_at_its_band(w, k, currency, data):
    """'whole': the request's input decides the band for the whole request, whatever the volume."""
    as_of = date(2025, 6, 1)
    fx = data.draw(fx_rates(as_of))
    one = line_of(w, as_of, currency, fx)
    many = line_of(replace(w, requests_per_month=w.requests_per_month * k), as_of, currency, fx)
    assert close(many.total, k * F(one.total), divides(w.model, currency)) and many.tier == one.tier
    band = 0 if w.input_tokens <= 32000 else 1 if w.input_tokens <= 128000 else 2
    assert one.tier == ["≤32K", "32K-128K", ">128K"][band]


# -- 2: the lines add up, and the displayed total is the rounded exact total --------------


@PROPS
@given(items=st.lists(workloads(), min_size=1, max_size=8), as_of=as_of_dates, currency=currencies, data=st.data())
def test_lines_add_up_to_the_total_and_the_total_is_rounded_once(items, as_of, currency, data):
    fx = data.draw(fx_rates(as_of))
    pricer = api.Pricer(TEST_BOOK, api.Pricing(as_of=as_of, currency=currency, fx=fx))
    lines = [pricer.strict(w) for w in items]
    bill = pricer.bill(lines)
    inexact = any(divides(w.model, currency) for w in items)
    with localcontext(WIDE):
        exact_sum = sum((line.total for line in lines), Decimal(0))  # exact: prec 2000
    assert close(bill.total, exact_sum, inexact)
    if not inexact:
        assert bill.total == exact_sum
        for line in lines:  # and each line is the sum of its parts
            with localcontext(WIDE):
                assert line.total == line.input_cost + line.output_cost + line.free_quota + line.discount
    # What every format displays: the exact total (of the exact rational bill) rounded once.
    want = half_up(sum((oracle(w, w.model, as_of, currency, fx)["total"] for w in items), Fraction(0)))
    report = json.loads(render.to_json(render.bill_report(bill, TEST_BOOK)))
    assert report["total"] == as_text(want) == plain(exact_sum)
    assert round_money(exact_sum) == Decimal(as_text(want))
    assert [line["total"] for line in report["lines"]] == [plain(line.total) for line in lines]
    assert render.to_csv(report).splitlines()[-1].split(",")[render.CSV_COLUMNS.index("total")] == as_text(want)


@PROPS
@given(items=st.lists(workloads(), min_size=1, max_size=6), currency=currencies)
@example(
    items=[
        Workload("alpha-pro", Decimal("1000000000.004999999999999999999"), Decimal(0), Decimal(500000)),
        Workload("beta-4o", Decimal(1), Decimal(0), Decimal(0)),
    ],
    currency="CNY",
)
def test_compare_totals_and_table_subtotals_are_exact_sums(items, currency):
    """The other places that add lines up: `compare` per model, and the table's provider subtotals."""
    as_of = date(2025, 6, 1)
    pricer = api.Pricer(TEST_BOOK, api.Pricing(as_of=as_of, currency=currency, fx=TEST_BOOK.fx.at(as_of)))
    lines = [pricer.strict(w) for w in items]
    inexact = any(divides(w.model, currency) for w in items)
    stream = render.TableStream(render.report_head(currency, as_of, pricer.pricing.fx, TEST_BOOK))
    for line in lines:
        stream.line(line)
    for provider, subtotal in stream.subtotals.items():
        want = sum((F(line.total) for line in lines if line.model.provider == provider), Fraction(0))
        assert close(subtotal, want, inexact)
    model = TEST_BOOK.models["alpha-pro"]
    [option] = api.compare(
        pricer, [replace(w, model=model.id, input_tokens=min(w.input_tokens, Decimal(1000))) for w in items], [model]
    ).options
    assert close(option.total, sum((F(line.total) for line in option.lines), Fraction(0)), currency == "USD")


# Regression: the streamed total of `estimate --workloads` was summed in the default
# decimal context (28 digits) and showed 1000000000.01 for a line of 1000000000.00.
DRIFT = (
    "name,model,requests_per_month,input_tokens,output_tokens\nx,alpha-pro,1000000000.004999999999999999999,0,500000\n"
)


@FEWER
@given(
    items=st.lists(workloads(), min_size=1, max_size=6),
    currency=currencies,
    fmt=st.sampled_from(["json", "csv", "jsonl"]),
)
@example(items=None, currency="CNY", fmt="csv")
def test_cli_streamed_total_is_the_rounded_exact_total(items, currency, fmt):
    """`estimate --workloads` streams lines and adds them as it goes: still the rounded exact total."""
    as_of = date(2025, 6, 1)
    if items is None:
        text, items = (
            DRIFT,
            list(
                workload_files.read_csv(
                    workload_files.Source("x", io.BytesIO(DRIFT.encode())), io.BytesIO(DRIFT.encode())
                )
            ),
        )
    else:
        text = write_csv(
            [
                {
                    "name": f"w{i}",
                    "model": w.model,
                    "requests_per_month": w.requests_per_month,
                    "input_tokens": w.input_tokens,
                    "output_tokens": w.output_tokens,
                    "cached_ratio": w.cached_ratio,
                    "batch_ratio": w.batch_ratio,
                }
                for i, w in enumerate(items)
            ]
        )
    r = run(
        "estimate",
        "-w",
        "-",
        "-f",
        fmt,
        "--as-of",
        as_of.isoformat(),
        "--currency",
        currency,
        "--input-format",
        "csv",
        input=text,
    )
    assert r.code == 0, r.err
    fx = TEST_BOOK.fx.at(as_of)
    want = as_text(half_up(sum((oracle(w, w.model, as_of, currency, fx)["total"] for w in items), Fraction(0))))
    if fmt == "json":
        shown = json.loads(r.out)["total"]
    elif fmt == "jsonl":
        shown = json.loads(r.out.splitlines()[-1])["total"]
    else:
        shown = list(csv.reader(io.StringIO(r.out)))[-1][render.CSV_COLUMNS.index("total")]
    assert shown == want


# -- 3: exchange rates ---------------------------------------------------------------------

amounts = st.builds(lambda n, k: Decimal(n).scaleb(-k), st.integers(0, 10**40), st.integers(0, 20))
book_rates = st.from_regex(r"\A([1-9][0-9]{0,11})(\.[0-9]{1,12})?\Z").map(Decimal)  # the schema's DECIMAL


@PROPS
@given(amount=amounts, rate=st.one_of(rates, book_rates))
@example(amount=Decimal("9077.84"), rate=Decimal("7.2"))  # came back as 9077.8399…9 (60 digits)
@example(amount=Decimal("91466.475"), rate=Decimal("7.2"))  # …and then displayed 91466.47, not .48
def test_cny_usd_cny_returns_the_exact_amount(amount, rate):
    fx = FxRate(rate, None, "--rate")
    usd = fx.convert(amount, "CNY", "USD")
    assert fx.convert(usd, "USD", "CNY") == amount
    assert plain(fx.convert(usd, "USD", "CNY")) == plain(amount)
    assert abs(F(usd) - F(amount) / F(rate)) <= F(usd) * Fraction(1, 10**70)  # a correctly rounded quotient


@PROPS
@given(
    amount=st.builds(lambda n, k: Decimal(n).scaleb(-k), st.integers(0, 10**30), st.integers(0, 20)),
    rate=st.one_of(rates, book_rates),
)
def test_usd_cny_usd_returns_the_exact_amount(amount, rate):
    """Exact while the product fits the 60 digits (31 + 24 here; a bill's amounts are far shorter)."""
    fx = FxRate(rate, None, "--rate")
    cny = fx.convert(amount, "USD", "CNY")
    assert F(cny) == F(amount) * F(rate)
    assert fx.convert(cny, "CNY", "USD") == amount


# -- 4: prices dated after --as-of change nothing ---------------------------------------------

prices_text = st.from_regex(r"\A(0|[1-9][0-9]{0,3})(\.[0-9]{1,6})?\Z")


@st.composite
def later_entry(draw, after: date) -> dict:
    entry = {
        "effective": (after + timedelta(days=draw(st.integers(1, 3000)))).isoformat(),
        "unit": draw(st.sampled_from(["1K", "10K", "1M"])),
        "source": "https://example.com/later",
    }
    if draw(st.booleans()):
        entry.update(input=draw(prices_text), output=draw(prices_text))
        if draw(st.booleans()):
            entry.update(cached_input=draw(prices_text), batch_input=draw(prices_text), batch_output=draw(prices_text))
    else:
        entry["tiers"] = {
            "mode": draw(st.sampled_from(["whole", "graduated"])),
            "bands": [
                {"up_to": 1000, "input": draw(prices_text), "output": draw(prices_text)},
                {"input": draw(prices_text), "output": draw(prices_text)},
            ],
        }
    return entry


@FEWER
@given(items=st.lists(workloads(), min_size=1, max_size=4), as_of=as_of_dates, currency=currencies, data=st.data())
def test_a_price_dated_after_as_of_changes_nothing(items, as_of, currency, data):
    changed = data.draw(st.sets(st.sampled_from(FLAT + TIERED), min_size=1))
    with tempfile.TemporaryDirectory(prefix="llmcost-later-") as tmp:
        folder = Path(tmp)
        for path in BOOK.iterdir():
            shutil.copy(path, folder / path.name)
        later = {}
        for provider in ("alpha", "beta"):
            doc = yaml.safe_load((BOOK / f"{provider}.yaml").read_text(encoding="utf-8"))
            for model in doc["models"]:
                if model["id"] in changed:
                    last = date.fromisoformat(model["prices"][-1]["effective"])
                    entry = data.draw(later_entry(max(as_of, last)))
                    model["prices"].append(entry)
                    later[model["id"]] = entry
            (folder / f"{provider}.yaml").write_text(
                yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
        fx_doc = yaml.safe_load((BOOK / "fx.yaml").read_text(encoding="utf-8"))
        fx_later = (as_of + timedelta(days=data.draw(st.integers(1, 400)))).isoformat()
        fx_doc["rates"].append({"date": fx_later, "usd_cny": "9.99", "source": "https://example.com/fx/later"})
        (folder / "fx.yaml").write_text(yaml.safe_dump(fx_doc, sort_keys=False), encoding="utf-8")
        other = prices.load_only(folder)

        def bill(book):
            pricer = api.Pricer(book, api.Pricing(as_of=as_of, currency=currency, fx=book.fx.at(as_of)))
            return render.bill_report(pricer.bill([pricer.strict(w) for w in items]), book)

        before, after = bill(TEST_BOOK), bill(other)
        assert before.pop("price_book") != after.pop("price_book")  # the books differ...
        assert after == before  # ...but not on the as-of date
        for model_id, entry in later.items():  # and the later entry is really there, and used from its date
            assert other.models[model_id].price_at(date.fromisoformat(entry["effective"])).source == entry["source"]
        assert other.fx.at(date.fromisoformat(fx_later)).usd_cny == Decimal("9.99")
        # The same through the CLI, with LLMCOST_BOOK pointing at the changed copy.
        args = [
            "estimate",
            "-m",
            items[0].model,
            "--requests-per-month",
            str(items[0].requests_per_month),
            "--input-tokens",
            str(items[0].input_tokens),
            "--output-tokens",
            str(items[0].output_tokens),
            "--cached-ratio",
            str(items[0].cached_ratio),
            "--batch-ratio",
            str(items[0].batch_ratio),
            "--as-of",
            as_of.isoformat(),
            "--currency",
            currency,
            "-f",
            "json",
        ]
        one, two = run(*args), run(*args, env={"LLMCOST_BOOK": str(folder)})
        assert one.code == two.code == 0, one.err + two.err
        first, second = json.loads(one.out), json.loads(two.out)
        assert first.pop("price_book") != second.pop("price_book")
        assert first.pop("price_book_origin")["book_digest"] != second.pop("price_book_origin")["book_digest"]
        assert first == second


# -- 5: CSV written by llmcost reads back into the same bill ---------------------------------

names = st.one_of(
    st.text(max_size=12), st.sampled_from(["TOTAL", "bot, 客服", 'say "hi"', "a\nb", " padded ", "=SUM(A1)", "line 2"])
)
models = st.sampled_from(FLAT + TIERED + ["lite", "阿尔法-lite", "B4O", "alpha"])


@st.composite
def csv_rows(draw) -> dict:
    model = draw(models)
    row = {"name": draw(names), "model": model, "output_tokens": draw(st.integers(0, 10**6))}
    if draw(st.booleans()):
        row["requests_per_day"] = draw(requests.filter(lambda r: r <= 10**7))
        if draw(st.booleans()):
            row["days"] = draw(st.integers(1, 366))
    else:
        row["requests_per_month"] = draw(requests)
    if draw(st.integers(0, 3)) == 0:
        row["prompt"] = draw(st.text(min_size=1, max_size=60).filter(str.strip))  # blank = no prompt
    else:
        row["input_tokens"] = draw(st.integers(0, 8192))
    row["cached_ratio"], row["batch_ratio"] = draw(ratios), draw(ratios)
    if draw(st.booleans()):
        row["budget"], row["currency"] = draw(decimals(0, 10**6, 2)), draw(st.sampled_from(["CNY", "usd", "元"]))
    return row


def write_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(workload_files.FIELDS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_lines(text: str, pricer: api.Pricer):
    source = workload_files.Source("<test>", io.BytesIO(text.encode("utf-8")))
    return list(
        pricer.lines(workload_files.read_csv(source, source.stream, count_prompt=api.prompt_counter(TEST_BOOK)))
    )


def priced_csv(lines, pricer: api.Pricer) -> str:
    """What `estimate --workloads - --format csv` writes (the CLI's own stream)."""
    p = pricer.pricing
    stream = render.CsvStream(render.report_head(p.currency, p.as_of, p.fx, TEST_BOOK))
    return (
        stream.begin() + "".join(stream.line(line) for line in lines) + stream.end([], plain(pricer.bill(lines).total))
    )


@PROPS
@given(rows=st.lists(csv_rows(), min_size=1, max_size=6), currency=currencies)
@example(
    rows=[{"name": "a\rb", "model": "alpha-lite", "requests_per_month": 1, "input_tokens": 1, "output_tokens": 1}],
    currency="CNY",
)  # a bare \r was written unquoted and split the row
@example(
    rows=[
        {
            "name": "x",
            "model": "alpha-pro",
            "requests_per_day": Decimal("33333333.3334999999999999999999999"),
            "input_tokens": 0,
            "output_tokens": 500000,
        }
    ],
    currency="CNY",
)  # per day × 30: beyond prec 28
def test_priced_csv_reads_back_into_the_same_bill(rows, currency):
    as_of = date(2025, 6, 1)
    pricer = api.Pricer(TEST_BOOK, api.Pricing(as_of=as_of, currency=currency, fx=TEST_BOOK.fx.at(as_of)))
    first = read_lines(write_csv(rows), pricer)
    for row, line in zip(rows, first):  # requests per day × days is exact too
        if "requests_per_day" in row:
            assert F(line.requests) == F(row["requests_per_day"]) * row.get("days", 30)
    written = priced_csv(first, pricer)
    again = read_lines(written, pricer)
    assert [(a.workload.name, a.model.id) for a in again] == [(b.workload.name, b.model.id) for b in first]
    for a, b in zip(again, first):  # every amount, to the last digit
        assert (
            a.requests,
            a.workload.input_tokens,
            a.workload.output_tokens,
            a.input_cost,
            a.cached_input_cost,
            a.output_cost,
            a.total,
            a.tier,
        ) == (
            b.requests,
            b.workload.input_tokens,
            b.workload.output_tokens,
            b.input_cost,
            b.cached_input_cost,
            b.output_cost,
            b.total,
            b.tier,
        )
    assert pricer.bill(again).total == pricer.bill(first).total
    assert priced_csv(again, pricer) == written


@FEWER
@given(rows=st.lists(csv_rows(), min_size=1, max_size=4), currency=currencies)
@example(
    rows=[
        {"name": "0\x850 \u2028", "model": "alpha-lite", "requests_per_month": 1, "input_tokens": 1, "output_tokens": 1}
    ],
    currency="CNY",
)  # JSON split inside a string at U+0085: invalid JSON
def test_cli_csv_round_trip(rows, currency):
    args = ["estimate", "-w", "-", "--as-of", "2025-06-01", "--currency", currency, "--input-format", "csv"]
    first = run(*args, "-f", "csv", input=write_csv(rows))
    assert first.code == 0, first.err
    second = run(*args, "-f", "csv", input=first.out)
    assert second.code == 0 and second.out == first.out
    bill_one = json.loads(run(*args, "-f", "json", input=write_csv(rows)).out)
    bill_two = json.loads(run(*args, "-f", "json", input=first.out).out)
    for line in bill_one["lines"] + bill_two["lines"]:
        line.pop("input_tokens_method")  # a prompt was counted the first time; the count is given the second
        line["notes"] = [note for note in line["notes"] if not note.startswith("input tokens are an estimate")]
    assert bill_two == bill_one


# -- and a number is read as the number written, or refused --------------------------------


@PROPS
@given(
    value=st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False),
    grouped=st.booleans(),
    underscores=st.booleans(),
)
@example(value=Decimal("1500"), grouped=True, underscores=False)
def test_a_number_is_read_as_written(value, grouped, underscores):
    """1,234,567.5 and 1_234_567.5 are 1234567.5, in a workload file and in a flag."""
    text = f"{value:,f}" if grouped else f"{value:f}"
    if underscores:
        text = text.replace(",", "_")
    data = f'model,requests_per_month,input_tokens,output_tokens\nalpha-lite,"{text}",1,1\n'.encode()
    [w] = list(workload_files.read("-", stdin=io.BytesIO(data), input_format="csv"))
    assert w.requests_per_month == value
    assert parse_decimal(text, "--requests-per-month") == value


@pytest.mark.parametrize("text", ["1,5", "12,34", "1,2345", "1,000,00", ",5", "1,.5", "1,,000", "0,5", "0,500"])
def test_a_comma_that_is_not_a_thousands_separator_is_refused(cli, text):
    """'1,5' used to be read as 15 (commas were dropped): a decimal comma silently made 10x the bill."""
    data = f'model,requests_per_month,input_tokens,output_tokens\nalpha-lite,"{text}",1,1\n'
    r = cli("estimate", "-w", "-", "--as-of", "2025-06-01", input=data)
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"llmcost: error: <stdin>, line 2, column 'requests_per_month': {text!r} is not a number "
        "(commas only separate thousands, as in 1,000,000; the decimal mark is '.')\n"
    )
    r = cli("estimate", "-m", "alpha-lite", "--requests-per-day", text, "--input-tokens", "1", "--output-tokens", "1")
    assert (r.code, r.out) == (2, "") and r.err.startswith(
        f"llmcost: error: --requests-per-day: {text!r} is not a number"
    )
    r = cli("check", "-", "--baseline", "x.json", "--max-increase", text, input=data)
    assert (r.code, r.out) == (2, "") and f"--max-increase: {text!r} is not an allowed increase" in r.err
