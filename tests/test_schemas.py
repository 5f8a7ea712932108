"""Level 2 of validation: the JSON Schemas, the two engines, and the findings they give."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geostance.core import jsonl
from geostance.contract import labels
from geostance.contract.schemas import (
    ANNOTATION_KINDS,
    RECORD_SCHEMAS,
    batch_validator,
    check_record,
    fast_validator,
    reference_validator,
    schema,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALID_RAW = FIXTURES / "valid" / "annotations" / "raw" / "envoy-speaks" / "ann-1.jsonl"


def corpus() -> list[tuple[str, int, str, dict]]:
    """Every record that parses in the fixture corpus (invalid and valid):
    (file, line, kind, record), for the records whose kind has a schema."""
    out = []
    for p in sorted(FIXTURES.rglob("*.jsonl")):
        if not p.is_file():
            continue  # the dangling symbolic link of the unreadable-path fixture
        recs, _ = jsonl.parse(p.read_bytes(), str(p))
        for line, r in recs:
            kind = r.get("kind")
            if isinstance(kind, str) and kind in RECORD_SCHEMAS:
                out.append((str(p.relative_to(FIXTURES)), line, kind, r))
    return out


CORPUS = corpus()


def test_both_engines_reject_the_same_records_of_the_corpus() -> None:
    """jsonschema (the reference) and jsonschema_rs (the hot path) agree on every record."""
    fast = {(f, n) for f, n, k, r in CORPUS if not fast_validator(k).is_valid(r)}
    ref = {(f, n) for f, n, k, r in CORPUS if not reference_validator(k).is_valid(r)}
    assert fast == ref
    # the corpus does hold schema-invalid records: one per level-2 fixture at least
    level2 = {"missing-field", "unknown-field", "wrong-type", "unknown-label", "bad-id", "unsafe-doc-id",
              "negative-offset", "schema-version", "invalid-value"}
    assert {f.split("/")[1] for f, _ in ref} >= level2
    assert len(CORPUS) > 200


def test_batch_validator_agrees_with_the_per_record_engines() -> None:
    """The one-call-per-file validator accepts a file iff every record is valid."""
    by_file: dict[str, list[dict]] = {}
    for f, _, _, r in CORPUS:
        by_file.setdefault(f, []).append(r)
    for f, recs in by_file.items():
        if f.split("/")[-2] == "documents":
            continue
        each = all(isinstance(r.get("kind"), str) and r["kind"] in ANNOTATION_KINDS and reference_validator(r["kind"]).is_valid(r) for r in recs)
        assert batch_validator().is_valid(recs) == each, f


BASE = jsonl.load_records(VALID_RAW)
POOL = [None, True, 0, -1, 5.0, 2**64, 1e300, "", " ", "m1", "e1", "s1", "AUTHOR", "../x", "\U0001F600", [], {}, ["m1"],
        [{"start": 0, "end": 5, "text": "China"}], {"annotators": ["ann-1"]}] + list(labels.RELATION_TYPES) + list(labels.MENTION_TYPES)


@settings(max_examples=1_500, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(BASE) - 1), st.integers(0, 2**32 - 1))
def test_fuzz_both_engines_agree_on_mutated_records(i: int, seed: int) -> None:
    """Random edits of a valid record (a field set to a value from a pool of
    awkward ones, dropped, or added; 1-3 edits): the engines agree."""
    rng = random.Random(seed)
    r = copy.deepcopy(BASE[i])
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        k = rng.choice(sorted(r) + ["provenance", "note", "extra"])
        if op < 0.7:
            r[k] = copy.deepcopy(rng.choice(POOL))
        elif op < 0.85:
            r.pop(k, None)
        elif isinstance(r.get("evidence"), list) and r["evidence"] and isinstance(r["evidence"][0], dict):
            r["evidence"][0][rng.choice(["start", "end", "text", "x"])] = copy.deepcopy(rng.choice(POOL))
    kind = BASE[i]["kind"]
    assert fast_validator(kind).is_valid(r) == reference_validator(kind).is_valid(r), r


def test_float_offsets_pass_both_engines_and_are_caught_by_semantics() -> None:
    """JSON Schema counts 5.0 as an integer, and both engines say so; an offset
    must index a str, so level 3 reports it (tests/test_semantics.py)."""
    r = {**BASE[0], "start": 0.0}
    assert fast_validator("sentence").is_valid(r) and reference_validator("sentence").is_valid(r)


def test_record_schemas_are_closed() -> None:
    for name in RECORD_SCHEMAS:
        s = schema(name)
        assert s["additionalProperties"] is False, name
        assert set(s["required"]) <= set(s["properties"]), name


# ---------------------------------------------------------------- findings

M = BASE[2]  # the mention m1 "China"
T = BASE[12]  # the stance t1
R = BASE[14]  # the relation r1
T11 = {**T, "schema_version": "1.1", "modality": "ASSERTED"}  # the stance t1 in schema version 1.1


def one(record: dict) -> list[tuple[str, str]]:
    ok, found = check_record(record, "f.jsonl", 7)
    assert not ok and all(f.line == 7 and f.file == "f.jsonl" and f.message for f in found)
    return [(f.id, f.field) for f in found]


def without(r: dict, k: str) -> dict:
    return {x: v for x, v in r.items() if x != k}


@pytest.mark.parametrize(
    "record, expected",
    [
        (without(M, "metonymy"), [("missing-field", "metonymy")]),
        ({**T, "evidence": [{"start": 0, "end": 18}]}, [("missing-field", "evidence[0].text")]),
        ({**M, "score": 1}, [("unknown-field", "score")]),
        ({**T, "evidence": [{**T["evidence"][0], "extra": 1}]}, [("unknown-field", "evidence[0].extra")]),
        ({**M, "metonymy": "false"}, [("wrong-type", "metonymy")]),
        ({**M, "end": None}, [("wrong-type", "end")]),
        ({**T, "evidence": [{**T["evidence"][0], "start": "0"}]}, [("wrong-type", "evidence[0].start")]),
        ({**T, "source": 5}, [("wrong-type", "source")]),
        ({**M, "type": "gpe"}, [("unknown-label", "type")]),
        ({**T, "label": labels.STANCE_NONE}, [("unknown-label", "label")]),  # NONE is a view label, not a stance
        ({**R, "type": labels.RELATION_NONE}, [("unknown-label", "type")]),
        ({**R, "modality": "CERTAIN"}, [("unknown-label", "modality")]),
        ({**M, "id": "m0"}, [("bad-id", "id")]),
        ({**R, "head": "M1"}, [("bad-id", "head")]),
        ({**R, "evidence": ["S1"]}, [("bad-id", "evidence[0]")]),
        ({**T, "holder": "1"}, [("bad-id", "holder")]),
        ({**T, "source": "author"}, [("bad-id", "source")]),
        ({**M, "doc_id": "../x"}, [("unsafe-doc-id", "doc_id")]),
        ({**M, "doc_id": "Envoy-Speaks"}, [("unsafe-doc-id", "doc_id")]),
        ({**M, "provenance": {"annotators": ["../x"]}}, [("unsafe-doc-id", "provenance.annotators[0]")]),
        ({**M, "provenance": {"annotators": ["gold"]}}, [("unsafe-doc-id", "provenance.annotators[0]")]),
        ({**M, "start": -1}, [("negative-offset", "start")]),
        ({**T, "evidence": [{**T["evidence"][0], "end": -2}]}, [("negative-offset", "evidence[0].end")]),
        ({**M, "schema_version": "2.0"}, [("schema-version", "schema_version")]),
        ({**M, "text": ""}, [("invalid-value", "text")]),
        ({**R, "evidence": []}, [("invalid-value", "evidence")]),
        ({**R, "evidence": ["s1", "s1"]}, [("invalid-value", "evidence")]),
        ({**M, "note": "x" * 2001}, [("invalid-value", "note")]),
        ({**M, "doc_id": "a" * 65}, [("invalid-value", "doc_id")]),
        ({**M, "provenance": {"annotators": ["ann-1"], "decision": "7"}}, [("invalid-value", "provenance.decision")]),
        # schema version 1.1: stance modality, QUESTIONED
        ({**T11, "modality": "CERTAIN"}, [("unknown-label", "modality")]),
        ({**T11, "modality": labels.STANCE_DENIED}, [("negated-stance", "modality")]),
        (without(T11, "modality"), [("missing-stance-modality", "modality")]),
        ({**T, "modality": "ASSERTED"}, [("not-in-version", "modality")]),
        ({**R, "modality": "QUESTIONED"}, [("not-in-version", "modality")]),
    ],
)
def test_each_schema_violation_has_its_id_and_field(record: dict, expected: list[tuple[str, str]]) -> None:
    assert one(record) == expected


@pytest.mark.parametrize("record", [
    {**R, "schema_version": "1.1", "modality": "QUESTIONED"},
    {**T11, "modality": "QUESTIONED"}, {**T11, "modality": "HYPOTHETICAL"}, {**T11, "modality": "ALLEGED"}, T11, T,
])
def test_version_1_1_records_and_their_1_0_forms_are_valid(record: dict) -> None:
    assert check_record(record, "f", 1) == (True, [])
    assert reference_validator(record["kind"]).is_valid(record)


def test_each_missing_field_is_reported_once() -> None:
    """jsonschema reports one `required` error per missing field, each naming
    the whole list; the findings hold one per field, not one per pair."""
    found = one({"kind": "mention"})
    missing = [k for k in schema("mention")["required"] if k != "kind"]
    assert sorted(found) == sorted(("missing-field", k) for k in missing)
    assert len(found) == len(missing) == 10


def test_several_violations_of_one_record_are_all_reported() -> None:
    r = {**without(M, "form"), "start": "0", "type": "COUNTRY", "extra": 1}
    assert sorted(one(r)) == sorted([("missing-field", "form"), ("wrong-type", "start"), ("unknown-label", "type"), ("unknown-field", "extra")])


@pytest.mark.parametrize("kind", [None, "token", "document", 3, ["mention"]])
def test_unknown_kind(kind: object) -> None:
    r = dict(M) if kind is None else {**M, "kind": kind}
    if kind is None:
        del r["kind"]
    assert one(r) == [("unknown-kind", "kind")]


def test_a_valid_record_gives_no_finding() -> None:
    for r in BASE:
        assert check_record(r, "f.jsonl", 1) == (True, [])
