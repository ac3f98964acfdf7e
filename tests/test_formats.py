"""Every report command offers the formats that make sense for it, and README's table of them is
true: for each command, the formats README ticks are exactly those the command accepts."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import DATA
from test_readme import README

FORMATS = ("table", "json", "csv", "markdown", "jsonl")
#: What each command needs besides --format to get as far as reading it.
ARGS = {
    "check": [str(DATA / "check_workloads.yaml")],
    "prices diff": [str(DATA / "diff" / "old.yaml"), str(DATA / "diff" / "old.yaml")],
}


def readme_table() -> dict[str, set[str]]:
    text = README.read_text(encoding="utf-8").split("### Output formats", 1)[1]
    header, _, *rows = [line for line in text.split("\n\n", 2)[1].splitlines() if line.startswith("|")]
    names = [cell.strip() for cell in header.strip("|").split("|")][1:]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        table[cells[0].strip("`")] = {name for name, cell in zip(names, cells[1:]) if cell.startswith("✓")}
    return table


TABLE = readme_table()


def test_the_table_lists_every_report_command():
    assert set(TABLE) == {
        "estimate",
        "compare",
        "check",
        "count",
        "models",
        "history",
        "usage",
        "prices diff",
        "prices status",
    }


@pytest.mark.parametrize("command", sorted(TABLE))
def test_readme_says_which_formats_each_command_offers(cli, command):
    r = cli(*command.split(), *ARGS.get(command, []), "--format", "nope")
    match = re.fullmatch(r"llmcost: error: --format: 'nope' is not one of (.*)\n", r.err)
    assert match, r.err
    assert set(match.group(1).split(", ")) == TABLE[command]


def test_prices_status_as_csv_and_markdown(cli):
    providers = json.loads(cli("prices", "status", "-f", "json").out)["providers"]
    rows = list(csv.DictReader(io.StringIO(cli("prices", "status", "-f", "csv").out)))
    assert rows == [{k: "" if v is None else str(v) for k, v in p.items()} for p in providers]
    markdown = cli("prices", "status", "-f", "markdown").out.splitlines()
    assert "| Provider | Checked | Newest price | Models |" in markdown
    assert [line for line in markdown if line.startswith("| alpha ")] == [
        f"| alpha | {providers[0]['checked'] or '—'} | {providers[0]['newest_price']} | {providers[0]['models']} |"
    ]
