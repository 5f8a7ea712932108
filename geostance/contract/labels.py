"""The label inventories, read from ``schema/labels.schema.json``.

This module is the only reader of the inventories: the validator, the
builder, the task views, the baselines and the scorers import the names
below, so the order of every label list is the order in the schema file
(and so the order of the ClassLabel names in the Hugging Face dataset).

>>> MENTION_TYPES[:3]
('PERSON', 'GPE', 'ORG')
>>> SIGNATURES["POSTED_TO"].tail
('GPE',)
>>> STANCE_VIEW_LABELS[-1], RELATION_VIEW_LABELS[-1]
('NONE', 'NO_RELATION')
>>> SCHEMA_VERSIONS, CURRENT_VERSION
(('1.0', '1.1'), '1.1')
>>> STANCE_MODALITIES
('ASSERTED', 'ALLEGED', 'HYPOTHETICAL', 'QUESTIONED')
>>> modalities_of("relation", "1.0")
('ASSERTED', 'ALLEGED', 'HYPOTHETICAL', 'NEGATED')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from geostance.core.paths import SCHEMA_DIR

LABELS_FILE = SCHEMA_DIR / "labels.schema.json"


@dataclass(frozen=True)
class Signature:
    """What a relation type accepts and implies."""

    name: str
    cls: str  # "static" or "dynamic"
    head: tuple[str, ...]
    tail: tuple[str, ...]
    symmetric: bool
    implies_stance: str | None
    description: str


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """The parsed ``labels.schema.json``."""
    with open(LABELS_FILE, encoding="utf-8") as f:
        return json.load(f)


def _defs() -> dict[str, Any]:
    return load()["$defs"]


def descriptions(inventory: str) -> dict[str, str]:
    """Per-label descriptions of an inventory (``mention_type``, ``stance_label`` ...)."""
    d = _defs()[inventory]
    if "x-descriptions" in d:
        return dict(d["x-descriptions"])
    if "x-signatures" in d:
        return {k: v["description"] for k, v in d["x-signatures"].items()}
    return {}


_D = _defs()
SCHEMA_VERSIONS: tuple[str, ...] = tuple(_D["schema_version"]["enum"])
CURRENT_VERSION: str = _D["schema_version"]["x-current"]
SCHEMA_VERSION: str = CURRENT_VERSION  # the version geostance writes
RECORD_KINDS: tuple[str, ...] = tuple(_D["record_kind"]["enum"])
MENTION_TYPES: tuple[str, ...] = tuple(_D["mention_type"]["enum"])
ACTOR_TYPES: tuple[str, ...] = tuple(_D["mention_type"]["x-actor-types"])
MENTION_FORMS: tuple[str, ...] = tuple(_D["mention_form"]["enum"])
STANCE_LABELS: tuple[str, ...] = tuple(_D["stance_label"]["enum"])
STANCE_NONE: str = _D["stance_label"]["x-view-none"]
STANCE_VIEW_LABELS: tuple[str, ...] = STANCE_LABELS + (STANCE_NONE,)
RELATION_TYPES: tuple[str, ...] = tuple(_D["relation_type"]["enum"])
RELATION_NONE: str = _D["relation_type"]["x-view-none"]
RELATION_VIEW_LABELS: tuple[str, ...] = RELATION_TYPES + (RELATION_NONE,)
MODALITIES: tuple[str, ...] = tuple(_D["modality"]["enum"])
STANCE_MODALITIES: tuple[str, ...] = tuple(_D["stance_modality"]["enum"])
STANCE_DENIED: str = _D["stance_modality"]["x-denied"]
ADDED_IN: dict[str, dict[str, str]] = {
    inv: dict(_D[inv].get("x-added-in", {})) for inv in ("modality", "stance_modality")
}
IMPLYING_MODALITIES: tuple[str, ...] = tuple(_D["modality"]["x-implying"])
AUTHOR: str = _D["author_source"]["const"]
SIGNATURES: dict[str, Signature] = {
    name: Signature(
        name=name,
        cls=s["class"],
        head=tuple(s["head"]),
        tail=tuple(s["tail"]),
        symmetric=bool(s["symmetric"]),
        implies_stance=s["implies_stance"],
        description=s["description"],
    )
    for name, s in _D["relation_type"]["x-signatures"].items()
}
SYMMETRIC_TYPES: frozenset[str] = frozenset(n for n, s in SIGNATURES.items() if s.symmetric)

if tuple(SIGNATURES) != RELATION_TYPES:  # pragma: no cover - guards the schema file itself
    raise RuntimeError(f"{LABELS_FILE}: x-signatures must list exactly the relation types, in enum order")
del _D


def modalities_of(layer: str, version: str = CURRENT_VERSION) -> tuple[str, ...]:
    """The modalities a record of ``layer`` (``"stance"`` or ``"relation"``)
    may carry in schema ``version``; a 1.0 stance has none."""
    inv, labels_ = ("stance_modality", STANCE_MODALITIES) if layer == "stance" else ("modality", MODALITIES)
    added = ADDED_IN[inv]
    return tuple(m for m in labels_ if _version_key(added.get(m, SCHEMA_VERSIONS[0])) <= _version_key(version))


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))
