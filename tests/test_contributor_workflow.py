"""End to end: a second document with two annotators goes through every step a contributor takes.

On a copy of the repository's dataset (never the dataset itself): contribute a
new document and two annotators' files, measure agreement, write the
adjudication worksheet and apply the decisions recorded in a fixture,
validate, build, and load every config with ``datasets`` alone. The new
document must be in every config and task view, and the article's files and
rows must be exactly what they were.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.hf.configs import CONFIGS
from geostance.cli import main
from geostance.validation.validator import validate

REPO = Path(__file__).parent.parent
FIX = Path(__file__).parent / "fixtures"
CONTRIB = FIX / "contribute"
DECISIONS = FIX / "adjudicate" / "eu-urges-calm.decisions.jsonl"
ARTICLE = "china-backs-russia"
DOC = "eu-urges-calm"

# Loads every config with datasets only (no geostance), offline, in a fresh cache.
LOAD = """
import json, sys
import datasets
root, cache, configs = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
out = {}
for c in configs:
    ds = datasets.load_dataset(root, c, cache_dir=cache)["test"]
    out[c] = {"features": list(ds.features), "rows": ds.to_list()}
print(json.dumps(out, default=str))
"""


def declared(root: Path) -> list[str]:
    """The configs the card's YAML declares: those with rows (the manifest's counts)."""
    from geostance.hf.configs import data_file

    rows = {f["path"]: f["rows"] for f in json.loads((root / "MANIFEST.json").read_text())["files"] if "rows" in f}
    return [c for c in CONFIGS if rows[data_file(c)]]


def load_all(root: Path, cache: Path) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "PATH": "/usr/bin:/bin",
           "HOME": str(cache)}
    proc = subprocess.run([sys.executable, "-c", LOAD, str(root), str(cache), ",".join(declared(root))], capture_output=True, text=True,
                          env=env, cwd=cache, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def article_files(root: Path) -> dict[str, bytes]:
    """Every source file of the article (text, record, raw, gold, adjudication log)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ARTICLE in str(p.relative_to(root)) and not str(p.relative_to(root)).startswith("data/")}


def rows_of(loaded: dict, config: str, doc_id: str) -> list[dict]:
    return [r for r in loaded[config]["rows"] if r["doc_id"] == doc_id]


@pytest.mark.slow
def test_a_new_document_goes_from_contribution_to_load_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "dataset"
    shutil.copytree(REPO / "dataset", root, ignore=shutil.ignore_patterns(".geostance-transaction", ".geostance-staging-*", ".geostance.lock", "data", "README.md",
                                                                          "croissant.json", "MANIFEST.json"))
    before = article_files(root)
    assert any(k.startswith("documents/") for k in before)
    has_gold = paths.gold_path(root, ARTICLE).is_file()
    baseline = None
    if has_gold:  # the article's rows before anything is added, to compare with
        base = tmp_path / "base"
        assert main(["build", str(root), "--out", str(base), "--jobs", "1"]) == 0
        baseline = load_all(base, tmp_path / "cache-base")

    # 1. contribute: the document with alice's pass, then bob's
    c = ["contribute", "--dataset", str(root)]
    assert main(c + ["document", str(CONTRIB / "eu-urges-calm.txt"), "--doc", DOC, "--title", "EU Urges Calm Over Ukraine",
                     "--language", "en", "--source-note", "A short article written for geostance's tests.",
                     "--text-rights", "Written for geostance's tests.",
                     "--annotations", str(CONTRIB / "alice.jsonl"), "--annotator", "alice"]) == 0
    assert main(c + ["annotations", str(CONTRIB / "bob.jsonl"), "--doc", DOC, "--annotator", "bob"]) == 0
    assert f"geostance agree {DOC}" in capsys.readouterr().out

    # 2. agreement
    agree_json = tmp_path / "agree.json"
    assert main(["agree", DOC, "--dataset", str(root), "--json", str(agree_json)]) == 0
    (pair,) = json.loads(agree_json.read_text(encoding="utf-8"))["pairs"]
    measures = {m["id"]: m["value"] for m in pair["measures"]}
    assert measures["mentions.exact.f1"] == pytest.approx(18 / 19)  # by hand: 9 spans shared of alice's 10 and bob's 9
    assert measures["sentences.f1"] == 1.0

    # 3. adjudication: the fixture's decisions answer exactly the worksheet's disagreements
    ws = tmp_path / "worksheet.jsonl"
    assert main(["adjudicate", DOC, "--dataset", str(root), "--worksheet", str(ws)]) == 0
    fresh = [(x["id"], x["layer"], x["records"]) for x in jsonl.load_records(ws)]
    decided = [(x["id"], x["layer"], x["records"]) for x in jsonl.load_records(DECISIONS)]
    assert fresh == decided
    assert main(["adjudicate", DOC, "--dataset", str(root), "--apply", str(DECISIONS)]) == 0

    # 4. validate
    report = validate([root])
    assert report.errors == 0, report.render_text()

    # 5. build, then load every config with datasets alone
    assert main(["build", str(root), "--jobs", "1"]) == 0
    loaded = load_all(root, tmp_path / "cache")
    gold = {k: len(v) for k, v in records.by_layer(jsonl.load_records(paths.gold_path(root, DOC))).items()}
    expected = {"documents": 1, "sentences": gold["sentence"], "mentions": gold["mention"], "entities": gold["entity"],
                "stances": gold["stance"], "relations": gold["relation"],
                "raw_annotations": len(jsonl.load_records(CONTRIB / "alice.jsonl")) + len(jsonl.load_records(CONTRIB / "bob.jsonl"))}
    # the article's gold is of schema 1.1 (stance modality), the new document's of 1.0: stance_modality is
    # declared and has the article's rows only
    assert declared(root) == list(CONFIGS)
    assert rows_of(loaded, "stance_modality", DOC) == [] and rows_of(loaded, "stance_modality", "china-backs-russia")
    for config in declared(root):
        if config == "stance_modality":
            continue
        rows = rows_of(loaded, config, DOC)
        assert rows, f"{DOC} is missing from {config}"
        if config in expected:
            assert len(rows) == expected[config], config
    assert {r["sentence_id"] for r in rows_of(loaded, "ner", DOC)} == {"s1", "s2", "s3", "s4"}
    stance_rows = rows_of(loaded, "stance_classification", DOC)
    assert len({r["label"] for r in stance_rows}) >= 2  # labelled pairs and NONE pairs

    # 6. the article: its files byte for byte, its rows as before
    assert article_files(root) == before
    if baseline is not None:
        for config in declared(root):
            # folds are drawn per document (geostance.hf.views.assign_folds): a new document moves no fold
            assert rows_of(loaded, config, ARTICLE) == rows_of(baseline, config, ARTICLE), config
