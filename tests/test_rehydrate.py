"""Shipping a document without its text, and re-hydrating it from a user's copy.

Uses the small synthetic document fixture-beta of tests/fixtures/build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from geostance.hf import build as B, rehydrate as R
from geostance.hf import configs
from geostance.contract import records
from geostance.core import jsonl
from geostance.cli import main
from geostance.core.paths import REPO_ROOT
from geostance.contract.schemas import check_record
from geostance.validation.validator import validate

FIXTURE = Path(__file__).parent / "fixtures" / "build"
CARD = REPO_ROOT / "CARD.md"
DOC = "fixture-beta"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def gold(root: Path) -> list[dict]:
    return jsonl.load_records(root / "annotations" / "gold" / f"{DOC}.jsonl")


@pytest.fixture()
def stripped(tmp_path: Path) -> Path:
    out = tmp_path / "stripped"
    R.strip_text(FIXTURE, out, [DOC])
    return out


def test_strip_and_rehydrate_records_round_trip():
    recs = gold(FIXTURE)
    text = (FIXTURE / "documents" / f"{DOC}.txt").read_text(encoding="utf-8")
    bare = R.strip_records(recs)
    assert not any("text" in r for r in bare if r["kind"] in ("sentence", "mention"))
    assert not any("text" in e for r in bare if r["kind"] == "stance" for e in r["evidence"])
    assert [list(r) for r in R.rehydrate_records(bare, text)] == [list(r) for r in recs]  # key order kept
    assert R.rehydrate_records(bare, text) == recs


def test_rehydrate_records_refuses_offsets_beyond_the_text():
    with pytest.raises(R.RehydrateError, match="does not fit a text of 3 characters"):
        R.rehydrate_records([{"kind": "mention", "start": 1, "end": 9}], "abc")


def test_stripped_records_pass_the_schema_with_the_text_exempt():
    m = next(r for r in R.strip_records(gold(FIXTURE)) if r["kind"] == "mention")
    ok, found = check_record(m, "f.jsonl", 1)
    assert not ok and [f.id for f in found] == ["missing-field"]
    assert check_record(records.exempt_text(m), "f.jsonl", 1) == (True, [])


def test_strip_text_writes_a_copy_without_the_text(stripped):
    assert not (stripped / "documents" / f"{DOC}.txt").exists()
    rec = jsonl.load_records(stripped / "documents" / f"{DOC}.jsonl")[0]
    orig = jsonl.load_records(FIXTURE / "documents" / f"{DOC}.jsonl")[0]
    assert rec == dict(orig, text_included=False)
    for f in (stripped / "annotations").rglob(f"*{DOC}*.jsonl"):
        assert b'"text"' not in f.read_bytes(), f
    for f in (stripped / "annotations" / "raw" / DOC).glob("*.jsonl"):
        assert b'"text"' not in f.read_bytes(), f
    # the other document is untouched
    for rel, data in tree(FIXTURE).items():
        if "fixture-alpha" in rel:
            assert (stripped / rel).read_bytes() == data
    with pytest.raises(R.RehydrateError, match="not empty"):
        R.strip_text(FIXTURE, stripped, [DOC])


def test_a_document_without_text_builds_with_null_text_and_offsets(stripped, tmp_path):
    res = B.build(stripped, tmp_path / "hf", CARD)
    full = B.build(FIXTURE, tmp_path / "full", CARD)
    assert res.stats.without_text == [DOC]

    def rows(out: Path, config: str) -> list[dict]:
        return [r for r in pq.read_table(out / configs.data_file(config)).to_pylist() if r["doc_id"] == DOC]

    assert rows(res.out, "documents")[0]["text"] is None
    assert rows(res.out, "documents")[0]["sha256"] == hashlib.sha256((FIXTURE / "documents" / f"{DOC}.txt").read_bytes()).hexdigest()
    for config, cols in (("sentences", ["text"]), ("mentions", ["text"]), ("stance_classification", ["text"]),
                         ("relation_classification", ["text", "head_text", "tail_text"])):
        got, want = rows(res.out, config), rows(full.out, config)
        assert got == [dict(r, **{c: None for c in cols}) for r in want], config
    for t in rows(res.out, "stances"):
        assert all(e["text"] is None for e in t["evidence"]) and all(e["start"] < e["end"] for e in t["evidence"])
    assert rows(res.out, "ner") == [] and res.stats.view_stats["ner"].no_text_sentences == 4
    readme = (res.out / "README.md").read_text(encoding="utf-8")
    assert f"Built without their text (text columns are null; offsets and sha256 are kept): `{DOC}`" in readme


def test_rehydrate_refuses_a_copy_that_differs(stripped, tmp_path, capsys):
    before = tree(stripped)
    good = (FIXTURE / "documents" / f"{DOC}.txt").read_bytes()
    for bad in (good.replace(b"Ostria", b"Austria", 1), good.replace(b"\n", b"\r\n"), good.rstrip(b"\n")):
        copy = tmp_path / "copy.txt"
        copy.write_bytes(bad)
        assert main(["rehydrate", DOC, "--text", str(copy), "--dataset", str(stripped)]) == 1
        err = capsys.readouterr().err
        assert "refused, nothing written" in err and hashlib.sha256(bad).hexdigest() in err
        assert json.loads((FIXTURE / "documents" / f"{DOC}.jsonl").read_text())["sha256"] in err
        assert tree(stripped) == before


def test_rehydrate_restores_text_and_the_full_build(stripped, tmp_path, capsys):
    copy = tmp_path / "my-copy.txt"
    copy.write_bytes((FIXTURE / "documents" / f"{DOC}.txt").read_bytes())
    assert main(["rehydrate", DOC, "--text", str(copy), "--dataset", str(stripped)]) == 0
    assert "sha256 matches" in capsys.readouterr().out
    assert gold(stripped) == gold(FIXTURE)
    for a in ("llm-1", "llm-2"):
        p = Path("annotations") / "raw" / DOC / f"{a}.jsonl"
        assert jsonl.load_records(stripped / p) == jsonl.load_records(FIXTURE / p)
    report = validate([stripped])
    assert report.errors == 0
    res = B.build(stripped, tmp_path / "hf", CARD)
    full = B.build(FIXTURE, tmp_path / "full", CARD)
    assert {k: v for k, v in tree(res.out).items() if k.startswith("data/")} == \
           {k: v for k, v in tree(full.out).items() if k.startswith("data/")}
    assert main(["rehydrate", DOC, "--text", str(copy), "--dataset", str(stripped)]) == 0
    assert "already has its text" in capsys.readouterr().out


def test_rehydrate_usage_errors(stripped, tmp_path, capsys):
    copy = tmp_path / "c.txt"
    copy.write_text("x")
    assert main(["rehydrate", "no-such-doc", "--text", str(copy), "--dataset", str(stripped)]) == 1
    assert "no document 'no-such-doc'" in capsys.readouterr().err
    assert main(["rehydrate", DOC, "--text", str(tmp_path / "missing.txt"), "--dataset", str(stripped)]) == 2
    assert main(["rehydrate", DOC, "--text", str(copy), "--dataset", str(tmp_path)]) == 2


def test_validate_accepts_a_document_shipped_without_its_text(stripped):
    # offsets without surface text are checked against the schema with the text exempt
    report = validate([stripped])
    assert report.errors == 0, report.render_text()
