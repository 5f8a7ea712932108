"""``geostance score``: the command line of :mod:`geostance.evaluation.score`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


from geostance.evaluation.reference import GoldError, gold_views, read_gold_rows
from geostance.evaluation.scorers import UNITS, VIEWS, score_rows, scorer_for
from geostance.metrics.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from geostance.evaluation.score import render_report


HELP = "score predictions against the gold of a task view, or a system's annotation file end to end"


DESCRIPTION = """\
Score a predictions file against the gold rows of a task view, with 95%
bootstrap confidence intervals, and print which metric variant each score is.

  stance_classification    per-class P/R/F1, accuracy, macro-F1 over the fixed
                           set FAVOR, AGAINST, NEUTRAL, NONE, and SemEval-2016
                           Task 6 F_avg = (F_FAVOR + F_AGAINST) / 2 pooled over
                           all rows (--per-target adds the per-target variant)
  stance_modality,         macro-F1 over the fixed modality inventory, accuracy,
  relation_modality        per-modality P/R/F1
  relation_classification  TACRED micro P/R/F1 over all labels but NO_RELATION
                           (P undefined when nothing is guessed; the TACRED
                           scorer prints 1.0), macro-F1 over the fixed set of
                           relation types, a direction-ignored diagnostic
  ner                      exact-span micro P/R/F1 overall and per type, spans
                           read from BIO as conlleval reads them
  end-to-end               a system's full annotation file(s), scored against
                           gold with the measures of `geostance agree`

A predictions file is JSONL ({"id": ..., "label": ...} per line) or CSV with
the columns id,label (for ner, the label is the list of BIO tags; in CSV the
tags separated by spaces). Rows are matched by id; missing, duplicate or
unknown ids and unknown labels are errors naming the lines.

Every macro average is over the view's whole inventory, in the point
estimate and every resample; a ratio with a zero denominator (a precision
with nothing guessed) is reported as undefined, with the reference scorer's
convention beside it, never as a number.

Gold: the views derived from the dataset's gold annotations (as the build
derives them), or --gold FILE (view rows as JSONL, or a built Parquet file).

Exit status: 0 scored, 1 the predictions (or gold) cannot be scored,
2 usage error or a file that does not exist.
"""


EPILOG = """\
examples:
  geostance score stance_classification baselines/predictions/pair/stance_classification/tfidf-lr.jsonl
  geostance score relation_classification preds.csv --format markdown
  geostance score ner preds.jsonl --unit item --resamples 10000
  geostance score end-to-end my-system.jsonl
"""


def configure(p: Any) -> None:
    p.add_argument("view", choices=(*VIEWS, "end-to-end"), help="the task view, or end-to-end")
    p.add_argument("predictions", nargs="+", type=Path, metavar="PREDICTIONS",
                   help="the predictions file (end-to-end: one or more annotation files of the system)")
    add_common_options(p)


def run(args: Any) -> int:
    from geostance.evaluation import predictions as P

    if not check_paths(args, "score", args.predictions):
        return 2
    if args.view == "end-to-end":
        from geostance.evaluation import endtoend

        return endtoend.run_score(args)
    if len(args.predictions) != 1:
        _err("score", f"{args.view} takes one predictions file, got {len(args.predictions)}")
        return 2
    gold = load_gold(args, "score")
    if gold is None:
        return 1
    try:
        pred = P.load(args.predictions[0], args.view, gold)
    except P.PredictionsError as exc:
        _err("score", f"{args.predictions[0]}: cannot be scored ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):")
        import sys

        print(exc.render(), file=sys.stderr)
        return 1
    report = score_rows(scorer_for(args.view, args.unit, args.per_target), gold, pred, args.resamples, args.seed)
    print(render_report(report, args.format, str(args.predictions[0])))
    return 0


def add_common_options(p: Any, resamples: int = DEFAULT_RESAMPLES) -> None:
    p.add_argument("--gold", type=Path, default=None, metavar="FILE",
                   help="gold view rows (JSONL or Parquet; end-to-end: gold annotation files' folder); default: the dataset's gold")
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: dataset/)")
    p.add_argument("--resamples", type=int, default=resamples, metavar="N",
                   help=f"bootstrap resamples (default: {resamples:,}); 0 for point estimates only")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"random seed (default: {DEFAULT_SEED})")
    p.add_argument("--unit", choices=UNITS, default="sentence",
                   help="what the bootstrap resamples: whole sentences (default) or single rows")
    p.add_argument("--per-target", action="store_true",
                   help="stance_classification: also the per-target macro F_avg (a variant, not the official pooling)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)")


def _err(verb: str, msg: str) -> None:
    import sys

    print(f"geostance {verb}: {msg}", file=sys.stderr)


def load_gold(args: Any, verb: str) -> list[dict[str, Any]] | None:
    """The gold rows of ``args.view`` (from --gold or the dataset); ``None`` after printing an error."""
    from geostance.core.paths import default_dataset_root

    try:
        if args.gold is not None:
            return read_gold_rows(args.gold, args.view)
        return gold_views(args.dataset or default_dataset_root(), (args.view,))[0][args.view]
    except GoldError as exc:
        _err(verb, f"gold: {exc}")
        return None


def check_paths(args: Any, verb: str, files: Sequence[Path]) -> bool:
    for p in [*files, *([args.gold] if args.gold is not None else [])]:
        if not p.exists():
            _err(verb, f"{p}: no such file")
            return False
    if args.dataset is not None and not args.dataset.is_dir():
        _err(verb, f"--dataset {args.dataset}: no such folder")
        return False
    if args.resamples < 0:
        _err(verb, "--resamples must be 0 or more")
        return False
    if args.per_target and args.view != "stance_classification":
        _err(verb, "--per-target applies to stance_classification only")
        return False
    return True
