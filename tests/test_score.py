"""Tests of geostance.evaluation.score: metric definitions, bootstrap, paired tests, the score CLI.

Golden numbers are computed by hand in the comments, or by scikit-learn
(an independent reference) on the same inputs.
"""

from __future__ import annotations

import doctest
import io
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from geostance import cli
from geostance.evaluation import reference
from geostance.evaluation import scorers
from geostance.metrics import bootstrap
from geostance.metrics import classification
from geostance.metrics import exact_spans
from geostance.contract.labels import (MENTION_TYPES, RELATION_NONE, RELATION_TYPES, RELATION_VIEW_LABELS, STANCE_LABELS, STANCE_NONE,
                              STANCE_VIEW_LABELS)

FIX = Path(__file__).parent / "fixtures" / "score"


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIX / f"{name}_rows.jsonl").read_text(encoding="utf-8").splitlines()]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


# ------------------------------------------------------------ gold against itself


def test_stance_gold_against_itself_is_perfect() -> None:
    g = rows("stance")
    rep = scorers.score_rows(scorers.scorer_for("stance_classification", per_target=True), g, [r["label"] for r in g], 200)
    for name in ("f_avg", "accuracy", "f_avg_per_target"):
        e = rep.scores[name]
        assert (e.value, e.low, e.high) == (1.0, 1.0, 1.0), name
    # macro-F1 over the fixed set of four labels: 1.0 on the sample (every label
    # occurs), and in a resample without the one NEUTRAL row 3/4 (NEUTRAL counts 0
    # there), never a mean over fewer labels; so the interval reaches down to 0.75
    e = rep.scores["macro_f1"]
    assert (e.value, e.high) == (1.0, 1.0) and e.low == 0.75
    for lab in STANCE_VIEW_LABELS:  # every label occurs in the fixture
        assert rep.per_class[lab]["f1"].value == 1.0


def test_relation_gold_against_itself_is_perfect() -> None:
    g = rows("relation")
    rep = scorers.score_rows(scorers.scorer_for("relation_classification"), g, [r["label"] for r in g], 200)
    for name in ("micro_f1", "micro_precision", "micro_recall"):
        assert rep.scores[name].value == 1.0 and rep.scores[name].low == 1.0
    # macro-F1 over the fixed set of 14 relation types: the fixture has 9 of them,
    # the 5 others count 0 for every system: a perfect one scores 9/14, and the
    # report says so
    assert rep.scores["macro_f1"].value == pytest.approx(9 / 14, abs=1e-15)
    assert any("5 of 14" in n and "9/14" in n.replace(" ", "") or "0.643" in n for n in rep.notes), rep.notes
    for name in ("undirected_f1", "undirected_precision", "undirected_recall"):
        assert rep.diagnostics[name].value == 1.0


def test_ner_gold_against_itself_is_perfect() -> None:
    g = rows("ner")
    rep = scorers.score_rows(scorers.scorer_for("ner"), g, [r["tags"] for r in g], 200)
    assert [rep.scores[k].value for k in ("micro_f1", "micro_precision", "micro_recall")] == [1.0, 1.0, 1.0]
    for t in MENTION_TYPES:  # every type occurs in the fixture
        assert rep.per_class[t]["f1"].value == 1.0


# ------------------------------------------------------------ degenerate systems, by hand


def test_all_none_stance_values_by_hand() -> None:
    g = rows("stance")
    # the fixture: 36 rows; NONE 20, AGAINST 12, FAVOR 3, NEUTRAL 1
    counts = {lab: sum(r["label"] == lab for r in g) for lab in STANCE_VIEW_LABELS}
    assert len(g) == 36 and [counts[lab] for lab in STANCE_VIEW_LABELS] == [3, 12, 1, 20]  # FAVOR, AGAINST, NEUTRAL, NONE
    rep = scorers.score_rows(scorers.scorer_for("stance_classification"), g, [STANCE_NONE] * len(g), 0)
    # accuracy = 20 / 36
    assert rep.scores["accuracy"].value == pytest.approx(20 / 36, abs=1e-15)
    # NONE: P = 20/36, R = 20/20 = 1, F1 = 2*20 / (20 + 36) = 5/7
    assert rep.per_class[STANCE_NONE]["precision"].value == pytest.approx(20 / 36, abs=1e-15)
    assert rep.per_class[STANCE_NONE]["recall"].value == 1.0
    assert rep.per_class[STANCE_NONE]["f1"].value == pytest.approx(5 / 7, abs=1e-15)
    # FAVOR, AGAINST, NEUTRAL: never predicted: P undefined (0/0; scikit-learn
    # would print 0), R = 0, F1 = 2*0 / (gold + 0) = 0
    for lab in STANCE_LABELS:
        assert [rep.per_class[lab][k].value for k in ("precision", "recall", "f1")] == [None, 0.0, 0.0]
        assert rep.per_class[lab]["precision"].convention == "scikit-learn (zero_division=0): 0.0"
    # macro-F1: all four labels occur in gold: (0 + 0 + 0 + 5/7) / 4 = 5/28
    assert rep.scores["macro_f1"].value == pytest.approx(5 / 28, abs=1e-15)
    # F_avg = (F_FAVOR + F_AGAINST) / 2 = 0
    assert rep.scores["f_avg"].value == 0.0


def test_all_no_relation_values_by_hand() -> None:
    g = rows("relation")
    # the fixture: 31 rows, 13 of them a relation (9 types), 18 NO_RELATION
    assert len(g) == 31 and sum(r["label"] != RELATION_NONE for r in g) == 13
    rep = scorers.score_rows(scorers.scorer_for("relation_classification"), g, [RELATION_NONE] * len(g), 0)
    # guessed = 0: P is undefined (the TACRED scorer prints 1.0: named beside it);
    # correct = 0, gold = 13: R = 0; F1 = 2*0 / (0 + 13) = 0
    assert rep.scores["micro_precision"].value is None
    assert rep.scores["micro_precision"].convention == "TACRED scorer: 1.0"
    assert rep.scores["micro_precision"].as_dict()["ci95"] is None
    assert rep.scores["micro_recall"].value == 0.0
    assert rep.scores["micro_f1"].value == 0.0
    # macro-F1: every type has F1 = 0; NO_RELATION is not averaged: 0
    assert rep.scores["macro_f1"].value == 0.0
    # direction ignored, same rules: nothing guessed: P undefined, R = 0, F1 = 0
    assert [rep.diagnostics[k].value for k in ("undirected_precision", "undirected_recall", "undirected_f1")] == [None, 0.0, 0.0]
    # and the tacred_micro function itself keeps the reference scorer's convention
    cm = classification.confusion_matrix(*[[RELATION_VIEW_LABELS.index(x) for x in xs] for xs in
                                  ([r["label"] for r in g], [RELATION_NONE] * len(g))], len(RELATION_VIEW_LABELS))
    assert [float(x) for x in classification.tacred_micro(cm, RELATION_VIEW_LABELS.index(RELATION_NONE))] == [1.0, 0.0, 0.0]


def test_all_o_ner_values_by_hand() -> None:
    g = rows("ner")
    rep = scorers.score_rows(scorers.scorer_for("ner"), g, [["O"] * len(r["tokens"]) for r in g], 0)
    # 42 gold spans, none predicted: P undefined (conlleval prints 0), R = 0 / 42, F1 = 0
    assert sum(rep.per_class[t]["support"] for t in MENTION_TYPES) == 42
    assert [rep.scores[k].value for k in ("micro_precision", "micro_recall", "micro_f1")] == [None, 0.0, 0.0]
    assert rep.scores["micro_precision"].convention == "conlleval: 0.0"


# ------------------------------------------------------------ agreement with scikit-learn


def _synthetic_rows(n: int, labels: tuple[str, ...], rng: np.random.Generator) -> tuple[list[dict], list[str]]:
    gold = rng.choice(len(labels), n)
    pred = rng.choice(len(labels), n)
    rs = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i // 3}", "head_mention_id": f"m{i}", "tail_mention_id": f"n{i}",
           "target_name": f"t{i % 4}", "label": labels[g]} for i, g in enumerate(gold)]
    return rs, [labels[p] for p in pred]


@pytest.mark.parametrize("seed", range(8))
def test_stance_agrees_with_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = STANCE_VIEW_LABELS
    # skewed label use so that some classes are rare or absent in some seeds
    n = int(rng.integers(5, 400))
    p = rng.dirichlet(np.ones(len(labels)) * 0.5)
    g = rng.choice(len(labels), n, p=p)
    q = rng.choice(len(labels), n, p=rng.dirichlet(np.ones(len(labels)) * 0.5))
    gl, pl = [labels[i] for i in g], [labels[i] for i in q]
    rs = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "label": x} for i, x in enumerate(gl)]
    rep = scorers.score_rows(scorers.scorer_for("stance_classification"), rs, pl, 0)
    P, R, F, S = precision_recall_fscore_support(gl, pl, labels=list(labels), zero_division=0)
    for i, lab in enumerate(labels):
        c = rep.per_class[lab]
        # equal to scikit-learn where defined; undefined exactly where it falls back on zero_division
        for k, ref, den in (("precision", P[i], c["predicted"]), ("recall", R[i], c["support"]),
                            ("f1", F[i], c["predicted"] + c["support"])):
            if den == 0:
                assert c[k].value is None, (lab, k)
            else:
                assert abs(c[k].value - ref) <= 1e-12, (lab, k)
        assert c["support"] == S[i]
    # macro over the fixed set of the four labels, absent labels 0: sklearn with labels=<inventory>
    ref = f1_score(gl, pl, labels=list(labels), average="macro", zero_division=0)
    assert abs(rep.scores["macro_f1"].value - ref) <= 1e-12
    assert abs(rep.scores["accuracy"].value - accuracy_score(gl, pl)) <= 1e-12
    fav, ag = labels.index("FAVOR"), labels.index("AGAINST")
    assert abs(rep.scores["f_avg"].value - (F[fav] + F[ag]) / 2) <= 1e-12


@pytest.mark.parametrize("seed", range(8))
def test_relation_agrees_with_sklearn(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    labels = RELATION_VIEW_LABELS
    n = int(rng.integers(20, 500))
    none = labels.index(RELATION_NONE)
    p = np.full(len(labels), 0.3 / (len(labels) - 1))
    p[none] = 0.7
    g = rng.choice(len(labels), n, p=p)
    q = rng.choice(len(labels), n, p=p)
    gl, pl = [labels[i] for i in g], [labels[i] for i in q]
    rs = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "head_mention_id": "a", "tail_mention_id": f"b{i}", "label": x}
          for i, x in enumerate(gl)]
    rep = scorers.score_rows(scorers.scorer_for("relation_classification"), rs, pl, 0)
    types = list(RELATION_TYPES)
    assert any(x != RELATION_NONE for x in pl)  # something guessed: sklearn's micro precision is defined alike
    P, R, F, _ = precision_recall_fscore_support(gl, pl, labels=types, average="micro", zero_division=0)
    assert abs(rep.scores["micro_precision"].value - P) <= 1e-12
    assert abs(rep.scores["micro_recall"].value - R) <= 1e-12
    assert abs(rep.scores["micro_f1"].value - F) <= 1e-12
    assert abs(rep.scores["macro_f1"].value - f1_score(gl, pl, labels=types, average="macro", zero_division=0)) <= 1e-12
    Pc, Rc, Fc, _ = precision_recall_fscore_support(gl, pl, labels=list(labels), zero_division=0)
    for i, lab in enumerate(labels):
        f1 = rep.per_class[lab]["f1"].value
        assert (f1 is None and lab not in gl and lab not in pl) or abs(f1 - Fc[i]) <= 1e-12


def test_confusion_matrix_agrees_with_sklearn() -> None:
    from sklearn.metrics import confusion_matrix as sk_cm

    rng = np.random.default_rng(7)
    g, p = rng.integers(0, 5, 1000), rng.integers(0, 5, 1000)
    assert (classification.confusion_matrix(g, p, 5) == sk_cm(g, p, labels=range(5))).all()


# ------------------------------------------------------------ swapping gold and predictions


def test_swapping_gold_and_predictions_exchanges_precision_and_recall() -> None:
    # documented asymmetry (score_rows docstring): P and R exchange; F1, macro-F1,
    # F_avg and accuracy are unchanged
    g = rows("stance")
    pred = {json.loads(l)["id"]: json.loads(l)["label"] for l in (FIX / "stance_pred.jsonl").read_text().splitlines()}
    p = [pred[r["id"]] for r in g]
    swapped = [dict(r, label=pred[r["id"]]) for r in g]
    a = scorers.score_rows(scorers.scorer_for("stance_classification"), g, p, 0)
    b = scorers.score_rows(scorers.scorer_for("stance_classification"), swapped, [r["label"] for r in g], 0)
    for lab in STANCE_VIEW_LABELS:
        for x, y in (("precision", "recall"), ("recall", "precision"), ("f1", "f1")):
            va, vb = a.per_class[lab][x].value, b.per_class[lab][y].value
            assert (va is None and vb is None) or va == pytest.approx(vb, abs=1e-15), (lab, x)
    for k in ("macro_f1", "f_avg", "accuracy"):
        assert a.scores[k].value == pytest.approx(b.scores[k].value, abs=1e-15)
    assert a.scores["accuracy"].value != 1.0  # the fixture's predictions do differ from gold


def test_swapping_relation_gold_and_predictions_exchanges_undefined_precision_and_recall() -> None:
    g = rows("relation")
    none = [RELATION_NONE] * len(g)
    a = scorers.score_rows(scorers.scorer_for("relation_classification"), g, none, 0)
    b = scorers.score_rows(scorers.scorer_for("relation_classification"), [dict(r, label=RELATION_NONE) for r in g],
                         [r["label"] for r in g], 0)
    # gold has 13 relations, nothing guessed: P undefined (TACRED: 1.0), R = 0
    assert (a.scores["micro_precision"].value, a.scores["micro_recall"].value) == (None, 0.0)
    # swapped: 13 guessed, no gold relation: P = 0 / 13 = 0, R undefined (nothing to find)
    assert (b.scores["micro_precision"].value, b.scores["micro_recall"].value) == (0.0, None)
    assert a.scores["micro_f1"].value == b.scores["micro_f1"].value == 0.0


def test_cli_refuses_a_predictions_file_given_as_gold(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(["score", "stance_classification", str(FIX / "stance_rows.jsonl"), "--gold",
                            str(FIX / "stance_pred.jsonl")], capsys)
    assert rc == 1 and out == ""
    assert "stance_pred.jsonl:1:" in err and "missing doc_id" in err and "predictions file given as gold" in err
    assert "Traceback" not in err


# ------------------------------------------------------------ spans, per-target, direction


def test_bio_spans_follow_conlleval() -> None:
    # B starts; I of the same type continues; I after O, or after another type, starts a new span
    assert exact_spans.bio_spans(["I-GPE", "I-GPE", "O", "B-ORG", "I-GPE", "B-GPE", "B-GPE"]) == [
        ("GPE", 0, 2), ("ORG", 3, 4), ("GPE", 4, 5), ("GPE", 5, 6), ("GPE", 6, 7)]
    assert exact_spans.bio_spans([]) == [] and exact_spans.bio_spans(["O", "O"]) == []


def test_ner_partial_spans_count_as_wrong() -> None:
    g = [{"id": "a", "doc_id": "d", "sentence_id": "s1", "tokens": ["Qu", "Xing", "said"], "tags": ["B-PERSON", "I-PERSON", "O"]}]
    rep = scorers.score_rows(scorers.scorer_for("ner"), g, [["B-PERSON", "O", "O"]], 0)
    # predicted (PERSON, 0, 1) is not the gold (PERSON, 0, 2): correct 0, predicted 1, gold 1
    assert [rep.scores[k].value for k in ("micro_precision", "micro_recall", "micro_f1")] == [0.0, 0.0, 0.0]


def test_per_target_f_avg_by_hand() -> None:
    # a target with FAVOR only, perfectly predicted, scores 1.0 (not 0.5)
    one = np.zeros((1, 4, 4))
    one[0, 0, 0] = 2
    assert float(classification.per_target_f_avg(one, 0, 1)) == 1.0

    def r(i: int, target: str, label: str) -> dict:
        return {"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "target_name": target, "label": label}

    fav, ag, none = "FAVOR", "AGAINST", STANCE_NONE
    g = [r(0, "Russia", fav), r(1, "Russia", ag), r(2, "West", ag), r(3, "West", none), r(4, "Ukraine", none)]
    p = [fav, ag, none, none, none]
    rep = scorers.score_rows(scorers.scorer_for("stance_classification", per_target=True), g, p, 0)
    # Russia: F_FAVOR = 1, F_AGAINST = 1 -> 1.0; West: only AGAINST occurs, F_AGAINST = 0 (gold 1, predicted 0)
    # -> 0.0; Ukraine: no FAVOR/AGAINST in gold or predictions -> left out. Mean over 2 targets: 0.5
    assert rep.scores["f_avg_per_target"].value == 0.5
    # pooled (official): FAVOR 1/1/1 -> F 1; AGAINST tp 1, gold 2, predicted 1 -> F = 2/3; F_avg = 5/6
    assert rep.scores["f_avg"].value == pytest.approx(5 / 6, abs=1e-15)


def test_direction_ignored_diagnostic_by_hand() -> None:
    g = rows("relation")
    # reverse every relation: predict the type on the reversed row and NO_RELATION on the stored one
    by_key = {(r["sentence_id"], r["head_mention_id"], r["tail_mention_id"]): i for i, r in enumerate(g)}
    reversed_pred = [RELATION_NONE] * len(g)
    n_reversible = 0
    for i, r in enumerate(g):
        if r["label"] != RELATION_NONE:
            j = by_key.get((r["sentence_id"], r["tail_mention_id"], r["head_mention_id"]))
            if j is not None:
                reversed_pred[j] = r["label"]
                n_reversible += 1
    # by hand: 13 relations, each has its reversed row in the fixture except s19 European Union -> Moscow
    assert n_reversible == 12
    rep = scorers.score_rows(scorers.scorer_for("relation_classification"), g, reversed_pred, 0)
    # strict: every guess is on the wrong direction: correct 0
    assert rep.scores["micro_f1"].value == 0.0
    # direction ignored: 12 of 13 gold relations found on the reversed pair, 12 guessed: P = 1, R = 12/13
    assert rep.diagnostics["undirected_precision"].value == 1.0
    assert rep.diagnostics["undirected_recall"].value == pytest.approx(12 / 13, abs=1e-15)


# ------------------------------------------------------------ bootstrap


def test_distinct_vectors_reproduce_the_totals() -> None:
    rng = np.random.default_rng(3)
    for unit in ("item", "sentence"):
        g = rows("relation")
        pred = [RELATION_VIEW_LABELS[i] for i in rng.integers(0, len(RELATION_VIEW_LABELS), len(g))]
        c = scorers.scorer_for("relation_classification", unit).contributions(g, pred)
        d, m = c.distinct()
        assert (m @ d == c.totals()).all()
        assert m.sum() == c.n_units == (len(g) if unit == "item" else len({r["sentence_id"] for r in g}))


def _slow_bootstrap(scorer: scorers.Scorer, g: list[dict], pred: list, resamples: int, seed: int, name: str) -> np.ndarray:
    """The reference: draw sentences with replacement, rebuild the rows, score them from scratch."""
    rng = np.random.default_rng(seed)
    sents = sorted({r["sentence_id"] for r in g})
    by = {s: [i for i, r in enumerate(g) if r["sentence_id"] == s] for s in sents}
    out = []
    for _ in range(resamples):
        idx = [i for s in rng.choice(sents, len(sents)) for i in by[s]]
        c = scorer.contributions([g[i] for i in idx], [pred[i] for i in idx])
        out.append(float(scorer.measures(c.totals())[name]))
    return np.array(out)


def test_fast_bootstrap_has_the_distribution_of_resampling_sentences() -> None:
    # same distribution as drawing sentences one by one (different random streams):
    # means and standard deviations agree within Monte Carlo error
    g = rows("stance")
    pred = [json.loads(l)["label"] for l in (FIX / "stance_pred.jsonl").read_text().splitlines()][::-1]
    assert [json.loads(l)["id"] for l in (FIX / "stance_pred.jsonl").read_text().splitlines()][::-1] == [r["id"] for r in g]
    sc = scorers.scorer_for("stance_classification")
    c = sc.contributions(g, pred)
    d, m = c.distinct()
    fast = sc.measures(bootstrap.resample_counts(d, m, 20000, np.random.default_rng(1)))["macro_f1"]
    slow = _slow_bootstrap(sc, g, pred, 3000, 2, "macro_f1")
    se = slow.std() / np.sqrt(len(slow))
    assert abs(fast.mean() - slow.mean()) < 5 * se
    assert abs(fast.std() - slow.std()) < 0.1 * slow.std()


def test_bootstrap_is_seeded() -> None:
    g = rows("stance")
    pred = [STANCE_NONE if i % 3 else r["label"] for i, r in enumerate(g)]
    sc = scorers.scorer_for("stance_classification")
    a = scorers.score_rows(sc, g, pred, 500, seed=1).as_dict()
    b = scorers.score_rows(sc, g, pred, 500, seed=1).as_dict()
    c = scorers.score_rows(sc, g, pred, 500, seed=2).as_dict()
    assert a == b and a != c
    assert a["bootstrap"] == {"method": "percentile", "confidence": 0.95, "resamples": 500, "seed": 1, "unit": "sentence", "n_units": 10}


def test_item_unit_resamples_rows() -> None:
    g = rows("stance")
    rep = scorers.score_rows(scorers.scorer_for("stance_classification", unit="item"), g, [STANCE_NONE] * len(g), 300)
    assert rep.n_units == 36 and rep.unit == "item"
    lo, hi = rep.scores["accuracy"].low, rep.scores["accuracy"].high
    assert lo < 20 / 36 < hi


# ------------------------------------------------------------ paired test


def test_paired_test_identical_systems() -> None:
    g = rows("stance")
    p = [r["label"] for r in g]
    for c in scorers.paired_test(scorers.scorer_for("stance_classification"), g, p, p, 500):
        assert c.delta == 0.0 and c.p_value == 1.0 and c.low == c.high == 0.0


def test_paired_test_is_symmetric_and_detects_a_clear_difference() -> None:
    g = rows("relation")
    good = [r["label"] for r in g]
    bad = [RELATION_NONE] * len(g)
    sc = scorers.scorer_for("relation_classification", unit="item")
    ab = {c.measure: c for c in scorers.paired_test(sc, g, good, bad, 2000, seed=5)}
    ba = {c.measure: c for c in scorers.paired_test(sc, g, bad, good, 2000, seed=5)}
    # micro F1: 1.0 against 0.0
    assert ab["micro_f1"].delta == 1.0 and ba["micro_f1"].delta == -1.0
    assert ab["micro_f1"].p_value == ba["micro_f1"].p_value
    # 13 rows differ; swapping each with probability 1/2 reaches |delta| = 1 only when all 13 swap
    # together or none does: p = P(all or none) ~ 2 / 2**13 = 0.00024, so few of 2000 randomisations
    assert ab["micro_f1"].p_value < 0.01


def test_paired_test_p_value_matches_exact_permutation_on_a_tiny_case() -> None:
    # 4 sentences, A right on all, B right on 2: accuracy delta 0.5. Exact randomisation over
    # the 2 differing sentences (the others are identical, swapping them changes nothing):
    # outcomes of delta: +0.5, 0, 0, -0.5 (each 1/4); P(|d| >= 0.5) = 1/2
    g = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "label": "FAVOR"} for i in range(4)]
    a = ["FAVOR"] * 4
    b = ["FAVOR", "FAVOR", "AGAINST", "AGAINST"]
    c = {x.measure: x for x in scorers.paired_test(scorers.scorer_for("stance_classification"), g, a, b, 40000, seed=3)}
    assert c["accuracy"].delta == 0.5
    assert abs(c["accuracy"].p_value - 0.5) < 0.01


# ------------------------------------------------------------ docstrings


METRICS = (classification.confusion_matrix, classification.per_class_prf, classification.accuracy, classification.macro_f1, classification.semeval_f_avg,
           classification.per_target_f_avg, classification.tacred_micro, classification.macro_f1_without, exact_spans.bio_spans, exact_spans.span_counts,
           exact_spans.span_prf, classification.direction_ignored_counts, classification.honest_prf, classification.undefined_where,
           bootstrap.defined_interval)


@pytest.mark.parametrize("fn", METRICS, ids=lambda f: f.__name__)
def test_every_metric_documents_its_variant_with_a_running_example(fn) -> None:
    doc = inspect.getdoc(fn) or ""
    assert ">>>" in doc, f"{fn.__name__} has no example"
    tests = doctest.DocTestFinder().find(fn, fn.__name__, globs=vars(inspect.getmodule(fn)))
    runner = doctest.DocTestRunner()
    for t in tests:
        runner.run(t)
    assert runner.failures == 0 and runner.tries > 0


def test_variant_headers_name_the_conventions() -> None:
    text = " ".join(scorers.scorer_for("relation_classification").variants())
    assert "P is UNDEFINED when nothing is guessed (the TACRED scorer takes 1.0)" in text and "DIAGNOSTIC" in text
    assert "fixed set of the 14 relation types" in text
    text = " ".join(scorers.scorer_for("stance_classification", per_target=True).variants())
    assert "pooled over all rows" in text and "PER-TARGET MACRO" in text
    text = " ".join(scorers.scorer_for("ner").variants())
    assert "I- tag without a preceding B-/I- of the same type starts a span" in text


# ------------------------------------------------------------ CLI


def test_cli_score_text_json_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["score", "stance_classification", str(FIX / "stance_pred.csv"), "--gold", str(FIX / "stance_rows.jsonl"),
            "--resamples", "200"]
    rc, out, err = run_cli(base, capsys)
    assert rc == 0 and err == ""
    assert "SemEval-2016 Task 6 F_avg" in out and "200 resamples of 10 sentences (36 rows), seed 0" in out
    rc, out_json, _ = run_cli(base + ["--format", "json"], capsys)
    d = json.loads(out_json)
    assert d["scores"]["macro_f1"]["ci95"][0] <= d["scores"]["macro_f1"]["value"] <= d["scores"]["macro_f1"]["ci95"][1]
    # the CSV and JSONL files hold the same predictions in the same (reversed) order: same scores
    rc, out_jsonl, _ = run_cli(["score", "stance_classification", str(FIX / "stance_pred.jsonl"), "--gold",
                                str(FIX / "stance_rows.jsonl"), "--resamples", "200", "--format", "json"], capsys)
    assert {k: v for k, v in json.loads(out_jsonl).items() if k != "predictions"} == {k: v for k, v in d.items() if k != "predictions"}
    rc, out_md, _ = run_cli(base + ["--format", "markdown"], capsys)
    assert rc == 0 and "| measure | score | 95% CI |" in out_md


def test_cli_ner_csv_predictions(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(["score", "ner", str(FIX / "ner_gold_as_pred.csv"), "--gold", str(FIX / "ner_rows.jsonl"),
                            "--format", "json", "--resamples", "50"], capsys)
    assert rc == 0, err
    assert json.loads(out)["scores"]["micro_f1"]["value"] == 1.0


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run_cli(["score", "stance_classification", str(tmp_path / "nope.jsonl"), "--gold", str(FIX / "stance_rows.jsonl")], capsys)
    assert rc == 2 and "no such file" in err
    rc, _, err = run_cli(["score", "ner", str(FIX / "ner_gold_as_pred.csv"), "--gold", str(FIX / "ner_rows.jsonl"), "--per-target"], capsys)
    assert rc == 2 and "--per-target applies to stance_classification only" in err




# ------------------------------------------------------------ gold views


def test_gold_views_are_the_built_views(tmp_path: Path) -> None:
    # the scorer derives the views from gold as the build does: same rows, same folds, same labels
    from geostance.hf import build
    from geostance.hf import configs

    fixture = Path(__file__).parent / "fixtures" / "build"
    build.build(fixture, tmp_path, card_source=None, with_card=False, log=io.StringIO())
    views, sources = reference.gold_views(fixture)
    assert sorted(sources) == ["build/annotations/gold/fixture-alpha.jsonl", "build/annotations/gold/fixture-beta.jsonl"]
    assert views["stance_modality"] == []  # the fixture is of schema 1.0
    for view in [v for v in scorers.VIEWS if v != "stance_modality"]:
        built = reference.read_gold_rows(tmp_path / configs.data_file(view), view)
        ours = views[view]
        assert len(built) == len(ours) > 0
        for b, o in zip(built, ours):
            assert {k: b[k] for k in o} == o


def test_read_gold_rows_refuses_bad_rows(tmp_path: Path) -> None:
    p = tmp_path / "g.jsonl"
    g = rows("stance")
    p.write_text("\n".join(json.dumps(r) for r in [g[0], dict(g[1], label="MAYBE")]) + "\n", encoding="utf-8")
    with pytest.raises(reference.GoldError, match=r"g.jsonl:2: label 'MAYBE' is not a stance_classification label"):
        reference.read_gold_rows(p, "stance_classification")
    p.write_text("\n".join(json.dumps(r) for r in [g[0], g[0]]) + "\n", encoding="utf-8")
    with pytest.raises(reference.GoldError, match=r"g.jsonl:2: id .* repeats line 1"):
        reference.read_gold_rows(p, "stance_classification")


# ------------------------------------------------------------ honest intervals


def _stance_rows_by_sentence(labels_per_sentence: list[list[str]]) -> list[dict]:
    return [{"id": f"s{i}-{j}", "doc_id": "d", "sentence_id": f"s{i}", "label": lab}
            for i, labs in enumerate(labels_per_sentence) for j, lab in enumerate(labs)]


def test_macro_f1_keeps_the_label_set_fixed_in_every_resample() -> None:
    """Majority (all NONE) on 20 sentences, one of which holds the only NEUTRAL
    row: F1_NONE = 2*19/(19 + 20) on the sample, and in every resample the
    mean is over the four labels, so it never exceeds max F1_NONE / 4 = 1/4
    (a resample without NEUTRAL would give 1/3 if absent labels were dropped)."""
    g = _stance_rows_by_sentence([["NONE"]] * 12 + [["FAVOR"], ["AGAINST"], ["NEUTRAL"]] + [["NONE"]] * 5
                                 + [["NONE", "FAVOR"]] * 2 + [["AGAINST"]])
    rep = scorers.score_rows(scorers.scorer_for("stance_classification"), g, [STANCE_NONE] * len(g), 2000, seed=1)
    n_none = sum(r["label"] == STANCE_NONE for r in g)
    e = rep.scores["macro_f1"]
    assert e.value == pytest.approx(2 * n_none / (n_none + len(g)) / 4, abs=1e-12)
    assert e.high <= 0.25 + 1e-12  # F1_NONE <= 1 in any resample, divided by the 4 labels always
    # what the old convention (labels present in the resample) would have given: above 1/4 in some resamples
    sc = scorers.scorer_for("stance_classification")
    d, m = sc.contributions(g, [STANCE_NONE] * len(g)).distinct()
    reps = bootstrap.resample_counts(d, m, 2000, np.random.default_rng(1))
    cm = sc.confusion(reps)
    present = (cm.sum(axis=-1) + cm.sum(axis=-2)) > 0
    _, _, f1 = classification.per_class_prf(cm)
    old = (f1 * present).sum(axis=-1) / present.sum(axis=-1)
    assert old.max() > 0.3


def test_a_precision_with_nothing_guessed_is_undefined_and_its_interval_counts_undefined_resamples() -> None:
    """Relations: a system that guesses one relation, in one of 10 sentences,
    correctly. P = 1/1 on the sample; resamples without that sentence have
    nothing guessed: P undefined there, left out of the interval and counted."""
    rows = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "head_mention_id": "a", "tail_mention_id": f"b{i}",
             "label": "SUPPORT" if i < 3 else RELATION_NONE} for i in range(10)]
    pred = ["SUPPORT"] + [RELATION_NONE] * 9
    rep = scorers.score_rows(scorers.scorer_for("relation_classification"), rows, pred, 1000, seed=0)
    p = rep.scores["micro_precision"]
    assert p.value == 1.0 and (p.low, p.high) == (1.0, 1.0)
    # P(sentence s0 absent from a resample of 10) = 0.9^10 = 0.349: about 349 of 1000
    assert 290 < p.undefined_resamples < 410
    d = p.as_dict()
    assert d["undefined_resamples"] == p.undefined_resamples and d["value"] == 1.0
    # F1 = 2*1/(1 + 3) = 0.5 is defined in every resample with a gold relation or a guess
    assert rep.scores["micro_f1"].value == 0.5


def test_the_paired_test_does_not_compare_an_undefined_measure() -> None:
    rows = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "head_mention_id": "a", "tail_mention_id": f"b{i}",
             "label": "SUPPORT" if i < 3 else RELATION_NONE} for i in range(10)]
    none = [RELATION_NONE] * 10
    some = ["SUPPORT"] * 2 + none[2:]
    by = {c.measure: c for c in scorers.paired_test(scorers.scorer_for("relation_classification"), rows, some, none, 500)}
    c = by["micro_precision"]
    assert (c.a, c.b, c.delta, c.p_value) == (1.0, None, None, None)
    assert c.as_dict()["undefined"] == "the measure is undefined for system B"
    assert by["micro_f1"].delta == pytest.approx(0.8, abs=1e-12)  # 2*2/(2+3) - 0


def test_text_and_json_reports_say_undefined(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    g = rows("relation")
    pred = tmp_path / "none.jsonl"
    pred.write_text("".join(json.dumps({"id": r["id"], "label": RELATION_NONE}) + "\n" for r in g), encoding="utf-8")
    rc, out, _ = run_cli(["score", "relation_classification", str(pred), "--gold", str(FIX / "relation_rows.jsonl"),
                          "--resamples", "50"], capsys)
    assert rc == 0 and "undefined: nothing guessed or nothing to find (TACRED scorer: 1.0)" in out
    rc, out, _ = run_cli(["score", "relation_classification", str(pred), "--gold", str(FIX / "relation_rows.jsonl"),
                          "--resamples", "50", "--format", "json"], capsys)
    d = json.loads(out)["scores"]["micro_precision"]
    assert d["value"] is None and d["ci95"] is None and d["convention"] == "TACRED scorer: 1.0"
    assert "1.000 [1.000, 1.000]" not in out


def test_modality_scorer_by_hand() -> None:
    """Relation modality, 4 rows: gold AS, AS, HYP, NEG; predicted AS, AS, AS, NEG.
    F1: AS 2*2/(2+3) = 0.8, HYP 0, NEG 1, ALLEGED and QUESTIONED absent: 0;
    macro over the 5 modalities = 1.8/5; accuracy 3/4."""
    from geostance.contract.labels import MODALITIES

    gold = [MODALITIES[0], MODALITIES[0], "HYPOTHETICAL", "NEGATED"]
    rs = [{"id": str(i), "doc_id": "d", "sentence_id": f"s{i}", "label": lab} for i, lab in enumerate(gold)]
    rep = scorers.score_rows(scorers.scorer_for("relation_modality"), rs, [MODALITIES[0]] * 3 + ["NEGATED"], 0)
    assert rep.scores["macro_f1"].value == pytest.approx(1.8 / len(MODALITIES), abs=1e-12)
    assert rep.scores["accuracy"].value == 0.75
    assert rep.notes and "a perfect system scores 3/5" in rep.notes[0]
    from geostance.contract.labels import STANCE_MODALITIES

    assert scorers.scorer_for("stance_modality").labels == STANCE_MODALITIES
