"""Level 3 of validation: what a schema cannot say about one document's records.

:func:`check` takes the schema-valid records of one annotation file, grouped
by kind as ``(line, record)`` pairs, and the document text, and yields
findings: spans against the text, sentence order and coverage, ids, every
reference, the mention/entity partition, relation signatures and symmetry.
It is a pure function; the caller reads files.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from operator import itemgetter
from collections import defaultdict
from itertools import repeat
from typing import Any, Iterator

from geostance.core.findings import Finding
from geostance.contract.labels import ACTOR_TYPES, SIGNATURES, SYMMETRIC_TYPES

Rec = dict[str, Any]
_ID_SPAN = itemgetter("id", "start", "end", "text")
_STANCE_ARGS = itemgetter("holder", "target", "source")
_RELATION_ARGS = itemgetter("head", "tail", "source", "evidence")
_ACTORS = frozenset(ACTOR_TYPES)
Lined = list[tuple[int, Rec]]
_REC = itemgetter(1)
_ID = itemgetter("id")
_FIRST = itemgetter(0)
_LAST = itemgetter(-1)


def _show(s: str) -> str:
    s = s if len(s) <= 50 else s[:47] + "..."
    return '"' + s.replace("\n", "\\n").replace("\u00a0", "\\u00a0") + '"'


_ABBREVIATION_END = re.compile(r"(?:\b\w\.){2,}$")


def punctuation_edge(surface: str) -> bool:
    """Whether a span starts or ends on punctuation, the final period of an
    abbreviation such as "U.N." excepted (guidelines §9).

    >>> punctuation_edge("“abandon"), punctuation_edge("U.S."), punctuation_edge("Russia")
    (True, False, False)
    """
    if unicodedata.category(surface[0])[0] == "P":
        return True
    if unicodedata.category(surface[-1])[0] == "P":
        return not (surface[-1] == "." and _ABBREVIATION_END.search(surface))
    return False


def check_span(start: int, end: int, surface: str, text: str, file: str, line: int, field: str) -> Iterator[Finding]:
    """Offsets in range, start < end, surface text equal to the document's, no white-space edges.

    >>> [f.id for f in check_span(0, 6, "Moscow", "Moscow rules", "f", 1, "text")]
    []
    >>> [f.message for f in check_span(0, 7, "Moscow", "Moscow rules", "f", 1, "text")]
    ['is "Moscow", the document has "Moscow " at 0:7']
    >>> [(f.id, f.field) for f in check_span(0.0, 6, "Moscow", "Moscow rules", "f", 1, "evidence[0].text")]
    [('wrong-type', 'evidence[0].start')]
    """
    pre = field.rsplit(".", 1)[0] + "." if "." in field else ""
    for name, v in (("start", start), ("end", end)):
        # JSON Schema counts 5.0 as an integer; a str index cannot be 5.0
        if type(v) is not int:
            yield Finding("wrong-type", file, line, pre + name, f"found number {v!r}, expected an integer offset written without fraction or exponent")
            return
    if end > len(text):
        yield Finding("offset-out-of-range", file, line, pre + "end", f"end {end} lies beyond the document text, which has {len(text)} characters")
        return
    if start >= end:
        yield Finding("reversed-span", file, line, pre + "start", f"start {start} >= end {end}; expected start < end")
        return
    actual = text[start:end]
    if actual != surface:
        yield Finding("span-text-mismatch", file, line, field, f"is {_show(surface)}, the document has {_show(actual)} at {start}:{end}{normalisation_hint(surface, text, start, end)}")
        return
    if actual[0].isspace() or actual[-1].isspace():
        yield Finding("span-whitespace-edge", file, line, field, f"{_show(actual)} at {start}:{end} starts or ends on white space; trim the span")


def _form(s: str) -> str:
    return "NFC" if unicodedata.is_normalized("NFC", s) else "NFD" if unicodedata.is_normalized("NFD", s) else "neither NFC nor NFD"


def normalisation_hint(surface: str, text: str, start: int, end: int) -> str:
    """A note for a span-text mismatch that Unicode normalisation explains:
    the surface text and the document's text at the span are the same
    characters in NFC and NFD (composed "é" against "e" + combining accent).

    >>> print(normalisation_hint("cafe\u0301", "café au lait", 0, 4))
    ; the same text in another Unicode normalisation: the record's text is NFD, the document's is NFC (the document holds it at 0:4); write the document's code points and count offsets in them
    >>> normalisation_hint("Moscow", "Moscow rules", 0, 7)
    ''
    """
    nfc = unicodedata.normalize("NFC", surface)
    for a, b in ((start, end), (start, start + len(nfc)), (start, start + len(unicodedata.normalize("NFD", surface)))):
        actual = text[a:b]
        if actual != surface and unicodedata.normalize("NFC", actual) == nfc:
            return (f"; the same text in another Unicode normalisation: the record's text is {_form(surface)}, "
                    f"the document's is {_form(actual)} (the document holds it at {a}:{b}); "
                    "write the document's code points and count offsets in them")
    return ""


_CC = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly


def _control(s: str) -> bool:
    """Whether ``s`` holds a control character (category Cc).

    >>> _control("a" + chr(9) + "b"), _control("Zürich"), _control("x" + chr(0x85))
    (True, False, True)
    """
    return _CC.search(s) is not None


def _untrimmed(entities: Lined, file: str) -> Iterator[Finding]:
    """Entity names with white space at an edge or a control character. A name, unlike a span's
    text, is checked against no document text, so a tool's saving can damage it unseen.

    >>> [f.line for f in _untrimmed([(1, {"name": "\\tChina"}), (2, {"name": "Beijing"}), (3, {"name": "EU "})], "f")]
    [1, 3]
    """
    names = list(map(dict.get, map(_REC, entities), repeat("name")))
    if (set(map(type, names)) <= {str} and "" not in names and not _control("".join(names))
            and not any(map(str.isspace, map(_FIRST, names))) and not any(map(str.isspace, map(_LAST, names)))):
        return  # the common case, in a few whole-list operations: every name is clean
    for line, e in entities:
        name = e.get("name")
        if isinstance(name, str) and name and (name[0].isspace() or name[-1].isspace() or _control(name)):
            yield Finding("untrimmed-text", file, line, "name", f"{_show(name)} starts or ends on white space or holds a control "
                                                               "character; write the name without them")


def _duplicate_ids(layer: Lined, file: str) -> Iterator[Finding]:
    first: dict[str, int] = {}
    for line, r in layer:
        rid = r["id"]
        if rid in first:
            yield Finding("duplicate-id", file, line, "id", f"{rid} is already used on line {first[rid]}; expected ids unique within the {r['kind']} layer")
        else:
            first[rid] = line


def check(groups: dict[str, Lined], text: str, file: str, rejected: dict[str, set[str]] | None = None) -> Iterator[Finding]:
    """All level-3 findings of one document's records.

    ``rejected`` holds, per kind, the ids of records that failed the schema:
    a reference to one of them is neither resolved nor reported (level 2
    already reported the record).
    """
    rejected = rejected or {}
    bad_sents = rejected.get("sentence", set())
    bad_mentions = rejected.get("mention", set())
    bad_entities = rejected.get("entity", set())
    sentences = groups.get("sentence", [])
    mentions = groups.get("mention", [])
    entities = groups.get("entity", [])
    stances = groups.get("stance", [])
    relations = groups.get("relation", [])

    yield from _untrimmed(entities, file)

    # ids unique per layer: sentences, stances and relations here; mentions
    # and entities where their index is built (a repeated id makes it shorter)
    sent_ids = set(map(_ID, map(_REC, sentences)))
    if len(sent_ids) != len(sentences):
        yield from _duplicate_ids(sentences, file)
    for layer in (stances, relations):
        if len(set(map(_ID, map(_REC, layer)))) != len(layer):
            yield from _duplicate_ids(layer, file)

    # sentences: spans, order, ids, coverage
    good_sents: list[tuple[int, int, str]] = []
    good_lines: list[int] = []
    prev_end = -1
    prev_line = 0
    n_text = len(text)
    for n, (line, s) in enumerate(sentences, 1):
        a, b, surface = s["start"], s["end"], s["text"]
        if type(a) is type(b) is int and b <= n_text and a < b and text[a:b] == surface and not surface[0].isspace() and not surface[-1].isspace():
            spans = []
        else:
            spans = list(check_span(a, b, surface, text, file, line, "text"))
            yield from spans
        if s["id"] != f"s{n}":
            yield Finding("sentence-id-order", file, line, "id", f"is {s['id']}, expected s{n} (the {n}th sentence in reading order)")
        if spans:
            continue
        if s["start"] < prev_end:
            yield Finding("sentence-order", file, line, "start", f"sentence {s['id']} starts at {s['start']}, before the end ({prev_end}) of the sentence on line {prev_line}; expected sentences in reading order, not overlapping")
            continue
        good_sents.append((s["start"], s["end"], s["id"]))
        good_lines.append(line)
        prev_end, prev_line = s["end"], line
    if sentences:
        pos = 0
        # the finding's line: the sentence before the gap (the first sentence
        # for a gap before it)
        before = sentences[0][0]
        for (start, end, _), line in zip(good_sents + [(len(text), len(text), "")], good_lines + [0]):
            gap = text[pos:start]
            if gap.strip():
                a = pos + (len(gap) - len(gap.lstrip()))
                b = pos + len(gap.rstrip())
                yield Finding("text-not-covered", file, before or line, "sentence", f"text {_show(text[a:b])} at {a}:{b} lies in no sentence; expected sentences to cover all non-blank text")
            pos = max(pos, end)
            if line:
                before = line
    sent_starts = [s for s, _, _ in good_sents]

    # mentions
    mention_by_id: dict[str, Rec] = {}
    mention_sentence: dict[str, str | None] = {}
    span_first: dict[tuple[int, int], str] = {}
    have_sents = bool(good_sents)
    for line, m in mentions:
        mid, a, b, surface = _ID_SPAN(m)
        mention_by_id.setdefault(mid, m)
        if type(a) is type(b) is int and b <= n_text and a < b and text[a:b] == surface and surface[0].isalnum() and surface[-1].isalnum():
            pass  # the common case: the span matches and has word characters at both edges
        else:
            bad = list(check_span(a, b, surface, text, file, line, "text"))
            yield from bad
            if bad:
                mention_sentence[mid] = None
                continue
            if punctuation_edge(surface):
                yield Finding("span-punctuation-edge", file, line, "text", f"{_show(surface)} at {a}:{b} starts or ends on punctuation; trim it")
        key = (a, b)
        if key in span_first:
            yield Finding("duplicate-mention-span", file, line, "start", f"{mid} covers {a}:{b} like {span_first[key]}; expected one mention per span")
        else:
            span_first[key] = mid
        if have_sents:
            i = bisect_right(sent_starts, a) - 1
            if i >= 0 and good_sents[i][1] >= b:
                mention_sentence[mid] = good_sents[i][2]
            else:
                mention_sentence[mid] = None
                yield Finding("mention-crosses-sentence", file, line, "start", f"{mid} at {a}:{b} does not lie inside one sentence")
        else:
            mention_sentence[mid] = None

    if len(mention_by_id) != len(mentions):
        yield from _duplicate_ids(mentions, file)

    # entities and the mention partition
    entity_by_id: dict[str, Rec] = {}
    owner: dict[str, str] = {}  # mention id -> the first entity that lists it
    listed_by: dict[str, list[str]] = defaultdict(list)  # only for mentions listed more than once
    for line, e in entities:
        eid = e["id"]
        entity_by_id.setdefault(eid, e)
        for i, mid in enumerate(e["mentions"]):
            if mid in bad_mentions:
                continue
            if mid not in mention_by_id:
                yield Finding("dangling-reference", file, line, f"mentions[{i}]", f"{mid} is not the id of a mention of this file")
            elif mid in owner:
                if mid not in listed_by:
                    listed_by[mid].append(owner[mid])
                listed_by[mid].append(eid)
            else:
                owner[mid] = eid
    if len(entity_by_id) != len(entities):
        yield from _duplicate_ids(entities, file)
    for line, m in mentions:
        ment = m["entity"]
        if ment in bad_entities:
            continue
        ent = entity_by_id.get(ment)
        if ent is None:
            yield Finding("dangling-reference", file, line, "entity", f"{ment} is not the id of an entity of this file")
            continue
        mid = m["id"]
        if owner.get(mid) != ment or mid in listed_by:
            owners = listed_by.get(mid) or ([owner[mid]] if mid in owner else [])
            if not owners:
                what = "no entity lists it"
            elif len(owners) > 10:  # a message stays short, however many list it
                what = f"it is listed by {len(owners):,} entities: {', '.join(owners[:10])}, ..."
            elif len(owners) > 1:
                what = f"it is listed by {', '.join(owners)}"
            else:
                what = f"it is listed by {owners[0]}"
            yield Finding("mention-entity-mismatch", file, line, "entity", f"{mid} names entity {ment} but {what}; expected exactly that one entity to list it")
        elif m["type"] != ent["type"]:
            yield Finding("entity-type-mismatch", file, line, "type", f"{mid} has type {m['type']}, its entity {ment} has type {ent['type']}")

    # stances
    stance_seen: dict[tuple[str, str, str, str], int] = {}
    for line, t in stances:
        holder, target, source = _STANCE_ARGS(t)
        ok = holder in entity_by_id and target in entity_by_id
        if not ok:
            for fld, v in (("holder", holder), ("target", target)):
                if v not in entity_by_id and v not in bad_entities:
                    yield Finding("dangling-reference", file, line, fld, f"{v} is not the id of an entity of this file")
        if source != "AUTHOR" and source not in entity_by_id and source not in bad_entities:
            yield Finding("dangling-reference", file, line, "source", f"{source} is not the id of an entity of this file, nor AUTHOR")
        for i, ev in enumerate(t["evidence"]):
            a, b, surface = ev["start"], ev["end"], ev["text"]
            if not (type(a) is type(b) is int and b <= n_text and a < b and text[a:b] == surface and not surface[0].isspace() and not surface[-1].isspace()):
                bad = list(check_span(a, b, surface, text, file, line, f"evidence[{i}].text"))
                yield from bad
                if bad:
                    continue
            # guidelines §10.1 and §9: one sentence per span, no punctuation at the edges
            if not (surface[0].isalnum() and surface[-1].isalnum()) and punctuation_edge(surface):
                yield Finding("span-punctuation-edge", file, line, f"evidence[{i}].text", f"{_show(surface)} at {a}:{b} starts or ends on punctuation; trim it")
            if good_sents:
                j = bisect_right(sent_starts, a) - 1
                inside = j >= 0 and good_sents[j][1] >= b
            else:
                inside = True
            if not inside:
                yield Finding("evidence-crosses-sentence", file, line, f"evidence[{i}].start", f"evidence span {a}:{b} does not lie inside one sentence; expected one span per sentence")
        if not ok:
            continue
        if holder == target:
            yield Finding("self-reference", file, line, "target", f"holder and target are both {holder}; expected two different entities")
        htype = entity_by_id[holder]["type"]
        if htype not in _ACTORS:
            yield Finding("holder-not-actor", file, line, "holder", f"{holder} has type {htype}; expected a holder of type {', '.join(ACTOR_TYPES)}")
        key = (holder, target, t["label"], source, t.get("modality"))
        if key in stance_seen:
            modal = f", modality {t['modality']}" if "modality" in t else ""
            yield Finding("duplicate-stance", file, line, "id", f"{t['id']} repeats the stance on line {stance_seen[key]} ({t['holder']} {t['label']} {t['target']}, source {t['source']}{modal})")
        else:
            stance_seen[key] = line

    # relations
    rel_seen: dict[tuple[str, str, str], int] = {}
    for line, r in relations:
        rh, rt, rsource, revidence = _RELATION_ARGS(r)
        ok = rh in mention_by_id and rt in mention_by_id
        if not ok:
            for fld, v in (("head", rh), ("tail", rt)):
                if v not in mention_by_id and v not in bad_mentions:
                    yield Finding("dangling-reference", file, line, fld, f"{v} is not the id of a mention of this file")
        for i, sid in enumerate(revidence):
            if sid not in sent_ids and sid not in bad_sents:
                yield Finding("dangling-reference", file, line, f"evidence[{i}]", f"{sid} is not the id of a sentence of this file")
        if rsource != "AUTHOR" and rsource not in entity_by_id and rsource not in bad_entities:
            yield Finding("dangling-reference", file, line, "source", f"{rsource} is not the id of an entity of this file, nor AUTHOR")
        if not ok:
            continue
        head, tail = mention_by_id[r["head"]], mention_by_id[r["tail"]]
        sig = SIGNATURES[r["type"]]
        if r["head"] == r["tail"]:
            yield Finding("self-reference", file, line, "tail", f"head and tail are both {r['head']}; expected two different mentions")
        elif head["entity"] == tail["entity"]:
            yield Finding("self-reference", file, line, "tail", f"head {r['head']} and tail {r['tail']} are both mentions of {head['entity']}; expected two different entities")
        if head["type"] not in sig.head:
            yield Finding("argument-type", file, line, "head", f"{r['head']} has type {head['type']}; {r['type']} takes a head of type {' or '.join(sig.head)}")
        if tail["type"] not in sig.tail:
            yield Finding("argument-type", file, line, "tail", f"{r['tail']} has type {tail['type']}; {r['type']} takes a tail of type {' or '.join(sig.tail)}")
        key = (r["type"], r["head"], r["tail"])
        if key in rel_seen:
            yield Finding("duplicate-relation", file, line, "id", f"{r['id']} repeats the relation on line {rel_seen[key]} ({r['type']} {r['head']} -> {r['tail']})")
        else:
            rel_seen[key] = line
        if r["type"] in SYMMETRIC_TYPES:
            if (r["type"], r["tail"], r["head"]) in rel_seen:
                yield Finding("symmetric-duplicate", file, line, "head", f"{r['type']} is symmetric and {r['tail']} -> {r['head']} is already stored (line {rel_seen[(r['type'], r['tail'], r['head'])]}); expected it once")
            elif (head["start"], head["end"]) > (tail["start"], tail["end"]):
                yield Finding("symmetric-duplicate", file, line, "head", f"{r['type']} is symmetric: expected head = the mention that comes first in the text ({r['tail']} at {tail['start']}, not {r['head']} at {head['start']})")
        ev = set(r["evidence"])
        for fld, m in (("head", head), ("tail", tail)):
            sid = mention_sentence.get(m["id"])
            if sid is not None and sid not in ev:
                yield Finding("argument-outside-evidence", file, line, fld, f"{m['id']} ({_show(m['text'])}) lies in {sid}, which is not among the evidence sentences {', '.join(r['evidence'])}")


def sentence_index(sentences: list[Rec]) -> tuple[list[int], list[Rec]]:
    """Starts of the sentences (in order) for :func:`locate`."""
    ordered = sorted(sentences, key=lambda s: s["start"])
    return [s["start"] for s in ordered], ordered


def locate(index: tuple[list[int], list[Rec]], start: int, end: int) -> Rec | None:
    """The sentence that holds ``[start, end)``, or None."""
    starts, ordered = index
    i = bisect_right(starts, start) - 1
    if i >= 0 and ordered[i]["end"] >= end:
        return ordered[i]
    return None

