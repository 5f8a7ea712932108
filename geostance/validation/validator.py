"""Check files against the data contract, level by level.

Levels, each a module: (1) :mod:`geostance.core.jsonl` bytes, encoding, JSON;
(2) :mod:`geostance.contract.schemas` JSON Schema; (3) :mod:`geostance.validation.semantics`
offsets, ids, references, signatures; (4) :mod:`geostance.validation.consistency`
cross-layer warnings. Every finding has a stable id from
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
import hashlib
import os
import re
import stat
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

from geostance.validation import consistency, semantics
from geostance.core import bounded, jsonl
from geostance.core.bounded import DEFAULT_MAX_BYTES
from geostance.core.findings import DEFAULT_MAX_PER_FILE, Finding, Report
from geostance.contract.labels import RECORD_KINDS, SCHEMA_VERSIONS
from geostance.core.paths import default_dataset_root
from geostance.contract.schemas import ANNOTATION_KINDS, batch_validator, check_record, fast_validator, schema

DOCUMENT_KINDS = frozenset(("document",))


@dataclass
class Document:
    """A document record and its text (``None`` when the text is not shipped)."""

    record: dict[str, Any]
    text: str | None


class DocumentStore:
    """Reads, checks and caches documents from a ``documents/`` folder.

    Findings about a document (its record, its text, its sha256) are reported
    once, the first time the document is asked for.
    """

    def __init__(self, folder: Path, display_root: Path | None = None, cache_size: int = 4) -> None:
        self.folder = folder
        self.display_root = display_root
        self.cache: dict[str, Document | None] = {}
        self.cache_size = cache_size
        self.checked: set[str] = set()
        self.display_folder = _display(folder, display_root)
        self.max_bytes: int | None = DEFAULT_MAX_BYTES
        self.root: Path | None = None  # the dataset folder its files must stay in, when known

    def display(self, p: Path) -> str:
        return _display(p, self.display_root)

    def get(self, doc_id: str, report: Report | None = None) -> Document | None:
        if doc_id in self.cache:
            return self.cache[doc_id]
        doc, found = load_document(self.folder, doc_id, self.display_root, self.display_folder, self.max_bytes, self.root)
        if report is not None and doc_id not in self.checked:
            report.extend(found)
            report.files += 1
            report.records += 1 if doc else 0
        self.checked.add(doc_id)
        if len(self.cache) >= self.cache_size:
            self.cache.pop(next(iter(self.cache)))
        self.cache[doc_id] = doc
        return doc


def _display(p: Path, root: Path | None) -> str:
    if root is not None:
        ps, rs = os.fspath(p), os.fspath(root)
        prefix = rs if rs.endswith(os.sep) else rs + os.sep
        if ps.startswith(prefix) and len(ps) > len(prefix) and isinstance(p, Path) and isinstance(root, Path):
            return ps[len(prefix):]  # what relative_to gives: both are normalised Paths
        try:
            return str(p.relative_to(root))
        except ValueError:
            pass
        try:
            return str(p.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    try:
        return os.path.relpath(p)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(p)


def load_document(folder: Path, doc_id: str, display_root: Path | None = None,
                  display_folder: str | None = None,
                  max_bytes: int | None = DEFAULT_MAX_BYTES,
                  root: Path | None = None) -> tuple[Document | None, list[Finding]]:
    """Read ``<folder>/<doc_id>.jsonl`` and ``.txt`` and check them against each other.

    ``display_folder`` is how findings name ``folder`` (default: relative to
    ``display_root``)."""
    base = os.path.join(folder, doc_id)
    rec_path = base + ".jsonl"
    txt_path = base + ".txt"
    shown = display_folder if display_folder is not None else _display(Path(folder), display_root)
    name = os.path.join(shown, doc_id + ".jsonl")
    txt_name = os.path.join(shown, doc_id + ".txt")
    rec_mode = _lstat_mode(rec_path)  # one lstat per file: whether it is there, a link, a regular file
    if rec_mode is None:
        return None, []
    txt_mode = _lstat_mode(txt_path)
    if root is not None:  # a link out of the dataset folder is not followed
        for p, shown_p, mode in ((rec_path, name, rec_mode), (txt_path, txt_name, txt_mode)):
            if _outside(p, mode, root):
                return None, [Finding("link-outside-dataset", shown_p, 0, "", f"is a symbolic link to {os.readlink(p) if os.path.islink(p) else os.path.realpath(p)}, which lies outside the dataset folder; expected a file inside it (not read)")]
    data, found = jsonl.read_data(rec_path, name, max_bytes, rec_mode)  # a broken link: unreadable-path; a folder: not-a-regular-file
    recs, more = jsonl.parse(data, name) if data is not None else ([], [])
    found.extend(more)
    if len(recs) != 1 or any(f.severity == "error" for f in found):
        if len(recs) > 1:
            found.append(Finding("document-record", name, recs[1][0], "", "a document file holds exactly one document record"))
        return None, found
    line, rec = recs[0]
    ok, sfound = check_record(rec, name, line, DOCUMENT_KINDS)
    found.extend(sfound)
    if not ok:
        return None, found
    if rec["doc_id"] != doc_id:
        found.append(Finding("document-record", name, line, "doc_id", f"is {rec['doc_id']!r}, expected {doc_id!r} (the file name)"))
        return None, found
    if txt_mode is None or (stat.S_ISLNK(txt_mode) and not os.path.exists(txt_path)):
        if rec["text_included"]:
            found.append(Finding("document-record", name, line, "text_included", f"is true but {txt_name} does not exist"))
        return Document(rec, None), found
    try:
        data = bounded.read_bytes(txt_path, max_bytes, txt_mode)
    except bounded.NotRegular as exc:
        found.append(Finding("not-a-regular-file", txt_name, 0, "", str(exc)))
        return None, found
    except bounded.TooLarge as exc:
        found.append(Finding("file-too-large", txt_name, 0, "", f"{exc} (validate --max-bytes sets it); the file is not read"))
        return None, found
    except OSError as exc:
        found.append(Finding("unreadable-path", txt_name, 0, "", f"cannot read the text file: {exc.strerror or exc}"))
        return None, found
    digest = hashlib.sha256(data).hexdigest()
    if digest != rec["sha256"]:
        found.append(Finding("document-sha256-mismatch", name, line, "sha256", f"is {rec['sha256']}, the text file {txt_name} has {digest}"))
        return None, found
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # sha256 matched, so the record itself vouches for bad bytes
        found.append(Finding("invalid-utf8", txt_name, 0, "", f"byte {exc.start} of the text is not valid UTF-8"))
        return None, found
    if len(text) != rec["num_chars"] or type(rec["num_chars"]) is not int:  # 55.0 passes JSON Schema
        found.append(Finding("document-record", name, line, "num_chars", f"is {rec['num_chars']}, the text has {len(text)} characters"))
    return Document(rec, text), found


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
        mode = _lstat_mode(path)
        if _outside(path, mode, root):
            report.add(Finding("link-outside-dataset", name, 0, "", f"is a symbolic link to {os.readlink(path) if os.path.islink(path) else os.path.realpath(path)}, which lies outside the dataset folder; expected a file inside it (not read)"))
            return
    data, found = jsonl.read_data(path, name, max_bytes, mode)
    if data is None:
        report.extend(found)
        return
    recs, found = jsonl.parse(data, name)
    unparsed = unparsed_lines(data, found)
    del data
    validate_records(recs, name, store, report, expected_doc, early=found, unparsed=unparsed, raw=_is_raw(path))


def _is_raw(path: Path) -> bool:
    parts = path.parts
    return len(parts) >= 4 and parts[-3] == "raw" and parts[-4] == "annotations"


def outside(path: Path | str, root: Path) -> bool:
    """Whether ``path``, its links followed, lies outside the folder ``root``.

    Whether a folder lies inside ``root`` is worked out once (a dataset has a
    few folders and many files); a file that is no link costs one ``lstat``.
    A path where nothing is counts as inside (nothing is read there)."""
    return _outside(path, _lstat_mode(path), root)


def _lstat_mode(path: str | os.PathLike[str]) -> int | None:
    """``st_mode`` of an ``lstat`` of ``path``; ``None`` when nothing is there
    (or it cannot be looked at)."""
    try:
        return os.lstat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the name, as os.path.lexists says
        return None


def _outside(path: Path | str, mode: int | None, root: Path) -> bool:
    """:func:`outside`, given the ``lstat`` mode of ``path`` (``None``: nothing there)."""
    if mode is None:
        return False
    path = os.fspath(path)
    if not stat.S_ISLNK(mode):
        key = (os.path.dirname(path), os.fspath(root))
        inside = _FOLDER_INSIDE.get(key)
        if inside is None:
            inside = _FOLDER_INSIDE[key] = _within(_realpath_cached(key[0]), _realpath_cached(key[1]))
        return not inside
    return not _within(os.path.realpath(path), _realpath_cached(os.fspath(root)))


def _within(real: str, base: str) -> bool:
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


_FOLDER_INSIDE: dict[tuple[str, str], bool] = {}


@lru_cache(maxsize=4096)
def _realpath_cached(folder: str) -> str:
    return os.path.realpath(folder)


def _doc_from_path(path: Path) -> str | None:
    """The document a file belongs to by the dataset layout, if it follows it."""
    parts = path.parts
    if len(parts) >= 4 and parts[-3] == "raw" and parts[-4] == "annotations":
        return parts[-2]
    if len(parts) >= 3 and parts[-2] == "gold" and parts[-3] == "annotations":
        return path.stem
    return None


def _check_layout_names(path: Path, store: DocumentStore, report: Report) -> None:
    """Raw files are named <doc_id>/<annotator>.jsonl: both must be safe ids."""
    parts = path.parts
    if not (len(parts) >= 4 and parts[-3] == "raw" and parts[-4] == "annotations"):
        return
    if not is_annotator_id(path.stem):
        report.add(Finding("unsafe-doc-id", store.display(path), 0, "", f"annotator id {path.stem!r} (the file name) is not a safe, unreserved annotator id"))


def is_annotator_id(name: str) -> bool:
    """Whether ``name`` is a safe, unreserved annotator id (schema/defs.schema.json).

    >>> is_annotator_id("llm-1"), is_annotator_id("gold"), is_annotator_id("../x")
    (True, False, False)
    """
    d = schema("defs")["$defs"]["annotator_id"]
    return re.fullmatch(d["pattern"], name) is not None and name != d["not"]["const"]


def is_doc_id(name: str) -> bool:
    """Whether ``name`` is a safe document id (schema/defs.schema.json).

    >>> is_doc_id("china-backs-russia"), is_doc_id("../x"), is_doc_id("a.b")
    (True, False, False)
    """
    d = schema("defs")["$defs"]["doc_id"]
    return len(name) <= d["maxLength"] and re.fullmatch(d["pattern"], name) is not None


def find_dataset_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that has a ``documents/`` folder."""
    p = path.resolve()
    for q in [p, *p.parents]:
        if (q / "documents").is_dir():
            return q
    return None


def dataset_files(root: Path) -> tuple[list[str], list[Path]]:
    """Document ids and annotation files of a dataset root, in a stable order."""
    docs = sorted(p.stem for p in (root / "documents").glob("*.jsonl"))
    files = sorted((root / "annotations" / "raw").glob("*/*.jsonl")) + sorted((root / "annotations" / "gold").glob("*.jsonl"))
    return docs, files


def validate_paths(paths: Iterable[Path], report: Report, documents: Path | None = None,
                   max_bytes: int | None = DEFAULT_MAX_BYTES, jobs: int = 1) -> None:
    """Validate dataset roots, folders and files; findings go to ``report``.

    ``jobs > 1``: the documents of a dataset folder are validated in that
    many worker processes, a chunk of documents at a time; the report is the
    same as with one job, finding for finding and in the same order."""
    _realpath_cached.cache_clear()  # folders may have changed since the last call
    _FOLDER_INSIDE.clear()
    for path in paths:
        path = Path(os.path.abspath(path))
        if path.exists() and not path.is_dir() and not path.is_file():  # a FIFO, socket or device named on the command line
            report.files += 1
            report.add(Finding("not-a-regular-file", _display(path, None), 0, "", _not_regular_reason(path)))
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
            files.sort(key=lambda f: (_doc_from_path(f) or "", str(f)))
            if not files and not docs:
                report.add(Finding("no-annotation-files", _display(path / "annotations", display_root), 0, "",
                                   "the dataset folder holds no document record and no annotation file; expected documents/<doc_id>.jsonl and annotations/raw/<doc_id>/<annotator>.jsonl or annotations/gold/<doc_id>.jsonl"))
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*.jsonl"))
            inside = path
            if not files:
                report.add(Finding("no-annotation-files", _display(path / "annotations", display_root), 0, "",
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
            validate_file(f, store, report, _doc_from_path(f), max_bytes, inside)
        for d in docs:  # documents that no annotation file named
            if d not in store.checked:
                store.get(d, report)


CHUNK_DOCS = 64  # documents per unit of work of validate --jobs


def default_jobs() -> int:
    """One worker per core this process may use (at most 8), as ``build`` does."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(n, 8))


def _chunks(files: list[Path]) -> list[list[Path]]:
    """The files (sorted by document) in chunks of about ``CHUNK_DOCS``
    documents, never splitting one document's files."""
    out: list[list[Path]] = []
    cur: list[Path] = []
    n_docs = 0
    last: str | None = None
    for f in files:
        d = _doc_from_path(f)
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
        validate_file(f, store, report, _doc_from_path(f), u["max_bytes"], u["inside"])
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
            validate_file(f, store, report, _doc_from_path(f), max_bytes, inside)
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


def _not_regular_reason(path: Path) -> str:
    try:
        bounded.check_regular(path)
    except OSError as exc:
        return str(exc) if isinstance(exc, bounded.NotRegular) else f"cannot be looked at: {exc.strerror or exc}"
    return "not a regular file"  # pragma: no cover - changed meanwhile


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


