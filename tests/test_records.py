"""Canonical records: key order from the schemas, layer order, the same bytes for the same records."""

from __future__ import annotations

import json
import random
from pathlib import Path

from geostance.core import jsonl
from geostance.contract import records
from geostance.contract.labels import RECORD_KINDS
from geostance.contract.schemas import schema

FIX = Path(__file__).parent / "fixtures"


def test_key_order_is_the_schema_property_order() -> None:
    for kind in RECORD_KINDS:
        assert records.key_order(kind) == tuple(schema(kind)["properties"])
    assert records.key_order("mention")[:4] == ("kind", "schema_version", "doc_id", "id")


def test_the_same_records_in_any_key_and_layer_order_give_the_same_bytes() -> None:
    recs = jsonl.load_records(FIX / "interop" / "carol.jsonl")
    expected = records.to_bytes(recs)
    rng = random.Random(7)  # seed fixed: the shuffles are the same on every run
    for _ in range(5):
        shuffled = []
        for r in recs:
            items = list(r.items())
            rng.shuffle(items)
            shuffled.append(dict(items))
        by = records.by_layer(shuffled)
        layers = list(by)
        rng.shuffle(layers)
        mixed = [r for k in layers for r in by[k]]  # layers out of order, order within each layer kept
        assert records.to_bytes(mixed) == expected
    assert expected == (FIX / "interop" / "carol.jsonl").read_bytes()


def test_canonical_bytes_are_compact_json_lines_that_the_reader_accepts() -> None:
    recs = jsonl.load_records(FIX / "contribute" / "alice.jsonl")
    data = records.to_bytes(recs)
    parsed, found = jsonl.parse(data, "x")
    assert found == [] and [r for _, r in parsed] == records.ordered(recs)
    first = data.split(b"\n")[0]
    assert first == json.dumps(records.ordered(recs)[0], separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_prefixes_come_from_the_id_patterns() -> None:
    assert records.PREFIX == {"sentence": "s", "mention": "m", "entity": "e", "stance": "t", "relation": "r"}
    assert records.id_number("t12") == 12 and records.id_number("D3") == 0
