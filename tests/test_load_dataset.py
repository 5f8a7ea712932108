"""A user with only ``datasets``: load every config offline, from a fresh cache.

Each load runs in a subprocess that never imports geostance (checked), with
HF_DATASETS_OFFLINE=1 and HF_HUB_OFFLINE=1 and a new temporary cache_dir, the
way a user loads a fresh clone. The expected features are the build's
declared ones (geostance.build.features) and the row counts its manifest's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geostance import build as B
from geostance import labels
from geostance.paths import REPO_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "build"
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


def check(path: Path, tmp: Path) -> None:
    manifest = json.loads((path / "MANIFEST.json").read_text())
    rows = {f["path"]: f["rows"] for f in manifest["files"] if "rows" in f}
    res = load_all(path, list(B.CONFIGS), tmp)
    assert res.pop("imported_geostance") is False
    feats = B.features()
    for c in B.CONFIGS:
        assert res[c]["splits"] == ["test"]
        assert res[c]["rows"] == rows[B.data_file(c)]
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
    assert st["label"]["names"] == B.features()["stance_classification"]["label"].names
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
