"""The shape of the Hugging Face dataset: its configs, their columns and features, where each is stored.

One config per layer (documents, sentences, mentions, entities, stances,
relations, raw_annotations) and one per task view (``LAYER_CONFIGS``,
``VIEW_CONFIGS``); each is one Parquet file ``data/<config>/test.parquet``
(:func:`data_file`) with the ``datasets`` features of :func:`features`,
written with the fixed writer options :data:`PARQUET_OPTIONS` in row groups
of :func:`row_group_size` rows. The build, the card and the Croissant file all
read the shape from here, so they cannot disagree about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any


from geostance.hf import views
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



#: the configs, in the order of the card (layers, raw passes, task views)
LAYER_CONFIGS = ("documents", "sentences", "mentions", "entities", "stances", "relations")


VIEW_CONFIGS = ("stance_classification", "stance_modality", "relation_classification", "relation_modality", "ner")


CONFIGS = LAYER_CONFIGS + ("raw_annotations",) + VIEW_CONFIGS


DEFAULT_CONFIG = "stance_classification"


SPLIT = "test"


ROW_GROUP_SIZE = 10_000

#: configs whose rows are wide get smaller row groups: a row of ``documents``
#: carries a whole text (a news article: kilobytes), so a row group of
#: :data:`ROW_GROUP_SIZE` of them would hold tens of megabytes in the build's
#: memory before it is written, and more the more documents there are
ROW_GROUP_SIZES: dict[str, int] = {"documents": 100}


def row_group_size(config: str) -> int:
    """Rows per Parquet row group of ``config`` (the last group of a file is shorter).

    >>> row_group_size("documents"), row_group_size("mentions")
    (100, 10000)
    """
    return ROW_GROUP_SIZES.get(config, ROW_GROUP_SIZE)


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


def encoders(feats: Any) -> list[tuple[str, dict[str, int], bool]]:
    """(column, name -> index, is a list) for each ClassLabel column."""
    from datasets import ClassLabel, List

    out = []
    for col, ft in feats.items():
        if isinstance(ft, ClassLabel):
            out.append((col, {n: i for i, n in enumerate(ft.names)}, False))
        elif isinstance(ft, List) and isinstance(ft.feature, ClassLabel):
            out.append((col, {n: i for i, n in enumerate(ft.feature.names)}, True))
    return out


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


#: the fields of :attr:`Stats.doc_info` tuples (the card's documents table)
DOC_INFO = ("doc_id", "title", "language", "chars", "sentences", "text", "publisher", "date")
