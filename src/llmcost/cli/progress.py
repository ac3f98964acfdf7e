"""Progress on long work, on a terminal only: shown on stderr once the work has taken more than a
second, and only when stderr is a terminal (piped or redirected, nothing is ever written).  The report
itself goes to stdout as it is, never through the bar, and the bar is gone before it is written."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

#: Seconds of work before progress is shown: quick commands never flash a bar.
DELAY = 1.0


def on_terminal() -> bool:
    """Whether progress may be shown: stderr is a terminal that can redraw a line."""
    return sys.stderr is not None and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


class _Bar:
    """A context manager: ``with Rows() as update:`` gives the callback (None when progress is not
    shown), and clears the bar on the way out, before the report (or an error) is written."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and on_terminal()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        self.started = time.monotonic()
        return self.update

    def _show(self, description: str, *columns: Any) -> bool:
        """Start the bar (saying ``description``) once DELAY has passed; whether it is showing."""
        if self.bar is None:
            if time.monotonic() - self.started < DELAY:
                return False
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(
                *columns,
                console=Console(stderr=True),
                transient=True,
                redirect_stdout=False,  # the report goes to stdout as it is, never through the bar
                redirect_stderr=False,
            )
            self.bar.start()
            self.task = self.bar.add_task(description, total=None)
        return True

    def update(self, *args: Any) -> None:
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


class Rows(_Bar):
    """'12,000 rows priced' while a workload file is priced."""

    def update(self, done: int) -> None:
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        text = f"{done:,} rows priced"
        if self._show(text, SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn()):
            self.bar.update(self.task, description=text)


class Files(_Bar):
    """'2/7 files docs/guide.md' and the bytes of that file done, while inputs are counted."""

    def update(self, p: Any) -> None:
        from rich.progress import BarColumn, DownloadColumn, TextColumn

        from ..render.text import clean

        text = f"{p.inputs_done:,}/{p.inputs_total:,} files {clean(p.path)[-30:]}"
        if self._show(text, TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn()):
            self.bar.update(self.task, description=text, completed=p.bytes_done, total=p.bytes_total)
