"""Render rows as a terminal table or a Markdown table: one helper for every report.

A table is a list of rows (mappings, or sequences indexed by position) and a
list of :class:`Column` s that say which field to show, under what title,
aligned how and formatted how. :func:`render_text` lays it out for a
terminal (padded columns, a rule under the header), :func:`render_markdown`
as a GitHub-flavoured Markdown pipe table. Both are pure and deterministic.

Formatting rules, per cell:

* a missing value (the key is absent, ``None``, or a float NaN) shows the
  column's ``missing`` text (default ``"—"``);
* ``fmt`` may be a format spec applied with :func:`format` (``".3f"``,
  ``".1%"``, ``",d"``) or a callable returning the text;
* without ``fmt``: floats use :data:`DEFAULT_FLOAT_FORMAT` (``".3f"``),
  booleans read ``yes``/``no``, everything else is ``str(value)``;
* alignment ``None`` means automatic: right when every present value of the
  column is a number (``int`` or ``float``, not ``bool``), else left.

Widths count display cells: East Asian wide characters take two, combining
marks none, so that columns stay aligned with non-ASCII text.

>>> cols = [Column("name", "measure"), Column("f1", "F1"), Column("n", "n")]
>>> rows = [{"name": "span F1", "f1": 0.9, "n": 9}, {"name": "κ", "f1": None, "n": 0}]
>>> print(render_text(rows, cols))
measure     F1  n
-------  -----  -
span F1  0.900  9
κ            —  0
>>> print(render_markdown(rows, cols))
| measure | F1 | n |
| :--- | ---: | ---: |
| span F1 | 0.900 | 9 |
| κ | — | 0 |
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Align = Literal["left", "right", "center"]

DEFAULT_FLOAT_FORMAT = ".3f"
MISSING = "—"


@dataclass(frozen=True)
class Column:
    """One column: the row field ``key`` shown under ``title``."""

    key: str | int
    title: str
    align: Align | None = None
    fmt: str | Callable[[Any], str] | None = None
    missing: str = MISSING

    def __post_init__(self) -> None:
        if self.align not in (None, "left", "right", "center"):
            raise ValueError(f"column {self.title!r}: align is {self.align!r}, expected left, right, center or None")


def _get(row: Mapping[str, Any] | Sequence[Any], key: str | int) -> Any:
    if isinstance(row, Mapping):
        return row.get(key)  # type: ignore[call-overload]
    if isinstance(key, int) and -len(row) <= key < len(row):
        return row[key]
    return None


def is_missing(value: Any) -> bool:
    """``None`` and float NaN are missing values.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0)
    (True, True, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_cell(value: Any, column: Column) -> str:
    """The text of one cell.

    >>> format_cell(0.5, Column("x", "x", fmt=".1%"))
    '50.0%'
    >>> format_cell(True, Column("x", "x")), format_cell(12345, Column("x", "x", fmt=",d"))
    ('yes', '12,345')
    """
    if is_missing(value):
        return column.missing
    if column.fmt is not None:
        if callable(column.fmt):
            return str(column.fmt(value))
        return format(value, column.fmt)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, DEFAULT_FLOAT_FORMAT)
    return str(value)


def display_width(text: str) -> int:
    """Terminal cells taken by ``text``.

    >>> display_width("abc"), display_width("中文"), display_width("e\\u0301")
    (3, 4, 1)
    """
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _pad(text: str, width: int, align: Align) -> str:
    gap = width - display_width(text)
    if gap <= 0:
        return text
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


def _alignments(rows: Sequence[Any], columns: Sequence[Column]) -> list[Align]:
    out: list[Align] = []
    for c in columns:
        if c.align is not None:
            out.append(c.align)
            continue
        present = [v for v in (_get(r, c.key) for r in rows) if not is_missing(v)]
        out.append("right" if present and all(_is_number(v) for v in present) else "left")
    return out


def _cells(rows: Sequence[Any], columns: Sequence[Column]) -> list[list[str]]:
    return [[format_cell(_get(r, c.key), c) for c in columns] for r in rows]


def render_text(
    rows: Sequence[Mapping[str, Any] | Sequence[Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    gap: int = 2,
) -> str:
    """A terminal table: header, a rule of dashes, one line per row (no trailing spaces).

    ``title``, when given, is the first line. An empty ``rows`` gives the
    header and the rule only.
    """
    if not columns:
        raise ValueError("a table needs at least one column")
    aligns = _alignments(rows, columns)
    body = _cells(rows, columns)
    header = [c.title for c in columns]
    widths = [max([display_width(header[i])] + [display_width(r[i]) for r in body]) for i in range(len(columns))]
    sep = " " * gap

    def line(cells: list[str]) -> str:
        return sep.join(_pad(cell, widths[i], aligns[i]) for i, cell in enumerate(cells)).rstrip()

    out = [title] if title else []
    out.append(line(header))
    out.append(sep.join("-" * w for w in widths))
    out.extend(line(r) for r in body)
    return "\n".join(out)


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", " ").replace("\n", " ")


def render_markdown(rows: Sequence[Mapping[str, Any] | Sequence[Any]], columns: Sequence[Column]) -> str:
    """A Markdown pipe table; ``|`` in a cell is escaped, line breaks become spaces."""
    if not columns:
        raise ValueError("a table needs at least one column")
    aligns = _alignments(rows, columns)
    rule = {"left": ":---", "right": "---:", "center": ":---:"}
    out = ["| " + " | ".join(_md_escape(c.title) for c in columns) + " |"]
    out.append("| " + " | ".join(rule[a] for a in aligns) + " |")
    for r in _cells(rows, columns):
        out.append("| " + " | ".join(_md_escape(cell) for cell in r) + " |")
    return "\n".join(out)
