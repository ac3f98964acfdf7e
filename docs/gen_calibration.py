"""Write the README's calibration table: each estimate rule against the exact tokenizers.

    python docs/gen_calibration.py          # rewrite the table in README.md
    python docs/gen_calibration.py --check  # exit 1 if it is out of date (tests/test_calibration.py)

The corpus is tests/data/calibration (one text per category); the counts are llmcost's own
(`llmcost count` gives the same), and tests/test_calibration.py checks the exact ones against
the tokenizers' own packages and every estimate against the 80% floor and the 3x ceiling.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from llmcost.estimates import EstimateRule
from llmcost.resources import packaged_prices_dir
from llmcost.tokens import get_counter

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "calibration"
README = ROOT / "README.md"
START = "<!-- calibration table: python docs/gen_calibration.py -->\n"
END = "<!-- end of calibration table -->\n"
CATEGORIES = ["zh-prose", "en-prose", "mixed", "code", "json", "zh-punct", "numbers", "emoji"]
TITLES = {
    "zh-prose": "中文 prose",
    "en-prose": "English prose",
    "mixed": "mixed",
    "code": "Python",
    "json": "JSON",
    "zh-punct": "中文 dialogue",
    "numbers": "numbers",
    "emoji": "emoji",
}


def _table() -> dict[str, dict]:
    data = yaml.safe_load((packaged_prices_dir() / "tokenizers.yaml").read_text(encoding="utf-8"))
    return data["tokenizers"]


def render() -> str:
    table = _table()
    texts = {c: (CORPUS / f"{c}.txt").read_text(encoding="utf-8") for c in CATEGORIES}
    exact = [name for name, entry in table.items() if entry["method"] != "estimate"]
    # estimate tokenizers with the same rule share a row
    groups: dict[EstimateRule, list[str]] = {}
    for name, entry in table.items():
        if entry["method"] == "estimate":
            groups.setdefault(EstimateRule.from_entry(name, entry), []).append(name)

    def counts(name: str) -> list[int]:
        return [get_counter(name).count(texts[c]) for c in CATEGORIES]

    exact_counts = {name: counts(name) for name in exact}
    floor = [min(exact_counts["o200k_base"][i], exact_counts["qwen"][i]) for i in range(len(CATEGORIES))]
    lines = [
        "| tokenizer | " + " | ".join(TITLES[c] for c in CATEGORIES) + " |",
        "| --- |" + " ---: |" * len(CATEGORIES),
        "| characters | " + " | ".join(f"{len(texts[c]):,}" for c in CATEGORIES) + " |",
    ]
    for name in exact:
        lines.append(f"| `{name}` (exact) | " + " | ".join(f"{n:,}" for n in exact_counts[name]) + " |")
    for names in groups.values():
        row = counts(names[0])
        cells = [f"{n:,} ({100 * n / f:.0f}%)" for n, f in zip(row, floor)]
        lines.append("| " + ", ".join(f"`{n}`" for n in names) + " | " + " | ".join(cells) + " |")
    return START + "\n".join(lines) + "\n" + END


def section(readme: str) -> str:
    """The table as it stands in the README (markers included), or '' when it is missing."""
    start = readme.find(START)
    end = readme.find(END, start)
    return readme[start : end + len(END)] if start >= 0 and end >= 0 else ""


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    current, text = section(readme), render()
    if "--check" in argv:
        if current != text:
            print(
                f"{README}: the calibration table is out of date: run python docs/gen_calibration.py", file=sys.stderr
            )
            return 1
        return 0
    if not current:
        print(f"{README}: no calibration table markers ({START.strip()})", file=sys.stderr)
        return 1
    README.write_text(readme.replace(current, text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
