"""Ship a document without its text, and re-hydrate it from a user's own copy.

The rights to an article's text stay with its publisher. A dataset can ship
a document as its *document record* (``text_included: false``, with the
text's ``sha256`` and ``num_chars``) and annotations that hold offsets only:

* :func:`strip_records` removes every surface ``text`` from annotation
  records (sentences, mentions, stance evidence spans); offsets stay.
  ``geostance strip-text`` writes such a copy of a dataset folder: the
  ``.txt`` left out, the record marked ``text_included: false``, the
  annotation files stripped.
* :func:`rehydrate_records` puts the surface text back from the document
  text by offsets. ``geostance rehydrate`` checks a user's copy against the
  record's sha256 (and length) first and refuses a copy that differs, then
  writes ``documents/<doc_id>.txt`` and the annotation files with their text;
  ``geostance build`` then builds the full dataset.
* :func:`exempt_text` lets the schema check a stripped record: the build
  validates a document without its text with the surface text exempt (the
  offsets cannot be checked against a text that is not there).

Every write is atomic (:mod:`geostance.core.atomic`); a refused copy changes nothing.

>>> recs = [{"kind": "mention", "id": "m1", "start": 4, "end": 10, "text": "Moscow"},
...         {"kind": "stance", "id": "t1", "evidence": [{"start": 0, "end": 10, "text": "Hi, Moscow"}]}]
>>> bare = strip_records(recs)
>>> bare[0], bare[1]["evidence"]
({'kind': 'mention', 'id': 'm1', 'start': 4, 'end': 10}, [{'start': 0, 'end': 10}])
>>> rehydrate_records(bare, "Hi, Moscow!") == recs
True

The command line (``geostance rehydrate``) is :mod:`geostance.cli.rehydrate`.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from geostance.contract.records import SPAN_KINDS
from geostance.core import atomic, jsonl, paths

Rec = dict[str, Any]


class RehydrateError(Exception):
    """A copy of a text or a dataset folder that cannot be used; the message says why."""


def _strip_span(d: Rec) -> Rec:
    return {k: v for k, v in d.items() if k != "text"}


def strip_records(records: list[Rec]) -> list[Rec]:
    """Records without their surface text (offsets kept), key order otherwise unchanged."""
    out = []
    for r in records:
        k = r.get("kind")
        if k in SPAN_KINDS:
            r = _strip_span(r)
        elif k == "stance":
            r = dict(r, evidence=[_strip_span(e) for e in r["evidence"]])
        out.append(r)
    return out


def _with_text(d: Rec, text: str) -> Rec:
    """``d`` with ``text`` = its span of ``text`` inserted right after ``end``."""
    a, b = d["start"], d["end"]
    if not (0 <= a < b <= len(text)):
        raise RehydrateError(f"span {a}:{b} does not fit a text of {len(text)} characters")
    out: Rec = {}
    for k, v in d.items():
        if k == "text":
            continue
        out[k] = v
        if k == "end":
            out["text"] = text[a:b]
    return out


def rehydrate_records(records: list[Rec], text: str) -> list[Rec]:
    """Records with their surface text restored from ``text`` by offsets."""
    out = []
    for r in records:
        k = r.get("kind")
        if k in SPAN_KINDS:
            r = _with_text(r, text)
        elif k == "stance":
            r = dict(r, evidence=[_with_text(e, text) for e in r["evidence"]])
        out.append(r)
    return out


def check_copy(record: Rec, data: bytes, name: str) -> str:
    """The text of a user's copy, if it is the text the record describes;
    else :class:`RehydrateError` naming what differs."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != record["sha256"]:
        raise RehydrateError(
            f"{name}: sha256 is {digest}, but document {record['doc_id']!r} expects {record['sha256']}; "
            "this is not the same text byte for byte (another edition, encoding, line endings or trailing "
            "newline?), so the annotation offsets would not fit it"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # pragma: no cover - the sha256 vouches for these bytes
        raise RehydrateError(f"{name}: byte {exc.start} is not valid UTF-8") from exc
    if len(text) != record["num_chars"]:  # pragma: no cover - the sha256 vouches for these bytes
        raise RehydrateError(f"{name}: {len(text)} characters, the record says {record['num_chars']}")
    return text


def _annotation_files(root: Path, doc_id: str) -> list[Path]:
    files = [paths.raw_path(root, doc_id, a) for a in paths.annotators(root, doc_id)]
    g = paths.gold_path(root, doc_id)
    return files + ([g] if g.is_file() else [])


def _load(path: Path) -> list[Rec]:
    try:
        return jsonl.load_records(path)
    except ValueError as exc:
        raise RehydrateError(f"{path}: not a readable geostance file:\n{exc}") from exc


def _document_record(root: Path, doc_id: str) -> Rec:
    p = paths.document_record_path(root, doc_id)
    if not p.is_file():
        known = paths.doc_ids(root)
        raise RehydrateError(f"{root}: no document {doc_id!r} ({p} does not exist; documents: {', '.join(known) or 'none'})")
    recs = _load(p)
    if len(recs) != 1 or recs[0].get("kind") != "document":
        raise RehydrateError(f"{p}: expected exactly one document record")
    return recs[0]


def rehydrate(root: Path, doc_id: str, copy: Path) -> list[Path]:
    """Check ``copy`` against document ``doc_id`` of dataset folder ``root``;
    write ``documents/<doc_id>.txt`` and restore the surface text of its
    annotation files. Returns the files written."""
    problem = paths.id_problem(doc_id, "document")  # before any path is built from it
    if problem:
        raise RehydrateError(problem)
    record = _document_record(root, doc_id)
    try:
        data = copy.read_bytes()
    except OSError as exc:
        raise RehydrateError(f"{copy}: cannot read the file: {exc.strerror or exc}") from exc
    text = check_copy(record, data, str(copy))
    plans: list[tuple[Path, bytes]] = []
    for f in _annotation_files(root, doc_id):
        try:
            recs = rehydrate_records(_load(f), text)
        except RehydrateError as exc:
            raise RehydrateError(f"{f}: {exc}") from exc
        new = b"".join(jsonl.dumps(r) for r in recs)
        if new != f.read_bytes():
            plans.append((f, new))
    txt = paths.text_path(root, doc_id)
    if not txt.is_file() or txt.read_bytes() != data:
        plans.insert(0, (txt, data))
    try:
        for f, _ in plans:  # a link or folder that leads out of the dataset: refuse before writing anything
            paths.inside(root, f)
    except paths.UnsafeName as exc:
        raise RehydrateError(str(exc)) from None
    for f, b in plans:
        atomic.write_bytes(f, b)
    return [f for f, _ in plans]


def strip_text(root: Path, out: Path, doc_ids: list[str]) -> list[Path]:
    """Copy dataset folder ``root`` (its sources: documents/, annotations/,
    adjudication/) to ``out`` with the documents ``doc_ids`` shipped without
    their text. Returns the stripped files."""
    if out.exists() and any(out.iterdir()):
        raise RehydrateError(f"{out}: exists and is not empty; choose a new folder")
    for d in doc_ids:
        _document_record(root, d)
    for sub in ("documents", "annotations", "adjudication"):
        if (root / sub).is_dir():
            shutil.copytree(root / sub, out / sub)
    written = []
    for d in doc_ids:
        rec = dict(_document_record(root, d), text_included=False)
        atomic.write_bytes(paths.document_record_path(out, d), jsonl.dumps(rec))
        paths.text_path(out, d).unlink(missing_ok=True)
        written.append(paths.document_record_path(out, d))
        for f in _annotation_files(out, d):
            atomic.write_bytes(f, b"".join(jsonl.dumps(r) for r in strip_records(_load(f))))
            written.append(f)
    return written


# ------------------------------------------------------------------ CLI: geostance rehydrate


