"""``geostance contribute``: the command line of :mod:`geostance.contributing.contribute`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from geostance.core import bounded, lock, paths
from geostance.contributing import transaction
from geostance.contributing.contribute import ContributeError, apply, next_steps, plan_annotations, plan_document, shared_annotation_rights


HELP = "add an annotator's file or a new document to the dataset, validated and atomic"


DESCRIPTION = """\
Add a contribution to the dataset, safely.

  geostance contribute annotations FILE --doc DOC --annotator ID [--replace]
      FILE holds one annotator's records (sentences, mentions, entities,
      stances, relations) for the document DOC, which the dataset has. It is
      stored as annotations/raw/DOC/ID.jsonl.

  geostance contribute document TEXT --doc DOC --title T --language L
          --source-note N --text-rights R [--publisher P] [--url U] [--date D]
          [--annotations-rights A] [--annotations-license SPDX] [--withhold-text]
          [--annotations FILE --annotator ID]
      TEXT is the article, UTF-8, byte for byte as published. Adds
      documents/DOC.txt and documents/DOC.jsonl (the document record) and,
      with --annotations, the first annotator's file.

  geostance contribute recover
      Roll back a contribution that was interrupted (killed) half-way.

Everything is validated first (geostance validate's four levels); a file
with an error is refused with the findings and nothing is written. Ids are
checked: no path separators, dots or traversal; 'gold' and Windows device
names are reserved. The same contribution twice changes nothing. An
existing annotator file is replaced only with --replace, which keeps the
previous version in annotations/raw/DOC/.history/ID.<sha8>.jsonl.bak and
reports the differences. A document is never replaced. All files of a
contribution are written as one transaction: if it fails or is killed, the
dataset is left as before (run 'geostance contribute recover', or any later
contribute, after a kill).

One writer at a time: contribute holds the dataset's lock for its
whole run (an advisory lock on .geostance.lock in the dataset folder,
released by the system however the command ends). When another geostance
command holds it, it waits up to --wait SECONDS (default 30; 0: not at
all), then exits 1 having changed nothing.

Exit status: 0 done or unchanged, 1 refused (invalid, or it would replace
something), 2 usage error (a bad id, a missing file).
"""


EPILOG = """\
examples:
  geostance contribute annotations my-pass.jsonl --doc china-backs-russia --annotator alice
  geostance contribute annotations my-pass.jsonl --doc china-backs-russia --annotator alice --replace
  geostance contribute document article.txt --doc kyiv-talks --title "Talks in Kyiv" --language en \\
      --source-note "Copied from the publisher's site on 2026-11-02" \\
      --text-rights "Rights held by the publisher; included for offsets only" \\
      --annotations pass1.jsonl --annotator alice
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", dest="dataset", type=Path, default=None, metavar="DIR",
                   help="the dataset folder (default: $GEOSTANCE_DATASET, ./dataset, or the repository's dataset/)")
    sub = p.add_subparsers(dest="what", metavar="annotations|document|recover", required=True)
    lock.add_wait_option(p)
    def dataset_option(sp: argparse.ArgumentParser) -> None:  # also accepted after the sub-command
        sp.add_argument("--dataset", dest="dataset", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                        help="the dataset folder (default: $GEOSTANCE_DATASET, ./dataset, or the repository's dataset/)")
        lock.add_wait_option(sp, default=argparse.SUPPRESS)

    a = sub.add_parser("annotations", help="add one annotator's file for an existing document")
    dataset_option(a)
    a.add_argument("file", type=Path, metavar="FILE", help="the annotator's JSONL file")
    a.add_argument("--doc", required=True, metavar="DOC", help="the document id")
    a.add_argument("--annotator", required=True, metavar="ID", help="the annotator id (lower-case letters, digits, '-', '_')")
    a.add_argument("--replace", action="store_true", help="replace the annotator's existing file (the old one is kept in .history/)")
    d = sub.add_parser("document", help="add a new document, with or without its first annotations")
    dataset_option(d)
    d.add_argument("text", type=Path, metavar="TEXT", help="the article text, UTF-8")
    d.add_argument("--doc", required=True, metavar="DOC", help="the new document id (lower-case letters and digits joined by hyphens)")
    d.add_argument("--title", required=True)
    d.add_argument("--language", required=True, help="BCP-47 tag, e.g. en")
    d.add_argument("--source-note", required=True, help="where the text comes from (unknown facts: say so)")
    d.add_argument("--text-rights", required=True, help="who holds the rights to the text and why it may be included")
    d.add_argument("--publisher", default=None)
    d.add_argument("--url", default=None)
    d.add_argument("--date", default=None, help="YYYY, YYYY-MM or YYYY-MM-DD")
    d.add_argument("--annotations-rights", default=None,
                   help="the rights statement of the annotations (default: the one every existing document shares)")
    d.add_argument("--annotations-license", default=None, metavar="SPDX",
                   help="SPDX id of the annotations' licence (default: the one every existing document shares)")
    d.add_argument("--note", default=None, help="a note on the document")
    d.add_argument("--withhold-text", action="store_true",
                   help="store the record only (text_included false): the text is used to check the annotations but not added")
    d.add_argument("--annotations", type=Path, default=None, metavar="FILE", help="the first annotator's JSONL file")
    d.add_argument("--annotator", default=None, metavar="ID", help="the annotator id (with --annotations)")
    d.add_argument("--replace", action="store_true", help=argparse.SUPPRESS)
    dataset_option(sub.add_parser("recover", help="roll back a contribution that was interrupted half-way"))


def _read(path: Path, what: str) -> bytes:
    try:
        return bounded.read_bytes(path)  # a regular file of at most 256 MiB: never /dev/zero or a FIFO
    except (bounded.NotRegular, bounded.TooLarge) as exc:
        raise ContributeError(f"{path}: {exc} ({what})", status=2) from None
    except FileNotFoundError:
        raise ContributeError(f"{path}: no such file ({what})", status=2) from None
    except OSError as exc:
        raise ContributeError(f"{path}: cannot be read ({exc.strerror or exc})", status=2) from None


def _run_locked(root: Path, args: argparse.Namespace, wait: float) -> int:
    """The contribution itself, while this process holds the dataset's lock: recover, plan, write."""
    undone = transaction.recover(root, wait)
    if undone:
        print(f"geostance contribute: {undone}")
    if args.what == "recover":
        if not undone:
            print("geostance contribute: nothing to recover")
        return 0
    if args.what == "annotations":
        data = _read(args.file, "the annotations")
        plan = plan_annotations(root, args.doc, args.annotator, data, str(args.file), args.replace)
    else:
        if (args.annotations is None) != (args.annotator is None):
            raise ContributeError("--annotations and --annotator go together", status=2)
        rights = shared_annotation_rights(root)
        ann_rights = args.annotations_rights or (rights[0] if rights else None)
        ann_license = args.annotations_license or (rights[1] if rights else None)
        if not ann_rights or not ann_license:
            raise ContributeError("the existing documents do not share one annotations licence: give "
                                  "--annotations-rights and --annotations-license", status=2)
        meta = {
            "title": args.title, "language": args.language, "publisher": args.publisher, "url": args.url,
            "date": args.date, "source_note": args.source_note, "text_rights": args.text_rights,
            "annotations_rights": ann_rights, "annotations_license": ann_license,
            "text_included": not args.withhold_text, "note": args.note,
        }
        text = _read(args.text, "the document text")
        ann = None
        if args.annotations is not None:
            ann = (args.annotator, _read(args.annotations, "the annotations"), str(args.annotations))
        plan = plan_document(root, args.doc, text, str(args.text), meta, ann)
    if plan.writes:
        apply(root, plan, wait)
    for line in plan.lines:
        print(line)
    print("\n".join(next_steps(root, args.doc)))
    return 0


def run(args: argparse.Namespace) -> int:
    root = args.dataset or paths.default_dataset_root()
    try:
        if not (root / "documents").is_dir():
            raise ContributeError(f"{root} is not a dataset folder (it has no documents/ folder); use --dataset", status=2)
        wait = lock.wait_of(args)
        with lock.dataset_lock(root, wait, f"geostance contribute {args.what}"):
            return _run_locked(root, args, wait)
    except ContributeError as exc:
        print(f"geostance contribute: {exc}", file=sys.stderr)
        return exc.status
    except transaction.TransactionError as exc:
        print(f"geostance contribute: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"geostance contribute: {exc.filename or ''}: {exc.strerror or exc}; nothing was changed", file=sys.stderr)
        return 1

