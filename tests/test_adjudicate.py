"""``geostance adjudicate``: the worksheet of disagreements, and gold from recorded decisions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geostance.contributing import adjudicate
from geostance.contributing import alignment
from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.cli import main
from geostance.validation.validator import validate

FIX = Path(__file__).parent / "fixtures"
CONTRIB = FIX / "contribute"
DECISIONS = FIX / "adjudicate" / "eu-urges-calm.decisions.jsonl"
# The expected gold of DECISIONS, checked by hand record by record: ids renumbered in reading
# order, 'its' kept (D1), the EU named "European Union" (D2), Kremlin in Russia's entity (D3), the
# stance credited to the spokesman (D4, an edit), bob's CRITICIZE kept (D5), provenance on every record.
GOLD = FIX / "adjudicate" / "eu-urges-calm.gold.jsonl"
DOC = "eu-urges-calm"


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "dataset"
    (r / "documents").mkdir(parents=True)
    base = ["contribute", "--dataset", str(r)]
    assert main(base + ["document", str(CONTRIB / "eu-urges-calm.txt"), "--doc", DOC, "--title", "EU Urges Calm", "--language", "en",
                        "--source-note", "test", "--text-rights", "test", "--annotations-rights", "test", "--annotations-license", "CC-BY-4.0",
                        "--annotations", str(CONTRIB / "alice.jsonl"), "--annotator", "alice"]) == 0
    assert main(base + ["annotations", str(CONTRIB / "bob.jsonl"), "--doc", DOC, "--annotator", "bob"]) == 0
    return r


def align(root: Path) -> alignment.Alignment:
    anns, text, _ = adjudicate.load_annotators(root, DOC, None)
    return alignment.Alignment(anns, text)


def test_the_worksheet_lists_exactly_the_disagreements(root: Path) -> None:
    al = align(root)
    # by hand from the fixtures: bob has no "its"; names "European Union"/"EU"; bob splits the Kremlin
    # off Russia; t1's source (spokesman e4 / AUTHOR); only bob has CRITICIZE Russia -> EU
    got = [(it.id, it.layer, it.differs) for it in al.disagreements()]
    assert got == [("D1", "mention", ["presence"]), ("D2", "entity", ["name"]), ("D3", "entity", ["clusters", "name"]),
                   ("D4", "stance", ["source"]), ("D5", "relation", ["presence"])]
    counts = {k: sum(1 for it in al.items if it.layer == k and it.agreed) for k in records.LAYERS}
    assert counts == {"sentence": 4, "mention": 9, "entity": 3, "stance": 1, "relation": 3}


def test_worksheet_lines_show_the_records_side_by_side_with_the_sentence(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws.jsonl"
    assert main(["adjudicate", DOC, "--dataset", str(root), "--worksheet", str(ws)]) == 0
    assert "5 disagreement(s) between alice, bob" in capsys.readouterr().out
    lines = [json.loads(x) for x in ws.read_text(encoding="utf-8").splitlines()]
    d1 = lines[0]
    assert d1["context"] == ["s2: The European Union urged Moscow to pull back its troops from the border."]
    assert d1["records"]["bob"] is None and d1["records"]["alice"]["text"] == "its"
    assert d1["show"]["alice"] == 'm5 "its" GPE PRONOUN; entity Russia (e3)'
    assert (d1["decision"], d1["record"], d1["reason"]) == (None, None, None)
    d4 = lines[3]
    assert "source Kremlin spokesman (e4)" in d4["show"]["alice"] and "source AUTHOR" in d4["show"]["bob"]
    md = ws.with_suffix(".md").read_text(encoding="utf-8")
    assert "## D3 · disagreement · entity · clusters, name" in md and '| bob | e3 "Russia": "Moscow" 52:58, "Russia" 100:106 \\| e6 "Kremlin": "Kremlin" 128:135 |' in md
    # an existing worksheet may hold decisions: never overwritten
    assert main(["adjudicate", DOC, "--dataset", str(root), "--worksheet", str(ws)]) == 1
    assert "exists" in capsys.readouterr().err


def test_apply_writes_gold_with_provenance_and_the_log(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS)]) == 0
    gold = paths.gold_path(root, DOC)
    assert gold.read_bytes() == GOLD.read_bytes()
    recs = {(r["kind"], r["id"]): r for r in jsonl.load_records(gold)}
    assert recs[("mention", "m5")]["provenance"] == {"annotators": ["alice"], "decision": "D1"}
    assert recs[("mention", "m1")]["provenance"] == {"annotators": ["alice", "bob"]}
    assert recs[("entity", "e3")]["mentions"] == ["m4", "m5", "m6", "m7"]
    assert recs[("stance", "t1")]["source"] == "e4"
    assert recs[("stance", "t1")]["provenance"] == {"annotators": ["alice"], "decision": "D4"}  # the edit equals alice's record
    assert recs[("relation", "r2")]["provenance"] == {"annotators": ["bob"], "decision": "D5"}
    log = jsonl.load_records(paths.adjudication_path(root, DOC))
    assert [(x["id"], x["decision"]) for x in log] == [("D1", "accept:alice"), ("D2", "accept:alice"), ("D3", "accept:alice"),
                                                       ("D4", "edit"), ("D5", "accept:bob")]
    assert paths.adjudication_path(root, DOC).with_suffix(".md").read_text(encoding="utf-8").startswith("# Adjudication log: eu-urges-calm")
    report = validate([root])
    assert report.errors == 0 and report.warnings == 0
    # the same decisions again: nothing changes
    before = snapshot(root)
    capsys.readouterr()
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert snapshot(root) == before


def decided(**changes: tuple[str, dict | None, str | None]) -> list[dict]:
    lines = jsonl.load_records(DECISIONS)
    for ln in lines:
        if ln["id"] in changes:
            ln["decision"], ln["record"], ln["reason"] = changes[ln["id"]]
    return lines


def write(tmp_path: Path, lines: list[dict]) -> Path:
    p = tmp_path / "decisions.jsonl"
    p.write_bytes(b"".join(jsonl.dumps(x) for x in lines))
    return p


def test_existing_gold_is_replaced_only_with_replace_and_kept(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS)]) == 0
    first = paths.gold_path(root, DOC).read_bytes()
    other = write(tmp_path, decided(D5=("reject", None, "rejecting a call is not criticism")))
    before = snapshot(root)
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(other)]) == 1
    assert "--replace" in capsys.readouterr().err
    assert snapshot(root) == before
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(other), "--replace"]) == 0
    kept = list((paths.gold_path(root, DOC).parent / ".history").iterdir())
    assert [p.read_bytes() for p in kept] == [first]
    assert all(r.get("type") != "CRITICIZE" for r in jsonl.load_records(paths.gold_path(root, DOC)))


def test_undecided_and_malformed_decisions_are_refused_all_at_once(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = decided(D1=(None, None, None), D2=("accept:carol", None, "x"), D3=("reject", None, "x"), D4=("edit", None, "x"),
                    D5=("accept:bob", None, " "))
    before = snapshot(root)
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 1
    err = capsys.readouterr().err
    assert "5 problem(s)" in err
    assert "(D1): undecided (mention, differs in presence)" in err
    assert "(D2): decision 'accept:carol'; expected one of accept:alice, accept:bob, reject, edit" in err
    assert "(D3): an entity cannot be rejected" in err
    assert "(D4): decision 'edit' needs 'record'" in err
    assert "(D5): no reason given" in err
    assert snapshot(root) == before


def test_a_missing_line_and_a_stale_worksheet_are_refused(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = decided()[:-1]
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 1
    assert "D5 (relation 100:106->31:45, differs in presence): no decision line" in capsys.readouterr().err
    # bob changes his file after the worksheet was written
    recs = jsonl.load_records(paths.raw_path(root, DOC, "bob"))
    for r in recs:
        if r["kind"] == "relation" and r["id"] == "r3":
            r["modality"] = "ALLEGED"
    paths.raw_path(root, DOC, "bob").write_bytes(records.to_bytes(recs))
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS)]) == 1
    assert "(D5): the records differ from the annotators' current files; write a new worksheet" in capsys.readouterr().err


def test_gold_that_would_not_validate_is_refused(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = decided(D1=("edit", {"base": "alice", "end": 76}, "test: a span that ends on a space"))
    before = snapshot(root)
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 1
    err = capsys.readouterr().err
    assert "does not validate" in err and "span-whitespace-edge" in err and '"its "' in err
    assert snapshot(root) == before


def test_a_relation_on_a_rejected_mention_is_refused(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = decided(D1=("reject", None, "no pronoun"), D5=("edit", {"base": "bob", "head": "72:75"}, "test"))
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 1
    assert "D5: head 72:75 ('its') is not a gold mention (was it rejected?)" in capsys.readouterr().err


def test_edit_the_clusters_and_resolve_stances_through_them(root: Path, tmp_path: Path) -> None:
    ents = {"entities": [{"name": "Russia", "mentions": ["52:58", "72:75", "100:106"]}, {"name": "the Kremlin", "mentions": ["128:135"]}]}
    lines = decided(D3=("edit", ents, "the Kremlin as the presidency, kept apart for the test"))
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 0
    g = records.by_layer(jsonl.load_records(paths.gold_path(root, DOC)))
    names = {e["name"]: e for e in g["entity"]}
    assert names["Russia"]["mentions"] == ["m4", "m5", "m6"] and names["the Kremlin"]["mentions"] == ["m7"]
    assert names["the Kremlin"]["provenance"] == {"annotators": [], "decision": "D3"}  # bob named it "Kremlin"
    # the stance's holder: alice's Russia now spans two gold entities, bob's (the edit's base) one
    (t1,) = [t for t in g["stance"] if t["label"] == "AGAINST"]
    assert t1["holder"] == names["Russia"]["id"]


def test_accepting_a_split_that_strands_a_mention_is_refused(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bob splits the Kremlin off Russia and has no 'its', which alice put in one entity with both halves."""
    lines = decided(D3=("accept:bob", None, "test"))
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 1
    err = capsys.readouterr().err
    assert "D3: bob's clusters leave mention 72:75 ('its') between two of its entities; use edit" in err
    assert "1 decision(s) cannot be applied" in err


def test_accepting_a_cluster_attaches_the_mentions_its_annotator_lacks(root: Path) -> None:
    """bob (changed here) keeps the Kremlin in Russia, named otherwise, and still has no 'its':
    accepting bob's entity puts alice's 'its' into it, through alice's cluster."""
    recs = jsonl.load_records(paths.raw_path(root, DOC, "bob"))
    for r in recs:
        if r["kind"] == "mention" and r["id"] == "m6":
            r["entity"] = "e3"
        if r["kind"] == "entity" and r["id"] == "e3":
            r["name"], r["mentions"] = "Russian Federation", ["m4", "m5", "m6"]
    recs = [r for r in recs if not (r["kind"] == "entity" and r["id"] == "e6")]
    paths.raw_path(root, DOC, "bob").write_bytes(records.to_bytes(recs))
    al = align(root)
    lines = []
    for it in al.disagreements():
        ln = al.worksheet_line(it)
        ln["decision"] = "accept:alice" if it.layer == "mention" or "bob" not in it.members else "accept:bob"
        ln["reason"] = "test"
        lines.append(ln)
    assert [it.differs for it in al.disagreements() if it.layer == "entity"] == [["name"], ["name"]]
    gold = adjudicate.build_gold(al, lines, DOC)
    g = records.by_layer(gold.records)
    texts = {m["id"]: m["text"] for m in g["mention"]}
    (russia,) = [e for e in g["entity"] if e["name"] == "Russian Federation"]
    assert [texts[m] for m in russia["mentions"]] == ["Moscow", "its", "Russia", "Kremlin"]
    d = next(it.id for it in al.disagreements() if it.layer == "entity" and "Russian Federation" in it.contents["bob"])
    assert russia["provenance"] == {"annotators": [], "decision": d}  # alice lacked the name, bob 'its'



def test_a_review_decision_corrects_what_both_annotators_had(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "full.jsonl"
    assert main(["adjudicate", DOC, "--dataset", str(root), "--worksheet", str(ws), "--include-agreed"]) == 0
    lines = jsonl.load_records(ws)
    assert [x["kind"] for x in lines].count("agreed") == 20 and [x["kind"] for x in lines].count("disagreement") == 5
    decided_lines = {x["id"]: x for x in jsonl.load_records(DECISIONS)}
    for ln in lines:
        if ln["id"] in decided_lines:
            ln.update({k: decided_lines[ln["id"]][k] for k in ("decision", "record", "reason")})
        elif ln["layer"] == "relation" and ln["records"]["alice"]["type"] == "REQUEST":
            ln.update(decision="edit", record={"base": "alice", "modality": "HYPOTHETICAL"}, reason="test: a review", guidelines=["§9.22"])
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, lines))]) == 0
    log = jsonl.load_records(paths.adjudication_path(root, DOC))
    review = log[-1]
    assert (review["id"], review["kind"], review["item"], review["guidelines"]) == ("D6", "review", review["item"], ["§9.22"])
    assert review["item"].startswith("A")
    assert review["gold"]["type"] == "REQUEST" and review["gold"]["modality"] == "HYPOTHETICAL"
    assert review["gold"]["provenance"] == {"annotators": [], "decision": "D6"}  # neither annotator had it so
    assert log[0]["gold"]["text"] == "its" and log[0]["kind"] == "disagreement"
    assert [e["name"] for e in log[2]["gold"]] == ["Russia"]  # an entity decision lists its gold entities


def test_additions_add_records_no_annotator_made(root: Path, tmp_path: Path) -> None:
    text = (CONTRIB / "eu-urges-calm.txt").read_text(encoding="utf-8")
    assert text[120:124] == "call" and text[100:161].startswith("Russia rejected the call")
    adds = [
        {"layer": "mention", "decision": "add", "reason": "the call is the target of Russia's rejection",
         "record": {"start": 120, "end": 124, "type": "TOPIC", "form": "NOMINAL", "metonymy": False, "entity": "new"}},
        {"layer": "entity", "decision": "add", "reason": "its entity", "record": {"name": "the EU's call", "mentions": ["120:124"]}},
        {"layer": "stance", "decision": "add", "reason": "rejecting it", "guidelines": ["§8.1"],
         "record": {"holder": "100:106", "target": "120:124", "label": "AGAINST", "evidence": [{"start": 100, "end": 124}],
                    "source": "AUTHOR", "explicit": True, "note": "added in review"}},
        {"layer": "relation", "decision": "add", "reason": "rejecting a call criticises it",
         "record": {"type": "CRITICIZE", "head": "100:106", "tail": "120:124", "evidence": ["100:161"], "modality": "ASSERTED", "source": "AUTHOR"}},
    ]
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, decided() + adds))]) == 0
    g = records.by_layer(jsonl.load_records(paths.gold_path(root, DOC)))
    (call,) = [m for m in g["mention"] if m["text"] == "call"]
    assert call["provenance"] == {"annotators": [], "decision": "D6"}
    (ent,) = [e for e in g["entity"] if e["name"] == "the EU's call"]
    assert ent["mentions"] == [call["id"]] and ent["provenance"] == {"annotators": [], "decision": "D7"}
    (st,) = [t for t in g["stance"] if t["target"] == ent["id"]]
    assert (st["label"], st["note"], st["provenance"]["decision"]) == ("AGAINST", "added in review", "D8")
    (rel,) = [r for r in g["relation"] if r["tail"] == call["id"]]
    assert rel["evidence"] == ["s3"] and rel["provenance"] == {"annotators": [], "decision": "D9"}
    log = jsonl.load_records(paths.adjudication_path(root, DOC))
    assert [(x["id"], x["kind"]) for x in log[5:]] == [("D6", "addition"), ("D7", "addition"), ("D8", "addition"), ("D9", "addition")]
    assert validate([root]).errors == 0


def test_additions_that_do_not_fit_are_refused(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adds = [
        {"layer": "mention", "decision": "add", "reason": "x",
         "record": {"start": 120, "end": 124, "type": "TOPIC", "form": "NOMINAL", "metonymy": False, "entity": "1:2"}},
        {"layer": "mention", "decision": "add", "reason": "x", "record": {"start": 0, "end": 2, "type": "ORG", "form": "NAME",
                                                                         "metonymy": False, "entity": "31:45"}},
        {"layer": "stance", "decision": "add", "reason": "x", "record": {"holder": "e3", "target": "0:2", "label": "AGAINST",
                                                                       "evidence": [{"start": 100, "end": 124}], "source": "AUTHOR", "explicit": True}},
        {"layer": "relation", "decision": "add", "record": {}},
    ]
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, decided() + adds))]) == 1
    err = capsys.readouterr().err
    assert "no reason given" in err  # the relation line: refused before anything is built
    adds[-1]["reason"] = "x"
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(write(tmp_path, decided() + adds))]) == 1
    err = capsys.readouterr().err
    assert "D6: add: entity '1:2' is not the span \"START:END\" of a gold mention" in err
    assert "D7: add: 0:2 is already a gold mention" in err
    assert "D8: holder 'e3': give AUTHOR or the span \"START:END\" of a gold mention" in err
    assert "D9: add: a relation needs type, head, tail, evidence, modality, source" in err


def test_dry_run_writes_nothing(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(root)
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert snapshot(root) == before


def test_a_failed_write_leaves_no_gold(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    real = os.replace
    calls: list[int] = []

    def flaky(a, b):
        calls.append(1)
        if len(calls) == 3:  # the journal, the gold file, then the log fails
            raise OSError(28, "No space left on device")
        return real(a, b)

    monkeypatch.setattr(os, "replace", flaky)
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS)]) == 1
    monkeypatch.setattr(os, "replace", real)
    assert snapshot(root) == before


def test_one_annotator_is_not_enough(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = tmp_path / "dataset"
    (r / "documents").mkdir(parents=True)
    assert main(["contribute", "--dataset", str(r), "document", str(CONTRIB / "eu-urges-calm.txt"), "--doc", DOC, "--title", "t",
                 "--language", "en", "--source-note", "t", "--text-rights", "t", "--annotations-rights", "t",
                 "--annotations-license", "CC-BY-4.0", "--annotations", str(CONTRIB / "alice.jsonl"), "--annotator", "alice"]) == 0
    assert main(["adjudicate", DOC, "--dataset", str(r), "--worksheet", str(tmp_path / "w.jsonl")]) == 1
    assert "adjudication compares two or more" in capsys.readouterr().err
