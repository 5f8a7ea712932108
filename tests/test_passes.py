"""Passes by protocol, the blind agreement table and the composition of gold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from geostance.core import jsonl
from geostance.agreement import passes

VALID = Path(__file__).parent / "fixtures" / "valid"
DOC = "open-question"


def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(VALID, root)
    base = jsonl.load_records(root / "annotations" / "raw" / DOC / "ann-1.jsonl")
    variants = {
        "blind-a": base,
        "blind-b": [dict(r, modality="ALLEGED") if r["kind"] == "stance" and r["id"] == "t2" else r for r in base],
        "blind-c": [r for r in base if not (r["kind"] == "relation")],
        "guided-x": base,
    }
    for name, recs in variants.items():
        (root / "annotations" / "raw" / DOC / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
        prov = root / "annotations" / "provenance" / DOC / f"{name}.json"
        prov.parent.mkdir(parents=True, exist_ok=True)
        prov.write_text(json.dumps({"protocol": "guided" if name.startswith("guided") else "blind"}))
    return root


def test_passes_are_grouped_by_their_provenance(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    assert passes.by_protocol(root, DOC) == {"blind": ["blind-a", "blind-b", "blind-c"], "guided": ["guided-x"], "unknown": ["ann-1"]}


def test_blind_table_has_every_pair_and_the_panel_alpha(tmp_path: Path) -> None:
    md = passes.blind_agreement_markdown(dataset(tmp_path), DOC)
    assert "`blind-a vs blind-b`" in md and "`blind-a vs blind-c`" in md and "`blind-b vs blind-c`" in md
    assert "guided-x" not in md and "ann-1" not in md
    row = next(ln for ln in md.splitlines() if ln.startswith("| stance modality"))
    # units over all passes: (Oman, Fiji, FAVOR) QUESTIONED x3; (Chile, export ban, AGAINST): HYPOTHETICAL, ALLEGED, HYPOTHETICAL.
    # n = 6 values, QUESTIONED 3, HYPOTHETICAL 2, ALLEGED 1; unit 2 coincidences: H-H 2*1/2 = 1, H-A = A-H = 2*1/2 = 1.
    # D_o = 2/6; D_e = 2 (3*2 + 3*1 + 2*1) / (6*5) = 22/30; alpha = 1 - (1/3) / (22/30) = 6/11 = 0.545
    assert row.split("|")[-3].strip() == "0.545" and row.split("|")[-2].strip() == "2"
    mentions = next(ln for ln in md.splitlines() if ln.startswith("| mentions: span F1, exact"))
    assert mentions.count("1.000") == 4  # three pairs and their mean


def test_gold_composition_by_hand() -> None:
    gold = [
        {"kind": "mention", "provenance": {"annotators": ["a", "b", "c"]}},
        {"kind": "mention", "provenance": {"annotators": ["a", "c", "guided"]}},
        {"kind": "stance", "provenance": {"annotators": ["b"], "decision": "D1"}},
        {"kind": "stance", "provenance": {"annotators": [], "decision": "D2"}},
        {"kind": "relation", "provenance": {"annotators": ["guided", "a", "b", "c"]}},
    ]
    c = passes.gold_composition(gold, ["a", "b", "c"])
    assert dict(c["mention"]) == {"unanimous": 1, "majority": 1}
    assert dict(c["stance"]) == {"adjudicated": 2}
    assert dict(c["relation"]) == {"unanimous": 1}
    assert passes.gold_composition(gold, ["a", "b", "c", "d"])["mention"] == {"adjudicated": 1, "majority": 1}


# ------------------------------------------------------------ the committed passes are not near-copies

REPO_DATASET = Path(__file__).parent.parent / "dataset"


def content(path: Path) -> list[tuple]:
    """Each record as what it says, with ids, notes and provenance set aside (entities by their mention spans)."""
    recs = jsonl.load_records(path)
    m = {r["id"]: (r["start"], r["end"]) for r in recs if r["kind"] == "mention"}
    s = {r["id"]: (r["start"], r["end"]) for r in recs if r["kind"] == "sentence"}
    e = {r["id"]: tuple(sorted(m[x] for x in r["mentions"])) for r in recs if r["kind"] == "entity"}
    out = []
    for r in recs:
        k = r["kind"]
        if k == "sentence":
            out.append((k, r["start"], r["end"]))
        elif k == "mention":
            out.append((k, r["start"], r["end"], r["type"], r["form"], r["metonymy"], e[r["entity"]]))
        elif k == "entity":
            out.append((k, e[r["id"]], r["type"]))
        elif k == "stance":
            out.append((k, e[r["holder"]], e[r["target"]], r["label"], e.get(r["source"], r["source"]), r["explicit"],
                        r.get("modality"), tuple((v["start"], v["end"]) for v in r["evidence"])))
        else:
            out.append((k, m[r["head"]], m[r["tail"]], r["type"], r["modality"], e.get(r["source"], r["source"]),
                        tuple(s[x] for x in r["evidence"])))
    return out


def identical_share(a: Path, b: Path) -> float:
    from collections import Counter

    ca, cb = Counter(content(a)), Counter(content(b))
    return sum((ca & cb).values()) / max(sum(ca.values()), sum(cb.values()))


def test_no_two_blind_passes_are_near_copies() -> None:
    """The guided passes were near-copies (every record the same); blind passes must not be (below 95% shared)."""
    for doc in sorted(p.name for p in (REPO_DATASET / "annotations" / "raw").iterdir()):
        names = passes.by_protocol(REPO_DATASET, doc)
        raw = REPO_DATASET / "annotations" / "raw" / doc
        blind = names["blind"]
        for i, a in enumerate(blind):
            for b in blind[i + 1:]:
                assert identical_share(raw / f"{a}.jsonl", raw / f"{b}.jsonl") < 0.95, (doc, a, b)
        # the check can fail: the guided pair of the article is caught
        guided = names["guided"]
        if len(guided) >= 2:
            assert identical_share(raw / f"{guided[0]}.jsonl", raw / f"{guided[1]}.jsonl") >= 0.95
