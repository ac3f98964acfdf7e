"""Layout: the one place that decides how a report fits the width it is given.

A report is a list of blocks (``Table``, ``Text``, ``Blank``) that ``render`` turns into lines:

- ``width=None`` (output that is not going to a terminal): every column at its natural width, every
  sentence on one line; nothing is wrapped to a width.
- A terminal of 80 columns or more: a table that is too wide first folds its free-text columns
  (notes) down to a readable minimum, then drops its columns by priority, highest number first, until
  it fits (``wide=True`` keeps every column); sentences wrap at word boundaries.
- Narrower terminals, or a table that cannot fit even with only its essential columns: the stacked
  layout, one record per row, a label and a value per line.

Nothing is ever cropped: an amount is shown whole, or its column is not shown at that width.  No line
ends in a space and no line is only spaces.  Every string is passed through ``text.clean`` here, so
nothing in a cell or a sentence can control the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from rich.cells import cell_len

from .text import clean

#: Below this width, a table that does not fit whole is stacked.
STACK_BELOW = 80
#: Spaces between two columns.
GAP = 2
#: A folded free-text column keeps at least this many cells.
MIN_FOLD = 16

_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}

#: A cell: its text, or (text, style) for a cell styled on its own (a verdict, a bar).
Cell = Union[str, "tuple[str, str | None]"]


@dataclass
class Column:
    header: str
    align: str = "l"  # "l" or "r"
    priority: int = 0  # 0: always shown; higher numbers give way first when the width runs short
    fold: bool = False  # free text that may fold onto several lines; other cells are shown whole
    style: str | None = None
    key: bool = False  # names the row: the title of a record in the stacked layout
    min_width: int = 0  # a folded column keeps at least this many cells (its longest unbreakable word)


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Any]]  # Cell
    #: Further groups of rows (subtotals, a total), each after a rule, in bold.
    sections: list[list[list[Any]]] = field(default_factory=list)
    title: str | None = None


@dataclass
class Text:
    """A paragraph: one line when not on a terminal, wrapped at words on one."""

    text: str
    style: str | None = None
    indent: int = 0  # cells before every line
    hang: int = 0  # further cells before every line after the first


@dataclass
class Blank:
    pass


Block = Table | Text | Blank


def paint(text: str, style: str | None, color: bool) -> str:
    if not color or not style or not text:
        return text
    codes = ";".join(_STYLES[s] for s in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


def render(blocks: list[Block], *, width: int | None = None, color: bool = False, wide: bool = False) -> str:
    """The blocks as text, fitted to ``width`` (None: not a terminal, never wrapped)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Blank):
            lines.append("")
        elif isinstance(block, Text):
            style = block.style
            for i, row in enumerate(wrap(clean(block.text), width, block.indent, block.indent + block.hang)):
                indent = block.indent if i == 0 else block.indent + block.hang
                lines.append(" " * indent + paint(row, style, color))
        else:
            lines += _table(block, width, color, wide)
    return "".join(line.rstrip(" ") + "\n" for line in lines)


# -- wrapping ---------------------------------------------------------------------


def _hard_split(word: str, room: int) -> list[str]:
    """A word wider than ``room`` in pieces of at most ``room`` cells (CJK text breaks anywhere)."""
    pieces, piece, used = [], "", 0
    for char in word:
        w = cell_len(char)
        if used + w > room and piece:
            pieces.append(piece)
            piece, used = "", 0
        piece += char
        used += w
    if piece:
        pieces.append(piece)
    return pieces


def wrap(text: str, width: int | None, indent: int = 0, next_indent: int | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` cells (the first after ``indent`` cells, the others after
    ``next_indent``), broken at spaces; a word wider than a line is broken inside.  One line when
    ``width`` is None."""
    if width is None:
        return [text]
    room_first = max(width - indent, 8)
    room_next = max(width - (indent if next_indent is None else next_indent), 8)
    lines: list[str] = []
    line, used = "", 0
    room = room_first
    for word in text.split(" "):
        w = cell_len(word)
        if line and used + 1 + w <= room:
            line, used = line + " " + word, used + 1 + w
            continue
        if not line and w <= room:
            line, used = word, w
            continue
        if line:
            lines.append(line)
            room = room_next
            line, used = "", 0
        if w <= room:
            line, used = word, w
            continue
        pieces = _hard_split(word, room)
        lines += pieces[:-1]
        room = room_next
        line, used = pieces[-1], cell_len(pieces[-1])
    lines.append(line)
    return lines


# -- tables -------------------------------------------------------------------------


def _text(cell: Cell) -> str:
    return clean(cell[0] if isinstance(cell, tuple) else cell)


def _style(cell: Cell, column: Column, row_style: str | None) -> str | None:
    own = cell[1] if isinstance(cell, tuple) else None
    styles = " ".join(s for s in (row_style, own or column.style) if s)
    return styles or None


def _natural(table: Table) -> list[int]:
    widths = [cell_len(c.header) for c in table.columns]
    for row in table.rows + [r for section in table.sections for r in section]:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_len(_text(cell)))
    return widths


def _present(table: Table) -> list[int]:
    """The columns with something in them (an essential column is always present)."""
    rows = table.rows + [r for section in table.sections for r in section]
    return [
        i
        for i, column in enumerate(table.columns)
        if column.priority == 0 or any(i < len(row) and _text(row[i]) for row in rows)
    ]


def _span(widths: list[int], shown: list[int]) -> int:
    return sum(widths[i] for i in shown) + GAP * (len(shown) - 1)


def fit(table: Table, width: int | None, wide: bool = False) -> tuple[list[int], list[int]] | None:
    """The columns shown and their widths at ``width``; None when the table must be stacked.

    Columns that are empty in every row are not shown."""
    natural = _natural(table)
    every = _present(table)
    if width is None or _span(natural, every) <= width:
        return every, natural
    if width < STACK_BELOW:
        return None
    shown = list(every)
    while True:
        widths = list(natural)
        over = _span(widths, shown) - width
        for i in shown:  # fold free text, widest first, down to its minimum
            if over <= 0:
                break
            column = table.columns[i]
            floor = max(MIN_FOLD, column.min_width, cell_len(column.header))
            if column.fold and widths[i] > floor:
                give = min(widths[i] - floor, over)
                widths[i] -= give
                over -= give
        if over <= 0:
            return shown, widths
        droppable = [table.columns[i].priority for i in shown if table.columns[i].priority > 0]
        if wide or not droppable:
            return None
        lowest = max(droppable)
        shown = [i for i in shown if table.columns[i].priority != lowest]


def _row_lines(
    cells: list[Cell], columns: list[Column], shown: list[int], widths: list[int], row_style: str | None, color: bool
) -> list[str]:
    folded = []
    for i in shown:
        text = _text(cells[i]) if i < len(cells) else ""
        folded.append(wrap(text, widths[i]) if columns[i].fold and cell_len(text) > widths[i] else [text])
    height = max(len(parts) for parts in folded)
    out = []
    for n in range(height):
        parts = []
        for k, i in enumerate(shown):
            piece = folded[k][n] if n < len(folded[k]) else ""
            pad = " " * (widths[i] - cell_len(piece))
            style = _style(cells[i], columns[i], row_style) if i < len(cells) else None
            painted = paint(piece, style, color)
            parts.append(pad + painted if columns[i].align == "r" else painted + pad)
        out.append((" " * GAP).join(parts))
    return out


def _table(table: Table, width: int | None, color: bool, wide: bool) -> list[str]:
    placed = fit(table, width, wide)
    if placed is None:
        return _stacked(table, width, color)
    shown, widths = placed
    left_out = [table.columns[i].header for i in _present(table) if i not in shown]
    lines = []
    if table.title:
        lines += [paint(row, "bold", color) for row in wrap(clean(table.title), width)]
    header = []
    for i in shown:
        text = table.columns[i].header
        pad = " " * (widths[i] - cell_len(text))
        header.append(
            pad + paint(text, "bold", color) if table.columns[i].align == "r" else paint(text, "bold", color) + pad
        )
    lines.append((" " * GAP).join(header))
    rule = paint("─" * _span(widths, shown), "dim", color)
    lines.append(rule)
    for row in table.rows:
        lines += _row_lines(row, table.columns, shown, widths, None, color)
    for section in table.sections:
        lines.append(rule)
        for row in section:
            lines += _row_lines(row, table.columns, shown, widths, "bold", color)
    if left_out:
        note = f"Not shown at this width: {', '.join(left_out)} (--wide shows every column)."
        lines += [paint(row, "dim", color) for row in wrap(note, width)]
    return lines


def _stacked(table: Table, width: int | None, color: bool) -> list[str]:
    """One record per row: its key cells as a title, then 'Label  value' per non-empty cell."""
    columns = table.columns
    keys = [i for i, c in enumerate(columns) if c.key] or [0]
    label_width = max(cell_len(c.header) for i, c in enumerate(columns) if i not in keys)
    lines = []
    if table.title:
        lines += [*wrap(clean(table.title), width), ""]

    def record(row: list[Cell], row_style: str | None) -> list[str]:
        title = " · ".join(_text(row[i]) for i in keys if _text(row[i]))
        fields = [(columns[i].header, row[i]) for i in range(len(columns)) if i not in keys and _text(row[i])]
        if len(fields) == 1:  # a subtotal or a total: one line
            label, cell = fields[0]
            return [paint(title, "bold", color) + "  " + paint(_text(cell), _style(cell, columns[0], row_style), color)]
        out = [paint(title, "bold", color)]
        for label, cell in fields:
            value_lines = wrap(_text(cell), width, 2 + label_width + 2)
            style = _style(cell, next(c for c in columns if c.header == label), row_style)
            out.append(
                "  "
                + label.ljust(label_width + 2 - (cell_len(label) - len(label)))
                + paint(value_lines[0], style, color)
            )
            out += [" " * (label_width + 4) + paint(v, style, color) for v in value_lines[1:]]
        return out

    for n, row in enumerate(table.rows):
        if n:
            lines.append("")
        lines += record(row, None)
    for section in table.sections:
        lines.append(paint("─" * min(width or 40, 40), "dim", color))
        for row in section:
            lines += record(row, "bold")
    return lines
