"""Tests of geostance.baselines: the registry, the out-of-fold protocol, the outputs, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sklearn.pipeline import Pipeline

from geostance import baselines as B
from geostance import cli, score
from geostance.labels import RELATION_VIEW_LABELS, STANCE_VIEW_LABELS
from geostance.paths import REPO_ROOT

FIX = Path(__file__).parent / "fixtures" / "score"


def fixture_views() -> dict[str, list[dict]]:
    return {v: [json.loads(l) for l in (FIX / f"{name}_rows.jsonl").read_text(encoding="utf-8").splitlines()]
            for v, name in (("stance_classification", "stance"), ("relation_classification", "relation"), ("ner", "ner"))}


# ------------------------------------------------------------ registry


def test_registry_entries_are_complete() -> None:
    assert list(B.REGISTRY) == ["majority", "stratified", "tfidf-lr", "tfidf-svm", "pair-features-lr", "token-features-lr"]
    for name, b in B.REGISTRY.items():
        assert b.name == name and b.description and "\n" not in b.description
        assert b.views and set(b.views) <= set(B.VIEWS)
        assert isinstance(B.make(name), Pipeline)
    # every view has a majority and a stratified baseline and at least one learned one
    for v in B.VIEWS:
        names = [b.name for b in B.for_view(v)]
        assert names[:2] == ["majority", "stratified"] and len(names) >= 3


def test_hyperparameters_live_in_the_registry() -> None:
    for name in ("tfidf-lr", "tfidf-svm", "pair-features-lr", "token-features-lr"):
        p = B.REGISTRY[name].params
        clf = B.make(name).named_steps["classifier"]
        assert (clf.C, clf.class_weight, clf.max_iter) == (p["C"], p["class_weight"], p["max_iter"])
    words, chars = B.make("tfidf-lr").named_steps["tfidf"].transformer_list
    assert words[1].ngram_range == tuple(B.REGISTRY["tfidf-lr"].params["word_ngrams"])
    assert chars[1].ngram_range == tuple(B.REGISTRY["tfidf-lr"].params["char_ngrams"])
    assert B.make("stratified", seed=7).named_steps["classifier"].random_state == 7


# ------------------------------------------------------------ features


def test_pair_features_mark_and_describe_the_pair() -> None:
    r = fixture_views()["stance_classification"][0]  # s2: China (holder) -> Russia (target)
    assert r["holder_name"] == "China" and r["target_name"] == "Russia"
    assert B.marked_text([r])[0].startswith("astart China aend has openly come out in support of bstart Russia bend")
    f = B.pair_features([r])[0]
    # 7 words between "China" and "Russia": has openly come out in support of
    assert f["distance=6-10"] == 1.0 and f["order=a<b"] == 1.0 and f["between=support"] == 1.0
    assert f["a_type=GPE"] == f["b_type=GPE"] == f["types=GPE>GPE"] == 1.0


def test_token_features() -> None:
    f = B.token_features([(("the", "U.S.", "said"), 1)])[0]
    assert f["w=u.s."] == f["upper"] == f["prev=the"] == f["next=said"] == 1.0
    assert f["shape=X.X."] == 1.0


# ------------------------------------------------------------ protocol


def test_predictions_are_out_of_fold() -> None:
    # each fold's rows carry a label that no other fold has: a model fitted on
    # the other folds can never predict it, so any in-fold leak would show
    base = fixture_views()["relation_classification"]
    rows = [dict(r, label=RELATION_VIEW_LABELS[r["fold"]]) for r in base]
    for name in ("majority", "tfidf-lr", "pair-features-lr"):
        preds, _, _ = B.cross_validate(name, "relation_classification", rows)
        assert all(p != r["label"] for p, r in zip(preds, rows)), name


def test_single_label_training_folds_fall_back_and_say_so() -> None:
    rows = [dict(r, label="NONE" if r["fold"] else "FAVOR") for r in fixture_views()["stance_classification"]]
    preds, _, notes = B.cross_validate("tfidf-lr", "stance_classification", rows)
    assert notes == ["fold 0: the training folds have the single label 'NONE'; predicted it"]
    assert all(p == "NONE" for p, r in zip(preds, rows) if r["fold"] == 0)


def test_fixture_views_all_baselines_give_valid_predictions() -> None:
    views = fixture_views()
    outcomes = B.evaluate(views, resamples=50)
    assert [(o.view, o.baseline) for o in outcomes] == [(v, b.name) for v in views for b in B.for_view(v)]
    for o in outcomes:
        rows = views[o.view]
        assert len(o.predictions) == len(rows)
        if o.view == "stance_classification":
            assert set(o.predictions) <= set(STANCE_VIEW_LABELS)
        elif o.view == "ner":
            assert [len(p) for p in o.predictions] == [len(r["tokens"]) for r in rows]
        # the report is the score of these predictions
        again = score.score_rows(score.scorer_for(o.view), rows, o.predictions, 50)
        assert again.as_dict() == o.report.as_dict()


def test_results_are_deterministic() -> None:
    views = fixture_views()
    a = B.results_json(B.evaluate(views, resamples=100), views, {"x": "0"}, 100, 0)
    b = B.results_json(B.evaluate(views, resamples=100), views, {"x": "0"}, 100, 0)
    assert B.dumps_json(a) == B.dumps_json(b)
    def keys(x: object) -> set[str]:
        if isinstance(x, dict):
            return set(x) | {k for v in x.values() for k in keys(v)}
        return {k for v in x for k in keys(v)} if isinstance(x, list) else set()

    assert not {k for k in keys(a) if "second" in k or "time" in k}  # timings are kept out of results.json


# ------------------------------------------------------------ outputs and the CLI


def _card(path: Path) -> None:
    path.write_text(f"# Card\n\nintro\n\n{B.CARD_BEGIN}\nold table\n{B.CARD_END}\n\nrest\n", encoding="utf-8")


def test_cli_writes_consistent_outputs_and_checks_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geostance import synth

    root = tmp_path / "ds"
    synth.generate(root, n_docs=4, seed=2, records_per_doc=60)
    out = tmp_path / "out"
    card = tmp_path / "CARD.md"
    _card(card)
    args = ["baselines", "--dataset", str(root), "--out", str(out), "--card", str(card), "--resamples", "100"]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "all baselines on all views:" in printed and "stance_classification:" in printed

    assert B.summary(out) in printed  # the tables as printed, re-read from the written files
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["bootstrap_resamples"] == 100 and res["seed"] == 0
    assert res["views"]["relation_classification"]["metric_variants"] == score.scorer_for("relation_classification").variants()
    timings = json.loads((out / "timings.json").read_text(encoding="utf-8"))
    results_md = (out / "RESULTS.md").read_text(encoding="utf-8")
    card_text = card.read_text(encoding="utf-8")
    assert card_text.startswith("# Card\n\nintro\n\n" + B.CARD_BEGIN) and card_text.endswith(B.CARD_END + "\n\nrest\n")
    assert "old table" not in card_text
    for view, entry in res["views"].items():
        for name, b in entry["baselines"].items():
            # each score of results.json appears in RESULTS.md's and the card's row of that baseline
            cells = [B._ci_text(b["scores"][m]) for m in score.scorer_for(view).headline]
            md_rows = [l for l in results_md.splitlines() if l.startswith(f"| {name} |")]
            assert any(all(c in l for c in cells) for l in md_rows), (view, name)
            assert any(all(c in l for c in cells) for l in card_text.splitlines() if l.startswith(f"| {name} |"))
            png = out / "plots" / B.plot_name(view, name)
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert (out / "predictions" / view / f"{name}.jsonl").is_file()
            assert isinstance(timings["fit_seconds"][view][name], float)

    # the saved predictions score to the figures in results.json
    p = out / "predictions" / "stance_classification" / "pair-features-lr.jsonl"
    assert cli.main(["score", "stance_classification", str(p), "--dataset", str(root), "--resamples", "100", "--format", "json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["scores"] == res["views"]["stance_classification"]["baselines"]["pair-features-lr"]["scores"]

    # a second run gives byte-identical results.json and plots; --check agrees
    first = (out / "results.json").read_bytes()
    pngs = {q.name: q.read_bytes() for q in (out / "plots").iterdir()}
    assert cli.main(args) == 0
    assert (out / "results.json").read_bytes() == first
    assert {q.name: q.read_bytes() for q in (out / "plots").iterdir()} == pngs
    capsys.readouterr()
    check = ["baselines", "--dataset", str(root), "--out", str(out), "--resamples", "100", "--check"]
    assert cli.main(check) == 0
    # a stale file is caught
    res["views"]["ner"]["baselines"]["majority"]["scores"]["micro_f1"]["value"] = 0.5
    (out / "results.json").write_text(B.dumps_json(res), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(check) == 1
    assert "views.ner.baselines.majority: differs" in capsys.readouterr().err


def test_cli_list_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["baselines", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in B.REGISTRY)
    assert cli.main(["baselines", "--only", "nope"]) == 2
    assert "unknown baseline 'nope'" in capsys.readouterr().err


def test_card_block_is_the_block_geostance_card_would_write(tmp_path: Path) -> None:
    # the same syntax as geostance.card's generated blocks: card.fill with card_block() gives update_card's text
    from geostance import card

    views = fixture_views()
    res = B.results_json(B.evaluate(views, ["majority"], resamples=20), views, {}, 20, 0)
    (tmp_path / "results.json").write_text(B.dumps_json(res), encoding="utf-8")
    text = f"# Card\n\n{B.CARD_BEGIN}\nold\n{B.CARD_END}\n"
    assert card.block_names(text) == [B.CARD_BLOCK]
    assert card.fill(text, {B.CARD_BLOCK: B.card_block(tmp_path / "results.json")}) == B.update_card(text, res)
    assert B.card_block(tmp_path / "missing.json") == "No baseline results yet: run `geostance baselines`.\n"


def test_update_card_refuses_a_card_without_markers() -> None:
    with pytest.raises(ValueError, match="no results block"):
        B.update_card("# Card\n", {"protocol": "", "bootstrap_resamples": 1, "seed": 0, "views": {}})


# ------------------------------------------------------------ the committed results


GOLD_DIR = REPO_ROOT / "dataset" / "annotations" / "gold"
RESULTS = REPO_ROOT / "baselines" / "results.json"


def test_committed_results_are_what_the_code_produces() -> None:
    """baselines/results.json must be exactly what `geostance baselines` computes from the committed gold."""
    has_gold = any(GOLD_DIR.glob("*.jsonl"))
    if not has_gold and not RESULTS.exists():
        pytest.skip("no gold annotations in dataset/annotations/gold/ and no baselines/results.json yet: nothing to check")
    assert has_gold, "baselines/results.json exists but there is no gold to reproduce it from"
    assert RESULTS.exists(), "the gold exists but baselines/results.json does not: run geostance baselines"
    views, sources = score.gold_views(REPO_ROOT / "dataset")
    res = B.results_json(B.evaluate(views), views, sources, B.RESAMPLES, B.SEED)
    committed = RESULTS.read_text(encoding="utf-8")
    assert committed == B.dumps_json(res), "baselines/results.json is stale: run geostance baselines"
    # RESULTS.md, the plots and the card agree with it
    md = (REPO_ROOT / "baselines" / "RESULTS.md").read_text(encoding="utf-8")
    for view, entry in res["views"].items():
        for name, b in entry["baselines"].items():
            cells = [B._ci_text(b["scores"][m]) for m in score.scorer_for(view).headline]
            assert any(all(c in l for c in cells) for l in md.splitlines() if l.startswith(f"| {name} |")), (view, name)
            assert (REPO_ROOT / "baselines" / "plots" / B.plot_name(view, name)).is_file()
    card = REPO_ROOT / "CARD.md"
    if card.is_file() and B.CARD_BEGIN in card.read_text(encoding="utf-8"):
        text = card.read_text(encoding="utf-8")
        block = text[text.index(B.CARD_BEGIN):text.index(B.CARD_END) + len(B.CARD_END)]
        assert block == B.CARD_BEGIN + "\n" + B.card_table(res) + B.CARD_END, "CARD.md's baselines block is stale"
