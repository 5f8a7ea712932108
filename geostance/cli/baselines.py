"""``geostance baselines``: the command line of :mod:`geostance.evaluation.baselines`."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Mapping
from geostance.core import atomic, lock
from geostance.evaluation import reference
from geostance.evaluation.baseline_models import REGISTRY
from geostance.evaluation.baseline_report import CARD_BEGIN, CARD_END, dumps_json, replace_block, results_json, update_card
from geostance.evaluation.baseline_models import SEED
from geostance.evaluation.protocols import PAIRED_RESAMPLES, RESAMPLES, evaluate, paired_tests, protocols_for
from geostance.evaluation.baselines import TIMINGS, differences, managed_files, output_files, stale, terminal_tables, write_files


HELP = "run every baseline on every task view; write baselines/, the leaderboard and the CARD.md tables"


DESCRIPTION = f"""\
Run every registered baseline (geostance baselines --list) on every task view
of the dataset's gold, under each protocol of the view (pair-disjoint folds,
the headline, and sentence folds for the pair views; sentence folds for ner;
leave-one-document-out with more than one document): fit on the other folds,
predict each fold (every prediction out-of-fold), pool the predictions, score
them with geostance score (95% percentile bootstrap over sentences,
{RESAMPLES:,} resamples, seed {SEED}), test each learned baseline against
majority and pair-lookup (approximate randomisation and paired bootstrap,
{PAIRED_RESAMPLES:,} resamples), and write

  baselines/results.json      scores, CIs, paired tests, metric variants,
                              hyperparameters (two runs give identical bytes)
  baselines/RESULTS.md        every table, and in words where learned
                              baselines beat the trivial ones
  baselines/predictions/      out-of-fold predictions per protocol and view,
                              input to geostance score and compare
  baselines/plots/*.png       confusion matrices (headline protocol)
  leaderboard/                one entry per baseline run and per annotation
                              pass (scored end to end against gold), and the
                              generated table (see geostance leaderboard)
  CARD.md                     the baselines and leaderboard blocks
  baselines/timings.json      fit times (machine-dependent; not committed)

--check recomputes everything in memory and exits 1 naming every file it
would write that differs from the one on disk, or that it would remove
(writes nothing; timings are not checked).

One writer at a time: baselines holds the dataset's lock (not with --check or --only, which write nothing) for its
whole run (an advisory lock on .geostance.lock in the dataset folder,
released by the system however the command ends). When another geostance
command holds it, it waits up to --wait SECONDS (default 30; 0: not at
all), then exits 1 having changed nothing.

Exit status: 0 done (or up to date), 1 stale outputs or invalid gold,
2 usage error.
"""


EPILOG = """\
examples:
  geostance baselines
  geostance baselines --check
  geostance baselines --only majority pair-features-lr     print only, write nothing
  geostance baselines --list
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: dataset/)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: baselines/ beside the dataset folder)")
    p.add_argument("--leaderboard", type=Path, default=None, metavar="DIR",
                   help="the leaderboard folder (default: leaderboard/ beside the output folder)")
    p.add_argument("--card", type=Path, default=None, metavar="FILE",
                   help="the card whose results blocks are updated (default: CARD.md beside the dataset folder)")
    p.add_argument("--no-card", action="store_true", help="do not update the card")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these baselines and print; write nothing")
    p.add_argument("--resamples", type=int, default=RESAMPLES, metavar="N", help=f"bootstrap resamples (default: {RESAMPLES:,})")
    p.add_argument("--paired-resamples", type=int, default=PAIRED_RESAMPLES, metavar="N",
                   help=f"resamples of the paired tests (default: {PAIRED_RESAMPLES:,})")
    p.add_argument("--seed", type=int, default=SEED, metavar="S", help=f"random seed of baselines and bootstrap (default: {SEED})")
    p.add_argument("--check", action="store_true", help="fail (exit 1) when any output is not what the code produces")
    p.add_argument("--list", action="store_true", help="print the registry and exit")
    lock.add_wait_option(p)


def run(args: argparse.Namespace) -> int:
    """A run that writes holds the dataset's lock from reading the gold to writing the last file."""
    from geostance.core.paths import default_dataset_root

    if args.list:
        for b in REGISTRY.values():
            print(f"{b.name}  ({'trivial' if b.trivial else 'learned'}; {', '.join(b.views)})\n  {b.description}\n"
                  f"  hyperparameters: {json.dumps(b.params)}")
        return 0
    unknown = [n for n in args.only or [] if n not in REGISTRY]
    if unknown:
        print(f"geostance baselines: unknown baseline {unknown[0]!r}; expected one of {', '.join(REGISTRY)}", file=sys.stderr)
        return 2
    if args.resamples < 0 or args.paired_resamples < 1:
        print("geostance baselines: --resamples must be 0 or more and --paired-resamples 1 or more", file=sys.stderr)
        return 2
    root = args.dataset or default_dataset_root()
    if not (root / "documents").is_dir():
        print(f"geostance baselines: {root}: not a dataset folder (no documents/)", file=sys.stderr)
        return 2
    if args.only or args.check:  # they write nothing
        return _run(args, root)
    with lock.dataset_lock(root, lock.wait_of(args), "geostance baselines"):
        return _run(args, root)


def _run(args: argparse.Namespace, root: Path) -> int:
    import os
    import platform

    from geostance.hf import manifest as hf_manifest
    from geostance.evaluation import leaderboard
    out_dir = args.out or root.resolve().parent / "baselines"
    lb_dir = args.leaderboard or out_dir.resolve().parent / "leaderboard"
    t0 = time.perf_counter()
    try:
        views, sources = reference.gold_views(root)
        version = hf_manifest.dataset_version(hf_manifest.source_files(root))
        passes = [] if args.only else leaderboard.pass_entries(root, version, args.resamples, args.seed)
    except (reference.GoldError, leaderboard.LeaderboardError) as exc:
        print(f"geostance baselines: {exc}", file=sys.stderr)
        return 1
    outcomes = evaluate(views, args.only, args.resamples, args.seed)
    tests = paired_tests(outcomes, views, args.paired_resamples, args.seed)
    res = results_json(outcomes, views, sources, args.resamples, args.seed, tests, args.paired_resamples, version)
    total = time.perf_counter() - t0
    timings = {"machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
               "total_seconds": round(total, 2),
               "fit_seconds": {v: {pr: {o.baseline: round(o.fit_seconds, 3) for o in outcomes if (o.view, o.protocol) == (v, pr)}
                                   for pr in protocols_for(v, views[v])} for v in views}}
    if args.only:
        print(terminal_tables(res, timings))
        return 0
    files = {out_dir / rel: data for rel, data in output_files(outcomes, views, res).items()}
    entries = leaderboard.baseline_entries(res, {k: sha for k, sha in _prediction_hashes(files, out_dir).items()},
                                           _rel_to(out_dir, lb_dir)) + passes
    try:
        lb_files, board = leaderboard.output_files(entries, lb_dir)
    except leaderboard.LeaderboardError as exc:
        print(f"geostance baselines: {exc}", file=sys.stderr)
        return 1
    files.update(lb_files)
    card = None if args.no_card else (args.card or root.resolve().parent / "CARD.md")
    if card is not None and not card.is_file():
        print(f"geostance baselines: note: {card} does not exist; the card's results tables were not updated", file=sys.stderr)
        card = None
    if card is not None:
        text = card.read_text(encoding="utf-8")
        if CARD_BEGIN not in text:
            print(f"geostance baselines: note: {card} has no results block (the lines {CARD_BEGIN} and {CARD_END}); "
                  "not updated", file=sys.stderr)
        else:
            text = update_card(text, res)
            if f"<!-- gen:{leaderboard.CARD_BLOCK} -->" in text:
                text = replace_block(text, leaderboard.CARD_BLOCK, leaderboard.card_block(board))
            files[card] = text.encode("utf-8")
    extra = [out_dir / rel for rel in managed_files(out_dir) if out_dir / rel not in files]
    extra += [p for p in leaderboard.entry_files(lb_dir) if p not in files]
    if args.check:
        differ = stale(files, extra)
        if differ:
            print(f"geostance baselines --check: {len(differ)} output(s) are not what the code produces; run geostance baselines:",
                  file=sys.stderr)
            for d in differ[:60]:
                print(f"  {d}", file=sys.stderr)
            committed = out_dir / "results.json"
            if committed.is_file() and str(committed) in differ:
                try:
                    diffs = differences(json.loads(committed.read_text(encoding="utf-8")), res)
                except json.JSONDecodeError:
                    diffs = ["the committed file is not valid JSON"]
                for d in diffs[:30]:
                    print(f"    results.json: {d}", file=sys.stderr)
            return 1
        print(f"geostance baselines --check: {len(files)} outputs up to date ({total:.1f} s)")
        return 0
    print(terminal_tables(res, timings))
    print(f"\nall baselines on all views: {total:.1f} s ({timings['machine']})")
    written = write_files(files, extra)
    atomic.write_text(out_dir / TIMINGS, dumps_json(timings))
    print(f"wrote {len(written)} files under {out_dir} and {lb_dir}" + (f", and the results blocks of {card}" if card else "")
          + f"; fit times in {out_dir / TIMINGS} (not committed)")
    return 0


def _rel_to(out_dir: Path, lb_dir: Path) -> str:
    """The output folder as the leaderboard entries name it: relative to the folder both sit in."""
    import os

    return os.path.relpath(out_dir.resolve(), lb_dir.resolve().parent).replace(os.sep, "/")


def _prediction_hashes(files: Mapping[Path, bytes], out_dir: Path) -> dict[str, str]:
    return {p.relative_to(out_dir).as_posix(): hashlib.sha256(data).hexdigest() for p, data in files.items()
            if p.relative_to(out_dir).as_posix().startswith("predictions/")}

