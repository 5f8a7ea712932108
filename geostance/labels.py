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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from geostance.paths import SCHEMA_DIR

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
SCHEMA_VERSION: str = _D["schema_version"]["const"]
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
