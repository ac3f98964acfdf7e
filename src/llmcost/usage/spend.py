"""Budgets on real spend (``llmcost check --usage``): what a month's usage records cost, in total and
per project, against budgets.  Pure: the CLI reads the files and renders.

- **Which month.** ``--month YYYY-MM``, else the current month; a record's month is its day in
  its vendor's billing zone (Beijing time for mainland vendors, UTC for global ones), as in
  ``llmcost usage``, and "the current month" is today's month in that same zone.  Records of other
  months are counted and reported, not priced (a log of the whole year checks one month).
- **Budgets.** ``--budget AMOUNT`` for the month's total; ``--budget PROJECT=AMOUNT`` (repeatable)
  for a project's spend (the ``project`` column or field).  A project with a budget and no
  records that month spent 0.  Records without a project count towards the total only.
- **The verdict** is ``budget``'s: decided at the precision shown (the fen/cent), an amount equal
  to its budget is within it; failures are ``budget.Failure`` (``over_budget``) of a project or
  the total.  Exit 1 when any fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..book import PriceBook
from ..errors import UsageError
from ..money import FxRate, exact_sum, parse_decimal
from .engine import Result
from .pricing import billing_offset
from .records import EPOCH, Record, day_date, local_day

NO_PROJECT = "(no project)"
MAX_BUDGET = Decimal(10) ** 15
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)  # digits are 0-9, as in every date llmcost reads
ZERO = Decimal(0)


@dataclass(frozen=True)
class Budgets:
    """``--budget`` values: the month's total, and per project (in the report currency)."""

    total: Decimal | None
    projects: dict[str, Decimal]


def parse_budgets(texts: list[str]) -> Budgets:
    """``AMOUNT`` (the total, once) and ``PROJECT=AMOUNT`` (each project once)."""
    total: Decimal | None = None
    projects: dict[str, Decimal] = {}
    for text in texts:
        name, sep, amount = text.rpartition("=")
        what = "--budget" if not sep else f"--budget {name.strip()}="
        value = parse_decimal(amount, what)
        if value < 0:
            raise UsageError(f"{what}: a budget cannot be negative, not {amount.strip()}")
        if value > MAX_BUDGET:
            raise UsageError(f"{what}: {amount.strip()} is too large (at most {MAX_BUDGET:,})")
        if not sep:
            if total is not None:
                raise UsageError("--budget AMOUNT (the total) is given twice", hint="a project's is PROJECT=AMOUNT")
            total = value
            continue
        project = " ".join(name.split())
        if not project:
            raise UsageError(f"--budget {text!r}: no project name before '='")
        if project in projects:
            raise UsageError(f"--budget: project {project!r} has two budgets")
        projects[project] = value
    return Budgets(total, projects)


def parse_month(text: str) -> str:
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise UsageError(f"--month: {text!r} is not a month (use YYYY-MM, e.g. 2026-11)")
    return text.strip()


def _month_start(month: str) -> int:
    """Unix seconds of the month's first day, 00:00 UTC."""
    year, mon = int(month[:4]), int(month[5:7])
    return (date(year, mon, 1) - EPOCH).days * 86400


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def current_months(now: int) -> tuple[str, ...]:
    """Today's month in each billing zone (UTC, Beijing): one month, or two at a month's turn."""
    return tuple(sorted({day_date(local_day(now, offset)).isoformat()[:7] for offset in (0, 8 * 3600)}))


def window(months: tuple[str, ...]) -> tuple[int, int]:
    """Unix seconds [start, end) that hold every record of these months in any billing zone (a day's margin)."""
    return _month_start(min(months)) - 86400, _month_start(_next_month(max(months))) + 86400


def in_window(
    sources: Iterator[tuple[str, Iterator[Record]]], start: int, end: int, outside: list[int]
) -> Iterator[tuple[str, Iterator[Record]]]:
    """The records between ``start`` and ``end``; ``outside[0]`` counts the others (not priced)."""

    def keep(records: Iterator[Record]) -> Iterator[Record]:
        for rec in records:
            if start <= rec.when < end:
                yield rec
            else:
                outside[0] += 1

    for name, records in sources:
        yield name, keep(records)


@dataclass(frozen=True)
class SpendLine:
    name: str  # the project, or NO_PROJECT
    records: int
    total: Decimal  # exact, report currency
    budget: Decimal | None
    models: tuple[str, ...]


@dataclass(frozen=True)
class Spend:
    """A month's spend: per project, the total, and what was not counted."""

    months: tuple[str, ...]  # the month checked (two at a month's turn without --month: one per zone)
    currency: str
    lines: tuple[SpendLine, ...]  # one per project with records or a budget; NO_PROJECT last
    total: Decimal
    records: int  # read
    priced: int  # in the month and priced
    outside: int  # in other months
    projects: bool  # whether any record has a project
    converted: bool = False  # some records are priced in the other currency (converted at the rate)


def month_spend(
    result: Result,
    *,
    book: PriceBook,
    months: tuple[str, ...] | None,
    now: int,
    outside: int,
    budgets: Budgets,
    currency: str,
    fx: FxRate | None,
    as_of: date,
) -> Spend:
    """``result`` (grouped by month and project) → the month's spend per project, exact.

    ``months`` None: the current month in each record's billing zone (``now``, Unix seconds)."""
    from .report import _amounts, _converter

    convert = _converter(currency, fx, as_of)
    by_project: dict[str, list[object]] = {}
    counted = 0
    unread = outside  # not in the time window: never priced
    named = False
    converted = False
    for row in result.rows:
        if row.scenario != 0:
            continue
        month, project = row.group
        if project is not None:
            named = True
        model = book.models.get(row.model)
        offset = billing_offset(model, book) if model is not None else 0
        wanted = months if months is not None else (day_date(local_day(now, offset)).isoformat()[:7],)
        if month not in wanted:
            outside += row.records
            continue
        counted += row.records
        converted = converted or row.currency != currency
        by_project.setdefault(project or NO_PROJECT, []).append(row)
    if budgets.projects and not named:
        first = next(iter(budgets.projects))
        raise UsageError(
            f"--budget {first}=…: no record has a project",
            hint="a project column (CSV) or field (JSON Lines) names each record's project",
        )
    lines = []
    for name in sorted(set(by_project) | set(budgets.projects), key=lambda n: (n == NO_PROJECT, n)):
        rows = by_project.get(name, [])
        amount = _amounts(rows, convert)["total"] if rows else ZERO  # type: ignore[arg-type]
        lines.append(
            SpendLine(
                name,
                sum(r.records for r in rows),  # type: ignore[attr-defined]
                amount,
                budgets.projects.get(name),
                tuple(sorted({r.model for r in rows})),  # type: ignore[attr-defined]
            )
        )
    zones = {billing_offset(m, book) for m in (book.models.get(r.model) for r in result.rows) if m is not None}
    label = months or tuple(sorted({day_date(local_day(now, z)).isoformat()[:7] for z in zones})) or current_months(now)
    total = exact_sum(line.total for line in lines)
    read = result.records + unread
    return Spend(label, currency, tuple(lines), total, read, counted, outside, named, converted)


def spend_report(
    spend: Spend,
    budgets: Budgets,
    *,
    head: dict[str, Any],
    fx: FxRate | None,
    files: tuple[str, ...],
    skipped: list[dict[str, Any]],
) -> dict[str, Any]:
    """The JSON of ``check --usage``: the check contract (lines with budget, headroom, percent_used
    and verdict; total, budget, verdict, failures, summary) for a month's real spend."""
    from .. import budget as judge
    from ..money import plain
    from ..render.check import _failure_text, _pct

    cur = spend.currency
    lines, failures = [], []
    for line in spend.lines:
        amount = (
            None if line.budget is None else judge.budget_amount(line.budget, cur, cur, fx, f"--budget {line.name}=")
        )
        headroom, used, over = judge._usage(line.total, amount)
        if over:
            failures.append(judge.Failure("over_budget", line.name))
        lines.append(
            {
                "name": line.name,
                "project": None if line.name == NO_PROJECT else line.name,
                "model": ", ".join(line.models),
                "models": list(line.models),
                "records": line.records,
                "total": plain(line.total),
                "budget": None if amount is None else plain(amount.value),
                "headroom": None if headroom is None else plain(headroom),
                "percent_used": _pct(used),
                "verdict": "over" if over else "ok",
            }
        )
    total_budget = None if budgets.total is None else judge.budget_amount(budgets.total, cur, cur, fx, "--budget")
    headroom, used, over = judge._usage(spend.total, total_budget)
    if over:
        failures.append(judge.Failure("over_budget", None))
    report: dict[str, Any] = {
        **head,
        "kind": "usage_check",
        "month": "/".join(spend.months),
        "files": list(files),
        "records": spend.records,
        "priced_records": spend.priced,
        "outside_month": spend.outside,
        "converted": spend.converted,
        "lines": lines,
        "skipped": skipped,
        "total": plain(spend.total),
        "budget": None if total_budget is None else plain(total_budget.value),
        "headroom": None if headroom is None else plain(headroom),
        "percent_used": _pct(used),
        "baseline": None,
        "verdict": "fail" if failures else "pass",
    }
    report["failures"] = [{"kind": f.kind, "name": f.name, "message": _failure_text(f, report)} for f in failures]
    report["summary"] = spend_summary(report)
    return report


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def spend_summary(report: dict[str, Any]) -> str:
    """One line, what failed first: 'check failed: 1 of 3 projects over budget; total ¥1,234.00 spent in
    2026-11, within the ¥2,000.00 budget (61.7%)'."""
    from ..render.text import amount

    cur = report["currency"]
    total = f"total {amount(report['total'], cur)} spent in {report['month']}"
    total_over = any(f["name"] is None for f in report["failures"])
    if report["budget"] is not None:
        used = f" ({report['percent_used']}%)" if report["percent_used"] is not None else ""
        total += f", {'over' if total_over else 'within'} the {amount(report['budget'], cur)} budget{used}"
    parts = [(total_over, total)]
    projects = [line for line in report["lines"] if line["project"] is not None]
    budgeted = [line for line in projects if line["budget"] is not None]
    if budgeted:
        over = [line for line in budgeted if line["verdict"] == "over"]
        text = (
            f"{len(over)} of {_plural(len(budgeted), 'project')} over budget"
            if over
            else f"{_plural(len(budgeted), 'project')} with a budget, within {'it' if len(budgeted) == 1 else 'them'}"
        )
        parts.append((bool(over), text))
    parts.sort(key=lambda part: not part[0])
    return f"check {'passed' if report['verdict'] == 'pass' else 'failed'}: " + "; ".join(text for _, text in parts)


__all__ = [
    "NO_PROJECT",
    "Budgets",
    "Spend",
    "SpendLine",
    "current_months",
    "in_window",
    "month_spend",
    "parse_budgets",
    "parse_month",
    "spend_report",
    "spend_summary",
    "window",
]
