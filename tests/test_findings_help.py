"""Findings that help (issue 13, item 5): one finding per defect, follow-on
findings of a rejected record grouped under it, every finding of a record
with its line, the exact integer, Unicode normalisation named, nothing to
validate is a finding."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from geostance.cli import main as cli_main
from geostance.contract import schemas
from geostance.core import jsonl
from geostance.validation.validator import validate

REPO = Path(__file__).parent.parent
GOLD = REPO / "dataset" / "annotations" / "gold" / "china-backs-russia.jsonl"
DOCS = REPO / "dataset" / "documents"
FIX = Path(__file__).parent / "fixtures"
MINI = FIX / "invalid" / "missing-field" / "documents"


def gold_copy(tmp_path: Path, edit) -> Path:
    """The real dataset's document and gold file, the gold's lines passed through ``edit``."""
    root = tmp_path / "ds"
    (root / "annotations" / "gold").mkdir(parents=True)
    shutil.copytree(DOCS, root / "documents")
    lines = GOLD.read_bytes().split(b"\n")
    edit(lines)
    (root / "annotations" / "gold" / GOLD.name).write_bytes(b"\n".join(lines))
    return root


def test_a_record_missing_ten_fields_gives_ten_findings_not_a_hundred(tmp_path: Path) -> None:
    rec = {"kind": "mention"}
    errors = list(schemas.reference_validator("mention").iter_errors(rec))
    # each of jsonschema's per-field errors becomes the one finding of its field
    per_error = [schemas._finding(e, "f", 1, rec) for e in errors]
    assert sum(len(f) for f in per_error) == len(errors) == 10
    ok, found = schemas.check_record(rec, "f", 1)
    assert not ok and len(found) == 10 and len({f.field for f in found}) == 10
    p = tmp_path / "a.jsonl"
    p.write_text('{"kind": "mention"}\n')
    assert validate([p]).counts["missing-field"] == 10


def test_a_malformed_sentence_does_not_cascade(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def truncate_s3(lines: list[bytes]) -> None:
        lines[2] = lines[2][:40]

    root = gold_copy(tmp_path, truncate_s3)
    report = validate([root])
    ids = [f.id for f in report.kept]
    assert ids == ["json-syntax"], [f.render() for f in report.kept]
    first = report.kept[0]
    assert first.line == 3
    # the follow-on findings (sentence ids out of order, text not covered,
    # mentions across sentences, the dangling s3) are counted on it
    assert "follow-on finding(s)" in first.message and "sentence-id-order x18" in first.message
    assert cli_main(["validate", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Errors (1)")
    assert ":3: [E107 json-syntax]" in out[1]


def test_a_schema_rejected_sentence_holds_back_its_follow_ons_too(tmp_path: Path) -> None:
    def bad_s3(lines: list[bytes]) -> None:
        rec = json.loads(lines[2])
        rec["start"] = "138"
        lines[2] = json.dumps(rec).encode()

    report = validate([gold_copy(tmp_path, bad_s3)])
    assert [(f.id, f.line) for f in report.kept] == [("wrong-type", 3)]
    assert "sentence-id-order" not in report.counts


def test_every_finding_of_a_file_has_a_line(tmp_path: Path) -> None:
    def drop_s3(lines: list[bytes]) -> None:
        del lines[2]  # a sentence missing altogether: text not covered

    report = validate([gold_copy(tmp_path, drop_s3)])
    assert report.kept and all(f.line > 0 for f in report.kept)
    assert "text-not-covered" in {f.id for f in report.kept}


def test_an_integer_beyond_64_bits_is_quoted_exactly(tmp_path: Path) -> None:
    big = 10**30

    def huge_end(lines: list[bytes]) -> None:
        # the first sentence's end, however the file spaces its JSON
        lines[0] = re.sub(rb'"end":\s*44\b', b'"end": ' + str(big).encode(), lines[0], count=1)

    root = gold_copy(tmp_path, huge_end)
    assert b'"end": ' + str(big).encode() in (root / "annotations" / "gold" / GOLD.name).read_bytes()
    report = validate([root])
    msgs = [f.message for f in report.kept if f.line == 1]
    assert msgs and str(big) in msgs[0] and "1e+30" not in msgs[0], msgs
    # and the parser keeps the integer exact
    recs, _ = jsonl.parse(b'{"a":18446744073709551616}\n', "f")
    assert recs[0][1]["a"] == 2**64 and type(recs[0][1]["a"]) is int


def _doc(root: Path, doc_id: str, text: str) -> None:
    data = text.encode()
    rec = json.loads((MINI / "mini.jsonl").read_text())
    rec.update(doc_id=doc_id, sha256=hashlib.sha256(data).hexdigest(), num_chars=len(text))
    (root / "documents").mkdir(parents=True, exist_ok=True)
    (root / "documents" / f"{doc_id}.txt").write_bytes(data)
    (root / "documents" / f"{doc_id}.jsonl").write_bytes(jsonl.dumps(rec))


def test_a_span_mismatch_that_normalisation_explains_says_so(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    text = unicodedata.normalize("NFC", "José Martí spoke.\n")
    _doc(root, "nfc", text)
    surface = unicodedata.normalize("NFD", "José Martí")  # 12 code points, the document has 10
    recs = [
        {"kind": "sentence", "schema_version": "1.0", "doc_id": "nfc", "id": "s1", "start": 0, "end": 17, "text": text[:17]},
        {"kind": "mention", "schema_version": "1.0", "doc_id": "nfc", "id": "m1", "start": 0, "end": len(surface),
         "text": surface, "type": "PERSON", "form": "NAME", "entity": "e1", "metonymy": False},
        {"kind": "entity", "schema_version": "1.0", "doc_id": "nfc", "id": "e1", "name": "José Martí", "type": "PERSON", "mentions": ["m1"]},
    ]
    f = root / "annotations" / "raw" / "nfc" / "ann-1.jsonl"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"".join(jsonl.dumps(r) for r in recs))
    report = validate([root])
    mism = [x for x in report.kept if x.id == "span-text-mismatch"]
    assert len(mism) == 1
    assert "Unicode normalisation" in mism[0].message and "NFD" in mism[0].message and "NFC" in mism[0].message
    assert "0:10" in mism[0].message  # where the document holds it


def test_a_folder_without_jsonl_files_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = validate([tmp_path / "empty"])
    assert [f.id for f in report.kept] == ["no-annotation-files"] and report.errors == 1
    assert cli_main(["validate", str(tmp_path / "empty")]) == 1


def test_a_folder_named_like_a_jsonl_file_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "d" / "x.jsonl").mkdir(parents=True)
    report = validate([tmp_path / "d"])
    assert [f.id for f in report.kept] == ["not-a-regular-file"] and report.errors == 1


def test_raw_provenance_and_layer_order_in_the_real_layout(tmp_path: Path) -> None:
    def gold_as_is(lines: list[bytes]) -> None:
        pass

    root = gold_copy(tmp_path, gold_as_is)
    raw = root / "annotations" / "raw" / "china-backs-russia" / "someone.jsonl"
    raw.parent.mkdir(parents=True)
    shutil.copy(root / "annotations" / "gold" / GOLD.name, raw)  # gold's records carry provenance
    report = validate([root])
    prov = [f for f in report.kept if f.id == "provenance-in-raw"]
    assert prov and all(f.file.endswith("raw/china-backs-russia/someone.jsonl") for f in prov)
    assert report.counts["provenance-in-raw"] == sum(1 for _ in GOLD.read_bytes().splitlines())
    assert "layer-order" not in report.counts  # gold is in layer order
