"""``geostance build``: the command line of :mod:`geostance.hf.build`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from geostance.core import atomic, lock, paths
from geostance.hf.configs import CONFIGS, data_file
from geostance.core.workers import default_jobs
from geostance.hf.build import BuildError, _card_is_beside, build, stale_files


HELP = "build the Hugging Face dataset (Parquet, card, Croissant, manifest) from the gold"


DESCRIPTION = """\
Build the Hugging Face dataset from a dataset folder's validated sources:

  data/<config>/test.parquet  one file per config: documents, sentences,
                              mentions, entities, stances, relations,
                              raw_annotations, stance_classification,
                              stance_modality, relation_classification,
                              relation_modality, ner
  README.md                   the card: YAML (configs, features, splits)
                              followed by CARD.md with its numbers generated
  croissant.json              Croissant 1.0 metadata with sha256 per file
  MANIFEST.json               sha256, bytes and rows of every built file

The sources are validated first (as geostance validate does); with an error,
nothing is written. Documents without gold are skipped with a message. When
the folder is the dataset/ next to CARD.md, CARD.md's generated blocks are
refreshed too.

One writer at a time: build holds the dataset's lock (not with --check, which writes nothing) for its
whole run (an advisory lock on .geostance.lock in the dataset folder,
released by the system however the command ends). When another geostance
command holds it, it waits up to --wait SECONDS (default 30; 0: not at
all), then exits 1 having changed nothing.

Exit status: 0 built (or up to date with --check), 1 invalid sources or stale
files, 2 usage error.
"""


EPILOG = """\
examples:
  geostance build                     build dataset/ in place
  geostance build --check             fail if the committed build is stale
  geostance build tests/fixtures/build --out /tmp/hf
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", dest="root", type=Path, default=None, metavar="DIR",
                   help="the dataset folder (with documents/ and annotations/); default: the dataset")
    p.add_argument("old_root", nargs="?", type=Path, default=None, metavar="DATASET", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="where to write the build (default: the dataset folder itself, as the Hub hosts it)")
    p.add_argument("--card", type=Path, default=None, metavar="FILE",
                   help="the human-written card (default: CARD.md of the repository)")
    p.add_argument("--check", action="store_true",
                   help="rebuild into a temporary folder and fail (exit 1) naming every committed file that differs")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes that read and convert documents (default: the cores, at most 8); "
                        "the output does not depend on it")
    lock.add_wait_option(p)


def run(args: argparse.Namespace) -> int:
    if args.old_root is not None:
        print("geostance build: note: the dataset folder as a positional argument is deprecated; use --dataset DIR", file=sys.stderr)
        args.root = args.root or args.old_root
    root = args.root if args.root is not None else paths.default_dataset_root()
    if not root.is_dir():
        print(f"geostance build: {root}: no such folder", file=sys.stderr)
        return 2
    card_source = args.card if args.card is not None else paths.REPO_ROOT / "CARD.md"
    if not card_source.is_file():
        print(f"geostance build: --card {card_source}: no such file", file=sys.stderr)
        return 2
    out = args.out if args.out is not None else root
    if args.jobs is not None and args.jobs < 1:
        print("geostance build: --jobs must be at least 1", file=sys.stderr)
        return 2
    jobs = args.jobs or default_jobs()
    # --check writes nothing; a build holds the dataset's lock: its sources cannot change under it
    with contextlib.nullcontext() if args.check else lock.dataset_lock(root, lock.wait_of(args), "geostance build"):
        return _run(args, root, out, card_source, jobs)


def _run(args: argparse.Namespace, root: Path, out: Path, card_source: Path, jobs: int) -> int:
    try:
        if args.check:
            stale = stale_files(root, out, card_source, jobs=jobs)
            if stale:
                print(f"geostance build --check: {len(stale)} file(s) differ from a fresh build of {root}:", file=sys.stderr)
                for rel in stale:
                    print(f"  {rel}", file=sys.stderr)
                print("  run 'geostance build' and commit the result", file=sys.stderr)
                return 1
            print(f"geostance build --check: {out} is up to date")
            return 0
        res = build(root, out, card_source, jobs=jobs)
        if _card_is_beside(card_source, root):
            from geostance.hf import card

            old = card_source.read_text(encoding="utf-8")
            new = card.refresh(old, res.stats, root)
            if new != old:
                atomic.write_text(card_source, new)
                print(f"geostance build: refreshed the generated blocks of {card_source}")
    except BuildError as exc:
        print(f"geostance build: {exc}", file=sys.stderr)
        return 1
    s = res.stats
    print(f"built {len(s.documents)} document(s), {s.records:,} annotation record(s) into {out}:")
    for c in CONFIGS:
        print(f"  {data_file(c):<45} {s.rows[c]:>8,} rows")
    if s.warnings:
        print(f"  ({s.warnings} validation warning(s); run geostance validate to see them)")
    return 0

