"""geostance: stance and relations in geopolitical news.

The package holds the data contract (label inventories read from ``schema/``,
the validator), agreement measures, the Hugging Face dataset build, task
views, scorers, baselines and the contribution tools. The command line is
``geostance <verb>`` (see ``geostance --help``).

The library entry points are importable from the package itself; each
imports its machinery only when called, so ``import geostance`` stays light:

>>> import geostance
>>> from pathlib import Path
>>> root = Path(geostance.__file__).parent.parent / "tests" / "fixtures" / "valid"
>>> ds = geostance.load(root)
>>> sorted(ds)
['envoy-speaks', 'open-question', 'rivals']
>>> doc = ds["open-question"]
>>> doc.text.splitlines()[0], sorted(doc.raw), len(doc.gold)
('Is Oman siding with Fiji?', ['ann-1'], 0)
>>> [r["modality"] for r in doc.raw["ann-1"] if r["kind"] == "stance"]
['QUESTIONED', 'HYPOTHETICAL']

``geostance.validation.validator`` and ``geostance.agreement.document`` are, for now, the modules of
those verbs (``geostance.validation.validator.validate(paths)`` returns a report whose
``findings`` is the list of findings); they become functions of this
namespace when the package is grouped into subpackages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__version__ = "0.1.0"
__all__ = ["Document", "load", "__version__"]

Record = dict[str, Any]


@dataclass
class Document:
    """One document of a dataset folder: its record, its text (None when the
    text is not shipped), its gold records and each raw annotator's records."""

    doc_id: str
    record: Record
    text: str | None
    gold: list[Record] = field(default_factory=list)
    raw: dict[str, list[Record]] = field(default_factory=dict)


def load(path: str | Path) -> dict[str, Document]:
    """The documents of a dataset folder (the one with ``documents/``), by id.

    Raises ``ValueError`` with the validator's findings when a file of the
    folder is not valid JSONL; ``geostance validate`` makes every other check."""
    from geostance.core import jsonl, paths
    from geostance.validation.validator import load_document

    root = Path(path)
    if not (root / "documents").is_dir():
        raise ValueError(f"{root}: not a dataset folder (no documents/)")
    out: dict[str, Document] = {}
    for doc_id in paths.doc_ids(root):
        doc, found = load_document(paths.documents_dir(root), doc_id, root.parent)
        if doc is None:
            raise ValueError(f"{root}: document {doc_id!r} is not valid:\n" + "\n".join(f.render() for f in found))
        gold = paths.gold_path(root, doc_id)
        out[doc_id] = Document(
            doc_id, doc.record, doc.text,
            jsonl.load_records(gold) if gold.is_file() else [],
            {a: jsonl.load_records(paths.raw_path(root, doc_id, a)) for a in paths.annotators(root, doc_id)},
        )
    return out

