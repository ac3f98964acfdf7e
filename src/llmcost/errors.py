"""Exceptions with exit codes: the one place that maps failures to the CLI contract.

Exit codes: 0 ok, 1 budget exceeded, 2 bad input or usage.  Every error a user can
cause is an ``LlmcostError`` whose message is one line that names the problem and
where it is (file, line, column, field).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUDGET = 1
EXIT_INPUT = 2


class LlmcostError(Exception):
    """A problem with what the user gave us. Printed as one line, exit code 2."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # one line, always
        text = self.message if not self.hint else f"{self.message} ({self.hint})"
        return " ".join(text.split("\n"))


class UsageError(LlmcostError):
    """Bad flags or flag combinations."""


class InputError(LlmcostError):
    """A bad file, row, value or stream; the message names where."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ):
        where = []
        if source:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        if column:
            where.append(f"column {column!r}" if not column.startswith("field ") else column)
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)
        self.source, self.line, self.column = source, line, column


class PriceBookError(InputError):
    """An invalid price file: names the file, the line where known, and the field."""


class UnknownModelError(LlmcostError):
    """A model name that is neither an id nor an alias; carries suggestions."""

    def __init__(self, name: str, suggestions: list[str]):
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else "see 'llmcost models'"
        super().__init__(f"unknown model {name!r}", hint=hint)
        self.name, self.suggestions = name, suggestions


class TokenizerError(LlmcostError):
    """An unknown tokenizer, or an encoding file that is missing or altered."""


class OutputError(LlmcostError):
    """Standard output cannot take what llmcost writes: a full disk, an encoding that cannot show it."""

    @classmethod
    def of(cls, exc: UnicodeEncodeError) -> OutputError:
        bad = exc.object[exc.start : exc.end]
        if all("\ud800" <= ch <= "\udfff" for ch in bad):  # bytes that were never text: a name in another encoding
            return cls(
                f"cannot write {bad!r}: it is not text but bytes that are not UTF-8 (a file name or argument "
                "in another encoding?)"
            )
        return cls(
            f"standard output's encoding ({exc.encoding}) cannot show {bad[:1]!r}",
            hint="set PYTHONIOENCODING=utf-8, or use a UTF-8 locale such as LC_ALL=C.UTF-8",
        )
