"""A user with only ``datasets``: load every config offline, from a fresh cache.

Each load runs in a subprocess that never imports geostance (checked), with
HF_DATASETS_OFFLINE=1 and HF_HUB_OFFLINE=1 and a new temporary cache_dir, the
way a user loads a fresh clone. The expected features are the build's
declared ones (geostance.hf.build.features) and the row counts its manifest's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geostance.hf import build as B
from geostance.hf import configs
from geostance.contract import labels
from geostance.contract.labels import STANCE_MODALITIES
from geostance.core.paths import REPO_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "build"
FIXTURE_11 = Path(__file__).parent / "fixtures" / "build-1.1"  # one document of schema 1.1
CARD = REPO_ROOT / "CARD.md"

CHILD = r"""
import json, sys, tempfile
import datasets
path, configs = sys.argv[1], sys.argv[2:]
out = {}
for c in configs:
    with tempfile.TemporaryDirectory() as cache:
        ds = datasets.load_dataset(path, c, cache_dir=cache)
        out[c] = {"splits": sorted(ds), "rows": ds["test"].num_rows, "features": ds["test"].features.to_dict(),
                  "first": ds["test"][0] if ds["test"].num_rows else None}
out["imported_geostance"] = any(m == "geostance" or m.startswith("geostance.") for m in sys.modules)
print(json.dumps(out, default=str))
"""


def load_all(path: Path, configs: list[str], cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PYTHONPATH"))}
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(cwd / "hf-home"),
               HF_HUB_DISABLE_TELEMETRY="1")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), *configs], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check(path: Path, tmp: Path) -> dict:
    """Load every config the build declares (those with rows; datasets cannot
    load an empty split) and compare features and row counts."""
    manifest = json.loads((path / "MANIFEST.json").read_text())
    rows = {f["path"]: f["rows"] for f in manifest["files"] if "rows" in f}
    declared = [c for c in configs.CONFIGS if rows[configs.data_file(c)]]
    res = load_all(path, declared, tmp)
    assert res.pop("imported_geostance") is False
    feats = configs.features()
    for c in declared:
        assert res[c]["splits"] == ["test"]
        assert res[c]["rows"] == rows[configs.data_file(c)]
        assert res[c]["features"] == feats[c].to_dict(), c
    return res


def test_fresh_clone_of_the_fixture_build_loads_offline(tmp_path):
    """A built copy of the fixture, with its source files beside the Parquet
    (JSONL and text that load_dataset must ignore), loaded by folder path."""
    clone = tmp_path / "dataset"
    shutil.copytree(FIXTURE, clone)
    B.build(clone, clone, CARD)
    assert any(clone.glob("documents/*.jsonl")) and any(clone.glob("annotations/**/*.jsonl"))
    res = check(clone, tmp_path)
    # ClassLabel names and nested sequences come back as declared
    st = res["stance_classification"]["features"]
    assert st["label"]["names"] == configs.features()["stance_classification"]["label"].names
    assert st["holder_spans"]["_type"] == "List" and set(st["holder_spans"]["feature"]) == {"start", "end"}
    assert res["ner"]["features"]["tags"]["feature"]["_type"] == "ClassLabel"
    assert res["documents"]["first"]["doc_id"] == "fixture-alpha"


def test_repository_dataset_loads_offline(tmp_path):
    root = REPO_ROOT / "dataset"
    if not (root / "data").is_dir():
        pytest.skip("dataset/data is absent: the repository's dataset has not been built yet (run geostance build)")
    check(root, tmp_path)


def test_modality_is_a_class_label_with_questioned_in_stances_and_relations(tmp_path):
    """Scheme 1.1 through load_dataset alone: the repository's build, whose raw
    passes include schema 1.1 files with stance modality."""
    root = REPO_ROOT / "dataset"
    res = load_all(root, ["stances", "relations", "raw_annotations"], tmp_path)
    assert res.pop("imported_geostance") is False
    stance_mod = res["stances"]["features"]["modality"]
    assert stance_mod["_type"] == "ClassLabel" and stance_mod["names"] == list(labels.STANCE_MODALITIES)
    assert "QUESTIONED" in stance_mod["names"]
    rel_mod = res["relations"]["features"]["modality"]
    assert rel_mod["_type"] == "ClassLabel" and "QUESTIONED" in rel_mod["names"] and "NEGATED" in rel_mod["names"]
    raw = res["raw_annotations"]["features"]
    assert raw["stance_modality"]["names"] == stance_mod["names"] and "QUESTIONED" in raw["modality"]["names"]
CHILD_11 = r"""
import json, sys, tempfile
import datasets
path = sys.argv[1]
out = {}
for c in ("stances", "relations", "stance_modality", "raw_annotations"):
    with tempfile.TemporaryDirectory() as cache:
        ds = datasets.load_dataset(path, c, split="test", cache_dir=cache)
        out[c] = {"names": {k: f.names for k, f in ds.features.items() if isinstance(f, datasets.ClassLabel)},
                  "types": {k: type(f).__name__ for k, f in ds.features.items()},
                  "rows": [{k: ds.features[k].int2str(v) if isinstance(ds.features[k], datasets.ClassLabel) and v is not None else v
                            for k, v in r.items()} for r in ds]}
out["imported_geostance"] = any(m == "geostance" or m.startswith("geostance.") for m in sys.modules)
print(json.dumps(out))
"""


def test_scheme_1_1_modality_loads_as_a_class_label_with_only_datasets(tmp_path):
    """A build of a 1.1 document loaded offline by datasets alone: modality is
    a ClassLabel in stances and relations with QUESTIONED among its names, and
    the values come back as annotated (by hand from the fixture: t1 QUESTIONED,
    t2 HYPOTHETICAL, t3 ASSERTED, t4 ALLEGED, t5 ASSERTED; r1 QUESTIONED)."""
    clone = tmp_path / "dataset"
    shutil.copytree(FIXTURE_11, clone)
    B.build(clone, clone, CARD)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PYTHONPATH"))}
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf-home"), HF_HUB_DISABLE_TELEMETRY="1")
    proc = subprocess.run([sys.executable, "-c", CHILD_11, str(clone)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res.pop("imported_geostance") is False
    for config in ("stances", "relations"):
        assert res[config]["types"]["modality"] == "ClassLabel"
        assert "QUESTIONED" in res[config]["names"]["modality"]
    assert res["stances"]["names"]["modality"] == list(STANCE_MODALITIES)
    assert "NEGATED" in res["relations"]["names"]["modality"]  # relations keep NEGATED; stances have none
    assert [(r["stance_id"], r["label"], r["modality"]) for r in res["stances"]["rows"]] == [
        ("t1", "FAVOR", "QUESTIONED"), ("t2", "AGAINST", "HYPOTHETICAL"), ("t3", "AGAINST", "ASSERTED"),
        ("t4", "FAVOR", "ALLEGED"), ("t5", "AGAINST", "ASSERTED")]
    assert [(r["relation_id"], r["modality"]) for r in res["relations"]["rows"]] == [
        ("r1", "QUESTIONED"), ("r2", "ASSERTED"), ("r3", "ALLEGED"), ("r4", "ASSERTED")]
    # the stance_modality task: the modality is the label, the stance label an input
    sm = res["stance_modality"]
    assert sm["names"]["label"] == res["stances"]["names"]["modality"]
    assert sorted((r["id"], r["stance_label"], r["label"]) for r in sm["rows"]) == [
        ("modality-mix/s1/e1>e2", "FAVOR", "QUESTIONED"), ("modality-mix/s2/e3>e4", "AGAINST", "HYPOTHETICAL"),
        ("modality-mix/s3/e1>e6", "FAVOR", "ALLEGED"), ("modality-mix/s3/e5>e1", "AGAINST", "ASSERTED"),
        ("modality-mix/s4/e2>e4", "AGAINST", "ASSERTED")]
    # raw passes carry stance modality: llm-2 read the question as an assertion
    raw = {(r["annotator"], r["record_id"]): r["stance_modality"] for r in res["raw_annotations"]["rows"] if r["kind"] == "stance"}
    assert raw[("llm-1", "t1")] == "QUESTIONED" and raw[("llm-2", "t1")] == "ASSERTED"
    assert raw[("llm-1", "t4")] == raw[("llm-2", "t4")] == "ALLEGED"
    assert res["raw_annotations"]["names"]["stance_modality"] == res["stances"]["names"]["modality"]


def test_a_stance_of_schema_1_0_loads_with_null_modality(tmp_path):
    """The 1.0 fixture: every stance's modality is null (not annotated), never a default."""
    clone = tmp_path / "dataset"
    shutil.copytree(FIXTURE, clone)
    B.build(clone, clone, CARD)
    import pyarrow.parquet as pq

    stances = pq.read_table(clone / configs.data_file("stances")).to_pylist()
    assert stances and all(r["modality"] is None for r in stances)
    raw = pq.read_table(clone / configs.data_file("raw_annotations")).to_pylist()
    assert all(r["stance_modality"] is None for r in raw)
