"""Add an annotator's file or a new document, safely.

Two contributions, each validated in full before anything is written:

* ``annotations FILE --doc DOC --annotator ID``: one annotator's records
  for a document the dataset has; stored as
  ``annotations/raw/DOC/ID.jsonl``;
* ``document TEXT --doc DOC --title ... --language ... --source-note ...
  --text-rights ...`` (optionally ``--annotations FILE --annotator ID``): a
  new article (its text byte for byte and its document record) with, if
  given, its first annotator's records.

Safety rules:

* ids are checked before any path is built from them: the document id and
  the annotator id must match their patterns in ``schema/defs.schema.json``
  (no path separator, no dot, no traversal), ``gold`` is reserved for
  annotators, and names that Windows cannot create (``con``, ``nul``,
  ``com1`` ...) are refused for both, so the dataset clones everywhere;
* a file with any validation error is refused and the validator's findings
  are printed; warnings are printed and do not block;
* records are stored in canonical form (:mod:`geostance.contract.records`), so the
  same records give the same bytes whatever the contributor's formatting;
  the same contribution twice changes nothing and says so;
* an annotator's existing file is replaced only with ``--replace``: the
  previous version is kept in ``annotations/raw/DOC/.history/ID.<sha8>.jsonl.bak``
  (``sha8``: the first 8 hex digits of its sha256; the ``.bak`` suffix keeps
  it out of every ``*.jsonl`` glob, so the validator and the build ignore it)
  and the differences are reported layer by layer;
* a document's text or record is never replaced by ``contribute``: a
  changed text would move every offset of every annotation;
* all files of one contribution are written as one transaction
  (:mod:`geostance.contributing.transaction`): a failure or a kill leaves the dataset as
  it was before, or (once complete) as after.

The planning functions are pure (bytes in, planned writes out); :func:`run`
does the I/O.

The command line (``geostance contribute``) is :mod:`geostance.cli.contribute`.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.core import jsonl, lock, paths
from geostance.contract import records
from geostance.contributing import transaction
from geostance.core.findings import Finding, Report
from geostance.contract.labels import SCHEMA_VERSION
from geostance.contract.schemas import check_record, schema
from geostance.validation.documents import DocumentStore, load_document
from geostance.validation.validator import validate_records

WINDOWS_RESERVED = paths.WINDOWS_RESERVED
HISTORY = ".history"


class ContributeError(Exception):
    """A contribution is refused; ``str(exc)`` says why, ``status`` is the exit code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------ ids


def _defs() -> dict[str, Any]:
    return schema("defs")["$defs"]


def reserved_annotator_ids() -> frozenset[str]:
    """Annotator ids no contributor may use: the schema's (``gold``) and Windows device names."""
    return frozenset([_defs()["annotator_id"]["not"]["const"]]) | WINDOWS_RESERVED


def id_problem(value: str, what: str) -> str | None:
    """Why ``value`` is not a usable ``what`` id ("document" or "annotator"), or None:
    :func:`geostance.core.paths.id_problem`, the one check of every id a verb accepts.

    >>> id_problem("china-backs-russia", "document") is None
    True
    >>> id_problem("gold", "annotator")
    "annotator id 'gold' is reserved"
    """
    return paths.id_problem(value, what)


def check_id(value: str, what: str) -> str:
    problem = id_problem(value, what)
    if problem:
        raise ContributeError(problem, status=2)
    return value


# ------------------------------------------------------------------ plans


@dataclass
class Plan:
    """What a contribution will write, and what to tell the contributor."""

    label: str
    writes: list[tuple[Path, bytes]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    unchanged: bool = False


def plural(kind: str, n: int) -> str:
    """``entity`` -> ``entities`` when ``n`` is not 1.

    >>> plural("entity", 2), plural("mention", 1), plural("stance", 0)
    ('entities', 'mention', 'stances')
    """
    if n == 1:
        return kind
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


def sha8(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def history_path(root: Path, doc_id: str, annotator: str, old: bytes) -> Path:
    """Where the replaced version ``old`` of an annotator's file is kept."""
    return paths.raw_dir(root, doc_id) / HISTORY / f"{annotator}.{sha8(old)}.jsonl.bak"


def check_annotation_bytes(data: bytes, display: str, doc_id: str, store: DocumentStore) -> tuple[list[dict[str, Any]], Report]:
    """Parse and validate one annotator's file for ``doc_id``; returns its records and the report.

    Raw annotation files hold no ``provenance`` (gold only): a record with one
    is reported as an ``unknown-field`` error.
    """
    report = Report()
    recs, found = jsonl.parse(data, display)
    report.files += 1
    report.extend(found)
    for line, rec in recs:
        if isinstance(rec, dict) and "provenance" in rec:
            report.add(Finding("unknown-field", display, line, "provenance",
                               "provenance belongs to gold records only (written by 'geostance adjudicate'); remove it from an annotator's file"))
    validate_records(recs, display, store, report, expected_doc=doc_id)
    return [r for _, r in recs], report


def _refuse_report(report: Report, what: str) -> ContributeError:
    return ContributeError(f"{what} has {report.errors} error(s); nothing was written.\n{report.render_text()}")


def diff_records(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """Per layer: records added, removed and changed (by id), with the changed fields.

    >>> a = [{"kind": "mention", "id": "m1", "type": "GPE"}, {"kind": "mention", "id": "m2", "type": "ORG"}]
    >>> b = [{"kind": "mention", "id": "m1", "type": "ORG"}, {"kind": "mention", "id": "m3", "type": "ORG"}]
    >>> diff_records(a, b)
    ['mention: 1 added (m3), 1 removed (m2), 1 changed (m1: type)']
    >>> diff_records(a, a)
    []
    """
    out = []
    old_by = records.by_layer(old)
    new_by = records.by_layer(new)
    for kind in records.LAYERS:
        o = {r.get("id"): r for r in old_by.get(kind, [])}
        n = {r.get("id"): r for r in new_by.get(kind, [])}
        added = [i for i in n if i not in o]
        removed = [i for i in o if i not in n]
        changed = []
        for i in n:
            if i in o and o[i] != n[i]:
                fields = sorted(k for k in set(o[i]) | set(n[i]) if o[i].get(k) != n[i].get(k))
                changed.append(f"{i}: {', '.join(fields)}")
        if not (added or removed or changed):
            continue
        parts = []
        for label, items in (("added", added), ("removed", removed), ("changed", changed)):
            if items:
                shown = "; ".join(items[:12]) if label == "changed" else ", ".join(items[:20])
                more = f" and {len(items) - (12 if label == 'changed' else 20)} more" if len(items) > (12 if label == "changed" else 20) else ""
                parts.append(f"{len(items)} {label} ({shown}{more})")
        out.append(f"{kind}: " + ", ".join(parts))
    return out


def plan_annotations(root: Path, doc_id: str, annotator: str, data: bytes, display: str,
                     replace: bool = False, store: DocumentStore | None = None) -> Plan:
    """Plan storing ``data`` as ``annotator``'s file for ``doc_id`` (a document the dataset has,
    or the one ``store`` holds)."""
    check_id(doc_id, "document")
    check_id(annotator, "annotator")
    if store is None:
        store = DocumentStore(paths.documents_dir(root), root.parent)
        doc, found = load_document(paths.documents_dir(root), doc_id, root.parent)
        if doc is None:
            if not found:
                raise ContributeError(
                    f"the dataset {root} has no document {doc_id!r} ({paths.document_record_path(root, doc_id)} does not exist); "
                    "add it with 'geostance contribute document'", status=1)
            raise ContributeError("the document is not valid:\n" + "\n".join("  " + f.render() for f in found))
        if doc.text is None:
            raise ContributeError(f"document {doc_id!r} is shipped without its text; restore the text before adding annotations")
    recs, report = check_annotation_bytes(data, display, doc_id, store)
    if report.errors:
        raise _refuse_report(report, display)
    new_bytes = records.to_bytes(recs)
    target = paths.raw_path(root, doc_id, annotator)
    plan = Plan(label=f"contribute annotations {doc_id}/{annotator}")
    if report.warnings:
        plan.lines.append(f"{display}: {report.warnings} warning(s) (they do not block a contribution):")
        plan.lines.extend("  " + f.render() for f in report.kept if f.severity == "warning")
    counts = {k: len(v) for k, v in records.by_layer(recs).items()}
    summary = ", ".join(f"{n} {plural(k, n)}" for k, n in counts.items())
    shown = target.relative_to(root.parent) if root.parent in target.parents else target
    if target.exists():
        old = target.read_bytes()
        if old == new_bytes:
            plan.unchanged = True
            plan.lines.append(f"unchanged: {shown} already holds exactly these records ({summary}); nothing was written")
            return plan
        try:
            old_recs = jsonl.load_records(target)
        except ValueError:
            old_recs = []
        if old_recs == recs:  # the same records, stored in another layout (e.g. spaced JSON): leave the file as it is
            plan.unchanged = True
            plan.lines.append(f"unchanged: {shown} already holds exactly these records ({summary}); nothing was written")
            return plan
        diff = diff_records(old_recs, recs)
        if not replace:
            lines = [f"{shown} exists and differs from {display}:"] + ["  " + d for d in diff or ["(the same records in another order)"]]
            lines.append("nothing was written; rerun with --replace to replace it (the previous version is kept in .history/)")
            raise ContributeError("\n".join(lines))
        keep = history_path(root, doc_id, annotator, old)
        if not keep.exists():
            plan.writes.append((keep, old))
        plan.writes.append((target, new_bytes))
        keep_shown = keep.relative_to(root.parent) if root.parent in keep.parents else keep
        plan.lines.append(f"replaced {shown} ({summary}); the previous version is kept as {keep_shown}")
        plan.lines.append("differences (previous -> new):")
        plan.lines.extend("  " + d for d in diff or ["(the same records in another order)"])
    else:
        plan.writes.append((target, new_bytes))
        plan.lines.append(f"added {shown} ({summary})")
    return plan


def document_record(doc_id: str, text_bytes: bytes, meta: dict[str, Any]) -> dict[str, Any]:
    """The document record of a new text (fields in schema order).

    ``meta`` holds title, language, publisher, url, date, source_note,
    text_rights, annotations_rights, annotations_license, text_included and
    an optional note.
    """
    text = text_bytes.decode("utf-8")
    rec: dict[str, Any] = {
        "kind": "document",
        "schema_version": SCHEMA_VERSION,
        "doc_id": doc_id,
        "title": meta["title"],
        "language": meta["language"],
        "sha256": hashlib.sha256(text_bytes).hexdigest(),
        "num_chars": len(text),
        "text_included": bool(meta.get("text_included", True)),
        "source": {
            "publisher": meta.get("publisher"),
            "url": meta.get("url"),
            "date": meta.get("date"),
            "note": meta["source_note"],
        },
        "rights": {
            "text": meta["text_rights"],
            "annotations": meta["annotations_rights"],
            "annotations_license": meta["annotations_license"],
        },
    }
    if meta.get("note"):
        rec["note"] = meta["note"]
    return rec


def check_text(data: bytes, display: str) -> str:
    """The text of a new document: UTF-8 without BOM, not blank."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise ContributeError(f"{display}: the text starts with a UTF-8 byte-order mark; remove it (offsets would count it)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContributeError(f"{display}: byte {exc.start} is not valid UTF-8; expected a UTF-8 text file") from None
    if not text.strip():
        raise ContributeError(f"{display}: the text is empty")
    return text


def plan_document(root: Path, doc_id: str, text_bytes: bytes, text_display: str, meta: dict[str, Any],
                  annotations: tuple[str, bytes, str] | None = None, replace: bool = False) -> Plan:
    """Plan adding a new document (and, with ``annotations`` = (annotator, bytes, display), its first annotations)."""
    check_id(doc_id, "document")
    if annotations is not None:
        check_id(annotations[0], "annotator")
    check_text(text_bytes, text_display)
    rec = document_record(doc_id, text_bytes, meta)
    ok, found = check_record(rec, "the document record", 1, frozenset(("document",)))
    if not ok:
        raise ContributeError("the document record built from the options is not valid:\n" + "\n".join("  " + f.render().replace("the document record:1: ", "") for f in found), status=2)
    rec_bytes = jsonl.dumps(rec)
    rec_path = paths.document_record_path(root, doc_id)
    txt_path = paths.text_path(root, doc_id)
    plan = Plan(label=f"contribute document {doc_id}")
    exists = rec_path.exists()
    if exists:
        old_rec = rec_path.read_bytes()
        old_txt = txt_path.read_bytes() if txt_path.exists() else None
        same_text = old_txt == text_bytes if rec["text_included"] else True
        if old_rec != rec_bytes or not same_text:
            what = "text" if not same_text else "record"
            raise ContributeError(
                f"the dataset already has a document {doc_id!r} and its {what} differs from this contribution; "
                "contribute never replaces a document (its annotations' offsets depend on it). "
                "Choose another document id, or ask a maintainer to change the document by hand.")
        plan.lines.append(f"unchanged: document {doc_id!r} is already in the dataset with this text and record")
    else:
        if rec["text_included"]:
            plan.writes.append((txt_path, text_bytes))
        plan.writes.append((rec_path, rec_bytes))
        plan.lines.append(f"added document {doc_id!r}: {rec['num_chars']} characters, sha256 {rec['sha256'][:12]}...")
    if annotations is not None:
        annotator, data, display = annotations
        with tempfile.TemporaryDirectory() as tmp:
            docs = Path(tmp) / "documents"
            docs.mkdir()
            (docs / f"{doc_id}.jsonl").write_bytes(rec_bytes)
            (docs / f"{doc_id}.txt").write_bytes(text_bytes)
            store = DocumentStore(docs, Path(tmp))
            sub = plan_annotations(root, doc_id, annotator, data, display, replace, store=store)
        plan.writes.extend(sub.writes)
        plan.lines.extend(sub.lines)
        plan.unchanged = not plan.writes
    else:
        plan.unchanged = exists
    # the text goes first: until the record exists, no reader sees the document
    plan.writes.sort(key=lambda w: 0 if w[0] == txt_path else 1 if w[0] == rec_path else 2)
    return plan


def apply(root: Path, plan: Plan, wait: float = lock.DEFAULT_WAIT) -> None:
    """Write a plan's files as one transaction (under the dataset's lock)."""
    t = transaction.Transaction(root, plan.label, wait)
    for p, data in plan.writes:
        t.put(p, data)
    t.commit()


def next_steps(root: Path, doc_id: str) -> list[str]:
    """What to run after a contribution, given the annotators the document now has."""
    anns = paths.annotators(root, doc_id)
    lines = ["next steps:"]
    if len(anns) < 2:
        lines.append(f"  {doc_id} has {len(anns)} annotator(s) ({', '.join(anns) or 'none'}); agreement and adjudication need two.")
        lines.append(f"  add a second annotator:  geostance contribute annotations FILE --doc {doc_id} --annotator ID")
        return lines
    lines.append(f"  1. agreement between {', '.join(anns)}:")
    lines.append(f"       geostance agree {doc_id}")
    lines.append("  2. adjudication: write the worksheet of disagreements, decide each one in it, then apply it:")
    lines.append(f"       geostance adjudicate {doc_id} --worksheet {doc_id}.worksheet.jsonl")
    lines.append(f"       geostance adjudicate {doc_id} --apply {doc_id}.worksheet.jsonl")
    lines.append("  3. check and rebuild:  geostance validate && geostance build")
    return lines


# ------------------------------------------------------------------ CLI


def shared_annotation_rights(root: Path) -> tuple[str, str] | None:
    """(rights statement, licence) of the annotations if every existing document has the same."""
    seen = set()
    for doc_id in paths.doc_ids(root):
        try:
            rec = jsonl.load_records(paths.document_record_path(root, doc_id))[0]
            seen.add((rec["rights"]["annotations"], rec["rights"]["annotations_license"]))
        except (ValueError, KeyError, IndexError, TypeError):
            return None
    return next(iter(seen)) if len(seen) == 1 else None


