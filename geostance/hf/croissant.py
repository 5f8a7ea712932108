"""``croissant.json``: the dataset described in Croissant 1.0 JSON-LD.

One ``cr:FileObject`` per Parquet file (with its sha256 and size) and one
``cr:RecordSet`` per config whose fields follow the config's features: a
string is ``sc:Text``, an integer ``sc:Integer``, a boolean ``sc:Boolean``,
a list is ``repeated``, a struct has ``subField`` s. A ClassLabel column
holds the label's index (``sc:Integer``) and ``references`` the key of a
small inline RecordSet (``labels/<name>``) that maps each index to its name,
in inventory order.

The JSON is generated from the build's statistics and file hashes only:
sorted, no time, so it is byte-reproducible.

>>> _data_type("int32"), _data_type("string"), _data_type("bool")
('sc:Integer', 'sc:Text', 'sc:Boolean')
"""

from __future__ import annotations

import json
from typing import Any

from geostance.contract import labels

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"

# The standard Croissant 1.0 @context (as in the Croissant 1.0 specification's examples).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

DESCRIPTION = (
    "geostance: stance (holder -> target: FAVOR / AGAINST / NEUTRAL) and typed relations between entities in "
    "geopolitical news, annotated in five layers (sentences, mentions, entities, stances, relations), with every "
    "annotator's raw pass and task views (stance_classification, stance_modality, relation_classification, relation_modality, "
    "ner) with fixed cross-validation folds (pair-disjoint and over sentences). Annotations CC-BY-4.0; the article texts remain the work of their publishers."
)

_TYPES = {"string": "sc:Text", "int32": "sc:Integer", "int64": "sc:Integer", "bool": "sc:Boolean", "float64": "sc:Float"}


def _data_type(dtype: str) -> str:
    return _TYPES[dtype]


def _label_set_id(names: tuple[str, ...]) -> str:
    return "labels/" + _label_sets()[names]


_LABEL_SETS: dict[tuple[str, ...], str] = {}


def _label_sets() -> dict[tuple[str, ...], str]:
    from geostance.hf.views import BIO_NAMES

    if not _LABEL_SETS:
        for name, names in (
            ("mention_type", labels.MENTION_TYPES), ("mention_form", labels.MENTION_FORMS),
            ("stance_label", labels.STANCE_LABELS), ("stance_view_label", labels.STANCE_VIEW_LABELS),
            ("relation_type", labels.RELATION_TYPES), ("relation_view_label", labels.RELATION_VIEW_LABELS),
            ("modality", labels.MODALITIES), ("stance_modality", labels.STANCE_MODALITIES),
            ("record_kind", labels.RECORD_KINDS), ("bio_tag", BIO_NAMES),
        ):
            _LABEL_SETS[tuple(names)] = name
    return _LABEL_SETS


def _fields(prefix: str, feats: dict[str, Any], file_id: str, column: str | None = None, path: str = "") -> list[dict[str, Any]]:
    """cr:Field objects for ``feats`` (a features dict or a struct's fields)."""
    from datasets import ClassLabel, List, Value

    out = []
    for name, ft in feats.items():
        fid = f"{prefix}/{name}"
        col = column or name
        json_path = f"{path}.{name}" if column else None
        f: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": name}
        inner = ft
        if isinstance(ft, List):
            f["repeated"] = True
            inner = ft.feature
        if isinstance(inner, dict):
            f["description"] = f"{'list of ' if isinstance(ft, List) else ''}struct: {', '.join(inner)}"
            f["subField"] = _fields(fid, inner, file_id, col, path if column else "$")
            out.append(f)
            continue
        source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": {"column": col}}
        if json_path:
            source["transform"] = {"jsonPath": json_path}
        if isinstance(inner, ClassLabel):
            names = tuple(inner.names)
            f["dataType"] = "sc:Integer"
            f["description"] = "class label index: " + ", ".join(f"{i} = {n}" for i, n in enumerate(names))
            if not isinstance(ft, List):  # mlcroissant cannot join a repeated field
                f["references"] = {"field": {"@id": _label_set_id(names) + "/index"}}
        elif isinstance(inner, Value):
            f["dataType"] = _data_type(inner.dtype)
        else:  # pragma: no cover - the build declares no other feature type
            raise TypeError(f"{fid}: no Croissant type for {inner!r}")
        f["source"] = source
        out.append(f)
    return out


def generate(stats: Any, file_info: dict[str, dict[str, Any]], versions: dict[str, str]) -> bytes:
    """The bytes of ``croissant.json`` for a build (``stats`` is a
    :class:`geostance.hf.build.Stats`, ``file_info`` maps each data file to its
    sha256 and size)."""
    from geostance.hf.configs import CONFIGS, data_file, features

    feats = features()
    distribution = []
    for c in CONFIGS:
        rel = data_file(c)
        distribution.append({
            "@type": "cr:FileObject",
            "@id": rel,
            "name": rel,
            "description": f"The {c} config ({stats.rows[c]} rows), Parquet.",
            "contentUrl": rel,
            "contentSize": f"{file_info[rel]['bytes']} B",
            "encodingFormat": "application/x-parquet",
            "sha256": file_info[rel]["sha256"],
        })
    record_sets = []
    for names, name in sorted(_label_sets().items(), key=lambda kv: kv[1]):
        rid = f"labels/{name}"
        record_sets.append({
            "@type": "cr:RecordSet",
            "@id": rid,
            "name": rid,
            "description": f"The {name} inventory of schema/labels.schema.json: index (as stored) and name, in inventory order.",
            "key": {"@id": f"{rid}/index"},
            "field": [
                {"@type": "cr:Field", "@id": f"{rid}/index", "name": "index", "dataType": "sc:Integer"},
                {"@type": "cr:Field", "@id": f"{rid}/name", "name": "name", "dataType": "sc:Text"},
            ],
            "data": [{f"{rid}/index": i, f"{rid}/name": n} for i, n in enumerate(names)],
        })
    for c in CONFIGS:
        record_sets.append({
            "@type": "cr:RecordSet",
            "@id": c,
            "name": c,
            "description": f"The {c} config: {stats.rows[c]} rows in the test split.",
            "field": _fields(c, dict(feats[c]), data_file(c)),
        })
    doc = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "geostance",
        "description": DESCRIPTION,
        "conformsTo": CONFORMS_TO,
        "license": LICENSE_URL,
        "version": versions["geostance"],
        "inLanguage": "en",
        "keywords": ["stance detection", "relation extraction", "named entity recognition", "geopolitics", "news"],
        "citeAs": "geostance contributors. geostance: stance and relations in geopolitical news. Version " + versions["geostance"] + ".",
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False).encode() + b"\n"
