"""``geostance compare``: the command line of :mod:`geostance.evaluation.compare`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from geostance.evaluation import predictions as P
from geostance.cli import score
from geostance.evaluation import scorers
from geostance.evaluation.compare import DEFAULT_RESAMPLES, render


HELP = "paired test between two predictions files on one task view (p-value, interval of the difference)"


DESCRIPTION = """\
Compare systems A and B on the gold rows of a task view. For each headline
measure of the view (see geostance score --help) it prints A, B, the
difference A - B with its 95% paired-bootstrap interval (the same units drawn
for both systems), and the two-sided p-value of approximate randomisation:
each unit's pair of outputs is swapped with probability 1/2, and
p = (1 + #{|delta_r| >= |delta|}) / (R + 1). Units are sentences by default
(--unit item: single rows). p-values are per measure, not corrected for
multiple comparisons.

Exit status: 0 compared, 1 a predictions file (or the gold) cannot be scored,
2 usage error or a file that does not exist.
"""


EPILOG = """\
examples:
  geostance compare stance_classification baselines/predictions/pair/stance_classification/pair-features-lr.jsonl \\
      baselines/predictions/pair/stance_classification/tfidf-lr.jsonl
  geostance compare ner a.jsonl b.csv --resamples 100000 --format json
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("view", choices=scorers.VIEWS, help="the task view")
    p.add_argument("a", type=Path, metavar="A", help="predictions of system A")
    p.add_argument("b", type=Path, metavar="B", help="predictions of system B")
    score.add_common_options(p, DEFAULT_RESAMPLES)


def run(args: argparse.Namespace) -> int:
    if not score.check_paths(args, "compare", [args.a, args.b]):
        return 2
    if args.resamples < 1:
        print("geostance compare: --resamples must be at least 1", file=sys.stderr)
        return 2
    gold = score.load_gold(args, "compare")
    if gold is None:
        return 1
    preds: list[Any] = []
    for path in (args.a, args.b):
        try:
            preds.append(P.load(path, args.view, gold))
        except P.PredictionsError as exc:
            print(f"geostance compare: {path}: cannot be scored ({len(exc.problems)} problem"
                  f"{'s' if len(exc.problems) != 1 else ''}):", file=sys.stderr)
            print(exc.render(), file=sys.stderr)
            return 1
    scorer = scorers.scorer_for(args.view, args.unit, args.per_target)
    results = scorers.paired_test(scorer, gold, preds[0], preds[1], args.resamples, args.seed)
    n_units = scorer.contributions(gold, preds[0]).n_units
    print(render(args.view, results, str(args.a), str(args.b), len(gold), n_units, args.unit, args.resamples,
                 args.seed, scorer.variants(), args.format))
    return 0
