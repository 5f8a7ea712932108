"""The leaderboard: entries validated against their JSON Schema, tables generated from them, ``add``."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from geostance import cli
from geostance.evaluation import leaderboard as L
from geostance.evaluation import reference
from geostance.evaluation import scorers
from geostance.core.paths import REPO_ROOT

LB = REPO_ROOT / "leaderboard"
SCHEMA = json.loads((REPO_ROOT / "schema" / "leaderboard-entry.schema.json").read_text(encoding="utf-8"))


def committed() -> list[tuple[Path, dict]]:
    return L.load_entries(LB)


def test_every_committed_entry_is_valid_and_named_for_itself() -> None:
    entries = committed()
    assert entries, "leaderboard/entries is empty: run geostance baselines"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    v = jsonschema.Draft202012Validator(SCHEMA)
    for p, e in entries:
        assert list(v.iter_errors(e)) == [], p
        assert L.problems(e, p.name) == [], p


def test_the_entries_cover_every_baseline_run_and_every_annotation_pass() -> None:
    res = json.loads((REPO_ROOT / "baselines" / "results.json").read_text(encoding="utf-8"))
    names = {p.name for p, _ in committed()}
    for view, entry in res["views"].items():
        for protocol, pe in entry["protocols"].items():
            for b in pe["baselines"]:
                assert f"{view}--{protocol}--{b}.json" in names
    raw = REPO_ROOT / "dataset" / "annotations" / "raw"
    annotators = {p.stem for p in raw.glob("*/*.jsonl")}
    assert annotators and {f"end-to-end--end-to-end--{a}.json" for a in annotators} <= names
    # each entry's numbers are those of results.json, its predictions file is the one hashed
    e = json.loads((LB / "entries" / "stance_classification--pair--pair-lookup.json").read_text(encoding="utf-8"))
    b = res["views"]["stance_classification"]["protocols"]["pair"]["baselines"]["pair-lookup"]
    assert e["metrics"]["macro_f1"] == b["scores"]["macro_f1"] and e["dataset"]["dataset_version"] == res["dataset_version"]
    import hashlib

    (pred,) = e["predictions"]
    assert hashlib.sha256((REPO_ROOT / pred["path"]).read_bytes()).hexdigest() == pred["sha256"]
    manifest = json.loads((REPO_ROOT / "dataset" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert e["dataset"]["dataset_version"] == manifest["dataset_version"]
    learned = json.loads((LB / "entries" / "relation_classification--pair--tfidf-lr.json").read_text(encoding="utf-8"))
    assert set(learned["paired_tests"]) == {"majority", "pair-lookup"}


def test_an_annotation_pass_entry_is_its_end_to_end_score() -> None:
    from geostance.evaluation import endtoend
    from geostance.core import jsonl

    gold = REPO_ROOT / "dataset" / "annotations" / "gold" / "china-backs-russia.jsonl"
    raw = REPO_ROOT / "dataset" / "annotations" / "raw" / "china-backs-russia" / "llm-1.jsonl"
    if not gold.is_file() or not raw.is_file():
        pytest.skip("the dataset's gold or raw pass llm-1 is not there")
    e = json.loads((LB / "entries" / "end-to-end--end-to-end--llm-1.json").read_text(encoding="utf-8"))
    r = endtoend.score_documents([("china-backs-russia", jsonl.load_records(gold), jsonl.load_records(raw))], 0)
    assert {m.id: m.value for m in r.measures} == {k: v["value"] for k, v in e["metrics"].items()}
    assert e["system"]["kind"] == "annotation-pass" and e["interval"]["note"] == "one document: no interval"
    assert e["headline"] == list(endtoend.HEADLINE)


@pytest.mark.parametrize("change,expect", [
    (lambda e: e.pop("date"), "'date' is a required property"),
    (lambda e: e["predictions"][0].update(sha256="abc"), "predictions/0/sha256"),
    (lambda e: e["protocol"].update(name="random-split"), "protocol/name"),
    (lambda e: e["system"].update(kind="human"), "system/kind"),
    (lambda e: e["metrics"]["macro_f1"].update(value="high"), "metrics/macro_f1/value"),
    (lambda e: e["metrics"]["macro_f1"].update(ci95=[0.1]), "metrics/macro_f1/ci95"),
    (lambda e: e.update(extra=1), "Additional properties"),
    (lambda e: e["headline"].append("kappa"), "headline: kappa not in metrics"),
])
def test_a_bad_entry_is_refused_with_the_place(change, expect) -> None:
    p, e = next((p, e) for p, e in committed() if p.name == "stance_classification--pair--majority.json")
    bad = copy.deepcopy(e)
    change(bad)
    found = L.problems(bad, p.name)
    assert found and any(expect in x for x in found), found


def test_a_file_named_for_another_entry_is_refused() -> None:
    p, e = committed()[0]
    assert L.problems(e, "other.json") == [f"file name 'other.json': expected {p.name!r} (<task>--<protocol>--<system>.json)"]


def test_the_table_is_generated_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["leaderboard", "--check"]) == 0
    out = capsys.readouterr().out
    assert "stance_classification, pair-disjoint folds" in out and "all valid" in out
    # the README is exactly what the entries give; an edit is caught
    lb = tmp_path / "leaderboard"
    shutil.copytree(LB, lb)
    (lb / "README.md").write_text("edited\n", encoding="utf-8")
    assert cli.main(["leaderboard", "--check", "--leaderboard", str(lb)]) == 1
    assert "README.md is not what the entries give" in capsys.readouterr().err
    # an invalid entry: exit 1, the file and the problem named, no traceback
    shutil.copytree(LB, lb, dirs_exist_ok=True)
    (lb / "entries" / "ner--sentence--majority.json").write_text('{"task": "ner"}', encoding="utf-8")
    assert cli.main(["leaderboard", "--leaderboard", str(lb)]) == 1
    err = capsys.readouterr().err
    assert "ner--sentence--majority.json: (entry): 'entry_format' is a required property" in err and "Traceback" not in err
    (lb / "entries" / "ner--sentence--majority.json").write_text("not json", encoding="utf-8")
    assert cli.main(["leaderboard", "--leaderboard", str(lb)]) == 1
    assert "not a JSON entry" in capsys.readouterr().err


def test_the_card_shows_the_headline_protocols() -> None:
    block = L.card_block([e for _, e in committed()])
    assert "**stance_classification**, pair-disjoint folds" in block and "**end-to-end**, end to end against gold" in block
    assert "**stance_classification**, sentence folds" not in block and "**ner**, sentence folds" in block
    card = (REPO_ROOT / "CARD.md").read_text(encoding="utf-8")
    assert "<!-- gen:leaderboard -->\n" + block in card
    # a precision with nothing guessed is never printed as 1.000 [1.000, 1.000]
    assert "1.000 [1.000, 1.000]" not in block.split("**end-to-end**")[0]


def test_dates_are_kept_while_the_results_stay_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    e = {"entry_format": "1", "system": {"name": "x"}, "task": "ner"}
    assert L.dated(e, None)["date"] == "2026-01-01" and list(L.dated(e, None)) == ["entry_format", "system", "date", "task"]
    old = dict(L.dated(e, None), date="2025-06-30")
    assert L.dated(e, old)["date"] == "2025-06-30"
    assert L.dated(dict(e, task="ner2"), old)["date"] == "2026-01-01"  # results changed: a new date
    assert L.dated(e, dict(old, date="2099-01-01"))["date"] == "2026-01-01"  # a date in the future is not kept


# ------------------------------------------------------------ add


@pytest.fixture()
def board(tmp_path: Path) -> Path:
    lb = tmp_path / "repo" / "leaderboard"  # a repository of its own: the entries' paths are relative to tmp/repo
    shutil.copytree(LB, lb)
    return lb


def test_add_scores_a_system_and_lists_it(board: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = REPO_ROOT / "baselines" / "predictions" / "pair" / "stance_classification" / "pair-features-lr.jsonl"
    preds = tmp_path / "mine.jsonl"
    shutil.copyfile(src, preds)
    args = ["leaderboard", "add", "stance_classification", str(preds), "--system", "my-llm", "--version", "model 1",
            "--description", "zero-shot", "--protocol", "all-rows", "--leaderboard", str(board), "--resamples", "200"]
    assert cli.main(args) == 0, capsys.readouterr().err
    e = json.loads((board / "entries" / "stance_classification--all-rows--my-llm.json").read_text(encoding="utf-8"))
    assert L.problems(e, "stance_classification--all-rows--my-llm.json") == []
    assert e["system"]["kind"] == "model" and e["protocol"]["name"] == "all-rows"
    # the metrics are geostance score's
    gold = reference.gold_views(REPO_ROOT / "dataset", ("stance_classification",))[0]["stance_classification"]
    from geostance.evaluation import predictions as P

    rep = scorers.score_rows(scorers.scorer_for("stance_classification"), gold, P.load(preds, "stance_classification", gold), 200)
    assert e["metrics"]["macro_f1"] == rep.as_dict()["scores"]["macro_f1"]
    # the predictions were outside the repository: a copy is kept beside the entries, hashed
    (pr,) = e["predictions"]
    assert pr["path"] == "leaderboard/predictions/stance_classification--all-rows--my-llm/mine.jsonl"
    assert (board.parent / pr["path"]).read_bytes() == preds.read_bytes()
    assert "`my-llm`" in (board / "README.md").read_text(encoding="utf-8")
    assert cli.main(["leaderboard", "--check", "--leaderboard", str(board)]) == 0
    # the same again changes nothing; other results need --replace
    capsys.readouterr()
    assert cli.main(args) == 0
    preds.write_text(preds.read_text(encoding="utf-8").replace('"NONE"', '"FAVOR"', 5), encoding="utf-8")
    assert cli.main(args) == 1 and "--replace replaces it" in capsys.readouterr().err
    assert cli.main(args + ["--replace"]) == 0


def test_add_end_to_end_scores_annotation_files(board: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = REPO_ROOT / "dataset" / "annotations" / "raw" / "china-backs-russia" / "llm-2.jsonl"
    assert cli.main(["leaderboard", "add", "end-to-end", str(raw), "--system", "pipeline", "--version", "0.1",
                     "--description", "a pipeline", "--leaderboard", str(board), "--resamples", "0"]) == 0
    e = json.loads((board / "entries" / "end-to-end--end-to-end--pipeline.json").read_text(encoding="utf-8"))
    ref = json.loads((board / "entries" / "end-to-end--end-to-end--llm-2.json").read_text(encoding="utf-8"))
    assert {k: v["value"] for k, v in e["metrics"].items()} == {k: v["value"] for k, v in ref["metrics"].items()}
    # outside that repository: kept as a copy beside the entries; inside it: named where it is
    (pr,) = e["predictions"]
    assert pr["path"] == "leaderboard/predictions/end-to-end--end-to-end--pipeline/llm-2.jsonl"
    assert (board.parent / pr["path"]).read_bytes() == raw.read_bytes()
    inside = board.parent / "runs" / "llm-2.jsonl"
    inside.parent.mkdir()
    shutil.copyfile(raw, inside)
    assert cli.main(["leaderboard", "add", "end-to-end", str(inside), "--system", "pipeline2", "--version", "0.1",
                     "--description", "a pipeline", "--leaderboard", str(board), "--resamples", "0"]) == 0
    e = json.loads((board / "entries" / "end-to-end--end-to-end--pipeline2.json").read_text(encoding="utf-8"))
    assert e["predictions"][0]["path"] == "runs/llm-2.jsonl"


@pytest.mark.parametrize("extra,code,msg", [
    (["--system", "Bad Name"], 2, "use lower-case letters"),
    (["--protocol", None], 2, "add needs --protocol"),
    (["--version", ""], 2, "add needs --version"),
])
def test_add_usage_errors(board: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra, code, msg) -> None:
    preds = REPO_ROOT / "baselines" / "predictions" / "pair" / "stance_classification" / "majority.jsonl"
    opts = {"--system": "x", "--version": "1", "--description": "d", "--protocol": "pair"}
    opts.update(dict(zip(extra[::2], extra[1::2])))
    args = ["leaderboard", "add", "stance_classification", str(preds), "--leaderboard", str(board)]
    for k, v in opts.items():
        if v is not None:
            args += [k, v]
    assert cli.main(args) == code
    assert msg in capsys.readouterr().err


def test_add_refuses_predictions_that_cannot_be_scored(board: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "nope", "label": "FAVOR"}\n', encoding="utf-8")
    rc = cli.main(["leaderboard", "add", "stance_classification", str(bad), "--system", "x", "--version", "1",
                   "--description", "d", "--protocol", "pair", "--leaderboard", str(board)])
    err = capsys.readouterr().err
    assert rc == 1 and "cannot be scored" in err and "Traceback" not in err
    assert not (board / "entries" / "stance_classification--pair--x.json").exists()
