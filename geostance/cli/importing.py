"""``geostance import``: the command line of :mod:`geostance.contributing.interop.importing`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from geostance.core import atomic, paths
from geostance.contract import records
from geostance.contributing.contribute import plural
from geostance.contributing.interop import InteropError, check_records
from geostance.contract.labels import AUTHOR, MODALITIES, STANCE_MODALITIES
from geostance.contributing.interop.importing import convert, readable_file, writable_out


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

