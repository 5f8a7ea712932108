"""``validate --jobs N``: the documents of a dataset folder in N worker
processes give the report of one process, finding for finding, in order.
(Speed is measured by scripts/bench_validate.py, never here.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geostance.cli import main as cli_main
from geostance.validation import layout, validator
from geostance.validation.synth import generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs") / "ds"
    generate(root, 24, seed=3, records_per_doc=40)
    gold = sorted((root / "annotations" / "gold").glob("*.jsonl"))
    # faults in a few documents: a broken line, a repeated file (duplicate
    # ids, capped per file), a text that no longer matches its record
    lines = gold[2].read_bytes().split(b"\n")
    lines[1] = lines[1][:30]
    gold[2].write_bytes(b"\n".join(lines))
    gold[7].write_bytes(gold[7].read_bytes() * 40)
    txt = root / "documents" / f"{gold[11].stem}.txt"
    txt.write_bytes(txt.read_bytes() + b"x")
    (root / "documents" / "lonely.jsonl").write_bytes((root / "documents" / f"{gold[0].stem}.jsonl").read_bytes())
    return root


def test_jobs_give_the_report_of_one_process(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validator, "CHUNK_DOCS", 2)  # many chunks, so that the workers share them
    one = validator.validate([corpus], jobs=1)
    assert one.errors and one.suppressed_per_file()
    for jobs in (2, 3):
        many = validator.validate([corpus], jobs=jobs)
        assert many.as_dict() == one.as_dict()
        assert list(many.iter_text()) == list(one.iter_text())
    capped = validator.validate([corpus], jobs=2, max_per_id=1)
    assert capped.as_dict() == validator.validate([corpus], jobs=1, max_per_id=1).as_dict()


def test_jobs_option(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["validate", "--jobs", "2", "--format", "json", str(corpus)]) == 1
    two = json.loads(capsys.readouterr().out)
    assert cli_main(["validate", "--jobs", "1", "--format", "json", str(corpus)]) == 1
    assert json.loads(capsys.readouterr().out) == two
    assert cli_main(["validate", "--jobs", "0", str(corpus)]) == 2


def test_chunks_never_split_a_document() -> None:
    files = [Path(f"annotations/raw/d{i // 3}/a{i % 3}.jsonl") for i in range(30)]
    chunks = validator._chunks(files)
    assert [f for c in chunks for f in c] == files
    docs = [{layout.doc_from_path(f) for f in c} for c in chunks]
    assert all(not (a & b) for i, a in enumerate(docs) for b in docs[i + 1:])
