"""Annotation records in their canonical form: key order, layer order, bytes.

Every tool that *writes* annotation records (contribute, import, adjudicate)
writes them the same way, so that the same records always give the same
bytes: layers in the order sentence, mention, entity, stance, relation;
within a layer in the order given; each record's keys in the order of the
``properties`` of its schema (``schema/<kind>.schema.json``); one compact
JSON object per line (:func:`geostance.core.jsonl.dumps`).

>>> r = {"id": "s1", "text": "Hi.", "kind": "sentence", "end": 3, "start": 0,
...      "doc_id": "d", "schema_version": "1.0"}
>>> list(canonical(r))
['kind', 'schema_version', 'doc_id', 'id', 'start', 'end', 'text']
>>> to_bytes([r])
b'{"kind":"sentence","schema_version":"1.0","doc_id":"d","id":"s1","start":0,"end":3,"text":"Hi."}\\n'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from geostance.core import jsonl
from geostance.contract.labels import RECORD_KINDS
from geostance.contract.schemas import schema

Rec = dict[str, Any]

#: The annotation layers in file order (``record_kind`` of labels.schema.json).
LAYERS: tuple[str, ...] = RECORD_KINDS
#: The id prefix of each layer: s1, m1, e1, t1, r1.
PREFIX: dict[str, str] = {
    kind: schema("defs")["$defs"][f"{kind}_id"]["pattern"][1] for kind in LAYERS
}

_NUM = re.compile(r"^[a-z]([1-9][0-9]*)$")


@lru_cache(maxsize=None)
def key_order(kind: str) -> tuple[str, ...]:
    """The keys of a record of ``kind`` in schema order."""
    return tuple(schema(kind)["properties"])


def canonical(record: Mapping[str, Any]) -> Rec:
    """The record with its keys in schema order (unknown keys last, as given)."""
    order = key_order(record["kind"])
    out = {k: record[k] for k in order if k in record}
    for k, v in record.items():
        if k not in out:
            out[k] = v
    return out


def id_number(rid: str) -> int:
    """The number of an id (``m12`` -> 12); 0 when it has none.

    >>> id_number("m12"), id_number("AUTHOR")
    (12, 0)
    """
    m = _NUM.match(rid) if isinstance(rid, str) else None
    return int(m.group(1)) if m else 0


def by_layer(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Rec]]:
    """Records grouped by kind, every layer present, order kept."""
    out: dict[str, list[Rec]] = {k: [] for k in LAYERS}
    for r in records:
        out.setdefault(r["kind"], []).append(dict(r))
    return out


def ordered(records: Iterable[Mapping[str, Any]]) -> list[Rec]:
    """Canonical records in layer order (the order within a layer is kept)."""
    groups = by_layer(records)
    return [canonical(r) for k in groups for r in groups[k]]


def to_bytes(records: Iterable[Mapping[str, Any]]) -> bytes:
    """The bytes of an annotation file holding ``records``."""
    return b"".join(jsonl.dumps(r) for r in ordered(records))


SPAN_KINDS = ("sentence", "mention")


#: stands in for a stripped surface text during the schema check only
EXEMPT = "\ufffc"


def exempt_text(r: Rec) -> Rec:
    """``r`` with :data:`EXEMPT` where a stripped record lacks its surface
    text, so the record schemas (which require it) can check the rest."""
    k = r.get("kind")
    if k in SPAN_KINDS and "text" not in r:
        return dict(r, text=EXEMPT)
    if k == "stance" and isinstance(r.get("evidence"), list):
        ev = [dict(e, text=EXEMPT) if isinstance(e, dict) and "text" not in e else e for e in r["evidence"]]
        return dict(r, evidence=ev)
    return r
