"""``geostance build``: the Parquet files, the manifest, reproducibility, --check, refusals.

Built from tests/fixtures/build (two synthetic documents, gold and two raw
passes each). Expected row counts were counted by hand from the fixture files
(tests/test_views.py shows the view counts in detail).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from geostance.hf import build as B
from geostance.hf import configs
from geostance.hf import manifest as hf_manifest
from geostance.cli import main
from geostance.core.paths import REPO_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "build"
CARD = REPO_ROOT / "CARD.md"

# by hand from the fixture: alpha 6 sentences, 17 mentions, 6 entities, 3 stances, 6 relations;
# beta 4, 11, 3, 3, 7. raw: alpha llm-1 = gold minus r6 (37), llm-2 = gold (38);
# beta llm-1 = gold (28), llm-2 = gold minus r3 and r6 (26)
EXPECTED_ROWS = {
    "documents": 2, "sentences": 10, "mentions": 28, "entities": 9, "stances": 6, "relations": 13,
    "raw_annotations": 37 + 38 + 28 + 26, "stance_classification": 19 + 7,
    "stance_modality": 0,  # the fixture is of schema 1.0: no stance has a modality
    "relation_classification": 48 + 23,
    "relation_modality": 6 + 3,  # the labelled rows of relation_classification (see tests/test_views.py)
    "ner": 10,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> B.BuildResult:
    return B.build(FIXTURE, tmp_path_factory.mktemp("hf"), CARD)


def read(out: Path, config: str) -> list[dict]:
    return pq.read_table(out / configs.data_file(config)).to_pylist()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_fixture(tmp: Path) -> Path:
    root = tmp / "src"
    shutil.copytree(FIXTURE, root)
    return root


def test_outputs_and_row_counts(built):
    assert built.stats.rows == EXPECTED_ROWS
    assert set(tree(built.out)) == {configs.data_file(c) for c in configs.CONFIGS} | {"README.md", "croissant.json", "MANIFEST.json"}
    for c in configs.CONFIGS:
        assert pq.ParquetFile(built.out / configs.data_file(c)).metadata.num_rows == EXPECTED_ROWS[c]


def test_building_twice_gives_identical_bytes(built, tmp_path):
    again = B.build(FIXTURE, tmp_path / "again", CARD)
    parallel = B.build(FIXTURE, tmp_path / "parallel", CARD, jobs=2, chunk_docs=1)  # one document per worker task
    assert tree(again.out) == tree(built.out) == tree(parallel.out)


def test_each_config_has_its_row_group_size(tmp_path, monkeypatch):
    # documents (whole texts) in row groups of their own size, every other config in ROW_GROUP_SIZE
    monkeypatch.setitem(configs.ROW_GROUP_SIZES, "documents", 1)
    B.build(FIXTURE, tmp_path, CARD)
    docs = pq.ParquetFile(tmp_path / configs.data_file("documents")).metadata
    assert [docs.row_group(i).num_rows for i in range(docs.num_row_groups)] == [1, 1]
    ments = pq.ParquetFile(tmp_path / configs.data_file("mentions")).metadata
    assert ments.num_row_groups == 1 and ments.num_rows > 1
    parquet = json.loads((tmp_path / "MANIFEST.json").read_text())["parquet"]
    assert parquet["row_group_size"] == configs.ROW_GROUP_SIZE and parquet["row_group_sizes"] == {"documents": 1}


def test_row_groups_have_the_fixed_size(tmp_path):
    res = B.build(FIXTURE, tmp_path, CARD, row_group_size=7)
    md = pq.ParquetFile(tmp_path / configs.data_file("raw_annotations")).metadata
    n = EXPECTED_ROWS["raw_annotations"]
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [7] * (n // 7) + [n % 7]
    # the rows themselves do not depend on the row-group size
    assert read(tmp_path, "raw_annotations") == read(res.out, "raw_annotations")


def test_parquet_writer_settings_and_embedded_features(built):
    feats = configs.features()
    for c in configs.CONFIGS:
        f = pq.ParquetFile(built.out / configs.data_file(c))
        assert f.metadata.created_by == f"parquet-cpp-arrow version {version('pyarrow')}"
        assert f.metadata.row_group(0).column(0).compression == "ZSTD"
        hf = json.loads(f.schema_arrow.metadata[b"huggingface"])
        assert hf == {"info": {"features": feats[c].to_dict()}}


def test_manifest_records_every_file_and_the_versions(built):
    m = json.loads((built.out / "MANIFEST.json").read_text())
    listed = {f["path"]: f for f in m["files"]}
    assert set(listed) == {configs.data_file(c) for c in configs.CONFIGS} | {"README.md", "croissant.json"}
    for path, f in listed.items():
        data = (built.out / path).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["bytes"] == len(data)
    for c in configs.CONFIGS:
        assert listed[configs.data_file(c)]["rows"] == EXPECTED_ROWS[c]
    assert m["versions"]["pyarrow"] == version("pyarrow") and m["versions"]["datasets"] == version("datasets")
    pins = (REPO_ROOT / "pyproject.toml").read_text()
    assert f'"pyarrow=={version("pyarrow")}"' in pins and f'"datasets=={version("datasets")}"' in pins
    assert (m["folds"]["k"], m["folds"]["seed"]) == (5, 13) and "pair-disjoint" in m["folds"]["fold"]
    sources = {s["path"]: s["sha256"] for s in m["sources"]}
    assert sources["annotations/gold/fixture-beta.jsonl"] == hashlib.sha256((FIXTURE / "annotations/gold/fixture-beta.jsonl").read_bytes()).hexdigest()
    # the dataset version: the sha256 of the source list in sha256sum's format, which
    # source_files recomputes without building (as geostance baselines does for its entries)
    listing = "".join(f"{s['sha256']}  {s['path']}\n" for s in m["sources"])
    assert m["dataset_version"] == hashlib.sha256(listing.encode()).hexdigest()
    assert [(s["path"], s["sha256"]) for s in m["sources"]] == hf_manifest.source_files(FIXTURE)
    assert hf_manifest.dataset_version(hf_manifest.source_files(FIXTURE)) == m["dataset_version"]


def test_dataset_version_changes_with_any_source_and_nothing_else(tmp_path):
    root = copy_fixture(tmp_path)
    v0 = hf_manifest.dataset_version(hf_manifest.source_files(root))
    (root / "README.md").write_text("a card\n", encoding="utf-8")  # not a source
    assert hf_manifest.dataset_version(hf_manifest.source_files(root)) == v0
    gold = root / "annotations/gold/fixture-alpha.jsonl"
    lines = gold.read_bytes().splitlines(keepends=True)
    gold.write_bytes(b"".join(lines[:-1]))  # the last record (a relation) removed
    assert hf_manifest.dataset_version(hf_manifest.source_files(root)) != v0


def test_layer_configs_content(built):
    docs = read(built.out, "documents")
    assert [d["doc_id"] for d in docs] == ["fixture-alpha", "fixture-beta"]
    assert docs[0]["text"] == (FIXTURE / "documents/fixture-alpha.txt").read_text(encoding="utf-8")
    assert docs[0]["sha256"] == hashlib.sha256((FIXTURE / "documents/fixture-alpha.txt").read_bytes()).hexdigest()
    assert docs[0]["source"]["publisher"] is None and docs[0]["rights"]["annotations_license"] == "CC-BY-4.0"
    feats = configs.features()
    mentions = read(built.out, "mentions")
    m5 = next(m for m in mentions if (m["doc_id"], m["mention_id"]) == ("fixture-alpha", "m5"))
    assert (m5["text"], m5["sentence_id"], feats["mentions"]["type"].int2str(m5["type"])) == ("Freedonian", "s2", "GPE")
    stances = read(built.out, "stances")
    t3 = next(t for t in stances if (t["doc_id"], t["stance_id"]) == ("fixture-alpha", "t3"))
    assert (t3["holder_name"], t3["target_name"], t3["source_id"]) == ("Sylvania", "Freedonia", "e2")
    assert [e["text"] for e in t3["evidence"]] == ["Freedonia is a true friend"]
    rels = read(built.out, "relations")
    r6 = next(r for r in rels if (r["doc_id"], r["relation_id"]) == ("fixture-beta", "r6"))
    assert (r6["head_entity_id"], r6["tail_entity_id"], r6["evidence_sentence_ids"]) == ("e1", "e2", ["s2", "s3"])
    # rows are sorted: by document, then id number
    ids = [(r["doc_id"], int(r["relation_id"][1:])) for r in rels]
    assert ids == sorted(ids)


def test_raw_annotations_make_disagreement_queryable(built):
    feats = configs.features()["raw_annotations"]
    rows = read(built.out, "raw_annotations")
    label = feats["stance_label"].int2str
    stance = {}
    for r in rows:
        if feats["kind"].int2str(r["kind"]) == "stance" and r["doc_id"] == "fixture-alpha":
            stance.setdefault((r["holder_name"], r["target_name"]), {})[r["annotator"]] = label(r["stance_label"])
    # the fixture's llm-2 labelled t3 NEUTRAL where llm-1 (and gold) say FAVOR
    assert {k: v for k, v in stance.items() if len(set(v.values())) > 1} == {("Sylvania", "Freedonia"): {"llm-1": "FAVOR", "llm-2": "NEUTRAL"}}
    rtype = feats["relation_type"].int2str
    rel = {}
    for r in rows:
        if feats["kind"].int2str(r["kind"]) == "relation" and r["doc_id"] == "fixture-alpha":
            rel.setdefault((r["head_start"], r["head_end"], r["tail_start"], r["tail_end"]), {})[r["annotator"]] = rtype(r["relation_type"])
    diff = {k: v for k, v in rel.items() if len(set(v.values())) > 1 or len(v) < 2}
    # r5 typed RIVAL vs CONSULT; r6 (INFLUENCE) only in llm-2
    assert sorted(diff.values(), key=str) == [{"llm-1": "RIVAL", "llm-2": "CONSULT"}, {"llm-2": "INFLUENCE"}]


def test_document_without_gold_is_skipped_with_a_message(tmp_path, capsys):
    root = copy_fixture(tmp_path)
    (root / "annotations/gold/fixture-beta.jsonl").unlink()
    res = B.build(root, tmp_path / "out", CARD)
    assert res.stats.documents == ["fixture-alpha"] and res.stats.skipped == ["fixture-beta"]
    assert "fixture-beta: no gold annotations" in capsys.readouterr().err
    assert {r["doc_id"] for r in read(res.out, "raw_annotations")} == {"fixture-alpha"}


def test_invalid_source_is_refused_and_nothing_is_written(tmp_path):
    root = copy_fixture(tmp_path)
    out = tmp_path / "out"
    B.build(root, out, CARD)
    before = tree(out)
    gold = root / "annotations/gold/fixture-beta.jsonl"
    lines = gold.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b'"type":"GPE"', b'"type":"COUNTRY"')
    gold.write_bytes(b"\n".join(lines))
    with pytest.raises(B.BuildError) as e:
        B.build(root, out, CARD)
    assert "src/annotations/gold/fixture-beta.jsonl:5: [E205 unknown-label] type" in str(e.value)
    assert tree(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".build-")]


def test_nothing_with_gold_is_refused(tmp_path):
    root = copy_fixture(tmp_path)
    shutil.rmtree(root / "annotations/gold")
    with pytest.raises(B.BuildError, match="no document has gold"):
        B.build(root, tmp_path / "out", CARD)
    assert not (tmp_path / "out" / "data").exists()


def test_stale_data_files_are_removed(tmp_path):
    stray = tmp_path / "data" / "old_config" / "test.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    B.build(FIXTURE, tmp_path, CARD)
    assert not stray.parent.exists()


# ------------------------------------------------------------------ CLI


def test_cli_build_and_check(tmp_path, capsys):
    out = tmp_path / "hf"
    assert main(["build", str(FIXTURE), "--out", str(out), "--card", str(CARD)]) == 0
    assert "raw_annotations" in capsys.readouterr().out
    assert main(["build", str(FIXTURE), "--out", str(out), "--card", str(CARD), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out

    p = out / configs.data_file("ner")
    p.write_bytes(p.read_bytes()[:-9] + b"0" + p.read_bytes()[-8:])
    stray = out / "data" / "old" / "test.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"PAR1")
    (out / "croissant.json").unlink()
    assert main(["build", str(FIXTURE), "--out", str(out), "--card", str(CARD), "--check"]) == 1
    err = capsys.readouterr().err
    assert "3 file(s) differ" in err
    for rel in (configs.data_file("ner"), "croissant.json", "data/old/test.parquet"):
        assert f"  {rel}\n" in err


def test_cli_refusals_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["build", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    root = copy_fixture(tmp_path)
    (root / "annotations/gold/fixture-alpha.jsonl").write_bytes(b"{not json\n")
    assert main(["build", str(root), "--out", str(tmp_path / "out"), "--card", str(CARD)]) == 1
    err = capsys.readouterr().err
    assert "nothing was built" in err and "fixture-alpha.jsonl:1: [E107 json-syntax]" in err and "Traceback" not in err
    assert main(["build", str(FIXTURE), "--card", str(tmp_path / "missing.md")]) == 2


def test_repository_dataset_is_fresh():
    """The committed dataset/ (README.md, data/, MANIFEST.json, croissant.json) and
    CARD.md's generated blocks are what a fresh build gives."""
    root = REPO_ROOT / "dataset"
    if not (root / "data").is_dir():
        pytest.skip("dataset/data is absent: the repository's dataset has not been built yet (no gold annotations)")
    assert B.stale_files(root, root, CARD) == []


# ------------------------------------------------------------------ worker processes


def test_parallel_build_gives_the_in_process_statistics(built, tmp_path):
    # one document per worker task: two workers, each part's statistics merged in document order
    res = B.build(FIXTURE, tmp_path, CARD, jobs=2, chunk_docs=1)
    for field in ("documents", "doc_info", "rows", "label_counts", "annotators", "fold_rows", "fold_sentences", "records", "ner_tokens"):
        assert getattr(res.stats, field) == getattr(built.stats, field), field
    assert res.stats.fold_sentences == B.views.assign_folds([("fixture-alpha", 6), ("fixture-beta", 4)]).sizes()
    # the card's documents table (kept on disk while the build runs) and everything else it prints
    assert (tmp_path / "README.md").read_bytes() == (built.out / "README.md").read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build-")]  # the spool went with the temporary folder


def test_a_dead_worker_is_a_build_error_not_a_hang(tmp_path, monkeypatch):
    import os

    def die(doc_ids, spool=None):  # runs in the forked worker: as if it were killed
        os._exit(9)

    monkeypatch.setattr(B, "process", die)
    with pytest.raises(B.BuildError, match=r"worker process \d+ ended \(exit code 9\)"):
        B.build(FIXTURE, tmp_path / "out", CARD, jobs=2, chunk_docs=1)
    assert not (tmp_path / "out" / "data").exists()


def test_an_exception_in_a_worker_reaches_the_caller_with_its_traceback(tmp_path, monkeypatch):
    real = B.document_rows

    def broken(src, *args):
        if src.doc_id == "fixture-beta":
            raise ZeroDivisionError("a bug in a view")
        return real(src, *args)

    monkeypatch.setattr(B, "document_rows", broken)
    with pytest.raises(ZeroDivisionError, match="a bug in a view") as e:
        B.build(FIXTURE, tmp_path / "out", CARD, jobs=2, chunk_docs=1)
    assert "in worker process" in str(e.value.__cause__) and "broken" in str(e.value.__cause__)


def test_manifest_json_in_pieces_is_the_standard_librarys_json():
    # the lists that grow with the corpus are written in pieces of about 64 K characters;
    # the pieces joined must be what json.dumps(indent=1, ensure_ascii=False) writes, across piece boundaries
    from geostance.hf import manifest as M

    docs = [f"doc-{i:05d}-é\"\\" for i in range(6000)]
    sources = [(f"documents/{d}.jsonl", f"{i:064x}") for i, d in enumerate(docs)]
    m = {"name": "x", "documents": docs, "skipped": [], "sources": sources, "after": {"k": [1, 2]}}
    pieces = list(M._manifest_json(m))
    assert 10 < len(pieces) < 100  # a few pieces of many items each, not one string
    expected = json.dumps(dict(m, sources=[{"path": p, "sha256": h} for p, h in sources]), indent=1, ensure_ascii=False)
    assert "".join(pieces) == expected
    one = dict(m, documents=docs[:1], sources=sources[:1])
    assert "".join(M._manifest_json(one)) == json.dumps(dict(one, sources=[{"path": sources[0][0], "sha256": sources[0][1]}]), indent=1, ensure_ascii=False)
