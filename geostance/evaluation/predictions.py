"""Predictions files: read them, check them, and match them to gold by id.

A predictions file gives one label per row of a task view, in any order:

* JSONL (``.jsonl``, ``.json``): one object per line with ``id`` (a string,
  the view row's ``id``) and ``label``; other keys are ignored.
* CSV (``.csv``, or any other name whose first character is not ``{``):
  a header row with the columns ``id`` and ``label`` (others ignored).

For ``ner`` the label is the row's list of BIO tags: a JSON list of strings,
or in CSV the tags separated by single spaces.

Predictions are matched to gold **by id, never by position**. Every problem
is reported, each naming the file and line: an id that is not a string, a
duplicate id (with the line it repeats), an id that is no gold row, a label
that is not in the view's inventory (or, for ``ner``, a tag that is not O /
B-<type> / I-<type>, or a tag list whose length is not the row's number of
tokens), and the gold ids that have no prediction.

>>> gold = [{"id": "a", "label": "FAVOR"}, {"id": "b", "label": "NONE"}]
>>> entries, errs = parse_lines(b'{"id": "b", "label": "NONE"}\\n{"id": "a", "label": "AGAINST"}\\n', "p.jsonl", "jsonl")
>>> match(gold, entries, "stance_classification", "p.jsonl", errs)
['AGAINST', 'NONE']
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from geostance.core import bounded, jsonl
from geostance.contract.labels import MENTION_TYPES, RELATION_VIEW_LABELS, STANCE_VIEW_LABELS

VIEW_LABELS: dict[str, tuple[str, ...]] = {
    "stance_classification": STANCE_VIEW_LABELS,
    "relation_classification": RELATION_VIEW_LABELS,
}
NER_TAGS: frozenset[str] = frozenset(("O", *(f"{p}-{t}" for t in MENTION_TYPES for p in "BI")))
MAX_SHOWN = 20


class PredictionsError(Exception):
    """A predictions file that cannot be scored; ``problems`` lists every reason."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self, limit: int = MAX_SHOWN) -> str:
        shown = self.problems[:limit]
        more = len(self.problems) - len(shown)
        tail = [f"... and {more} more problem{'s' if more != 1 else ''}"] if more > 0 else []
        return "\n".join([*shown, *tail])


@dataclass(frozen=True)
class Entry:
    """One prediction: the line it is on, its id and its label (a string, or a
    list of tags for ner)."""

    line: int
    id: Any
    label: Any


def detect_format(path: Path, data: bytes) -> str:
    """``"jsonl"`` or ``"csv"``, from the file name, else from the first character.

    >>> detect_format(Path("x.csv"), b"id,label"), detect_format(Path("x"), b' {"id": 1}')
    ('csv', 'jsonl')
    """
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix in (".csv",):
        return "csv"
    return "jsonl" if data.lstrip().startswith(b"{") else "csv"


def parse_lines(data: bytes, file: str, fmt: str) -> tuple[list[Entry], list[str]]:
    """The entries of a predictions file's bytes, and the problems found reading them.

    >>> entries, errs = parse_lines(b"id,label\\nx1,FAVOR\\nx2\\n", "p.csv", "csv")
    >>> [(e.line, e.id, e.label) for e in entries], errs
    ([(2, 'x1', 'FAVOR')], ['p.csv:3: expected 2 columns (id, label), found 1'])
    """
    if fmt == "jsonl":
        return _parse_jsonl(data, file)
    if fmt == "csv":
        return _parse_csv(data, file)
    raise ValueError(f"unknown predictions format {fmt!r}")


def _parse_jsonl(data: bytes, file: str, offset: int = 0) -> tuple[list[Entry], list[str]]:
    """``offset``: the number of lines before ``data`` in the file."""
    recs, found = jsonl.parse(data, file)
    problems = [f"{f.file}:{f.line + offset}: {f.message}" if f.line else f"{f.file}: {f.message}"
                for f in found if f.severity == "error"]
    entries: list[Entry] = []
    for line, rec in recs:
        line += offset
        missing = [k for k in ("id", "label") if k not in rec]
        if missing:
            problems.append(f"{file}:{line}: missing key{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}; "
                            "expected an object with \"id\" and \"label\"")
            continue
        entries.append(Entry(line, rec["id"], rec["label"]))
    return entries, problems


def _parse_csv(data: bytes, file: str) -> tuple[list[Entry], list[str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [f"{file}:{line}: byte 0x{data[exc.start]:02X} is not valid UTF-8; expected a UTF-8 CSV file"]
    return _parse_csv_rows(csv.reader(io.StringIO(text, newline="")), file)


def _parse_csv_rows(reader: Any, file: str) -> tuple[list[Entry], list[str]]:
    try:
        header = next(reader)
    except StopIteration:
        return [], [f"{file}: the file is empty; expected a header row 'id,label' and one row per prediction"]
    except csv.Error as exc:
        return [], [f"{file}:1: {exc}"]
    cols = [h.strip() for h in header]
    if "id" not in cols or "label" not in cols:
        return [], [f"{file}:1: the header is {','.join(cols)!r}; expected the columns 'id' and 'label'"]
    i_id, i_label = cols.index("id"), cols.index("label")
    entries: list[Entry] = []
    problems: list[str] = []
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{file}:{reader.line_num}: {exc}")
            break
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(cols):
            problems.append(f"{file}:{line}: expected {len(cols)} columns ({', '.join(cols)}), found {len(row)}")
            continue
        entries.append(Entry(line, row[i_id], row[i_label]))
    if not entries and not problems:
        problems.append(f"{file}: no predictions after the header")
    return entries, problems


def _check_label(view: str, e: Entry, file: str, n_tokens: int | None) -> str | None:
    """A problem with an entry's label, or ``None``."""
    if view == "ner":
        tags = e.label
        if isinstance(tags, str):
            tags = tags.split(" ") if tags else []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            return f"{file}:{e.line}: label of id {e.id!r} is {type(e.label).__name__}; expected a list of BIO tags"
        bad = [t for t in tags if t not in NER_TAGS]
        if bad:
            return (f"{file}:{e.line}: label of id {e.id!r} has unknown tag {bad[0]!r}; expected O, B-<type> or I-<type> "
                    f"with a type among {', '.join(MENTION_TYPES)}")
        if n_tokens is not None and len(tags) != n_tokens:
            return f"{file}:{e.line}: label of id {e.id!r} has {len(tags)} tags; the gold row has {n_tokens} tokens"
        return None
    labels = VIEW_LABELS[view]
    if not isinstance(e.label, str) or e.label not in labels:
        return f"{file}:{e.line}: label {e.label!r} of id {e.id!r} is not a {view} label; expected one of {', '.join(labels)}"
    return None


def _line_of(problem: str) -> int:
    """The line a problem message names (``file:LINE: ...``), 0 for the whole file."""
    head = problem.split(": ", 1)[0]
    num = head.rsplit(":", 1)[-1]
    return int(num) if num.isdigit() else 0


def match(gold: Sequence[Mapping[str, Any]], entries: Sequence[Entry], view: str, file: str,
          problems: list[str] | None = None) -> list[Any]:
    """The predicted labels aligned with ``gold`` (by id); raises
    :class:`PredictionsError` listing every problem (including ``problems``
    already found while reading).

    >>> gold = [{"id": "a", "label": "FAVOR"}, {"id": "b", "label": "NONE"}]
    >>> try:
    ...     match(gold, [Entry(1, "a", "FAVOUR"), Entry(2, "a", "NONE"), Entry(3, "z", "NONE")], "stance_classification", "p")
    ... except PredictionsError as exc:
    ...     print(exc)
    p:1: label 'FAVOUR' of id 'a' is not a stance_classification label; expected one of FAVOR, AGAINST, NEUTRAL, NONE
    p:2: id 'a' appears again (first on line 1); expected one prediction per id
    p:3: id 'z' is not a row of the stance_classification gold (2 rows)
    p: 1 gold row has no prediction: id 'b'
    """
    if view not in VIEW_LABELS and view != "ner":
        raise ValueError(f"unknown view {view!r}")
    problems = list(problems or [])
    index = {str(r["id"]): i for i, r in enumerate(gold)}
    seen: dict[str, int] = {}
    out: list[Any] = [None] * len(gold)
    for e in entries:
        if not isinstance(e.id, str):
            problems.append(f"{file}:{e.line}: id {e.id!r} is a JSON {type(e.id).__name__}; expected a string")
            continue
        i = index.get(e.id)
        n_tokens = len(gold[i]["tokens"]) if (i is not None and view == "ner" and "tokens" in gold[i]) else None
        bad = _check_label(view, e, file, n_tokens)
        if bad:
            problems.append(bad)
        if e.id in seen:
            problems.append(f"{file}:{e.line}: id {e.id!r} appears again (first on line {seen[e.id]}); expected one prediction per id")
            continue
        seen[e.id] = e.line
        if i is None:
            problems.append(f"{file}:{e.line}: id {e.id!r} is not a row of the {view} gold ({len(gold):,} rows)")
            continue
        if not bad:
            label = e.label
            if view == "ner" and isinstance(label, str):
                label = label.split(" ") if label else []
            out[i] = label
    problems.sort(key=_line_of)  # in file order; the missing ids last
    missing = [str(r["id"]) for r in gold if str(r["id"]) not in seen]
    if missing:
        shown = ", ".join(f"id {m!r}" for m in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        problems.append(f"{file}: {len(missing):,} gold row{'s have' if len(missing) != 1 else ' has'} no prediction: {shown}{more}")
    if problems:
        raise PredictionsError(file, problems)
    return out


def load(path: Path, view: str, gold: Sequence[Mapping[str, Any]], display: str | None = None,
         max_bytes: int | None = bounded.DEFAULT_MAX_BYTES) -> list[Any]:
    """Read a predictions file and match it to ``gold``; raises :class:`PredictionsError`.

    The file is streamed, a line at a time: memory follows the number of
    predictions, not the length of a line (a line over
    ``jsonl.MAX_LINE_BYTES`` is a problem, never held whole). Only a regular
    file of at most ``max_bytes`` is read (never a FIFO or ``/dev/zero``)."""
    name = display if display is not None else str(path)
    try:
        bounded.check_regular(path)
        size = os.stat(path).st_size
        if max_bytes is not None and size > max_bytes:
            raise bounded.TooLarge(size, max_bytes)
        with open(path, "rb") as f:
            head = f.read(4096)
            f.seek(0)
            fmt = detect_format(path, head)
            lines = _lines(f, max_bytes)
            entries, problems = _stream_jsonl(lines, name) if fmt == "jsonl" else _stream_csv(lines, name)
    except (bounded.NotRegular, bounded.TooLarge) as exc:
        raise PredictionsError(name, [f"{name}: {exc}"]) from None
    except OSError as exc:
        raise PredictionsError(name, [f"{name}: cannot read the file: {exc.strerror or exc}"]) from None
    return match(gold, entries, view, name, problems)


_TOO_LONG = object()


def _lines(f: Any, max_bytes: int | None) -> Iterator[tuple[int, Any]]:
    """``(line number, bytes)`` of each line of a binary file, its LF kept;
    a line longer than ``jsonl.MAX_LINE_BYTES`` is ``(n, _TOO_LONG)`` and is
    skipped without being held. Stops at ``max_bytes`` (a file that grows)."""
    limit = jsonl.MAX_LINE_BYTES + 1
    n = 0
    total = 0
    while True:
        line = f.readline(limit)
        if not line:
            return
        n += 1
        total += len(line)
        if len(line) >= limit and not line.endswith(b"\n"):
            while True:  # the rest of the long line, a chunk at a time
                rest = f.readline(bounded.CHUNK)
                total += len(rest)
                if not rest or rest.endswith(b"\n") or (max_bytes is not None and total > max_bytes):
                    break
            yield n, _TOO_LONG
        else:
            yield n, line
        if max_bytes is not None and total > max_bytes:
            raise bounded.TooLarge(total, max_bytes)


def _too_long(file: str, n: int) -> str:
    return f"{file}:{n}: the line is longer than {jsonl.MAX_LINE_BYTES:,} bytes; expected one prediction per line"


def _stream_jsonl(lines: Iterator[tuple[int, Any]], file: str) -> tuple[list[Entry], list[str]]:
    """The entries of a JSONL predictions file, parsed in blocks of lines."""
    entries: list[Entry] = []
    problems: list[str] = []
    block: list[bytes] = []
    first = 1

    def flush() -> None:
        if not block:
            return
        data = b"".join(block)
        e, p = _parse_jsonl(data, file, first - 1)
        entries.extend(e)
        problems.extend(p)
        block.clear()

    seen = False
    for n, line in lines:
        seen = True
        if line is _TOO_LONG:
            flush()
            problems.append(_too_long(file, n))
            first = n + 1
            continue
        if not block:
            first = n
        block.append(line)
        if len(block) >= 10_000:
            flush()
    flush()
    if not seen:
        e, p = _parse_jsonl(b"", file)
        problems.extend(p)
    return entries, problems


def _stream_csv(lines: Iterator[tuple[int, Any]], file: str) -> tuple[list[Entry], list[str]]:
    """The entries of a CSV predictions file, decoded a line at a time."""
    problems: list[str] = []

    def text() -> Iterator[str]:
        for n, line in lines:
            if line is _TOO_LONG:
                problems.append(_too_long(file, n))
                yield "\n"  # keeps the csv module's line count
                continue
            if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(f"{file}:{n}: byte 0x{line[exc.start]:02X} is not valid UTF-8; expected a UTF-8 CSV file")
                yield "\n"

    entries, more = _parse_csv_rows(csv.reader(text()), file)
    if problems:  # the lines that could not be read explain an empty file
        more = [m for m in more if not m.endswith("no predictions after the header")]
    return entries, sorted(problems + more, key=_line_of)


def dumps(ids: Sequence[str], labels: Sequence[Any]) -> bytes:
    """A predictions file (JSONL) for ``ids`` and their labels, in the given order.

    >>> dumps(["a"], ["FAVOR"])
    b'{"id":"a","label":"FAVOR"}\\n'
    """
    return b"".join(jsonl.dumps({"id": i, "label": l}) for i, l in zip(ids, labels))
