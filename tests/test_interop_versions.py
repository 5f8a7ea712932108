"""Schema versions through brat and Label Studio: stance modality is carried
both ways, a 1.0 file stays 1.0, and a missing modality is never invented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geostance.core import jsonl
from geostance.contributing.interop import InteropError, brat, labelstudio

VALID = Path(__file__).parent / "fixtures" / "valid"


def doc(name: str) -> tuple[list[dict], str]:
    return (jsonl.load_records(VALID / "annotations" / "raw" / name / "ann-1.jsonl"),
            (VALID / "documents" / f"{name}.txt").read_text(encoding="utf-8"))


def test_brat_carries_stance_modality_both_ways() -> None:
    recs, text = doc("open-question")
    ann = brat.export(recs, text)
    assert re.search(r"^A\d+\tStanceModality E1 QUESTIONED$", ann, re.M)
    assert "StanceModality\tArg:<EVENT>, Value:ASSERTED|ALLEGED|HYPOTHETICAL|QUESTIONED" in brat.annotation_conf()
    back, filled = brat.to_records(ann, text, "open-question")
    assert back == recs and filled == []


def test_brat_1_0_file_stays_1_0_and_a_default_makes_it_1_1() -> None:
    recs, text = doc("envoy-speaks")
    ann = brat.export(recs, text)
    back, _ = brat.to_records(ann, text, "envoy-speaks")
    assert back == recs and {r["schema_version"] for r in back} == {"1.0"}
    up, filled = brat.to_records(ann, text, "envoy-speaks", default_stance_modality="ASSERTED")
    assert {r["schema_version"] for r in up} == {"1.1"}
    assert [r["modality"] for r in up if r["kind"] == "stance"] == ["ASSERTED", "ASSERTED"]
    assert filled == ["t1: no stance modality, set to ASSERTED", "t2: no stance modality, set to ASSERTED"]


def test_brat_refuses_a_1_1_file_with_a_stance_without_modality() -> None:
    recs, text = doc("open-question")
    ann = re.sub(r"^A\d+\tStanceModality E2 \S+\n", "", brat.export(recs, text), flags=re.M)
    with pytest.raises(InteropError, match=r"stance\(s\) t2 have no modality"):
        brat.to_records(ann, text, "open-question")
    # a QUESTIONED relation alone makes the file 1.1 too
    ann = re.sub(r"^A\d+\tStanceModality E\d \S+\n", "", brat.export(recs, text), flags=re.M)
    with pytest.raises(InteropError, match="a relation is QUESTIONED"):
        brat.to_records(ann, text, "open-question")


def test_brat_refuses_an_unknown_stance_modality() -> None:
    recs, text = doc("open-question")
    ann = brat.export(recs, text).replace("StanceModality E1 QUESTIONED", "StanceModality E1 NEGATED")
    with pytest.raises(InteropError, match="StanceModality of E1 is 'NEGATED'"):
        brat.to_records(ann, text, "open-question")


def test_label_studio_carries_stance_modality_both_ways() -> None:
    recs, text = doc("open-question")
    tasks = json.loads(json.dumps(labelstudio.export(recs, text, "open-question")))
    metas = [m for r in tasks[0]["annotations"][0]["result"] for m in r.get("meta", {}).get("text", [])]
    assert "modality: QUESTIONED" in metas and "modality: HYPOTHETICAL" in metas
    back, _ = labelstudio.to_records(tasks, text, "open-question")
    assert back == recs
    old, text0 = doc("envoy-speaks")
    back0, _ = labelstudio.to_records(labelstudio.export(old, text0, "envoy-speaks"), text0, "envoy-speaks")
    assert back0 == old
