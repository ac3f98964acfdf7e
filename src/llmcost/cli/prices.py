"""The price-book maintenance commands: prices update, reset, status, pack, export and import.

They only parse, call ``llmcost.book`` (update, archive, status, export, litellm) and print.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from .app import prices_app
from .options import _color, _emit, _format, _width

StatusFormat = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="Output: table or json.")]


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

    Examples:
      llmcost prices update --from https://example.com/llmcost-prices.tar.gz --sha256 HEX
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

    fmt = _format(fmt, ("table", "json"))
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
