"""Every raw pass has a provenance record, and every sha256 in it still holds.

A pass is committed unchanged: its file's sha256 is recorded when it lands,
and this test fails if the file changes afterwards. A blind pass records the
exact brief, guidelines and scheme its annotator was given (copies under
``annotations/briefs/``); their sha256 are checked too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from geostance.core.paths import REPO_ROOT
from geostance.contract.schemas import reference_validator

DATASET = REPO_ROOT / "dataset"
RAW = sorted((DATASET / "annotations" / "raw").glob("*/*.jsonl"))
PROVENANCE = sorted((DATASET / "annotations" / "provenance").glob("*/*.json"))


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def load(p: Path) -> dict:
    return json.loads(p.read_text(encoding="utf-8"))


def test_every_raw_pass_has_exactly_one_provenance_record() -> None:
    raw = {(p.parent.name, p.stem) for p in RAW}
    prov = {(p.parent.name, p.stem) for p in PROVENANCE}
    assert raw and raw == prov


@pytest.mark.parametrize("path", PROVENANCE, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_provenance_fits_its_schema_and_its_files(path: Path) -> None:
    rec = load(path)
    errors = [e.message for e in reference_validator("provenance").iter_errors(rec)]
    assert errors == []
    assert (rec["doc_id"], rec["annotator"]) == (path.parent.name, path.stem)
    assert rec["file"] == f"annotations/raw/{rec['doc_id']}/{rec['annotator']}.jsonl"
    assert sha256(DATASET / rec["file"]) == rec["sha256"], f"{rec['file']} changed after it was committed"
    first = json.loads((DATASET / rec["file"]).read_text(encoding="utf-8").splitlines()[0])
    assert first["schema_version"] == rec["schema_version"]
    for key in ("scheme", "guidelines", "brief"):
        given = rec[key]
        if given is not None and given["copy"] is not None:
            assert sha256(DATASET / given["copy"]) == given["sha256"], f"{given['copy']} is not what the annotator was given"
    if rec["protocol"] == "blind":
        assert rec["brief"] is not None and rec["brief"]["copy"] == f"annotations/briefs/{rec['annotator']}.md"
        assert rec["guidelines"]["copy"] and rec["scheme"]["copy"]
        assert rec["statement"] is not None and rec["statement"]["did_not_open"]
        assert "provenance" not in (DATASET / rec["file"]).read_text(encoding="utf-8")


def test_a_changed_pass_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a one-byte change gives another sha256."""
    rec = load(PROVENANCE[0])
    data = (DATASET / rec["file"]).read_bytes()
    changed = tmp_path / "x.jsonl"
    changed.write_bytes(data.replace(b"\n", b" \n", 1))
    assert sha256(changed) != rec["sha256"]


ADJUDICATIONS = sorted((DATASET / "adjudication" / "provenance").glob("*.json"))
BLIND = {p.stem for p in PROVENANCE if load(p)["protocol"] == "blind"}


def test_every_gold_from_blind_passes_has_an_adjudication_record() -> None:
    docs = {p.parent.name for p in PROVENANCE if p.stem in BLIND}
    assert docs and docs == {p.stem for p in ADJUDICATIONS}


@pytest.mark.parametrize("path", ADJUDICATIONS, ids=lambda p: p.stem)
def test_adjudication_provenance_fits_its_schema_and_its_files(path: Path) -> None:
    rec = load(path)
    errors = [e.message for e in reference_validator("adjudication-provenance").iter_errors(rec)]
    assert errors == []
    doc = rec["doc_id"]
    assert doc == path.stem
    assert rec["log"]["file"] == f"adjudication/{doc}.jsonl" and rec["gold"]["file"] == f"annotations/gold/{doc}.jsonl"
    for f in (rec["log"], rec["gold"], rec["report"], rec["amendments"]["file"]):
        assert sha256(DATASET / f["file"]) == f["sha256"], f"{f['file']} changed after the adjudication was committed"
    for key in ("scheme", "guidelines", "brief"):
        assert sha256(DATASET / rec[key]["copy"]) == rec[key]["sha256"]
    # the adjudicator made none of the passes it adjudicated, and every pass it adjudicated is committed
    assert rec["adjudicator"] not in rec["passes"]
    assert all((DATASET / "annotations" / "raw" / doc / f"{a}.jsonl").is_file() for a in rec["passes"])
    # every amendment it wrote is in the guidelines
    guidelines = (DATASET / "GUIDELINES.md").read_text(encoding="utf-8")
    assert all(f"### {am} (" in guidelines for am in rec["amendments"]["ids"])


@pytest.mark.parametrize("path", ADJUDICATIONS, ids=lambda p: p.stem)
def test_every_gold_record_is_unanimous_or_has_its_decision(path: Path) -> None:
    """A gold record that not every adjudicated pass had names the logged decision that put it there."""
    rec = load(path)
    log_ids = {json.loads(ln)["id"] for ln in (DATASET / rec["log"]["file"]).read_text(encoding="utf-8").splitlines()}
    passes = set(rec["passes"])
    undecided = []
    for ln in (DATASET / rec["gold"]["file"]).read_text(encoding="utf-8").splitlines():
        g = json.loads(ln)
        prov = g["provenance"]
        if set(prov["annotators"]) >= passes:
            continue
        if prov.get("decision") not in log_ids:
            undecided.append(g["id"])
    assert undecided == []


@pytest.mark.parametrize("path", ADJUDICATIONS, ids=lambda p: p.stem)
def test_every_decision_quotes_the_text_and_cites_rules_that_exist(path: Path) -> None:
    """A decision rests on words of the text (quoted in backticks) and on guideline sections or amendments
    that exist in GUIDELINES.md; a head count is not a reason."""
    import re

    rec = load(path)
    guidelines = (DATASET / "GUIDELINES.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^(§\d+\.\d+) ", guidelines, re.M)) | set(re.findall(r"^### (AM\d+) \(", guidelines, re.M))
    text = (DATASET / "documents" / f"{rec['doc_id']}.txt").read_text(encoding="utf-8")
    for ln in (DATASET / rec["log"]["file"]).read_text(encoding="utf-8").splitlines():
        d = json.loads(ln)
        quotes = re.findall(r"`([^`]+)`", d["reason"])
        assert any(q in text for q in quotes), f"{d['id']}: the reason quotes no words of the text"
        assert d["guidelines"] and set(d["guidelines"]) <= sections, f"{d['id']}: cites {d['guidelines']}"
        assert not re.search(r"\bmajority\b|\b(two|2) of (three|3)\b", d["reason"], re.I), f"{d['id']}: a head count as a reason"
