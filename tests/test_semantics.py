"""Level 3 of validation: :mod:`geostance.validation.semantics` on in-memory records.

The document is the bad-input corpus's mini text (tests/fixtures/invalid/*/documents/mini.txt):
offsets below were counted by hand on it:

    0         1         2         3         4         5
    0123456789012345678901234567890123456789012345678901234
    China backs Russia.\\nBeijing criticised NATO expansion.\\n
"""

from __future__ import annotations

from typing import Any

import pytest

from geostance.contract import labels
from geostance.validation.semantics import check, check_span, locate, punctuation_edge, sentence_index

TEXT = "China backs Russia.\nBeijing criticised NATO expansion.\n"
B = {"schema_version": "1.0", "doc_id": "mini"}


def sent(i: int, start: int, end: int, **kw: Any) -> dict:
    return {"kind": "sentence", **B, "id": f"s{i}", "start": start, "end": end, "text": TEXT[start:end], **kw}


def ment(i: int, start: int, end: int, ent: str, typ: str = "GPE", form: str = "NAME", **kw: Any) -> dict:
    return {"kind": "mention", **B, "id": f"m{i}", "start": start, "end": end, "text": TEXT[start:end],
            "type": typ, "form": form, "entity": ent, "metonymy": False, **kw}


def ent(i: int, mentions: list[str], typ: str = "GPE", **kw: Any) -> dict:
    return {"kind": "entity", **B, "id": f"e{i}", "name": f"entity {i}", "type": typ, "mentions": mentions, **kw}


def stance(i: int, holder: str, target: str, label: str, evidence: list[tuple[int, int]], source: str = labels.AUTHOR, **kw: Any) -> dict:
    return {"kind": "stance", **B, "id": f"t{i}", "holder": holder, "target": target, "label": label,
            "evidence": [{"start": a, "end": b, "text": TEXT[a:b]} for a, b in evidence], "source": source, "explicit": True, **kw}


def rel(i: int, typ: str, head: str, tail: str, evidence: list[str], source: str = labels.AUTHOR, **kw: Any) -> dict:
    return {"kind": "relation", **B, "id": f"r{i}", "type": typ, "head": head, "tail": tail, "evidence": evidence,
            "modality": labels.MODALITIES[0], "source": source, **kw}


S1, S2 = sent(1, 0, 19), sent(2, 20, 54)
CHINA, RUSSIA, BEIJING, NATO = ment(1, 0, 5, "e1"), ment(2, 12, 18, "e2"), ment(3, 20, 27, "e1"), ment(4, 39, 43, "e3", "ORG")
E1, E2, E3 = ent(1, ["m1", "m3"]), ent(2, ["m2"]), ent(3, ["m4"], "ORG")
GOOD = [S1, S2, CHINA, RUSSIA, BEIJING, NATO, E1, E2, E3]
FAVOR, AGAINST, NEUTRAL = labels.STANCE_LABELS


def run(records: list[dict], rejected: dict[str, set[str]] | None = None, text: str = TEXT) -> list[tuple[str, int, str]]:
    """(id, line, field) of the findings; records are on lines 1, 2, ... in list order."""
    groups: dict[str, list] = {}
    for n, r in enumerate(records, 1):
        groups.setdefault(r["kind"], []).append((n, r))
    return [(f.id, f.line, f.field) for f in check(groups, text, "f.jsonl", rejected)]


def test_the_good_records_give_no_finding() -> None:
    assert run(GOOD) == []
    assert run(GOOD + [stance(1, "e1", "e2", FAVOR, [(0, 18)]), rel(1, "SUPPORT", "m1", "m2", ["s1"])]) == []


# ---------------------------------------------------------------- spans


@pytest.mark.parametrize(
    "start, end, surface, expected",
    [
        (0, 5, "China", []),
        (50, 56, "sion.\n", [("offset-out-of-range", "end")]),
        (0, 10**30, "China", [("offset-out-of-range", "end")]),
        (18, 12, "Russia", [("reversed-span", "start")]),
        (5, 5, "x", [("reversed-span", "start")]),  # empty
        (11, 17, "Russia", [("span-text-mismatch", "text")]),  # off by one, left
        (13, 19, "Russia", [("span-text-mismatch", "text")]),  # off by one, right
        (12, 18, "russia", [("span-text-mismatch", "text")]),
        (11, 18, " Russia", [("span-whitespace-edge", "text")]),
        (12, 20, "Russia.\n", [("span-whitespace-edge", "text")]),
        (0.0, 5, "China", [("wrong-type", "start")]),
        (0, 5.0, "China", [("wrong-type", "end")]),
    ],
)
def test_check_span(start: Any, end: Any, surface: str, expected: list) -> None:
    assert [(f.id, f.field) for f in check_span(start, end, surface, TEXT, "f", 3, "text")] == expected


def test_check_span_prefixes_the_field_of_nested_spans() -> None:
    found = list(check_span(18, 12, "x", TEXT, "f", 3, "evidence[1].text"))
    assert [(f.id, f.field) for f in found] == [("reversed-span", "evidence[1].start")]


def test_offsets_count_code_points_not_utf16_units() -> None:
    text = "\U0001F600 China"  # the emoji is one code point, two UTF-16 units
    assert list(check_span(2, 7, "China", text, "f", 1, "text")) == []
    assert [f.id for f in check_span(3, 8, "hina", text, "f", 1, "text")] == ["offset-out-of-range"]
    assert [f.id for f in check_span(3, 7, "China", text, "f", 1, "text")] == ["span-text-mismatch"]


@pytest.mark.parametrize("edge", ["\u00a0", "\t", "\u2028", "\u3000"])
def test_unicode_white_space_edges(edge: str) -> None:
    text = f"a{edge}Russia b"
    assert [f.id for f in check_span(1, 8, f"{edge}Russia", text, "f", 1, "text")] == ["span-whitespace-edge"]


def test_punctuation_edge() -> None:
    assert (punctuation_edge("Russia."), punctuation_edge("\u201cabandon"), punctuation_edge("U.S."), punctuation_edge("NATO")) == (True, True, False, False)


def test_spans_of_each_layer_are_checked() -> None:
    bad_sentence = {**S2, "start": 21}
    bad_mention = {**RUSSIA, "text": "Russian"}
    bad_evidence = stance(1, "e1", "e2", FAVOR, [(0, 18)])
    bad_evidence["evidence"].append({"start": 12, "end": 60, "text": "Russia."})
    found = run([S1, bad_sentence, CHINA, bad_mention, BEIJING, NATO, E1, E2, E3, bad_evidence])
    assert ("span-text-mismatch", 2, "text") in found  # s2 starts one character late
    assert ("span-text-mismatch", 4, "text") in found
    assert ("offset-out-of-range", 10, "evidence[1].end") in found


def test_evidence_spans_lie_in_one_sentence_without_punctuation_edges() -> None:
    crossing = stance(1, "e1", "e2", FAVOR, [(0, 18), (12, 43)])  # the second runs from s1 into s2
    assert run(GOOD + [crossing]) == [("evidence-crosses-sentence", 10, "evidence[1].start")]
    assert run(GOOD[2:] + [crossing]) == []  # no sentence layer in the file: nothing to check against
    dotted = stance(1, "e1", "e2", FAVOR, [(6, 19)])  # "backs Russia."
    assert run(GOOD + [dotted]) == [("span-punctuation-edge", 10, "evidence[0].text")]
    assert run([*GOOD[:3], {**RUSSIA, "end": 19, "text": "Russia."}, *GOOD[4:]]) == [("span-punctuation-edge", 4, "text")]


def test_float_offsets_are_a_wrong_type_in_every_layer() -> None:
    ev = stance(1, "e1", "e2", FAVOR, [(0, 18)])
    ev["evidence"][0]["end"] = 18.0
    found = run([S1, {**S2, "start": 20.0}, {**CHINA, "end": 5.0}, RUSSIA, BEIJING, NATO, E1, E2, E3, ev])
    assert [f for f in found if f[0] == "wrong-type"] == [("wrong-type", 2, "start"), ("wrong-type", 3, "end"), ("wrong-type", 10, "evidence[0].end")]


# ---------------------------------------------------------------- sentences


def test_sentences_out_of_order_overlapping_misnumbered_or_missing() -> None:
    # s2's text first, then s1's: the second overlaps what came before, and 0:19 lies in no kept sentence
    assert run([{**S2, "id": "s1"}, {**S1, "id": "s2"}]) == [("sentence-order", 2, "start"), ("text-not-covered", 1, "sentence")]
    assert run([S1, S2, sent(3, 39, 53)]) == [("sentence-order", 3, "start")]
    assert run([S1, {**S2, "id": "s3"}]) == [("sentence-id-order", 2, "id")]
    assert run([S1]) == [("text-not-covered", 1, "sentence")]  # the line of the sentence before the gap
    assert run([S2]) == [("sentence-id-order", 1, "id"), ("text-not-covered", 1, "sentence")]


def test_blank_text_between_sentences_needs_no_sentence() -> None:
    assert run([S1, S2]) == []  # the "\n" at 19 and at 54 lie in no sentence, and need none
    assert run([sent(1, 0, 19)], text=TEXT[:20] + "  \n") == []


def test_no_sentence_layer_means_no_coverage_or_crossing_check() -> None:
    assert run([ment(1, 12, 27, "e1"), ent(1, ["m1"])]) == []


# ---------------------------------------------------------------- ids and references


@pytest.mark.parametrize("layer", labels.RECORD_KINDS)
def test_duplicate_ids_in_each_layer(layer: str) -> None:
    recs = GOOD + [stance(1, "e1", "e2", FAVOR, [(0, 18)]), rel(1, "SUPPORT", "m1", "m2", ["s1"])]
    first = next(i for i, r in enumerate(recs) if r["kind"] == layer)
    recs.append(dict(recs[first]))
    found = run(recs)
    assert ("duplicate-id", len(recs), "id") in found


@pytest.mark.parametrize(
    "edit, where",
    [
        (lambda rs: rs[6].update(mentions=["m1", "m3", "m9"]), (7, "mentions[2]")),
        (lambda rs: rs[2].update(entity="e9"), (3, "entity")),
        (lambda rs: rs[9].update(holder="e9"), (10, "holder")),
        (lambda rs: rs[9].update(target="e9"), (10, "target")),
        (lambda rs: rs[9].update(source="e9"), (10, "source")),
        (lambda rs: rs[10].update(head="m9"), (11, "head")),
        (lambda rs: rs[10].update(tail="m9"), (11, "tail")),
        (lambda rs: rs[10].update(evidence=["s1", "s9"]), (11, "evidence[1]")),
        (lambda rs: rs[10].update(source="e9"), (11, "source")),
    ],
)
def test_each_kind_of_dangling_reference(edit: Any, where: tuple[int, str]) -> None:
    recs = [dict(r) for r in GOOD] + [stance(1, "e1", "e2", FAVOR, [(0, 18)]), rel(1, "SUPPORT", "m1", "m2", ["s1"])]
    edit(recs)
    found = run(recs)
    assert ("dangling-reference", *where) in found
    assert [f for f in found if f[0] == "dangling-reference"] == [("dangling-reference", *where)]


def test_references_to_rejected_records_are_not_reported_again() -> None:
    """A record that failed the schema is reported there; what refers to it is not."""
    recs = [S1, S2, CHINA, E1, stance(1, "e1", "e2", FAVOR, [(0, 18)]), rel(1, "SUPPORT", "m1", "m2", ["s1", "s3"])]
    recs[3] = ent(1, ["m1"])
    rejected = {"mention": {"m2"}, "entity": {"e2"}, "sentence": {"s3"}}
    assert run(recs, rejected) == []
    assert {f[2] for f in run(recs)} == {"target", "tail", "evidence[1]"}


def test_mention_entity_partition() -> None:
    assert run([CHINA, BEIJING, ent(1, ["m1"])]) == [("mention-entity-mismatch", 2, "entity")]
    # listed by two entities
    assert run([CHINA, ent(1, ["m1"]), ent(2, ["m1"])]) == [("mention-entity-mismatch", 1, "entity")]
    # listed by another entity than it names
    assert run([CHINA, ent(1, ["m2"]), RUSSIA, ent(2, ["m1", "m2"])]) == [
        ("mention-entity-mismatch", 1, "entity"), ("mention-entity-mismatch", 3, "entity"),
    ]
    assert run([CHINA, ent(1, ["m1"], "ORG")]) == [("entity-type-mismatch", 1, "type")]


def test_mentions_inside_sentences() -> None:
    assert run([S1, S2, ment(1, 12, 27, "e1"), ent(1, ["m1"])]) == [("mention-crosses-sentence", 3, "start")]
    assert run([S1, S2, CHINA, ment(2, 0, 5, "e1"), ent(1, ["m1", "m2"])]) == [("duplicate-mention-span", 4, "start")]


# ---------------------------------------------------------------- stances and relations


def test_stance_checks() -> None:
    topic = ment(5, 39, 53, "e4", "TOPIC", "NOMINAL")
    recs = GOOD + [topic, ent(4, ["m5"], "TOPIC")]
    assert run(recs + [stance(1, "e4", "e1", AGAINST, [(20, 53)])]) == [("holder-not-actor", 12, "holder")]
    assert run(recs + [stance(1, "e1", "e1", FAVOR, [(0, 18)])]) == [("self-reference", 12, "target")]
    dup = [stance(1, "e1", "e2", FAVOR, [(0, 18)]), stance(2, "e1", "e2", FAVOR, [(6, 11)])]
    assert run(recs + dup) == [("duplicate-stance", 13, "id")]
    # another source, or another label, is another stance
    assert run(recs + [dup[0], {**dup[1], "source": "e3"}]) == []
    assert run(recs + [dup[0], {**dup[1], "label": NEUTRAL}]) == []


def test_relation_signatures() -> None:
    member_of = labels.SIGNATURES["MEMBER_OF"]
    assert "GPE" not in member_of.tail and "GPE" in member_of.head
    assert run(GOOD + [rel(1, "MEMBER_OF", "m1", "m2", ["s1"])]) == [("argument-type", 10, "tail")]
    posted = labels.SIGNATURES["POSTED_TO"]
    assert "GPE" not in posted.head and "ORG" not in posted.tail
    assert run(GOOD + [rel(1, "POSTED_TO", "m1", "m4", ["s1", "s2"])]) == [("argument-type", 10, "head"), ("argument-type", 10, "tail")]


def test_relation_self_reference_and_duplicates() -> None:
    assert run(GOOD + [rel(1, "SUPPORT", "m1", "m1", ["s1"])]) == [("self-reference", 10, "tail")]
    # two mentions of one entity (China, Beijing)
    assert run(GOOD + [rel(1, "SUPPORT", "m1", "m3", ["s1", "s2"])]) == [("self-reference", 10, "tail")]
    r1 = rel(1, "SUPPORT", "m1", "m2", ["s1"])
    assert run(GOOD + [r1, {**r1, "id": "r2"}]) == [("duplicate-relation", 11, "id")]


def test_symmetric_relations_are_stored_once_head_first() -> None:
    sym = sorted(labels.SYMMETRIC_TYPES)[0]
    assert run(GOOD + [rel(1, sym, "m1", "m2", ["s1"])]) == []
    assert run(GOOD + [rel(1, sym, "m2", "m1", ["s1"])]) == [("symmetric-duplicate", 10, "head")]
    assert run(GOOD + [rel(1, sym, "m1", "m2", ["s1"]), rel(2, sym, "m2", "m1", ["s1"])]) == [("symmetric-duplicate", 11, "head")]
    asym = next(t for t in labels.RELATION_TYPES if t not in labels.SYMMETRIC_TYPES and "GPE" in labels.SIGNATURES[t].head and "GPE" in labels.SIGNATURES[t].tail)
    assert run(GOOD + [rel(1, asym, "m2", "m1", ["s1"])]) == []  # direction is free


def test_relation_arguments_outside_their_evidence() -> None:
    assert run(GOOD + [rel(1, "CRITICIZE", "m1", "m4", ["s2"])]) == [("argument-outside-evidence", 10, "head")]
    assert run(GOOD + [rel(1, "CRITICIZE", "m3", "m4", ["s1"])]) == [
        ("argument-outside-evidence", 10, "head"), ("argument-outside-evidence", 10, "tail"),
    ]


def test_locate() -> None:
    index = sentence_index([S2, S1])
    assert locate(index, 0, 5)["id"] == "s1"
    assert locate(index, 39, 53)["id"] == "s2"
    assert locate(index, 12, 27) is None
    assert locate(index, 19, 20) is None
