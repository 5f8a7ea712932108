"""Tests of geostance.evaluation.baselines: the registry, the out-of-fold protocol, the outputs, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.pipeline import Pipeline

from geostance.evaluation import baselines as B
from geostance.evaluation import baseline_features
from geostance.evaluation import baseline_models
from geostance.evaluation import baseline_report
from geostance.evaluation import protocols
from geostance import cli
from geostance.evaluation import scorers
from geostance.contract.labels import RELATION_VIEW_LABELS, STANCE_NONE, STANCE_VIEW_LABELS
from geostance.core.paths import REPO_ROOT

FIX = Path(__file__).parent / "fixtures" / "score"


def fixture_views() -> dict[str, list[dict]]:
    return {v: [json.loads(l) for l in (FIX / f"{name}_rows.jsonl").read_text(encoding="utf-8").splitlines()]
            for v, name in (("stance_classification", "stance"), ("relation_classification", "relation"), ("ner", "ner"))}


# ------------------------------------------------------------ registry


def test_registry_entries_are_complete() -> None:
    assert list(baseline_models.REGISTRY) == ["majority", "stratified", "pair-lookup", "tfidf-lr", "tfidf-svm", "pair-features-lr",
                                "token-features-lr"]
    assert [n for n, b in baseline_models.REGISTRY.items() if b.trivial] == ["majority", "stratified", "pair-lookup"]
    for name, b in baseline_models.REGISTRY.items():
        assert b.name == name and b.description and "\n" not in b.description
        assert b.views and set(b.views) <= set(baseline_models.VIEWS)
        assert isinstance(baseline_models.make(name), Pipeline)
    # every view has a majority and a stratified baseline and at least one learned one; every pair view pair-lookup
    for v in baseline_models.VIEWS:
        names = [b.name for b in baseline_models.for_view(v)]
        assert names[:2] == ["majority", "stratified"] and any(not baseline_models.REGISTRY[n].trivial for n in names)
        assert ("pair-lookup" in names) == (v != "ner")


def test_hyperparameters_live_in_the_registry() -> None:
    for name in ("tfidf-lr", "tfidf-svm", "pair-features-lr", "token-features-lr"):
        p = baseline_models.REGISTRY[name].params
        clf = baseline_models.make(name).named_steps["classifier"]
        assert (clf.C, clf.class_weight, clf.max_iter) == (p["C"], p["class_weight"], p["max_iter"])
    words, chars = baseline_models.make("tfidf-lr").named_steps["tfidf"].transformer_list
    assert words[1].ngram_range == tuple(baseline_models.REGISTRY["tfidf-lr"].params["word_ngrams"])
    assert chars[1].ngram_range == tuple(baseline_models.REGISTRY["tfidf-lr"].params["char_ngrams"])
    assert baseline_models.make("stratified", seed=7).named_steps["classifier"].random_state == 7


# ------------------------------------------------------------ features


def test_pair_features_mark_and_describe_the_pair() -> None:
    r = fixture_views()["stance_classification"][0]  # s2: China (holder) -> Russia (target)
    assert r["holder_name"] == "China" and r["target_name"] == "Russia"
    assert baseline_features.marked_text([r])[0].startswith("astart China aend has openly come out in support of bstart Russia bend")
    f = baseline_features.pair_features([r])[0]
    # 7 words between "China" and "Russia": has openly come out in support of
    assert f["distance=6-10"] == 1.0 and f["order=a<b"] == 1.0 and f["between=support"] == 1.0
    assert f["a_type=GPE"] == f["b_type=GPE"] == f["types=GPE>GPE"] == 1.0


def test_token_features() -> None:
    f = baseline_features.token_features([(("the", "U.S.", "said"), 1)])[0]
    assert f["w=u.s."] == f["upper"] == f["prev=the"] == f["next=said"] == 1.0
    assert f["shape=X.X."] == 1.0


# ------------------------------------------------------------ pair-lookup


def _row(h: str, t: str, fold: int, sfold: int, label: str) -> dict:
    return {"id": f"d/s{sfold}/{h}>{t}{fold}", "doc_id": "d", "sentence_id": f"s{sfold}", "text": f"{h} and {t}",
            "holder_id": h, "holder_name": h, "holder_type": "GPE", "holder_spans": [], "target_id": t,
            "target_name": t, "target_type": "GPE", "target_spans": [], "label": label, "fold": fold, "sentence_fold": sfold}


def test_pair_lookup_remembers_pairs_across_sentence_folds_but_not_pair_folds() -> None:
    """By hand: the pair (A, B) is FAVOR in sentence folds 0 and 1; with
    sentence folds pair-lookup predicts FAVOR for it in each (seen in the
    other one); (A, C) and (D, E) were seen only with NONE, (C, B) and (B, C)
    never: the majority label of the training folds, NONE in every fold. With
    pair-disjoint folds a pair (either direction) is in one fold only, never
    seen in training: NONE throughout."""
    rows = [_row("A", "B", 0, 0, "FAVOR"), _row("A", "B", 0, 1, "FAVOR"), _row("A", "C", 1, 0, "NONE"),
            _row("A", "C", 1, 1, "NONE"), _row("C", "B", 2, 2, "NONE"), _row("B", "C", 2, 2, "AGAINST"),
            _row("D", "E", 3, 0, "NONE"), _row("D", "E", 3, 1, "NONE")]
    by_sentence, _, _ = protocols.cross_validate("pair-lookup", "stance_classification", rows, column="sentence_fold")
    by_pair, _, _ = protocols.cross_validate("pair-lookup", "stance_classification", rows, column="fold")
    assert by_sentence == ["FAVOR", "FAVOR"] + ["NONE"] * 6
    assert by_pair == ["NONE"] * 8
    # ties among a pair's labels go to the first name; the none label never wins when another exists
    m = baseline_models.PairLookup().fit([_row("X", "Y", 0, 0, "")] * 3, ["AGAINST", "FAVOR"] + [STANCE_NONE])
    assert m.predict([_row("x", "y", 0, 0, "")]) == ["AGAINST"]


def test_relation_pair_lookup_keys_mentions_by_their_entity() -> None:
    """Two mentions of one entity (a name and a pronoun) are one pair."""
    def rel(head: str, ent: str, label: str) -> dict:
        return {"head_text": head, "head_entity_name": ent, "tail_text": "Kyiv", "tail_entity_name": "Ukraine",
                "label": label}

    m = baseline_models.PairLookup().fit([rel("Moscow", "Russia", "SUPPORT"), rel("it", "Russia", "NO_RELATION")],
                           ["SUPPORT", "NO_RELATION"])
    assert m.predict([rel("it", "Russia", "?"), rel("Paris", "France", "?")]) == ["SUPPORT", "NO_RELATION"]


# ------------------------------------------------------------ protocol


def test_predictions_are_out_of_fold() -> None:
    # each fold's rows carry a label that no other fold has: a model fitted on
    # the other folds can never predict it, so any in-fold leak would show
    base = fixture_views()["relation_classification"]
    rows = [dict(r, label=RELATION_VIEW_LABELS[r["fold"]]) for r in base]
    for name in ("majority", "pair-lookup", "tfidf-lr", "pair-features-lr"):
        preds, _, _ = protocols.cross_validate(name, "relation_classification", rows)
        assert all(p != r["label"] for p, r in zip(preds, rows)), name


def test_single_label_training_folds_fall_back_and_say_so() -> None:
    rows = [dict(r, label="NONE" if r["fold"] else "FAVOR") for r in fixture_views()["stance_classification"]]
    preds, _, notes = protocols.cross_validate("tfidf-lr", "stance_classification", rows)
    assert notes == ["fold 0: the training folds have the single label 'NONE'; predicted it"]
    assert all(p == "NONE" for p, r in zip(preds, rows) if r["fold"] == 0)


def test_fixture_views_all_baselines_give_valid_predictions() -> None:
    views = fixture_views()
    outcomes = protocols.evaluate(views, resamples=50)
    # the fixture rows have one fold column: pair views are evaluated on it ("pair"), ner on sentence folds
    assert [(o.view, o.protocol, o.baseline) for o in outcomes] == [
        (v, "sentence" if v == "ner" else "pair", b.name) for v in views for b in baseline_models.for_view(v)]
    for o in outcomes:
        rows = views[o.view]
        assert len(o.predictions) == len(rows)
        if o.view == "stance_classification":
            assert set(o.predictions) <= set(STANCE_VIEW_LABELS)
        elif o.view == "ner":
            assert [len(p) for p in o.predictions] == [len(r["tokens"]) for r in rows]
        # the report is the score of these predictions
        again = scorers.score_rows(scorers.scorer_for(o.view), rows, o.predictions, 50)
        assert again.as_dict() == o.report.as_dict()


def test_results_are_deterministic() -> None:
    views = fixture_views()

    def results() -> dict:
        outcomes = protocols.evaluate(views, resamples=100)
        return baseline_report.results_json(outcomes, views, {"x": "0"}, 100, 0, protocols.paired_tests(outcomes, views, 200), 200, "0" * 64)

    a, b = results(), results()
    assert baseline_report.dumps_json(a) == baseline_report.dumps_json(b)
    def keys(x: object) -> set[str]:
        if isinstance(x, dict):
            return set(x) | {k for v in x.values() for k in keys(v)}
        return {k for v in x for k in keys(v)} if isinstance(x, list) else set()

    assert not {k for k in keys(a) if "second" in k or "time" in k}  # timings are kept out of results.json


# ------------------------------------------------------------ paired tests and the verdict


def test_every_learned_baseline_is_tested_against_majority_and_pair_lookup() -> None:
    views = fixture_views()
    outcomes = protocols.evaluate(views, resamples=20)
    tests = protocols.paired_tests(outcomes, views, 500)
    learned = {(o.view, o.protocol, o.baseline) for o in outcomes if not baseline_models.REGISTRY[o.baseline].trivial}
    assert set(tests) == learned
    for (view, _, name), t in tests.items():
        assert set(t) == ({"majority"} if view == "ner" else {"majority", "pair-lookup"})
        for ref, cs in t.items():
            assert [c.measure for c in cs] == list(scorers.scorer_for(view).headline)
            # the comparison is of these two systems' predictions
            a = next(o for o in outcomes if (o.view, o.baseline) == (view, name))
            b = next(o for o in outcomes if (o.view, o.baseline) == (view, ref))
            first = scorers.paired_test(scorers.scorer_for(view), views[view], a.predictions, b.predictions, 500)
            assert [c.as_dict() for c in cs] == [c.as_dict() for c in first]


def _res_with(tests: dict) -> dict:
    """A results.json of one view and protocol whose learned baseline has the given tests."""
    base = {"scores": {"macro_f1": {"value": 0.25, "ci95": [0.2, 0.3]}, "f_avg": {"value": 0.0, "ci95": [0.0, 0.0]},
                       "accuracy": {"value": 0.9, "ci95": [0.8, 0.95]}}}
    return {"views": {"stance_classification": {"headline_protocol": "pair", "protocols": {"pair": {"baselines": {
        "majority": base, "pair-lookup": base, "stratified": base, "x-lr": dict(base, paired_tests=tests)}}}}}}


def _c(measure: str, a: float, b: float, p: float) -> dict:
    return {"measure": measure, "a": a, "b": b, "delta": a - b, "delta_ci95": [a - b - 0.1, a - b + 0.1], "p_value": p}


def test_verdict_says_plainly_which_baselines_beat_which() -> None:
    # not better: Δ > 0 but p = 0.15; and worse on accuracy at p = 0.004
    t = [_c("macro_f1", 0.298, 0.238, 0.15), _c("f_avg", 0.1, 0.0, 0.5), _c("accuracy", 0.85, 0.907, 0.004)]
    (line,) = baseline_report.verdict(_res_with({"majority": t, "pair-lookup": t}))
    assert line.startswith("- `stance_classification`, pair-disjoint folds (headline), macro-F1: no learned baseline beats "
                           "`majority` or `pair-lookup` (0.250; pair-lookup has seen no test pair in training")
    assert "`x-lr` 0.298 (Δ +0.060, p = 0.150)" in line
    assert "on accuracy, `x-lr` is significantly worse than `majority` (0.900): `x-lr` 0.850 (p = 0.004)" in line
    # better than majority (p = 0.01), not than pair-lookup
    good = [_c("macro_f1", 0.4, 0.238, 0.01), _c("f_avg", 0.1, 0.0, 0.5), _c("accuracy", 0.9, 0.9, 1.0)]
    (line,) = baseline_report.verdict(_res_with({"majority": good, "pair-lookup": t}))
    assert "every learned baseline beats `majority` (0.250) at p < 0.05: `x-lr` 0.400 (Δ +0.162, p = 0.010)" in line
    assert "no learned baseline beats `pair-lookup` (0.250) at p < 0.05" in line
    # an undefined measure is not compared, and said so
    und = [dict(_c("macro_f1", 0.3, 0.2, 0.5), delta=None, delta_ci95=None, p_value=None, undefined="the measure is undefined for system B")]
    (line,) = baseline_report.verdict(_res_with({"majority": und, "pair-lookup": und}))
    assert "(not compared: the measure is undefined for system B)" in line


def test_pair_lookup_under_sentence_folds_is_what_pair_folds_remove() -> None:
    """On the committed data (the issue's measurement): pair-lookup reaches a stance
    macro-F1 above majority's with sentence folds, and equals majority with
    pair-disjoint folds, where it has no pair to remember."""
    res = json.loads(RESULTS.read_text(encoding="utf-8"))
    st = res["views"]["stance_classification"]["protocols"]
    assert res["views"]["stance_classification"]["headline_protocol"] == "pair"
    pl, mj = (st["pair"]["baselines"][n]["scores"] for n in ("pair-lookup", "majority"))
    assert pl == mj
    assert st["sentence"]["baselines"]["pair-lookup"]["scores"]["macro_f1"]["value"] > \
        st["sentence"]["baselines"]["majority"]["scores"]["macro_f1"]["value"]


# ------------------------------------------------------------ outputs and the CLI


def _card(path: Path) -> None:
    path.write_text(f"# Card\n\nintro\n\n{baseline_report.CARD_BEGIN}\nold table\n{baseline_report.CARD_END}\n\n<!-- gen:leaderboard -->\nold\n"
                    "<!-- /gen:leaderboard -->\n\nrest\n", encoding="utf-8")


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """geostance baselines on a synthetic corpus of 2 documents (valid, 1.1),
    into a temporary repository layout: out/, leaderboard/, CARD.md."""
    from geostance.validation import synth

    tmp = tmp_path_factory.mktemp("bl")
    root = tmp / "ds"
    synth.generate(root, n_docs=2, seed=2, records_per_doc=40)
    out = tmp / "out"
    card = tmp / "CARD.md"
    _card(card)
    args = ["baselines", "--dataset", str(root), "--out", str(out), "--card", str(card), "--resamples", "100",
            "--paired-resamples", "200"]
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(args) == 0
    return {"root": root, "out": out, "card": card, "args": args, "printed": buf.getvalue(), "lb": tmp / "leaderboard"}


def test_cli_writes_consistent_outputs(synthetic_run: dict, capsys: pytest.CaptureFixture[str]) -> None:
    out, card, printed = synthetic_run["out"], synthetic_run["card"], synthetic_run["printed"]
    assert "all baselines on all views:" in printed and "stance_classification:" in printed
    assert B.summary(out) in printed  # the tables as printed, re-read from the written files
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["bootstrap_resamples"] == 100 and res["seed"] == 0 and res["paired_tests"]["resamples"] == 200
    assert res["views"]["relation_classification"]["metric_variants"] == scorers.scorer_for("relation_classification").variants()
    timings = json.loads((out / "timings.json").read_text(encoding="utf-8"))
    results_md = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "fit time" not in results_md and "seconds" not in results_md  # no timing in a committed file
    card_text = card.read_text(encoding="utf-8")
    assert card_text.startswith("# Card\n\nintro\n\n" + baseline_report.CARD_BEGIN) and card_text.endswith("<!-- /gen:leaderboard -->\n\nrest\n")
    assert "old table" not in card_text and "\nold\n" not in card_text
    assert "Where the learned baselines beat the trivial ones" in card_text
    four_docs = False
    for view, entry in res["views"].items():
        assert entry["headline_protocol"] == ("sentence" if view == "ner" else "pair") or not entry["protocols"]
        four_docs |= "document" in entry["protocols"]  # two documents: leave-one-document-out too
        for protocol, pe in entry["protocols"].items():
            for name, b in pe["baselines"].items():
                # each score of results.json appears in RESULTS.md's and the card's row of that baseline
                cells = [baseline_report._ci_text(b["scores"][m]) for m in scorers.scorer_for(view).headline]
                md_rows = [l for l in results_md.splitlines() if l.startswith(f"| {name} |")]
                assert any(all(c in l for c in cells) for l in md_rows), (view, protocol, name)
                assert any(all(c in l for c in cells) for l in card_text.splitlines() if l.startswith(f"| {name} |"))
                assert (out / protocols.prediction_path(protocol, view, name)).is_file()
                assert isinstance(timings["fit_seconds"][view][protocol][name], float)
                if protocol == entry["headline_protocol"]:
                    png = out / "plots" / baseline_report.plot_name(view, name)
                    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert four_docs

    # the saved predictions score to the figures in results.json
    p = out / protocols.prediction_path("pair", "stance_classification", "pair-features-lr")
    assert cli.main(["score", "stance_classification", str(p), "--dataset", str(synthetic_run["root"]), "--resamples",
                     "100", "--format", "json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["scores"] == res["views"]["stance_classification"]["protocols"]["pair"]["baselines"]["pair-features-lr"]["scores"]


def test_check_passes_then_fails_on_any_altered_output(synthetic_run: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """Every file the command writes is compared: results.json, RESULTS.md, a
    predictions file, a plot, a leaderboard entry and table, the card; a stale
    file it no longer writes is caught too. Each alteration is undone after."""
    out, card, lb = synthetic_run["out"], synthetic_run["card"], synthetic_run["lb"]
    check = synthetic_run["args"] + ["--check"]
    capsys.readouterr()
    assert cli.main(check) == 0, capsys.readouterr().err
    pred = out / protocols.prediction_path("pair", "stance_classification", "pair-features-lr")
    entry = next((lb / "entries").glob("stance_classification--pair--*.json"))
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    res["views"]["ner"]["protocols"]["sentence"]["baselines"]["majority"]["scores"]["micro_f1"]["value"] = 0.5
    ids = [json.loads(l)["id"] for l in pred.read_text(encoding="utf-8").splitlines()]
    edits = {
        pred: "".join(json.dumps({"id": i, "label": "FAVOR"}) + "\n" for i in ids),  # all FAVOR
        out / "RESULTS.md": (out / "RESULTS.md").read_text(encoding="utf-8").replace("0.", "1.", 1),
        out / "results.json": baseline_report.dumps_json(res),
        next((out / "plots").glob("*.png")): "not a plot",
        entry: entry.read_text(encoding="utf-8").replace('"value": ', '"value": 1', 1),
        lb / "README.md": "edited\n",
        card: card.read_text(encoding="utf-8").replace("| tfidf-lr |", "| tfidf-lr (edited) |", 1),  # inside a block
    }
    before = {path: path.read_bytes() for path in edits}
    stray = out / "predictions" / "pair" / "stance_classification" / "old-baseline.jsonl"
    try:
        for path, text in edits.items():
            path.write_text(text, encoding="utf-8")
        stray.write_text("", encoding="utf-8")
        capsys.readouterr()
        assert cli.main(check) == 1
        err = capsys.readouterr().err
        for path in edits:
            assert f"  {path}\n" in err, (path, err)
        assert "views.ner.protocols.sentence.baselines.majority: differs" in err
        assert f"{stray} (should not exist)" in err
        assert f"{len(edits) + 1} output(s) are not what the code produces" in err
    finally:
        for path, data in before.items():
            path.write_bytes(data)
        stray.unlink(missing_ok=True)
    assert cli.main(check) == 0


def test_a_second_run_writes_the_same_bytes_and_removes_stale_files(synthetic_run: dict, capsys: pytest.CaptureFixture[str]) -> None:
    out, lb = synthetic_run["out"], synthetic_run["lb"]

    def tree() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for d in (out, lb) for p in sorted(d.rglob("*")) if p.is_file() and p.name != "timings.json"}

    first = tree()
    stray = out / "predictions" / "sentence" / "ner" / "gone.jsonl"
    stray.write_text("", encoding="utf-8")
    # another system's entry: kept, and listed in the table
    mine = json.loads((lb / "entries" / "ner--sentence--token-features-lr.json").read_text(encoding="utf-8"))
    mine["system"] = {"name": "someone", "kind": "model", "version": "1", "description": "a tagger trained elsewhere"}
    mine["protocol"] = {"name": "all-rows", "description": "zero-shot"}
    mine.pop("paired_tests", None)
    other = lb / "entries" / "ner--all-rows--someone.json"
    other.write_text(json.dumps(mine), encoding="utf-8")
    try:
        assert cli.main(synthetic_run["args"]) == 0
        assert not stray.exists() and other.exists()
        after = tree()
        after.pop(str(other))
        readme = after.pop(str(lb / "README.md"))
        assert b"`someone`" in readme and b"`someone`" not in first.pop(str(lb / "README.md"))
        assert after == first
        # an invalid entry of another system is refused, with its problems, and nothing is written
        other.write_text("{}", encoding="utf-8")
        capsys.readouterr()
        assert cli.main(synthetic_run["args"]) == 1
        assert "ner--all-rows--someone.json" in capsys.readouterr().err
    finally:
        other.unlink(missing_ok=True)
    assert cli.main(synthetic_run["args"]) == 0


def test_cli_list_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["baselines", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in baseline_models.REGISTRY) and "pair-lookup  (trivial;" in out
    assert cli.main(["baselines", "--only", "nope"]) == 2
    assert "unknown baseline 'nope'" in capsys.readouterr().err


def test_card_block_is_the_block_geostance_card_would_write(tmp_path: Path) -> None:
    # the same syntax as geostance.hf.card's generated blocks: card.fill with card_block() gives update_card's text
    from geostance.hf import card

    views = fixture_views()
    outcomes = protocols.evaluate(views, ["majority", "pair-lookup", "tfidf-lr"], resamples=20)
    res = baseline_report.results_json(outcomes, views, {}, 20, 0, protocols.paired_tests(outcomes, views, 50), 50, "0" * 64)
    (tmp_path / "results.json").write_text(baseline_report.dumps_json(res), encoding="utf-8")
    text = f"# Card\n\n{baseline_report.CARD_BEGIN}\nold\n{baseline_report.CARD_END}\n"
    assert card.block_names(text) == [baseline_report.CARD_BLOCK]
    assert card.fill(text, {baseline_report.CARD_BLOCK: baseline_report.card_block(tmp_path / "results.json")}) == baseline_report.update_card(text, res)
    assert baseline_report.card_block(tmp_path / "missing.json") == "No baseline results yet: run `geostance baselines`.\n"


def test_update_card_refuses_a_card_without_markers() -> None:
    with pytest.raises(ValueError, match="no results block"):
        baseline_report.update_card("# Card\n", {"protocol": "", "bootstrap_resamples": 1, "seed": 0, "views": {},
                                   "paired_tests": {"resamples": 1}})


# ------------------------------------------------------------ the committed results


GOLD_DIR = REPO_ROOT / "dataset" / "annotations" / "gold"
RESULTS = REPO_ROOT / "baselines" / "results.json"


def test_committed_outputs_are_what_the_code_produces(capsys: pytest.CaptureFixture[str]) -> None:
    """baselines/, leaderboard/ and the card's blocks must be exactly what
    `geostance baselines` computes from the committed gold: --check compares
    every file it writes."""
    has_gold = any(GOLD_DIR.glob("*.jsonl"))
    if not has_gold and not RESULTS.exists():
        pytest.skip("no gold annotations in dataset/annotations/gold/ and no baselines/results.json yet: nothing to check")
    assert has_gold, "baselines/results.json exists but there is no gold to reproduce it from"
    rc = cli.main(["baselines", "--check"])
    assert rc == 0, capsys.readouterr().err


def test_a_view_whose_rows_fall_in_one_fold_is_reported_not_crashed() -> None:
    """A tiny view (one entity pair, one document): the pair protocol has one
    fold and leave-one-document-out one document, so only the sentence folds
    are used; with one sentence fold too, nothing is fitted and results say so."""
    rows = [_row("A", "B", 3, s, lab) for s, lab in ((0, "FAVOR"), (1, "NONE"), (2, "NONE"))]
    assert protocols.protocols_for("stance_classification", rows) == ["sentence"]
    flat = [dict(r, sentence_fold=0) for r in rows]
    views = {"stance_classification": flat}
    outcomes = protocols.evaluate(views, resamples=10)
    assert outcomes == []
    res = baseline_report.results_json(outcomes, views, {}, 10, 0, {}, 10, "0" * 64)
    assert res["views"]["stance_classification"]["note"].startswith("every row falls in one fold")
    assert "every row falls in one fold" in baseline_report.results_markdown(res) and "every row falls in one fold" in baseline_report.card_table(
        dict(res, protocol="p", paired_tests={"resamples": 10}))
