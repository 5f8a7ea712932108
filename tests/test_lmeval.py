"""The lm-evaluation-harness tasks: loaded and run through the harness with its dummy model, metrics on canned outputs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from geostance.evaluation import lmeval
from geostance.evaluation import reference
from geostance.evaluation import scorers
from geostance.contract.labels import RELATION_NONE, STANCE_NONE, STANCE_VIEW_LABELS
from geostance.core.paths import REPO_ROOT

DATASET = REPO_ROOT / "dataset"


@pytest.fixture(scope="module")
def harness_run() -> dict:
    """Both tasks through the harness's own loader and evaluator, dummy model, samples logged."""
    from lm_eval import evaluator
    from lm_eval.tasks import TaskManager

    tm = TaskManager(include_path=str(lmeval.TASKS_DIR), metadata={"dataset_dir": str(DATASET)})
    run = evaluator.simple_evaluate(model="dummy", tasks=list(lmeval.TASKS), task_manager=tm, log_samples=True,
                                    bootstrap_iters=0)
    return {"tm": tm, "run": run}


def test_the_task_folder_holds_both_tasks_and_their_prompt_cards() -> None:
    for task in lmeval.TASKS:
        assert (lmeval.TASKS_DIR / f"{task}.yaml").is_file() and (lmeval.TASKS_DIR / f"{task}.md").is_file()
    # the YAML names geostance's functions, never datasets.load_metric or the Hub
    for y in lmeval.TASKS_DIR.glob("*.yaml"):
        text = y.read_text(encoding="utf-8")
        assert "load_metric" not in text and "dataset_path" not in text and "!function hooks.load_" in text
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"geostance.evaluation.lm_eval_tasks" = ["*.yaml", "*.md"]' in pyproject  # shipped with the package


def test_the_harness_finds_and_loads_the_tasks(harness_run: dict) -> None:
    tm = harness_run["tm"]
    assert set(lmeval.TASKS) <= set(tm.all_tasks)
    tasks = tm.load(list(lmeval.TASKS))["tasks"]
    views, _ = reference.gold_views(DATASET, tuple(lmeval.TASKS.values()))
    for name, view in lmeval.TASKS.items():
        t = tasks[name]
        docs = list(t.test_docs())
        assert [d["id"] for d in docs] == [r["id"] for r in views[view]]
        assert [d["label"] for d in docs] == [r["label"] for r in views[view]]  # names, not ClassLabel indices
    st = tasks["geostance_stance"]
    assert st.OUTPUT_TYPE == "multiple_choice" and st.doc_to_choice(next(iter(st.test_docs()))) == list(STANCE_VIEW_LABELS)
    assert tasks["geostance_relation"].OUTPUT_TYPE == "generate_until"


def _ll_choice(sample: dict) -> str:
    lls = [r[0] for r in sample["filtered_resps"]]
    return STANCE_VIEW_LABELS[max(range(len(lls)), key=lambda i: (float(lls[i]), -i))]


def test_a_dummy_model_run_end_to_end_is_scored_by_geostance(harness_run: dict) -> None:
    run = harness_run["run"]
    res, samples = run["results"], run["samples"]
    views, _ = reference.gold_views(DATASET, tuple(lmeval.TASKS.values()))
    # stance: recompute the prediction of each row from the logged log-likelihoods, then score it with geostance
    st = samples["geostance_stance"]
    assert len(st) == len(views["stance_classification"])
    pred = {s["doc"]["id"]: _ll_choice(s) for s in st}
    rows = views["stance_classification"]
    rep = scorers.score_rows(scorers.scorer_for("stance_classification"), rows, [pred[r["id"]] for r in rows], 0)
    for metric, ours in (("macro_f1", "macro_f1"), ("f_avg", "f_avg"), ("acc", "accuracy")):
        assert res["geostance_stance"][f"{metric},none"] == pytest.approx(rep.scores[ours].value, abs=1e-12), metric
    # relation: the dummy model answers "lol" to every prompt: no type named, all NO_RELATION
    rl = res["geostance_relation"]
    assert rl["invalid,none"] == 1.0 and rl["micro_f1,none"] == 0.0 and rl["micro_recall,none"] == 0.0
    assert math.isnan(rl["micro_precision,none"])  # nothing guessed: undefined, never 1.0
    assert all(s["filtered_resps"] == ["lol"] for s in samples["geostance_relation"])


def test_the_logged_samples_become_a_predictions_file_geostance_scores(harness_run: dict, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    samples = tmp_path / "samples_geostance_stance.jsonl"
    samples.write_text("".join(json.dumps(s, default=str) + "\n" for s in harness_run["run"]["samples"]["geostance_stance"]),
                       encoding="utf-8")
    out = tmp_path / "preds.jsonl"
    assert lmeval.main(["predictions", str(samples), "--out", str(out)]) == 0
    from geostance import cli

    capsys.readouterr()
    assert cli.main(["score", "stance_classification", str(out), "--resamples", "200", "--format", "json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["scores"]["macro_f1"]["value"] == pytest.approx(
        harness_run["run"]["results"]["geostance_stance"]["macro_f1,none"], abs=1e-6)
    assert scored["scores"]["macro_f1"]["ci95"] is not None  # geostance adds the interval the harness has not
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc": {}}\n', encoding="utf-8")
    assert lmeval.main(["predictions", str(bad), "--out", str(tmp_path / "x.jsonl")]) == 1
    assert "not a sample of a geostance task" in capsys.readouterr().err
    assert lmeval.main(["predictions", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "x.jsonl")]) == 2
    assert lmeval.main(["path"]) == 0 and capsys.readouterr().out.strip() == str(lmeval.TASKS_DIR)


def test_the_dummy_run_is_seeded(harness_run: dict) -> None:
    from lm_eval import evaluator

    again = evaluator.simple_evaluate(model="dummy", tasks=list(lmeval.TASKS), task_manager=harness_run["tm"],
                                      bootstrap_iters=0)
    for task in lmeval.TASKS:
        a, b = again["results"][task], harness_run["run"]["results"][task]
        assert {k: v for k, v in a.items() if not (isinstance(v, float) and math.isnan(v))} == \
            {k: v for k, v in b.items() if not (isinstance(v, float) and math.isnan(v))}


# ------------------------------------------------------------ metric functions on canned outputs


def test_stance_metrics_on_canned_log_likelihoods() -> None:
    """Four rows, log-likelihoods of FAVOR, AGAINST, NEUTRAL, NONE made up:
    predictions FAVOR, NONE, AGAINST, NONE for gold FAVOR, FAVOR, AGAINST, NONE.
    By hand: F1 FAVOR = 2*1/(2+1) = 2/3, AGAINST = 1, NEUTRAL = 0 (absent), NONE =
    2*1/(1+2) = 2/3; macro = (2/3 + 1 + 0 + 2/3)/4 = 7/12; F_avg = (2/3 + 1)/2 = 5/6; acc 3/4."""
    canned = [("FAVOR", [-0.1, -2, -3, -1]), ("FAVOR", [-2, -3, -4, -0.5]), ("AGAINST", [-3, -0.2, -1, -2]),
              ("NONE", [-1, -1, -1, -0.3])]
    items = {k: [] for k in ("macro_f1", "f_avg", "acc")}
    for gold, lls in canned:
        out = lmeval.stance_results({"label": gold}, [(x, False) for x in lls])
        for k in items:
            items[k].append(out[k])
    assert [p for _, p in items["acc"]] == ["FAVOR", STANCE_NONE, "AGAINST", STANCE_NONE]
    assert lmeval.stance_macro_f1(items["macro_f1"]) == pytest.approx(7 / 12, abs=1e-12)
    assert lmeval.stance_f_avg(items["f_avg"]) == pytest.approx(5 / 6, abs=1e-12)
    assert lmeval.stance_accuracy(items["acc"]) == 0.75
    # a tie goes to the earlier label
    assert lmeval.stance_results({"label": "NONE"}, [(-1.0, False)] * 4)["acc"] == ("NONE", "FAVOR")


def test_relation_metrics_on_canned_generations() -> None:
    """Five rows: gold SUPPORT, ROLE_OF, WARN, NO_RELATION, NO_RELATION; answers
    "SUPPORT", "role of", "I would say CRITICIZE.", "no relation", "???".
    Read as SUPPORT, ROLE_OF, CRITICIZE, NO_RELATION, NO_RELATION (the last not
    valid). TACRED: correct 2, guessed 3, gold 3: P = R = F1 = 2/3; macro over
    the 14 types: F1 SUPPORT 1, ROLE_OF 1, others 0: 2/14; invalid 1/5."""
    canned = [("SUPPORT", "SUPPORT"), ("ROLE_OF", "role of"), ("WARN", "I would say CRITICIZE."),
              (RELATION_NONE, "no relation"), (RELATION_NONE, "???")]
    outs = [lmeval.relation_results({"label": g}, [a]) for g, a in canned]
    items = [o["micro_f1"] for o in outs]
    assert [p for _, p in items] == [canned[0][0], canned[1][0], "CRITICIZE"] + [RELATION_NONE] * 2
    for fn in (lmeval.relation_micro_f1, lmeval.relation_micro_precision, lmeval.relation_micro_recall):
        assert fn(items) == pytest.approx(2 / 3, abs=1e-12)
    assert lmeval.relation_macro_f1(items) == pytest.approx(2 / 14, abs=1e-12)
    assert lmeval.share([o["invalid"] for o in outs]) == pytest.approx(0.2)
    assert math.isnan(lmeval.relation_micro_precision([("SUPPORT", RELATION_NONE)]))


@pytest.mark.parametrize("answer,label", [
    ("POSTED_TO", "POSTED_TO"), ("posted-to Norway", "POSTED_TO"), (" Rival", "RIVAL"), ("NO_RELATION", RELATION_NONE),
    ("The answer: JOIN, or maybe SUPPORT", "JOIN"), ("ROLE", RELATION_NONE), ("", RELATION_NONE),
])
def test_parse_relation(answer: str, label: str) -> None:
    assert lmeval.parse_relation(answer)[0] == label


# ------------------------------------------------------------ prompt cards


def _fenced(md: str) -> str:
    (block,) = re.findall(r"```\n(.*?)\n```", md, flags=re.S)
    return block


def test_the_prompt_cards_show_the_prompts_the_code_builds() -> None:
    st = (lmeval.TASKS_DIR / "geostance_stance.md").read_text(encoding="utf-8")
    assert _fenced(st) == lmeval.stance_prompt({"text": "Oslo backed Lima’s bid, while Quito stayed silent.",
                                                "holder_name": "Oslo", "target_name": "Lima"})
    rel = (lmeval.TASKS_DIR / "geostance_relation.md").read_text(encoding="utf-8")
    assert _fenced(rel) == lmeval.relation_prompt({"text": "Ana Ruiz, Chile’s envoy to Norway, met the minister.",
                                                   "head_text": "Ana Ruiz", "head_entity_name": "Ana Ruiz",
                                                   "tail_text": "Norway", "tail_entity_name": "Norway"})
    for md in (st, rel):
        for section in ("**Template**", "**Scoring.**", "**Known sensitivities.**"):
            assert section in md
