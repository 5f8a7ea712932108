"""``geostance reproduce``: the main job, start to end.

Runs, in order, each as its own verb would:

1. ``validate``: the whole dataset (documents, raw annotations, gold);
2. ``baselines``: every baseline on every task view under every protocol
   (the views are derived from the gold exactly as the build derives them),
   writing ``baselines/``, ``leaderboard/`` and the results blocks of
   ``CARD.md``;
3. ``build``: the Hugging Face dataset under ``dataset/`` (Parquet, the card
   generated from ``CARD.md`` with those results, Croissant, manifest);

and prints the baseline tables last. Every file it writes is a function of
the committed sources (fit times go to ``baselines/timings.json``, which git
ignores), so on a clean clone ``git status --porcelain`` is empty afterwards
(tests/test_reproduce.py). Stops at the first step that fails and
exits with its status, so a broken annotation never reaches the build.
Baselines run before the build so that the card the build writes already
holds their results.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HELP = "the main job: validate, run the baselines, build the dataset, print the results"
DESCRIPTION = __doc__
EPILOG = """\
equivalent to:
  geostance validate && geostance baselines && geostance build
followed by the baseline tables.
"""

STEPS: tuple[str, ...] = ("validate", "baselines", "build")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR",
                   help="the dataset folder (default: the dataset); baselines/ and CARD.md beside it are updated")
    p.add_argument("--skip-baselines", action="store_true", help="validate and build only")


def run(args: argparse.Namespace) -> int:
    from geostance.cli import main

    steps = tuple(s for s in STEPS if not (args.skip_baselines and s == "baselines"))
    for i, step in enumerate(steps, 1):
        print(f"\n== [{i}/{len(steps)}] geostance {step}", flush=True)
        t0 = time.perf_counter()
        rc = main([step] + (["--dataset", str(args.dataset)] if args.dataset else []))
        print(f"== geostance {step}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            print(f"geostance reproduce: step '{step}' failed (exit {rc}); stopping", file=sys.stderr)
            return rc
    if not args.skip_baselines:
        from geostance.evaluation.baselines import summary

        print("\n== Results (baselines/RESULTS.md, baselines/results.json)\n")
        from geostance.core.paths import default_dataset_root

        print(summary((args.dataset or default_dataset_root()).resolve().parent / "baselines"))
    return 0
