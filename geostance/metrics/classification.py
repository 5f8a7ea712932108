"""Classification metrics from a confusion matrix: the field's exact variants.

Every function is a pure function of counts (a confusion matrix with gold
on rows, predictions on columns), vectorised over leading axes, so one call
evaluates a point estimate or ten thousand bootstrap replicates alike. Each
docstring states the variant, its zero-division convention and its source.

* :func:`per_class_prf`, :func:`accuracy`, :func:`macro_f1` (over a fixed
  label set, a label's F1 taken as 0 where it is neither in gold nor
  predicted: scikit-learn's ``f1_score(labels=..., average="macro",
  zero_division=0)``);
* :func:`semeval_f_avg`, :func:`per_target_f_avg`: SemEval-2016 Task 6,
  F_avg = (F_FAVOR + F_AGAINST) / 2 (Mohammad et al. 2016, SemEval; the
  task's ``eval.pl``);
* :func:`tacred_micro`, :func:`macro_f1_without`: TACRED's micro P/R/F1 over
  every label but the no-relation label (Zhang et al. 2017, EMNLP; the
  task's ``score.py``);
* :func:`honest_prf`, :func:`undefined_where`: the same ratios with 0/0 left
  undefined (NaN) instead of a reference scorer's convention.

>>> import numpy as np
>>> cm = np.array([[3, 1, 0], [0, 2, 0], [1, 0, 1]])   # rows gold, columns predicted; F1 by class .75, .8, 2/3
>>> round(float(accuracy(cm)), 4), round(float(macro_f1(cm)), 4)
(0.75, 0.7389)
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from geostance.contract.labels import (
    RELATION_NONE,
    STANCE_VIEW_LABELS,
)



FAVOR = STANCE_VIEW_LABELS.index("FAVOR")


AGAINST = STANCE_VIEW_LABELS.index("AGAINST")


def _div(num: np.ndarray, den: np.ndarray, fill: float) -> np.ndarray:
    """num / den elementwise, ``fill`` where den == 0 (float64)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def confusion_matrix(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray, k: int) -> np.ndarray:
    """The k x k confusion matrix: rows are gold labels, columns predictions.

    ``gold`` and ``pred`` are label indices in ``range(k)``; one ``np.bincount``.

    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1], 3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    """
    g = np.asarray(gold, dtype=np.int64)
    p = np.asarray(pred, dtype=np.int64)
    return np.bincount(g * k + p, minlength=k * k).reshape(k, k)


def per_class_prf(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall and F1 from confusion matrices ``(..., K, K)``.

    precision_c = tp_c / predicted_c, recall_c = tp_c / gold_c and
    F1_c = 2 tp_c / (gold_c + predicted_c) (the harmonic mean of the two).
    A ratio whose denominator is 0 is 0: scikit-learn's
    ``precision_recall_fscore_support(zero_division=0)``, and the SemEval-2016
    Task 6 and conlleval scripts.

    >>> cm = np.array([[2, 1], [0, 1]])
    >>> p, r, f = per_class_prf(cm)
    >>> p.tolist(), r.tolist(), [round(x, 4) for x in f.tolist()]
    ([1.0, 0.5], [0.6666666666666666, 1.0], [0.8, 0.6667])
    """
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    gold = cm.sum(axis=-1)
    pred = cm.sum(axis=-2)
    return _div(tp, pred, 0.0), _div(tp, gold, 0.0), _div(2.0 * tp, gold + pred, 0.0)


def accuracy(cm: np.ndarray) -> np.ndarray:
    """Accuracy: trace / total (0 for an empty matrix).

    >>> float(accuracy(np.array([[2, 1], [0, 1]])))
    0.75
    """
    cm = np.asarray(cm, dtype=np.float64)
    return _div(np.trace(cm, axis1=-2, axis2=-1), cm.sum(axis=(-2, -1)), 0.0)


def macro_f1(cm: np.ndarray, labels: Sequence[int] | None = None) -> np.ndarray:
    """Macro-F1 over a fixed label set: the unweighted mean of per-class F1
    over ``labels`` (class indices; default: every class of the matrix).

    A class of the set that is neither in gold nor predicted has F1 = 0
    (scikit-learn's ``f1_score(labels=labels, average="macro",
    zero_division=0)``): the set, and so the denominator of the mean, is the
    same in every bootstrap resample, so an interval does not move with the
    labels a resample happens to hold; 0 for an empty set.

    >>> cm = np.array([[2, 1, 0], [0, 1, 0], [0, 0, 0]])   # third class absent
    >>> round(float(macro_f1(cm)), 6)                       # (0.8 + 2/3 + 0) / 3
    0.488889
    >>> round(float(macro_f1(cm, [0, 1])), 6)               # (0.8 + 2/3) / 2
    0.733333
    """
    cm = np.asarray(cm, dtype=np.float64)
    _, _, f1 = per_class_prf(cm)
    idx = list(range(cm.shape[-1])) if labels is None else list(labels)
    if not idx:
        return np.zeros(cm.shape[:-2])
    return f1[..., idx].mean(axis=-1)


def semeval_f_avg(cm: np.ndarray, favor: int = FAVOR, against: int = AGAINST) -> np.ndarray:
    """SemEval-2016 Task 6 score: F_avg = (F_FAVOR + F_AGAINST) / 2.

    Counts are pooled over all rows (all targets together), as the official
    ``eval.pl`` pools its counts; F_c = 2 P_c R_c / (P_c + R_c) with P, R
    and F taken as 0 on a zero denominator. NONE and NEUTRAL enter only as
    false positives and false negatives of FAVOR and AGAINST. Mohammad,
    Kiritchenko, Sobhani, Zhu and Cherry (2016), "SemEval-2016 Task 6:
    Detecting Stance in Tweets", Proc. SemEval-2016, 31-41.

    Label order here: FAVOR, AGAINST, NEUTRAL, NONE.

    >>> cm = np.array([[3, 1, 0, 0], [0, 2, 0, 2], [0, 0, 1, 0], [1, 0, 0, 5]])
    >>> round(float(semeval_f_avg(cm, 0, 1)), 6)             # F_FAVOR = 6/8, F_AGAINST = 4/7
    0.660714
    """
    _, _, f1 = per_class_prf(cm)
    return (f1[..., favor] + f1[..., against]) / 2.0


def per_target_f_avg(cm_by_target: np.ndarray, favor: int = FAVOR, against: int = AGAINST) -> np.ndarray:
    """Per-target macro F_avg: an F_avg computed on each target's rows, then averaged over targets.

    ``cm_by_target`` is ``(..., T, K, K)``. Within a target, F_avg_t is the
    mean of F_FAVOR and F_AGAINST over those of the two classes that occur in
    the target's gold or predictions (a target discussed only favourably
    would otherwise be capped at 0.5); targets where neither occurs are left
    out of the mean over targets; 0 when no target is left. This is a
    **variant**, not the official SemEval-2016 pooling (:func:`semeval_f_avg`):
    it weighs a rarely mentioned target as much as a frequent one.

    >>> a = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])   # perfect: 1.0
    >>> b = np.array([[0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])   # FAVOR missed: 0.0
    >>> c = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 3]])   # no FAVOR/AGAINST: left out
    >>> float(per_target_f_avg(np.stack([a, b, c]), 0, 1))
    0.5
    """
    cm = np.asarray(cm_by_target, dtype=np.float64)
    _, _, f1 = per_class_prf(cm)
    fa = [favor, against]
    occurs = (cm.sum(axis=-1)[..., fa] + cm.sum(axis=-2)[..., fa]) > 0  # (..., T, 2)
    n = occurs.sum(axis=-1)
    f_t = _div((f1[..., fa] * occurs).sum(axis=-1), n, 0.0)
    present = n > 0
    return _div((f_t * present).sum(axis=-1), present.sum(axis=-1), 0.0)


def tacred_micro(cm: np.ndarray, none: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TACRED micro precision, recall and F1 over every label except ``none``.

    The official scorer (``score.py`` of Zhang, Zhong, Chen, Angeli and
    Manning 2017, "Position-aware Attention and Supervised Data Improve Slot
    Filling", EMNLP): guessed = rows whose prediction is not NA, gold = rows
    whose gold label is not NA, correct = rows where they are equal and not
    NA; P = correct / guessed, **taken as 1.0 when nothing is guessed**;
    R = correct / gold, 0 when there is no gold relation;
    F1 = 2PR / (P + R), 0 when P + R = 0. A relation predicted with the
    wrong type counts against both precision and recall.

    >>> cm = np.array([[2, 0, 1], [1, 1, 0], [1, 0, 4]])  # labels A, B, NA
    >>> [round(float(x), 6) for x in tacred_micro(cm, 2)]  # correct 3, guessed 5, gold 5
    [0.6, 0.6, 0.6]
    >>> [float(x) for x in tacred_micro(np.array([[0, 2], [0, 3]]), 1)]  # nothing guessed
    [1.0, 0.0, 0.0]
    """
    cm = np.asarray(cm, dtype=np.float64)
    k = cm.shape[-1]
    keep = np.array([i != none for i in range(k)])
    correct = (np.diagonal(cm, axis1=-2, axis2=-1) * keep).sum(axis=-1)
    guessed = (cm.sum(axis=-2) * keep).sum(axis=-1)
    gold = (cm.sum(axis=-1) * keep).sum(axis=-1)
    return _prf_from_counts(correct, guessed, gold, precision_if_none_guessed=1.0)


def _prf_from_counts(correct: np.ndarray, guessed: np.ndarray, gold: np.ndarray,
                     precision_if_none_guessed: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = _div(correct, guessed, precision_if_none_guessed)
    r = _div(correct, gold, 0.0)
    f = _div(2.0 * p * r, p + r, 0.0)
    return p, r, f


def macro_f1_without(cm: np.ndarray, none: int) -> np.ndarray:
    """Macro-F1 over every class but ``none`` (the relation types without
    NO_RELATION), a fixed set: :func:`macro_f1` with those labels.

    Per-type F1 as in :func:`per_class_prf`: a NO_RELATION row predicted as a
    type is a false positive of that type, a type predicted as NO_RELATION a
    false negative; a type neither in gold nor predicted has F1 = 0
    (scikit-learn ``f1_score(average="macro", labels=<types>, zero_division=0)``).

    >>> cm = np.array([[2, 0, 1], [1, 1, 0], [1, 0, 4]])   # labels A, B, NA
    >>> round(float(macro_f1_without(cm, 2)), 6)           # F1_A = 4/7, F1_B = 2/3
    0.619048
    """
    k = np.shape(cm)[-1]
    return macro_f1(cm, [i for i in range(k) if i != none])


def undefined_where(values: np.ndarray, undefined: np.ndarray) -> np.ndarray:
    """``values`` with NaN where ``undefined`` holds (float64).

    >>> undefined_where(np.array([1.0, 0.5]), np.array([True, False])).tolist()
    [nan, 0.5]
    """
    out = np.array(values, dtype=np.float64, copy=True)
    out[np.asarray(undefined, dtype=bool)] = np.nan
    return out


def honest_prf(correct: np.ndarray, guessed: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P, R and F1 with 0/0 undefined (NaN): P = correct / guessed, R =
    correct / gold, F1 = 2 correct / (guessed + gold), which is 2PR / (P + R)
    wherever P and R are defined, and 0 when one side is empty and the other
    is not (as the reference scorers give it).

    >>> [None if np.isnan(x) else float(x) for x in honest_prf(np.array(0.), np.array(0.), np.array(3.))]
    [None, 0.0, 0.0]
    >>> [round(float(x), 6) for x in honest_prf(np.array(3.), np.array(4.), np.array(6.))]
    [0.75, 0.5, 0.6]
    """
    correct, guessed, gold = (np.asarray(x, dtype=np.float64) for x in (correct, guessed, gold))
    p = undefined_where(_div(correct, guessed, 0.0), guessed == 0)
    r = undefined_where(_div(correct, gold, 0.0), gold == 0)
    f = undefined_where(_div(2.0 * correct, guessed + gold, 0.0), guessed + gold == 0)
    return p, r, f


def direction_ignored_counts(rows: Sequence[Mapping[str, Any]], pred: Sequence[str],
                             none: str = RELATION_NONE) -> dict[int, tuple[int, int, int]]:
    """The direction-ignored diagnostic: counts per unordered pair of mentions.

    The rows of one unordered pair {a, b} of a sentence (the rows (a, b) and
    (b, a) of the view) are taken together: G = the relation types in their
    gold labels, P = the relation types predicted for them (NO_RELATION left
    out); the pair counts correct = |G & P|, guessed = |P|, gold = |G|. So a
    relation predicted on the reversed pair counts as correct, as does a
    symmetric type stored once. Scored with TACRED's conventions
    (:func:`tacred_micro`), this is a **diagnostic** of how much of a
    system's error is direction alone, never the headline score.

    Returns ``{index of the pair's first row: (correct, guessed, gold)}``.

    >>> rows = [{"doc_id": "d", "sentence_id": "s1", "head_mention_id": "m1", "tail_mention_id": "m2", "label": "SUPPORT"},
    ...         {"doc_id": "d", "sentence_id": "s1", "head_mention_id": "m2", "tail_mention_id": "m1", "label": "NO_RELATION"}]
    >>> direction_ignored_counts(rows, ["NO_RELATION", "SUPPORT"])
    {0: (1, 1, 1)}
    """
    groups: dict[tuple[str, str, frozenset[str]], list[int]] = {}
    for i, r in enumerate(rows):
        key = (r["doc_id"], r["sentence_id"], frozenset((r["head_mention_id"], r["tail_mention_id"])))
        groups.setdefault(key, []).append(i)
    out: dict[int, tuple[int, int, int]] = {}
    for idx in groups.values():
        g = {rows[i]["label"] for i in idx} - {none}
        p = {pred[i] for i in idx} - {none}
        if g or p:
            out[idx[0]] = (len(g & p), len(p), len(g))
    return out
