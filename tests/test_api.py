"""The public API: ``geostance.load`` and what it returns; ``import geostance`` stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import geostance
from geostance.core import findings
from geostance.core import jsonl

VALID = Path(__file__).parent / "fixtures" / "valid"


def test_load_gives_every_document_with_its_gold_and_raw_records() -> None:
    ds = geostance.load(VALID)
    assert sorted(ds) == ["envoy-speaks", "open-question", "rivals"]
    envoy = ds["envoy-speaks"]
    assert envoy.text == (VALID / "documents" / "envoy-speaks.txt").read_text(encoding="utf-8")
    assert envoy.raw["ann-1"] == jsonl.load_records(VALID / "annotations" / "raw" / "envoy-speaks" / "ann-1.jsonl")
    assert ds["rivals"].gold == jsonl.load_records(VALID / "annotations" / "gold" / "rivals.jsonl") and ds["rivals"].raw == {}


def test_load_refuses_what_is_not_a_dataset_or_not_valid(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no documents/"):
        geostance.load(tmp_path)
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "x.jsonl").write_text("{not json\n")
    with pytest.raises(ValueError, match="json-syntax"):
        geostance.load(tmp_path)


def test_report_findings_is_the_list() -> None:
    r = findings.Report()
    f = findings.Finding("span-text-mismatch", "f", 1, "text", "m")
    r.add(f)
    assert r.findings == [f] and r.errors == 1


def test_import_stays_light() -> None:
    code = "import sys, geostance; print(json.dumps(sorted(m for m in ('sklearn', 'datasets', 'matplotlib', 'pandas', 'scipy', 'pyarrow') if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_the_version_is_defined_once() -> None:
    text = (Path(geostance.__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text and 'version = { attr = "geostance.core.version.__version__" }' in text
    # no other file of the package assigns a version
    pkg = Path(geostance.__file__).parent
    assigners = sorted(str(f.relative_to(pkg)) for f in pkg.rglob("*.py") if "\n__version__ =" in "\n" + f.read_text(encoding="utf-8"))
    assert assigners == ["core/version.py"]
    from importlib.metadata import version

    assert version("geostance") == geostance.__version__


def test_score_takes_its_gold_from_the_built_parquet_or_the_dataset_folder():
    repo = Path(geostance.__file__).parent.parent
    pred = repo / "baselines" / "predictions" / "pair" / "stance_classification" / "majority.jsonl"
    parquet = repo / "dataset" / "data" / "stance_classification" / "test.parquet"
    from_parquet = geostance.score("stance_classification", pred, parquet, resamples=50)
    from_folder = geostance.score("stance_classification", pred, repo / "dataset", resamples=50)
    assert from_parquet.as_dict() == from_folder.as_dict()
    # majority predicts one label for all rows: accuracy is that label's share of gold rows
    import pyarrow.parquet as pq

    labels = pq.read_table(parquet).column("label").to_pylist()
    acc = from_parquet.as_dict()["scores"]["accuracy"]["value"]  # rounded to 6 places in the report
    top = max(labels.count(x) for x in set(labels)) / len(labels)
    assert abs(acc - top) < 5e-7


def test_validate_returns_the_findings_as_a_list(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "mention"}\n', encoding="utf-8")
    report = geostance.validate([bad], documents=VALID / "documents")
    assert report.errors == len([f for f in report.findings if f.severity == "error"]) > 0
    assert all(f.file.endswith("bad.jsonl") and f.line == 1 for f in report.findings)
