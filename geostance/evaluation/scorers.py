"""One scorer per task view: the measures, per-class figures and intervals of a run.

Views and their measures (``geostance score VIEW PREDICTIONS``):

``stance_classification``
    per-class precision, recall and F1 over FAVOR / AGAINST / NEUTRAL / NONE,
    accuracy, macro-F1 over the fixed label set, and the SemEval-2016 Task 6
    score F_avg = (F_FAVOR + F_AGAINST) / 2 with counts pooled over all rows;
    with ``--per-target`` also F_avg computed per target and averaged,
    labelled as such.
``relation_classification``
    TACRED micro precision, recall and F1 over every label but NO_RELATION,
    macro-F1 over the relation types, per-type figures, and as a diagnostic
    only a direction-ignored micro score.
``stance_modality``, ``relation_modality``
    macro-F1 over the view's modality inventory, accuracy, per-modality figures.
``ner``
    exact-span micro precision, recall and F1, overall and by mention type.

The metric functions are in :mod:`geostance.metrics` (classification,
exact spans, bootstrap). Fixed label sets: every macro average is over the
view's inventory in the point estimate and in every resample alike, so that
the interval does not move with the label set. Undefined ratios (0/0) are
reported as undefined (``None`` in JSON, "—" in tables) with the reference
scorer's convention named beside them (TACRED takes P = 1.0, conlleval and
scikit-learn 0.0), never as a number.

Paired tests (:func:`paired_test`): approximate randomisation (swap the two
systems' outputs unit by unit with probability 1/2; Noreen 1989,
*Computer-Intensive Methods for Testing Hypotheses*; Yeh 2000, COLING) for
the p-value, and a paired bootstrap (Koehn 2004, EMNLP) for the interval of
the difference, both vectorised over the same units as the intervals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
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
from geostance.metrics.bootstrap import CONFIDENCE, Contributions, DEFAULT_RESAMPLES, DEFAULT_SEED, defined_interval, resample_counts
from geostance.metrics.classification import accuracy, direction_ignored_counts, honest_prf, macro_f1, macro_f1_without, per_target_f_avg, semeval_f_avg
from geostance.metrics.exact_spans import span_counts



UNITS = ("sentence", "item")


VIEWS = ("stance_classification", "stance_modality", "relation_classification", "relation_modality", "ner")


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
