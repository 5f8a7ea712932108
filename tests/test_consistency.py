"""Level 4 of validation: :mod:`geostance.validation.consistency` warnings on in-memory records."""

from __future__ import annotations


import pytest

from geostance.contract import labels
from geostance.validation.consistency import check
from geostance.core.findings import table

B = {"schema_version": "1.0", "doc_id": "mini"}
FAVOR, AGAINST, NEUTRAL = labels.STANCE_LABELS
IMPLYING = labels.IMPLYING_MODALITIES
NOT_IMPLYING = tuple(m for m in labels.MODALITIES if m not in IMPLYING)


def ment(i: int, ent: str, typ: str = "GPE", form: str = "NAME") -> dict:
    return {"kind": "mention", **B, "id": f"m{i}", "start": i, "end": i + 1, "text": "x", "type": typ, "form": form,
            "entity": ent, "metonymy": False}


def ent(i: int, mentions: list[str], typ: str = "GPE") -> dict:
    return {"kind": "entity", **B, "id": f"e{i}", "name": "x", "type": typ, "mentions": mentions}


def stance(i: int, holder: str, target: str, label: str, source: str = labels.AUTHOR) -> dict:
    return {"kind": "stance", **B, "id": f"t{i}", "holder": holder, "target": target, "label": label,
            "evidence": [{"start": 0, "end": 1, "text": "x"}], "source": source, "explicit": True}


def rel(i: int, typ: str, head: str, tail: str, modality: str = IMPLYING[0]) -> dict:
    return {"kind": "relation", **B, "id": f"r{i}", "type": typ, "head": head, "tail": tail, "evidence": ["s1"],
            "modality": modality, "source": labels.AUTHOR}


BASE = [ment(1, "e1"), ment(2, "e2"), ent(1, ["m1"]), ent(2, ["m2"])]


def run(records: list[dict]) -> list[tuple[str, int, str]]:
    groups: dict[str, list] = {}
    for n, r in enumerate(records, 1):
        groups.setdefault(r["kind"], []).append((n, r))
    found = list(check(groups, "f.jsonl"))
    assert all(table()[f.id].severity == "warning" and table()[f.id].level == 4 for f in found)
    return [(f.id, f.line, f.field) for f in found]


IMPLYING_TYPES = [(t, s.implies_stance) for t, s in labels.SIGNATURES.items() if s.implies_stance]
OTHER_TYPES = [t for t, s in labels.SIGNATURES.items() if s.implies_stance is None]


def test_the_schema_has_types_that_imply_a_stance_and_types_that_do_not() -> None:
    assert IMPLYING_TYPES and OTHER_TYPES and NOT_IMPLYING
    assert {implied for _, implied in IMPLYING_TYPES} <= set(labels.STANCE_LABELS)


@pytest.mark.parametrize("typ, implied", IMPLYING_TYPES)
@pytest.mark.parametrize("modality", IMPLYING)
def test_an_implying_relation_without_its_stance_warns(typ: str, implied: str, modality: str) -> None:
    assert run(BASE + [rel(1, typ, "m1", "m2", modality)]) == [("missing-implied-stance", 5, "type")]
    # the stance, from any source, satisfies it
    assert run(BASE + [rel(1, typ, "m1", "m2", modality), stance(1, "e1", "e2", implied, "e2")]) == []
    # a stance the other way round, or with another label, does not
    other = next(label for label in (FAVOR, AGAINST) if label != implied)
    assert run(BASE + [rel(1, typ, "m1", "m2", modality), stance(1, "e2", "e1", implied)]) == [("missing-implied-stance", 5, "type")]
    assert run(BASE + [rel(1, typ, "m1", "m2", modality), stance(1, "e1", "e2", other)]) == [("missing-implied-stance", 5, "type")]


@pytest.mark.parametrize("modality", NOT_IMPLYING)
def test_hypothetical_or_negated_relations_imply_nothing(modality: str) -> None:
    for typ, _ in IMPLYING_TYPES:
        assert run(BASE + [rel(1, typ, "m1", "m2", modality)]) == []


def test_other_relation_types_imply_nothing() -> None:
    for typ in OTHER_TYPES:
        assert run(BASE + [rel(1, typ, "m1", "m2")]) == []


def test_no_warning_when_an_argument_does_not_resolve() -> None:
    """Levels 2 and 3 report those; level 4 does not pile on."""
    assert run(BASE + [rel(1, "SUPPORT", "m1", "m9")]) == []
    assert run([ment(1, "e1"), ment(2, "e9"), ent(1, ["m1"]), rel(1, "SUPPORT", "m1", "m2")]) == []
    # head and tail of one entity: a self-reference (level 3), no implied stance
    assert run([ment(1, "e1"), ment(2, "e1"), ent(1, ["m1", "m2"]), rel(1, "SUPPORT", "m1", "m2")]) == []


def test_conflicting_stances_warn_once_on_the_line_that_makes_the_conflict() -> None:
    t = [stance(1, "e1", "e2", FAVOR), stance(2, "e1", "e2", NEUTRAL), stance(3, "e1", "e2", AGAINST), stance(4, "e1", "e2", FAVOR)]
    assert run(BASE + t) == [("conflicting-stances", 7, "label")]
    # another source, or another direction, is no conflict
    assert run(BASE + [stance(1, "e1", "e2", FAVOR), stance(2, "e1", "e2", AGAINST, "e1")]) == []
    assert run(BASE + [stance(1, "e1", "e2", FAVOR), stance(2, "e2", "e1", AGAINST)]) == []
    assert run(BASE + [stance(1, "e1", "e2", FAVOR), stance(2, "e1", "e2", NEUTRAL)]) == []


def test_mentions_annotated_only_as_arguments() -> None:
    nominal = [ment(1, "e1", "GPE", "NOMINAL"), ent(1, ["m1"])]
    assert run(nominal) == [("unneeded-mention", 1, "entity")]
    pronoun = [ment(1, "e1", "PERSON", "PRONOUN"), ent(1, ["m1"])]
    assert run(pronoun) == [("unneeded-mention", 1, "entity")]
    non_actors = [t for t in labels.MENTION_TYPES if t not in labels.ACTOR_TYPES]
    for typ in non_actors:  # a NAME that is no actor (LOC, EVENT, TOPIC) needs to be an argument too
        assert run([ment(1, "e1", typ), ent(1, ["m1"], typ)]) == [("unneeded-mention", 1, "entity")]
    for typ in labels.ACTOR_TYPES:  # an actor's NAME is annotated in any case
        assert run([ment(1, "e1", typ), ent(1, ["m1"], typ)]) == []
    # an argument of a stance, or of a relation, is needed
    assert run(nominal + [ment(2, "e2"), ent(2, ["m2"]), stance(1, "e2", "e1", AGAINST)]) == []
    assert run(pronoun + [ment(2, "e2"), ent(2, ["m2"]), rel(1, "CONSULT", "m2", "m1")]) == []
    # needed through another mention of its entity
    assert run([ment(1, "e1", "GPE", "PRONOUN"), ment(2, "e1"), ment(3, "e2"), ent(1, ["m1", "m2"]), ent(2, ["m3"]),
                rel(1, "CONSULT", "m2", "m3")]) == []
