"""The baselines: scikit-learn Pipelines under one registry.

:data:`REGISTRY` lists every baseline once: its name, a one-line
description, the views it applies to, its hyperparameters (the only place
they are set; :func:`make` builds the Pipeline from them) and whether it is
*trivial* (no features: ``majority``, ``stratified``, ``pair-lookup``) or
*learned*. Every random state is :data:`SEED` unless a seed is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from geostance.contract.labels import RELATION_NONE, STANCE_NONE
from geostance.evaluation.baseline_features import marked_text, pair_features, tfidf_text, token_features
from geostance.evaluation import scorers

SEED = 0


PAIR_VIEWS = ("stance_classification", "stance_modality", "relation_classification", "relation_modality")


VIEWS = scorers.VIEWS


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

