"""Validation findings: the table of stable ids and the report that collects them.

The table is ``schema/findings.json``; every finding the validator emits names
one of its ids. A finding carries where it happened (file, 1-based line, field
path) and what was expected and found.

>>> f = Finding("span-text-mismatch", "gold.jsonl", 4, "mentions.text", 'is "Moscow", the document has "Moscow " at 512:519')
>>> f.render()
'gold.jsonl:4: [E306 span-text-mismatch] mentions.text: is "Moscow", the document has "Moscow " at 512:519'
>>> f.severity
'error'
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

from geostance.core.paths import SCHEMA_DIR

FINDINGS_FILE = SCHEMA_DIR / "findings.json"


@dataclass(frozen=True)
class FindingType:
    code: str
    id: str
    severity: str
    level: int
    meaning: str


@lru_cache(maxsize=1)
def table() -> dict[str, FindingType]:
    """Finding id -> its entry in ``schema/findings.json``."""
    with open(FINDINGS_FILE, encoding="utf-8") as f:
        rows = json.load(f)["findings"]
    return {r["id"]: FindingType(**r) for r in rows}


@dataclass(frozen=True, slots=True)
class Finding:
    """One incident: ``id`` is a key of :func:`table`."""

    id: str
    file: str
    line: int  # 1-based; 0 when the finding concerns the whole file
    field: str
    message: str

    @property
    def type(self) -> FindingType:
        return table()[self.id]

    @property
    def severity(self) -> str:
        return self.type.severity

    @property
    def code(self) -> str:
        return self.type.code

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}: [{self.code} {self.id}]{field} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


DEFAULT_MAX_PER_FILE = 100


class Report:
    """Collects findings; keeps at most ``max_per_id`` of each id and at most
    ``max_per_file`` of one id in one file (all are counted). The cap per
    file bounds the memory of a report by the number of files, not by the
    number of findings (a file repeating one record a million times).

    >>> r = Report(max_per_file=2)
    >>> r.extend(Finding("duplicate-id", "f.jsonl", n, "id", "x") for n in range(1, 6))
    >>> len(r.kept), r.errors, r.suppressed_per_file()
    (2, 5, {('f.jsonl', 'duplicate-id'): 3})
    """

    def __init__(self, max_per_id: int | None = None, max_per_file: int | None = None) -> None:
        self.max_per_id = max_per_id
        self.max_per_file = max_per_file
        self.kept: list[Finding] = []
        self.counts: Counter[str] = Counter()
        self.kept_counts: Counter[str] = Counter()
        self.file_counts: Counter[tuple[str, str]] = Counter()
        self.files = 0
        self.records = 0

    def add(self, finding: Finding) -> None:
        if finding.id not in table():  # pragma: no cover - programming error
            raise KeyError(f"finding id {finding.id!r} is not in {FINDINGS_FILE}")
        self.counts[finding.id] += 1
        if self.max_per_file is not None:
            key = (finding.file, finding.id)
            self.file_counts[key] += 1
            if self.file_counts[key] > self.max_per_file:
                return
        if self.max_per_id is None or self.kept_counts[finding.id] < self.max_per_id:
            self.kept_counts[finding.id] += 1
            self.kept.append(finding)

    def merge(self, other: "Report") -> None:
        """Add the report of other files (collected with the same cap per file
        and no cap per id), as if its findings had been added here."""
        for f in other.kept:
            if self.max_per_id is None or self.kept_counts[f.id] < self.max_per_id:
                self.kept_counts[f.id] += 1
                self.kept.append(f)
        self.counts.update(other.counts)
        self.file_counts.update(other.file_counts)
        self.files += other.files
        self.records += other.records

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def count(self, severity: str) -> int:
        t = table()
        return sum(n for i, n in self.counts.items() if t[i].severity == severity)

    @property
    def findings(self) -> list[Finding]:
        """The findings kept (all of them, or ``max_per_id`` of each id), in the order found."""
        return list(self.kept)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def suppressed_per_file(self) -> dict[tuple[str, str], int]:
        """(file, id) -> how many findings of that id in that file were left
        out by the cap per file."""
        if self.max_per_file is None:
            return {}
        return {k: n - self.max_per_file for k, n in sorted(self.file_counts.items()) if n > self.max_per_file}

    def suppressed(self) -> dict[str, int]:
        """id -> how many findings of that id are counted but not kept."""
        return {i: n - self.kept_counts[i] for i, n in sorted(self.counts.items()) if n > self.kept_counts[i]}

    def _head(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records": self.records,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": dict(sorted(self.counts.items())),
            "suppressed": self.suppressed(),
            "suppressed_per_file": [{"file": f, "id": i, "count": n} for (f, i), n in self.suppressed_per_file().items()],
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self._head(), "findings": [f.as_dict() for f in self.kept]}

    def iter_json(self) -> Iterator[str]:
        """The report as JSON (the object of :meth:`as_dict`), in pieces: one
        finding at a time, never one string of the whole report."""
        head = json.dumps(self._head(), ensure_ascii=False, indent=1)
        yield head[:-2] + ',\n "findings": ['
        for i, f in enumerate(self.kept):
            yield ("\n  " if i == 0 else ",\n  ") + json.dumps(f.as_dict(), ensure_ascii=False)
        yield ("\n ]" if self.kept else "]") + "\n}\n"

    def _left_out(self) -> Iterator[str]:
        per_file = self.suppressed_per_file()
        for (file, fid), n in per_file.items():
            yield f"... {n} more [{table()[fid].code} {fid}] in {file} not shown (at most {self.max_per_file} of one id per file; --max-per-file 0 shows all)"
        by_file: Counter[str] = Counter()
        for (_, fid), n in per_file.items():
            by_file[fid] += n
        for fid, n in self.suppressed().items():
            rest = n - by_file[fid]
            if rest > 0:
                yield f"... {rest} more [{table()[fid].code} {fid}] not shown (--max-err)"

    def render_markdown(self) -> str:
        """The findings as one Markdown table (errors first, then warnings, each in
        file/line order), then the summary line, as ``validate --format markdown`` prints them."""
        from geostance.core.tables import Column, render_markdown

        order = {"error": 0, "warning": 1}
        rows = [{"severity": f.severity, "id": f"{f.code} {f.id}", "where": f"{f.file}:{f.line}" if f.line else f.file,
                 "field": f.field or "", "message": f.message}
                for f in sorted(self.kept, key=lambda f: (order.get(f.severity, 2), f.file, f.line))]
        out = []
        if rows:
            cols = [Column("severity", "severity"), Column("id", "finding"), Column("where", "file:line"),
                    Column("field", "field"), Column("message", "message")]
            out += [render_markdown(rows, cols), ""]
        for line in self._left_out():
            out.append("- " + line.removeprefix("... "))
        out.append(f"{self.files} file(s), {self.records} record(s): {self.errors} error(s), {self.warnings} warning(s)")
        return "\n".join(out)

    def render_text(self) -> str:
        """Errors first, then warnings, each in file/line order, then a summary."""
        return "\n".join(self.iter_text())

    def iter_text(self) -> Iterator[str]:
        """The lines of :meth:`render_text`, one at a time (a report is written
        as a stream, never as one string)."""
        for sev, title in (("error", "Errors"), ("warning", "Warnings")):
            group = sorted((f for f in self.kept if f.severity == sev), key=lambda f: (f.file, f.line))
            if not group:
                continue
            yield f"{title} ({self.count(sev)}):"
            for f in group:
                yield "  " + f.render()
        for line in self._left_out():
            yield "  " + line
        yield (
            f"{self.files} file(s), {self.records} record(s): "
            f"{self.errors} error(s), {self.warnings} warning(s)"
        )
