"""``geostance import``: a brat or Label Studio annotation -> a geostance JSONL file.

The result is validated against the document text (all four levels) before
it is written; a file that would not validate is refused with the findings.
Then ``geostance contribute annotations OUT --doc DOC --annotator ID`` adds
it to the dataset.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geostance.core import atomic, paths
from geostance.contract import records
from geostance.contributing.contribute import plural
from geostance.contributing.interop import InteropError, brat, check_records, dataset_document, dataset_sentences, labelstudio
from geostance.contract.labels import AUTHOR, MODALITIES, STANCE_MODALITIES

HELP = "convert a brat or Label Studio annotation into a geostance JSONL file"
DESCRIPTION = f"""\
Convert one annotator's work in brat or Label Studio into a geostance
annotation file, checked against the document text.

  geostance import brat DOC.ann [--doc DOC] --out FILE.jsonl
      reads DOC.ann and the DOC.txt beside it (brat standoff; offsets in
      code points). The text must be the dataset's document text, byte for
      byte, when the dataset has the document.

  geostance import labelstudio EXPORT.json [--doc DOC] --out FILE.jsonl
      reads a Label Studio JSON export (a list of tasks; the task whose
      data.doc_id is DOC, or the only one). Offsets are read as code points
      (Label Studio 1.4 and later) and checked against each span's
      value.text; a span that does not match is read as UTF-16 code units
      (earlier versions); one that matches neither is refused.

What each format carries, and the encoding of what the tools have no field
for (entity ids and names, relation modality and source, stances), is in
CONTRIBUTING.md and in the docstrings of geostance.contributing.interop.brat and
geostance.contributing.interop.labelstudio. A file with no sentence spans takes the
document's sentences from the dataset (gold, else the first annotator).
Relations whose modality or source the file does not give are refused,
unless --default-modality (one of {", ".join(MODALITIES)}) and
--default-source-author ({AUTHOR}) fill them; every value filled in is
reported.

A stance drawn as a relation (brat) or an arrow (Label Studio) with no
evidence is refused, unless --default-stance-evidence gives it the sentence
of its holder mention. A brat file with no Sentence spans, of a document the
dataset has no sentences for, is segmented by the scheme's sentence rules.

--out is never replaced without --force, and no folder is created for it.

Exit status: 0 written, 1 refused (the conversion or the validation
failed, or JSON nested too deeply to read), 2 usage error (input missing, unreadable or a folder; --out a
folder, an existing file without --force, or in a folder that does not
exist).
"""
EPILOG = """\
examples:
  geostance import brat annotations/kyiv-talks.ann --out kyiv-talks.alice.jsonl
  geostance import labelstudio project-3-at-2026-11-02.json --doc kyiv-talks --out kyiv-talks.bob.jsonl
  geostance contribute annotations kyiv-talks.bob.jsonl --doc kyiv-talks --annotator bob
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("format", choices=("brat", "labelstudio"), help="the tool's format")
    p.add_argument("source", type=Path, metavar="FILE", help="the .ann file (brat) or the JSON export (Label Studio)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="the geostance JSONL file to write")
    p.add_argument("--doc", default=None, metavar="DOC",
                   help="the document id (default: the .ann file's name; Label Studio: the task's data.doc_id)")
    p.add_argument("--dataset", dest="dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: as geostance validate)")
    p.add_argument("--annotation-id", default=None, metavar="ID", help="Label Studio: which annotation of the task to import")
    p.add_argument("--default-modality", choices=MODALITIES, default=None,
                   help="modality of relations whose file gives none (otherwise they are refused)")
    p.add_argument("--default-stance-modality", choices=STANCE_MODALITIES, default=None,
                   help="modality of stances whose file gives none (schema 1.1; without it a file whose stances carry no "
                        "modality is imported as schema 1.0, and one where only some carry it is refused)")
    p.add_argument("--default-stance-evidence", action="store_true",
                   help="give a stance drawn as a relation or arrow without evidence the sentence of its holder mention as evidence "
                        "(otherwise it is refused)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists (otherwise an existing file is refused)")
    p.add_argument("--default-source-author", action="store_true",
                   help=f"set the source of stances and relations whose file gives none to {AUTHOR} (otherwise they are refused)")


def convert(fmt: str, source: Path, doc_id: str | None, root: Path, annotation_id: str | None = None,
            default_modality: str | None = None, default_source_author: bool = False,
            default_stance_modality: str | None = None, default_stance_evidence: bool = False) -> tuple[str, list[dict], list[str], str]:
    """Read and convert; returns (doc id, records, notes, text)."""
    problem = None if doc_id is None else paths.id_problem(doc_id, "document")  # a given id: checked before anything
    if problem:
        raise InteropError(problem)
    if fmt == "brat":
        doc_id = doc_id or source.stem
        txt = source.with_suffix(".txt")
        try:
            ann = source.read_text(encoding="utf-8")
            text = txt.read_bytes().decode("utf-8")
        except FileNotFoundError as exc:
            raise InteropError(f"{exc.filename}: no such file (brat keeps the text in a .txt beside the .ann)") from None
        except OSError as exc:
            raise InteropError(f"{exc.filename or source}: cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise InteropError(f"{source} or {txt}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    else:
        try:
            tasks = json.loads(source.read_bytes())
        except RecursionError:
            raise InteropError(f"{source}: JSON arrays or objects nested too deeply to read (more than about "
                               f"{sys.getrecursionlimit()} levels); a Label Studio export is a list of tasks a few "
                               "levels deep") from None
        except FileNotFoundError:
            raise InteropError(f"{source}: no such file") from None
        except OSError as exc:
            raise InteropError(f"{source}: cannot be read ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise InteropError(f"{source}: not JSON ({exc})") from None
        if doc_id is None:
            ids = {t["data"].get("doc_id") for t in (tasks if isinstance(tasks, list) else [tasks])
                   if isinstance(t, dict) and isinstance(t.get("data"), dict)}
            ids.discard(None)
            if len(ids) != 1:
                raise InteropError(f"{source}: give --doc (the export holds {len(ids)} data.doc_id values)")
            doc_id = ids.pop()
        task, _ = labelstudio.pick_annotation(tasks, doc_id, annotation_id, str(source))
        text = task["data"].get("text")
        if not isinstance(text, str):
            raise InteropError(f"{source}: the task has no data.text")
    problem = paths.id_problem(doc_id, "document")  # the one check of ids (geostance.core.paths)
    if problem:
        raise InteropError(problem)
    doc = dataset_document(root, doc_id)
    if doc is not None and doc.text != text:
        raise InteropError(f"{source}: the text is not the dataset's text of {doc_id!r} "
                           f"({paths.text_path(root, doc_id)}); offsets would not fit")
    sentences = dataset_sentences(root, doc_id) if doc is not None else []
    if fmt == "brat":
        recs, notes = brat.to_records(ann, text, doc_id, str(source), sentences, default_modality, default_source_author,
                                      default_stance_modality, default_stance_evidence)
    else:
        recs, notes = labelstudio.to_records(tasks, text, doc_id, str(source), sentences, default_modality,
                                             default_source_author, annotation_id, default_stance_modality,
                                             default_stance_evidence)
    if doc is None:
        notes.append(f"the dataset has no document {doc_id!r}: checked against the tool's text only; "
                     "add it with 'geostance contribute document'")
    return doc_id, recs, notes, text


def readable_file(path: Path, what: str) -> str | None:
    """Why ``path`` cannot be read as ``what``, or None when it can."""
    if path.is_dir():
        return f"{path} is a folder; expected {what}"
    if not path.exists():
        return f"{path}: no such file (expected {what})"
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    return None


def writable_out(out: Path, force: bool) -> str | None:
    """Why ``out`` cannot be written, or None. No folder is created and no file replaced unasked
    (:func:`geostance.core.paths.out_file_problem`, the rules of every ``--out FILE``)."""
    return paths.out_file_problem(out, force, "the JSONL file to write")


def run(args: argparse.Namespace) -> int:
    root = args.dataset or paths.default_dataset_root()
    problems = [readable_file(args.source, "the .ann file" if args.format == "brat" else "a Label Studio JSON export")]
    if args.format == "brat" and problems[0] is None:
        problems.append(readable_file(args.source.with_suffix(".txt"), "the document text beside the .ann (brat keeps it there)"))
    problems.append(writable_out(args.out, args.force))
    for problem in problems:
        if problem is not None:
            print(f"geostance import: {problem}", file=sys.stderr)
            return 2
    try:
        doc_id, recs, notes, text = convert(args.format, args.source, args.doc, root, args.annotation_id,
                                            args.default_modality, args.default_source_author, args.default_stance_modality,
                                            args.default_stance_evidence)
    except InteropError as exc:
        print(f"geostance import: {exc}", file=sys.stderr)
        return 1
    report = check_records(recs, doc_id, text, display=f"{args.source} (converted)")
    for n in notes:
        print(f"note: {n}")
    if report.errors:
        print(f"geostance import: the converted records do not validate; {args.out} was not written", file=sys.stderr)
        print(report.render_text(), file=sys.stderr)
        return 1
    if report.warnings:
        print(report.render_text())
    try:
        atomic.write_bytes(args.out, records.to_bytes(recs))
    except OSError as exc:
        print(f"geostance import: {args.out} could not be written ({exc.strerror or exc}); nothing was written", file=sys.stderr)
        return 2
    counts = ", ".join(f"{len(v)} {plural(k, len(v))}" for k, v in records.by_layer(recs).items())
    print(f"wrote {args.out}: {counts}")
    print(f"next: geostance contribute annotations {args.out} --doc {doc_id} --annotator ID")
    return 0
