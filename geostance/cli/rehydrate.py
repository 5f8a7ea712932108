"""``geostance rehydrate``: the command line of :mod:`geostance.hf.rehydrate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from geostance.core import lock, paths
from geostance.hf.rehydrate import RehydrateError, rehydrate


HELP = "restore a document's text from your own copy (checked by sha256)"


DESCRIPTION = """\
Re-hydrate a document that was shipped without its text: check your copy of
the article against the document record's sha256, then write
documents/<doc_id>.txt and put the surface text back into the document's
annotation files (from the offsets). Run 'geostance build' afterwards to get
the text columns of the Hugging Face dataset.

A copy whose sha256 differs is refused and nothing is written: the offsets
fit only the exact bytes the annotators saw.

One writer at a time: rehydrate holds the dataset's lock for its
whole run (an advisory lock on .geostance.lock in the dataset folder,
released by the system however the command ends). When another geostance
command holds it, it waits up to --wait SECONDS (default 30; 0: not at
all), then exits 1 having changed nothing.

Exit status: 0 re-hydrated (or already), 1 refused, 2 usage error.
"""


EPILOG = """\
examples:
  geostance rehydrate china-backs-russia --text ~/articles/china.txt
  geostance rehydrate my-doc --text my-doc.txt --dataset path/to/dataset
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc_id", metavar="DOC_ID", help="the document to re-hydrate")
    p.add_argument("--text", type=Path, required=True, metavar="FILE", help="your copy of the article text")
    p.add_argument("--dataset", dest="root", type=Path, default=None, metavar="DIR", help="the dataset folder (default: the dataset)")
    lock.add_wait_option(p)


def run(args: argparse.Namespace) -> int:
    root = args.root if args.root is not None else paths.default_dataset_root()
    if not paths.documents_dir(root).is_dir():
        print(f"geostance rehydrate: {root}: not a dataset folder (no documents/ in it)", file=sys.stderr)
        return 2
    problem = paths.id_problem(args.doc_id, "document")
    if problem:
        print(f"geostance rehydrate: refused, nothing written: {problem}", file=sys.stderr)
        return 2
    if not args.text.is_file():
        print(f"geostance rehydrate: --text {args.text}: no such file", file=sys.stderr)
        return 2
    try:
        with lock.dataset_lock(root, lock.wait_of(args), f"geostance rehydrate {args.doc_id}"):
            written = rehydrate(root, args.doc_id, args.text)
    except RehydrateError as exc:
        print(f"geostance rehydrate: refused, nothing written: {exc}", file=sys.stderr)
        return 1
    if not written:
        print(f"{args.doc_id}: already has its text; nothing to do")
    else:
        print(f"{args.doc_id}: sha256 matches; wrote {len(written)} file(s):")
        for f in written:
            print(f"  {f}")
        print("next: geostance validate, then geostance build")
    return 0

