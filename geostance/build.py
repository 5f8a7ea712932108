"""``geostance build``: the Hugging Face dataset, built from the validated gold.

The dataset folder doubles as the Hub repository. The build reads its source
files (``documents/``, ``annotations/gold/``, ``annotations/raw/``) and
writes, next to them::

    data/<config>/test.parquet   one Parquet file per config (:data:`CONFIGS`)
    croissant.json               Croissant 1.0 metadata (geostance.croissant)
    README.md                    the card: YAML front matter + CARD.md (geostance.card)
    MANIFEST.json                sha256, size and rows of every built file, the writer versions

Every config is one Parquet file written with pyarrow (no loading script;
one file format, so ``datasets`` never mixes loaders), features embedded in
the file's schema and declared again in the card's YAML.

Streaming: documents are read, validated and turned into rows one at a time
(sorted doc_id order); rows go to one ``pyarrow.parquet.ParquetWriter`` per
config in row groups of exactly :data:`ROW_GROUP_SIZE` rows, so memory is
bounded by the largest document plus one row group per config. A first, light
pass counts each gold file's sentences for the fold table
(:func:`geostance.views.assign_folds`).

Reproducible: rows are in a fixed order (document, then record or sentence
order), the writer options are fixed (:data:`PARQUET_OPTIONS`), nothing
records a time or a path, and the versions that change bytes (pyarrow,
datasets) are pinned in pyproject.toml and recorded in the manifest.
Building twice gives byte-identical files; ``geostance build --check``
rebuilds into a temporary folder and names every committed file that differs.

Nothing half-written: the Parquet files are written into a temporary folder
inside the output folder and moved into place only when every document has
been read and validated; each small file is written atomically
(:mod:`geostance.atomic`).
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from geostance import __version__, atomic, jsonl, labels, paths, views
from geostance.findings import Report
from geostance.labels import (
    MENTION_FORMS,
    MENTION_TYPES,
    MODALITIES,
    RECORD_KINDS,
    RELATION_TYPES,
    RELATION_VIEW_LABELS,
    STANCE_LABELS,
    STANCE_VIEW_LABELS,
)

Rec = dict[str, Any]

#: the configs, in the order of the card (layers, raw passes, task views)
LAYER_CONFIGS = ("documents", "sentences", "mentions", "entities", "stances", "relations")
VIEW_CONFIGS = ("stance_classification", "relation_classification", "ner")
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
    :mod:`geostance.labels`, in inventory order."""
    from datasets import ClassLabel, Features, List, Value

    s, i32, b = Value("string"), Value("int32"), Value("bool")

    def cl(names: Iterable[str]) -> ClassLabel:
        return ClassLabel(names=list(names))

    span = {"start": i32, "end": i32, "text": s}
    offsets = {"start": i32, "end": i32}
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
            "evidence_spans": List(span), "explicit": b,
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
            "label": cl(STANCE_VIEW_LABELS), "fold": i32,
        },
        "relation_classification": {
            "id": s, "doc_id": s, "sentence_id": s, "text": s,
            "head_mention_id": s, "head_start": i32, "head_end": i32, "head_text": s, "head_type": cl(MENTION_TYPES),
            "tail_mention_id": s, "tail_start": i32, "tail_end": i32, "tail_text": s, "tail_type": cl(MENTION_TYPES),
            "label": cl(RELATION_VIEW_LABELS), "modality": cl(MODALITIES), "fold": i32,
        },
        "ner": {
            "id": s, "doc_id": s, "sentence_id": s, "tokens": List(s), "token_starts": List(i32),
            "token_ends": List(i32), "tags": List(cl(views.BIO_NAMES)), "fold": i32,
        },
    }
    assert tuple(f) == CONFIGS
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


def _text_or_none(text: str | None, start: int, end: int) -> str | None:
    return None if text is None else text[start:end]


def document_row(record: Rec, text: str | None) -> Rec:
    src, rights = record["source"], record["rights"]
    return {
        "doc_id": record["doc_id"], "title": record["title"], "text": text, "sha256": record["sha256"],
        "language": record["language"],
        "source": {k: src.get(k) for k in ("publisher", "url", "date", "note")},
        "rights": {k: rights.get(k) for k in ("text", "annotations", "annotations_license")},
    }


def layer_rows(doc: views.Doc) -> dict[str, list[Rec]]:
    """Rows of the gold layer configs of one document, in id order."""
    d, t = doc.doc_id, doc.text
    num = views._num
    ents = {e["id"]: e for e in doc.entities}
    ments = {m["id"]: m for m in doc.mentions}
    out: dict[str, list[Rec]] = {}
    out["sentences"] = [
        {"doc_id": d, "sentence_id": s["id"], "start": s["start"], "end": s["end"], "text": _text_or_none(t, s["start"], s["end"])}
        for s in doc.sentences
    ]
    out["mentions"] = [
        {"doc_id": d, "mention_id": m["id"], "sentence_id": doc.sentence_of(m["id"]), "start": m["start"], "end": m["end"],
         "text": _text_or_none(t, m["start"], m["end"]), "type": m["type"], "form": m["form"], "entity_id": m["entity"],
         "metonymy": m["metonymy"]}
        for m in sorted(doc.mentions, key=lambda r: num(r["id"]))
    ]
    out["entities"] = [
        {"doc_id": d, "entity_id": e["id"], "name": e["name"], "type": e["type"], "mention_ids": list(e["mentions"])}
        for e in sorted(doc.entities, key=lambda r: num(r["id"]))
    ]
    out["stances"] = [
        {"doc_id": d, "stance_id": x["id"], "holder_id": x["holder"], "holder_name": ents[x["holder"]]["name"],
         "target_id": x["target"], "target_name": ents[x["target"]]["name"], "label": x["label"],
         "evidence": [{"start": e["start"], "end": e["end"], "text": _text_or_none(t, e["start"], e["end"])} for e in x["evidence"]],
         "source_id": x["source"], "explicit": x["explicit"]}
        for x in sorted(doc.stances, key=lambda r: num(r["id"]))
    ]
    out["relations"] = [
        {"doc_id": d, "relation_id": r["id"], "type": r["type"], "head_mention_id": r["head"], "tail_mention_id": r["tail"],
         "head_entity_id": ments[r["head"]]["entity"], "tail_entity_id": ments[r["tail"]]["entity"],
         "evidence_sentence_ids": list(r["evidence"]), "modality": r["modality"], "source_id": r["source"]}
        for r in sorted(doc.relations, key=lambda r: num(r["id"]))
    ]
    return out


_RAW_NULLS: Rec = {}


def raw_rows(doc_id: str, annotator: str, records: list[Rec], text: str | None) -> list[Rec]:
    """Rows of ``raw_annotations`` for one annotator's file: one row per record,
    the fields of its kind filled and the others null. Ids are the annotator's
    own; offsets (``start``/``end``, ``mention_spans``, ``head_start`` ...) and
    names align records across annotators."""
    from geostance.views import _num

    if not _RAW_NULLS:
        _RAW_NULLS.update({c: None for c in features()["raw_annotations"]})
    kinds = {k: i for i, k in enumerate(RECORD_KINDS)}
    recs = sorted(records, key=lambda r: (kinds[r["kind"]], _num(r["id"])))
    sents = [r for r in recs if r["kind"] == "sentence"]
    ments = {r["id"]: r for r in recs if r["kind"] == "mention"}
    ents = {r["id"]: r for r in recs if r["kind"] == "entity"}
    doc = views.Doc(doc_id, text, sents, list(ments.values()), [], [], [])
    out = []
    for r in recs:
        row = dict(_RAW_NULLS)
        row.update(doc_id=doc_id, annotator=annotator, kind=r["kind"], record_id=r["id"], note=r.get("note"))
        k = r["kind"]
        if k in ("sentence", "mention"):
            row.update(start=r["start"], end=r["end"], text=_text_or_none(text, r["start"], r["end"]))
        if k == "mention":
            row.update(sentence_id=doc.sentence_of(r["id"]), mention_type=r["type"], form=r["form"],
                       entity_id=r["entity"], metonymy=r["metonymy"])
        elif k == "entity":
            spans = [{"start": ments[m]["start"], "end": ments[m]["end"]} for m in r["mentions"] if m in ments]
            row.update(name=r["name"], entity_type=r["type"], mention_ids=list(r["mentions"]),
                       mention_spans=sorted(spans, key=lambda x: (x["start"], x["end"])))
        elif k == "stance":
            row.update(holder_id=r["holder"], holder_name=ents[r["holder"]]["name"] if r["holder"] in ents else None,
                       target_id=r["target"], target_name=ents[r["target"]]["name"] if r["target"] in ents else None,
                       stance_label=r["label"], explicit=r["explicit"], source_id=r["source"],
                       evidence_spans=[{"start": e["start"], "end": e["end"], "text": _text_or_none(text, e["start"], e["end"])}
                                       for e in r["evidence"]])
        elif k == "relation":
            h, t = ments.get(r["head"]), ments.get(r["tail"])
            row.update(relation_type=r["type"], head_mention_id=r["head"], tail_mention_id=r["tail"],
                       head_entity_id=h and h["entity"], tail_entity_id=t and t["entity"],
                       head_start=h and h["start"], head_end=h and h["end"],
                       tail_start=t and t["start"], tail_end=t and t["end"],
                       evidence_sentence_ids=list(r["evidence"]), modality=r["modality"], source_id=r["source"])
        out.append(row)
    return out


# ------------------------------------------------------------------ statistics for the card


@dataclass
class Stats:
    """What the build saw: every number the card prints comes from here.
    Per-document parts are merged in document order (:meth:`merge`)."""

    documents: list[str] = field(default_factory=list)
    doc_info: list[dict[str, Any]] = field(default_factory=list)  # for the card; small per document
    skipped: list[str] = field(default_factory=list)  # documents without gold
    without_text: list[str] = field(default_factory=list)  # built without their text
    rows: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CONFIGS})
    num_bytes: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CONFIGS})
    label_counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    annotators: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    view_stats: dict[str, views.ViewStats] = field(default_factory=lambda: {v: views.ViewStats() for v in VIEW_CONFIGS})
    fold_rows: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    fold_sentences: list[int] = field(default_factory=list)
    records: int = 0  # annotation records read (gold and raw)
    sources: list[dict[str, str]] = field(default_factory=list)  # source files and their sha256, for the manifest
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
        self.records += o.records
        self.ner_tokens += o.ner_tokens
        self.sources += o.sources


def _collect(stats: Stats, doc: views.Doc) -> None:
    stats.count("mention_type", (m["type"] for m in doc.mentions))
    stats.count("mention_form", (m["form"] for m in doc.mentions))
    stats.count("metonymy", (str(m["metonymy"]).lower() for m in doc.mentions))
    stats.count("entity_type", (e["type"] for e in doc.entities))
    stats.count("stance_label", (t["label"] for t in doc.stances))
    stats.count("stance_explicit", (str(t["explicit"]).lower() for t in doc.stances))
    stats.count("stance_source", ("AUTHOR" if t["source"] == labels.AUTHOR else "entity" for t in doc.stances))
    stats.count("relation_type", (r["type"] for r in doc.relations))
    stats.count("modality", (r["modality"] for r in doc.relations))
    stats.count("relation_source", ("AUTHOR" if r["source"] == labels.AUTHOR else "entity" for r in doc.relations))


# ------------------------------------------------------------------ rows -> Arrow -> Parquet


@lru_cache(maxsize=None)
def _plain_schema(config: str) -> Any:
    """The Arrow schema of a config without the (large) feature metadata,
    for the tables passed between processes."""
    return features()[config].arrow_schema.remove_metadata()


def to_table(config: str, rows: list[Rec]) -> Any:
    """Rows (label names as strings) -> an Arrow table (labels as ClassLabel indices)."""
    import pyarrow as pa

    feats = features()[config]
    enc = {col: (index, is_list) for col, index, is_list in _encoders(feats)}
    cols: dict[str, list[Any]] = {}
    for col in feats:
        values = [r[col] for r in rows]
        if col in enc:
            index, is_list = enc[col]
            if is_list:
                values = [None if v is None else [index[x] for x in v] for v in values]
            else:
                values = [None if v is None else index[v] for v in values]
        cols[col] = values
    return pa.Table.from_pydict(cols, schema=_plain_schema(config))


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


def _sentence_count(path: Path) -> int:
    """Sentence records in a gold file (the fold pass): only lines that hold
    the string ``"sentence"`` are parsed."""
    n = 0
    for line in path.read_bytes().split(b"\n"):
        if line.startswith(b'{"kind":"sentence",'):  # canonical form: no need to parse
            n += 1
        elif b'"sentence"' in line:
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # reported by validation
            if isinstance(rec, dict) and rec.get("kind") == "sentence":
                n += 1
    return n


def _read_valid(path: Path, store: Any, report: Report, doc_id: str, has_text: bool, stats: Stats, root: Path) -> list[Rec]:
    """Read (and hash, for the manifest), parse and validate one annotation
    file; its valid records."""
    from geostance import rehydrate, validate
    from geostance.findings import Finding

    name = store.display(path)
    report.files += 1
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.add(Finding("unreadable-path", name, 0, "", f"cannot read the file: {exc.strerror or exc}"))
        return []
    stats.sources.append({"path": path.relative_to(root).as_posix(), "sha256": hashlib.sha256(data).hexdigest()})
    recs, found = jsonl.parse(data, name)
    report.extend(found)
    if not has_text:
        # a document shipped without its text: records may omit the surface
        # text, which the schema requires; check them with the text exempt
        recs = [(line, rehydrate.exempt_text(r)) for line, r in recs]
    groups = validate.validate_records(recs, name, store, report, doc_id)
    # the build reads surface text from the document text by offsets, never
    # from the records, so the exempted records need no undoing
    return [r for g in groups.values() for _, r in g]


@dataclass
class Source:
    """One document's inputs, read and validated."""

    doc_id: str
    record: Rec
    text: str | None
    gold: list[Rec]
    raw: dict[str, list[Rec]]


@dataclass
class Part:
    """What a chunk of documents gives: its findings, statistics, messages
    and one Arrow table per config (None when a source had an error)."""

    findings: list[Any]
    files: int
    records: int
    stats: Stats
    messages: list[str]
    tables: dict[str, Any] | None


_CONTEXT: dict[str, Any] = {}  # root and folds of the running build (inherited by forked workers)


def process(doc_ids: list[str]) -> Part:
    """Read, validate and turn into rows the documents ``doc_ids`` (in order)."""
    from geostance import validate

    root: Path = _CONTEXT["root"]
    folds: views.Folds = _CONTEXT["folds"]
    report = Report()
    stats = Stats()
    messages: list[str] = []
    rows: dict[str, list[Rec]] = {c: [] for c in CONFIGS}
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
        stats.sources.append({"path": rec_path.relative_to(root).as_posix(), "sha256": sha256_file(rec_path)})
        if has_text:  # its sha256 was checked against the record's by the store
            stats.sources.append({"path": paths.text_path(root, doc_id).relative_to(root).as_posix(), "sha256": doc.record["sha256"]})
        g = _read_valid(gold, store, report, doc_id, has_text, stats, root)
        raw = {a: _read_valid(paths.raw_path(root, doc_id, a), store, report, doc_id, has_text, stats, root)
               for a in paths.annotators(root, doc_id)}
        if report.errors:
            continue  # keep validating to report everything, build nothing
        document_rows(Source(doc_id, doc.record, doc.text, g, raw), folds, rows, stats)
    tables = None if report.errors else {c: to_table(c, rows[c]) for c in CONFIGS}
    return Part(report.kept, report.files, report.records, stats, messages, tables)


def document_rows(src: Source, folds: views.Folds, rows: dict[str, list[Rec]], stats: Stats) -> None:
    """Append the rows of every config for one document; count what the card reports."""
    doc = views.Doc.from_records(src.doc_id, src.text, src.gold)
    stats.documents.append(src.doc_id)
    meta = src.record["source"]
    stats.doc_info.append({
        "doc_id": src.doc_id, "title": src.record["title"], "language": src.record["language"],
        "chars": src.record["num_chars"], "sentences": len(doc.sentences), "text": src.text is not None,
        "publisher": meta.get("publisher"), "date": meta.get("date"),
    })
    if src.text is None:
        stats.without_text.append(src.doc_id)
    stats.records += len(src.gold) + sum(len(r) for r in src.raw.values())
    _collect(stats, doc)
    rows["documents"].append(document_row(src.record, src.text))
    for c, rs in layer_rows(doc).items():
        rows[c] += rs
    for annotator, recs in src.raw.items():
        stats.annotators[annotator].update(r["kind"] for r in recs)
        rows["raw_annotations"] += raw_rows(src.doc_id, annotator, recs, src.text)
    for name, fn in (("stance_classification", views.stance_rows),
                     ("relation_classification", views.relation_rows),
                     ("ner", views.ner_rows)):
        rs, vs = fn(doc, folds)
        stats.view_stats[name].add(vs)
        stats.fold_rows[name].update(r["fold"] for r in rs)
        if name == "ner":
            stats.ner_tokens += sum(len(r["tokens"]) for r in rs)
            stats.count("ner_tag", (t for r in rs for t in r["tags"] if t != "O"))
        else:
            stats.count(name, (r["label"] for r in rs))
        rows[name] += rs


def _parts(chunks: list[list[str]], jobs: int) -> Iterator[Part]:
    """:func:`process` over the chunks, in order; with ``jobs > 1`` in worker
    processes, at most ``2 * jobs`` chunks in flight (bounded memory)."""
    if jobs <= 1 or len(chunks) <= 1:
        for c in chunks:
            yield process(c)
        return
    import multiprocessing
    from collections import deque

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        window: deque[Any] = deque()
        it = iter(chunks)
        for c in it:
            window.append(pool.apply_async(process, (c,)))
            if len(window) >= 2 * jobs:
                break
        while window:
            part = window.popleft().get()
            nxt = next(it, None)
            if nxt is not None:
                window.append(pool.apply_async(process, (nxt,)))
            yield part


# ------------------------------------------------------------------ the build


@dataclass
class BuildResult:
    out: Path
    stats: Stats
    files: list[str]  # paths relative to out, in manifest order


CHUNK_DOCS = 16  # documents per unit of work


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
    counts = []
    for doc_id in doc_ids:
        g = paths.gold_path(root, doc_id)
        if g.is_file():
            counts.append((doc_id, _sentence_count(g)))
    folds = views.assign_folds(counts)
    stats.fold_sentences = folds.sizes()
    _CONTEXT.update(root=root, folds=folds)
    chunks = [doc_ids[i:i + chunk_docs] for i in range(0, len(doc_ids), chunk_docs)]

    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    try:
        sinks = {c: Sink(tmp / data_file(c), c, row_group_size) for c in CONFIGS}
        for part in _parts(chunks, jobs):
            report.extend(part.findings)
            report.files += part.files
            report.records += part.records
            for m in part.messages:
                print(f"geostance build: {m}", file=log)
            stats.merge(part.stats)
            if part.tables is not None and not report.errors:
                for c, t in part.tables.items():
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
        files = _finish(root, out, tmp, stats, card_source, with_card)
    finally:
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
    from geostance import card, croissant

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


def manifest(root: Path, stats: Stats, file_info: dict[str, dict[str, Any]], files: list[str]) -> bytes:
    """MANIFEST.json: the built files (sha256, bytes, rows), the source files
    they were built from (sha256), and the writer settings and versions."""
    m = {
        "name": "geostance",
        "schema_version": labels.SCHEMA_VERSION,
        "versions": versions(),
        "parquet": dict(PARQUET_OPTIONS, row_group_size=ROW_GROUP_SIZE),
        "folds": {"k": views.FOLDS, "seed": views.FOLD_SEED, "unit": "sentence"},
        "documents": list(stats.documents),
        "skipped_without_gold": list(stats.skipped),
        "built_without_text": list(stats.without_text),
        "files": [dict(path=rel, **file_info[rel]) for rel in files if rel != MANIFEST],
        "sources": stats.sources,
    }
    return json.dumps(m, indent=1, ensure_ascii=False).encode() + b"\n"


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
            from geostance import card

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
                              relation_classification, ner
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
            from geostance import card

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
