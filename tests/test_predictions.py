"""Tests of geostance.evaluation.predictions: reading predictions files and matching them to gold by id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geostance import cli
from geostance.evaluation import predictions as P
from geostance.contract.labels import STANCE_VIEW_LABELS

FIX = Path(__file__).parent / "fixtures" / "score"


def gold(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIX / f"{name}_rows.jsonl").read_text(encoding="utf-8").splitlines()]


def test_jsonl_and_csv_give_the_same_labels_matched_by_id_not_position() -> None:
    g = gold("stance")
    a = P.load(FIX / "stance_pred.jsonl", "stance_classification", g)
    b = P.load(FIX / "stance_pred.csv", "stance_classification", g)
    assert a == b
    # the files list the rows in reverse order; the result is aligned with gold
    by_id = {json.loads(l)["id"]: json.loads(l)["label"] for l in (FIX / "stance_pred.jsonl").read_text().splitlines()}
    assert a == [by_id[r["id"]] for r in g]
    assert [json.loads(l)["id"] for l in (FIX / "stance_pred.jsonl").read_text().splitlines()] != [r["id"] for r in g]
    assert all(x in STANCE_VIEW_LABELS for x in a)


def test_every_problem_of_a_bad_jsonl_file_is_named_with_its_line() -> None:
    with pytest.raises(P.PredictionsError) as info:
        P.load(FIX / "stance_bad.jsonl", "stance_classification", gold("stance"), display="bad.jsonl")
    probs = info.value.problems
    assert probs[0].startswith("bad.jsonl:2: label 'FAVOUR'")  # unknown label
    assert probs[1].startswith("bad.jsonl:3: id 'china-backs-russia/s2/e1>e2' appears again (first on line 1)")  # duplicate
    assert probs[2].startswith("bad.jsonl:4: id 'china-backs-russia/s99/e1>e2' is not a row")  # unknown id
    assert probs[3] == "bad.jsonl:5: id 7 is a JSON int; expected a string"
    assert probs[4].startswith("bad.jsonl:6: not valid JSON")
    assert probs[5].startswith("bad.jsonl:7: missing key 'label'")
    # 36 gold rows; ids of lines 1 and 2 were given: 34 missing, listed last
    assert probs[6].startswith("bad.jsonl: 34 gold rows have no prediction: id 'china-backs-russia/s2/e2>e1'")
    assert len(probs) == 7


def test_bad_csv() -> None:
    with pytest.raises(P.PredictionsError) as info:
        P.load(FIX / "stance_bad.csv", "stance_classification", gold("stance"), display="bad.csv")
    probs = info.value.problems
    assert probs[0] == "bad.csv:3: expected 2 columns (id, label), found 3"
    assert probs[1].startswith("bad.csv:4: label 'Against'")
    assert probs[2].startswith("bad.csv: 34 gold rows have no prediction")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"ident,label\na,FAVOR\n", "expected the columns 'id' and 'label'"),
    (b"id,label\n", "no predictions after the header"),
    (b"id,label\n\xff,FAVOR\n", "is not valid UTF-8"),
])
def test_csv_file_level_problems(tmp_path: Path, data: bytes, message: str) -> None:
    p = tmp_path / "p.csv"
    p.write_bytes(data)
    with pytest.raises(P.PredictionsError) as info:
        P.load(p, "stance_classification", [{"id": "a", "label": "FAVOR"}])
    assert message in info.value.problems[0]


def test_empty_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_bytes(b"")
    with pytest.raises(P.PredictionsError) as info:
        P.load(p, "stance_classification", [{"id": "a", "label": "FAVOR"}])
    assert "holds no records" in info.value.problems[0]
    assert "1 gold row has no prediction: id 'a'" in info.value.problems[-1]


def test_format_detected_from_content_without_a_known_suffix(tmp_path: Path) -> None:
    g = [{"id": "a", "label": "FAVOR"}, {"id": "b", "label": "NONE"}]
    (tmp_path / "p.txt").write_text('{"id": "a", "label": "NONE"}\n{"id": "b", "label": "FAVOR"}\n')
    (tmp_path / "q.txt").write_text("id,label\nb,FAVOR\na,NONE\n")
    assert P.load(tmp_path / "p.txt", "stance_classification", g) == ["NONE", "FAVOR"]
    assert P.load(tmp_path / "q.txt", "stance_classification", g) == ["NONE", "FAVOR"]


def test_ner_tags_checked_for_length_and_inventory() -> None:
    with pytest.raises(P.PredictionsError) as info:
        P.load(FIX / "ner_bad.jsonl", "ner", gold("ner"), display="n.jsonl")
    assert info.value.problems == [
        "n.jsonl:1: label of id 'china-backs-russia/s2' has 16 tags; the gold row has 17 tokens",
        "n.jsonl:2: label of id 'china-backs-russia/s3' has unknown tag 'B-COUNTRY'; expected O, B-<type> or I-<type> "
        "with a type among PERSON, GPE, ORG, GROUP, LOC, EVENT, TOPIC",
    ]
    tags = P.load(FIX / "ner_gold_as_pred.csv", "ner", gold("ner"))
    assert tags == [r["tags"] for r in gold("ner")]


def test_relation_labels_checked() -> None:
    g = gold("relation")
    entries = [P.Entry(i + 1, r["id"], r["label"]) for i, r in enumerate(g)]
    assert P.match(g, entries, "relation_classification", "f") == [r["label"] for r in g]
    entries[4] = P.Entry(5, g[4]["id"], "FAVOR")  # a stance label is no relation label
    with pytest.raises(P.PredictionsError, match=r"f:5: label 'FAVOR' .* is not a relation_classification label"):
        P.match(g, entries, "relation_classification", "f")


def test_dumps_round_trips(tmp_path: Path) -> None:
    g = gold("stance")
    p = tmp_path / "out.jsonl"
    p.write_bytes(P.dumps([r["id"] for r in g], [r["label"] for r in g]))
    assert P.load(p, "stance_classification", g) == [r["label"] for r in g]


def test_cli_exit_1_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli.main(["score", "stance_classification", str(FIX / "stance_bad.jsonl"), "--gold", str(FIX / "stance_rows.jsonl")])
    out, err = capsys.readouterr()
    assert rc == 1 and out == ""
    assert "cannot be scored (7 problems)" in err and "stance_bad.jsonl:3: id" in err
    assert "Traceback" not in err
