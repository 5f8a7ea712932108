"""Baselines: scikit-learn Pipelines under one registry, and the protocol that scores them.

:data:`REGISTRY` lists every baseline once: its name, a one-line
description, the views it applies to and its hyperparameters (the only place
they are set; :func:`make` builds the Pipeline from them).

Protocol (:func:`evaluate`): each view's rows carry a ``fold`` column fixed
by the build (grouped by sentence, seeded). For every fold f, a fresh
Pipeline is fitted on the rows of the other folds and predicts the rows of
f, so every prediction is out-of-fold; the predictions of all folds are then
pooled and scored once with :mod:`geostance.score` (bootstrap intervals over
sentences, :data:`RESAMPLES` resamples, seed :data:`SEED`). A training set
with a single label cannot fit a classifier: that fold predicts its one
label, and the results say so (``notes``).

``geostance baselines`` runs every baseline on every view and writes
``baselines/results.json`` (deterministic: no timings), ``baselines/timings.json``
(fit times, machine-dependent), ``baselines/RESULTS.md``, the out-of-fold
predictions ``baselines/predictions/<view>/<baseline>.jsonl`` (inputs to
``geostance score`` and ``geostance compare``), confusion-matrix plots
``baselines/plots/<view>--<baseline>.png``, and the results table of
``CARD.md`` between its markers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from geostance import atomic, predictions, score
from geostance.paths import REPO_ROOT
from geostance.tables import Column, render_markdown, render_text

SEED = 0
RESAMPLES = 1000
PAIR_VIEWS = ("stance_classification", "relation_classification")
VIEWS = (*PAIR_VIEWS, "ner")
BASELINES_DIR = REPO_ROOT / "baselines"
# the card's generated block, in the syntax of geostance.card (``<!-- gen:NAME -->``)
CARD_BLOCK = "baselines"
CARD_BEGIN = f"<!-- gen:{CARD_BLOCK} -->"
CARD_END = f"<!-- /gen:{CARD_BLOCK} -->"


# ------------------------------------------------------------ reading view rows


def _spans(value: Any) -> list[tuple[int, int]]:
    """Spans from a view column: a list of {start, end} objects or [start, end] pairs."""
    out: list[tuple[int, int]] = []
    for s in value or []:
        if isinstance(s, Mapping):
            out.append((int(s["start"]), int(s["end"])))
        else:
            out.append((int(s[0]), int(s[1])))
    return out


@dataclass(frozen=True)
class Pair:
    """A row of a pair view as the features see it: argument 1 (holder or
    head) and argument 2 (target or tail) in a sentence."""

    text: str
    a_spans: tuple[tuple[int, int], ...]
    b_spans: tuple[tuple[int, int], ...]
    a_type: str
    b_type: str
    a_name: str
    b_name: str


def pair(row: Mapping[str, Any]) -> Pair:
    """The :class:`Pair` of a stance_classification or relation_classification row.

    >>> p = pair({"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...           "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"})
    >>> p.a_spans, p.b_name
    (((0, 5),), 'Russia')
    """
    if "holder_id" in row:
        return Pair(row["text"], tuple(_spans(row.get("holder_spans"))), tuple(_spans(row.get("target_spans"))),
                    str(row.get("holder_type", "")), str(row.get("target_type", "")),
                    str(row.get("holder_name", "")), str(row.get("target_name", "")))
    return Pair(row["text"], ((int(row["head_start"]), int(row["head_end"])),),
                ((int(row["tail_start"]), int(row["tail_end"])),),
                str(row.get("head_type", "")), str(row.get("tail_type", "")),
                str(row.get("head_text", "")), str(row.get("tail_text", "")))


# ------------------------------------------------------------ features

_WORD = re.compile(r"\w+", re.UNICODE)


def tfidf_text(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the TF-IDF baselines read: the sentence, then the two arguments
    after role words (so that n-grams such as "arg1 china" tell the pair).

    >>> tfidf_text([{"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...              "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"}])
    ['China backs Russia arg1 China arg2 Russia']
    """
    out = []
    for r in rows:
        p = pair(r)
        out.append(f"{p.text} arg1 {p.a_name} arg2 {p.b_name}")
    return out


def marked_text(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The sentence with argument 1 between ``astart``/``aend`` and argument 2
    between ``bstart``/``bend`` (every span of each; where they overlap, the
    markers nest as they fall).

    >>> marked_text([{"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...               "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"}])
    ['astart China aend backs bstart Russia bend']
    """
    out = []
    for r in rows:
        p = pair(r)
        marks: list[tuple[int, int, str]] = []
        for s, e in p.a_spans:
            marks += [(s, 1, " astart "), (e, 0, " aend ")]
        for s, e in p.b_spans:
            marks += [(s, 1, " bstart "), (e, 0, " bend ")]
        text = p.text
        pieces: list[str] = []
        last = 0
        for pos, _, mark in sorted(marks):
            pieces += [text[last:pos], mark]
            last = pos
        pieces.append(text[last:])
        out.append(" ".join("".join(pieces).split()))
    return out


def _distance_bucket(n: int) -> str:
    for limit, name in ((0, "0"), (1, "1"), (2, "2"), (5, "3-5"), (10, "6-10")):
        if n <= limit:
            return name
    return ">10"


def pair_features(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]:
    """Features of a pair: both types and their combination, the argument
    words, the order of the two arguments, their distance in words (bucketed)
    and the cue words between them (the closest pair of spans is used).

    >>> f = pair_features([{"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...     "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"}])[0]
    >>> sorted(k for k in f if k.startswith(("between", "distance", "order")))
    ['between=backs', 'distance=1', 'order=a<b']
    """
    out = []
    for r in rows:
        p = pair(r)
        f: dict[str, float] = {f"a_type={p.a_type}": 1.0, f"b_type={p.b_type}": 1.0, f"types={p.a_type}>{p.b_type}": 1.0}
        for w in _WORD.findall(p.a_name.lower()):
            f[f"a_word={w}"] = 1.0
        for w in _WORD.findall(p.b_name.lower()):
            f[f"b_word={w}"] = 1.0
        best: tuple[int, int, int, bool] | None = None  # (words between, gap start, gap end, a first)
        for a in p.a_spans:
            for b in p.b_spans:
                a_first = a[0] <= b[0]
                lo, hi = (a[1], b[0]) if a_first else (b[1], a[0])
                gap = p.text[lo:hi] if hi > lo else ""
                n = len(_WORD.findall(gap))
                if best is None or n < best[0]:
                    best = (n, lo, hi, a_first)
        if best is None:
            f["no_span"] = 1.0
        else:
            n, lo, hi, a_first = best
            f[f"distance={_distance_bucket(n)}"] = 1.0
            f["order=a<b" if a_first else "order=b<a"] = 1.0
            for w in _WORD.findall(p.text[lo:hi].lower() if hi > lo else ""):
                f[f"between={w}"] = 1.0
        out.append(f)
    return out


def _shape(w: str) -> str:
    s = re.sub(r"[A-Z]", "X", w)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"[0-9]", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def token_features(samples: Sequence[tuple[tuple[str, ...], int]]) -> list[dict[str, float]]:
    """Features of a token in its sentence (a sample is ``(tokens, index)``):
    the word, its lower case, shape, 3-letter prefix and suffix, case flags,
    and the same for the words before and after.

    >>> f = token_features([(("Qu", "Xing", "said"), 1)])[0]
    >>> f["w=xing"], f["prev=qu"], f["next=said"], f["shape=Xxx"]
    (1.0, 1.0, 1.0, 1.0)
    """
    out = []
    for tokens, i in samples:
        w = tokens[i]
        f = {f"w={w.lower()}": 1.0, f"shape={_shape(w)}": 1.0, f"pre3={w[:3].lower()}": 1.0,
             f"suf3={w[-3:].lower()}": 1.0}
        if w[:1].isupper():
            f["title"] = 1.0
        if w.isupper():
            f["upper"] = 1.0
        if i == 0:
            f["first"] = 1.0
        for off, name in ((-1, "prev"), (1, "next"), (-2, "prev2"), (2, "next2")):
            j = i + off
            if 0 <= j < len(tokens):
                f[f"{name}={tokens[j].lower()}"] = 1.0
                if tokens[j][:1].isupper():
                    f[f"{name}_title"] = 1.0
            else:
                f[f"{name}=<none>"] = 1.0
        out.append(f)
    return out


class Rows(BaseEstimator, TransformerMixin):
    """A stateless transformer applying one of the functions above to a list of rows."""

    def __init__(self, fn: Callable[[Sequence[Any]], list[Any]]) -> None:
        self.fn = fn

    def fit(self, X: Any, y: Any = None) -> "Rows":
        return self

    def transform(self, X: Sequence[Any]) -> list[Any]:
        return self.fn(X)


# ------------------------------------------------------------ the registry


@dataclass(frozen=True)
class Baseline:
    name: str
    description: str
    views: tuple[str, ...]
    params: dict[str, Any]
    build: Callable[[dict[str, Any], int], Pipeline] = field(repr=False)


def _dummy(strategy: str) -> Callable[[dict[str, Any], int], Pipeline]:
    def build(p: dict[str, Any], seed: int) -> Pipeline:
        return Pipeline([("classifier", DummyClassifier(strategy=strategy, random_state=seed))])
    return build


def _tfidf_union(p: dict[str, Any]) -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=tuple(p["word_ngrams"]), sublinear_tf=True, min_df=p["min_df"])),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(p["char_ngrams"]), sublinear_tf=True,
                                  min_df=p["min_df"])),
    ])


def _tfidf_lr(p: dict[str, Any], seed: int) -> Pipeline:
    return Pipeline([
        ("text", Rows(tfidf_text)),
        ("tfidf", _tfidf_union(p)),
        ("classifier", LogisticRegression(C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"],
                                          random_state=seed)),
    ])


def _tfidf_svm(p: dict[str, Any], seed: int) -> Pipeline:
    return Pipeline([
        ("text", Rows(tfidf_text)),
        ("tfidf", _tfidf_union(p)),
        ("classifier", LinearSVC(C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"], random_state=seed)),
    ])


def _pair_lr(p: dict[str, Any], seed: int) -> Pipeline:
    return Pipeline([
        ("features", FeatureUnion([
            ("marked", Pipeline([("text", Rows(marked_text)),
                                 ("tfidf", TfidfVectorizer(ngram_range=tuple(p["word_ngrams"]), sublinear_tf=True))])),
            ("pair", Pipeline([("dicts", Rows(pair_features)), ("vectorizer", DictVectorizer())])),
        ])),
        ("classifier", LogisticRegression(C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"],
                                          random_state=seed)),
    ])


def _token_lr(p: dict[str, Any], seed: int) -> Pipeline:
    return Pipeline([
        ("dicts", Rows(token_features)),
        ("vectorizer", DictVectorizer()),
        ("classifier", LogisticRegression(C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"],
                                          random_state=seed)),
    ])


REGISTRY: dict[str, Baseline] = {b.name: b for b in (
    Baseline("majority", "predicts the most frequent label of the training folds (for ner: the most frequent tag)",
             VIEWS, {"strategy": "most_frequent"}, _dummy("most_frequent")),
    Baseline("stratified", "draws labels at random with the training folds' label frequencies (seeded)",
             VIEWS, {"strategy": "stratified"}, _dummy("stratified")),
    Baseline("tfidf-lr", "TF-IDF word 1-2-grams and character 2-5-grams of the sentence and the two argument "
             "strings, logistic regression", PAIR_VIEWS,
             {"word_ngrams": [1, 2], "char_ngrams": [2, 5], "min_df": 1, "C": 1.0, "class_weight": "balanced",
              "max_iter": 2000}, _tfidf_lr),
    Baseline("tfidf-svm", "the same TF-IDF features, linear SVM (LinearSVC)", PAIR_VIEWS,
             {"word_ngrams": [1, 2], "char_ngrams": [2, 5], "min_df": 1, "C": 1.0, "class_weight": "balanced",
              "max_iter": 5000}, _tfidf_svm),
    Baseline("pair-features-lr", "sentence with both arguments marked (word 1-3-grams) plus their types, order, "
             "distance and the cue words between them, logistic regression", PAIR_VIEWS,
             {"word_ngrams": [1, 3], "C": 1.0, "class_weight": "balanced", "max_iter": 2000}, _pair_lr),
    Baseline("token-features-lr", "per-token features (word, shape, affixes, case, two words either side), "
             "logistic regression over BIO tags", ("ner",),
             {"C": 1.0, "class_weight": None, "max_iter": 2000}, _token_lr),
)}


def make(name: str, seed: int = SEED) -> Pipeline:
    """A fresh, unfitted Pipeline of the baseline ``name``.

    >>> make("tfidf-svm").named_steps["classifier"].C == REGISTRY["tfidf-svm"].params["C"]
    True
    """
    b = REGISTRY[name]
    return b.build(dict(b.params), seed)


def for_view(view: str) -> list[Baseline]:
    """The baselines that apply to ``view``, in registry order."""
    return [b for b in REGISTRY.values() if view in b.views]


# ------------------------------------------------------------ protocol


def samples(view: str, rows: Sequence[Mapping[str, Any]]) -> tuple[list[Any], list[str]]:
    """Training samples and labels: the rows themselves for the pair views;
    one ``(tokens, index)`` sample per token for ner."""
    if view == "ner":
        xs: list[Any] = []
        ys: list[str] = []
        for r in rows:
            toks = tuple(r["tokens"])
            xs += [(toks, i) for i in range(len(toks))]
            ys += list(r["tags"])
        return xs, ys
    return list(rows), [r["label"] for r in rows]


def _regroup(view: str, rows: Sequence[Mapping[str, Any]], flat: Sequence[str]) -> list[Any]:
    if view != "ner":
        return [str(x) for x in flat]
    out, i = [], 0
    for r in rows:
        n = len(r["tokens"])
        out.append([str(x) for x in flat[i:i + n]])
        i += n
    return out


def cross_validate(name: str, view: str, rows: Sequence[Mapping[str, Any]], seed: int = SEED
                   ) -> tuple[list[Any], float, list[str]]:
    """Out-of-fold predictions of baseline ``name`` on ``rows`` (aligned with
    them), the total fit time in seconds, and notes about degenerate folds.

    BLAS and OpenMP run on one thread: on these small problems threads only
    add overhead (ten times slower on 2 busy cores), and one thread keeps
    floating-point sums in a fixed order, so results are byte-identical.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _cross_validate(name, view, rows, seed)


def _cross_validate(name: str, view: str, rows: Sequence[Mapping[str, Any]], seed: int
                    ) -> tuple[list[Any], float, list[str]]:
    folds = sorted({r["fold"] for r in rows})
    if len(folds) < 2:
        raise ValueError(f"{view}: the rows have {len(folds)} fold(s); out-of-fold prediction needs at least 2")
    preds: list[Any] = [None] * len(rows)
    fit_seconds = 0.0
    notes: list[str] = []
    for f in folds:
        train = [r for r in rows if r["fold"] != f]
        test_idx = [i for i, r in enumerate(rows) if r["fold"] == f]
        test = [rows[i] for i in test_idx]
        x_train, y_train = samples(view, train)
        x_test, _ = samples(view, test)
        classes = sorted(set(y_train))
        if len(classes) < 2 and "strategy" not in REGISTRY[name].params:
            # a classifier cannot be fitted on one label: predict it, and say so
            model: Any = DummyClassifier(strategy="most_frequent")
            notes.append(f"fold {f}: the training folds have the single label {classes[0]!r}; predicted it")
        else:
            model = make(name, seed)
        t0 = time.perf_counter()
        model.fit(x_train, y_train)
        fit_seconds += time.perf_counter() - t0
        for i, p in zip(test_idx, _regroup(view, test, model.predict(x_test))):
            preds[i] = p
    return preds, fit_seconds, notes


@dataclass
class Outcome:
    view: str
    baseline: str
    predictions: list[Any]
    report: score.ScoreReport
    fit_seconds: float
    notes: list[str]


def evaluate(views: Mapping[str, Sequence[Mapping[str, Any]]], names: Sequence[str] | None = None,
             resamples: int = RESAMPLES, seed: int = SEED) -> list[Outcome]:
    """Run the baselines (all, or ``names``) on every view given."""
    out = []
    for view, rows in views.items():
        scorer = score.scorer_for(view)
        for b in for_view(view):
            if names and b.name not in names:
                continue
            preds, secs, notes = cross_validate(b.name, view, rows, seed)
            rep = score.score_rows(scorer, rows, preds, resamples, seed)
            out.append(Outcome(view, b.name, preds, rep, secs, notes))
    return out


# ------------------------------------------------------------ outputs

PROTOCOL = ("fixed folds of each view (the fold column); every prediction out-of-fold (fit on the other folds); "
            "predictions of all folds pooled and scored once; 95% percentile bootstrap intervals over sentences")


def results_json(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 sources: Mapping[str, str], resamples: int, seed: int) -> dict[str, Any]:
    """The content of ``baselines/results.json``: deterministic (no timings)."""
    res: dict[str, Any] = {
        "generated_by": "geostance baselines",
        "protocol": PROTOCOL,
        "seed": seed,
        "bootstrap_resamples": resamples,
        "software": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "gold_sources": dict(sources),
        "views": {},
    }
    for view, rows in views.items():
        folds: dict[str, int] = {}
        for r in rows:
            folds[str(r["fold"])] = folds.get(str(r["fold"]), 0) + 1
        entry: dict[str, Any] = {"n_rows": len(rows), "fold_sizes": dict(sorted(folds.items())),
                                 "metric_variants": score.scorer_for(view).variants(), "baselines": {}}
        for o in outcomes:
            if o.view != view:
                continue
            b = REGISTRY[o.baseline]
            d = o.report.as_dict()
            d.pop("metric_variants", None)
            d.pop("view", None)
            entry["baselines"][o.baseline] = {"description": b.description, "hyperparameters": b.params,
                                              "notes": o.notes, **d}
        res["views"][view] = entry
    return res


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


MEASURE_TITLES = {
    "macro_f1": "macro-F1", "f_avg": "F_avg (SemEval)", "accuracy": "accuracy", "f_avg_per_target": "F_avg per target",
    "micro_f1": "micro F1", "micro_precision": "micro P", "micro_recall": "micro R",
    "undirected_f1": "undirected F1 (diagnostic)", "undirected_precision": "undirected P", "undirected_recall": "undirected R",
}


def _ci_text(e: Mapping[str, Any]) -> str:
    return f"{e['value']:.3f} [{e['ci95'][0]:.3f}, {e['ci95'][1]:.3f}]"


def view_table(res: Mapping[str, Any], view: str, timings: Mapping[str, Any] | None = None
               ) -> tuple[list[dict[str, Any]], list[Column]]:
    """Rows and columns of one view's results table (scores with 95% CI; fit time when ``timings``)."""
    entry = res["views"][view]
    measures = list(score.scorer_for(view).headline) + list(score.scorer_for(view).diagnostics[:1])
    rows = []
    for name, b in entry["baselines"].items():
        row: dict[str, Any] = {"baseline": name}
        for m in measures:
            src = b["scores"] if m in b["scores"] else b.get("diagnostics", {})
            row[m] = _ci_text(src[m]) if m in src else None
        if timings is not None:
            row["fit"] = timings.get(view, {}).get(name)
        rows.append(row)
    cols = [Column("baseline", "baseline")] + [Column(m, MEASURE_TITLES.get(m, m), align="right") for m in measures]
    if timings is not None:
        cols.append(Column("fit", "fit time (s)", fmt=".2f"))
    return rows, cols


def per_class_table(res: Mapping[str, Any], view: str) -> tuple[list[dict[str, Any]], list[Column]]:
    """Per-class (per-type) F1 of every baseline, for the labels that occur in gold."""
    entry = res["views"][view]
    first = next(iter(entry["baselines"].values()))
    labels = [lab for lab, c in first["per_class"].items() if c["support"] > 0]
    rows = [{"baseline": name, **{lab: b["per_class"][lab]["f1"]["value"] for lab in labels}}
            for name, b in entry["baselines"].items()]
    cols = [Column("baseline", "baseline")] + [Column(lab, f"{lab} ({first['per_class'][lab]['support']})") for lab in labels]
    return rows, cols


def results_markdown(res: Mapping[str, Any], timings: Mapping[str, Any]) -> str:
    lines = ["# Baseline results", "",
             "Generated by `geostance baselines` from `baselines/results.json` (scores) and `baselines/timings.json`",
             "(fit times, summed over the folds, measured on the machine that ran it). Do not edit by hand.", "",
             f"Protocol: {res['protocol']}; {res['bootstrap_resamples']:,} resamples, seed {res['seed']}.",
             f"Software: scikit-learn {res['software']['scikit-learn']}, numpy {res['software']['numpy']}.", ""]
    used = {name: b for entry in res["views"].values() for name, b in entry["baselines"].items()}
    lines += ["## Baselines", "",
              render_markdown([{"name": n, "description": b["description"], "hp": json.dumps(b["hyperparameters"])}
                               for n, b in used.items()],
                              [Column("name", "baseline"), Column("description", "description"),
                               Column("hp", "hyperparameters (scikit-learn defaults where not listed; not tuned)")]), ""]
    total = timings.get("total_seconds")
    if total is not None:
        lines += [f"All baselines on all views: {total:.1f} s wall time ({timings.get('machine', 'this machine')}).", ""]
    for view, entry in res["views"].items():
        lines += [f"## {view}", "", f"{entry['n_rows']:,} rows in {len(entry['fold_sizes'])} folds. Metric variants:", ""]
        lines += [f"- {v}" for v in entry["metric_variants"]]
        rows, cols = view_table(res, view, timings.get("fit_seconds", {}))
        lines += ["", "Each cell: score [95% confidence interval].", "", render_markdown(rows, cols), ""]
        prow, pcols = per_class_table(res, view)
        unit = "gold spans" if view == "ner" else "gold rows"
        lines += [f"F1 per {'type' if view == 'ner' else 'label'} (in brackets: {unit}; labels absent from gold left out):", "",
                  render_markdown(prow, pcols), ""]
        notes = [f"- {name}: {n}" for name, b in entry["baselines"].items() for n in b["notes"]]
        if notes:
            lines += ["Notes:", "", *notes, ""]
        lines += ["Confusion matrices (out-of-fold predictions, rows gold, columns predicted):", ""]
        lines += [f"- [{name}](plots/{plot_name(view, name)})" for name in entry["baselines"]]
        lines.append("")
    return "\n".join(lines)


def card_table(res: Mapping[str, Any]) -> str:
    """The body of the card's ``baselines`` block: one table per view, scores with intervals (no timings).

    >>> card_table({"protocol": "p", "bootstrap_resamples": 1000, "seed": 0, "views": {}}).splitlines()[0][:36]
    'Baselines (p; 1,000 resamples, seed '
    """
    parts = [f"Baselines ({res['protocol']}; {res['bootstrap_resamples']:,} resamples, seed {res['seed']}). "
             "Each cell: score [95% confidence interval]; metric variants, per-class figures, confusion matrices and "
             "fit times in `baselines/RESULTS.md`.", ""]
    for view in res["views"]:
        rows, cols = view_table(res, view)
        parts += [f"**{view}**", "", render_markdown(rows, cols), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def card_block(results: Path | None = None) -> str:
    """The ``baselines`` block of the card from ``baselines/results.json``
    (what :mod:`geostance.card` can put in ``<!-- gen:baselines -->``)."""
    path = results or BASELINES_DIR / "results.json"
    if not path.is_file():
        return "No baseline results yet: run `geostance baselines`.\n"
    return card_table(json.loads(path.read_text(encoding="utf-8")))


def update_card(card: str, res: Mapping[str, Any]) -> str:
    """``card`` with the body of its ``baselines`` block replaced by :func:`card_table`.

    >>> card = "# Card\\n" + CARD_BEGIN + "\\nold\\n" + CARD_END + "\\nafter\\n"
    >>> new = update_card(card, {"protocol": "p", "bootstrap_resamples": 1, "seed": 0, "views": {}})
    >>> "old" in new, new.startswith("# Card\\n" + CARD_BEGIN + "\\nBaselines"), new.endswith(CARD_END + "\\nafter\\n")
    (False, True, True)
    """
    i = card.find(CARD_BEGIN + "\n")
    j = card.find(CARD_END, i)
    if i < 0 or j < 0:
        raise ValueError(f"the card has no results block; add the two lines\n{CARD_BEGIN}\n{CARD_END}\nwhere the table goes")
    return card[:i] + CARD_BEGIN + "\n" + card_table(res) + card[j:]


def plot_name(view: str, baseline: str) -> str:
    return f"{view}--{baseline}.png"


def plot_confusion(path: Path, labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str) -> None:
    """A confusion-matrix PNG (Agg, no global pyplot state): counts in the
    cells, colour = share of the gold row; written atomically."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cm = np.asarray(matrix, dtype=np.float64)
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    k = len(labels)
    size = 2.2 + 0.45 * k
    fig = Figure(figsize=(size + 1.2, size), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    im = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(k), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=9)
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of gold row")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    atomic.write_bytes(path, buf.getvalue())


def ner_token_confusion(rows: Sequence[Mapping[str, Any]], preds: Sequence[Sequence[str]]) -> tuple[list[str], list[list[int]]]:
    """Token-level confusion of mention types (B- and I- merged, plus O), for the ner plot.

    >>> labels, m = ner_token_confusion([{"tags": ["B-GPE", "O"]}], [["I-GPE", "B-ORG"]])
    >>> labels[-1], m[labels.index("GPE")][labels.index("GPE")], m[-1][labels.index("ORG")]
    ('O', 1, 1)
    """
    from geostance.labels import MENTION_TYPES

    labels = [*MENTION_TYPES, "O"]
    idx = {t: i for i, t in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for r, p in zip(rows, preds):
        for g, q in zip(r["tags"], p):
            cm[idx[g.partition("-")[2] or "O"], idx[q.partition("-")[2] or "O"]] += 1
    return labels, cm.tolist()


def write_outputs(out_dir: Path, outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                  res: Mapping[str, Any], timings: Mapping[str, Any], card: Path | None) -> list[Path]:
    """Write every output file (atomically, one by one); returns their paths."""
    written = [atomic.write_text(out_dir / "results.json", dumps_json(res)),
               atomic.write_text(out_dir / "timings.json", dumps_json(timings)),
               atomic.write_text(out_dir / "RESULTS.md", results_markdown(res, timings))]
    for o in outcomes:
        rows = views[o.view]
        written.append(atomic.write_bytes(out_dir / "predictions" / o.view / f"{o.baseline}.jsonl",
                                          predictions.dumps([str(r["id"]) for r in rows], o.predictions)))
        if o.view == "ner":
            labels, matrix = ner_token_confusion(rows, o.predictions)
            title = f"{o.view}, {o.baseline}: tokens (B/I merged)"
        else:
            labels, matrix = list(o.report.labels), o.report.confusion or []
            title = f"{o.view}, {o.baseline} (out-of-fold)"
        path = out_dir / "plots" / plot_name(o.view, o.baseline)
        plot_confusion(path, labels, matrix, title)
        written.append(path)
    if card is not None:
        written.append(atomic.write_text(card, update_card(card.read_text(encoding="utf-8"), res)))
    return written


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------ CLI


def terminal_tables(res: Mapping[str, Any], timings: Mapping[str, Any]) -> str:
    """The results tables for a terminal, one per view (what ``geostance baselines`` prints)."""
    out = []
    for view, entry in res["views"].items():
        rows, cols = view_table(res, view, timings.get("fit_seconds", {}))
        title = (f"{view}: {entry['n_rows']:,} rows, {len(entry['fold_sizes'])} folds, out-of-fold; "
                 "each cell: score [95% CI, bootstrap over sentences]")
        out += [render_text(rows, cols, title=title), ""]
    return "\n".join(out).rstrip("\n")


def summary(out_dir: Path | None = None) -> str:
    """The results tables of a written ``baselines/`` folder (results.json and
    timings.json), as ``geostance baselines`` prints them; for a caller such as
    ``geostance reproduce`` that prints them last."""
    d = out_dir or BASELINES_DIR
    res = json.loads((d / "results.json").read_text(encoding="utf-8"))
    t = d / "timings.json"
    timings = json.loads(t.read_text(encoding="utf-8")) if t.is_file() else {}
    return terminal_tables(res, timings)


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between two results.json contents, coarsely (top level, then view/baseline)."""
    diffs = []
    for k in sorted(set(old) | set(new)):
        if k == "views":
            continue
        if old.get(k) != new.get(k):
            diffs.append(f"{k}: {json.dumps(old.get(k))} -> {json.dumps(new.get(k))}")
    ov, nv = old.get("views", {}), new.get("views", {})
    for v in sorted(set(ov) | set(nv)):
        if v not in ov or v not in nv:
            diffs.append(f"views.{v}: {'added' if v in nv else 'removed'}")
            continue
        for k in sorted(set(ov[v]) | set(nv[v])):
            if k == "baselines":
                ob, nb = ov[v].get(k, {}), nv[v].get(k, {})
                for b in sorted(set(ob) | set(nb)):
                    if ob.get(b) != nb.get(b):
                        diffs.append(f"views.{v}.baselines.{b}: differs")
            elif ov[v].get(k) != nv[v].get(k):
                diffs.append(f"views.{v}.{k}: differs")
    return diffs


HELP = "run every baseline on every task view; write baselines/ results, plots and the CARD.md table"
DESCRIPTION = f"""\
Run every registered baseline (geostance baselines --list) on every task view
of the dataset's gold: fit on the other folds, predict each fold (every
prediction out-of-fold), pool the predictions, score them with geostance
score (95% percentile bootstrap over sentences, {RESAMPLES:,} resamples, seed
{SEED}) and write

  baselines/results.json      scores, CIs, metric variants, hyperparameters
                              (deterministic: two runs give identical bytes)
  baselines/timings.json      fit times (machine-dependent, kept apart)
  baselines/RESULTS.md        one table per task: scores, CI, fit time
  baselines/predictions/      out-of-fold predictions, input to score/compare
  baselines/plots/*.png       confusion matrices (matplotlib, Agg)
  CARD.md                     the results block between its markers

--check recomputes everything in memory and exits 1 when
baselines/results.json differs from what the code produces (writes nothing).

Exit status: 0 done (or up to date), 1 stale results or invalid gold,
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
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: baselines/ of the repository)")
    p.add_argument("--card", type=Path, default=None, metavar="FILE",
                   help="the card whose results block is updated (default: CARD.md of the repository)")
    p.add_argument("--no-card", action="store_true", help="do not update the card")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these baselines and print; write nothing")
    p.add_argument("--resamples", type=int, default=RESAMPLES, metavar="N", help=f"bootstrap resamples (default: {RESAMPLES:,})")
    p.add_argument("--seed", type=int, default=SEED, metavar="S", help=f"random seed of baselines and bootstrap (default: {SEED})")
    p.add_argument("--check", action="store_true", help="fail (exit 1) when baselines/results.json is not what the code produces")
    p.add_argument("--list", action="store_true", help="print the registry and exit")


def run(args: argparse.Namespace) -> int:
    import os
    import platform

    from geostance.paths import default_dataset_root

    if args.list:
        for b in REGISTRY.values():
            print(f"{b.name}  ({', '.join(b.views)})\n  {b.description}\n  hyperparameters: {json.dumps(b.params)}")
        return 0
    unknown = [n for n in args.only or [] if n not in REGISTRY]
    if unknown:
        print(f"geostance baselines: unknown baseline {unknown[0]!r}; expected one of {', '.join(REGISTRY)}", file=sys.stderr)
        return 2
    if args.resamples < 0:
        print("geostance baselines: --resamples must be 0 or more", file=sys.stderr)
        return 2
    root = args.dataset or default_dataset_root()
    if not (root / "documents").is_dir():
        print(f"geostance baselines: {root}: not a dataset folder (no documents/)", file=sys.stderr)
        return 2
    out_dir = args.out or BASELINES_DIR
    t0 = time.perf_counter()
    try:
        views, sources = score.gold_views(root)
    except score.GoldError as exc:
        print(f"geostance baselines: {exc}", file=sys.stderr)
        return 1
    outcomes = evaluate(views, args.only, args.resamples, args.seed)
    res = results_json(outcomes, views, sources, args.resamples, args.seed)
    total = time.perf_counter() - t0
    timings = {"machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
               "total_seconds": round(total, 2),
               "fit_seconds": {v: {o.baseline: round(o.fit_seconds, 3) for o in outcomes if o.view == v} for v in views}}
    if args.check:
        committed = out_dir / "results.json"
        if not committed.is_file():
            print(f"geostance baselines: {committed} does not exist; run geostance baselines", file=sys.stderr)
            return 1
        text = committed.read_text(encoding="utf-8")
        if text == dumps_json(res):
            print(f"{committed}: up to date ({total:.1f} s)")
            return 0
        try:
            diffs = differences(json.loads(text), res)
        except json.JSONDecodeError:
            diffs = ["the committed file is not valid JSON"]
        print(f"geostance baselines: {committed} is stale; run geostance baselines", file=sys.stderr)
        for d in diffs[:30] or ["formatting differs"]:
            print(f"  {d}", file=sys.stderr)
        return 1
    print(terminal_tables(res, timings))
    print(f"\nall baselines on all views: {total:.1f} s ({timings['machine']})")
    if args.only:
        return 0
    card = None if args.no_card else (args.card or REPO_ROOT / "CARD.md")
    if card is not None and not card.is_file():
        print(f"geostance baselines: note: {card} does not exist; the card's results table was not updated", file=sys.stderr)
        card = None
    if card is not None and CARD_BEGIN not in card.read_text(encoding="utf-8"):
        print(f"geostance baselines: note: {card} has no results block (the lines {CARD_BEGIN} and {CARD_END}); "
              "not updated", file=sys.stderr)
        card = None
    written = write_outputs(out_dir, outcomes, views, res, timings, card)
    print(f"wrote {len(written)} files under {out_dir}" + (f" and the results table of {card}" if card else ""))
    return 0
