"""Scorers for the task views: exact metric variants, bootstrap intervals, paired tests.

Every metric below is a pure function of counts (a confusion matrix, or
span counts), vectorised over leading axes, so that one call evaluates a
point estimate or ten thousand bootstrap replicates alike. Each docstring
states the variant computed, its zero-division conventions and where it
comes from, with an example that runs as a doctest.

Views and their measures (``geostance score VIEW PREDICTIONS``):

``stance_classification``
    per-class precision, recall and F1 over FAVOR / AGAINST / NEUTRAL / NONE,
    accuracy, macro-F1 over the fixed label set (:func:`macro_f1`), and the SemEval-2016 Task 6 score
    F_avg = (F_FAVOR + F_AGAINST) / 2 with counts pooled over all rows
    (:func:`semeval_f_avg`); with ``--per-target`` also F_avg computed per
    target and averaged (:func:`per_target_f_avg`), labelled as such.
``relation_classification``
    TACRED micro precision, recall and F1 over every label but NO_RELATION
    (:func:`tacred_micro`), macro-F1 over the relation types
    (:func:`macro_f1_without`), per-type figures, and as a diagnostic only a
    direction-ignored micro score (:func:`direction_ignored_counts`).
``stance_modality``, ``relation_modality``
    macro-F1 over the view's modality inventory, accuracy, per-modality figures.
``ner``
    exact-span micro precision, recall and F1, overall and by mention type,
    spans read from BIO tags as conlleval reads them (:func:`bio_spans`).

Fixed label sets. Every macro average is over a fixed label set, the view's
inventory (stance: FAVOR, AGAINST, NEUTRAL, NONE; relations: the relation
types; modality views: the modalities), in the point estimate and in every
bootstrap resample alike, a label's F1 taken as 0 where it is neither in
gold nor predicted (scikit-learn's ``f1_score(labels=<inventory>,
average="macro", zero_division=0)``). Averaging only the labels present
would let the interval move with the label set: a resample without the rare
NEUTRAL would average three labels instead of four.

Undefined ratios. A precision with nothing guessed (0/0), a recall with
nothing to find and an F1 with neither are **undefined**: the point
estimate is reported as undefined (``None`` in JSON, "—" in tables) with the
reference scorer's convention named beside it (the TACRED scorer takes
P = 1.0, conlleval and scikit-learn 0.0), never as a number; an interval
is taken over the resamples where the measure is defined, and the number of
resamples where it is not is reported. The functions of counts below keep
the reference conventions (they are checked against the reference scorers);
the scorers mark the undefined cases.

Confidence intervals (:func:`bootstrap`): 95 % percentile intervals from
seeded bootstrap resamples of *units*. The default unit is the sentence
(all rows of a sentence are drawn together: rows of one sentence share their
text and are not independent; a cluster bootstrap, Field & Welsh 2007,
*J. R. Stat. Soc. B* 69(3)); ``unit="item"`` resamples rows. Resampling
never touches the rows themselves: each unit adds a vector of counts (its
cells of the confusion matrix, its span counts), units with the same vector
are interchangeable, so drawing U units with replacement is one multinomial
draw over the distinct vectors, and a replicate's counts are that draw times
the matrix of distinct vectors. The result has exactly the distribution of
resampling the units one by one, and costs O(resamples x distinct vectors).

Paired tests (:func:`paired_test`): approximate randomisation (swap the
two systems' outputs unit by unit with probability 1/2; Noreen 1989,
*Computer-Intensive Methods for Testing Hypotheses*; Yeh 2000, COLING) for
the p-value, and a paired bootstrap (Koehn 2004, EMNLP) for the interval of
the difference, both vectorised the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from geostance.contract.labels import (
    MENTION_TYPES,
    MODALITIES,
    RELATION_NONE,
    RELATION_VIEW_LABELS,
    STANCE_MODALITIES,
    STANCE_VIEW_LABELS,
)

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
CONFIDENCE = 0.95
UNITS = ("sentence", "item")
VIEWS = ("stance_classification", "stance_modality", "relation_classification", "relation_modality", "ner")

FAVOR = STANCE_VIEW_LABELS.index("FAVOR")
AGAINST = STANCE_VIEW_LABELS.index("AGAINST")


def _div(num: np.ndarray, den: np.ndarray, fill: float) -> np.ndarray:
    """num / den elementwise, ``fill`` where den == 0 (float64)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


# ------------------------------------------------------------ confusion-matrix metrics


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


# ------------------------------------------------------------ spans (NER)


def bio_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Spans ``(type, start, end)`` (token indices, end exclusive) read from BIO tags.

    As conlleval reads them: ``B-T`` starts a span of type T; ``I-T``
    continues the open span if it has type T, and otherwise **starts a new
    span** of type T (an ``I-`` without a preceding ``B-`` of the same type
    is not dropped); ``O`` closes the open span. This is also seqeval's
    default (non-strict) mode. Tjong Kim Sang and De Meulder (2003),
    "Introduction to the CoNLL-2003 Shared Task", CoNLL; ``conlleval``.

    >>> bio_spans(["B-GPE", "I-GPE", "O", "I-ORG", "I-ORG", "B-ORG", "I-GPE"])
    [('GPE', 0, 2), ('ORG', 3, 5), ('ORG', 5, 6), ('GPE', 6, 7)]
    """
    spans: list[tuple[str, int, int]] = []
    cur: str | None = None
    start = 0
    for i, tag in enumerate(tags):
        if tag == "O":
            prefix, typ = "O", None
        else:
            prefix, _, typ = tag.partition("-")
        if cur is not None and (prefix != "I" or typ != cur):
            spans.append((cur, start, i))
            cur = None
        if prefix in ("B", "I") and cur is None:
            cur, start = typ, i
    if cur is not None:
        spans.append((cur, start, len(tags)))
    return spans


def span_counts(gold_tags: Sequence[str], pred_tags: Sequence[str], types: Sequence[str] = MENTION_TYPES) -> np.ndarray:
    """Exact-span counts per type: an array ``(len(types), 3)`` of
    (correct, predicted, gold). A predicted span is correct when a gold span
    has the same type, start and end.

    >>> span_counts(["B-GPE", "I-GPE", "O", "B-ORG"], ["B-GPE", "O", "O", "B-ORG"], ["GPE", "ORG"]).tolist()
    [[0, 1, 1], [1, 1, 1]]
    """
    index = {t: i for i, t in enumerate(types)}
    out = np.zeros((len(types), 3), dtype=np.int64)
    g = set(bio_spans(gold_tags))
    p = set(bio_spans(pred_tags))
    for t, _, _ in g:
        out[index[t], 2] += 1
    for span in p:
        out[index[span[0]], 1] += 1
        if span in g:
            out[index[span[0]], 0] += 1
    return out


def span_prf(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from (correct, predicted, gold) counts ``(..., 3)``.

    conlleval's conventions: P = correct / predicted and R = correct / gold,
    each 0 on a zero denominator; F1 = 2PR / (P + R), 0 when P + R = 0.
    Micro averaging sums the counts over types first.

    >>> [round(float(x), 6) for x in span_prf(np.array([3, 4, 6]))]
    [0.75, 0.5, 0.6]
    """
    c = np.asarray(counts, dtype=np.float64)
    return _prf_from_counts(c[..., 0], c[..., 1], c[..., 2], precision_if_none_guessed=0.0)


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


# ------------------------------------------------------------ contributions and resampling


@dataclass
class Contributions:
    """What each item adds to the counts a scorer's measures are computed from.

    ``cells``: arrays of length n_items; item i adds 1 to column
    ``cells[j][i]`` for each j (a confusion-matrix cell; two arrays when two
    systems are scored together). ``extra``: further additions as
    (item, column, value) arrays. ``units``: the resampling unit of each
    item (0..n_units-1), or ``None`` when every item is its own unit.
    """

    n_columns: int
    n_items: int
    cells: list[np.ndarray] = field(default_factory=list)
    extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    units: np.ndarray | None = None
    n_units: int = 0

    def __post_init__(self) -> None:
        if self.units is None:
            self.n_units = self.n_items

    def totals(self) -> np.ndarray:
        """The counts of the whole sample (a vector of ``n_columns``)."""
        out = np.zeros(self.n_columns, dtype=np.int64)
        for c in self.cells:
            out += np.bincount(c, minlength=self.n_columns)
        if self.extra is not None:
            item, col, val = self.extra
            out += np.bincount(col, weights=val, minlength=self.n_columns).astype(np.int64)
        return out

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct per-unit count vectors ``(D, n_columns)`` and how many
        units have each ``(D,)``; sums to :meth:`totals` when weighted."""
        m = self.n_columns
        if self.units is None and self.extra is None and self.cells:
            # fast path: each item is its own unit and adds one cell per array
            key = np.ravel_multi_index(tuple(self.cells), (m,) * len(self.cells)) if len(self.cells) > 1 else self.cells[0]
            counts = np.bincount(key, minlength=m ** len(self.cells))
            used = np.flatnonzero(counts)
            rows = np.zeros((used.size, m), dtype=np.int64)
            parts = np.unravel_index(used, (m,) * len(self.cells))
            for p in parts:
                np.add.at(rows, (np.arange(used.size), p), 1)
            return rows, counts[used]
        units = self.units if self.units is not None else np.arange(self.n_items)
        dense = np.zeros((self.n_units, m), dtype=np.int64)
        for c in self.cells:
            np.add.at(dense, (units, c), 1)
        if self.extra is not None:
            item, col, val = self.extra
            np.add.at(dense, (units[item], col), val.astype(np.int64))
        rows, mult = np.unique(dense, axis=0, return_counts=True)
        return rows, mult

    def joined(self, other: "Contributions") -> "Contributions":
        """Columns of ``self`` then ``other`` (same items and units): two systems scored together."""
        if other.n_items != self.n_items:
            raise ValueError("the two systems were scored on different items")
        m = self.n_columns
        extra = None
        if self.extra is not None or other.extra is not None:
            parts = [e for e in (self.extra, None if other.extra is None else (other.extra[0], other.extra[1] + m, other.extra[2])) if e is not None]
            extra = tuple(np.concatenate([p[k] for p in parts]) for k in range(3))  # type: ignore[assignment]
        return Contributions(m + other.n_columns, self.n_items, [*self.cells, *[c + m for c in other.cells]],
                             extra, self.units, self.n_units)


def resample_counts(distinct: np.ndarray, mult: np.ndarray, resamples: int, rng: np.random.Generator,
                    chunk: int = 2_000_000) -> np.ndarray:
    """Bootstrap replicates of the total counts: ``(resamples, n_columns)`` float64.

    Drawing ``U = mult.sum()`` units with replacement and summing their count
    vectors is drawing how often each distinct vector is chosen, a
    multinomial(U, mult / U) vector, and multiplying it into ``distinct``.
    Work is done in chunks of about ``chunk`` numbers.

    >>> rng = np.random.default_rng(0)
    >>> reps = resample_counts(np.array([[1, 0], [0, 1]]), np.array([3, 1]), 5, rng)
    >>> reps.shape, bool((reps.sum(axis=1) == 4).all())
    ((5, 2), True)
    """
    u = int(mult.sum())
    pvals = mult / u
    d = distinct.astype(np.float64)
    step = max(1, chunk // max(1, len(mult)))
    out = np.empty((resamples, distinct.shape[1]), dtype=np.float64)
    for lo in range(0, resamples, step):
        n = min(step, resamples - lo)
        w = rng.multinomial(u, pvals, size=n).astype(np.float64)
        out[lo:lo + n] = w @ d
    return out


def defined_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float | None, float | None, int]:
    """The percentile interval of one measure's replicates over those where
    it is defined (not NaN), and how many are not; ``(None, None, n)`` when
    none is.

    >>> [round(x, 9) for x in defined_interval(np.array([np.nan, *range(101)]))]
    [2.5, 97.5, 1]
    >>> defined_interval(np.array([np.nan, np.nan]))
    (None, None, 2)
    """
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    n_undefined = int(v.size - np.count_nonzero(ok))
    if not ok.any():
        return None, None, n_undefined
    low, high = percentile_interval(v[ok], confidence)
    return float(low), float(high), n_undefined


def percentile_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """The percentile bootstrap interval along axis 0 (Efron and Tibshirani
    1993, *An Introduction to the Bootstrap*, ch. 13): the (1-c)/2 and
    (1+c)/2 quantiles of the replicates, numpy's linear interpolation.

    >>> lo, hi = percentile_interval(np.arange(101.0))
    >>> round(float(lo), 9), round(float(hi), 9)
    (2.5, 97.5)
    """
    a = (1.0 - confidence) / 2.0
    q = np.quantile(values, [a, 1.0 - a], axis=0)
    return q[0], q[1]


# ------------------------------------------------------------ scorers of the views


Measures = dict[str, np.ndarray]


class Scorer(ABC):
    """How one view is scored: its labels, what each row contributes, and the
    measures computed from the summed contributions (vectorised)."""

    view: str = ""
    unit: str = "sentence"
    labels: tuple[str, ...] = ()
    headline: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = ()
    #: measure -> what the reference scorer reports where the measure is
    #: undefined (0/0); shown beside "undefined", never used as the value
    conventions: dict[str, str] = {}
    #: per-class precision, recall, F1 where undefined, in the reference scorers
    per_class_convention: str = "scikit-learn (zero_division=0): 0.0"

    @abstractmethod
    def variants(self) -> list[str]:
        """One line per measure: the exact variant computed (printed in every header)."""

    @abstractmethod
    def contributions(self, rows: Sequence[Mapping[str, Any]], pred: Sequence[Any]) -> Contributions:
        """What each row adds to the counts, and its resampling unit."""

    @abstractmethod
    def measures(self, counts: np.ndarray) -> Measures:
        """The headline and diagnostic measures of counts ``(..., n_columns)``."""

    @abstractmethod
    def per_class(self, counts: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """Per label (or type): precision, recall, F1, support, predicted."""

    def confusion(self, counts: np.ndarray) -> np.ndarray | None:
        """The confusion matrix, for views that have one."""
        return None


def _units(rows: Sequence[Mapping[str, Any]], unit: str) -> tuple[np.ndarray | None, int]:
    if unit == "item":
        return None, len(rows)
    if unit != "sentence":
        raise ValueError(f"unknown bootstrap unit {unit!r}; expected one of {', '.join(UNITS)}")
    keys: dict[tuple[Any, Any], int] = {}
    out = np.empty(len(rows), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i] = keys.setdefault((r.get("doc_id"), r.get("sentence_id")), len(keys))
    return out, len(keys)


def _encode(labels: Sequence[str], values: Sequence[str], what: str) -> np.ndarray:
    index = {l: i for i, l in enumerate(labels)}
    try:
        return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    except KeyError as exc:
        raise ValueError(f"unknown {what} label {exc.args[0]!r}; expected one of {', '.join(labels)}") from None


class ConfusionScorer(Scorer):
    """Common part of the classification views: one confusion-matrix cell per row."""

    def __init__(self, unit: str = "sentence") -> None:
        self.unit = unit

    @property
    def k(self) -> int:
        return len(self.labels)

    def cells(self, rows: Sequence[Mapping[str, Any]], pred: Sequence[str]) -> np.ndarray:
        g = _encode(self.labels, [r["label"] for r in rows], "gold")
        p = _encode(self.labels, pred, "predicted")
        return g * self.k + p

    def confusion(self, counts: np.ndarray) -> np.ndarray:
        return np.asarray(counts)[..., : self.k * self.k].reshape(*np.shape(counts)[:-1], self.k, self.k)

    def macro_labels(self) -> list[int]:
        """The fixed label set of the view's macro-F1 (indices into ``labels``)."""
        return list(range(self.k))

    def per_class(self, counts: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        cm = np.asarray(self.confusion(counts), dtype=np.float64)
        tp = np.diagonal(cm, axis1=-2, axis2=-1)
        gold, pred = cm.sum(axis=-1), cm.sum(axis=-2)
        p, r, f = honest_prf(tp, pred, gold)
        return {lab: {"precision": p[..., i], "recall": r[..., i], "f1": f[..., i],
                      "support": gold[..., i], "predicted": pred[..., i]}
                for i, lab in enumerate(self.labels)}


class StanceScorer(ConfusionScorer):
    view = "stance_classification"
    labels = STANCE_VIEW_LABELS
    headline = ("macro_f1", "f_avg", "accuracy")

    def __init__(self, unit: str = "sentence", per_target: bool = False) -> None:
        super().__init__(unit)
        self.per_target = per_target
        self.targets: list[str] = []
        if per_target:
            self.headline = self.headline + ("f_avg_per_target",)

    def variants(self) -> list[str]:
        v = [
            f"macro_f1: unweighted mean of per-class F1 over the fixed label set {' / '.join(self.labels)} in every "
            "resample (a label neither in gold nor predicted counts 0)",
            "f_avg: SemEval-2016 Task 6 F_avg = (F_FAVOR + F_AGAINST) / 2, counts pooled over all rows (official eval.pl pooling)",
            "accuracy: correct rows / rows",
            "per class: P = tp / predicted, R = tp / gold, F1 = 2 tp / (gold + predicted); undefined on a zero "
            "denominator (scikit-learn and eval.pl: 0)",
        ]
        if self.per_target:
            v.append("f_avg_per_target: PER-TARGET MACRO variant (not the official pooling): per target_name, the mean of "
                     "F_FAVOR and F_AGAINST over those occurring in its gold or predictions; then the mean over targets")
        return v

    def contributions(self, rows: Sequence[Mapping[str, Any]], pred: Sequence[str]) -> Contributions:
        cells = self.cells(rows, pred)
        units, n_units = _units(rows, self.unit)
        if self.per_target:
            self.targets = sorted({str(r["target_name"]) for r in rows})
            t = {name: i for i, name in enumerate(self.targets)}
            tix = np.fromiter((t[str(r["target_name"])] for r in rows), dtype=np.int64, count=len(rows))
            cells = tix * self.k * self.k + cells
            m = len(self.targets) * self.k * self.k
        else:
            m = self.k * self.k
        return Contributions(m, len(rows), [cells], None, units, n_units)

    def confusion(self, counts: np.ndarray) -> np.ndarray:
        counts = np.asarray(counts)
        k = self.k
        by_target = counts.reshape(*counts.shape[:-1], -1, k, k)
        return by_target.sum(axis=-3)

    def measures(self, counts: np.ndarray) -> Measures:
        cm = self.confusion(counts)
        out = {"macro_f1": macro_f1(cm), "f_avg": semeval_f_avg(cm), "accuracy": accuracy(cm)}
        if self.per_target:
            counts = np.asarray(counts)
            out["f_avg_per_target"] = per_target_f_avg(counts.reshape(*counts.shape[:-1], -1, self.k, self.k))
        return out


class RelationScorer(ConfusionScorer):
    view = "relation_classification"
    labels = RELATION_VIEW_LABELS
    headline = ("micro_f1", "micro_precision", "micro_recall", "macro_f1")
    diagnostics = ("undirected_f1", "undirected_precision", "undirected_recall")
    conventions = {"micro_precision": "TACRED scorer: 1.0", "undirected_precision": "TACRED scorer: 1.0",
                   "micro_recall": "TACRED scorer: 0.0", "undirected_recall": "TACRED scorer: 0.0",
                   "micro_f1": "TACRED scorer: 0.0", "undirected_f1": "TACRED scorer: 0.0"}

    @property
    def none(self) -> int:
        return self.labels.index(RELATION_NONE)

    def macro_labels(self) -> list[int]:
        return [i for i in range(self.k) if i != self.none]

    def variants(self) -> list[str]:
        return [
            f"micro P/R/F1: TACRED scorer, micro over every label except {RELATION_NONE}; guessed = pred != NA, "
            "gold = gold != NA, correct = equal and != NA; P is UNDEFINED when nothing is guessed (the TACRED "
            "scorer takes 1.0), R undefined when there is no gold relation (TACRED: 0)",
            f"macro_f1: unweighted mean of per-type F1 over the fixed set of the {len(self.labels) - 1} relation types "
            f"(not {RELATION_NONE}) in every resample (a type neither in gold nor predicted counts 0)",
            "undirected_*: DIAGNOSTIC ONLY, direction ignored: per unordered mention pair, types of both rows as sets "
            "(correct = |gold & pred|), TACRED conventions",
        ]

    def contributions(self, rows: Sequence[Mapping[str, Any]], pred: Sequence[str]) -> Contributions:
        cells = self.cells(rows, pred)
        units, n_units = _units(rows, self.unit)
        m0 = self.k * self.k
        und = direction_ignored_counts(rows, pred)
        item = np.repeat(np.fromiter(und.keys(), dtype=np.int64, count=len(und)), 3)
        col = np.tile(np.arange(m0, m0 + 3), len(und))
        val = np.fromiter((x for v in und.values() for x in v), dtype=np.int64, count=3 * len(und))
        return Contributions(m0 + 3, len(rows), [cells], (item, col, val), units, n_units)

    def measures(self, counts: np.ndarray) -> Measures:
        counts = np.asarray(counts, dtype=np.float64)
        cm = self.confusion(counts)
        keep = np.array([i != self.none for i in range(self.k)])
        correct = (np.diagonal(cm, axis1=-2, axis2=-1) * keep).sum(axis=-1)
        guessed = (cm.sum(axis=-2) * keep).sum(axis=-1)
        gold = (cm.sum(axis=-1) * keep).sum(axis=-1)
        p, r, f = honest_prf(correct, guessed, gold)  # tacred_micro's, with 0/0 undefined
        m0 = self.k * self.k
        up, ur, uf = honest_prf(counts[..., m0], counts[..., m0 + 1], counts[..., m0 + 2])
        return {"micro_f1": f, "micro_precision": p, "micro_recall": r, "macro_f1": macro_f1_without(cm, self.none),
                "undirected_f1": uf, "undirected_precision": up, "undirected_recall": ur}


class NerScorer(Scorer):
    view = "ner"
    labels = MENTION_TYPES
    headline = ("micro_f1", "micro_precision", "micro_recall")
    conventions = {"micro_precision": "conlleval: 0.0", "micro_recall": "conlleval: 0.0", "micro_f1": "conlleval: 0.0"}
    per_class_convention = "conlleval: 0.0"

    def __init__(self, unit: str = "sentence") -> None:
        if unit not in UNITS:
            raise ValueError(f"unknown bootstrap unit {unit!r}; expected one of {', '.join(UNITS)}")
        self.unit = unit  # a ner row is a sentence: both units resample rows

    def variants(self) -> list[str]:
        return [
            "exact-span micro P/R/F1 (CoNLL-2003 / conlleval): a predicted span is correct when type, start and end "
            "equal a gold span's; counts summed over types (micro), and per type",
            "spans from BIO as conlleval reads them: an I- tag without a preceding B-/I- of the same type starts a span",
            "P is UNDEFINED when nothing is predicted and R when there is no gold span (conlleval: 0); "
            "F1 = 2 correct / (predicted + gold)",
        ]

    def contributions(self, rows: Sequence[Mapping[str, Any]], pred: Sequence[Sequence[str]]) -> Contributions:
        t = len(self.labels)
        per_row = np.zeros((len(rows), t, 3), dtype=np.int64)
        for i, (r, p) in enumerate(zip(rows, pred)):
            per_row[i] = span_counts(r["tags"], p, self.labels)
        flat = per_row.reshape(len(rows), 3 * t)
        item, col = np.nonzero(flat)
        units, n_units = _units(rows, self.unit)
        return Contributions(3 * t, len(rows), [], (item, col, flat[item, col]), units, n_units)

    def measures(self, counts: np.ndarray) -> Measures:
        c = np.asarray(counts, dtype=np.float64)
        tot = c.reshape(*c.shape[:-1], len(self.labels), 3).sum(axis=-2)
        p, r, f = honest_prf(tot[..., 0], tot[..., 1], tot[..., 2])  # span_prf's, with 0/0 undefined
        return {"micro_f1": f, "micro_precision": p, "micro_recall": r}

    def per_class(self, counts: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        c = np.asarray(counts, dtype=np.float64)
        by_type = c.reshape(*c.shape[:-1], len(self.labels), 3)
        p, r, f = honest_prf(by_type[..., 0], by_type[..., 1], by_type[..., 2])
        return {lab: {"precision": p[..., i], "recall": r[..., i], "f1": f[..., i],
                      "support": by_type[..., i, 2], "predicted": by_type[..., i, 1]}
                for i, lab in enumerate(self.labels)}


class ModalityScorer(ConfusionScorer):
    """``stance_modality`` and ``relation_modality``: every row has a gold
    relation or stance; its modality is the label."""

    headline = ("macro_f1", "accuracy")

    def __init__(self, view: str, unit: str = "sentence") -> None:
        super().__init__(unit)
        self.view = view
        self.labels = STANCE_MODALITIES if view == "stance_modality" else MODALITIES

    def variants(self) -> list[str]:
        return [
            f"macro_f1: unweighted mean of per-modality F1 over the fixed set {' / '.join(self.labels)} in every "
            "resample (a modality neither in gold nor predicted counts 0)",
            "accuracy: correct rows / rows",
            "per modality: P = tp / predicted, R = tp / gold, F1 = 2 tp / (gold + predicted); undefined on a zero "
            "denominator (scikit-learn: 0)",
        ]

    def contributions(self, rows: Sequence[Mapping[str, Any]], pred: Sequence[str]) -> Contributions:
        units, n_units = _units(rows, self.unit)
        return Contributions(self.k * self.k, len(rows), [self.cells(rows, pred)], None, units, n_units)

    def measures(self, counts: np.ndarray) -> Measures:
        cm = self.confusion(counts)
        return {"macro_f1": macro_f1(cm), "accuracy": accuracy(cm)}


def scorer_for(view: str, unit: str = "sentence", per_target: bool = False) -> Scorer:
    """The scorer of a task view.

    >>> scorer_for("relation_classification").headline[0]
    'micro_f1'
    """
    if unit not in UNITS:
        raise ValueError(f"unknown bootstrap unit {unit!r}; expected one of {', '.join(UNITS)}")
    if view == "stance_classification":
        return StanceScorer(unit, per_target)
    if per_target:
        raise ValueError("per-target scoring applies to stance_classification only")
    if view == "relation_classification":
        return RelationScorer(unit)
    if view == "ner":
        return NerScorer(unit)
    if view in ("stance_modality", "relation_modality"):
        return ModalityScorer(view, unit)
    raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")


# ------------------------------------------------------------ reports


@dataclass
class Estimate:
    """A point estimate and its bootstrap interval.

    ``value`` is None when the measure is undefined on the sample (a
    precision with nothing guessed); ``convention`` then names what the
    reference scorer would print instead. ``low`` and ``high`` are taken over
    the resamples where the measure is defined (``undefined_resamples`` of
    the resamples it is not), None when it is defined in none.

    >>> Estimate(0.5, 0.25, 0.75).as_dict()
    {'value': 0.5, 'ci95': [0.25, 0.75]}
    >>> Estimate(None, None, None, 1000, "TACRED scorer: 1.0").as_dict()
    {'value': None, 'ci95': None, 'undefined': 'a ratio with a zero denominator (nothing guessed, nothing to find)', 'convention': 'TACRED scorer: 1.0', 'undefined_resamples': 1000}
    """

    value: float | None
    low: float | None
    high: float | None
    undefined_resamples: int = 0
    convention: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None

    def as_dict(self, digits: int = 6) -> dict[str, Any]:
        d: dict[str, Any] = {"value": None if self.value is None else round(self.value, digits),
                             "ci95": None if self.low is None or self.high is None else [round(self.low, digits), round(self.high, digits)]}
        if self.value is None:
            d["undefined"] = UNDEFINED
            if self.convention:
                d["convention"] = self.convention
        if self.undefined_resamples:
            d["undefined_resamples"] = self.undefined_resamples
        return d


UNDEFINED = "a ratio with a zero denominator (nothing guessed, nothing to find)"


def _flat(scorer: Scorer, counts: np.ndarray) -> dict[tuple[str, ...], np.ndarray]:
    """All measures of one counts array (or a batch): headline, diagnostics, per class."""
    out: dict[tuple[str, ...], np.ndarray] = {}
    for k, v in scorer.measures(counts).items():
        out[("scores", k)] = v
    for lab, d in scorer.per_class(counts).items():
        for k in ("precision", "recall", "f1"):
            out[("per_class", lab, k)] = d[k]
    return out


@dataclass
class ScoreReport:
    """The result of scoring one system on one view."""

    view: str
    variants: list[str]
    n_items: int
    unit: str
    n_units: int
    resamples: int
    seed: int
    scores: dict[str, Estimate]
    diagnostics: dict[str, Estimate]
    per_class: dict[str, dict[str, Any]]
    confusion: list[list[int]] | None
    labels: tuple[str, ...]
    confidence: float = CONFIDENCE
    notes: list[str] = field(default_factory=list)

    def bootstrap_line(self) -> str:
        return (f"95% CI: percentile bootstrap, {self.resamples:,} resamples of {self.n_units:,} "
                f"{self.unit}{'s' if self.n_units != 1 else ''} ({self.n_items:,} rows), seed {self.seed}")

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "view": self.view,
            "metric_variants": list(self.variants),
            "n_rows": self.n_items,
            "bootstrap": {"method": "percentile", "confidence": self.confidence, "resamples": self.resamples,
                          "seed": self.seed, "unit": self.unit, "n_units": self.n_units},
            "scores": {k: e.as_dict() for k, e in self.scores.items()},
        }
        if self.diagnostics:
            d["diagnostics"] = {k: e.as_dict() for k, e in self.diagnostics.items()}
        d["per_class"] = {lab: {k: (v.as_dict() if isinstance(v, Estimate) else v) for k, v in c.items()}
                          for lab, c in self.per_class.items()}
        if self.confusion is not None:
            d["confusion_matrix"] = {"labels": list(self.labels), "rows_gold_columns_predicted": self.confusion}
        if self.notes:
            d["notes"] = list(self.notes)
        return d


def score_rows(scorer: Scorer, rows: Sequence[Mapping[str, Any]], pred: Sequence[Any],
               resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> ScoreReport:
    """Score predictions aligned with the gold ``rows`` (``pred[i]`` is the
    prediction for ``rows[i]``), with bootstrap intervals.

    Asymmetry (documented, tested): exchanging gold and predictions exchanges
    precision and recall; F1, F_avg, macro-F1 and accuracy are unchanged,
    except that TACRED's P = 1.0 convention then applies to the other side.

    >>> rows = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "label": l}
    ...         for i, l in enumerate(["FAVOR", "AGAINST", "NONE", "NONE"])]
    >>> rep = score_rows(scorer_for("stance_classification"), rows, ["FAVOR", "NONE", "NONE", "NONE"], 200)
    >>> rep.scores["f_avg"].value, rep.scores["accuracy"].value
    (0.5, 0.75)
    """
    if len(rows) != len(pred):
        raise ValueError(f"{len(pred)} predictions for {len(rows)} gold rows")
    if not rows:
        raise ValueError("no gold rows to score")
    contrib = scorer.contributions(rows, pred)
    totals = contrib.totals()
    point = _flat(scorer, totals)
    lo: dict[tuple[str, ...], float | None] = {}
    hi: dict[tuple[str, ...], float | None] = {}
    nans: dict[tuple[str, ...], int] = {}
    if resamples > 0:
        distinct, mult = contrib.distinct()
        reps = resample_counts(distinct, mult, resamples, np.random.default_rng(seed))
        flat = _flat(scorer, reps)
        for key, values in flat.items():
            lo[key], hi[key], nans[key] = defined_interval(values)

    def est(key: tuple[str, ...], convention: str | None) -> Estimate:
        v = float(point[key])
        if np.isnan(v):
            return Estimate(None, lo.get(key), hi.get(key), nans.get(key, 0), convention)
        return Estimate(v, lo.get(key, v), hi.get(key, v), nans.get(key, 0))

    def est_score(k: str) -> Estimate:
        return est(("scores", k), scorer.conventions.get(k))

    scores = {k: est_score(k) for k in scorer.headline}
    diags = {k: est_score(k) for k in scorer.diagnostics}
    per_class: dict[str, dict[str, Any]] = {}
    for lab, d in scorer.per_class(totals).items():
        per_class[lab] = {"support": int(d["support"]), "predicted": int(d["predicted"]),
                          **{k: est(("per_class", lab, k), scorer.per_class_convention) for k in ("precision", "recall", "f1")}}
    cm = scorer.confusion(totals)
    return ScoreReport(scorer.view, scorer.variants(), len(rows), scorer.unit, contrib.n_units,
                       resamples, seed, scores, diags, per_class, None if cm is None else cm.astype(int).tolist(),
                       scorer.labels, notes=macro_notes(scorer, per_class))


def macro_notes(scorer: Scorer, per_class: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What a reader must know about a macro-F1 over a fixed label set: the
    labels of the set without a gold row, which count 0 for every system."""
    if "macro_f1" not in scorer.headline or not isinstance(scorer, ConfusionScorer):
        return []
    fixed = [scorer.labels[i] for i in scorer.macro_labels()]
    absent = [lab for lab in fixed if per_class[lab]["support"] == 0]
    if not absent:
        return []
    k, n = len(fixed), len(absent)
    return [f"macro_f1: {n} of {k} labels of the fixed set have no gold row ({', '.join(absent)}); they count 0 for "
            f"every system, so a perfect system scores {k - n}/{k} = {(k - n) / k:.3f}"]


# ------------------------------------------------------------ paired comparison


@dataclass
class Comparison:
    """Two systems on the same rows, one measure: the difference A - B, its
    paired-bootstrap interval and the approximate-randomisation p-value.
    Where the measure is undefined for either system (a precision with
    nothing guessed), ``delta``, the interval and ``p_value`` are None."""

    measure: str
    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None
    p_value: float | None

    def as_dict(self, digits: int = 6) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, digits)

        d = {"measure": self.measure, "a": r(self.a), "b": r(self.b), "delta": r(self.delta),
             "delta_ci95": None if self.low is None or self.high is None else [r(self.low), r(self.high)],
             "p_value": r(self.p_value)}
        if self.delta is None:
            d["undefined"] = "the measure is undefined for " + ("both systems" if self.a is None and self.b is None
                                                                 else "system A" if self.a is None else "system B")
        return d


def paired_test(scorer: Scorer, rows: Sequence[Mapping[str, Any]], pred_a: Sequence[Any], pred_b: Sequence[Any],
                resamples: int = 10_000, seed: int = DEFAULT_SEED) -> list[Comparison]:
    """Compare systems A and B on the same gold rows, for each headline measure.

    p-value: approximate randomisation, two-sided. Under the null hypothesis
    that A and B are exchangeable, each unit's pair of outputs is swapped
    with probability 1/2; p = (1 + #{|delta_r| >= |delta|}) / (R + 1) over R
    randomisations (Noreen 1989; Yeh 2000; Riezler and Maxwell 2005). The
    interval is the percentile interval of delta over paired bootstrap
    resamples (the same units drawn for A and B; Koehn 2004). Both use the
    scorer's unit (sentence by default) and ``resamples`` draws each, seeded.
    p-values are per measure, not corrected for multiple comparisons. A
    measure undefined for either system (nothing guessed) is not compared;
    randomisations or resamples where it is undefined for a side are left
    out of the count.

    >>> rows = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "label": "FAVOR" if i % 2 else "AGAINST"}
    ...         for i in range(40)]
    >>> good = [r["label"] for r in rows]
    >>> bad = ["FAVOR"] * 40
    >>> c = paired_test(scorer_for("stance_classification"), rows, good, bad, 2000)[0]
    >>> c.measure, round(c.delta, 4), c.p_value < 0.001    # over the 4 labels: (1 + 1 + 0 + 0)/4 - (2/3)/4
    ('macro_f1', 0.3333, True)
    """
    ca = scorer.contributions(rows, pred_a)
    cb = scorer.contributions(rows, pred_b)
    if ca.n_columns != cb.n_columns:
        raise ValueError("the two systems were encoded differently")
    m = ca.n_columns
    joint = ca.joined(cb)
    tot_a, tot_b = ca.totals(), cb.totals()
    point_a, point_b = scorer.measures(tot_a), scorer.measures(tot_b)
    distinct, mult = joint.distinct()
    rng = np.random.default_rng(seed)
    # paired bootstrap
    reps = resample_counts(distinct, mult, resamples, rng)
    boot_a, boot_b = scorer.measures(reps[:, :m]), scorer.measures(reps[:, m:])
    # approximate randomisation: k_d of the mult_d units of kind d swapped
    diff = (distinct[:, m:] - distinct[:, :m]).astype(np.float64)
    out: list[Comparison] = []
    swapped_a = np.empty((resamples, m))
    swapped_b = np.empty((resamples, m))
    step = max(1, 2_000_000 // max(1, len(mult)))
    for lo in range(0, resamples, step):
        n = min(step, resamples - lo)
        k = rng.binomial(mult, 0.5, size=(n, len(mult))).astype(np.float64)
        shift = k @ diff
        swapped_a[lo:lo + n] = tot_a + shift
        swapped_b[lo:lo + n] = tot_b - shift
    ar_a, ar_b = scorer.measures(swapped_a), scorer.measures(swapped_b)
    for name in scorer.headline:
        a, b = float(point_a[name]), float(point_b[name])
        if np.isnan(a) or np.isnan(b):
            out.append(Comparison(name, None if np.isnan(a) else a, None if np.isnan(b) else b, None, None, None, None))
            continue
        delta = a - b
        l, h, _ = defined_interval(boot_a[name] - boot_b[name])
        # randomisations where the measure is undefined for a swapped system are left out of the count
        d_r = np.abs(ar_a[name] - ar_b[name])
        d_r = d_r[~np.isnan(d_r)]
        p = (1 + int(np.count_nonzero(d_r >= abs(delta) - 1e-12))) / (d_r.size + 1)
        out.append(Comparison(name, a, b, delta, l, h, p))
    return out


# ------------------------------------------------------------ formatting helpers


def fmt(x: float) -> str:
    """A score as printed in tables: three decimals.

    >>> fmt(0.66666), fmt(1.0)
    ('0.667', '1.000')
    """
    return f"{x:.3f}"


def fmt_ci(e: Estimate) -> str:
    """``value [low, high]``.

    >>> fmt_ci(Estimate(0.5, 0.25, 0.75))
    '0.500 [0.250, 0.750]'
    >>> fmt_ci(Estimate(None, None, None, 10, "TACRED scorer: 1.0"))
    'undefined (TACRED scorer: 1.0)'
    """
    if e.value is None:
        return "undefined" + (f" ({e.convention})" if e.convention else "")
    return f"{fmt(e.value)} [{fmt(e.low)}, {fmt(e.high)}]"


# ------------------------------------------------------------ gold views (I/O)

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stance_classification": ("id", "doc_id", "sentence_id", "holder_id", "target_id", "target_name", "label", "fold"),
    "stance_modality": ("id", "doc_id", "sentence_id", "holder_id", "target_id", "stance_label", "label", "fold"),
    "relation_classification": ("id", "doc_id", "sentence_id", "head_mention_id", "tail_mention_id", "label", "fold"),
    "relation_modality": ("id", "doc_id", "sentence_id", "head_mention_id", "tail_mention_id", "relation_type", "label",
                          "fold"),
    "ner": ("id", "doc_id", "sentence_id", "tokens", "tags", "fold"),
}


class GoldError(Exception):
    """The gold cannot be read or is not a view's rows; the message says why."""


def gold_views(root: Path, which: Sequence[str] = VIEWS) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """The task views of the dataset's gold, as the build derives them.

    Every ``annotations/gold/<doc_id>.jsonl`` of a document with a document
    record is validated (an invalid gold raises :class:`GoldError`), read
    with its text, and turned into rows by :mod:`geostance.hf.views` with the
    fold table over all these documents' sentences. Returns the rows per view
    and ``{gold file (relative to the dataset's parent): sha256}``.
    """
    import hashlib

    from geostance.core import jsonl, paths
    from geostance.validation import validator as validate
    from geostance.hf import views

    files = [(d, paths.gold_path(root, d)) for d in paths.doc_ids(root)]
    files = [(d, p) for d, p in files if p.is_file()]
    if not files:
        raise GoldError(f"{root}: no gold annotations (annotations/gold/<doc_id>.jsonl with a document record)")
    report = validate.validate([p for _, p in files])
    if report.errors:
        raise GoldError(f"the gold has {report.errors} validation error(s); run geostance validate {root / 'annotations' / 'gold'}")
    docs = []
    sources: dict[str, str] = {}
    for doc_id, p in files:
        data = p.read_bytes()
        try:
            sources[p.resolve().relative_to(root.resolve().parent).as_posix()] = hashlib.sha256(data).hexdigest()
        except ValueError:
            sources[p.name] = hashlib.sha256(data).hexdigest()
        text_file = paths.text_path(root, doc_id)
        text = text_file.read_bytes().decode("utf-8") if text_file.is_file() else None
        docs.append(views.Doc.from_records(doc_id, text, jsonl.load_records(p)))
    folds = views.assign_folds([(d.doc_id, len(d.sentences)) for d in docs])
    fns = {"stance_classification": views.stance_rows, "stance_modality": views.stance_modality_rows,
           "relation_classification": views.relation_rows, "relation_modality": views.relation_modality_rows,
           "ner": views.ner_rows}
    out: dict[str, list[dict[str, Any]]] = {}
    for v in which:
        rows: list[dict[str, Any]] = []
        for d in docs:
            rows += fns[v](d, folds)[0]
        out[v] = rows
    return out, sources


def read_gold_rows(path: Path, view: str) -> list[dict[str, Any]]:
    """View rows from a file: JSONL (one row per line) or Parquet (a built
    config, ClassLabel integers mapped back to names). Raises :class:`GoldError`."""
    from geostance.core import jsonl

    if path.suffix == ".parquet":
        try:
            import json

            import pyarrow.parquet as pq

            table = pq.read_table(path)
            meta = (table.schema.metadata or {}).get(b"huggingface")
            feats = json.loads(meta)["info"]["features"] if meta else {}
            rows = table.to_pylist()
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise GoldError(f"{path}: cannot read as Parquet: {exc}") from None
        lines = list(range(1, len(rows) + 1))
        # ClassLabel columns (and lists of them) are stored as integers: back to names
        for col, f in feats.items():
            if f.get("_type") == "ClassLabel":
                names = f["names"]
                for r in rows:
                    if isinstance(r.get(col), int):
                        r[col] = names[r[col]]
            elif f.get("_type") in ("List", "Sequence") and f.get("feature", {}).get("_type") == "ClassLabel":
                names = f["feature"]["names"]
                for r in rows:
                    r[col] = [names[x] if isinstance(x, int) else x for x in r.get(col) or []]
    else:
        recs, found = jsonl.read(path)
        errors = [f for f in found if f.severity == "error"]
        if errors:
            raise GoldError("\n".join(f.render() for f in errors[:20]))
        lines = [line for line, _ in recs]
        rows = [r for _, r in recs]
    need = REQUIRED_COLUMNS[view]
    labels = set(scorer_for(view).labels) if view != "ner" else None
    seen: dict[str, int] = {}
    for line, r in zip(lines, rows):
        missing = [c for c in need if c not in r]
        if missing:
            raise GoldError(f"{path}:{line}: a {view} gold row needs the columns {', '.join(need)}; missing "
                            f"{', '.join(missing)} (is this a predictions file given as gold?)")
        if labels is not None and r["label"] not in labels:
            raise GoldError(f"{path}:{line}: label {r['label']!r} is not a {view} label")
        if str(r["id"]) in seen:
            raise GoldError(f"{path}:{line}: id {r['id']!r} repeats line {seen[str(r['id'])]}")
        seen[str(r["id"])] = line
    if not rows:
        raise GoldError(f"{path}: no rows")
    return rows


# ------------------------------------------------------------ rendering

TITLES = {
    "macro_f1": "macro-F1", "f_avg": "F_avg (SemEval-2016, pooled)", "accuracy": "accuracy",
    "f_avg_per_target": "F_avg, per-target macro (variant)", "micro_f1": "micro F1", "micro_precision": "micro precision",
    "micro_recall": "micro recall", "undirected_f1": "direction-ignored F1 (diagnostic)",
    "undirected_precision": "direction-ignored precision (diagnostic)", "undirected_recall": "direction-ignored recall (diagnostic)",
}


def _tables(report: ScoreReport) -> list[tuple[str, list[dict[str, Any]], list[Any]]]:
    from geostance.core.tables import Column

    def ci(e: Estimate) -> str | None:
        if e.low is None or e.high is None:
            return None
        return f"[{fmt(e.low)}, {fmt(e.high)}]" + (f" ({e.undefined_resamples:,} resamples undefined)" if e.undefined_resamples else "")

    rows = [{"measure": TITLES.get(k, k), "value": e.value, "ci": ci(e),
             "note": f"undefined: nothing guessed or nothing to find ({e.convention})" if e.value is None else None}
            for k, e in [*report.scores.items(), *report.diagnostics.items()]]
    cols = [Column("measure", "measure"), Column("value", "score"), Column("ci", "95% CI", align="right"),
            Column("note", "note", missing="")]
    per = []
    for lab, c in report.per_class.items():
        absent = c["support"] == 0 and c["predicted"] == 0  # neither in gold nor predicted: no figure
        per.append({"label": lab, "support": c["support"], "predicted": c["predicted"],
                    "p": None if absent else c["precision"].value, "r": None if absent else c["recall"].value,
                    "f1": None if absent else c["f1"].value,
                    "ci": None if absent else ci(c["f1"])})
    what = "type" if report.view == "ner" else "label"
    unit = "spans" if report.view == "ner" else "rows"
    pcols = [Column("label", what), Column("support", f"gold {unit}"), Column("predicted", f"predicted {unit}"),
             Column("p", "P"), Column("r", "R"), Column("f1", "F1"), Column("ci", "F1 95% CI", align="right")]
    return [("scores", rows, cols),
            (f"per {what} (—: undefined, a zero denominator; a {what} absent from gold and predictions counts 0 in "
             "macro averages)", per, pcols)]


def render_report(report: ScoreReport, output: str, source: str = "") -> str:
    """The report as ``text`` (terminal tables), ``markdown`` or ``json``."""
    import json

    from geostance.core.tables import render_markdown, render_text

    if output == "json":
        d = report.as_dict()
        if source:
            d = {"predictions": source, **d}
        return json.dumps(d, ensure_ascii=False, indent=1)
    head = f"{report.view}: {report.n_items:,} rows" + (f", predictions {source}" if source else "")
    if output == "markdown":
        lines = [f"## {head}", "", "Metric variants:", "", *[f"- {v}" for v in report.variants], "",
                 f"{report.bootstrap_line()}.", ""]
        for title, rows, cols in _tables(report):
            lines += [f"**{title}**", "", render_markdown(rows, cols), ""]
        return "\n".join(lines).rstrip("\n")
    lines = [head, "metric variants:", *[f"  {v}" for v in report.variants], report.bootstrap_line(), ""]
    for title, rows, cols in _tables(report):
        lines += [render_text(rows, cols, title=title), ""]
    return "\n".join(lines).rstrip("\n")


# ------------------------------------------------------------ CLI

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
