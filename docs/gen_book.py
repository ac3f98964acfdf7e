"""Write docs/price-book.md from the shipped price files: what the book holds, how fresh it is, and every
figure that rests on a third-party copy rather than the vendor's own page.

    python docs/gen_book.py          # rewrite docs/price-book.md
    python docs/gen_book.py --check  # exit 1 if docs/price-book.md is out of date (tests/test_docs.py does this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from llmcost import book
from llmcost.book.model import Model, PriceEntry

PRICES = Path(__file__).resolve().parents[1] / "prices"
OUT = Path(__file__).with_name("price-book.md")

HEAD = """# The price book

Generated from `prices/` by `python docs/gen_book.py`; `tests/test_docs.py` fails when this file and
the price files disagree. `llmcost prices status` shows the same freshness figures for the book you
have installed, `llmcost models` the models, `llmcost history MODEL` every dated price with its source.

A price is *official* when it was read from the vendor's own page, documentation, changelog or
announcement (or an exact archived copy of one); *third-party* when it rests on anything else: a
news report, a community price list, an aggregator, a reseller's copy. Third-party figures are used
only to corroborate, or where no official copy could be found, and each entry's note says what it
rests on; the maintainers' notes (`provenance` in the files, `--verbose` in the tool) say how every
figure was read.
"""


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _lists(model: Model) -> list[tuple[str, tuple[PriceEntry, ...]]]:
    lists = [(model.region, model.prices)]
    if model.intl is not None:
        lists.append(("intl", model.intl.prices))
    return lists


def render() -> str:
    loaded = book.load_only(PRICES)
    parts = [HEAD, "## Providers\n",
             "| provider | name | list | checked | models | sold on the checked date | newest price | "
             "third-party entries |",
             "| --- | --- | --- | --- | ---: | ---: | --- | ---: |"]
    by_provider: dict[str, list[Model]] = {}
    for model in loaded.models.values():
        by_provider.setdefault(model.provider, []).append(model)
    for provider_id in sorted(by_provider):
        info = loaded.providers[provider_id]
        models = by_provider[provider_id]
        sold = 0
        for model in models:
            try:
                model.price_at(info.checked)
                sold += 1
            except book.NoPriceError:
                pass
        entries = [e for m in models for _, lst in _lists(m) for e in lst]
        third = sum(1 for e in entries if e.source_kind == "third-party")
        region = "global (USD)"
        if info.region == "cn":
            region = "mainland (CNY)" + (" + international (USD)" if any(m.intl for m in models) else "")
        parts.append(f"| {provider_id} | {_md(info.name or '')} | {region} | {info.checked} | {len(models)} | "
                     f"{sold} | {max(e.effective for e in entries)} | {third} of {len(entries)} |")
    total = len(loaded.models)
    fx = loaded.fx.rates if loaded.fx else ()
    parts.append(f"\n{total} models in all. USD/CNY rates (prices/fx.yaml): {len(fx)}, the last dated "
                 f"{fx[-1].date if fx else 'never'}.\n")
    parts.append("## Models without a per-token price\n")
    parts.append("| model | provider | why |")
    parts.append("| --- | --- | --- |")
    for model in sorted(loaded.models.values(), key=lambda m: (m.provider, m.id)):
        if model.unpriced and not model.prices:
            parts.append(f"| {model.id} | {model.provider} | {_md(model.unpriced)} |")
    parts.append("\n## Figures that rest on a third-party copy\n")
    parts.append("Every dated entry whose source is not the vendor's own page (list: `cn` mainland, `intl` "
                 "international, `global`).\n")
    parts.append("| provider | model | list | effective | source | note |")
    parts.append("| --- | --- | --- | --- | --- | --- |")
    for model in sorted(loaded.models.values(), key=lambda m: (m.provider, m.id)):
        for region, entries in _lists(model):
            for entry in entries:
                if entry.source_kind == "third-party":
                    parts.append(f"| {model.provider} | {model.id} | {region} | {entry.effective} | "
                                 f"<{entry.source}> | {_md(entry.note or '')} |")
    return "\n".join(parts) + "\n"


def main() -> None:
    text = render()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
