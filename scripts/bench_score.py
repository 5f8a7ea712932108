#!/usr/bin/env python3
"""Benchmark of the scorer's bootstrap: confusion-matrix resampling against the textbook loop.

Synthetic stance_classification predictions (seeded; labels skewed like a
stance view: mostly NONE), scored with 95% bootstrap intervals two ways:

  fast     geostance.evaluation.score.score_rows(unit="item"): the labels are encoded, the
           confusion matrix counted once, and each of the R resamples is one
           multinomial draw over the (at most 16) cells, turned into every
           measure (per-class P/R/F1, accuracy, macro-F1, F_avg) at once
  sklearn  the textbook loop: for each resample draw n row indices with
           replacement and call sklearn.metrics.precision_recall_fscore_support
           and accuracy_score on the resampled rows. Too slow to run R times:
           it is timed on --sklearn-resamples resamples and extrapolated
           linearly to R (each resample costs the same), and the script says so

Both give the same point estimates (checked to 1e-12 against scikit-learn on
the full sample). Timings are printed, never asserted.

usage: python scripts/bench_score.py [--n 1000000] [--resamples 10000] [--sklearn-resamples 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of predictions (default 1,000,000)")
    ap.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples (default 10,000)")
    ap.add_argument("--sklearn-resamples", type=int, default=20, help="resamples actually run on the sklearn path (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    from geostance.evaluation import scorers
    from geostance.contract.labels import STANCE_VIEW_LABELS

    labels = STANCE_VIEW_LABELS
    k = len(labels)
    rng = np.random.default_rng(args.seed)
    p_gold = np.array([0.08, 0.17, 0.03, 0.72])  # FAVOR, AGAINST, NEUTRAL, NONE
    g = rng.choice(k, args.n, p=p_gold)
    # a system right 70% of the time, otherwise a label drawn like gold
    noise = rng.choice(k, args.n, p=p_gold)
    p = np.where(rng.random(args.n) < 0.7, g, noise)
    rows = [{"label": labels[i]} for i in g.tolist()]
    pred = [labels[i] for i in p.tolist()]
    print(f"{args.n:,} synthetic stance predictions, {args.resamples:,} bootstrap resamples, seed {args.seed}")

    # ---- fast: geostance.evaluation.score
    scorer = scorers.scorer_for("stance_classification", unit="item")
    t0 = time.perf_counter()
    rep = scorers.score_rows(scorer, rows, pred, args.resamples, args.seed)
    fast = time.perf_counter() - t0
    print(f"fast     geostance.evaluation.score.score_rows: {fast:.3f} s (label encoding, counting, {args.resamples:,} resamples, "
          "every measure and its interval)")

    # ---- sklearn per resample, on a subset of the resamples
    r = max(1, args.sklearn_resamples)
    rng2 = np.random.default_rng(args.seed + 1)
    t0 = time.perf_counter()
    sk_macro = []
    for _ in range(r):
        idx = rng2.integers(0, args.n, args.n)
        gi, pi = g[idx], p[idx]
        _, _, f, _ = precision_recall_fscore_support(gi, pi, labels=range(k), zero_division=0)
        accuracy_score(gi, pi)
        sk_macro.append(f.mean())
    per = (time.perf_counter() - t0) / r
    slow = per * args.resamples
    print(f"sklearn  resample rows + precision_recall_fscore_support + accuracy_score: {per:.3f} s per resample, "
          f"timed on {r} resamples and extrapolated to {args.resamples:,}: {slow:,.0f} s")
    print(f"speed-up: {slow / fast:,.0f}x")

    # ---- same point estimates
    P, R, F, _ = precision_recall_fscore_support(g, p, labels=range(k), zero_division=0)
    checks = {
        "macro_f1": abs(rep.scores["macro_f1"].value - F.mean()),
        "f_avg": abs(rep.scores["f_avg"].value - (F[labels.index("FAVOR")] + F[labels.index("AGAINST")]) / 2),
        "accuracy": abs(rep.scores["accuracy"].value - accuracy_score(g, p)),
        "per-class P/R/F1": max(max(abs(rep.per_class[lab][m].value - v[i]) for m, v in (("precision", P), ("recall", R), ("f1", F)))
                                for i, lab in enumerate(labels)),
    }
    worst = max(checks.values())
    print("point estimates, |geostance - sklearn| on the full sample: "
          + ", ".join(f"{name} {d:.1e}" for name, d in checks.items())
          + (" (same)" if worst <= 1e-12 else " (DIFFERENT)"))
    e = rep.scores["macro_f1"]
    print(f"macro-F1 {e.value:.5f}, 95% CI [{e.low:.5f}, {e.high:.5f}] (fast); "
          f"sklearn's {r} resamples: mean {np.mean(sk_macro):.5f}, range [{min(sk_macro):.5f}, {max(sk_macro):.5f}]")
    return 0 if worst <= 1e-12 else 1


if __name__ == "__main__":
    raise SystemExit(main())
