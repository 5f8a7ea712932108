"""The evaluation protocols of the baselines: folds, out-of-fold predictions, paired tests.

Protocols (:data:`PROTOCOLS`, :func:`protocols_for`): the pair views are
evaluated on pair-disjoint folds (their ``fold`` column; the headline) and on
sentence folds (``sentence_fold``), ``ner`` on sentence folds; with more than
one document, every view also leave-one-document-out. Under each, for every
fold f a fresh Pipeline is fitted on the rows of the other folds and predicts
the rows of f, so every prediction is out-of-fold; the predictions of all
folds are then pooled and scored once (:mod:`geostance.evaluation.scorers`;
bootstrap intervals over sentences, :data:`RESAMPLES` resamples). A training
set with a single label cannot fit a classifier: that fold predicts its one
label, and the results say so (``notes``).

Paired tests (:func:`paired_tests`): every learned baseline against
``majority`` and ``pair-lookup`` (:data:`REFERENCES`) on the same view and
protocol, per headline measure: approximate-randomisation p-value and paired
bootstrap interval of the difference
(:func:`geostance.evaluation.scorers.paired_test`, :data:`PAIRED_RESAMPLES`
resamples); significance is called at p < :data:`ALPHA`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sklearn.dummy import DummyClassifier

from geostance.evaluation import scorers
from geostance.evaluation.baseline_models import REGISTRY, for_view, make
from geostance.evaluation.baseline_models import SEED


RESAMPLES = 1000


#: p-values below this are called significant in the card (two-sided; not corrected for multiple comparisons)
ALPHA = 0.05


PAIRED_RESAMPLES = 10_000


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
    report: scorers.ScoreReport
    fit_seconds: float
    notes: list[str]


def evaluate(views: Mapping[str, Sequence[Mapping[str, Any]]], names: Sequence[str] | None = None,
             resamples: int = RESAMPLES, seed: int = SEED) -> list[Outcome]:
    """Run the baselines (all, or ``names``) on every view given, under each
    of its protocols (:func:`protocols_for`); a view without rows is skipped."""
    out = []
    for view, rows in views.items():
        scorer = scorers.scorer_for(view)
        for protocol in protocols_for(view, rows):
            column = group_column(protocol, view)
            for b in for_view(view):
                if names and b.name not in names:
                    continue
                preds, secs, notes = cross_validate(b.name, view, rows, seed, column)
                rep = scorers.score_rows(scorer, rows, preds, resamples, seed)
                out.append(Outcome(view, protocol, b.name, preds, rep, secs, notes))
    return out


def paired_tests(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 resamples: int = PAIRED_RESAMPLES, seed: int = SEED) -> dict[tuple[str, str, str], dict[str, list[scorers.Comparison]]]:
    """Every learned baseline against each trivial reference (:data:`REFERENCES`)
    on the same view and protocol: ``{(view, protocol, baseline): {reference: comparisons}}``,
    one comparison per headline measure (:func:`geostance.evaluation.score.paired_test`:
    approximate-randomisation p-value, paired-bootstrap interval of A - B,
    over sentences)."""
    by_key = {(o.view, o.protocol, o.baseline): o for o in outcomes}
    out: dict[tuple[str, str, str], dict[str, list[scorers.Comparison]]] = {}
    for o in outcomes:
        if REGISTRY[o.baseline].trivial:
            continue
        scorer = scorers.scorer_for(o.view)
        tests = {}
        for ref in REFERENCES:
            r = by_key.get((o.view, o.protocol, ref))
            if r is not None:
                tests[ref] = scorers.paired_test(scorer, views[o.view], o.predictions, r.predictions, resamples, seed)
        out[(o.view, o.protocol, o.baseline)] = tests
    return out


PROTOCOL = ("every prediction out-of-fold (fit on the other folds, or documents); predictions of all folds pooled "
            "and scored once; 95% percentile bootstrap intervals over sentences; each learned baseline compared "
            "with majority and pair-lookup by approximate randomisation (two-sided p) and paired bootstrap")


def prediction_path(protocol: str, view: str, baseline: str) -> str:
    """Where a baseline's out-of-fold predictions go, relative to the output folder."""
    return f"predictions/{protocol}/{view}/{baseline}.jsonl"


#: learned baselines are compared with these trivial ones in paired tests
REFERENCES = ("majority", "pair-lookup")
