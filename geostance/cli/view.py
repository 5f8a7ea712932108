"""``geostance view``: the command line of :mod:`geostance.contributing.view`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from geostance.core import atomic, paths
from geostance.contributing.interop import dataset_document
from geostance.contributing.view import load_layers, render


HELP = "write a self-contained HTML page showing a document's annotations"


DESCRIPTION = """\
Write one static HTML file that shows a document with its annotations: the
text with mentions highlighted by type and linked by entity (hover or click
a mention to see its whole entity), the stances as a table and a holder ->
target graph, the relations with their evidence sentences and modality.
Layers (gold, then each annotator) are switched with the buttons at the top.

The file is self-contained (no network, no external file; a
Content-Security-Policy allows only its own script) and all text is
HTML-escaped. A layer file with validation errors is left out, with a note
on the page and on stderr.

--out FILE is refused (exit 2, nothing written) when FILE is a folder, when
its folder does not exist (it is not created), or when FILE exists and
--force is not given. Without --out the page goes to out/view/DOC.html
(the folder created, an earlier page replaced).

Exit status: 0 written, 1 refused (no such document or layer), 2 usage
error (a bad id, a bad --out).
"""


EPILOG = """\
examples:
  geostance view china-backs-russia                       writes out/view/china-backs-russia.html
  geostance view china-backs-russia --out /tmp/cbr.html
  geostance view china-backs-russia --layers llm-1,llm-2  only these layers
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc", metavar="DOC", help="the document id")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="the HTML file; its folder must exist, and an existing file is replaced only with --force "
                        "(default: out/view/DOC.html, created and replaced as needed)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists (otherwise an existing file is refused)")
    p.add_argument("--dataset", dest="dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: as geostance validate)")
    p.add_argument("--layers", default=None, metavar="A,B", help="the layers to show, in order (gold and/or annotator ids; default: all)")


def run(args: argparse.Namespace) -> int:
    root = args.dataset or paths.default_dataset_root()
    problem = paths.id_problem(args.doc, "document")  # the one check of ids (geostance.core.paths)
    if problem is None and args.out is not None:
        problem = paths.out_file_problem(args.out, args.force, "the HTML file to write")
    if problem:
        print(f"geostance view: {problem}", file=sys.stderr)
        return 2
    doc = dataset_document(root, args.doc)
    if doc is None:
        print(f"geostance view: the dataset {root} has no document {args.doc!r} with its text", file=sys.stderr)
        return 1
    wanted = [w.strip() for w in args.layers.split(",")] if args.layers else None
    try:
        layers, notes = load_layers(root, args.doc, doc.text, doc.record, wanted)
    except ValueError as exc:
        print(f"geostance view: {exc}", file=sys.stderr)
        return 1
    for n in notes:
        print(f"geostance view: {n}", file=sys.stderr)
    out = args.out or Path("out") / "view" / f"{args.doc}.html"
    try:
        atomic.write_text(out, render(doc.record, doc.text, layers, notes))
    except OSError as exc:
        print(f"geostance view: {out} could not be written ({exc.strerror or exc}); nothing was written", file=sys.stderr)
        return 2
    print(f"wrote {out} ({', '.join(name for name, _ in layers) or 'no layers'})")
    return 0

