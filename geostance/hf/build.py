"""``geostance build``: the Hugging Face dataset, built from the validated gold.

The dataset folder doubles as the Hub repository. The build reads its source
files (``documents/``, ``annotations/gold/``, ``annotations/raw/``) and
writes, next to them::

    data/<config>/test.parquet   one Parquet file per config (:data:`CONFIGS`)
    croissant.json               Croissant 1.0 metadata (geostance.hf.croissant)
    README.md                    the card: YAML front matter + CARD.md (geostance.hf.card)
    MANIFEST.json                sha256, size and rows of every built file, the writer versions

Every config is one Parquet file written with pyarrow (no loading script;
one file format, so ``datasets`` never mixes loaders), features embedded in
the file's schema and declared again in the card's YAML.

Streaming: documents are read (each file once), validated and turned into
rows in chunks of :data:`CHUNK_DOCS` documents (sorted doc_id order), by
``--jobs`` worker processes (:func:`process`). A chunk's rows are tuples, or
for the pair views indices into the sentences and arguments they pair
(:class:`geostance.hf.views.PairBatch`), turned into Arrow columns at once: no
dict per row. The tables go, in document order, to one
``pyarrow.parquet.ParquetWriter`` per config in row groups of exactly
:data:`ROW_GROUP_SIZE` rows, so memory is bounded by a few chunks plus one
row group per config (for ``documents``, that is 10,000 texts). A document's
folds depend on nothing but its id and number of sentences
(:func:`geostance.hf.views.document_folds`), so they are computed with its rows;
no pass over the corpus comes first. Per document, the parent keeps its id
and one row of the card's documents table (:class:`Stats`); the source files'
sha256 for the manifest go to a file (:class:`SourceLog`); everything else is
a counter.

Reproducible: rows are in a fixed order (document, then record or sentence
order), the writer options are fixed (:data:`PARQUET_OPTIONS`), nothing
records a time or a path, and the versions that change bytes (pyarrow,
datasets) are pinned in pyproject.toml and recorded in the manifest.
Building twice gives byte-identical files; ``geostance build --check``
rebuilds into a temporary folder and names every committed file that differs.

Nothing half-written: the Parquet files are written into a temporary folder
inside the output folder and moved into place only when every document has
been read and validated; each small file is written atomically
(:mod:`geostance.core.atomic`).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from geostance import __version__
from geostance.core import atomic, jsonl, paths
from geostance.contract import labels
from geostance.hf import views
from geostance.contract.findings import Report
from geostance.contract.labels import (
    MENTION_FORMS,
    MENTION_TYPES,
    MODALITIES,
    RECORD_KINDS,
    RELATION_TYPES,
    RELATION_VIEW_LABELS,
    STANCE_LABELS,
    STANCE_MODALITIES,
    STANCE_VIEW_LABELS,
)

Rec = dict[str, Any]

#: the configs, in the order of the card (layers, raw passes, task views)
LAYER_CONFIGS = ("documents", "sentences", "mentions", "entities", "stances", "relations")
VIEW_CONFIGS = ("stance_classification", "stance_modality", "relation_classification", "relation_modality", "ner")
CONFIGS = LAYER_CONFIGS + ("raw_annotations",) + VIEW_CONFIGS
DEFAULT_CONFIG = "stance_classification"
SPLIT = "test"

ROW_GROUP_SIZE = 10_000
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
}

MANIFEST = "MANIFEST.json"
CROISSANT = "croissant.json"
README = "README.md"


def data_file(config: str) -> str:
    """The path of a config's Parquet file, relative to the dataset folder."""
    return f"data/{config}/{SPLIT}.parquet"


# ------------------------------------------------------------------ features


@lru_cache(maxsize=1)
def features() -> dict[str, Any]:
    """config -> ``datasets.Features``; every ClassLabel's names come from
    :mod:`geostance.contract.labels`, in inventory order."""
    from datasets import ClassLabel, Features, List, Value

    s, i32, b = Value("string"), Value("int32"), Value("bool")

    def cl(names: Iterable[str]) -> ClassLabel:
        return ClassLabel(names=list(names))

    span = {"start": i32, "end": i32, "text": s}
    offsets = {"start": i32, "end": i32}
    relation_args = {
        f"{arg}_{col}": typ for arg in ("head", "tail")
        for col, typ in (("mention_id", s), ("start", i32), ("end", i32), ("text", s), ("type", cl(MENTION_TYPES)),
                         ("entity_id", s), ("entity_name", s))
    }
    f: dict[str, dict[str, Any]] = {
        "documents": {
            "doc_id": s, "title": s, "text": s, "sha256": s, "language": s,
            "source": {"publisher": s, "url": s, "date": s, "note": s},
            "rights": {"text": s, "annotations": s, "annotations_license": s},
        },
        "sentences": {"doc_id": s, "sentence_id": s, "start": i32, "end": i32, "text": s},
        "mentions": {
            "doc_id": s, "mention_id": s, "sentence_id": s, "start": i32, "end": i32, "text": s,
            "type": cl(MENTION_TYPES), "form": cl(MENTION_FORMS), "entity_id": s, "metonymy": b,
        },
        "entities": {"doc_id": s, "entity_id": s, "name": s, "type": cl(MENTION_TYPES), "mention_ids": List(s)},
        "stances": {
            "doc_id": s, "stance_id": s, "holder_id": s, "holder_name": s, "target_id": s, "target_name": s,
            "label": cl(STANCE_LABELS), "evidence": List(span), "source_id": s, "explicit": b,
            "modality": cl(STANCE_MODALITIES),  # null on a stance of schema 1.0
        },
        "relations": {
            "doc_id": s, "relation_id": s, "type": cl(RELATION_TYPES), "head_mention_id": s, "tail_mention_id": s,
            "head_entity_id": s, "tail_entity_id": s, "evidence_sentence_ids": List(s), "modality": cl(MODALITIES),
            "source_id": s,
        },
        "raw_annotations": {
            "doc_id": s, "annotator": s, "kind": cl(RECORD_KINDS), "record_id": s,
            # sentence and mention
            "start": i32, "end": i32, "text": s, "sentence_id": s,
            # mention
            "mention_type": cl(MENTION_TYPES), "form": cl(MENTION_FORMS), "entity_id": s, "metonymy": b,
            # entity
            "name": s, "entity_type": cl(MENTION_TYPES), "mention_ids": List(s), "mention_spans": List(offsets),
            # stance
            "holder_id": s, "holder_name": s, "target_id": s, "target_name": s, "stance_label": cl(STANCE_LABELS),
            "evidence_spans": List(span), "explicit": b, "stance_modality": cl(STANCE_MODALITIES),
            # relation
            "relation_type": cl(RELATION_TYPES), "head_mention_id": s, "head_entity_id": s, "head_start": i32,
            "head_end": i32, "tail_mention_id": s, "tail_entity_id": s, "tail_start": i32, "tail_end": i32,
            "evidence_sentence_ids": List(s), "modality": cl(MODALITIES),
            # stance and relation
            "source_id": s,
            "note": s,
        },
        "stance_classification": {
            "id": s, "doc_id": s, "sentence_id": s, "text": s,
            "holder_id": s, "holder_name": s, "holder_type": cl(MENTION_TYPES), "holder_spans": List(offsets),
            "target_id": s, "target_name": s, "target_type": cl(MENTION_TYPES), "target_spans": List(offsets),
            "label": cl(STANCE_VIEW_LABELS), "fold": i32, "sentence_fold": i32,
        },
        "stance_modality": {
            "id": s, "doc_id": s, "sentence_id": s, "text": s,
            "holder_id": s, "holder_name": s, "holder_type": cl(MENTION_TYPES), "holder_spans": List(offsets),
            "target_id": s, "target_name": s, "target_type": cl(MENTION_TYPES), "target_spans": List(offsets),
            "stance_label": cl(STANCE_LABELS), "label": cl(STANCE_MODALITIES), "fold": i32, "sentence_fold": i32,
        },
        "relation_classification": {
            "id": s, "doc_id": s, "sentence_id": s, "text": s, **relation_args,
            "label": cl(RELATION_VIEW_LABELS), "fold": i32, "sentence_fold": i32,
        },
        "relation_modality": {
            "id": s, "doc_id": s, "sentence_id": s, "text": s, **relation_args,
            "relation_type": cl(RELATION_TYPES), "label": cl(MODALITIES), "fold": i32, "sentence_fold": i32,
        },
        "ner": {
            "id": s, "doc_id": s, "sentence_id": s, "tokens": List(s), "token_starts": List(i32),
            "token_ends": List(i32), "tags": List(cl(views.BIO_NAMES)), "fold": i32,
        },
    }
    assert tuple(f) == CONFIGS
    # the row tuples (layer_rows, the views' *_tuples) are in the order of these columns
    assert all(tuple(f[c]) == cols for c, cols in LAYER_COLUMNS.items())
    assert all(tuple(f[c]) == cols for c, cols in VIEW_COLUMNS.items())
    return {name: Features(cols) for name, cols in f.items()}


def _encoders(feats: Any) -> list[tuple[str, dict[str, int], bool]]:
    """(column, name -> index, is a list) for each ClassLabel column."""
    from datasets import ClassLabel, List

    out = []
    for col, ft in feats.items():
        if isinstance(ft, ClassLabel):
            out.append((col, {n: i for i, n in enumerate(ft.names)}, False))
        elif isinstance(ft, List) and isinstance(ft.feature, ClassLabel):
            out.append((col, {n: i for i, n in enumerate(ft.feature.names)}, True))
    return out


# ------------------------------------------------------------------ rows of the layers
#
# Rows are tuples in the order of the config's columns (:func:`columns`): a
# chunk's rows are turned into Arrow columns at once (:func:`to_table`), with
# no dict per row.

#: the columns of the gold layers, in order (the order of :func:`features`)
LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id", "title", "text", "sha256", "language", "source", "rights"),
    "sentences": ("doc_id", "sentence_id", "start", "end", "text"),
    "mentions": ("doc_id", "mention_id", "sentence_id", "start", "end", "text", "type", "form", "entity_id", "metonymy"),
    "entities": ("doc_id", "entity_id", "name", "type", "mention_ids"),
    "stances": ("doc_id", "stance_id", "holder_id", "holder_name", "target_id", "target_name", "label", "evidence",
                "source_id", "explicit", "modality"),
    "relations": ("doc_id", "relation_id", "type", "head_mention_id", "tail_mention_id", "head_entity_id",
                  "tail_entity_id", "evidence_sentence_ids", "modality", "source_id"),
}
#: the columns of the task views, in order (views.py builds their rows)
VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "stance_classification": views.STANCE_COLUMNS,
    "stance_modality": views.STANCE_MODALITY_COLUMNS,
    "relation_classification": views.RELATION_COLUMNS,
    "relation_modality": views.RELATION_MODALITY_COLUMNS,
    "ner": views.NER_COLUMNS,
}
#: the pair views: their rows come as a views.PairBatch (arguments stored once, rows as indices)
PAIR_VIEWS = {
    "stance_classification": (views.stance_pairs, 4),
    "relation_classification": (views.relation_pairs, 7),
}
#: the modality views: their rows come with those of a pair view (views.PairBatch.modality_batch)
MODALITY_VIEWS = {"stance_modality": "stance_classification", "relation_modality": "relation_classification"}


def columns(config: str) -> tuple[str, ...]:
    """The columns of a config, in order: the order of the fields of its row tuples."""
    return tuple(features()[config])


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


# ------------------------------------------------------------------ statistics for the card

#: the fields of :attr:`Stats.doc_info` tuples (the card's documents table)
DOC_INFO = ("doc_id", "title", "language", "chars", "sentences", "text", "publisher", "date")


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
def _position(config: str) -> dict[str, int]:
    return {c: i for i, c in enumerate(columns(config))}


class SourceLog:
    """The manifest's list of source files and their sha256, kept in a file
    (one JSON array per line) while the build runs, so that the parent's
    memory does not grow with the corpus; iterated once, by the manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "wb")

    def extend(self, sources: Iterable[tuple[str, str]]) -> None:
        self._file.write(b"".join(orjson.dumps(s) + b"\n" for s in sources))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self._file.flush()
        with open(self.path, "rb") as f:
            for line in f:
                path, sha = orjson.loads(line)
                yield path, sha

    def close(self) -> None:
        self._file.close()


def _collect(stats: Stats, config: str, cols: list[Sequence[Any]]) -> None:
    """Count what the card reports from one config's columns (label names, not indices)."""
    at = _position(config)
    for key, col, name in COUNTED.get(config, ()):
        c = Counter(cols[at[col]])
        if name is not None:
            named: Counter[str] = Counter()
            for v, n in c.items():
                named[name(v)] += n
            c = named
        stats.count(key, c)
    if config == "ner":
        stats.fold_rows[config].update(cols[at["fold"]])
        stats.ner_tokens += sum(map(len, cols[at["tokens"]]))
        tags = Counter(chain.from_iterable(cols[at["tags"]]))
        tags.pop("O", None)
        stats.count("ner_tag", tags)


# ------------------------------------------------------------------ rows -> Arrow -> Parquet


@lru_cache(maxsize=None)
def _plain_schema(config: str) -> Any:
    """The Arrow schema of a config without the (large) feature metadata,
    for the tables passed between processes."""
    return features()[config].arrow_schema.remove_metadata()


@lru_cache(maxsize=None)
def _converters(config: str) -> list[tuple[Any, dict[str, int] | None]]:
    """(Arrow type, ClassLabel name -> index or None) of each column, in order."""
    enc = {col: index for col, index, _ in _encoders(features()[config])}
    return [(f.type, enc.get(f.name)) for f in _plain_schema(config)]


def _transpose(rows: list[tuple[Any, ...]], width: int) -> list[Sequence[Any]]:
    """Row tuples -> one sequence per column."""
    return list(zip(*rows)) if rows else [()] * width


def _array(values: Sequence[Any], typ: Any, index: dict[str, int] | None) -> Any:
    """One column (label names as strings) -> an Arrow array (labels as
    ClassLabel indices); lists are built from their flattened values."""
    import pyarrow as pa

    if pa.types.is_list(typ):
        mask = None
        try:
            offsets = [0, *accumulate(map(len, values))]
        except TypeError:  # null lists
            mask = pa.array([v is None for v in values], pa.bool_())
            values = [() if v is None else v for v in values]
            offsets = [0, *accumulate(map(len, values))]
        flat: list[Any] = list(chain.from_iterable(values))
        vt = typ.value_type
        if index is not None:
            flat = list(map(index.__getitem__, flat))
        if pa.types.is_struct(vt):
            child = pa.StructArray.from_arrays([pa.array(list(map(itemgetter(f.name), flat)), f.type) for f in vt],
                                               fields=list(vt))
        else:
            child = pa.array(flat, vt)
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), child, type=typ, mask=mask)
    if index is not None:
        try:
            values = list(map(index.__getitem__, values))
        except KeyError:  # nulls (or a name that is not a label: raises again)
            values = [None if v is None else index[v] for v in values]
    return pa.array(values, type=typ)


def _pair_table(config: str, batch: views.PairBatch, stats: Stats) -> Any:
    """A pair view's batch -> an Arrow table: the columns of the sentences
    and parts are converted once each, then taken by the rows' indices.
    Counts the view's labels and rows per fold into ``stats``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    conv = _converters(config)
    w = batch.part_width
    rest = len(conv) - 5 - 2 * w  # row columns between the parts and fold
    sents = _transpose(batch.sentences, 4)
    parts = _transpose(batch.parts, 1 + w)
    rows = _transpose(batch.rows, 3 + rest)
    stats.count(config, rows[3 + columns(config).index("label") - 4 - 2 * w])
    stats.fold_rows[config].update(rows[-1])  # the row's (pair-disjoint) fold
    stats.sentence_fold_rows[config].update(map(sents[3].__getitem__, rows[0]))
    s_idx, a_idx, b_idx = (pa.array(rows[i], pa.int32()) for i in range(3))
    # the parts' columns as the first argument's columns, and as the second's
    first = [_array(parts[1 + k], *conv[4 + k]) for k in range(w)]
    second = [first[k] if conv[4 + w + k] == conv[4 + k] else _array(parts[1 + k], *conv[4 + w + k]) for k in range(w)]
    ids = pc.binary_join_element_wise(pa.array(parts[0], pa.string()).take(a_idx), second[0].take(b_idx), views.ID_JOIN)
    arrays = [ids]
    arrays += [_array(sents[k], *conv[1 + k]).take(s_idx) for k in range(3)]
    arrays += [c.take(a_idx) for c in first] + [c.take(b_idx) for c in second]
    arrays += [_array(rows[3 + j], *conv[4 + 2 * w + j]) for j in range(rest)]
    arrays.append(_array(sents[3], *conv[-1]).take(s_idx))
    return pa.Table.from_arrays(arrays, schema=_plain_schema(config))


def to_table(config: str, cols: list[Sequence[Any]]) -> Any:
    """Columns (label names as strings) -> an Arrow table (labels as ClassLabel indices)."""
    import pyarrow as pa

    arrays = [_array(values, typ, index) for values, (typ, index) in zip(cols, _converters(config))]
    return pa.Table.from_arrays(arrays, schema=_plain_schema(config))


class Sink:
    """Arrow tables of one config to one Parquet file, in row groups of
    exactly ``row_group_size`` rows (the last one shorter), each written as
    one contiguous chunk so that the bytes do not depend on how the rows
    arrived."""

    def __init__(self, path: Path, config: str, row_group_size: int = ROW_GROUP_SIZE) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.schema = features()[config].arrow_schema
        self.row_group_size = row_group_size
        self.pending: list[Any] = []
        self.pending_rows = 0
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS)

    def add(self, table: Any) -> None:
        import pyarrow as pa

        if table.num_rows == 0:
            return
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows < self.row_group_size:
            return
        combined = pa.concat_tables(self.pending)
        n = self.row_group_size
        while self.pending_rows >= n:
            self._write(combined.slice(0, n))
            combined = combined.slice(n)
            self.pending_rows -= n
        self.pending = [combined] if self.pending_rows else []

    def _write(self, table: Any) -> None:
        import pyarrow as pa

        t = pa.concat_tables([table]).combine_chunks() if table.num_rows else table
        t = t.replace_schema_metadata(self.schema.metadata)
        self.writer.write_table(t, row_group_size=self.row_group_size)
        self.rows += t.num_rows
        # the allocator would otherwise keep the row group's pages
        # (tens of MB over a large build)
        pa.default_memory_pool().release_unused()

    def close(self) -> int:
        """Write what is left; returns the uncompressed size of the data (num_bytes)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.pending_rows or self.rows == 0:
            self._write(pa.concat_tables(self.pending) if self.pending else self.schema.empty_table())
            self.pending, self.pending_rows = [], 0
        self.writer.close()
        md = pq.ParquetFile(self.path).metadata
        return sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))


# ------------------------------------------------------------------ reading and validating the sources


class BuildError(Exception):
    """The sources cannot be built; the message says why (findings included)."""


def _read_valid(path: Path, rel: str, store: Any, report: Report, doc_id: str, has_text: bool,
                stats: Stats) -> dict[str, list[Rec]]:
    """Read (and hash, for the manifest), parse and validate one annotation
    file (``rel``: its path relative to the dataset folder); its valid
    records by kind, in file order."""
    from geostance.hf import rehydrate
    from geostance.validation import validator as validate
    from geostance.contract.findings import Finding

    name = store.display(path)
    report.files += 1
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.add(Finding("unreadable-path", name, 0, "", f"cannot read the file: {exc.strerror or exc}"))
        return {}
    stats.sources.append((rel, hashlib.sha256(data).hexdigest()))
    recs, found = jsonl.parse(data, name)
    del data
    report.extend(found)
    if not has_text:
        # a document shipped without its text: records may omit the surface
        # text, which the schema requires; check them with the text exempt
        recs = [(line, rehydrate.exempt_text(r)) for line, r in recs]
    groups = validate.validate_records(recs, name, store, report, doc_id)
    # the build reads surface text from the document text by offsets, never
    # from the records, so the exempted records need no undoing
    return {k: [r for _, r in g] for k, g in groups.items()}


@dataclass
class Source:
    """One document's inputs, read and validated: records by kind."""

    doc_id: str
    record: Rec
    text: str | None
    gold: dict[str, list[Rec]]
    raw: dict[str, dict[str, list[Rec]]]


@dataclass
class Part:
    """What a chunk of documents gives: its findings, statistics, messages
    and one Arrow table per config (None when a source had an error).

    A worker process passes the tables back in a spool file (``spool``: its
    path and the byte range of each config's Arrow IPC stream) rather than
    through the result pipe, which would pickle and copy them several times
    (:meth:`to_spool`, :meth:`load`)."""

    findings: list[Any]
    files: int
    records: int
    stats: Stats
    messages: list[str]
    tables: dict[str, Any] | None
    spool: tuple[str, dict[str, tuple[int, int]]] | None = None

    def to_spool(self, path: Path) -> None:
        """Move the tables into the spool file ``path``."""
        import pyarrow as pa

        if self.tables is None:
            return
        ranges = {}
        with pa.OSFile(str(path), "wb") as f:
            for c, t in self.tables.items():
                start = f.tell()
                with pa.ipc.new_stream(f, t.schema) as w:
                    w.write_table(t)
                ranges[c] = (start, f.tell())
        self.tables, self.spool = None, (str(path), ranges)

    def load(self) -> dict[str, Any] | None:
        """The tables (read from the spool file, which is then removed).

        Each config's table gets a buffer of its own (not a slice of one
        buffer or mapping of the whole file): a sink may hold a small table
        until its row group fills, and must not keep the rest alive."""
        import os

        import pyarrow as pa

        if self.spool is None:
            return self.tables
        path, ranges = self.spool
        tables = {}
        with pa.OSFile(path) as f:
            for c, (a, b) in ranges.items():
                f.seek(a)
                tables[c] = pa.ipc.open_stream(f.read_buffer(b - a)).read_all()
        os.unlink(path)
        return tables


_CONTEXT: dict[str, Any] = {}  # root of the running build (inherited by forked workers)


def process(doc_ids: list[str], spool: Path | None = None) -> Part:
    """Read, validate and turn into Arrow tables the documents ``doc_ids``
    (in order); with ``spool``, the tables go into that file (:class:`Part`).

    The cyclic garbage collector is off meanwhile: a chunk allocates many
    short-lived records and rows, none in cycles that outlive it, and the
    collector's passes over them cost a few per cent."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _process(doc_ids, spool)
    finally:
        if enabled:
            gc.enable()


def _process(doc_ids: list[str], spool: Path | None) -> Part:
    from geostance.validation import validator as validate

    root: Path = _CONTEXT["root"]
    report = Report()
    stats = Stats()
    messages: list[str] = []
    rows: dict[str, list[tuple[Any, ...]]] = {c: [] for c in CONFIGS if c not in PAIR_VIEWS and c not in MODALITY_VIEWS}
    pairs = {c: views.PairBatch(part_width=w) for c, (_, w) in PAIR_VIEWS.items()}
    store = validate.DocumentStore(paths.documents_dir(root), root.parent, cache_size=1)
    for doc_id in doc_ids:
        gold = paths.gold_path(root, doc_id)
        if not gold.is_file():
            stats.skipped.append(doc_id)
            messages.append(f"{doc_id}: no gold annotations ({store.display(gold)}), skipped")
            continue
        doc = store.get(doc_id, report)
        if doc is None:
            continue  # reported
        has_text = doc.text is not None
        rec_path = paths.document_record_path(root, doc_id)
        stats.sources.append((_rel(rec_path, root), sha256_file(rec_path)))
        if has_text:  # its sha256 was checked against the record's by the store
            stats.sources.append((_rel(paths.text_path(root, doc_id), root), doc.record["sha256"]))
        g = _read_valid(gold, _rel(gold, root), store, report, doc_id, has_text, stats)
        raw = {}
        for a in paths.annotators(root, doc_id):
            p = paths.raw_path(root, doc_id, a)
            raw[a] = _read_valid(p, _rel(p, root), store, report, doc_id, has_text, stats)
        if report.errors:
            continue  # keep validating to report everything, build nothing
        document_rows(Source(doc_id, doc.record, doc.text, g, raw), rows, pairs, stats)
    tables = None
    if not report.errors:
        tables = {}
        for c in CONFIGS:
            if c in MODALITY_VIEWS:
                tables[c] = _pair_table(c, pairs[MODALITY_VIEWS[c]].modality_batch(), stats)
                continue
            if c in pairs:
                tables[c] = _pair_table(c, pairs[c], stats)
                continue
            cols = _transpose(rows.pop(c), len(columns(c)))
            _collect(stats, c, cols)
            tables[c] = to_table(c, cols)
    part = Part(report.kept, report.files, report.records, stats, messages, tables)
    if spool is not None:
        part.to_spool(spool)
    return part


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def document_rows(src: Source, rows: dict[str, list[tuple[Any, ...]]], pairs: dict[str, views.PairBatch],
                  stats: Stats) -> None:
    """Append the rows of every config for one document; count what the card reports."""
    g = src.gold
    doc = views.Doc(src.doc_id, src.text, g.get("sentence", []), g.get("mention", []), g.get("entity", []),
                    g.get("stance", []), g.get("relation", []))
    # a document's folds depend on nothing but its id and number of sentences
    folds = views.Folds.of_document(src.doc_id, len(doc.sentences))
    stats.fold_sentences = [a + b for a, b in zip(stats.fold_sentences, folds.sizes())]
    stats.documents.append(src.doc_id)
    meta = src.record["source"]
    stats.doc_info.append((src.doc_id, src.record["title"], src.record["language"], src.record["num_chars"],
                           len(doc.sentences), src.text is not None, meta.get("publisher"), meta.get("date")))
    if src.text is None:
        stats.without_text.append(src.doc_id)
    stats.records += sum(map(len, g.values())) + sum(len(rs) for r in src.raw.values() for rs in r.values())
    stats.count("schema_version_gold", (r["schema_version"] for rs in g.values() for r in rs))
    stats.count("schema_version_raw", (r["schema_version"] for recs in src.raw.values() for rs in recs.values() for r in rs))
    rows["documents"].append(document_row(src.record, src.text))
    for c, rs in layer_rows(doc).items():
        rows[c] += rs
    for annotator, recs in src.raw.items():
        stats.annotators[annotator].update({k: len(v) for k, v in recs.items() if v})
        rows["raw_annotations"] += raw_rows(src.doc_id, annotator, [r for v in recs.values() for r in v], src.text)
    modality_of = {v: m for m, v in MODALITY_VIEWS.items()}
    for name, (fn, _) in PAIR_VIEWS.items():
        _, vs, ms = fn(doc, folds, pairs[name])
        stats.view_stats[name].add(vs)
        if name in modality_of:
            stats.view_stats[modality_of[name]].add(ms)
    rs, vs = views.ner_tuples(doc, folds)
    stats.view_stats["ner"].add(vs)
    rows["ner"] += rs


WINDOW = 3  # chunks per worker taken but not yet consumed by the parent (bounds memory)


def _parts(chunks: list[list[str]], jobs: int, spool: Path) -> Iterator[Part]:
    """:func:`process` over the chunks, in order. With ``jobs > 1``, in
    ``jobs`` forked worker processes that take the next chunk as they become
    free, at most :data:`WINDOW` per worker ahead of the parent (bounded
    memory); the tables come back in spool files in the folder ``spool``,
    the rest through a pipe per worker."""
    if jobs <= 1 or len(chunks) <= 1:
        for c in chunks:
            yield process(c)
        return
    import multiprocessing
    from multiprocessing.connection import wait

    jobs = min(jobs, len(chunks))
    spool.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("fork")
    taken = ctx.Value("q", 0)  # the next chunk to take; its lock guards it
    slots = ctx.Semaphore(WINDOW * jobs)  # a chunk taken holds one until the parent has consumed it
    workers: dict[Any, Any] = {}  # the parent's end of each worker's pipe -> the worker
    try:
        for _ in range(jobs):
            here, there = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(there, chunks, taken, slots, spool), daemon=True)
            proc.start()
            there.close()
            workers[here] = proc
        running = set(workers)
        done: dict[int, Part] = {}
        for i in range(len(chunks)):
            while i not in done:
                if not running:
                    raise BuildError(f"chunk {i} was never built")  # not reached: a worker takes every chunk
                for conn in wait(list(running)):
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):  # the worker died (killed, out of memory)
                        proc = workers[conn]
                        proc.join(1)
                        raise BuildError(f"worker process {proc.pid} ended (exit code {proc.exitcode}) before it had "
                                         "built its share of the documents (out of memory?); nothing was built") from None
                    if msg is None:  # no more chunks
                        running.discard(conn)
                        continue
                    j, ok, got = msg
                    if not ok:
                        exc, trace = got
                        raise exc from RuntimeError(f"in worker process {workers[conn].pid}:\n{trace}")
                    done[j] = got
            part = done.pop(i)
            slots.release()
            yield part
    finally:
        for conn, proc in workers.items():
            conn.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()


def _worker(conn: Any, chunks: list[list[str]], taken: Any, slots: Any, spool: Path) -> None:
    """A worker process of :func:`_parts`: takes the next chunk while the
    parent has room for it, sends ``(index, ok, Part or error)`` through
    ``conn``, and ``None`` when no chunk is left."""
    import os

    parent = os.getppid()
    try:
        while True:
            while not slots.acquire(timeout=1.0):
                if os.getppid() != parent:
                    return  # the parent was killed: do not wait for it forever
            with taken.get_lock():
                i = taken.value
                taken.value += 1
            if i >= len(chunks):
                conn.send(None)
                return
            try:
                msg: Any = (i, True, process(chunks[i], spool / f"{i}.arrow"))
            except Exception as exc:  # a bug: the parent raises it, with this traceback
                import traceback

                msg = (i, False, (exc, traceback.format_exc()))
            conn.send(msg)
            if not msg[1]:
                return
    except (EOFError, BrokenPipeError):
        return  # the parent has stopped
    finally:
        conn.close()


# ------------------------------------------------------------------ the build


@dataclass
class BuildResult:
    out: Path
    stats: Stats
    files: list[str]  # paths relative to out, in manifest order


CHUNK_DOCS = 32  # documents per unit of work


def default_jobs() -> int:
    import os

    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8))


def build(root: Path, out: Path | None = None, card_source: Path | None = None, log: Any = None,
          row_group_size: int = ROW_GROUP_SIZE, with_card: bool = True, jobs: int = 1,
          chunk_docs: int = CHUNK_DOCS) -> BuildResult:
    """Build the dataset of ``root`` into ``out`` (default: ``root`` itself).

    ``card_source`` is the human-written card (CARD.md) whose generated blocks
    are filled; ``with_card=False`` skips README.md (the benchmark). ``jobs``
    worker processes read and convert documents, ``chunk_docs`` at a time;
    the output depends on neither. Raises :class:`BuildError` when a source is invalid or nothing has
    gold; nothing is written then.
    """
    log = log if log is not None else sys.stderr
    root = Path(root)
    out = Path(out) if out is not None else root
    if not paths.documents_dir(root).is_dir():
        raise BuildError(f"{root}: not a dataset folder (no documents/ folder)")
    out.mkdir(parents=True, exist_ok=True)
    features()  # import datasets once, before any worker forks
    # The build allocates many short-lived rows; keep the collector from
    # rescanning the (large, long-lived) imported modules on every full pass.
    gc.freeze()
    stats = Stats()
    report = Report(max_per_id=20)

    doc_ids = paths.doc_ids(root)
    _CONTEXT.update(root=root)
    chunks = [doc_ids[i:i + chunk_docs] for i in range(0, len(doc_ids), chunk_docs)]

    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    sources: SourceLog | None = None
    try:
        sources = SourceLog(tmp / "sources.jsonl")
        sinks = {c: Sink(tmp / data_file(c), c, row_group_size) for c in CONFIGS}
        for part in _parts(chunks, jobs, tmp / "spool"):
            report.extend(part.findings)
            report.files += part.files
            report.records += part.records
            for m in part.messages:
                print(f"geostance build: {m}", file=log)
            sources.extend(part.stats.sources)
            part.stats.sources = []
            stats.merge(part.stats)
            tables = part.load()
            if tables is not None and not report.errors:
                for c, t in tables.items():
                    sinks[c].add(t)
        for c, s in sinks.items():
            stats.num_bytes[c] = s.close()
            stats.rows[c] = s.rows
        if report.errors:
            shown = "\n".join("  " + f.render() for f in sorted(report.kept, key=lambda f: (f.file, f.line)) if f.severity == "error")
            more = sum(report.suppressed().values())
            raise BuildError(
                f"the sources have {report.errors} error(s); nothing was built:\n{shown}"
                + (f"\n  ... and {more} more (run geostance validate)" if more else "")
            )
        stats.warnings = report.warnings
        if not stats.documents:
            raise BuildError(f"{root}: no document has gold annotations (annotations/gold/<doc_id>.jsonl); nothing to build")
        stats.sources = sources
        files = _finish(root, out, tmp, stats, card_source, with_card)
    finally:
        stats.sources = []  # they are in the manifest; the log goes with the temporary folder
        if sources is not None:
            sources.close()
        gc.unfreeze()
        _CONTEXT.clear()
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(out, stats, files)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """The versions of what writes the bytes (pinned in pyproject.toml)."""
    from importlib.metadata import version

    return {"geostance": __version__, "pyarrow": version("pyarrow"), "datasets": version("datasets")}


def _finish(root: Path, out: Path, tmp: Path, stats: Stats, card_source: Path | None, with_card: bool) -> list[str]:
    """Write the metadata files next to the data in ``tmp``, then move
    everything into ``out`` (data first, the manifest last) and remove data
    files that the build no longer makes."""
    from geostance.hf import card, croissant

    built = [data_file(c) for c in CONFIGS]
    info = {rel: {"sha256": sha256_file(tmp / rel), "bytes": (tmp / rel).stat().st_size, "rows": stats.rows[c]}
            for rel, c in zip(built, CONFIGS)}
    atomic.write_bytes(tmp / CROISSANT, croissant.generate(stats, info, versions()))
    files = built + [CROISSANT]
    if with_card:
        try:
            readme = card.readme(stats, info, card_source, root)
        except card.CardError as exc:
            raise BuildError(str(exc)) from exc
        atomic.write_text(tmp / README, readme)
        files.append(README)
    for rel in files[len(built):]:
        info[rel] = {"sha256": sha256_file(tmp / rel), "bytes": (tmp / rel).stat().st_size}
    atomic.write_bytes(tmp / MANIFEST, manifest(root, stats, info, files))
    files.append(MANIFEST)
    for rel in files:
        atomic.move_into_place(tmp / rel, out / rel)
    data_dir = out / "data"
    for p in sorted(data_dir.rglob("*"), reverse=True):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and rel not in built:
            p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    return files


def dataset_version(sources: Iterable[tuple[str, str]]) -> str:
    """The version of the data a build (or a score) rests on: the sha256 of
    the manifest's source list, one ``<sha256>  <path>`` line per source
    file in manifest order (the format of ``sha256sum``). It covers every
    document, gold and raw file the build reads, and nothing the build or
    the baselines write, so a results entry can name the data it was scored
    on without depending on the card, whose tables come from the results.

    >>> dataset_version([("documents/a.jsonl", "ab")]) == hashlib.sha256(b"ab  documents/a.jsonl\\n").hexdigest()
    True
    """
    h = hashlib.sha256()
    for path, sha in sources:
        h.update(f"{sha}  {path}\n".encode())
    return h.hexdigest()


def source_files(root: Path) -> list[tuple[str, str]]:
    """``(path relative to root, sha256)`` of every source file a build of
    ``root`` reads, in the manifest's order (documents in id order; per
    document with gold: its record, its text when included, its gold, its
    raw passes by annotator), without building; ``dataset_version`` of this
    is the manifest's ``dataset_version``."""
    import json as _json

    out = []
    for doc_id in paths.doc_ids(root):
        gold = paths.gold_path(root, doc_id)
        if not gold.is_file():
            continue
        rec_path = paths.document_record_path(root, doc_id)
        out.append((_rel(rec_path, root), sha256_file(rec_path)))
        record = _json.loads(rec_path.read_text(encoding="utf-8").splitlines()[0])
        if record.get("text_included") and paths.text_path(root, doc_id).is_file():
            out.append((_rel(paths.text_path(root, doc_id), root), record["sha256"]))
        out.append((_rel(gold, root), sha256_file(gold)))
        for a in paths.annotators(root, doc_id):
            p = paths.raw_path(root, doc_id, a)
            out.append((_rel(p, root), sha256_file(p)))
    return out


def manifest(root: Path, stats: Stats, file_info: dict[str, dict[str, Any]], files: list[str]) -> bytes:
    """MANIFEST.json: the built files (sha256, bytes, rows), the source files
    they were built from (sha256), and the writer settings and versions."""
    m = {
        "name": "geostance",
        "schema_version": labels.SCHEMA_VERSION,
        "versions": versions(),
        "parquet": dict(PARQUET_OPTIONS, row_group_size=ROW_GROUP_SIZE),
        "dataset_version": dataset_version(stats.sources),
        "folds": {"k": views.FOLDS, "seed": views.FOLD_SEED,
                  "fold": "pair views: pair-disjoint (the unordered entity pair, by name); ner: sentences",
                  "sentence_fold": "pair views: sentences"},
        "documents": list(stats.documents),
        "skipped_without_gold": list(stats.skipped),
        "built_without_text": list(stats.without_text),
        "files": [dict(path=rel, **file_info[rel]) for rel in files if rel != MANIFEST],
        "sources": stats.sources,  # (path, sha256) pairs, written as {"path": ..., "sha256": ...}
    }
    return _manifest_json(m).encode() + b"\n"


def _manifest_json(m: dict[str, Any]) -> str:
    """``json.dumps(m, indent=1, ensure_ascii=False)``, with ``m["sources"]``
    (an iterable of ``(path, sha256)``) written as a list of ``{"path": p,
    "sha256": h}``. The two lists that grow with the corpus (``documents``,
    ``sources``) are formatted here: the standard library's indenting
    encoder is written in Python and takes most of a second on 10,000
    documents.

    >>> m = {"a": 1, "documents": ["d1", "dé"], "sources": [("p/\\"x\\".jsonl", "ab")]}
    >>> slow = dict(m, sources=[{"path": p, "sha256": h} for p, h in m["sources"]])
    >>> _manifest_json(m) == json.dumps(slow, indent=1, ensure_ascii=False)
    True
    >>> _manifest_json({"documents": [], "sources": []}) == json.dumps({"documents": [], "sources": []}, indent=1)
    True
    """
    from json.encoder import encode_basestring as q

    sources = ",\n".join(f'  {{\n   "path": {q(p)},\n   "sha256": {q(h)}\n  }}' for p, h in m["sources"])
    long = {
        "documents": ("[\n" + ",\n".join("  " + q(d) for d in m["documents"]) + "\n ]") if m["documents"] else "[]",
        "sources": f"[\n{sources}\n ]" if sources else "[]",
    }
    marks = {k: f"\x00{k}\x00" for k in long}
    text = json.dumps(dict(m, **marks), indent=1, ensure_ascii=False)
    for k, v in long.items():
        text = text.replace(q(marks[k]), v, 1)
    return text


# ------------------------------------------------------------------ check


CHECKED = (README, MANIFEST, CROISSANT)


def stale_files(root: Path, committed: Path, card_source: Path | None, log: Any = None, jobs: int = 1) -> list[str]:
    """Rebuild into a temporary folder; the committed files that differ from
    the rebuild (or are missing, or should not be there), relative to ``committed``."""
    with tempfile.TemporaryDirectory(prefix="geostance-check-") as t:
        fresh = Path(t)
        res = build(root, fresh, card_source, log=log, jobs=jobs)
        stale = []
        for rel in res.files:
            a, b = committed / rel, fresh / rel
            if not a.is_file() or a.read_bytes() != b.read_bytes():
                stale.append(rel)
        built = set(res.files)
        if (committed / "data").is_dir():
            for p in sorted((committed / "data").rglob("*")):
                rel = p.relative_to(committed).as_posix()
                if p.is_file() and rel not in built:
                    stale.append(rel)
        if card_source is not None and _card_is_beside(card_source, root):
            from geostance.hf import card

            if card.refresh(card_source.read_text(encoding="utf-8"), res.stats, root) != card_source.read_text(encoding="utf-8"):
                stale.append(str(card_source))
    return stale


def _card_is_beside(card_source: Path, root: Path) -> bool:
    """CARD.md's generated blocks describe the dataset folder next to it."""
    return (card_source.parent / "dataset").resolve() == root.resolve()


# ------------------------------------------------------------------ CLI

HELP = "build the Hugging Face dataset (Parquet, card, Croissant, manifest) from the gold"
DESCRIPTION = """\
Build the Hugging Face dataset from a dataset folder's validated sources:

  data/<config>/test.parquet  one file per config: documents, sentences,
                              mentions, entities, stances, relations,
                              raw_annotations, stance_classification,
                              stance_modality, relation_classification,
                              relation_modality, ner
  README.md                   the card: YAML (configs, features, splits)
                              followed by CARD.md with its numbers generated
  croissant.json              Croissant 1.0 metadata with sha256 per file
  MANIFEST.json               sha256, bytes and rows of every built file

The sources are validated first (as geostance validate does); with an error,
nothing is written. Documents without gold are skipped with a message. When
the folder is the dataset/ next to CARD.md, CARD.md's generated blocks are
refreshed too.

Exit status: 0 built (or up to date with --check), 1 invalid sources or stale
files, 2 usage error.
"""
EPILOG = """\
examples:
  geostance build                     build dataset/ in place
  geostance build --check             fail if the committed build is stale
  geostance build tests/fixtures/build --out /tmp/hf
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("root", nargs="?", type=Path, default=None, metavar="DATASET",
                   help="the dataset folder (with documents/ and annotations/); default: the dataset")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="where to write the build (default: the dataset folder itself, as the Hub hosts it)")
    p.add_argument("--card", type=Path, default=None, metavar="FILE",
                   help="the human-written card (default: CARD.md of the repository)")
    p.add_argument("--check", action="store_true",
                   help="rebuild into a temporary folder and fail (exit 1) naming every committed file that differs")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes that read and convert documents (default: the cores, at most 8); "
                        "the output does not depend on it")


def run(args: argparse.Namespace) -> int:
    root = args.root if args.root is not None else paths.default_dataset_root()
    if not root.is_dir():
        print(f"geostance build: {root}: no such folder", file=sys.stderr)
        return 2
    card_source = args.card if args.card is not None else paths.REPO_ROOT / "CARD.md"
    if not card_source.is_file():
        print(f"geostance build: --card {card_source}: no such file", file=sys.stderr)
        return 2
    out = args.out if args.out is not None else root
    if args.jobs is not None and args.jobs < 1:
        print("geostance build: --jobs must be at least 1", file=sys.stderr)
        return 2
    jobs = args.jobs or default_jobs()
    try:
        if args.check:
            stale = stale_files(root, out, card_source, jobs=jobs)
            if stale:
                print(f"geostance build --check: {len(stale)} file(s) differ from a fresh build of {root}:", file=sys.stderr)
                for rel in stale:
                    print(f"  {rel}", file=sys.stderr)
                print("  run 'geostance build' and commit the result", file=sys.stderr)
                return 1
            print(f"geostance build --check: {out} is up to date")
            return 0
        res = build(root, out, card_source, jobs=jobs)
        if _card_is_beside(card_source, root):
            from geostance.hf import card

            old = card_source.read_text(encoding="utf-8")
            new = card.refresh(old, res.stats, root)
            if new != old:
                atomic.write_text(card_source, new)
                print(f"geostance build: refreshed the generated blocks of {card_source}")
    except BuildError as exc:
        print(f"geostance build: {exc}", file=sys.stderr)
        return 1
    s = res.stats
    print(f"built {len(s.documents)} document(s), {s.records:,} annotation record(s) into {out}:")
    for c in CONFIGS:
        print(f"  {data_file(c):<45} {s.rows[c]:>8,} rows")
    if s.warnings:
        print(f"  ({s.warnings} validation warning(s); run geostance validate to see them)")
    return 0
