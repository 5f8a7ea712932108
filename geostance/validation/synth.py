"""A synthetic corpus generator for benchmarks: valid by construction, seeded.

Each document is a few sentences built from templates ("Chile criticized
Peru over the sanctions.", "Has Oman backed Fiji over the ceasefire?"), annotated with every layer so that the result
passes ``geostance validate`` with no error. The labels are produced by the
templates, so the corpus measures speed and memory only; it is never data.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     n = generate(pathlib.Path(d), n_docs=2, seed=1, records_per_doc=100)
...     from geostance.validation.validator import validate
...     r = validate([pathlib.Path(d)])
...     (180 <= n <= 200, r.errors, r.warnings)
(True, 0, 0)
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any, Iterator

import orjson

from geostance.core.atomic import write_bytes
from geostance.contract.labels import AUTHOR, SCHEMA_VERSION

ACTORS = [
    ("Chile", "GPE"), ("Peru", "GPE"), ("Kenya", "GPE"), ("Norway", "GPE"), ("Ghana", "GPE"),
    ("Vietnam", "GPE"), ("Oman", "GPE"), ("Fiji", "GPE"), ("the African Union", "ORG"), ("Reuters", "ORG"),
    ("the central bank", "ORG"), ("the Andean Community", "ORG"), ("Nordic governments", "GROUP"),
    ("rebel factions", "GROUP"), ("Ana Ruiz", "PERSON"), ("Tomas Berg", "PERSON"),
]
# (verb phrase, relation type, stance label implied or None)
EVENTS = [
    ("criticized", "CRITICIZE", "AGAINST"),
    ("backed", "SUPPORT", "FAVOR"),
    ("accused", "ACCUSE", "AGAINST"),
    ("urged", "REQUEST", None),
    ("warned", "WARN", None),
    ("met", "CONSULT", None),
]
TOPICS = ["the sanctions", "the export ban", "the fishing quotas", "the ceasefire", "the gas deal"]
# (modality of the sentence's relation and stances, how the sentence opens and ends);
# a question exercises schema 1.1's QUESTIONED
MOODS = [("ASSERTED", "", "."), ("ASSERTED", "", "."), ("ASSERTED", "", "."), ("QUESTIONED", "Has ", "?")]


def _document(rng: random.Random, doc_id: str, target_records: int) -> tuple[str, list[dict[str, Any]]]:
    """Text and records of one synthetic document with about ``target_records`` records."""
    parts: list[str] = []
    pos = 0
    sentences: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    entity_of: dict[str, str] = {}  # surface name -> entity id
    entity_rec: dict[str, dict[str, Any]] = {}
    stances: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    seen_pairs: set[tuple[str, str, str]] = set()
    base = {"schema_version": SCHEMA_VERSION, "doc_id": doc_id}

    def mention(name: str, typ: str, start: int) -> dict[str, Any]:
        if name not in entity_of:
            eid = f"e{len(entity_of) + 1}"
            entity_of[name] = eid
            entity_rec[eid] = {"kind": "entity", **base, "id": eid, "name": name, "type": typ, "mentions": []}
        m = {"kind": "mention", **base, "id": f"m{len(mentions) + 1}", "start": start, "end": start + len(name),
             "text": name, "type": typ, "form": "NAME", "entity": entity_of[name], "metonymy": False}
        mentions.append(m)
        entity_rec[entity_of[name]]["mentions"].append(m["id"])
        return m

    # each sentence yields about 1 sentence + 3 mentions + (0-1 entity x2) + 1 relation + 0-1 stance
    while True:
        n_so_far = len(sentences) + len(mentions) + len(entity_rec) + len(stances) + len(relations)
        if n_so_far >= target_records - 6:
            break
        (h, ht), (t, tt) = rng.sample(ACTORS, 2)
        verb, rtype, implied = rng.choice(EVENTS)
        topic = rng.choice(TOPICS)
        modality, opening, stop = rng.choice(MOODS)
        head = h if opening else f"{h[0].upper()}{h[1:]}"
        sent = f"{opening}{head} {verb} {t} over {topic}{stop}"
        start = pos
        hm = mention(head, ht, start + len(opening))
        tm = mention(t, tt, start + len(opening) + len(h) + 1 + len(verb) + 1)
        tp_start = start + len(sent) - 1 - len(topic)
        tpm = mention(topic[4:], "TOPIC", tp_start + 4)  # without "the "
        sid = f"s{len(sentences) + 1}"
        sentences.append({"kind": "sentence", **base, "id": sid, "start": start, "end": start + len(sent), "text": sent})
        relations.append({"kind": "relation", **base, "id": f"r{len(relations) + 1}", "type": rtype, "head": hm["id"],
                          "tail": tm["id"], "evidence": [sid], "modality": modality, "source": AUTHOR})
        key = (hm["entity"], tm["entity"], implied or "", modality)
        if implied and key not in seen_pairs:
            seen_pairs.add(key)
            vstart = start + len(opening) + len(h) + 1
            stances.append({"kind": "stance", **base, "id": f"t{len(stances) + 1}", "holder": hm["entity"],
                            "target": tm["entity"], "label": implied,
                            "evidence": [{"start": vstart, "end": vstart + len(verb), "text": verb}],
                            "source": AUTHOR, "explicit": True, "modality": modality})
        # the topic is an argument too: the holder's stance toward it
        tkey = (hm["entity"], tpm["entity"], "AGAINST", modality)
        if tkey not in seen_pairs:
            seen_pairs.add(tkey)
            stances.append({"kind": "stance", **base, "id": f"t{len(stances) + 1}", "holder": hm["entity"],
                             "target": tpm["entity"], "label": "AGAINST",
                             "evidence": [{"start": tp_start, "end": tp_start + len(topic), "text": topic}],
                             "source": AUTHOR, "explicit": False, "modality": modality})
        parts.append(sent)
        pos += len(sent) + 1
    text = " ".join(parts) + "\n"
    records = sentences + mentions + list(entity_rec.values()) + stances + relations
    return text, records


def documents(n_docs: int, seed: int, records_per_doc: int = 100) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """``(doc_id, text, records)`` for each synthetic document, in order."""
    rng = random.Random(seed)
    for i in range(n_docs):
        doc_id = f"synth-{i:06d}"
        text, records = _document(rng, doc_id, records_per_doc)
        yield doc_id, text, records


def document_record(doc_id: str, text: str) -> dict[str, Any]:
    data = text.encode("utf-8")
    return {
        "kind": "document", "schema_version": SCHEMA_VERSION, "doc_id": doc_id,
        "title": f"Synthetic document {doc_id}", "language": "en",
        "sha256": hashlib.sha256(data).hexdigest(), "num_chars": len(text), "text_included": True,
        "source": {"publisher": None, "url": None, "date": None, "note": "Generated by geostance.validation.synth for benchmarks; not data."},
        "rights": {"text": "Generated text, CC0.", "annotations": "Generated annotations, CC0.", "annotations_license": "CC0-1.0"},
    }


def generate(root: Path, n_docs: int, seed: int = 0, records_per_doc: int = 100, annotator: str | None = None) -> int:
    """Write a synthetic dataset root; returns the number of annotation records.

    Records go to the gold file of each document, or to the raw file of
    ``annotator`` when one is given.
    """
    total = 0
    (root / "documents").mkdir(parents=True, exist_ok=True)
    for doc_id, text, records in documents(n_docs, seed, records_per_doc):
        write_bytes(root / "documents" / f"{doc_id}.txt", text.encode("utf-8"))
        write_bytes(root / "documents" / f"{doc_id}.jsonl", orjson.dumps(document_record(doc_id, text)) + b"\n")
        if annotator:
            out = root / "annotations" / "raw" / doc_id / f"{annotator}.jsonl"
        else:
            out = root / "annotations" / "gold" / f"{doc_id}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(out, b"".join(orjson.dumps(r) + b"\n" for r in records))
        total += len(records)
    return total
