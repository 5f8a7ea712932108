"""The shared table renderer: columns, alignment, number formatting, Markdown escaping."""

from __future__ import annotations

import pytest

from geostance.core.tables import Column, display_width, format_cell, is_missing, render_markdown, render_text

ROWS = [
    {"name": "alpha", "score": 0.5, "count": 12, "ok": True},
    {"name": "b", "score": None, "count": 7, "ok": False},
    {"name": "gamma", "score": float("nan"), "count": 1234, "ok": None},
]
COLS = [Column("name", "name"), Column("score", "score"), Column("count", "count", fmt=",d"), Column("ok", "ok")]


def test_text_table_layout_alignment_and_formats():
    out = render_text(ROWS, COLS, title="Results")
    assert out == "\n".join([
        "Results",
        "name   score  count  ok",
        "-----  -----  -----  ---",
        "alpha  0.500     12  yes",
        "b          —      7  no",
        "gamma      —  1,234  —",
    ])
    # no line ends in white space
    assert all(line == line.rstrip() for line in out.splitlines())


def test_markdown_table_alignment_row_and_escaping():
    rows = [{"a": "x|y", "b": 1.25}, {"a": "two\nlines", "b": 3}]
    out = render_markdown(rows, [Column("a", "col|a"), Column("b", "b", fmt=".1f")])
    assert out == "\n".join([
        "| col\\|a | b |",
        "| :--- | ---: |",
        "| x\\|y | 1.2 |",  # format(1.25, ".1f") rounds half to even: 1.2
        "| two lines | 3.0 |",
    ])


def test_explicit_alignment_and_callable_format():
    cols = [Column(0, "id", align="right"), Column(1, "v", align="center", fmt=lambda v: f"<{v}>")]
    out = render_text([(1, "a"), (100, "bcd")], cols)
    assert out.splitlines() == [" id    v", "---  -----", "  1   <a>", "100  <bcd>"]
    assert render_markdown([(1, "a")], cols).splitlines()[1] == "| ---: | :---: |"


def test_sequence_rows_missing_index_and_custom_missing_text():
    out = render_text([("a",), ("b", 2)], [Column(0, "k"), Column(1, "v", missing="n/a")])
    assert out.splitlines()[2:] == ["a  n/a", "b    2"]


def test_numbers_only_columns_are_right_aligned_mixed_ones_left():
    out = render_text([{"v": 1}, {"v": "x"}], [Column("v", "value")])
    assert out.splitlines()[2:] == ["1", "x"]
    out = render_text([{"v": 1}, {"v": 22}], [Column("v", "value")])
    assert out.splitlines()[2:] == ["    1", "   22"]


def test_wide_and_combining_characters_keep_columns_aligned():
    assert display_width("中文") == 4 and display_width("e\u0301") == 1
    out = render_text([{"a": "中文", "b": 1}, {"a": "abcd", "b": 2}], [Column("a", "a"), Column("b", "b")])
    lines = out.splitlines()
    assert [display_width(line) for line in lines[2:]] == [7, 7]


def test_empty_rows_and_bad_columns():
    assert render_text([], [Column("a", "alpha")]) == "alpha\n-----"
    assert render_markdown([], [Column("a", "alpha")]) == "| alpha |\n| :--- |"
    with pytest.raises(ValueError):
        render_text([], [])
    with pytest.raises(ValueError):
        render_markdown([], [])
    with pytest.raises(ValueError, match="align"):
        Column("a", "a", align="middle")  # type: ignore[arg-type]


def test_cells():
    assert is_missing(None) and is_missing(float("nan")) and not is_missing(0)
    assert format_cell(0.123456, Column("x", "x")) == "0.123"
    assert format_cell(0.25, Column("x", "x", fmt=".1%")) == "25.0%"
    assert format_cell(False, Column("x", "x")) == "no"
    assert format_cell("s", Column("x", "x")) == "s"
