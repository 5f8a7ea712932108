"""``geostance validate``: the command line of :mod:`geostance.validation.validator`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from geostance.core.bounded import DEFAULT_MAX_BYTES
from geostance.core.findings import DEFAULT_MAX_PER_FILE, table
from geostance.core.workers import default_jobs
from geostance.validation.validator import validate


HELP = "check annotation files against the schema and the document texts"


DESCRIPTION = """\
Check geostance files at four levels and report every finding, errors first:
  1 file       UTF-8 without BOM, LF line endings, one JSON object per line,
               no duplicate keys, no NaN/Infinity
  2 schema     each record against schema/<kind>.schema.json (closed schemas,
               label inventories from schema/labels.schema.json)
  3 semantics  spans match the document text, sentences in order and covering
               the text, ids unique, every reference resolves, each mention in
               exactly one entity, relation arguments fit their signature
  4 consistency  warnings: implied stances missing, conflicting stances,
               mentions annotated though no argument

Each finding reads  FILE:LINE: [CODE id] FIELD: what was found, what was expected.
The ids are listed in schema/findings.json (geostance validate --list).

A record rejected at level 1 or 2 is reported once, with the count of the
later findings it explains. At most --max-per-file findings of one id are
shown per file (the rest are counted); files over --max-bytes, folders named
like files, FIFOs, sockets and devices are refused without being read, and a
symbolic link out of a dataset folder is reported, not followed.

Exit status: 0 clean or warnings only, 1 any error, 2 usage error or a path
that does not exist.
"""


EPILOG = """\
examples:
  geostance validate                              the whole dataset/
  geostance validate dataset/annotations/raw/china-backs-russia/llm-1.jsonl
  geostance validate --format json --max-err 5 my-annotations.jsonl
  geostance validate --jobs 2 --max-per-file 0 dataset/
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="a dataset folder (with documents/), any folder (all *.jsonl below it) or a file; default: the dataset")
    p.add_argument("--max-err", type=int, default=None, metavar="N",
                   help="show at most N findings of each id (all are still counted)")
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR",
                   help="the dataset folder to validate (the same as giving it as PATH; default: the dataset)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)")
    p.add_argument("--documents", type=Path, default=None, metavar="DIR",
                   help="folder of document records and texts for files outside a dataset (default: the dataset's documents/)")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=f"refuse a file larger than N bytes before reading it (finding file-too-large; default {DEFAULT_MAX_BYTES:,}; 0: no limit)")
    p.add_argument("--max-per-file", type=int, default=DEFAULT_MAX_PER_FILE, metavar="N",
                   help=f"show at most N findings of one id per file, and count the rest (default {DEFAULT_MAX_PER_FILE}; 0: show all)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for the documents of a dataset folder (default: one per core, at most 8; the report is the same)")
    p.add_argument("--list", action="store_true", help="print the table of finding ids and exit")


def run(args: argparse.Namespace) -> int:
    if args.list:
        for t in table().values():
            print(f"{t.code}  {t.id:<26} {t.severity:<8} level {t.level}  {t.meaning}")
        return 0
    if args.max_err is not None and args.max_err < 1:
        print("geostance validate: --max-err must be at least 1", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("geostance validate: --jobs must be at least 1", file=sys.stderr)
        return 2
    for opt, v in (("--max-bytes", args.max_bytes), ("--max-per-file", args.max_per_file)):
        if v < 0:
            print(f"geostance validate: {opt} must be 0 (no limit) or more", file=sys.stderr)
            return 2
    if args.dataset is not None:
        args.paths = [args.dataset, *args.paths]
    for p in args.paths:
        if not p.exists():
            print(f"geostance validate: {p}: no such file or folder", file=sys.stderr)
            return 2
        if os.path.isfile(p) and not os.access(p, os.R_OK):
            print(f"geostance validate: {p}: cannot be opened for reading", file=sys.stderr)
            return 2
    if args.documents is not None and not args.documents.is_dir():
        print(f"geostance validate: --documents {args.documents}: no such folder", file=sys.stderr)
        return 2
    report = validate(args.paths or None, args.max_err, args.documents,
                      max_bytes=args.max_bytes or None, max_per_file=args.max_per_file or None,
                      jobs=args.jobs or default_jobs())
    out = sys.stdout
    if args.format == "json":
        for piece in report.iter_json():
            out.write(piece)
    elif args.format == "markdown":
        out.write(report.render_markdown() + "\n")
    else:
        for line in report.iter_text():  # one line at a time: never one string of the whole report
            out.write(line + "\n")
    out.flush()
    return 1 if report.errors else 0

