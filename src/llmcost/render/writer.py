"""The writer: the one place that decides what output looks like for where it goes (httpie's idea).

- A terminal: tables fitted to its width (``COLUMNS`` or the terminal's own), colour unless
  ``NO_COLOR`` is set or ``TERM=dumb``; CSV and JSON shown on it have their control characters shown
  as visible escapes, so nothing a file holds reaches the terminal as a command.
- Anything else (a pipe, a file): no width, so nothing is wrapped; no colour; bytes exactly as the
  format defines them.

Reports never print: they return text, and the command hands it to ``Writer.write``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from .text import clean_lines

#: Formats whose text is made for a terminal already (fitted, escaped, painted).
FITTED = ("table",)


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


@dataclass
class Writer:
    out: IO[str]
    tty: bool
    color: bool
    width: int | None  # None: not a terminal; nothing is wrapped

    @classmethod
    def to(cls, out: IO[str] | None = None, env: Mapping[str, str] | None = None) -> Writer:
        out = sys.stdout if out is None else out
        env = os.environ if env is None else env
        tty = _isatty(out)
        color = tty and "NO_COLOR" not in env and env.get("TERM") != "dumb"
        width = shutil.get_terminal_size((80, 24)).columns if tty else None
        return cls(out, tty, color, width)

    def prepare(self, text: str, fmt: str = "table") -> str:
        """One report's text (or a streamed piece of it) in format ``fmt``, as it is written here."""
        if self.tty and fmt not in FITTED:
            return clean_lines(text)
        return text

    def write(self, text: str, fmt: str = "table") -> None:
        self.out.write(self.prepare(text, fmt))

    def flush(self) -> None:
        self.out.flush()


def stderr_tty() -> bool:
    return _isatty(sys.stderr)
