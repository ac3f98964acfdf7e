"""The count report: tokens per input and model, with totals per model for several inputs."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len

from .. import __version__
from ..book import Model
from .bill import csv_line
from .layout import Block, Column, Table, Text, render
from .markdown import md_lines, md_table, strong
from .report import SCHEMA_VERSION, to_json


def count_report(results: list[Any], models: list[Model]) -> dict[str, Any]:
    """Rows per (input, model) from counting results (per tokenizer), plus totals per model."""
    from ..counting import Skipped as SkippedInput

    by_tokenizer: dict[str, list[Model]] = {}
    for model in models:
        by_tokenizer.setdefault(model.tokenizer, []).append(model)
    counts, skipped = [], []
    totals: dict[str, dict[str, Any]] = {}
    for result in results:
        if isinstance(result, SkippedInput):
            skipped.append({"input": result.path, "reason": result.reason})
            continue
        for model in by_tokenizer.get(result.tokenizer, []):
            counts.append(
                {
                    "input": result.path,
                    "model": model.id,
                    "tokenizer": result.tokenizer,
                    "tokens": result.tokens,
                    "exact": result.exact,
                    "method": result.method,
                    "chars": result.chars,
                    "bytes": result.bytes,
                }
            )
            total = totals.setdefault(
                model.id,
                {
                    "model": model.id,
                    "tokenizer": result.tokenizer,
                    "tokens": 0,
                    "exact": result.exact,
                    "method": result.method,
                },
            )
            total["tokens"] += result.tokens
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"llmcost {__version__}",
        "counts": counts,
        "totals": list(totals.values()),
        "skipped": skipped,
    }


COUNT_CSV = ["input", "model", "tokenizer", "tokens", "exact", "method"]


def counts_blocks(report: dict[str, Any]) -> list[Block]:
    inputs = {row["input"] for row in report["counts"]}
    # A path folds only when it is longer than 40 cells; below that it stays whole and the method folds.
    longest = max((cell_len(text) for text in inputs), default=0)
    columns = [
        Column("Input", key=True, fold=True, min_width=min(longest, 40)),
        Column("Model", key=True),
        Column("Tokens", "r"),
        Column("Counted by", priority=1, fold=True),
    ]
    rows: list[list[Any]] = [
        [row["input"], row["model"], f"{row['tokens']:,}", row["method"]] for row in report["counts"]
    ]
    sections = []
    if len(inputs) > 1:
        sections.append([["Total", row["model"], f"{row['tokens']:,}", row["method"]] for row in report["totals"]])
    blocks: list[Block] = [Table(columns, rows, sections)] if rows else []
    blocks += [Text(f"Skipped {item['input']}: {item['reason']}", "yellow", hang=2) for item in report["skipped"]]
    return blocks


def render_counts(
    report: dict[str, Any], fmt_name: str, *, color: bool = False, width: int | None = None, wide: bool = False
) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        show_totals = len({row["input"] for row in report["counts"]}) > 1
        out = [csv_line(COUNT_CSV)]
        for row in report["counts"]:
            out.append(
                csv_line(
                    [
                        row["input"],
                        row["model"],
                        row["tokenizer"],
                        row["tokens"],
                        "true" if row["exact"] else "false",
                        row["method"],
                    ]
                )
            )
        for row in report["totals"] if show_totals else []:
            out.append(
                csv_line(
                    [
                        "TOTAL",
                        row["model"],
                        row["tokenizer"],
                        row["tokens"],
                        "true" if row["exact"] else "false",
                        row["method"],
                    ]
                )
            )
        return "".join(out)
    if fmt_name == "markdown":
        blocks = counts_blocks(report)
        parts = []
        for block in blocks:
            if isinstance(block, Table):
                rows = [list(r) for r in block.rows] + [[strong(c) for c in r] for s in block.sections for r in s]
                parts.append(md_table([c.header for c in block.columns], rows, "".join(c.align for c in block.columns)))
        parts += md_lines(b.text for b in blocks if isinstance(b, Text))
        return "\n".join(parts) + ("\n" if parts and not parts[-1].endswith("\n") else "")
    return render(counts_blocks(report), width=width, color=color, wide=wide)
