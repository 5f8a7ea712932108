"""Upgrade annotation files from schema version 1.0 to 1.1.

Version 1.1 (scheme 1.1) adds a required ``modality`` to every stance and the
modality QUESTIONED. Upgrading a file rewrites ``schema_version`` on every
record and keeps every field as it is; a 1.0 relation already has a modality,
so only stances need something new. A stance's modality is a reading of the
text (is the attitude stated, alleged, conditional or asked?), so the
migration never guesses it: each stance gets the modality that a decision
gives it,

* from a decisions file (``--decisions D.jsonl``), one JSON object per line:
  ``{"file": "annotations/raw/doc/ann.jsonl", "stance": "t3",
  "modality": "HYPOTHETICAL", "reason": "..."}`` (``file`` as given on the
  command line, or any trailing part of its path that names one file), or
* for every stance that the decisions file leaves open, from
  ``--stance-modality M``, a decision the user takes for all of them at once.

Every stance still undecided is listed, and nothing is written. A file is
written only with ``--write``, only when every stance is decided, and only
when the upgraded records validate against the document text; the write is
atomic (temporary file, then rename). Files already of version 1.1 are left
alone; a file that mixes versions is refused.

>>> recs = [{"kind": "stance", "schema_version": "1.0", "id": "t1", "explicit": True, "source": "AUTHOR"},
...         {"kind": "relation", "schema_version": "1.0", "id": "r1", "modality": "ASSERTED"}]
>>> up, open_ = upgrade(recs, {"t1": "ALLEGED"})
>>> [r["schema_version"] for r in up], list(up[0]), open_
(['1.1', '1.1'], ['kind', 'schema_version', 'id', 'explicit', 'modality', 'source'], [])
>>> upgrade(recs, {})[1]
['t1']

The command line (``geostance migrate``) is :mod:`geostance.cli.migrate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.core import jsonl
from geostance.contributing.interop import check_records, dataset_document
from geostance.contract.labels import CURRENT_VERSION, SCHEMA_VERSIONS, STANCE_MODALITIES
from geostance.validation.layout import find_dataset_root

Rec = dict[str, Any]
FROM_VERSION = SCHEMA_VERSIONS[0]


class MigrationError(Exception):
    """A problem with the input that stops the migration (exit 2)."""


def upgrade(recs: list[Rec], modality: dict[str, str]) -> tuple[list[Rec], list[str]]:
    """The records in version 1.1 and the ids of the stances ``modality`` leaves undecided.

    Every field stays, in its order; a stance gets ``modality`` after ``explicit``."""
    out: list[Rec] = []
    undecided: list[str] = []
    for r in recs:
        new: Rec = {}
        for k, v in r.items():
            new[k] = CURRENT_VERSION if k == "schema_version" else v
            if k == "explicit" and r.get("kind") == "stance" and r.get("id") in modality:
                new["modality"] = modality[r["id"]]
        if r.get("kind") == "stance":
            if r.get("id") not in modality:
                undecided.append(str(r.get("id")))
            elif "modality" not in new:
                new["modality"] = modality[r["id"]]
        out.append(new)
    return out, undecided


def _line_bytes(original: bytes, rec: Rec) -> bytes:
    """``rec`` serialised in the style of its original line (spaced or compact JSON)."""
    old = json.loads(original)
    for seps in ((", ", ": "), (",", ":")):
        if json.dumps(old, ensure_ascii=False, separators=seps).encode("utf-8") == original.rstrip(b"\n"):
            return json.dumps(rec, ensure_ascii=False, separators=seps).encode("utf-8") + b"\n"
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


@dataclass
class Decisions:
    """Stance modality decisions: per file, per stance id, and a default for the rest."""

    per_file: list[tuple[str, str, str, int]] = field(default_factory=list)  # (file, stance, modality, line)
    default: str | None = None
    source: str = "--decisions"

    def for_file(self, path: Path, shown: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for f, stance, modality, _ in self.per_file:
            if _names(path, shown, f):
                out[stance] = modality
        return out

    def unused(self, files: list[tuple[Path, str]]) -> list[str]:
        return [f"{self.source}:{line}: file {f!r} matches none of the files given"
                for f, _, _, line in self.per_file if not any(_names(p, s, f) for p, s in files)]


def _names(path: Path, shown: str, ref: str) -> bool:
    """Whether ``ref`` names ``path``: as given, or as a trailing part of its path."""
    if ref == shown:
        return True
    parts = Path(ref).parts
    return bool(parts) and path.resolve().parts[-len(parts):] == parts


def read_decisions(path: Path | None, default: str | None) -> Decisions:
    """Parse a decisions file (JSONL); every problem is one line of the error."""
    d = Decisions(default=default, source=str(path) if path else "--decisions")
    problems: list[str] = []
    if default is not None and default not in STANCE_MODALITIES:
        problems.append(f"--stance-modality {default!r}: expected one of {', '.join(STANCE_MODALITIES)}")
    if path is not None:
        lined, found = jsonl.read(path)
        problems += [f.render() for f in found if f.severity == "error"]
        seen: dict[tuple[str, str], int] = {}
        for line, rec in lined:
            where = f"{path}:{line}"
            missing = [k for k in ("file", "stance", "modality", "reason") if not isinstance(rec.get(k), str) or not rec.get(k)]
            if missing:
                problems.append(f"{where}: needs {', '.join(missing)} (strings): "
                                '{"file": ..., "stance": "t1", "modality": "ASSERTED", "reason": "..."}')
                continue
            extra = sorted(set(rec) - {"file", "stance", "modality", "reason"})
            if extra:
                problems.append(f"{where}: unknown field(s) {', '.join(extra)}; expected file, stance, modality, reason")
                continue
            if rec["modality"] not in STANCE_MODALITIES:
                problems.append(f"{where}: modality {rec['modality']!r} is not a stance modality; expected one of {', '.join(STANCE_MODALITIES)}")
                continue
            key = (rec["file"], rec["stance"])
            if key in seen:
                problems.append(f"{where}: stance {rec['stance']} of {rec['file']} is decided again (first on line {seen[key]})")
                continue
            seen[key] = line
            d.per_file.append((rec["file"], rec["stance"], rec["modality"], line))
    if problems:
        raise MigrationError("\n".join(problems))
    return d


@dataclass
class Outcome:
    shown: str
    status: str  # "upgraded", "current", "undecided", "invalid"
    stances: int = 0
    lines: list[str] = field(default_factory=list)
    data: bytes | None = None


def migrate_file(path: Path, shown: str, decisions: Decisions, dataset: Path | None) -> Outcome:
    """Upgrade one file in memory; nothing is written here."""
    raw, found = jsonl.read(path, shown)
    errors = [f for f in found if f.severity == "error"]
    if errors:
        raise MigrationError("\n".join(f.render() for f in errors) + f"\n{shown}: fix the file first (geostance validate)")
    recs = [r for _, r in raw]
    versions = sorted({str(r.get("schema_version")) for r in recs})
    if versions == [CURRENT_VERSION]:
        return Outcome(shown, "current")
    if versions != [FROM_VERSION]:
        raise MigrationError(f"{shown}: holds records of schema versions {', '.join(versions)}; "
                             f"migrate reads files of version {FROM_VERSION} throughout")
    decided = decisions.for_file(path, shown)
    ids = {r.get("id") for r in recs if r.get("kind") == "stance"}
    unknown = sorted(set(decided) - ids)
    if unknown:
        raise MigrationError(f"{shown}: the decisions name stance(s) {', '.join(unknown)}, which the file does not have")
    if decisions.default is not None:
        decided = {**{i: decisions.default for i in ids}, **decided}
    up, undecided = upgrade(recs, decided)
    n = len(ids)
    if undecided:
        lines = [f"{shown}:{line}: stance {r['id']} ({r.get('holder')} {r.get('label')} {r.get('target')}, "
                 f"evidence {'; '.join(repr(e.get('text')) for e in r.get('evidence', []))}) has no modality decision"
                 for line, r in raw if r.get("kind") == "stance" and r.get("id") in set(undecided)]
        return Outcome(shown, "undecided", n, lines)
    doc_id = next((r.get("doc_id") for r in recs if isinstance(r.get("doc_id"), str)), None)
    root = dataset or find_dataset_root(path.parent)
    doc = dataset_document(root, doc_id) if (root is not None and doc_id) else None
    if doc is None:
        raise MigrationError(f"{shown}: cannot find the text of document {doc_id!r} (give --dataset DIR, the folder with documents/)")
    report = check_records(up, doc_id, doc.text, doc.record, display=f"{shown} (upgraded)")
    if report.errors:
        return Outcome(shown, "invalid", n, report.render_text().splitlines())
    data = b"".join(_line_bytes(orig, rec) for orig, rec in zip(_raw_lines(path), up))
    return Outcome(shown, "upgraded", n, [], data)


def _raw_lines(path: Path) -> list[bytes]:
    return [ln for ln in path.read_bytes().splitlines(keepends=True) if ln.strip()]


# ---------------------------------------------------------------- CLI


