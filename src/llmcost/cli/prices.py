"""The price-book maintenance commands: prices update, reset, status, pack, export and import.

They only parse, call ``llmcost.book`` (update, archive, status, export, litellm) and print.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import OutputError, UsageError
from .app import prices_app
from .options import PricesPath, Region, _color, _emit, _format, _width

StatusFormat = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMAT", help="Output: table, json, csv or markdown.")
]


@prices_app.command("update")
def prices_update(
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="URL|PATH",
            help="A folder, .tar.gz or .zip of price files, or an http(s) URL to one [default: LLMCOST_BOOK_URL].",
        ),
    ] = None,
    sha256: Annotated[
        str | None,
        typer.Option(
            metavar="HEX", help="Install only an archive with this sha256 (as 'llmcost prices pack' prints it)."
        ),
    ] = None,
    timeout: Annotated[
        str | None, typer.Option(metavar="SECONDS", help="Give up a download after this long [default: 60].")
    ] = None,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Return to the book the last update (or reset) replaced.")
    ] = False,
) -> None:
    """Install a newer price book without upgrading llmcost: validated completely, then installed
    atomically in your data folder; on any problem nothing changes (exit 2). The only command that
    uses the network, and only for a URL (LLMCOST_OFFLINE=1 refuses).

    \b
    Examples:
      llmcost prices update --from https://example.com/llmcost-prices.tar.gz \\
        --sha256 HEX
      llmcost prices update --from ./prices.tar.gz
      llmcost prices update --rollback
    """
    from ..book import update as upd

    if rollback:
        if source is not None or sha256 is not None or timeout is not None:
            raise UsageError("--rollback takes no --from, --sha256 or --timeout")
        change = upd.rollback()
        typer.echo(f"Rolled back: now using the book {change.now} (was: {change.before}).")
        return
    change = upd.update(source, sha256=upd.parse_sha256(sha256), timeout=upd.parse_timeout(timeout))
    dated = f", dated {change.book_date.isoformat()}" if change.book_date else ""
    typer.echo(
        f"Updated the price book: {change.providers} providers, {change.models} models{dated}, digest {change.digest}."
    )
    typer.echo(
        f"Now using the book {change.now} (was: {change.before}); 'llmcost prices update --rollback' returns to it."
    )
    if change.note:
        typer.echo(f"Note: {change.note}.", err=True)


@prices_app.command("reset")
def prices_reset() -> None:
    """Use the price book shipped with this llmcost again (an installed update is kept for --rollback)."""
    from ..book import update as upd

    change = upd.reset()
    if change.note:
        typer.echo(f"Already using the book {change.now} ({change.note}).")
    else:
        typer.echo(f"Now using the book {change.now} (was: {change.before}).")


@prices_app.command("status")
def prices_status(fmt: StatusFormat = "table") -> None:
    """Which price book is active (shipped with llmcost X, or updated on D from S) with its digest, and per
    provider: the day its prices were last checked, the newest price date, the number of models; and the
    last USD/CNY rate."""
    from .. import book as prices_mod
    from ..book.status import status_report
    from ..render.status import render_status

    fmt = _format(fmt, ("table", "json", "csv", "markdown"))
    report = status_report(prices_mod.load(user_prices=False))
    _emit(render_status(report, fmt, color=_color(), width=_width()), fmt)


@prices_app.command("pack")
def prices_pack(
    out: Annotated[str, typer.Argument(metavar="OUT.tar.gz", help="The archive to write (and OUT.tar.gz.sha256).")],
    folder: Annotated[
        str | None,
        typer.Option("--from", metavar="FOLDER", help="The prices folder to pack [default: the active book]."),
    ] = None,
) -> None:
    """Write a price-book archive for 'llmcost prices update' and its sha256 (OUT.sha256), after validating
    it as an update is validated. The archive is reproducible: the same files give the same bytes."""
    from ..book import publish

    packed = publish.pack(folder, out)
    typer.echo(f"{packed.sha256}  {packed.path}")
    typer.echo(f"Wrote {packed.path} ({len(packed.files)} files, {packed.size:,} bytes) and {packed.path}.sha256.")
    if packed.skipped:
        typer.echo(f"Left out (not price files): {', '.join(packed.skipped)}.")


@prices_app.command("import")
def prices_import(
    kind: Annotated[str, typer.Argument(metavar="litellm", help="The format of FILE: litellm.")],
    file: Annotated[str, typer.Argument(metavar="FILE.json", help="LiteLLM's model_prices_and_context_window.json.")],
    out: Annotated[
        str, typer.Option("--output", "-o", metavar="OUT.yaml", help="The price file to write ('-': standard output).")
    ],
    provider: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="Import only entries of this litellm_provider (repeatable); the only way to import a provider "
            "llmcost curates (openai, anthropic, gemini, deepseek, dashscope…).",
        ),
    ] = None,
    effective: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="The date the imported prices apply from [default: today]."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(metavar="URL", help="The URL the file came from, as each price's source [default: LiteLLM's]."),
    ] = None,
) -> None:
    """Convert LiteLLM's cost map into a price file for --prices: USD per 1M tokens exactly as LiteLLM's
    per-token figures (3.5e-07 is "0.35"), with cache-read, cache-write and batch prices and the context
    window; source_kind third-party. Entries of providers llmcost curates are skipped unless --provider asks
    for them; every entry not converted is counted with its reason.

    \b
    Examples:
      llmcost prices import litellm model_prices_and_context_window.json -o litellm.yaml
      llmcost prices import litellm prices.json --provider openrouter -o openrouter.yaml
    """
    from datetime import date

    from ..book import litellm
    from .options import _as_of

    if kind.strip().lower() != "litellm":
        raise UsageError(f"prices import: '{litellm.shown(kind)}' is not a format llmcost imports (only: litellm)")
    today = date.today()
    when = _as_of(effective) if effective is not None else today
    imported = litellm.import_file(
        file, out, providers=provider or [], effective=when, checked=today, url=source or litellm.LITELLM_URL
    )
    if out == "-":
        typer.echo(imported.text, nl=False)
    skipped = sum(imported.skipped.values())
    say = typer.echo if out != "-" else (lambda text: typer.echo(text, err=True))
    written = "" if out == "-" else f" into {litellm.shown(out, None)}"
    say(f"Imported {imported.models} models from {litellm.shown(file, None)}{written}; {skipped} entries not imported.")
    for why, count in sorted(imported.skipped.items(), key=lambda item: (-item[1], item[0])):
        say(f"  {count:>5}  {why}")
    if imported.dropped_fields:
        fields = ", ".join(f"{name} ({count})" for name, count in sorted(imported.dropped_fields.items()))
        say(f"Left out of imported models (llmcost does not price them): {fields}.")


@prices_app.command("export")
def prices_export(
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="csv, jsonl or litellm.")] = "csv",
    as_of: Annotated[
        str | None, typer.Option(metavar="DATE", help="Write the prices in force that day [default: today].")
    ] = None,
    currency: Annotated[
        str, typer.Option("--currency", "-c", metavar="CUR", help="USD or CNY (converted at the as-of date's rate).")
    ] = "USD",
    out: Annotated[
        str, typer.Option("--output", "-o", metavar="FILE", help="The file to write ('-': standard output).")
    ] = "-",
    region: Region = "cn",
    prices: PricesPath = None,
) -> None:
    """Write the price book for other tools. csv, jsonl: the whole book as one flat table, a row per
    model, price list, dated entry, band and clock, prices per 1M tokens as exact decimals, to join to
    usage in a spreadsheet, DuckDB, Spark or BigQuery (the README lists the columns). litellm: a LiteLLM
    cost map (custom pricing): per model input_cost_per_token, output_cost_per_token, cache and batch
    costs, litellm_provider, max_input_tokens, mode chat, at the prices in force on --as-of; CNY prices
    converted at that day's USD/CNY rate, named in the file's _llmcost entry. What LiteLLM's fields
    cannot hold (tiers, off-peak prices) is counted on stderr.

    \b
    Examples:
      llmcost prices export -o prices.csv
      llmcost prices export --format litellm -o llmcost-litellm.json
      llmcost prices export --format litellm --as-of 2026-07-01 --currency CNY
    """
    from .. import book as prices_mod
    from ..book.litellm import shown, write_text
    from ..book.litellm_export import export_map
    from .options import _as_of, _region

    name = fmt.strip().lower()
    if name in ("csv", "jsonl"):
        _export_flat(name, out, as_of, prices)
        return
    if name != "litellm":
        raise UsageError(f"--format: '{shown(fmt)}' is not an export format (csv, jsonl, litellm)")
    code = currency.strip().upper()
    if code not in ("USD", "CNY"):
        raise UsageError(f"--currency: '{shown(currency)}' is not USD or CNY")
    when = _as_of(as_of)
    book = prices_mod.load(prices)
    rate = book.fx.at(when) if book.fx is not None else None
    exported = export_map(book, when, code, rate, _region(region))
    if out == "-":
        _emit(exported.text, "json")
    else:
        write_text(out, exported.text)
    if exported.rate is not None:
        r = exported.rate
        dated = f" of {r.date.isoformat()}" if r.date else ""
        typer.echo(f"Converted at USD/CNY {r.usd_cny}{dated} ({shown(r.source)}).", err=True)
    left = sum(exported.skipped.values())
    typer.echo(f"Wrote {exported.models} models priced on {when.isoformat()} in {code}; {left} not written.", err=True)
    for why, count in sorted(exported.skipped.items(), key=lambda i: (-i[1], i[0])):
        typer.echo(f"  {count:>5}  {why}", err=True)
    for why, count in sorted(exported.notes.items(), key=lambda i: (-i[1], i[0])):
        typer.echo(f"Note: {count} with {why}.", err=True)


def _export_flat(fmt: str, out: str, as_of: str | None, prices: str | None) -> None:
    """prices export --format csv|jsonl: the flat table (``book.flat``)."""
    from .. import api
    from ..book.flat import export

    if as_of is not None:
        raise UsageError(f"--as-of: the {fmt} table holds every dated price; it takes no --as-of")
    text = export(api.load_book(prices), fmt)
    if out == "-":
        _emit(text, fmt)
        return
    try:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
