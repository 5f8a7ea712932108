"""Where things live: the repository, the schema folder and the dataset layout.

The dataset folder (``dataset/``) is laid out as::

    documents/<doc_id>.txt                  the article text, byte for byte
    documents/<doc_id>.jsonl                its document record (one line)
    annotations/raw/<doc_id>/<annotator>.jsonl   one annotator's records
    annotations/gold/<doc_id>.jsonl         the adjudicated gold records
    adjudication/<doc_id>.jsonl             the adjudication log (decisions)
    data/<config>/test.parquet              the built Hugging Face dataset

Every path helper takes the dataset root, so that tests and contributors can
work on a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _schema_dir() -> Path:
    """The schema files: shipped inside the package by a wheel or sdist install
    (``geostance/schema/``, copied from the repository's ``schema/`` at build
    time), read from the repository's ``schema/`` in a clone or editable install."""
    packaged = Path(__file__).resolve().parents[1] / "schema"
    return packaged if (packaged / "labels.schema.json").is_file() else REPO_ROOT / "schema"


SCHEMA_DIR = _schema_dir()


def default_dataset_root() -> Path:
    """The dataset folder: ``$GEOSTANCE_DATASET`` if set, else ``dataset/`` of
    the current directory if it has one, else the repository's ``dataset/``."""
    env = os.environ.get("GEOSTANCE_DATASET")
    if env:
        return Path(env)
    here = Path.cwd() / "dataset"
    if (here / "documents").is_dir():
        return here
    return REPO_ROOT / "dataset"


def documents_dir(root: Path) -> Path:
    return root / "documents"


def text_path(root: Path, doc_id: str) -> Path:
    return root / "documents" / f"{doc_id}.txt"


def document_record_path(root: Path, doc_id: str) -> Path:
    return root / "documents" / f"{doc_id}.jsonl"


def raw_dir(root: Path, doc_id: str) -> Path:
    return root / "annotations" / "raw" / doc_id


def raw_path(root: Path, doc_id: str, annotator: str) -> Path:
    return raw_dir(root, doc_id) / f"{annotator}.jsonl"


def gold_path(root: Path, doc_id: str) -> Path:
    return root / "annotations" / "gold" / f"{doc_id}.jsonl"


def adjudication_path(root: Path, doc_id: str) -> Path:
    return root / "adjudication" / f"{doc_id}.jsonl"


def doc_ids(root: Path) -> list[str]:
    """The ids of the documents that have a document record, sorted."""
    d = documents_dir(root)
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.jsonl"))


def annotators(root: Path, doc_id: str) -> list[str]:
    """The annotators with a raw file for ``doc_id``, sorted."""
    d = raw_dir(root, doc_id)
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.jsonl"))
