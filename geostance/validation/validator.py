"""Check files against the data contract, level by level.

Levels, each a module: (1) :mod:`geostance.core.jsonl` bytes, encoding, JSON;
(2) :mod:`geostance.contract.schemas` JSON Schema; (3) :mod:`geostance.validation.semantics`
offsets, ids, references, signatures; (4) :mod:`geostance.validation.consistency`
cross-layer warnings. Before level 1, :mod:`geostance.validation.layout` says
where each file lies (links that leave the dataset, ids from paths) and
:mod:`geostance.validation.documents` reads the documents the annotation
files are checked against. Every finding has a stable id from
``schema/findings.json``; all are reported, errors before warnings.

Validation streams: one file (one document's records) at a time, so memory
does not grow with the number of documents; findings go to the report as
they are found and the report keeps at most ``max_per_file`` of one id per
file, so memory does not grow with the number of findings either. ``jobs``
worker processes share a dataset folder's documents.

The command line (``geostance validate``) is :mod:`geostance.cli.validate`.
"""

from __future__ import annotations

import gc
import os
import re
from collections import Counter
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

from geostance.validation import consistency, semantics
from geostance.core import jsonl
from geostance.core.bounded import DEFAULT_MAX_BYTES
from geostance.core.findings import DEFAULT_MAX_PER_FILE, Finding, Report
from geostance.contract.labels import RECORD_KINDS, SCHEMA_VERSIONS
from geostance.core.paths import default_dataset_root
from geostance.contract.schemas import ANNOTATION_KINDS, batch_validator, check_record, fast_validator
from geostance.validation import layout
from geostance.validation.layout import display_path, doc_from_path, is_raw_path, lstat_mode, not_regular_reason, outside_by_mode, dataset_files, find_dataset_root, is_annotator_id
from geostance.validation.documents import DocumentStore


def validate_records(
    recs: list[tuple[int, dict[str, Any]]],
    file: str,
    store: DocumentStore,
    report: Report,
    expected_doc: str | None = None,
    early: list[Finding] | None = None,
    unparsed: dict[int, str | None] | None = None,
    raw: bool = False,
) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Levels 2 to 4 over the parsed records of one annotation file; returns the valid records by kind.

    ``early`` are the file's level-1 findings and ``unparsed`` the lines that
    did not parse (line -> the record kind they seem to hold, if any): the
    records rejected there or by the schema explain the follow-on findings
    of the later levels (a sentence missing puts every later sentence id out
    of order), which are then not reported one by one but counted on the
    rejected record's first finding. ``raw``: the file is an annotator's
    raw file (no ``provenance``)."""
    sink = _Sink(report, list(early or ()), dict(unparsed or {}))
    try:
        return _validate_records(recs, file, store, sink, expected_doc, raw)
    finally:
        sink.flush()


def _validate_records(
    recs: list[tuple[int, dict[str, Any]]],
    file: str,
    store: DocumentStore,
    report: "_Sink",
    expected_doc: str | None,
    raw: bool,
) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {k: [] for k in RECORD_KINDS}
    validators = {k: fast_validator(k) for k in ANNOTATION_KINDS}
    invalid_ids: dict[str, set[str]] = {k: set() for k in groups}
    doc_id = expected_doc
    # a document shipped without its text: its records carry offsets but no
    # surface text, which the schemas would otherwise require
    peek = doc_id if doc_id is not None else (recs[0][1].get("doc_id") if recs else None)
    if isinstance(peek, str):
        peek_doc = store.get(peek, report)
        if peek_doc is not None and peek_doc.text is None:
            from geostance.contract.records import exempt_text

            recs = [(line, exempt_text(rec)) for line, rec in recs]
    objs = list(map(_RECORD, recs))
    batch_ok = batch_validator().is_valid(objs)
    if batch_ok:
        # every record fits its schema: group them and check the doc_id
        kinds = list(map(_KIND, objs))
        counts = {k: kinds.count(k) for k in RECORD_KINDS}
        if kinds == [k for k in RECORD_KINDS for _ in range(counts[k])]:
            pos = 0  # in layer order (every file geostance writes): each kind one slice
            for k in RECORD_KINDS:
                groups[k] = recs[pos:pos + counts[k]]
                pos += counts[k]
        else:
            for lined, kind in zip(recs, kinds):
                groups[kind].append(lined)
        ids = set(map(_DOC_ID, objs))
        if doc_id is None and len(ids) == 1:
            doc_id = next(iter(ids))
        if ids and ids != {doc_id}:
            if doc_id is None:
                doc_id = recs[0][1]["doc_id"]
            for kind, lined in groups.items():
                keep = []
                for line, rec in lined:
                    if rec["doc_id"] != doc_id:
                        report.add(Finding("doc-id-mismatch", file, line, "doc_id", f"is {rec['doc_id']!r}, expected {doc_id!r} like the file's other records (one document per file)"))
                        invalid_ids[kind].add(rec["id"])  # dropped: references to it are not reported again
                    else:
                        keep.append((line, rec))
                groups[kind] = keep
    else:
        for line, rec in recs:
            kind = rec.get("kind")
            v = validators.get(kind) if isinstance(kind, str) else None
            if v is None or not v.is_valid(rec):
                ok, found = check_record(rec, file, line)
                report.reject(line, kind if isinstance(kind, str) and kind in invalid_ids else None, found)
                # keep the id of a rejected record, so that references to it are
                # not reported again as dangling
                if isinstance(kind, str) and kind in invalid_ids and isinstance(rec.get("id"), str):
                    invalid_ids[kind].add(rec["id"])
                continue
            if doc_id is None:
                doc_id = rec["doc_id"]
            elif rec["doc_id"] != doc_id:
                report.add(Finding("doc-id-mismatch", file, line, "doc_id", f"is {rec['doc_id']!r}, expected {doc_id!r} like the file's other records (one document per file)"))
                invalid_ids[kind].add(rec["id"])  # dropped: references to it are not reported again
                continue
            groups[kind].append((line, rec))
    report.records += len(recs)
    if (len(set(map(_VERSION, objs))) > 1 if batch_ok
            else len({rec.get("schema_version") for rec in objs if type(rec.get("schema_version")) is str}) > 1):
        mixed = mixed_versions(recs, file)
        if mixed is not None:
            report.add(mixed)
    if not _in_layer_order(groups, len(recs)):
        order = layer_order(recs, file)
        if order is not None:
            report.add(order)
    if raw:
        report.extend(provenance_in_raw(recs, file))
    if doc_id is None:
        return groups
    doc = store.get(doc_id, report)
    if doc is None:
        first = next((line for line, _ in recs), 0)
        report.add(Finding("unknown-document", file, first, "doc_id", f"{doc_id!r} has no valid document record and text in {store.display(store.folder)}"))
        return groups
    if doc.text is None:
        return groups  # text not shipped: nothing to check offsets against
    report.later(semantics.check(groups, doc.text, file, invalid_ids))
    report.later(consistency.check(groups, file))
    return groups


_RECORD = itemgetter(1)
_KIND = itemgetter("kind")
_DOC_ID = itemgetter("doc_id")
_VERSION = itemgetter("schema_version")

# which follow-on findings a rejected record of each kind explains (None: a
# line whose kind is unknown explains them all)
_FOLLOW_ON: dict[str, frozenset[str]] = {
    "sentence": frozenset({"text-not-covered", "sentence-id-order", "sentence-order", "mention-crosses-sentence",
                           "evidence-crosses-sentence", "argument-outside-evidence", "dangling-reference:sentence"}),
    "mention": frozenset({"mention-entity-mismatch", "dangling-reference:mention", "missing-implied-stance",
                          "implied-stance-modality"}),
    "entity": frozenset({"mention-entity-mismatch", "dangling-reference:entity", "unneeded-mention",
                         "missing-implied-stance", "implied-stance-modality", "entity-type-mismatch"}),
    "stance": frozenset({"missing-implied-stance", "implied-stance-modality", "unneeded-mention"}),
    "relation": frozenset({"unneeded-mention"}),
}
_DANGLING = re.compile(r"is not the id of an? (sentence|mention|entity) ")
_KIND_IN_LINE = re.compile(rb'"kind"\s*:\s*"([a-z]+)"')


def _follow_key(f: Finding) -> str:
    if f.id == "dangling-reference":
        m = _DANGLING.search(f.message)
        if m:
            return f"dangling-reference:{m.group(1)}"
    return f.id


class _Sink:
    """The findings of one file on their way to the report: a rejected record
    (level 1 or 2) holds back the findings of the later levels that it
    explains, and its first finding counts them. Findings go to the report
    as they come (nothing of a file is held but the counts)."""

    def __init__(self, report: Report, early: list[Finding], unparsed: dict[int, str | None]) -> None:
        object.__setattr__(self, "report", report)
        self.rejected: dict[int, str | None] = dict(unparsed)  # line -> kind (None: unknown)
        self.first: dict[int, int | None] = {}  # line -> index in report.kept of its first finding
        self.held: dict[int, Counter[str]] = {}
        self.explains: dict[str, int | None] = {}
        for f in early:
            self._put(f, f.line in unparsed)

    def __getattr__(self, name: str) -> Any:  # files, records
        return getattr(self.report, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("files", "records"):
            setattr(self.report, name, value)
        else:
            object.__setattr__(self, name, value)

    def _put(self, f: Finding, rejecting: bool) -> None:
        n = len(self.report.kept)
        self.report.add(f)
        if rejecting and f.line not in self.first:
            self.first[f.line] = n if len(self.report.kept) > n else None

    def add(self, f: Finding) -> None:
        self.report.add(f)

    def extend(self, found: Iterable[Finding]) -> None:
        for f in found:
            self.report.add(f)

    def reject(self, line: int, kind: str | None, found: list[Finding]) -> None:
        if found:
            self.rejected.setdefault(line, kind)
            self.explains.clear()
        for f in found:
            self._put(f, True)

    def _explainer(self, key: str) -> int | None:
        if key not in self.explains:
            self.explains[key] = next((line for line, kind in sorted(self.rejected.items())
                                       if line in self.first and (kind is None or key in _FOLLOW_ON.get(kind, ()))), None)
        return self.explains[key]

    def later(self, found: Iterable[Finding]) -> None:
        add = self.report.add
        if not self.rejected:
            for f in found:
                add(f)
            return
        for f in found:
            line = self._explainer(_follow_key(f))
            if line is None:
                add(f)
            else:
                self.held.setdefault(line, Counter())[f.id] += 1

    def flush(self) -> None:
        kept = self.report.kept
        for line, counts in self.held.items():
            i = self.first.get(line)
            if i is None:
                continue
            f = kept[i]
            n = sum(counts.values())
            what = ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))
            kept[i] = Finding(f.id, f.file, f.line, f.field,
                              f"{f.message} [and {n} follow-on finding(s) of this file not shown, which this record may explain: {what}; fix it and validate again]")
        self.held = {}


def unparsed_lines(data: bytes, found: list[Finding]) -> dict[int, str | None]:
    """The lines that level 1 rejected as records, with the kind they seem to
    hold (read from the bytes; ``None`` when none shows).

    >>> f = [Finding("json-syntax", "f", 2, "", "x")]
    >>> unparsed_lines(b'{"kind":"sentence"}\\n{"kind":"sentence","id":\\n', f)
    {2: 'sentence'}
    """
    bad = sorted({f.line for f in found if f.line and f.id in _RECORD_REJECTS})
    if not bad:
        return {}
    out: dict[int, str | None] = {}
    lines = data.split(b"\n")
    for n in bad:
        m = _KIND_IN_LINE.search(lines[n - 1][:10_000]) if n <= len(lines) else None
        k = m.group(1).decode() if m else None
        out[n] = k if k in RECORD_KINDS else None
    return out


_RECORD_REJECTS = frozenset({"json-syntax", "duplicate-key", "json-nonfinite", "line-too-long", "not-an-object", "invalid-utf8"})


def _in_layer_order(groups: dict[str, list[tuple[int, dict[str, Any]]]], n: int) -> bool:
    """A quick yes when all ``n`` records are grouped and each group's lines
    come after the previous group's (the groups keep file order); ``False``
    means "check record by record"."""
    if sum(len(g) for g in groups.values()) != n:
        return False
    last = 0
    for k in RECORD_KINDS:
        g = groups[k]
        if g:
            if g[0][0] < last:
                return False
            last = g[-1][0]
    return True


def layer_order(recs: list[tuple[int, dict[str, Any]]], file: str) -> Finding | None:
    """One ``layer-order`` warning if the records are not in the order
    sentences, mentions, entities, stances, relations.

    >>> k = lambda *kinds: list(enumerate(({"kind": x} for x in kinds), 1))
    >>> layer_order(k("sentence", "mention", "entity"), "f") is None
    True
    >>> print(layer_order(k("sentence", "entity", "mention", "mention"), "f").render())
    f:3: [W216 layer-order] kind: a mention after an entity (line 2), and 2 record(s) out of order in all; expected the order sentence, mention, entity, stance, relation
    """
    rank = {k: i for i, k in enumerate(RECORD_KINDS)}
    top = -1
    top_line = 0
    first: tuple[int, str, str, int] | None = None
    n = 0
    top_kind = ""
    for line, rec in recs:
        kind = rec.get("kind")
        r = rank.get(kind) if isinstance(kind, str) else None
        if r is None:
            continue
        if r < top:
            n += 1
            if first is None:
                first = (line, rec["kind"], top_kind, top_line)
        elif r > top:
            top, top_kind, top_line = r, rec["kind"], line
    if first is None:
        return None
    line, kind, after, after_line = first
    return Finding("layer-order", file, line, "kind",
                   f"a {kind} after {'an' if after[0] in 'aeiou' else 'a'} {after} (line {after_line}), and {n} record(s) out of order in all; "
                   f"expected the order {', '.join(RECORD_KINDS)}")


def provenance_in_raw(recs: list[tuple[int, dict[str, Any]]], file: str) -> list[Finding]:
    """A ``provenance-in-raw`` finding for each record of a raw file that carries provenance."""
    return [Finding("provenance-in-raw", file, line, "provenance",
                    "provenance belongs to gold records only (geostance adjudicate writes it); remove it from an annotator's raw file")
            for line, rec in recs if "provenance" in rec]


def mixed_versions(recs: list[tuple[int, dict[str, Any]]], file: str) -> Finding | None:
    """One ``mixed-schema-versions`` finding if the records of a file are not all
    of one schema_version (the first record's sets the file's version).

    >>> r = lambda v: {"schema_version": v}
    >>> mixed_versions([(1, r("1.1")), (2, r("1.1"))], "f") is None
    True
    >>> print(mixed_versions([(1, r("1.1")), (2, r("1.0")), (3, r("1.0"))], "f").render())
    f:2: [E214 mixed-schema-versions] schema_version: is "1.0" on 2 record(s), from line 2; the file's first record has "1.1" (one version per file)
    """
    first: str | None = None
    odd: list[tuple[int, str]] = []
    for line, rec in recs:
        v = rec.get("schema_version")
        if not isinstance(v, str) or v not in SCHEMA_VERSIONS:
            continue  # reported by the schema check
        if first is None:
            first = v
        elif v != first:
            odd.append((line, v))
    if not odd:
        return None
    line, v = odd[0]
    return Finding("mixed-schema-versions", file, line, "schema_version",
                   f'is "{v}" on {len(odd)} record(s), from line {line}; the file\'s first record has "{first}" (one version per file)')


def validate_file(path: Path, store: DocumentStore, report: Report, expected_doc: str | None = None,
                  max_bytes: int | None = DEFAULT_MAX_BYTES, root: Path | None = None) -> None:
    """Levels 1 to 4 over one annotation file. ``root``: the dataset folder the
    file must stay inside (a link out of it is reported, not followed)."""
    with _no_gc():
        _validate_file(path, store, report, expected_doc, max_bytes, root)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: parsing a file allocates one
    object per value, and each collection would walk all the records read so
    far (a file of 700,000 records spent half its time there). Records hold
    no cycles; reference counting frees them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _validate_file(path: Path, store: DocumentStore, report: Report, expected_doc: str | None,
                   max_bytes: int | None, root: Path | None) -> None:
    name = store.display(path)
    report.files += 1
    mode = None
    if root is not None:
        mode = lstat_mode(path)
        if outside_by_mode(path, mode, root):
            report.add(Finding("link-outside-dataset", name, 0, "", f"is a symbolic link to {os.readlink(path) if os.path.islink(path) else os.path.realpath(path)}, which lies outside the dataset folder; expected a file inside it (not read)"))
            return
    data, found = jsonl.read_data(path, name, max_bytes, mode)
    if data is None:
        report.extend(found)
        return
    recs, found = jsonl.parse(data, name)
    unparsed = unparsed_lines(data, found)
    del data
    validate_records(recs, name, store, report, expected_doc, early=found, unparsed=unparsed, raw=is_raw_path(path))


def _check_layout_names(path: Path, store: DocumentStore, report: Report) -> None:
    """Raw files are named <doc_id>/<annotator>.jsonl: both must be safe ids."""
    parts = path.parts
    if not (len(parts) >= 4 and parts[-3] == "raw" and parts[-4] == "annotations"):
        return
    if not is_annotator_id(path.stem):
        report.add(Finding("unsafe-doc-id", store.display(path), 0, "", f"annotator id {path.stem!r} (the file name) is not a safe, unreserved annotator id"))


def validate_paths(paths: Iterable[Path], report: Report, documents: Path | None = None,
                   max_bytes: int | None = DEFAULT_MAX_BYTES, jobs: int = 1) -> None:
    """Validate dataset roots, folders and files; findings go to ``report``.

    ``jobs > 1``: the documents of a dataset folder are validated in that
    many worker processes, a chunk of documents at a time; the report is the
    same as with one job, finding for finding and in the same order."""
    layout.forget_folders()  # folders may have changed since the last call
    for path in paths:
        path = Path(os.path.abspath(path))
        if path.exists() and not path.is_dir() and not path.is_file():  # a FIFO, socket or device named on the command line
            report.files += 1
            report.add(Finding("not-a-regular-file", display_path(path, None), 0, "", not_regular_reason(path)))
            continue
        path = path.resolve()
        root = find_dataset_root(path if path.is_dir() else path.parent)
        folder = documents or ((root / "documents") if root else default_dataset_root() / "documents")
        display_root = root.parent if root else None
        store = DocumentStore(folder, display_root)
        store.max_bytes = max_bytes
        store.root = root if documents is None else None
        docs: list[str] = []
        inside = root if root is not None and path.is_dir() else None
        if path.is_dir() and (path / "documents").is_dir():
            docs, files = dataset_files(path)
            # one document's files together, so its text is read once
            files.sort(key=lambda f: (doc_from_path(f) or "", str(f)))
            if not files and not docs:
                report.add(Finding("no-annotation-files", display_path(path / "annotations", display_root), 0, "",
                                   "the dataset folder holds no document record and no annotation file; expected documents/<doc_id>.jsonl and annotations/raw/<doc_id>/<annotator>.jsonl or annotations/gold/<doc_id>.jsonl"))
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*.jsonl"))
            inside = path
            if not files:
                report.add(Finding("no-annotation-files", display_path(path / "annotations", display_root), 0, "",
                                   "the folder holds no *.jsonl file; expected annotation files (one JSON object per line)"))
        else:
            files = [path]
        if jobs > 1 and docs:
            _validate_in_parallel(files, store, report, max_bytes, inside, jobs)
            files = []
        for f in files:
            if f.parent.name == "documents" and f.parent.resolve() == folder.resolve():
                store.get(f.stem, report)
                continue
            _check_layout_names(f, store, report)
            validate_file(f, store, report, doc_from_path(f), max_bytes, inside)
        for d in docs:  # documents that no annotation file named
            if d not in store.checked:
                store.get(d, report)


CHUNK_DOCS = 64  # documents per unit of work of validate --jobs


def _chunks(files: list[Path]) -> list[list[Path]]:
    """The files (sorted by document) in chunks of about ``CHUNK_DOCS``
    documents, never splitting one document's files."""
    out: list[list[Path]] = []
    cur: list[Path] = []
    n_docs = 0
    last: str | None = None
    for f in files:
        d = doc_from_path(f)
        if d != last:
            if n_docs >= CHUNK_DOCS:
                out.append(cur)
                cur, n_docs = [], 0
            n_docs += 1
            last = d
        cur.append(f)
    if cur:
        out.append(cur)
    return out


_UNIT: dict[str, Any] = {}  # what every unit of a parallel run shares, set before the workers fork


def _validate_unit(files: list[Path]) -> tuple[Report, list[str]]:
    """One chunk of a parallel run (in a worker process): its report and the
    documents it checked."""
    u = _UNIT
    store = DocumentStore(u["folder"], u["display_root"])
    store.max_bytes, store.root = u["max_bytes"], u["root"]
    report = Report(None, u["max_per_file"])
    for f in files:
        _check_layout_names(f, store, report)
        validate_file(f, store, report, doc_from_path(f), u["max_bytes"], u["inside"])
    return report, sorted(store.checked)


def _validate_in_parallel(files: list[Path], store: DocumentStore, report: Report, max_bytes: int | None,
                          inside: Path | None, jobs: int) -> None:
    """The annotation files of a dataset folder in ``jobs`` forked worker
    processes; the chunk reports are merged in order, so the report is the
    one a single process gives. Memory: each worker holds one chunk."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = _chunks(files)
    if len(chunks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for f in files:
            _check_layout_names(f, store, report)
            validate_file(f, store, report, doc_from_path(f), max_bytes, inside)
        return
    _UNIT.update(folder=store.folder, display_root=store.display_root, root=store.root, max_bytes=max_bytes,
                 max_per_file=report.max_per_file, inside=inside)
    try:
        with ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=multiprocessing.get_context("fork")) as pool:
            for part, checked in pool.map(_validate_unit, chunks):
                report.merge(part)
                store.checked.update(checked)
    finally:
        _UNIT.clear()


def validate(paths: Iterable[Path] | None = None, max_per_id: int | None = None, documents: Path | None = None,
             max_bytes: int | None = DEFAULT_MAX_BYTES, max_per_file: int | None = DEFAULT_MAX_PER_FILE,
             jobs: int = 1) -> Report:
    """Library entry point: validate ``paths`` (default: the whole dataset).

    ``max_bytes`` bounds each file's size (``None``: no bound);
    ``max_per_file`` keeps at most that many findings of one id per file
    (all are counted; ``None``: keep all); ``max_per_id`` at most that many of
    one id in all; ``jobs`` worker processes validate a dataset folder's
    documents (the report is the same)."""
    report = Report(max_per_id, max_per_file)
    validate_paths(list(paths) if paths else [default_dataset_root()], report, documents, max_bytes, jobs)
    return report


# ---------------------------------------------------------------- CLI


