"""Rows of the layer configs from one document's records, and the statistics the card reports.

:func:`document_row`, :func:`layer_rows` and :func:`raw_rows` turn the
validated records of one document into tuples in the column order of
:func:`geostance.hf.configs.columns`; :class:`Stats` counts what the card's
tables show (rows per config, labels, annotators, schema versions) and merges
the counts of worker processes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


from geostance.contract import labels
from geostance.hf import views
from geostance.contract.labels import (
    RECORD_KINDS,
)
from geostance.hf.configs import CONFIGS, VIEW_CONFIGS, columns

Rec = dict[str, Any]



def _text_or_none(text: str | None, start: int, end: int) -> str | None:
    return None if text is None else text[start:end]


def document_row(record: Rec, text: str | None) -> tuple[Any, ...]:
    src, rights = record["source"], record["rights"]
    return (
        record["doc_id"], record["title"], text, record["sha256"], record["language"],
        {k: src.get(k) for k in ("publisher", "url", "date", "note")},
        {k: rights.get(k) for k in ("text", "annotations", "annotations_license")},
    )


def layer_rows(doc: views.Doc) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of the gold layer configs of one document, in id order."""
    d, t = doc.doc_id, doc.text
    by_id = views.by_id
    ents, ments = doc.entity_by_id, doc.mention_by_id
    sentence_of = doc.sentence_of
    out: dict[str, list[tuple[Any, ...]]] = {}
    out["sentences"] = [
        (d, s["id"], s["start"], s["end"], None if t is None else t[s["start"]:s["end"]])
        for s in doc.sentences
    ]
    out["mentions"] = [
        (d, m["id"], sentence_of(m["id"]), m["start"], m["end"], None if t is None else t[m["start"]:m["end"]],
         m["type"], m["form"], m["entity"], m["metonymy"])
        for m in sorted(doc.mentions, key=by_id)
    ]
    out["entities"] = [
        (d, e["id"], e["name"], e["type"], e["mentions"])
        for e in sorted(doc.entities, key=by_id)
    ]
    out["stances"] = [
        (d, x["id"], x["holder"], ents[x["holder"]]["name"], x["target"], ents[x["target"]]["name"], x["label"],
         [{"start": e["start"], "end": e["end"], "text": _text_or_none(t, e["start"], e["end"])} for e in x["evidence"]],
         x["source"], x["explicit"], x.get("modality"))
        for x in sorted(doc.stances, key=by_id)
    ]
    out["relations"] = [
        (d, r["id"], r["type"], r["head"], r["tail"], ments[r["head"]]["entity"], ments[r["tail"]]["entity"],
         r["evidence"], r["modality"], r["source"])
        for r in sorted(doc.relations, key=by_id)
    ]
    return out


def raw_rows(doc_id: str, annotator: str, records: list[Rec], text: str | None) -> list[tuple[Any, ...]]:
    """Rows of ``raw_annotations`` for one annotator's file: one row per record,
    the fields of its kind filled and the others null. Ids are the annotator's
    own; offsets (``start``/``end``, ``mention_spans``, ``head_start`` ...) and
    names align records across annotators."""
    from geostance.hf.views import _num

    nulls = dict.fromkeys(columns("raw_annotations"))
    kinds = {k: i for i, k in enumerate(RECORD_KINDS)}
    recs = sorted(records, key=lambda r: (kinds[r["kind"]], _num(r["id"])))
    sents = [r for r in recs if r["kind"] == "sentence"]
    ments = {r["id"]: r for r in recs if r["kind"] == "mention"}
    ents = {r["id"]: r for r in recs if r["kind"] == "entity"}
    doc = views.Doc(doc_id, text, sents, list(ments.values()), [], [], [])
    out = []
    for r in recs:
        row = dict(nulls)
        row.update(doc_id=doc_id, annotator=annotator, kind=r["kind"], record_id=r["id"], note=r.get("note"))
        k = r["kind"]
        if k in ("sentence", "mention"):
            row.update(start=r["start"], end=r["end"], text=_text_or_none(text, r["start"], r["end"]))
        if k == "mention":
            row.update(sentence_id=doc.sentence_of(r["id"]), mention_type=r["type"], form=r["form"],
                       entity_id=r["entity"], metonymy=r["metonymy"])
        elif k == "entity":
            spans = [{"start": ments[m]["start"], "end": ments[m]["end"]} for m in r["mentions"] if m in ments]
            row.update(name=r["name"], entity_type=r["type"], mention_ids=r["mentions"],
                       mention_spans=sorted(spans, key=lambda x: (x["start"], x["end"])))
        elif k == "stance":
            row.update(holder_id=r["holder"], holder_name=ents[r["holder"]]["name"] if r["holder"] in ents else None,
                       target_id=r["target"], target_name=ents[r["target"]]["name"] if r["target"] in ents else None,
                       stance_label=r["label"], explicit=r["explicit"], source_id=r["source"],
                       stance_modality=r.get("modality"),
                       evidence_spans=[{"start": e["start"], "end": e["end"], "text": _text_or_none(text, e["start"], e["end"])}
                                       for e in r["evidence"]])
        elif k == "relation":
            h, t = ments.get(r["head"]), ments.get(r["tail"])
            row.update(relation_type=r["type"], head_mention_id=r["head"], tail_mention_id=r["tail"],
                       head_entity_id=h and h["entity"], tail_entity_id=t and t["entity"],
                       head_start=h and h["start"], head_end=h and h["end"],
                       tail_start=t and t["start"], tail_end=t and t["end"],
                       evidence_sentence_ids=r["evidence"], modality=r["modality"], source_id=r["source"])
        if len(row) != len(nulls):  # a misspelt column would shift every field after it
            raise AssertionError(f"raw_annotations row has unknown columns: {sorted(set(row) - set(nulls))}")
        out.append(tuple(row.values()))
    return out


@dataclass
class Stats:
    """What the build saw: every number the card prints comes from here.
    Per-chunk parts are merged in document order (:meth:`merge`). What is
    kept per document is what the manifest and the card print of it (ids,
    source hashes, one :data:`DOC_INFO` tuple); everything else is a counter."""

    documents: list[str] = field(default_factory=list)
    doc_info: list[tuple[Any, ...]] = field(default_factory=list)  # DOC_INFO tuples, for the card
    skipped: list[str] = field(default_factory=list)  # documents without gold
    without_text: list[str] = field(default_factory=list)  # built without their text
    rows: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CONFIGS})
    num_bytes: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CONFIGS})
    label_counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    annotators: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    view_stats: dict[str, views.ViewStats] = field(default_factory=lambda: {v: views.ViewStats() for v in VIEW_CONFIGS})
    fold_rows: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))  # by the fold column
    sentence_fold_rows: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))  # pair views
    fold_sentences: list[int] = field(default_factory=lambda: [0] * views.FOLDS)  # sentences per fold
    records: int = 0  # annotation records read (gold and raw)
    #: (path, sha256) of the source files, for the manifest; the parent of the
    #: build moves them into a SourceLog (a file) as the parts come, and empties
    #: this once the manifest is written
    sources: Any = field(default_factory=list)
    warnings: int = 0
    ner_tokens: int = 0

    def count(self, key: str, values: Iterable[Any]) -> None:
        self.label_counts[key].update(values)

    def merge(self, o: Stats) -> None:
        self.documents += o.documents
        self.doc_info += o.doc_info
        self.skipped += o.skipped
        self.without_text += o.without_text
        for k, c in o.label_counts.items():
            self.label_counts[k].update(c)
        for k, c in o.annotators.items():
            self.annotators[k].update(c)
        for k, v in o.view_stats.items():
            self.view_stats[k].add(v)
        for k, c in o.fold_rows.items():
            self.fold_rows[k].update(c)
        for k, c in o.sentence_fold_rows.items():
            self.sentence_fold_rows[k].update(c)
        self.fold_sentences = [a + b for a, b in zip(self.fold_sentences, o.fold_sentences)]
        self.records += o.records
        self.ner_tokens += o.ner_tokens
        self.sources += o.sources


def _bool(v: bool) -> str:
    return str(v).lower()


def _source(v: str) -> str:
    return "AUTHOR" if v == labels.AUTHOR else "entity"


#: what the card counts in each config's columns: (label_counts key, column, value -> counted name or None)
COUNTED: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "mentions": (("mention_type", "type", None), ("mention_form", "form", None), ("metonymy", "metonymy", _bool)),
    "entities": (("entity_type", "type", None),),
    "stances": (("stance_label", "label", None), ("stance_explicit", "explicit", _bool), ("stance_source", "source_id", _source),
                ("stance_layer_modality", "modality", None)),
    "relations": (("relation_type", "type", None), ("modality", "modality", None), ("relation_source", "source_id", _source)),
}


@lru_cache(maxsize=None)
def position(config: str) -> dict[str, int]:
    return {c: i for i, c in enumerate(columns(config))}
