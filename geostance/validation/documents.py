"""The documents a dataset folder holds: their records and texts, read once and checked against each other.

:func:`load_document` reads ``documents/<doc_id>.jsonl`` and ``.txt`` (regular
files inside the dataset only, never through a link that leaves it) and
checks the record against its schema and the text against the record's
sha256 and length; :class:`DocumentStore` caches them for a validation run."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.core import bounded, jsonl
from geostance.core.bounded import DEFAULT_MAX_BYTES
from geostance.core.findings import Finding, Report
from geostance.contract.schemas import check_record
from geostance.validation.layout import display_path, lstat_mode, outside_by_mode


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
        self.display_folder = display_path(folder, display_root)
        self.max_bytes: int | None = DEFAULT_MAX_BYTES
        self.root: Path | None = None  # the dataset folder its files must stay in, when known

    def display(self, p: Path) -> str:
        return display_path(p, self.display_root)

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
    shown = display_folder if display_folder is not None else display_path(Path(folder), display_root)
    name = os.path.join(shown, doc_id + ".jsonl")
    txt_name = os.path.join(shown, doc_id + ".txt")
    rec_mode = lstat_mode(rec_path)  # one lstat per file: whether it is there, a link, a regular file
    if rec_mode is None:
        return None, []
    txt_mode = lstat_mode(txt_path)
    if root is not None:  # a link out of the dataset folder is not followed
        for p, shown_p, mode in ((rec_path, name, rec_mode), (txt_path, txt_name, txt_mode)):
            if outside_by_mode(p, mode, root):
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
