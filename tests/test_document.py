"""The article of the first document is the seed, byte for byte."""

from __future__ import annotations

import hashlib

from geostance.core import jsonl
from geostance.core.paths import REPO_ROOT
from geostance.validation.documents import load_document

DOCUMENTS = REPO_ROOT / "dataset" / "documents"
# sha256 of the article as received (the seed); never changes
SEED_SHA256 = "3e766531665948ab0766b8192865645b3eda42d526b09f760f244c66af5f5b69"


def test_the_article_is_byte_identical_to_the_seed() -> None:
    data = (DOCUMENTS / "china-backs-russia.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == SEED_SHA256


def test_the_document_record_vouches_for_the_article() -> None:
    (record,) = jsonl.load_records(DOCUMENTS / "china-backs-russia.jsonl")
    assert record["doc_id"] == "china-backs-russia"
    assert record["sha256"] == SEED_SHA256
    assert record["text_included"] is True
    text = (DOCUMENTS / "china-backs-russia.txt").read_text(encoding="utf-8")
    assert record["num_chars"] == len(text)


def test_the_validator_accepts_the_document() -> None:
    doc, found = load_document(DOCUMENTS, "china-backs-russia")
    assert found == []
    assert doc is not None and doc.text is not None and doc.text.startswith("China Supports Russia Against Western Powers\n")
