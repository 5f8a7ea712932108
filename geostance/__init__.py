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

Validate, score and agree, from Python:

>>> report = geostance.validate([root])
>>> report.errors, len(report.findings)
(0, 0)
>>> a = ds["open-question"].raw["ann-1"]
>>> b = [r for r in a if r["kind"] != "stance"] + [r for r in a if r["kind"] == "stance"][:1]
>>> round({m.id: m.value for m in geostance.agree(a, b)}["stances.tuple.f1"], 3)  # P 1/1, R 1/2
0.667

``geostance.score(view, predictions, gold=...)`` scores a predictions file
against a view's gold: a dataset folder (the gold is derived from its
annotations) or a built view's Parquet file ``data/<view>/test.parquet`` (what
``datasets.load_dataset`` reads), so a user with only the published dataset
can score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.core.version import __version__
__all__ = ["Document", "agree", "load", "score", "validate", "__version__"]

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
    from geostance.validation.documents import load_document

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


def validate(paths: list[str | Path] | None = None, max_per_id: int | None = None,
             documents: str | Path | None = None, *, max_per_file: int | None = 100,
             max_bytes: int | None = 256 * 1024 * 1024, jobs: int = 1) -> Any:
    """Validate dataset folders, folders of JSONL files or single files, as
    ``geostance validate`` does; the :class:`~geostance.core.findings.Report`
    has the counts and ``findings``, the list of
    :class:`~geostance.core.findings.Finding` (id, file, line, field, message).
    ``max_per_file`` findings of one id are kept per file (all are counted;
    ``None`` keeps all), files over ``max_bytes`` are refused unread, and
    ``jobs`` worker processes share a dataset folder's documents."""
    from geostance.validation.validator import validate as run

    return run([Path(p) for p in paths] if paths else None, max_per_id, Path(documents) if documents else None,
               max_bytes=max_bytes, max_per_file=max_per_file, jobs=jobs)


def score(view: str, predictions: str | Path, gold: str | Path, resamples: int = 1000, seed: int = 0) -> Any:
    """Score a predictions file (JSONL or CSV, one label per row id) on a task view.

    ``gold`` is a dataset folder (the view is derived from its gold
    annotations, after validation) or a file of the view's rows: the built
    ``data/<view>/test.parquet`` or a JSONL file. Returns the
    :class:`~geostance.evaluation.scorers.ScoreReport` (``scores``, intervals,
    per-class figures) that ``geostance score`` prints; 95 % intervals from
    ``resamples`` seeded bootstrap resamples of sentences."""
    from geostance.evaluation import predictions as P, reference, scorers

    g = Path(gold)
    rows = reference.gold_views(g, (view,))[0][view] if g.is_dir() else reference.read_gold_rows(g, view)
    pred = P.load(Path(predictions), view, rows)
    return scorers.score_rows(scorers.scorer_for(view), rows, pred, resamples, seed)


def agree(a: list[Record], b: list[Record]) -> list[Any]:
    """Every agreement measure of two annotations of one document (lists of
    records, e.g. ``Document.raw[...]``), as :class:`~geostance.agreement.pairwise.Measure`:
    span F1 of sentences and mentions, CoNLL coreference, stance and relation
    F1, kappa and alpha of their labels."""
    from geostance.agreement.pairwise import compare

    return compare(a, b)
