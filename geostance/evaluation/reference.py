"""The gold a score is computed against: a task view's rows, from the source
annotations or from a built dataset.

:func:`gold_views` derives the views from a dataset folder's gold files (the
validator runs first, so gold that does not validate is never scored);
:func:`read_gold_rows` reads a view's rows from a file of rows (the
``data/<view>/test.parquet`` a built dataset ships, or JSONL), checking the
columns the view needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


from geostance.evaluation.scorers import VIEWS, scorer_for



REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stance_classification": ("id", "doc_id", "sentence_id", "holder_id", "target_id", "target_name", "label", "fold"),
    "stance_modality": ("id", "doc_id", "sentence_id", "holder_id", "target_id", "stance_label", "label", "fold"),
    "relation_classification": ("id", "doc_id", "sentence_id", "head_mention_id", "tail_mention_id", "label", "fold"),
    "relation_modality": ("id", "doc_id", "sentence_id", "head_mention_id", "tail_mention_id", "relation_type", "label",
                          "fold"),
    "ner": ("id", "doc_id", "sentence_id", "tokens", "tags", "fold"),
}


class GoldError(Exception):
    """The gold cannot be read or is not a view's rows; the message says why."""


def gold_views(root: Path, which: Sequence[str] = VIEWS) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """The task views of the dataset's gold, as the build derives them.

    Every ``annotations/gold/<doc_id>.jsonl`` of a document with a document
    record is validated (an invalid gold raises :class:`GoldError`), read
    with its text, and turned into rows by :mod:`geostance.hf.views` with the
    fold table over all these documents' sentences. Returns the rows per view
    and ``{gold file (relative to the dataset's parent): sha256}``.
    """
    import hashlib

    from geostance.core import jsonl, paths
    from geostance.validation import validator as validate
    from geostance.hf import views

    files = [(d, paths.gold_path(root, d)) for d in paths.doc_ids(root)]
    files = [(d, p) for d, p in files if p.is_file()]
    if not files:
        raise GoldError(f"{root}: no gold annotations (annotations/gold/<doc_id>.jsonl with a document record)")
    report = validate.validate([p for _, p in files])
    if report.errors:
        raise GoldError(f"the gold has {report.errors} validation error(s); run geostance validate {root / 'annotations' / 'gold'}")
    docs = []
    sources: dict[str, str] = {}
    for doc_id, p in files:
        data = p.read_bytes()
        try:
            sources[p.resolve().relative_to(root.resolve().parent).as_posix()] = hashlib.sha256(data).hexdigest()
        except ValueError:
            sources[p.name] = hashlib.sha256(data).hexdigest()
        text_file = paths.text_path(root, doc_id)
        text = text_file.read_bytes().decode("utf-8") if text_file.is_file() else None
        docs.append(views.Doc.from_records(doc_id, text, jsonl.load_records(p)))
    folds = views.assign_folds([(d.doc_id, len(d.sentences)) for d in docs])
    fns = {"stance_classification": views.stance_rows, "stance_modality": views.stance_modality_rows,
           "relation_classification": views.relation_rows, "relation_modality": views.relation_modality_rows,
           "ner": views.ner_rows}
    out: dict[str, list[dict[str, Any]]] = {}
    for v in which:
        rows: list[dict[str, Any]] = []
        for d in docs:
            rows += fns[v](d, folds)[0]
        out[v] = rows
    return out, sources


def read_gold_rows(path: Path, view: str) -> list[dict[str, Any]]:
    """View rows from a file: JSONL (one row per line) or Parquet (a built
    config, ClassLabel integers mapped back to names). Raises :class:`GoldError`."""
    from geostance.core import jsonl

    if path.suffix == ".parquet":
        try:
            import json

            import pyarrow.parquet as pq

            table = pq.read_table(path)
            meta = (table.schema.metadata or {}).get(b"huggingface")
            feats = json.loads(meta)["info"]["features"] if meta else {}
            rows = table.to_pylist()
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise GoldError(f"{path}: cannot read as Parquet: {exc}") from None
        lines = list(range(1, len(rows) + 1))
        # ClassLabel columns (and lists of them) are stored as integers: back to names
        for col, f in feats.items():
            if f.get("_type") == "ClassLabel":
                names = f["names"]
                for r in rows:
                    if isinstance(r.get(col), int):
                        r[col] = names[r[col]]
            elif f.get("_type") in ("List", "Sequence") and f.get("feature", {}).get("_type") == "ClassLabel":
                names = f["feature"]["names"]
                for r in rows:
                    r[col] = [names[x] if isinstance(x, int) else x for x in r.get(col) or []]
    else:
        recs, found = jsonl.read(path)
        errors = [f for f in found if f.severity == "error"]
        if errors:
            raise GoldError("\n".join(f.render() for f in errors[:20]))
        lines = [line for line, _ in recs]
        rows = [r for _, r in recs]
    need = REQUIRED_COLUMNS[view]
    labels = set(scorer_for(view).labels) if view != "ner" else None
    seen: dict[str, int] = {}
    for line, r in zip(lines, rows):
        missing = [c for c in need if c not in r]
        if missing:
            raise GoldError(f"{path}:{line}: a {view} gold row needs the columns {', '.join(need)}; missing "
                            f"{', '.join(missing)} (is this a predictions file given as gold?)")
        if labels is not None and r["label"] not in labels:
            raise GoldError(f"{path}:{line}: label {r['label']!r} is not a {view} label")
        if str(r["id"]) in seen:
            raise GoldError(f"{path}:{line}: id {r['id']!r} repeats line {seen[str(r['id'])]}")
        seen[str(r["id"])] = line
    if not rows:
        raise GoldError(f"{path}: no rows")
    return rows
