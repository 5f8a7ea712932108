"""Level 4 of validation: warnings about one layer that another layer implies.

* ``missing-implied-stance``: an ASSERTED or ALLEGED relation whose type
  implies a stance (SUPPORT -> FAVOR; CRITICIZE, ACCUSE -> AGAINST, as
  ``x-signatures`` in ``schema/labels.schema.json`` says) without that stance
  of the head's entity toward the tail's entity, from any source.
* ``implied-stance-modality`` (schema 1.1): the implied stance is there, but
  none with the relation's modality (an ALLEGED SUPPORT implies an ALLEGED
  FAVOR).
* ``conflicting-stances``: FAVOR and AGAINST from one holder to one target
  credited to one source.
* ``unneeded-mention``: a mention the scheme annotates only as an argument
  (NOMINAL, PRONOUN, LOC, EVENT, TOPIC) whose entity is no argument.

Runs on records that passed levels 2 and 3 for references; pure function.
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter
from typing import Any, Iterator

from geostance.core.findings import Finding
from geostance.contract.labels import ACTOR_TYPES, IMPLYING_MODALITIES, SIGNATURES

Lined = list[tuple[int, dict[str, Any]]]
_ACTORS = frozenset(ACTOR_TYPES)
_IMPLYING = frozenset(IMPLYING_MODALITIES)
_IMPLIES = {name: sig.implies_stance for name, sig in SIGNATURES.items()}


_REC = itemgetter(1)
_HOLDER = itemgetter("holder")
_TARGET = itemgetter("target")
_LABEL = itemgetter("label")
_SOURCE = itemgetter("source")


def _conflicting(stances: Lined, file: str) -> Iterator[Finding]:
    by_key: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    first_line: dict[tuple[str, str, str], int] = {}
    for line, t in stances:
        key = (t["holder"], t["target"], t["source"])
        by_key[key].add(t["label"])
        if {"FAVOR", "AGAINST"} <= by_key[key] and key not in first_line:
            first_line[key] = line
            yield Finding(
                "conflicting-stances", file, line, "label",
                f"{t['holder']} is both FAVOR and AGAINST toward {t['target']} (source {t['source']}); "
                "expected one attitude, or a note that explains both",
            )


def check(groups: dict[str, Lined], file: str) -> Iterator[Finding]:
    mentions = {r["id"]: r for _, r in groups.get("mention", [])}
    entities = {r["id"] for _, r in groups.get("entity", [])}
    stances = list(map(_REC, groups.get("stance", [])))
    holders = list(map(_HOLDER, stances))
    targets = list(map(_TARGET, stances))
    labels = list(map(_LABEL, stances))
    have = set(zip(holders, targets, labels))
    # schema 1.1 stances carry a modality: the implied stance has the relation's
    have_modal = {(t["holder"], t["target"], t["label"], t["modality"]) for t in stances if "modality" in t}

    argument_entities = set(holders)
    argument_entities.update(targets)

    for line, r in groups.get("relation", []):
        head, tail = mentions.get(r["head"]), mentions.get(r["tail"])
        if head is None or tail is None:
            continue
        argument_entities.update((head["entity"], tail["entity"]))
        implied = _IMPLIES[r["type"]]
        if implied is None or r["modality"] not in _IMPLYING:
            continue
        if head["entity"] not in entities or tail["entity"] not in entities:
            continue
        if head["entity"] == tail["entity"]:
            continue
        if (head["entity"], tail["entity"], implied) not in have:
            yield Finding(
                "missing-implied-stance", file, line, "type",
                f"{r['modality']} {r['type']} {r['head']} -> {r['tail']} implies the stance "
                f"{head['entity']} {implied} {tail['entity']}, and there is none",
            )
        elif have_modal and (head["entity"], tail["entity"], implied, r["modality"]) not in have_modal:
            yield Finding(
                "implied-stance-modality", file, line, "modality",
                f"{r['modality']} {r['type']} {r['head']} -> {r['tail']} implies the stance "
                f"{head['entity']} {implied} {tail['entity']} with modality {r['modality']}; "
                "the stances toward it have another modality",
            )

    # conflicting stances: only when some (holder, target, source) has both labels
    keys = list(zip(holders, targets, map(_SOURCE, stances)))
    favor = {k for k, label in zip(keys, labels) if label == "FAVOR"}
    if favor and not favor.isdisjoint([k for k, label in zip(keys, labels) if label == "AGAINST"]):
        yield from _conflicting(groups.get("stance", []), file)

    # mentions that need to be an argument: only entities that are none can have them
    free = entities - argument_entities
    if not free:
        return
    for line, m in groups.get("mention", []):
        if (m["form"] != "NAME" or m["type"] not in _ACTORS) and m["entity"] in free:
            yield Finding(
                "unneeded-mention", file, line, "entity",
                f"{m['id']} ({m['form']} {m['type']} {m['text']!r}) belongs to {m['entity']}, which is the argument "
                "of no stance or relation; the scheme annotates such mentions only as arguments",
            )
