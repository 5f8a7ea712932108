"""Interoperability with annotation tools: brat standoff and Label Studio JSON.

Each format module has a pure ``export`` (records and text in, the tool's
file content out) and a pure ``to_records`` (the tool's file content and
the text in, geostance records out); :mod:`geostance.contributing.interop.importing`
and :mod:`geostance.contributing.interop.exporting` are the command-line verbs. What
each format carries, and how, is stated in its module's docstring and in
CONTRIBUTING.md. Imported records are always validated before they are
written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geostance.core import jsonl, paths
from geostance.core.findings import Report
from geostance.validation.documents import Document, DocumentStore, load_document
from geostance.validation.validator import validate_records

Rec = dict[str, Any]


class InteropError(Exception):
    """A file cannot be converted; the message names the file, line and problem."""


def escape_note(note: str) -> str:
    r"""A note on one line: backslash, newline, carriage return and tab escaped.

    >>> escape_note("two\nlines\\and\ta tab")
    'two\\nlines\\\\and\\ta tab'
    >>> unescape_note(escape_note("a\\nb\n\\")) == "a\\nb\n\\"
    True
    """
    return note.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def unescape_note(s: str) -> str:
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            out.append({"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def dataset_document(root: Path, doc_id: str) -> Document | None:
    """The dataset's document ``doc_id`` with its text, or None."""
    doc, _ = load_document(paths.documents_dir(root), doc_id, root.parent)
    return doc if doc is not None and doc.text is not None else None


def dataset_sentences(root: Path, doc_id: str) -> list[Rec]:
    """The sentence records of a document in the dataset: from gold if there
    is gold, else from the first annotator's file (by name) that has any."""
    candidates = [paths.gold_path(root, doc_id)] + [paths.raw_path(root, doc_id, a) for a in paths.annotators(root, doc_id)]
    for p in candidates:
        if not p.is_file():
            continue
        try:
            sents = [r for r in jsonl.load_records(p) if r.get("kind") == "sentence"]
        except ValueError:
            continue
        if sents:
            return sents
    return []


def check_records(recs: list[Rec], doc_id: str, text: str, record: Rec | None = None, display: str = "(imported)") -> Report:
    """Validate records of ``doc_id`` against ``text`` in memory (levels 2 to 4)."""
    store = DocumentStore(Path("."), None)
    store.cache[doc_id] = Document(record or {"doc_id": doc_id}, text)
    store.checked.add(doc_id)
    report = Report()
    validate_records(list(enumerate(recs, 1)), display, store, report, expected_doc=doc_id)
    return report


def sentence_evidence(text: str, sentences: list[Rec], start: int, end: int) -> Rec | None:
    """The evidence span a stance gets on request (``--default-stance-evidence``): the sentence
    holding ``start:end``, without the white space and punctuation at its edges.

    >>> sentence_evidence("Hi. \u201cWe back Kyiv.\u201d", [{"start": 4, "end": 19}], 8, 12)
    {'start': 5, 'end': 17, 'text': 'We back Kyiv'}
    """
    import unicodedata

    for s in sentences:
        if s["start"] <= start and end <= s["end"]:
            a, b = s["start"], s["end"]
            while a < b and (text[a].isspace() or unicodedata.category(text[a]).startswith("P")):
                a += 1
            while b > a and (text[b - 1].isspace() or unicodedata.category(text[b - 1]).startswith("P")):
                b -= 1
            return {"start": a, "end": b, "text": text[a:b]} if a < b else None
    return None


def utf16_to_codepoints(text: str) -> list[int]:
    """Map every UTF-16 code-unit offset of ``text`` to its code-point offset
    (-1 where an offset falls inside a surrogate pair).

    >>> utf16_to_codepoints("a\U0001F600b")
    [0, 1, -1, 2, 3]
    """
    out = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(-1)
    out.append(len(text))
    return out


def codepoints_to_utf16(text: str) -> list[int]:
    """Map every code-point offset of ``text`` to its UTF-16 code-unit offset.

    >>> codepoints_to_utf16("a\U0001F600b")
    [0, 1, 3, 4]
    """
    out = [0]
    n = 0
    for ch in text:
        n += 2 if ord(ch) > 0xFFFF else 1
        out.append(n)
    return out


def settle_version(recs: list[Rec], file: str, default_stance_modality: str | None, filled: list[str]) -> list[Rec]:
    """Give imported records one schema version, as the file's content decides.

    Stances that carry a modality make a schema 1.1 file, and then every
    stance needs one: those without take ``default_stance_modality`` (noted
    in ``filled``), or the import fails naming them. A file whose stances
    carry none (a 1.0 export) gives 1.0 records, unless a default is given;
    a QUESTIONED relation, new in 1.1, needs the stances' modality too.
    Nothing is invented: a modality comes from the file or from the user.
    """
    from geostance.contract.labels import CURRENT_VERSION, SCHEMA_VERSIONS, STANCE_MODALITIES, modalities_of

    stances = [r for r in recs if r["kind"] == "stance"]
    missing = [r["id"] for r in stances if "modality" not in r]
    bad = [(r["id"], r["modality"]) for r in stances if "modality" in r and r["modality"] not in STANCE_MODALITIES]
    if bad:
        raise InteropError(f"{file}: stance modality of {', '.join(f'{i} is {m!r}' for i, m in bad)}; expected one of {', '.join(STANCE_MODALITIES)}")
    needs_new = len(missing) < len(stances) or any(
        r["kind"] == "relation" and r["modality"] not in modalities_of("relation", SCHEMA_VERSIONS[0]) for r in recs)
    if missing and (needs_new or default_stance_modality is not None):
        if default_stance_modality is None:
            raise InteropError(f"{file}: stance(s) {', '.join(missing)} have no modality while the file is of schema {CURRENT_VERSION} "
                               "(other stances carry one, or a relation is QUESTIONED); add it, or import with --default-stance-modality")
        for r in stances:
            if "modality" not in r:
                r["modality"] = default_stance_modality
                filled.append(f"{r['id']}: no stance modality, set to {default_stance_modality}")
    version = SCHEMA_VERSIONS[0] if (missing and default_stance_modality is None) else CURRENT_VERSION
    for r in recs:
        r["schema_version"] = version
    return recs
