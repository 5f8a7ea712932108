"""Krippendorff's α over a panel of passes at once, for the categorical layers.

Pairwise agreement (:mod:`geostance.agreement.pairwise`) aligns the entities of two
passes at a time. α over three or more passes needs units that every pass
shares, so here the entities of all passes are aligned at once, as
adjudication aligns them: two mention spans are in one *component* when any
pass puts them in one entity. Then, for each layer, a unit is:

* mention type: an exact mention span; a pass's value is the type it gave
  that span;
* stance label: an ordered (holder component, target component) pair; the
  value is the label the pass gave it;
* stance modality: a (holder, target, label) unit; the value is its modality
  (schema 1.1 passes only);
* relation type: an ordered (head component, tail component) pair of the
  relation's argument entities; the value is the type;
* relation modality: a (head, tail, type) unit; the value is its modality.

A pass with several values for one unit (two labels toward one target, say)
gives the sorted values joined by ``+`` as its one value, so that a
difference in how many records a pass made counts as disagreement rather
than being dropped. A pass that has nothing for a unit is missing there;
units with values from fewer than two passes do not enter α. α is nominal,
computed by the ``krippendorff`` package through
:func:`geostance.agreement.pairwise.krippendorff_alpha`. These figures measure how
alike the labels are where passes saw the same thing; how alike the passes
are in what they saw is in the pairwise F1 of ``geostance agree``.

>>> def ann(mtype, label):
...     b = {"schema_version": "1.1", "doc_id": "d"}
...     return [{**b, "kind": "mention", "id": "m1", "start": 0, "end": 4, "text": "Oman", "type": mtype, "form": "NAME", "entity": "e1", "metonymy": False},
...             {**b, "kind": "mention", "id": "m2", "start": 9, "end": 13, "text": "Fiji", "type": "GPE", "form": "NAME", "entity": "e2", "metonymy": False},
...             {**b, "kind": "entity", "id": "e1", "name": "Oman", "type": mtype, "mentions": ["m1"]},
...             {**b, "kind": "entity", "id": "e2", "name": "Fiji", "type": "GPE", "mentions": ["m2"]},
...             {**b, "kind": "stance", "id": "t1", "holder": "e1", "target": "e2", "label": label, "evidence": [{"start": 5, "end": 13, "text": "x"}],
...              "source": "AUTHOR", "explicit": True, "modality": "ASSERTED"}]
>>> ms = {m.id: m for m in panel_alpha({"a": ann("GPE", "FAVOR"), "b": ann("GPE", "FAVOR"), "c": ann("ORG", "AGAINST")})}
>>> ms["mentions.type.alpha"].value, ms["mentions.type.alpha"].n
(0.0, 2)
>>> ms["stances.modality.alpha"].reason
"only the value 'ASSERTED' is observed: expected disagreement is 0, α is undefined"
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from typing import Any

from geostance.agreement.components import Ann, Components
from geostance.agreement.pairwise import Measure, krippendorff_alpha

Rec = dict[str, Any]
LAYERS = (
    ("mentions.type.alpha", "mention type"),
    ("stances.label.alpha", "stance label"),
    ("stances.modality.alpha", "stance modality"),
    ("relations.type.alpha", "relation type"),
    ("relations.modality.alpha", "relation modality"),
)


def _value(vals: set[str]) -> str | None:
    return "+".join(sorted(vals)) if vals else None


def units(passes: Mapping[str, list[Rec]]) -> dict[str, list[tuple[Hashable | None, ...]]]:
    """Measure id -> its units, one value (or None) per pass in the mapping's order."""
    anns = [Ann(name, list(recs)) for name, recs in passes.items()]
    comps = Components(anns)

    def comp(a: Ann, eid: str) -> Any:
        return comps.of[a.span(a.entity[eid]["mentions"][0])]

    per: dict[str, list[dict[Any, set[str]]]] = {mid: [] for mid, _ in LAYERS}
    for a in anns:
        got: dict[str, dict[Any, set[str]]] = {mid: defaultdict(set) for mid, _ in LAYERS}
        for m in a.mentions:
            got["mentions.type.alpha"][(m["start"], m["end"])].add(m["type"])
        for t in a.stances:
            h, g = comp(a, t["holder"]), comp(a, t["target"])
            got["stances.label.alpha"][(h, g)].add(t["label"])
            if "modality" in t:
                got["stances.modality.alpha"][(h, g, t["label"])].add(t["modality"])
        for r in a.relations:
            h = comp(a, a.mention[r["head"]]["entity"])
            g = comp(a, a.mention[r["tail"]]["entity"])
            got["relations.type.alpha"][(h, g)].add(r["type"])
            got["relations.modality.alpha"][(h, g, r["type"])].add(r["modality"])
        for mid in per:
            per[mid].append(got[mid])
    out: dict[str, list[tuple[Hashable | None, ...]]] = {}
    for mid, dicts in per.items():
        keys = sorted(set().union(*dicts), key=repr)
        out[mid] = [tuple(_value(d.get(k, set())) for d in dicts) for k in keys]
    return out


def panel_alpha(passes: Mapping[str, list[Rec]]) -> list[Measure]:
    """Krippendorff's α (nominal) over all passes at once, one measure per categorical layer."""
    if len(passes) < 2:
        raise ValueError(f"α needs two or more passes, got {len(passes)}")
    by_layer = units(passes)
    out = []
    for mid, what in LAYERS:
        alpha, n, reason = krippendorff_alpha(by_layer[mid])
        out.append(Measure(mid, f"{what}: Krippendorff's α over {len(passes)} passes", alpha, n, reason=reason))
    return out
