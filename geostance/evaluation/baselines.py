"""Baselines: scikit-learn Pipelines under one registry, and the protocol that scores them.

:data:`REGISTRY` lists every baseline once: its name, a one-line
description, the views it applies to, its hyperparameters (the only place
they are set; :func:`make` builds the Pipeline from them) and whether it is
*trivial* (no features: ``majority``, ``stratified``, ``pair-lookup``) or
*learned*.

Protocols (:data:`PROTOCOLS`, :func:`protocols_for`): the pair views are
evaluated on pair-disjoint folds (their ``fold`` column; the headline) and on
sentence folds (``sentence_fold``), ``ner`` on sentence folds; with more than
one document, every view also leave-one-document-out. Under each, for every
fold f a fresh Pipeline is fitted on the rows of the other folds and predicts
the rows of f, so every prediction is out-of-fold; the predictions of all
folds are then pooled and scored once with :mod:`geostance.evaluation.score` (bootstrap
intervals over sentences, :data:`RESAMPLES` resamples, seed :data:`SEED`). A
training set with a single label cannot fit a classifier: that fold predicts
its one label, and the results say so (``notes``).

Paired tests (:func:`paired_tests`): every learned baseline against
``majority`` and ``pair-lookup`` (:data:`REFERENCES`) on the same view and
protocol, per headline measure: approximate-randomisation p-value and paired
bootstrap interval of the difference (:func:`geostance.evaluation.score.paired_test`,
:data:`PAIRED_RESAMPLES` resamples). :func:`verdict` says in words which
learned baselines beat which trivial one at p < :data:`ALPHA`.

``geostance baselines`` writes ``baselines/results.json``, ``RESULTS.md``,
the out-of-fold predictions ``baselines/predictions/<protocol>/<view>/<baseline>.jsonl``
(inputs to ``geostance score`` and ``geostance compare``), confusion-matrix
plots ``baselines/plots/<view>--<baseline>.png`` (headline protocol), the
leaderboard entries (:mod:`geostance.evaluation.leaderboard`) and the baselines and
leaderboard blocks of ``CARD.md``; all of them deterministic. Fit times go
to ``baselines/timings.json`` only, which is not committed.
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
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from geostance.core import atomic
from geostance.evaluation import predictions, score
from geostance.contract.labels import RELATION_NONE, STANCE_NONE
from geostance.core.paths import REPO_ROOT
from geostance.core.tables import Column, render_markdown, render_text

SEED = 0
RESAMPLES = 1000
PAIR_VIEWS = ("stance_classification", "stance_modality", "relation_classification", "relation_modality")
VIEWS = score.VIEWS
#: learned baselines are compared with these trivial ones in paired tests
REFERENCES = ("majority", "pair-lookup")
#: p-values below this are called significant in the card (two-sided; not corrected for multiple comparisons)
ALPHA = 0.05
PAIRED_RESAMPLES = 10_000
BASELINES_DIR = REPO_ROOT / "baselines"
# the card's generated block, in the syntax of geostance.hf.card (``<!-- gen:NAME -->``)
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
    a_entity: str = ""  # the argument's entity name (for a mention: its entity's), the pair's identity
    b_entity: str = ""


def pair(row: Mapping[str, Any]) -> Pair:
    """The :class:`Pair` of a stance_classification or relation_classification row.

    >>> p = pair({"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...           "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"})
    >>> p.a_spans, p.b_name
    (((0, 5),), 'Russia')
    """
    if "holder_id" in row:
        a, b = str(row.get("holder_name", "")), str(row.get("target_name", ""))
        return Pair(row["text"], tuple(_spans(row.get("holder_spans"))), tuple(_spans(row.get("target_spans"))),
                    str(row.get("holder_type", "")), str(row.get("target_type", "")), a, b, a, b)
    a, b = str(row.get("head_text", "")), str(row.get("tail_text", ""))
    return Pair(row["text"], ((int(row["head_start"]), int(row["head_end"])),),
                ((int(row["tail_start"]), int(row["tail_end"])),),
                str(row.get("head_type", "")), str(row.get("tail_type", "")), a, b,
                str(row.get("head_entity_name") or a), str(row.get("tail_entity_name") or b))


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


class PairLookup(ClassifierMixin, BaseEstimator):
    """The ``pair-lookup`` baseline: the label the row's (ordered) entity pair
    had in the training folds, else the majority label.

    Rows are keyed by their two arguments' entity names, case-folded and
    white space collapsed, in order (holder, target or head, tail). A pair's
    label is its most frequent training label other than the view's none
    label (``NONE``, ``NO_RELATION``; the modality views have none), ties
    broken by label name; a pair seen only with the none label, or not seen,
    gets the most frequent training label (ties by name, as
    ``DummyClassifier`` breaks them). It needs no features: it measures how
    much a split lets a model score by remembering pairs. Under pair-disjoint
    folds no test pair is ever seen, so it predicts the majority label.

    >>> X = [{"text": "", "holder_name": "A", "target_name": "B"}, {"text": "", "holder_name": "A", "target_name": "B"},
    ...      {"text": "", "holder_name": "C", "target_name": "B"}, {"text": "", "holder_name": "b", "target_name": "a"}]
    >>> m = PairLookup().fit(X, ["NONE", "FAVOR", "NONE", "NONE"])
    >>> m.predict([{"text": "", "holder_name": " a ", "target_name": "B"}, {"text": "", "holder_name": "B", "target_name": "A"}])
    ['FAVOR', 'NONE']
    """

    NONE_LABELS = (STANCE_NONE, RELATION_NONE)

    @staticmethod
    def key(row: Mapping[str, Any]) -> tuple[str, str]:
        if "holder_name" in row:
            a, b = row["holder_name"], row["target_name"]
        else:
            a, b = row.get("head_entity_name") or row["head_text"], row.get("tail_entity_name") or row["tail_text"]
        return " ".join(str(a).casefold().split()), " ".join(str(b).casefold().split())

    def fit(self, X: Sequence[Mapping[str, Any]], y: Sequence[str]) -> "PairLookup":
        from collections import Counter

        overall = Counter(map(str, y))
        self.majority_ = min(overall, key=lambda lab: (-overall[lab], lab))
        by_pair: dict[tuple[str, str], Counter[str]] = {}
        for row, lab in zip(X, y):
            if lab not in self.NONE_LABELS:
                by_pair.setdefault(self.key(row), Counter())[str(lab)] += 1
        self.table_ = {k: min(c, key=lambda lab: (-c[lab], lab)) for k, c in by_pair.items()}
        self.classes_ = np.array(sorted(overall))
        return self

    def predict(self, X: Sequence[Mapping[str, Any]]) -> list[str]:
        return [self.table_.get(self.key(row), self.majority_) for row in X]


# ------------------------------------------------------------ the registry


@dataclass(frozen=True)
class Baseline:
    name: str
    description: str
    views: tuple[str, ...]
    params: dict[str, Any]
    build: Callable[[dict[str, Any], int], Pipeline] = field(repr=False)
    #: trivial baselines (no features: majority, stratified, pair-lookup) are
    #: what every learned one is tested against
    trivial: bool = False


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


def _pair_lookup(p: dict[str, Any], seed: int) -> Pipeline:
    return Pipeline([("classifier", PairLookup())])


REGISTRY: dict[str, Baseline] = {b.name: b for b in (
    Baseline("majority", "predicts the most frequent label of the training folds (for ner: the most frequent tag)",
             VIEWS, {"strategy": "most_frequent"}, _dummy("most_frequent"), trivial=True),
    Baseline("stratified", "draws labels at random with the training folds' label frequencies (seeded)",
             VIEWS, {"strategy": "stratified"}, _dummy("stratified"), trivial=True),
    Baseline("pair-lookup", "the label the row's entity pair had in the training folds (its most frequent label other "
             "than the none label), else the majority label; no features", PAIR_VIEWS, {}, _pair_lookup, trivial=True),
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


# ------------------------------------------------------------ protocols


@dataclass(frozen=True)
class Protocol:
    """How rows are split into training and test folds."""

    name: str
    title: str
    description: str


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (
    Protocol("pair", "pair-disjoint folds",
             "the view's `fold` column: k = 5 folds of entity pairs; no holder-target or head-tail entity pair "
             "(either direction, entities by name) is in both the training and the test part of a fold"),
    Protocol("sentence", "sentence folds",
             "the `sentence_fold` column (in `ner`: `fold`): k = 5 folds of sentences; no sentence is split across "
             "folds, but an entity pair that occurs in several sentences is in training and test alike"),
    Protocol("document", "leave-one-document-out",
             "one fold per document (`doc_id`): every document is predicted by a model fitted on the others"),
)}


def group_column(protocol: str, view: str) -> str:
    """The row column whose value is a row's fold under ``protocol``.

    >>> group_column("pair", "stance_classification"), group_column("sentence", "ner"), group_column("document", "ner")
    ('fold', 'fold', 'doc_id')
    """
    if protocol == "document":
        return "doc_id"
    if protocol == "sentence" and view != "ner":
        return "sentence_fold"
    return "fold"


def protocols_for(view: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The protocols a view's rows are evaluated under, the headline first:
    pair-disjoint folds then sentence folds for the pair views (sentence folds
    only for ``ner``, which has no pairs), then leave-one-document-out when
    the rows span more than one document; a protocol under which every row
    falls in one fold (a tiny view) is left out; none for a view without rows.

    >>> protocols_for("ner", [{"doc_id": "a", "fold": 0}, {"doc_id": "b", "fold": 1}])
    ['sentence', 'document']
    >>> protocols_for("relation_classification", [{"doc_id": "a", "fold": f, "sentence_fold": f} for f in (0, 1)])
    ['pair', 'sentence']
    >>> protocols_for("relation_classification", [{"doc_id": "a", "fold": 0, "sentence_fold": f} for f in (0, 1)])
    ['sentence']
    """
    if not rows:
        return []
    out = ["sentence"] if view == "ner" else ["pair"] + (["sentence"] if "sentence_fold" in rows[0] else [])
    out.append("document")
    # a protocol needs two groups of rows to fit on one and predict the other
    return [p for p in out if len({r[group_column(p, view)] for r in rows}) > 1]


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


def cross_validate(name: str, view: str, rows: Sequence[Mapping[str, Any]], seed: int = SEED, column: str = "fold"
                   ) -> tuple[list[Any], float, list[str]]:
    """Out-of-fold predictions of baseline ``name`` on ``rows`` (aligned with
    them), grouped by the row column ``column`` (see :func:`group_column`),
    the total fit time in seconds, and notes about degenerate folds.

    BLAS and OpenMP run on one thread: on these small problems threads only
    add overhead (ten times slower on 2 busy cores), and one thread keeps
    floating-point sums in a fixed order, so results are byte-identical.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _cross_validate(name, view, rows, seed, column)


def _cross_validate(name: str, view: str, rows: Sequence[Mapping[str, Any]], seed: int, column: str
                    ) -> tuple[list[Any], float, list[str]]:
    folds = sorted({r[column] for r in rows})
    if len(folds) < 2:
        raise ValueError(f"{view}: the rows have {len(folds)} value(s) of {column}; out-of-fold prediction needs at least 2")
    preds: list[Any] = [None] * len(rows)
    fit_seconds = 0.0
    notes: list[str] = []
    what = "document" if column == "doc_id" else "fold"
    for f in folds:
        train = [r for r in rows if r[column] != f]
        test_idx = [i for i, r in enumerate(rows) if r[column] == f]
        test = [rows[i] for i in test_idx]
        x_train, y_train = samples(view, train)
        x_test, _ = samples(view, test)
        classes = sorted(set(y_train))
        if len(classes) < 2 and not REGISTRY[name].trivial:
            # a classifier cannot be fitted on one label: predict it, and say so
            model: Any = DummyClassifier(strategy="most_frequent")
            notes.append(f"{what} {f}: the training folds have the single label {classes[0]!r}; predicted it")
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
    protocol: str
    baseline: str
    predictions: list[Any]
    report: score.ScoreReport
    fit_seconds: float
    notes: list[str]


def evaluate(views: Mapping[str, Sequence[Mapping[str, Any]]], names: Sequence[str] | None = None,
             resamples: int = RESAMPLES, seed: int = SEED) -> list[Outcome]:
    """Run the baselines (all, or ``names``) on every view given, under each
    of its protocols (:func:`protocols_for`); a view without rows is skipped."""
    out = []
    for view, rows in views.items():
        scorer = score.scorer_for(view)
        for protocol in protocols_for(view, rows):
            column = group_column(protocol, view)
            for b in for_view(view):
                if names and b.name not in names:
                    continue
                preds, secs, notes = cross_validate(b.name, view, rows, seed, column)
                rep = score.score_rows(scorer, rows, preds, resamples, seed)
                out.append(Outcome(view, protocol, b.name, preds, rep, secs, notes))
    return out


def paired_tests(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 resamples: int = PAIRED_RESAMPLES, seed: int = SEED) -> dict[tuple[str, str, str], dict[str, list[score.Comparison]]]:
    """Every learned baseline against each trivial reference (:data:`REFERENCES`)
    on the same view and protocol: ``{(view, protocol, baseline): {reference: comparisons}}``,
    one comparison per headline measure (:func:`geostance.evaluation.score.paired_test`:
    approximate-randomisation p-value, paired-bootstrap interval of A - B,
    over sentences)."""
    by_key = {(o.view, o.protocol, o.baseline): o for o in outcomes}
    out: dict[tuple[str, str, str], dict[str, list[score.Comparison]]] = {}
    for o in outcomes:
        if REGISTRY[o.baseline].trivial:
            continue
        scorer = score.scorer_for(o.view)
        tests = {}
        for ref in REFERENCES:
            r = by_key.get((o.view, o.protocol, ref))
            if r is not None:
                tests[ref] = score.paired_test(scorer, views[o.view], o.predictions, r.predictions, resamples, seed)
        out[(o.view, o.protocol, o.baseline)] = tests
    return out


# ------------------------------------------------------------ results.json

PROTOCOL = ("every prediction out-of-fold (fit on the other folds, or documents); predictions of all folds pooled "
            "and scored once; 95% percentile bootstrap intervals over sentences; each learned baseline compared "
            "with majority and pair-lookup by approximate randomisation (two-sided p) and paired bootstrap")


def results_json(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 sources: Mapping[str, str], resamples: int, seed: int,
                 tests: Mapping[tuple[str, str, str], Mapping[str, list[score.Comparison]]] | None = None,
                 paired_resamples: int = PAIRED_RESAMPLES, dataset_version: str | None = None) -> dict[str, Any]:
    """The content of ``baselines/results.json``: deterministic (no timings)."""
    tests = tests or {}
    res: dict[str, Any] = {
        "generated_by": "geostance baselines",
        "protocol": PROTOCOL,
        "protocols": {name: {"title": p.title, "description": p.description} for name, p in PROTOCOLS.items()},
        "seed": seed,
        "bootstrap_resamples": resamples,
        "paired_tests": {"p_value": "approximate randomisation, two-sided, over sentences",
                         "interval": "paired percentile bootstrap of A - B, 95%, over sentences",
                         "resamples": paired_resamples, "seed": seed, "significance_level": ALPHA,
                         "correction": "none (per measure and pair of systems)",
                         "references": list(REFERENCES)},
        "software": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "dataset_version": dataset_version,
        "gold_sources": dict(sources),
        "views": {},
    }
    for view, rows in views.items():
        protocols = protocols_for(view, rows)
        entry: dict[str, Any] = {"n_rows": len(rows), "n_documents": len({r["doc_id"] for r in rows}),
                                 "metric_variants": score.scorer_for(view).variants(),
                                 "headline_protocol": protocols[0] if protocols else None, "protocols": {}}
        if not rows:
            entry["note"] = "no rows in this build: nothing to fit or score"
        elif not protocols:
            entry["note"] = "every row falls in one fold under every protocol: nothing to fit on"
        for protocol in protocols:
            column = group_column(protocol, view)
            sizes: dict[str, int] = {}
            for r in rows:
                sizes[str(r[column])] = sizes.get(str(r[column]), 0) + 1
            pe: dict[str, Any] = {"group_column": column, "fold_sizes": dict(sorted(sizes.items())), "baselines": {}}
            for o in outcomes:
                if (o.view, o.protocol) != (view, protocol):
                    continue
                b = REGISTRY[o.baseline]
                d = o.report.as_dict()
                for k in ("metric_variants", "view"):
                    d.pop(k, None)
                item: dict[str, Any] = {"description": b.description, "kind": "trivial" if b.trivial else "learned",
                                        "hyperparameters": b.params, "notes": o.notes, **d}
                t = tests.get((view, protocol, o.baseline))
                if t:
                    item["paired_tests"] = {ref: [c.as_dict() for c in cs] for ref, cs in t.items()}
                pe["baselines"][o.baseline] = item
            entry["protocols"][protocol] = pe
        res["views"][view] = entry
    return res


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


# ------------------------------------------------------------ tables and the verdict

MEASURE_TITLES = {
    "macro_f1": "macro-F1", "f_avg": "F_avg (SemEval)", "accuracy": "accuracy", "f_avg_per_target": "F_avg per target",
    "micro_f1": "micro F1", "micro_precision": "micro P", "micro_recall": "micro R",
    "undirected_f1": "undirected F1 (diagnostic)", "undirected_precision": "undirected P", "undirected_recall": "undirected R",
}


def _ci_text(e: Mapping[str, Any]) -> str:
    """A score cell: ``value [low, high]``, or ``undefined`` with the reference convention.

    >>> _ci_text({"value": 0.5, "ci95": [0.25, 0.75]})
    '0.500 [0.250, 0.750]'
    >>> _ci_text({"value": None, "ci95": None, "convention": "TACRED scorer: 1.0"})
    'undefined (nothing guessed; TACRED scorer: 1.0)'
    """
    if e["value"] is None:
        return "undefined (nothing guessed" + (f"; {e['convention']})" if e.get("convention") else ")")
    if e["ci95"] is None:
        return f"{e['value']:.3f}"
    return f"{e['value']:.3f} [{e['ci95'][0]:.3f}, {e['ci95'][1]:.3f}]"


def _measures(view: str) -> list[str]:
    sc = score.scorer_for(view)
    return list(sc.headline) + list(sc.diagnostics[:1])


def view_table(res: Mapping[str, Any], view: str, protocol: str, timings: Mapping[str, Any] | None = None
               ) -> tuple[list[dict[str, Any]], list[Column]]:
    """Rows and columns of one view's results table under one protocol (scores with 95% CI; fit time when ``timings``)."""
    pe = res["views"][view]["protocols"][protocol]
    measures = _measures(view)
    rows = []
    for name, b in pe["baselines"].items():
        row: dict[str, Any] = {"baseline": name}
        for m in measures:
            src = b["scores"] if m in b["scores"] else b.get("diagnostics", {})
            row[m] = _ci_text(src[m]) if m in src else None
        if timings is not None:
            row["fit"] = timings.get(view, {}).get(protocol, {}).get(name)
        rows.append(row)
    cols = [Column("baseline", "baseline")] + [Column(m, MEASURE_TITLES.get(m, m), align="right") for m in measures]
    if timings is not None:
        cols.append(Column("fit", "fit time (s)", fmt=".2f"))
    return rows, cols


def per_class_table(res: Mapping[str, Any], view: str, protocol: str) -> tuple[list[dict[str, Any]], list[Column]]:
    """Per-class (per-type) F1 of every baseline, for the labels that occur in gold."""
    pe = res["views"][view]["protocols"][protocol]
    first = next(iter(pe["baselines"].values()))
    labels = [lab for lab, c in first["per_class"].items() if c["support"] > 0]
    rows = [{"baseline": name, **{lab: b["per_class"][lab]["f1"]["value"] for lab in labels}}
            for name, b in pe["baselines"].items()]
    cols = [Column("baseline", "baseline")] + [Column(lab, f"{lab} ({first['per_class'][lab]['support']})") for lab in labels]
    return rows, cols


def _delta_text(c: Mapping[str, Any]) -> str:
    if c["delta"] is None:
        return "not compared (" + c.get("undefined", "undefined") + ")"
    return f"{c['delta']:+.3f} [{c['delta_ci95'][0]:+.3f}, {c['delta_ci95'][1]:+.3f}], p = {c['p_value']:.4f}"


def paired_table(res: Mapping[str, Any], view: str, protocol: str) -> tuple[list[dict[str, Any]], list[Column]]:
    """Each learned baseline minus each reference, per headline measure: Δ [95% CI], p."""
    pe = res["views"][view]["protocols"][protocol]
    measures = list(score.scorer_for(view).headline)
    rows = []
    for name, b in pe["baselines"].items():
        for ref, cs in b.get("paired_tests", {}).items():
            by = {c["measure"]: c for c in cs}
            rows.append({"baseline": name, "ref": ref, **{m: _delta_text(by[m]) for m in measures if m in by}})
    cols = [Column("baseline", "baseline"), Column("ref", "minus")] + [
        Column(m, f"{MEASURE_TITLES.get(m, m)}: Δ [95% CI], p", align="right") for m in measures]
    return rows, cols


def _better(c: Mapping[str, Any]) -> bool:
    return c["delta"] is not None and c["delta"] > 0 and c["p_value"] < ALPHA


def _worse(c: Mapping[str, Any]) -> bool:
    return c["delta"] is not None and c["delta"] < 0 and c["p_value"] < ALPHA


def _p(p: float) -> str:
    """``p = 0.149``, or ``p < 0.001``.

    >>> _p(0.1491), _p(0.0002)
    ('p = 0.149', 'p < 0.001')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _vs(name: str, c: Mapping[str, Any]) -> str:
    if c["delta"] is None:
        return f"`{name}` (not compared: {c.get('undefined', 'undefined')})"
    return f"`{name}` {c['a']:.3f} (Δ {c['delta']:+.3f}, {_p(c['p_value'])})"


def _names(xs: Sequence[str]) -> str:
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def _score_text(v: float | None) -> str:
    return "undefined" if v is None else f"{v:.3f}"


def verdict(res: Mapping[str, Any]) -> list[str]:
    """In words, from the paired tests: for each view and protocol, which
    learned baselines beat majority and pair-lookup on the view's primary
    measure (its first headline measure) at p < :data:`ALPHA`, which do not,
    and which are significantly worse than them on another headline measure.
    One Markdown bullet per view and protocol. When pair-lookup's tests are
    those of majority (under pair-disjoint folds no test pair was seen in
    training, so it predicts the majority label), the two are named together."""
    out = []
    for view, entry in res["views"].items():
        primary = score.scorer_for(view).headline[0]
        ptitle = MEASURE_TITLES.get(primary, primary)
        for protocol, pe in entry["protocols"].items():
            learned = {n: b["paired_tests"] for n, b in pe["baselines"].items() if b.get("paired_tests")}
            if not learned:
                continue
            refs = [r for r in REFERENCES if r in pe["baselines"] and all(r in t for t in learned.values())]
            groups_: list[list[str]] = []
            for r in refs:
                same = next((g for g in groups_ if all(t[g[0]] == t[r] for t in learned.values())), None)
                if same is None:
                    groups_.append([r])
                else:
                    same.append(r)
            sentences = []
            for g in groups_:
                ref = g[0]
                refscore = _score_text(pe["baselines"][ref]["scores"][primary]["value"])
                tests = {n: {c["measure"]: c for c in t[ref]} for n, t in learned.items()}
                better = [n for n, t in tests.items() if _better(t[primary])]
                rest = [n for n in tests if n not in better]
                why = ("; pair-lookup has seen no test pair in training, so it predicts the majority label" if protocol == "pair"
                       else "; the same scores here")
                joined = " and ".join if better else " or ".join
                who = f"`{ref}` ({refscore})" if len(g) == 1 else joined([f"`{r}`" for r in g]) + f" ({refscore}{why})"
                if not better:
                    sentences.append(f"no learned baseline beats {who} at p < {ALPHA}: "
                                     + ", ".join(_vs(n, tests[n][primary]) for n in rest))
                elif not rest:
                    sentences.append(f"every learned baseline beats {who} at p < {ALPHA}: "
                                     + ", ".join(_vs(n, tests[n][primary]) for n in better))
                else:
                    sentences.append(f"{_names([f'`{n}`' for n in better])} {'beats' if len(better) == 1 else 'beat'} "
                                     f"{who} at p < {ALPHA} (" + ", ".join(_vs(n, tests[n][primary]) for n in better)
                                     + f"), {_names([f'`{n}`' for n in rest])} {'does' if len(rest) == 1 else 'do'} not ("
                                     + ", ".join(_vs(n, tests[n][primary]) for n in rest) + ")")
                for m in score.scorer_for(view).headline[1:]:
                    worse = [n for n, t in tests.items() if m in t and _worse(t[m])]
                    if worse:
                        refm = _score_text(pe["baselines"][ref]["scores"][m]["value"])
                        sentences.append(f"on {MEASURE_TITLES.get(m, m)}, {_names([f'`{n}`' for n in worse])} "
                                         f"{'is' if len(worse) == 1 else 'are'} significantly worse than `{ref}` ({refm}): "
                                         + ", ".join(f"`{n}` {tests[n][m]['a']:.3f} ({_p(tests[n][m]['p_value'])})" for n in worse))
            title = PROTOCOLS[protocol].title + (" (headline)" if protocol == entry["headline_protocol"] else "")
            out.append(f"- `{view}`, {title}, {ptitle}: " + "; ".join(sentences) + ".")
    return out


def results_markdown(res: Mapping[str, Any]) -> str:
    """``baselines/RESULTS.md``: every table of results.json, no timings (they are not reproducible)."""
    lines = ["# Baseline results", "",
             "Generated by `geostance baselines` from `baselines/results.json`. Do not edit by hand. Fit times are "
             "machine-dependent and so are not here: `geostance baselines` prints them and writes "
             "`baselines/timings.json`, which is not committed.", "",
             f"Protocol: {res['protocol']}; {res['bootstrap_resamples']:,} bootstrap resamples, paired tests with "
             f"{res['paired_tests']['resamples']:,}, seed {res['seed']}.",
             f"Software: scikit-learn {res['software']['scikit-learn']}, numpy {res['software']['numpy']}.", "",
             "Protocols:", ""]
    lines += [f"- **{p['title']}** (`{name}`): {p['description']}." for name, p in res["protocols"].items()]
    lines += ["", "## Where learned baselines beat the trivial ones", "",
              f"Paired tests of each learned baseline against `majority` and `pair-lookup` (significance level "
              f"{ALPHA}, two-sided, not corrected for multiple comparisons):", ""]
    lines += verdict(res) or ["- no paired tests (no learned baseline ran)"]
    used = {name: b for entry in res["views"].values() for pe in entry["protocols"].values() for name, b in pe["baselines"].items()}
    lines += ["", "## Baselines", "",
              render_markdown([{"name": n, "kind": b["kind"], "description": b["description"], "hp": json.dumps(b["hyperparameters"])}
                               for n, b in used.items()],
                              [Column("name", "baseline"), Column("kind", "kind"), Column("description", "description"),
                               Column("hp", "hyperparameters (scikit-learn defaults where not listed; not tuned)")]), ""]
    for view, entry in res["views"].items():
        lines += [f"## {view}", ""]
        if not entry["protocols"]:
            lines += [f"{entry['n_rows']:,} rows: {entry.get('note', 'not evaluated')}.", ""]
            continue
        lines += [f"{entry['n_rows']:,} rows, {entry['n_documents']:,} document(s). Metric variants:", ""]
        lines += [f"- {v}" for v in entry["metric_variants"]]
        for protocol, pe in entry["protocols"].items():
            head = " (headline)" if protocol == entry["headline_protocol"] else ""
            lines += ["", f"### {view}: {PROTOCOLS[protocol].title}{head}", "",
                      f"Folds by `{pe['group_column']}`, rows per fold: "
                      + ", ".join(f"{k}: {v:,}" for k, v in pe["fold_sizes"].items()) + ".", "",
                      "Each cell: score [95% confidence interval].", "", render_markdown(*view_table(res, view, protocol)), ""]
            notes = sorted({n for b in pe["baselines"].values() for n in b.get("notes", []) if n.startswith("macro_f1:")})
            notes += [f"{name}: {n}" for name, b in pe["baselines"].items() for n in b["notes"]]
            if notes:
                lines += ["Notes:", "", *[f"- {n}" for n in notes], ""]
            prow, pcols = paired_table(res, view, protocol)
            if prow:
                lines += ["Paired tests (learned baseline minus reference):", "", render_markdown(prow, pcols), ""]
            if protocol == entry["headline_protocol"]:
                unit = "gold spans" if view == "ner" else "gold rows"
                lines += [f"F1 per {'type' if view == 'ner' else 'label'} (in brackets: {unit}; labels absent from gold "
                          "left out):", "", render_markdown(*per_class_table(res, view, protocol)), "",
                          "Confusion matrices (out-of-fold predictions of this protocol, rows gold, columns predicted):", ""]
                lines += [f"- [{name}](plots/{plot_name(view, name)})" for name in pe["baselines"]]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def card_table(res: Mapping[str, Any]) -> str:
    """The body of the card's ``baselines`` block: the verdict in words, then
    one table per view and protocol, scores with intervals (no timings).

    >>> card_table({"protocol": "p", "bootstrap_resamples": 1000, "seed": 0, "views": {},
    ...             "paired_tests": {"resamples": 10}}).splitlines()[0][:36]
    'Baselines (p; 1,000 resamples, seed '
    """
    parts = [f"Baselines ({res['protocol']}; {res['bootstrap_resamples']:,} resamples, seed {res['seed']}; paired tests "
             f"with {res['paired_tests']['resamples']:,} resamples). Each cell: score [95% confidence interval]; metric "
             "variants, per-class figures, paired tests, confusion matrices in `baselines/RESULTS.md`.", ""]
    said = verdict(res)
    if said:
        parts += [f"Where the learned baselines beat the trivial ones (paired tests, p < {ALPHA}, two-sided, not "
                  "corrected for multiple comparisons):", "", *said, ""]
    for view, entry in res["views"].items():
        if not entry["protocols"]:
            parts += [f"**{view}**: {entry.get('note', 'not evaluated')}.", ""]
            continue
        for protocol in entry["protocols"]:
            head = ", the headline protocol" if protocol == entry["headline_protocol"] else ""
            parts += [f"**{view}**, {PROTOCOLS[protocol].title}{head}", "", render_markdown(*view_table(res, view, protocol)), ""]
            notes = sorted({n for b in entry["protocols"][protocol]["baselines"].values() for n in b.get("notes", [])
                            if n.startswith("macro_f1:")})
            parts += [*[f"Note: {n}." for n in notes], *([""] if notes else [])]
    return "\n".join(parts).rstrip("\n") + "\n"


def card_block(results: Path | None = None) -> str:
    """The ``baselines`` block of the card from ``baselines/results.json``
    (what :mod:`geostance.hf.card` can put in ``<!-- gen:baselines -->``)."""
    path = results or BASELINES_DIR / "results.json"
    if not path.is_file():
        return "No baseline results yet: run `geostance baselines`.\n"
    return card_table(json.loads(path.read_text(encoding="utf-8")))


def replace_block(card: str, name: str, body: str) -> str:
    """``card`` with the body of its generated block ``name`` replaced.

    >>> card = "# Card\\n<!-- gen:x -->\\nold\\n<!-- /gen:x -->\\nafter\\n"
    >>> replace_block(card, "x", "new\\n")
    '# Card\\n<!-- gen:x -->\\nnew\\n<!-- /gen:x -->\\nafter\\n'
    """
    begin, end = f"<!-- gen:{name} -->", f"<!-- /gen:{name} -->"
    i = card.find(begin + "\n")
    j = card.find(end, i)
    if i < 0 or j < 0:
        raise ValueError(f"the card has no {name} block; add the two lines\n{begin}\n{end}\nwhere it goes")
    return card[:i] + begin + "\n" + body.rstrip("\n") + "\n" + card[j:]


def update_card(card: str, res: Mapping[str, Any]) -> str:
    """``card`` with the body of its ``baselines`` block replaced by :func:`card_table`.

    >>> card = "# Card\\n" + CARD_BEGIN + "\\nold\\n" + CARD_END + "\\nafter\\n"
    >>> new = update_card(card, {"protocol": "p", "bootstrap_resamples": 1, "seed": 0, "views": {}, "paired_tests": {"resamples": 1}})
    >>> "old" in new, new.startswith("# Card\\n" + CARD_BEGIN + "\\nBaselines"), new.endswith(CARD_END + "\\nafter\\n")
    (False, True, True)
    """
    try:
        return replace_block(card, CARD_BLOCK, card_table(res))
    except ValueError:
        raise ValueError(f"the card has no results block; add the two lines\n{CARD_BEGIN}\n{CARD_END}\nwhere the table goes") from None


def plot_name(view: str, baseline: str) -> str:
    return f"{view}--{baseline}.png"


def plot_confusion(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str) -> bytes:
    """A confusion-matrix PNG (Agg, no global pyplot state): counts in the
    cells, colour = share of the gold row; its bytes (the same for the same
    input: no time or software version is written into the file)."""
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
    return buf.getvalue()


def ner_token_confusion(rows: Sequence[Mapping[str, Any]], preds: Sequence[Sequence[str]]) -> tuple[list[str], list[list[int]]]:
    """Token-level confusion of mention types (B- and I- merged, plus O), for the ner plot.

    >>> labels, m = ner_token_confusion([{"tags": ["B-GPE", "O"]}], [["I-GPE", "B-ORG"]])
    >>> labels[-1], m[labels.index("GPE")][labels.index("GPE")], m[-1][labels.index("ORG")]
    ('O', 1, 1)
    """
    from geostance.contract.labels import MENTION_TYPES

    labels = [*MENTION_TYPES, "O"]
    idx = {t: i for i, t in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for r, p in zip(rows, preds):
        for g, q in zip(r["tags"], p):
            cm[idx[g.partition("-")[2] or "O"], idx[q.partition("-")[2] or "O"]] += 1
    return labels, cm.tolist()


# ------------------------------------------------------------ the files written


def prediction_path(protocol: str, view: str, baseline: str) -> str:
    """Where a baseline's out-of-fold predictions go, relative to the output folder."""
    return f"predictions/{protocol}/{view}/{baseline}.jsonl"


#: the folders whose files ``geostance baselines`` writes (and removes when it no longer writes them), by suffix
MANAGED = {"predictions": ".jsonl", "plots": ".png"}


def output_files(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 res: Mapping[str, Any]) -> dict[str, bytes]:
    """Every file of the output folder (relative path -> bytes), except the
    uncommitted timings: results.json, RESULTS.md, the predictions of every
    protocol, the confusion-matrix plots of each view's headline protocol."""
    files = {"results.json": dumps_json(res).encode(), "RESULTS.md": results_markdown(res).encode()}
    for o in outcomes:
        rows = views[o.view]
        files[prediction_path(o.protocol, o.view, o.baseline)] = predictions.dumps([str(r["id"]) for r in rows], o.predictions)
        if o.protocol != res["views"][o.view]["headline_protocol"]:
            continue
        if o.view == "ner":
            labels, matrix = ner_token_confusion(rows, o.predictions)
            title = f"{o.view}, {o.baseline}: tokens (B/I merged)"
        else:
            labels, matrix = list(o.report.labels), o.report.confusion or []
            title = f"{o.view}, {o.baseline} ({PROTOCOLS[o.protocol].title}, out-of-fold)"
        files[f"plots/{plot_name(o.view, o.baseline)}"] = plot_confusion(labels, matrix, title)
    return files


def managed_files(out_dir: Path) -> list[str]:
    """The files of the folders :data:`MANAGED` now in ``out_dir`` (relative paths)."""
    out = []
    for d, suffix in MANAGED.items():
        if (out_dir / d).is_dir():
            out += [p.relative_to(out_dir).as_posix() for p in sorted((out_dir / d).rglob(f"*{suffix}")) if p.is_file()]
    return out


def stale(files: Mapping[Path, bytes], extra: Sequence[Path]) -> list[str]:
    """The paths of ``files`` whose bytes on disk differ (or that are missing), then ``extra`` (files that should not be there)."""
    out = [str(p) for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
    return out + [f"{p} (should not exist)" for p in extra]


def write_files(files: Mapping[Path, bytes], remove: Sequence[Path] = ()) -> list[Path]:
    """Write each file atomically (unchanged files are left alone) and remove ``remove``."""
    written = []
    for path, data in files.items():
        if not (path.is_file() and path.read_bytes() == data):
            atomic.write_bytes(path, data)
        written.append(path)
    for p in remove:
        p.unlink()
        parent = p.parent
        while parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return written


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------ CLI


def terminal_tables(res: Mapping[str, Any], timings: Mapping[str, Any]) -> str:
    """The results tables for a terminal, one per view and protocol (what ``geostance baselines`` prints)."""
    out = []
    fit = timings.get("fit_seconds", {})
    for view, entry in res["views"].items():
        if not entry["protocols"]:
            out += [f"{view}: {entry.get('note', 'not evaluated')}", ""]
        for protocol in entry["protocols"]:
            rows, cols = view_table(res, view, protocol, fit)
            title = (f"{view}: {entry['n_rows']:,} rows, {PROTOCOLS[protocol].title}"
                     + (" (headline)" if protocol == entry["headline_protocol"] else "")
                     + ", out-of-fold; each cell: score [95% CI, bootstrap over sentences]")
            out += [render_text(rows, cols, title=title), ""]
    said = verdict(res)
    if said:
        out += ["paired tests against the trivial baselines:", *said]
    return "\n".join(out).rstrip("\n")


def summary(out_dir: Path | None = None) -> str:
    """The results tables of a written ``baselines/`` folder (results.json and,
    if present, timings.json), as ``geostance baselines`` prints them; for a
    caller such as ``geostance reproduce`` that prints them last."""
    d = out_dir or BASELINES_DIR
    res = json.loads((d / "results.json").read_text(encoding="utf-8"))
    t = d / TIMINGS
    timings = json.loads(t.read_text(encoding="utf-8")) if t.is_file() else {}
    return terminal_tables(res, timings)


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between two results.json contents, coarsely (top level, then view/protocol/baseline)."""
    diffs = []
    for k in sorted(set(old) | set(new)):
        if k != "views" and old.get(k) != new.get(k):
            diffs.append(f"{k}: {json.dumps(old.get(k))} -> {json.dumps(new.get(k))}")
    ov, nv = old.get("views", {}), new.get("views", {})
    for v in sorted(set(ov) | set(nv)):
        if v not in ov or v not in nv:
            diffs.append(f"views.{v}: {'added' if v in nv else 'removed'}")
            continue
        for k in sorted(set(ov[v]) | set(nv[v])):
            if k != "protocols":
                if ov[v].get(k) != nv[v].get(k):
                    diffs.append(f"views.{v}.{k}: differs")
                continue
            op, np_ = ov[v].get(k, {}), nv[v].get(k, {})
            for pr in sorted(set(op) | set(np_)):
                ob, nb = op.get(pr, {}).get("baselines", {}), np_.get(pr, {}).get("baselines", {})
                for b in sorted(set(ob) | set(nb)):
                    if ob.get(b) != nb.get(b):
                        diffs.append(f"views.{v}.protocols.{pr}.baselines.{b}: differs")
    return diffs


TIMINGS = "timings.json"

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
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: baselines/ of the repository)")
    p.add_argument("--leaderboard", type=Path, default=None, metavar="DIR",
                   help="the leaderboard folder (default: leaderboard/ beside the output folder)")
    p.add_argument("--card", type=Path, default=None, metavar="FILE",
                   help="the card whose results blocks are updated (default: CARD.md of the repository)")
    p.add_argument("--no-card", action="store_true", help="do not update the card")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these baselines and print; write nothing")
    p.add_argument("--resamples", type=int, default=RESAMPLES, metavar="N", help=f"bootstrap resamples (default: {RESAMPLES:,})")
    p.add_argument("--paired-resamples", type=int, default=PAIRED_RESAMPLES, metavar="N",
                   help=f"resamples of the paired tests (default: {PAIRED_RESAMPLES:,})")
    p.add_argument("--seed", type=int, default=SEED, metavar="S", help=f"random seed of baselines and bootstrap (default: {SEED})")
    p.add_argument("--check", action="store_true", help="fail (exit 1) when any output is not what the code produces")
    p.add_argument("--list", action="store_true", help="print the registry and exit")


def run(args: argparse.Namespace) -> int:
    import os
    import platform

    from geostance.hf import build
    from geostance.evaluation import leaderboard
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
    out_dir = args.out or BASELINES_DIR
    lb_dir = args.leaderboard or out_dir.resolve().parent / "leaderboard"
    t0 = time.perf_counter()
    try:
        views, sources = score.gold_views(root)
        version = build.dataset_version(build.source_files(root))
        passes = [] if args.only else leaderboard.pass_entries(root, version, args.resamples, args.seed)
    except (score.GoldError, leaderboard.LeaderboardError) as exc:
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
    card = None if args.no_card else (args.card or REPO_ROOT / "CARD.md")
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
