"""``geostance reproduce``: the main job, start to end.

Runs, in order, each as its own verb would: ``validate`` (the whole
dataset: raw annotations, gold, documents), ``build`` (the Hugging Face
dataset, card, Croissant and manifest under ``dataset/``) and ``baselines``
(every baseline on every task view; results written to ``baselines/`` and
printed as tables). Stops at the first step that fails and exits with its
status, so a broken annotation never reaches the build.
"""

from __future__ import annotations

import argparse
import sys
import time

HELP = "the main job: validate, build the dataset, run the baselines, print the results"
DESCRIPTION = __doc__
EPILOG = """\
equivalent to:
  geostance validate && geostance build && geostance baselines
"""

STEPS: tuple[tuple[str, ...], ...] = (("validate",), ("build",), ("baselines",))


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--skip-baselines", action="store_true", help="stop after the build")


def run(args: argparse.Namespace) -> int:
    from geostance.cli import main

    steps = STEPS[:-1] if args.skip_baselines else STEPS
    for i, step in enumerate(steps, 1):
        print(f"== [{i}/{len(steps)}] geostance {' '.join(step)}", flush=True)
        t0 = time.perf_counter()
        rc = main(list(step))
        print(f"== geostance {step[0]}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            print(f"geostance reproduce: step '{step[0]}' failed (exit {rc}); stopping", file=sys.stderr)
            return rc
    return 0
