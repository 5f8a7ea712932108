"""``geostance migrate``: the command line of :mod:`geostance.contributing.migrate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from geostance.core import atomic, lock
from geostance.contract.labels import CURRENT_VERSION, STANCE_MODALITIES
from geostance.validation.layout import find_dataset_root
from geostance.contributing.migrate import MigrationError, migrate_file, read_decisions


HELP = "upgrade annotation files from schema version 1.0 to 1.1 (stance modality decided by you, never guessed)"


DESCRIPTION = """\
Upgrade geostance annotation files from schema version 1.0 to 1.1.

Every record's schema_version becomes 1.1 and every field is kept. Scheme
1.1 gives each stance a modality (ASSERTED, ALLEGED, HYPOTHETICAL,
QUESTIONED), which only a reading of the text can decide, so migrate takes
it from decisions you write:

  --decisions D.jsonl    one line per stance:
                         {"file": "annotations/raw/doc/ann.jsonl", "stance": "t3",
                          "modality": "HYPOTHETICAL", "reason": "'would object if ...'"}
  --stance-modality M    the modality of every stance the decisions leave open

Without --write nothing is written: migrate reports what it would do and lists
every stance still undecided. With --write a file is replaced (atomically)
only if every one of its stances is decided and the upgraded file validates.
Files already of version 1.1 are left as they are.

One writer at a time: migrate --write holds the dataset's lock (of every dataset folder a FILE lies in) for its
whole run (an advisory lock on .geostance.lock in the dataset folder,
released by the system however the command ends). When another geostance
command holds it, it waits up to --wait SECONDS (default 30; 0: not at
all), then exits 1 having changed nothing.

Exit status: 0 every file upgraded (or already 1.1; with --write, written),
1 stances undecided or an upgraded file would not validate (nothing written),
2 usage error, unreadable or invalid input, 3 internal error (a bug).
"""


EPILOG = """\
examples:
  geostance migrate dataset/annotations/raw/doc/ann.jsonl
  geostance migrate dataset/annotations/raw/doc/*.jsonl --decisions modality.jsonl --write
  geostance migrate my.jsonl --stance-modality ASSERTED --dataset dataset --write
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="annotation files of schema version 1.0")
    p.add_argument("--decisions", type=Path, default=None, metavar="D.jsonl", help="stance modality decisions, one JSON object per line")
    p.add_argument("--stance-modality", default=None, metavar="M", choices=STANCE_MODALITIES,
                   help=f"modality for every stance the decisions leave open ({', '.join(STANCE_MODALITIES)})")
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR",
                   help="dataset folder whose documents/ holds the texts (default: the one the file lies in)")
    p.add_argument("--write", action="store_true", help="replace the files (default: report only)")
    lock.add_wait_option(p)


def run(args: argparse.Namespace) -> int:
    """With ``--write``, the whole run holds the lock of every dataset folder a file lies in."""
    roots = [r for r in {find_dataset_root(f.parent) for f in args.files if f.is_file()} if r is not None] if args.write else []
    with lock.dataset_locks(roots, lock.wait_of(args), "geostance migrate --write"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        for f in args.files:
            if not f.is_file():
                raise MigrationError(f"{f}: no such file")
        if args.decisions is not None and not args.decisions.is_file():
            raise MigrationError(f"--decisions {args.decisions}: no such file")
        if args.dataset is not None and not (args.dataset / "documents").is_dir():
            raise MigrationError(f"--dataset {args.dataset}: not a dataset folder (no documents/)")
        decisions = read_decisions(args.decisions, args.stance_modality)
        files = [(f, str(f)) for f in args.files]
        problems = decisions.unused(files)
        if problems:
            raise MigrationError("\n".join(problems))
        outcomes = [migrate_file(f, shown, decisions, args.dataset) for f, shown in files]
    except MigrationError as exc:
        print(f"geostance migrate: {exc}", file=sys.stderr)
        return 2
    status = 0
    for (path, _), o in zip(files, outcomes):
        if o.status == "current":
            print(f"{o.shown}: already schema version {CURRENT_VERSION}; left as it is")
        elif o.status == "undecided":
            status = 1
            print(f"{o.shown}: {len(o.lines)} of {o.stances} stance(s) have no modality decision; not written")
            for ln in o.lines:
                print("  " + ln)
        elif o.status == "invalid":
            status = 1
            print(f"{o.shown}: the upgraded records would not validate; not written")
            for ln in o.lines:
                print("  " + ln)
    if status == 0:
        for (path, _), o in zip(files, outcomes):
            if o.status != "upgraded":
                continue
            if args.write:
                atomic.write_bytes(path, o.data)
                print(f"{o.shown}: upgraded to schema version {CURRENT_VERSION} ({o.stances} stance modality decision(s)); written")
            else:
                print(f"{o.shown}: would be upgraded to schema version {CURRENT_VERSION} ({o.stances} stance(s) decided); "
                      "nothing written (add --write)")
    elif args.write:
        print("nothing written: every file must be decided and valid first", file=sys.stderr)
    return status

