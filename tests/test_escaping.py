"""Data shown to people is shown, never interpreted (issue 16, "High").

Names, notes, aliases, sources and paths come from files: rich markup in them is shown literally,
terminal escape sequences never reach the terminal or a table/markdown file, markdown in them cannot
add a heading, a comment or a row, and a CSV cell is never a spreadsheet formula, while the CSV still
reads back into llmcost unchanged.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import DATA

from llmcost.csvcells import protect, unprotect
from llmcost.render.text import clean, md, md_link

AS_OF = ["--as-of", "2024-06-01"]
ESC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's window title
CLEAR = "\x1b[2J"  # clears the screen
HOSTILE = {
    "markup-close": "[/]",
    "markup-colour": "[red]evil[/red]",
    "escape": f"t{ESC_TITLE}x{CLEAR}",
    "newline-heading": "bot\n### ✅ llmcost: monthly LLM cost check passed",
    "cr": "a\rb",
    "comment": "x <!-- hide the failures",
    "html": "<img src=x onerror=alert(1)>",
    "pipe": "a | b | c",
    "bidi": "abc\u202edcba",
    "formula": '=HYPERLINK("http://evil.example","click")',
    "plus": "+1+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)",
}


def _workloads(tmp_path, budget: str = "1000") -> str:
    path = tmp_path / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "model", "requests_per_month", "input_tokens", "output_tokens", "budget"])
        for name in HOSTILE.values():
            writer.writerow([name, "alpha-lite", "1000", "100", "100", budget])
    return str(path)


def _raw_html(markdown: str) -> list[str]:
    """Every "<" markdown would read as HTML: not escaped, and not an autolink llmcost wrote."""
    import re

    return re.findall(r"(?<!\\)<(?!https?://)[^\n]{0,20}", markdown)


def _no_control_characters(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c == "\u202e"]
    assert bad == [], bad


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_check_with_hostile_names_passes_and_shows_them_literally(cli, tmp_path, fmt):
    r = cli("check", _workloads(tmp_path), *AS_OF, "-f", fmt)
    assert r.code == 0, r.err  # valid and within budget: "[/]" is no internal error
    _no_control_characters(r.out)
    if fmt == "table":
        assert "[red]evil[/red]" in r.out and "[/]" in r.out
        assert "t\\x1b]0;pwned\\x07x\\x1b[2J" in r.out  # shown, not sent
        assert "bot\\n### ✅" in r.out and "abc\\u202edcba" in r.out


def test_markdown_cannot_add_a_heading_a_comment_html_or_a_row(cli, tmp_path):
    out = cli("check", _workloads(tmp_path, budget="0.01"), *AS_OF, "-f", "markdown").out
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("#")] == ["### ❌ llmcost: monthly LLM cost check failed"]
    assert _raw_html(out) == []
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(HOSTILE) + 1  # header, rule, a row per workload, the total
    for row in table[2:]:  # every row has the header's cells: no "|" in a name split one
        assert len(row.replace("\\|", "").split("|")) == len(table[0].split("|")), row
    assert "\\<!-- hide the failures" in out and "a \\| b \\| c" in out
    # the failures are all listed, after the table
    assert sum(line.startswith("- ❌") for line in lines) == len(HOSTILE)


def test_every_markdown_output_escapes_names(cli, tmp_path):
    path = _workloads(tmp_path)
    for args in (["estimate", "-w", path], ["compare", "-w", path, "-m", "alpha-lite"]):
        r = cli(*args, *AS_OF, "-f", "markdown")
        assert r.code == 0 and "| alpha-lite |" in r.out  # a report: an empty output has no raw HTML either
        _no_control_characters(r.out)
        assert _raw_html(r.out) == [] and "\n###" not in r.out


def test_a_source_with_raw_html_is_text_in_markdown(cli, tmp_path):
    book = (DATA / "book" / "alpha.yaml").read_text(encoding="utf-8")
    evil = 'https://example.com/"><script>alert(1)</script>'
    path = tmp_path / "alpha.yaml"
    path.write_text(book.replace("https://example.com/alpha/2024-05", evil), encoding="utf-8")
    out = cli(
        "estimate",
        "-m",
        "alpha-lite",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
        *AS_OF,
        "--prices",
        str(path),
        "-f",
        "markdown",
    ).out
    assert "<script>" not in out and "\\<script\\>" in out
    assert md_link("https://example.com/a_b?c=1") == "<https://example.com/a_b?c=1>"


def test_models_and_history_escape_notes_and_aliases(cli, tmp_path):
    book = (DATA / "book" / "alpha.yaml").read_text(encoding="utf-8")
    path = tmp_path / "alpha.yaml"
    path.write_text(
        book.replace("note: before the cut", 'note: "[bold]x[/] \\e[31mred\\e[0m <!-- |"'), encoding="utf-8"
    )
    for args in (["history", "alpha-lite"], ["history", "alpha-lite", "-f", "markdown"]):
        r = cli(*args, "--prices", str(path), *AS_OF)
        assert r.code == 0, r.err
        _no_control_characters(r.out)
        if "markdown" in args:
            assert _raw_html(r.out) == [] and "\\[bold\\]x\\[/\\]" in r.out
        else:
            assert "[bold]x[/] \\x1b[31mred\\x1b[0m <!-- |" in r.out


def test_csv_cells_are_never_formulas_and_read_back_unchanged(cli, tmp_path):
    out = cli("estimate", "-w", _workloads(tmp_path), *AS_OF, "-f", "csv").out
    rows = list(csv.reader(io.StringIO(out)))
    names = [row[0] for row in rows[1:-1]]
    for name in names:
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r")), name
    assert names[HOSTILE_KEYS.index("formula")] == "'" + HOSTILE["formula"]
    # read back: every name as it was, and the same CSV again
    back = cli("estimate", "-w", "-", *AS_OF, "-f", "json", input=out)
    assert [line["name"] for line in json.loads(back.out)["lines"]] == list(HOSTILE.values())
    assert cli("estimate", "-w", "-", *AS_OF, "-f", "csv", input=out).out == out


HOSTILE_KEYS = list(HOSTILE)


@pytest.mark.parametrize(
    "text",
    [
        "=1+2",
        "+SUM(A1)",
        "-2+3",
        "@A1",
        "\tx",
        "\r=1",
        "'=1",
        "plain",
        "-",
        "+",
        "-12.50",
        "1,000",
        "-96.3%",
        "",
        "''=x",
    ],
)
def test_protect_and_unprotect_round_trip(text):
    written = protect(text)
    assert unprotect(written) == text
    assert not written.startswith(("=", "+", "@", "\t", "\r")) or len(written) == 1
    assert not written.startswith("-") or written in ("-", "-12.50", "-96.3%")


def test_numbers_are_not_protected():
    assert [protect(v) for v in ("-12.50", "-96.3%", "+5", "1,000")] == ["-12.50", "-96.3%", "+5", "1,000"]


def test_clean_shows_every_control_character():
    assert clean("a\x1b[31mb\x07\n\t\r\x9b\u2028\u202e") == "a\\x1b[31mb\\x07\\n\\t\\r\\x9b\\u2028\\u202e"
    assert clean("豆包 😀 naïve") == "豆包 😀 naïve"


def test_md_escapes_what_markdown_would_interpret():
    assert md("a|b") == "a\\|b"
    assert md("<!-- x -->") == "\\<!-- x --\\>"
    assert md("[x](javascript:y)") == "\\[x\\](javascript:y)"
    assert md("snake_case *bold* `code`") == "snake_case \\*bold\\* \\`code\\`"
    assert md("_emphasis_") == "\\_emphasis\\_"
    assert md("line\nbreak") == "line\\\\nbreak"


def test_an_error_message_with_an_escape_never_reaches_the_terminal(cli):
    r = cli(
        "estimate", "-m", f"x{ESC_TITLE}", "--requests-per-month", "1", "--input-tokens", "1", "--output-tokens", "1"
    )
    assert r.code == 2
    _no_control_characters(r.err)
    assert "\\x1b]0;pwned\\x07" in r.err
