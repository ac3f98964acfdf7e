"""The check report: budgets and baselines, as JSON, a table, and markdown for a pull-request comment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..money import exact, plain
from . import provenance
from .bill import csv_line, prices_line
from .layout import Block, Column, Table, Text, render
from .markdown import Markup, md_lines, md_table, strong
from .report import line_dict, sources, to_json
from .text import amount as _amount
from .text import md, md_link


def _pct(fraction: Decimal | None) -> str | None:
    """0.853 → '85.3' (percent, one decimal, half up); None stays None."""
    from ..money import percent

    return None if fraction is None else percent(fraction)[:-1]


def _opt_plain(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)


def _given(amount: Any) -> dict[str, Any] | None:  # budget.Amount | None
    return None if amount is None else {"amount": exact(amount.given), "currency": amount.currency}


def _change_dict(change: Any) -> dict[str, Any]:  # budget.Change
    return {
        "status": change.status,
        "baseline_total": _opt_plain(change.before),
        "total": _opt_plain(change.after),
        "change": plain(change.delta),
        "percent_change": _pct(change.ratio),
        "exceeds_max_increase": change.limit_exceeded,
    }


def _signed(amount: str, currency: str) -> str:
    return ("+" if Decimal(amount) > 0 else "") + _amount(amount, currency)


def _change_text(change: dict[str, Any], currency: str) -> str:
    text = _signed(change["change"], currency)
    if change["percent_change"] is not None:
        text += f" ({'+' if Decimal(change['percent_change']) > 0 else ''}{change['percent_change']}%)"
    return text


def _limit_text(limit: Any) -> str | None:  # budget.Limit | None
    if limit is None:
        return None
    return f"{exact(limit.amount)}%" if limit.relative else exact(limit.amount)


def _limit_shown(text: str | None, currency: str) -> str:
    return text if text is None or text.endswith("%") else _amount(text, currency)  # type: ignore[return-value]


def check_report(verdict: Any, head: dict[str, Any]) -> dict[str, Any]:
    """The JSON contract of ``check``: the estimate report (so it can be a baseline), plus the verdict."""
    lines = []
    for c in verdict.checks:
        if c.line is None:
            continue  # a workload only in the baseline: listed under baseline.removed
        lines.append(
            {
                **line_dict(c.line),
                "budget": _opt_plain(c.budget.value if c.budget else None),
                "budget_as_given": _given(c.budget),
                "headroom": _opt_plain(c.headroom),
                "percent_used": _pct(c.used),
                "verdict": "over" if c.failed else "ok",
                "change": _change_dict(c.change) if c.change is not None else None,
            }
        )
    report: dict[str, Any] = {
        **head,
        "lines": lines,
        "skipped": [],
        "total": plain(verdict.total),
        "budget": _opt_plain(verdict.budget.value if verdict.budget else None),
        "budget_as_given": _given(verdict.budget),
        "headroom": _opt_plain(verdict.headroom),
        "percent_used": _pct(verdict.used),
        "verdict": "pass" if verdict.passed else "fail",
    }
    comp = verdict.comparison
    if comp is None:
        report["baseline"] = None
    else:
        b = comp.baseline
        report["baseline"] = {
            "file": b.source,
            "as_of": b.as_of,
            "price_book": b.price_book,
            "fx": b.fx,
            **{k: v for k, v in _change_dict(comp.total).items() if k != "status"},
            "max_increase": _limit_text(comp.max_increase),
            "max_increase_per_workload": _limit_text(comp.max_increase_per_workload),
            "added": [{"name": c.name, "total": plain(c.after)} for c in comp.added],
            "removed": [{"name": c.name, "baseline_total": plain(c.before)} for c in comp.removed],
            "changed": [{"name": c.name, **_change_dict(c)} for c in comp.changed],
            "unchanged": len(comp.unchanged),
            "differences": [
                {"what": what, "baseline": theirs, "current": ours} for what, theirs, ours in comp.differences
            ],
        }
    by_name = _lines_by_name(report)  # one lookup per failure, not a scan of the lines (30,000 failures: 22 s)
    report["failures"] = [
        {"kind": f.kind, "name": f.name, "message": _failure_text(f, report, by_name)} for f in verdict.failures
    ]
    report["summary"] = check_summary(report)
    return report


def _lines_by_name(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each name's lines (two workloads may share a name)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for line in report["lines"]:
        by_name.setdefault(line.get("name"), []).append(line)
    return by_name


def _failure_text(  # failure: a budget.Failure
    failure: Any, report: dict[str, Any], by_name: dict[str, list[dict[str, Any]]] | None = None
) -> str:
    cur = report["currency"]
    base = report["baseline"]
    if failure.name is None:
        who, item = "the total", {**report, "change": base and {k: base[k] for k in ("change", "percent_change")}}
        limit = base and base["max_increase"]
        allowed = "allowed"
    else:
        named = (by_name or _lines_by_name(report))[failure.name]
        # an over-budget failure is about a line with a budget (a same-named line may have none)
        item = next((line for line in named if failure.kind != "over_budget" or line["budget"] is not None), named[0])
        who = failure.name
        limit = base and base["max_increase_per_workload"]
        allowed = "allowed per workload"
    if failure.kind == "over_budget":
        used = f" ({item['percent_used']}%)" if item["percent_used"] is not None else ""
        text = (
            f"{who} is over budget: {_amount(item['total'], cur)} of {_amount(item['budget'], cur)}{used}, "
            f"{_amount(str(-Decimal(item['headroom'])), cur)} over"
        )
        if failure.name is None:  # name where the money goes: the largest workloads, most first
            largest = sorted(report["lines"], key=lambda line: -Decimal(line["total"]))[:3]
            text += "; largest: " + ", ".join(
                f"{line.get('name') or line['model']} {_amount(line['total'], cur)}" for line in largest
            )
        return text
    return f"{who} is {_movement(item['change'], cur)}, more than the {_limit_shown(limit, cur)} {allowed}"


def _movement(change: dict[str, Any], currency: str) -> str:
    """'up ¥130.00 (43.1%) since the baseline', 'down ¥299.00 (34.4%) …', 'unchanged since the baseline':
    the direction in words, so the amount and the percentage carry no sign."""
    delta = Decimal(change["change"])
    if not delta:
        return "unchanged since the baseline"
    pct = change["percent_change"]
    text = f"{'up' if delta > 0 else 'down'} {_amount(str(abs(delta)), currency)}"
    if pct is not None:
        text += f" ({pct.lstrip('-')}%)"
    return text + " since the baseline"


def _failed_kinds(report: dict[str, Any], name: str | None) -> set[str]:
    return {f["kind"] for f in report["failures"] if f["name"] == name}


def _status(kinds: set[str], over: str) -> str:
    """What failed, in the status column: 'OVER budget', 'OVER limit' (an increase limit) or 'OVER both'."""
    if kinds == {"over_budget"}:
        return f"{over} budget"
    if kinds == {"over_increase"}:
        return f"{over} limit"
    return f"{over} both"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _workloads_within(n: int, budgeted: int) -> str:
    """Every workload counted, with how many have a budget: '3 workloads, 2 with budgets, both within'."""
    if not budgeted:
        return f"{_plural(n, 'workload')}, none with a budget"
    if budgeted == n:
        return {1: "1 workload, within its budget", 2: "2 workloads, both within budget"}.get(
            n, f"{n} workloads, all within budget"
        )
    if budgeted == 1:
        return f"{_plural(n, 'workload')}, 1 with a budget, within it"
    return f"{n} workloads, {budgeted} with budgets, {'both' if budgeted == 2 else 'all'} within"


def check_summary(report: dict[str, Any]) -> str:
    """One line, what failed first, then the rest; every workload is counted:
    'check failed: total ¥1,782.43 is over the ¥1,000.00 budget (178.2%); 3 workloads, 2 with budgets, both within'.
    """
    cur = report["currency"]
    n = len(report["lines"])
    budgeted = sum(line["budget"] is not None for line in report["lines"])
    total_failed = _failed_kinds(report, None)
    clauses: list[tuple[bool, str]] = []  # (failed, clause about the total)
    if report["budget"] is not None:
        failed = "over_budget" in total_failed
        used = f" ({report['percent_used']}%)" if report["percent_used"] is not None else ""
        clauses.append((failed, f"{'over' if failed else 'within'} the {_amount(report['budget'], cur)} budget{used}"))
    base = report["baseline"]
    if base is not None:
        failed = "over_increase" in total_failed
        text = _movement(base, cur)
        if base["max_increase"] is not None and Decimal(base["change"]) > 0:
            text += f", {'more than' if failed else 'within'} the {_limit_shown(base['max_increase'], cur)} allowed"
        clauses.append((failed, text))
    clauses.sort(key=lambda clause: not clause[0])  # what failed first
    total = f"total {_amount(report['total'], cur)}"
    if clauses:
        total += " is " + " and ".join(text for _, text in clauses)
    over = sum(f["kind"] == "over_budget" and f["name"] is not None for f in report["failures"])
    up = sum(f["kind"] == "over_increase" and f["name"] is not None for f in report["failures"])
    workloads = f"{over} of {_plural(n, 'workload')} over budget" if over else _workloads_within(n, budgeted)
    if over and budgeted < n:
        workloads += f" ({budgeted} with {'a budget' if budgeted == 1 else 'budgets'})"
    parts: list[tuple[bool, str]] = [(bool(total_failed), total), (bool(over), workloads)]
    if up:
        limit = _limit_shown(base["max_increase_per_workload"] if base else None, cur)
        parts.append((True, f"{up} of {_plural(n, 'workload')} up more than the {limit} allowed per workload"))
    parts.sort(key=lambda part: not part[0])
    return f"check {'passed' if report['verdict'] == 'pass' else 'failed'}: " + "; ".join(text for _, text in parts)


def _check_table(report: dict[str, Any], marks: tuple[str, str], refs: dict[str, int]) -> Table:
    cur = report["currency"]
    base = report["baseline"]
    ok, over = marks
    columns = [
        Column("Workload", key=True),
        Column("Model", key=True),
        Column("Estimate", "r"),
        Column("Budget", "r", 1),
        Column("Headroom", "r", 2),
        Column("Used", "r", 1),
    ]
    columns += [Column("Change", "r", 1)] if base else []
    columns += [Column("Status")]
    rows: list[list[Any]] = []
    for line in report["lines"]:
        budget = "—"
        if line["budget"] is not None:
            budget = _amount(line["budget"], cur)
            given = line["budget_as_given"]
            if given["currency"] != cur:
                budget += f" ({_amount(given['amount'], given['currency'])})"
        ref = refs.get(line["source"])
        row: list[Any] = [
            line.get("name", ""),
            line["model"] + (f" [{ref}]" if ref else ""),
            _amount(line["total"], cur),
            budget,
            _amount(line["headroom"], cur) if line["headroom"] is not None else "—",
            f"{line['percent_used']}%" if line["percent_used"] is not None else "—",
        ]
        if base:
            change = line["change"]
            row.append(
                "new"
                if change and change["status"] == "added"
                else _change_text(change, cur)
                if change and change["status"] == "changed"
                else "—"
            )
        kinds = _failed_kinds(report, line.get("name") or line["model"])
        row.append((_status(kinds, over), "red") if kinds else (ok, "green"))
        rows.append(row)
    total: list[Any] = [
        "Total",
        "",
        _amount(report["total"], cur),
        _amount(report["budget"], cur) if report["budget"] is not None else "—",
        _amount(report["headroom"], cur) if report["headroom"] is not None else "—",
        f"{report['percent_used']}%" if report["percent_used"] is not None else "—",
    ]
    if base:
        total.append(_change_text(base, cur))
    kinds = _failed_kinds(report, None)
    total.append((_status(kinds, over), "red") if kinds else (ok, "green"))
    return Table(columns, rows, [[total]])


def _baseline_lines(report: dict[str, Any]) -> list[str]:
    base = report["baseline"]
    if base is None:
        return []
    cur = report["currency"]
    out = [
        f"Baseline {base['file']}: total {_amount(base['baseline_total'], cur)} → {_amount(base['total'], cur)}, "
        f"{_change_text(base, cur)}"
        + (f"; limits: total {_limit_shown(base['max_increase'], cur)}" if base["max_increase"] else "")
        + (
            f"; per workload {_limit_shown(base['max_increase_per_workload'], cur)}"
            if base["max_increase_per_workload"]
            else ""
        )
    ]
    out += [f"Added: {a['name']} ({_amount(a['total'], cur)})" for a in base["added"]]
    out += [f"Removed: {r['name']} (was {_amount(r['baseline_total'], cur)})" for r in base["removed"]]
    out += [
        f"Changed: {c['name']} {_amount(c['baseline_total'], cur)} → {_amount(c['total'], cur)}, {_change_text(c, cur)}"
        for c in base["changed"]
    ]
    if base["unchanged"]:
        out.append(f"Unchanged: {base['unchanged']} workload{'s' if base['unchanged'] != 1 else ''}")
    out += [
        f"Priced differently from the baseline: {d['what']} {d['baseline'] or 'none'} → {d['current'] or 'none'}"
        for d in base["differences"]
    ]
    return out


def _refs(report: dict[str, Any]) -> tuple[list[str], dict[str, int]]:
    srcs = sources(report["lines"])
    return srcs, {src: i for i, src in enumerate(srcs, 1)}


def check_to_markdown(report: dict[str, Any]) -> str:
    """For a pull-request comment: verdict first, the table, failures, baseline changes, prices used.

    Every name, note and source is escaped (``text.md``): a workload file cannot add a heading, hide
    the failures in an HTML comment or break the table."""
    passed = report["verdict"] == "pass"
    summary = report["summary"].split(": ", 1)[1]
    parts = [
        f"### {'✅' if passed else '❌'} llmcost: monthly LLM cost check {'passed' if passed else 'failed'}",
        "",
        md(summary),
        "",
    ]
    srcs, _ = _refs(report)
    table = _check_table(report, ("✅ ok", "❌ over"), {})  # sources are listed under "Prices used"
    rows: list[list[Any]] = [[c[0] if isinstance(c, tuple) else c for c in row] for row in table.rows]
    total = [c[0] if isinstance(c, tuple) else c for c in table.sections[0][0]]
    rows.append([strong(c) if i in (0, 2) else c for i, c in enumerate(total)])
    parts += [
        md_table([c.header for c in table.columns], rows, "".join(c.align for c in table.columns)).rstrip("\n"),
        "",
    ]
    if report["failures"]:
        parts += ["**Failures**", "", *md_lines(Markup("❌ " + md(f["message"])) for f in report["failures"]), ""]
    if report["baseline"] is not None:
        parts += ["**Changes since the baseline**", "", *md_lines(_baseline_lines(report)), ""]
    dates = sorted({(line["model"], line["price_effective"]) for line in report["lines"]})
    parts += ["**Prices used**", "", *md_lines([prices_line(report)])]
    parts += md_lines(f"{model}: price effective {when}" for model, when in dates)
    parts += md_lines(Markup(f"\\[{i}\\] {md_link(src)}") for i, src in enumerate(srcs, 1))
    parts += md_lines([f"Price book {report['price_book']}; {report['generator']}"])
    return "\n".join(parts) + "\n"


def check_blocks(report: dict[str, Any]) -> list[Block]:
    srcs, refs = _refs(report)
    passed = report["verdict"] == "pass"
    blocks: list[Block] = [
        _check_table(report, ("ok", "OVER"), refs),
        Text(report["summary"], "bold green" if passed else "bold red", hang=2),
    ]
    blocks += [Text(f"✗ {f['message']}", "red", indent=2, hang=2) for f in report["failures"]]
    blocks += [Text(line, hang=2) for line in _baseline_lines(report)]
    blocks.append(Text(prices_line(report), "dim"))
    blocks += [Text(f"[{i}] {src}", "dim") for i, src in enumerate(srcs, 1)]
    return blocks


def check_to_table(report: dict[str, Any], *, color: bool = False, width: int | None = None, wide: bool = False) -> str:
    return render(check_blocks(report), width=width, color=color, wide=wide)


CHECK_CSV = [
    "name",
    "model",
    "currency",
    "total",
    "budget",
    "headroom",
    "percent_used",
    "verdict",
    "baseline_total",
    "change",
    "percent_change",
]


def check_to_csv(report: dict[str, Any]) -> str:
    """A row per workload, then the TOTAL row with the verdict of the whole check."""
    out = [csv_line(CHECK_CSV)]
    for line in [
        *report["lines"],
        {
            **report,
            "name": "TOTAL",
            "model": "",
            "verdict": "over" if any(f["name"] is None for f in report["failures"]) else "ok",
            "change": report["baseline"],
        },
    ]:
        change = line.get("change") or {}
        values = {
            **line,
            "baseline_total": change.get("baseline_total"),
            "change": change.get("change"),
            "percent_change": change.get("percent_change"),
            "currency": report["currency"],
        }
        out.append(csv_line(["" if values.get(c) is None else values[c] for c in CHECK_CSV]))
    return "".join(out)


def render_check(
    report: dict[str, Any],
    fmt_name: str,
    *,
    color: bool = False,
    width: int | None = None,
    wide: bool = False,
    verbose: bool = False,
) -> str:
    if fmt_name == "json":
        return to_json(report)
    if fmt_name == "csv":
        return check_to_csv(report)
    # --verbose: each price's note and provenance (render.provenance), under the report
    details = provenance.details((f"{line['model']} {line['price_effective']}", line) for line in report["lines"])
    details = details if verbose else []
    if fmt_name == "markdown":
        return check_to_markdown(report) + "".join(f"{item}\n" for item in md_lines(details))
    if details:
        blocks = [*check_blocks(report), *(Text(text, hang=2) for text in details)]
        return render(blocks, width=width, color=color, wide=wide)
    return check_to_table(report, color=color, width=width, wide=wide)
