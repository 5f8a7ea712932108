"""brat standoff: ``<doc>.txt`` + ``<doc>.ann``, both ways.

brat and geostance both count offsets in code points, end exclusive. The
mapping, layer by layer (``K`` is the number of a geostance id):

============  ==================================================================
geostance     brat
============  ==================================================================
mention mK    ``TK<tab>TYPE START END<tab>text`` (TYPE a mention type); its form
              as ``A<n><tab>Form TK NOMINAL``, ``metonymy: true`` as the binary
              attribute ``A<n><tab>Metonymy TK``
entity eK     its mentions are one ``*<tab>Equiv T.. T..`` line (clusters are
              merged transitively, so brat's one-pair-per-line lines work too);
              its id and name are a normalization line on its first mention:
              ``N<n><tab>Reference T.. geostance:eK<tab>name``
sentence      ``T<n><tab>Sentence START END<tab>text`` (omitted with
              ``--no-sentences``: then the importer takes the dataset's sentences)
stance tK     an event ``EK<tab>STANCE_<LABEL>:T.. Holder:T.. Target:T..
              [Evidence2:T.. ...]``: the trigger is the first evidence span
              (a T line of type ``STANCE_<LABEL>``), further evidence spans are
              T lines of type ``Evidence``; holder and target point to the first
              mention of the entity (any mention of it imports the same);
              ``A<n><tab>Source EK AUTHOR|eJ``, ``A<n><tab>Explicit EK`` and
              (schema 1.1) ``A<n><tab>StanceModality EK ASSERTED``
relation rK   ``RK<tab>TYPE Arg1:T.. Arg2:T..<tab>`` and its extras opening its
              AnnotatorNotes: ``modality=ALLEGED source=AUTHOR|T.. evidence=s4,s5``
              (``source`` a T id stands for that mention's entity); ``A`` lines on
              relations (the old form) are read, never written
stance, as    ``RK<tab>STANCE_<LABEL> Arg1:T.. Arg2:T..<tab>`` from a holder mention to
a relation    a target mention, notes ``source=.. explicit=true|false modality=..
              evidence=START-END,START-END``: read (the same records as the event),
              written only by hand or by brat with the stances-as-relations config
note          ``#<n><tab>AnnotatorNotes ID<tab>text`` on the T, N, E or R line of
              the record; backslash, newline and tab escaped as ``\\\\ \\n \\t``
============  ==================================================================

What brat cannot carry, and what happens instead:

* ``provenance`` (gold only) is not exported;
* brat has no entity objects: entity ids and names ride on normalization
  (``N``) lines; a cluster without one gets the next free id and, as name,
  the text of its first NAME mention in reading order (else its first);
* brat's interface cannot edit attributes of relations (and its visualizer
  rejects them): relation extras ride in AnnotatorNotes; missing ones are
  refused unless filled on import (``--default-modality``,
  ``--default-source-author``); a relation without evidence gets the
  sentences that hold its head and tail; every fill is reported;
* brat saves a line's tail after one more tab than it read: the tabs before
  a name or a note are separators and are dropped on import;
* no ``Sentence`` spans: the dataset's sentences, else the text segmented by
  :mod:`geostance.contributing.segment`;
* a span's text in a T line has its tabs and line breaks shown as spaces
  (brat does the same); the offsets are exact;
* discontinuous spans (``START END;START END``) are refused: geostance spans
  are contiguous.

Round trip: ``to_records(export(records, text), text)`` gives back the same
records (same ids, same order within each layer, same fields), except
``provenance``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from geostance.contract import records as R
from geostance.contributing import segment
from geostance.contributing.interop import InteropError, escape_note, sentence_evidence, settle_version, unescape_note
from geostance.contract.labels import AUTHOR, CURRENT_VERSION, MENTION_FORMS, MENTION_TYPES, MODALITIES, RELATION_TYPES, STANCE_LABELS, STANCE_MODALITIES


Rec = dict[str, Any]

SENTENCE = "Sentence"
EVIDENCE = "Evidence"
STANCE_PREFIX = "STANCE_"
NORM_DB = "geostance"
A_FORM, A_METONYMY, A_SOURCE, A_EXPLICIT, A_MODALITY, A_EVIDENCE = "Form", "Metonymy", "Source", "Explicit", "Modality", "Evidence"
A_STANCE_MODALITY = "StanceModality"  # brat names an attribute once for all its arguments: stances have their own inventory


def stance_type(label: str) -> str:
    return STANCE_PREFIX + label


def span_text(s: str) -> str:
    """A span's text as a T line shows it: tabs and line breaks as spaces."""
    return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")


# ------------------------------------------------------------------ export


def export(records: Iterable[Rec], text: str, sentences: bool = True) -> str:
    """The ``.ann`` content for one document's records."""
    g = R.by_layer(records)
    mentions, entities, stances, relations = g["mention"], g["entity"], g["stance"], g["relation"]
    mention_t = {m["id"]: f"T{R.id_number(m['id'])}" for m in mentions}
    next_t = max((R.id_number(m["id"]) for m in mentions), default=0) + 1
    t_lines: list[str] = []
    a_lines: list[str] = []
    notes: list[tuple[str, str]] = []

    def new_t(typ: str, start: int, end: int, surface: str) -> str:
        nonlocal next_t
        tid = f"T{next_t}"
        next_t += 1
        t_lines.append(f"{tid}\t{typ} {start} {end}\t{span_text(surface)}")
        return tid

    def attr(name: str, target: str, value: str | None = None) -> None:
        a_lines.append(f"A{len(a_lines) + 1}\t{name} {target}" + (f" {value}" if value is not None else ""))

    for m in mentions:
        tid = mention_t[m["id"]]
        t_lines.append(f"{tid}\t{m['type']} {m['start']} {m['end']}\t{span_text(m['text'])}")
        attr(A_FORM, tid, m["form"])
        if m["metonymy"]:
            attr(A_METONYMY, tid)
        if "note" in m:
            notes.append((tid, escape_note(m["note"])))
    if sentences:
        for s in g["sentence"]:
            tid = new_t(SENTENCE, s["start"], s["end"], s["text"])
            if "note" in s:
                notes.append((tid, escape_note(s["note"])))
    first_mention = {e["id"]: mention_t[e["mentions"][0]] for e in entities if e["mentions"] and e["mentions"][0] in mention_t}
    e_lines = []
    triggers: dict[tuple[str, int, int], str] = {}
    for t in stances:
        eid = f"E{R.id_number(t['id'])}"
        ev = t["evidence"]
        key = (t["label"], ev[0]["start"], ev[0]["end"])
        if key not in triggers:  # stances with one label and one first span share their trigger, as brat prefers
            triggers[key] = new_t(stance_type(t["label"]), ev[0]["start"], ev[0]["end"], ev[0]["text"])
        trig = triggers[key]
        args = [f"{stance_type(t['label'])}:{trig}", f"Holder:{first_mention[t['holder']]}", f"Target:{first_mention[t['target']]}"]
        for j, span in enumerate(ev[1:], 2):
            args.append(f"{EVIDENCE}{j}:{new_t(EVIDENCE, span['start'], span['end'], span['text'])}")
        e_lines.append(f"{eid}\t{' '.join(args)}")
        attr(A_SOURCE, eid, t["source"])
        if t["explicit"]:
            attr(A_EXPLICIT, eid)
        if "modality" in t:
            attr(A_STANCE_MODALITY, eid, t["modality"])
        if "note" in t:
            notes.append((eid, escape_note(t["note"])))
    r_lines = []
    for r in relations:
        rid = f"R{R.id_number(r['id'])}"
        r_lines.append(f"{rid}\t{r['type']} Arg1:{mention_t[r['head']]} Arg2:{mention_t[r['tail']]}\t")
        # brat has no attributes on relations: the extras open the relation's one AnnotatorNotes line
        src = r["source"] if r["source"] == AUTHOR else first_mention[r["source"]]
        extras = f"modality={r['modality']} source={src} evidence={','.join(r['evidence'])}"
        notes.append((rid, extras + (" " + escape_note(r["note"]) if "note" in r else "")))
    n_lines = []
    equiv = []
    for e in entities:
        nid = f"N{len(n_lines) + 1}"
        n_lines.append(f"{nid}\tReference {first_mention[e['id']]} {NORM_DB}:{e['id']}\t{span_text(e['name'])}")
        if "note" in e:
            notes.append((nid, escape_note(e["note"])))
        if len(e["mentions"]) > 1:
            equiv.append("*\tEquiv " + " ".join(mention_t[m] for m in e["mentions"]))
    note_lines = [f"#{i}\tAnnotatorNotes {target}\t{n}" for i, (target, n) in enumerate(notes, 1)]  # n is escaped
    lines = t_lines + a_lines + n_lines + equiv + r_lines + e_lines + note_lines
    return "".join(line + "\n" for line in lines)


def annotation_conf(entity_ids: Iterable[str] = (), stances: str = "events") -> str:
    """brat's ``annotation.conf`` for geostance: every type, role and attribute.

    ``entity_ids`` are listed as values of ``Source`` so brat's interface can
    set them on stances (without them a stance's source is ``AUTHOR``, or
    ``source=T..`` in its AnnotatorNotes). ``stances="relations"`` declares
    the stances as relations ``STANCE_<LABEL>`` from holder to target
    instead of events (their extras then go in AnnotatorNotes). Spans may
    nest and overlap (``<OVERLAP>``): sentences hold mentions, evidence
    spans hold mentions, mentions nest. Relations take no attributes (brat's
    interface cannot edit them): their extras go in AnnotatorNotes.
    """
    from geostance.contract.labels import SIGNATURES

    if stances not in ("events", "relations"):
        raise ValueError(f"stances must be 'events' or 'relations', not {stances!r}")
    lines = ["# geostance: labels from schema/labels.schema.json; relation and stance extras go in AnnotatorNotes",
             "[entities]", SENTENCE, EVIDENCE]
    lines += list(MENTION_TYPES)
    lines += ["", "[relations]", "Equiv\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive",
              "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"]
    for name, sig in SIGNATURES.items():
        lines.append(f"{name}\tArg1:{'|'.join(sig.head)}, Arg2:{'|'.join(sig.tail)}")
    actors = "|".join(MENTION_TYPES)
    if stances == "relations":
        for lab in STANCE_LABELS:
            lines.append(f"{stance_type(lab)}\tArg1:{actors}, Arg2:{actors}")
        lines += ["", "[events]", "", "[attributes]"]
    else:
        lines += ["", "[events]"]
        for lab in STANCE_LABELS:
            lines.append(f"{stance_type(lab)}\tHolder:{actors}, Target:{actors}, {EVIDENCE}*:{EVIDENCE}")
        sources = "|".join([AUTHOR, *entity_ids])
        lines += ["", "[attributes]",
                  f"{A_EXPLICIT}\tArg:<EVENT>",
                  f"{A_STANCE_MODALITY}\tArg:<EVENT>, Value:{'|'.join(STANCE_MODALITIES)}",
                  f"{A_SOURCE}\tArg:<EVENT>, Value:{sources}"]
    lines += [f"{A_FORM}\tArg:<ENTITY>, Value:{'|'.join(MENTION_FORMS)}", f"{A_METONYMY}\tArg:<ENTITY>"]
    return "\n".join(lines) + "\n"


def visual_conf() -> str:
    """brat's ``visual.conf``: the labels shown for each type."""
    lines = ["[labels]", f"{SENTENCE} | Sentence | S", f"{EVIDENCE} | Evidence | Ev"]
    lines += [f"{t} | {t}" for t in MENTION_TYPES]
    lines += [f"{stance_type(lab)} | {lab} stance | {lab}" for lab in STANCE_LABELS]
    lines += ["", "[drawing]", f"{SENTENCE}\tbgColor:#f0f0f0", f"{EVIDENCE}\tbgColor:#ffe9a8",
              "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
              "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ import


@dataclass
class _T:
    id: str
    type: str
    start: int
    end: int
    text: str
    line: int


@dataclass
class Parsed:
    """The lines of an ``.ann`` file, by kind."""

    t: dict[str, _T] = field(default_factory=dict)
    r: list[tuple[str, str, list[tuple[str, str]], int]] = field(default_factory=list)  # id, type, args, line
    e: list[tuple[str, str, str, list[tuple[str, str]], int]] = field(default_factory=list)  # id, type, trigger, args, line
    a: list[tuple[str, str, str, str | None, int]] = field(default_factory=list)  # id, name, target, value, line
    n: list[tuple[str, str, str, str, int]] = field(default_factory=list)  # id, target, ref, name, line
    equiv: list[tuple[list[str], int]] = field(default_factory=list)
    notes: list[tuple[str, str, int]] = field(default_factory=list)  # target, text, line
    line_of: dict[str, int] = field(default_factory=dict)


_ID = re.compile(r"^([TRENAM#])([0-9]+)$")


def parse(ann: str, file: str = "ann") -> Parsed:
    """Parse the lines of an ``.ann`` file (no check against the text yet)."""
    p = Parsed()

    def fail(line: int, msg: str) -> InteropError:
        return InteropError(f"{file}:{line}: {msg}")

    for ln, raw in enumerate(ann.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        ident = fields[0]
        if ident == "*":
            parts = fields[1].split() if len(fields) > 1 else []
            if not parts or parts[0] != "Equiv":
                raise fail(ln, f"a '*' line must read '*<tab>Equiv T1 T2 ...', found {line!r}")
            p.equiv.append((parts[1:], ln))
            continue
        m = _ID.match(ident)
        if not m:
            raise fail(ln, f"{ident!r} is not a brat annotation id (T1, R1, E1, A1, N1, #1 or *)")
        if ident in p.line_of:
            raise fail(ln, f"{ident} is already defined on line {p.line_of[ident]}")
        p.line_of[ident] = ln
        kind = m.group(1)
        if len(fields) < 2:
            raise fail(ln, f"{ident}: expected a tab after the id")
        body = fields[1].split()
        if kind == "T":
            if len(fields) < 3:
                raise fail(ln, f"{ident}: expected 'T<n><tab>TYPE START END<tab>text'")
            if ";" in fields[1]:
                raise fail(ln, f"{ident}: discontinuous span {fields[1].split(' ', 1)[1]!r}; geostance spans are contiguous")
            if len(body) != 3 or not body[1].isdigit() or not body[2].isdigit():
                raise fail(ln, f"{ident}: expected 'TYPE START END' before the text, found {fields[1]!r}")
            p.t[ident] = _T(ident, body[0], int(body[1]), int(body[2]), "\t".join(fields[2:]), ln)
        elif kind == "R":
            if len(body) != 3:
                raise fail(ln, f"{ident}: expected 'TYPE Arg1:T.. Arg2:T..', found {fields[1]!r}")
            args = [tuple(a.split(":", 1)) for a in body[1:]]
            if any(len(a) != 2 for a in args):
                raise fail(ln, f"{ident}: arguments must read ROLE:ID, found {fields[1]!r}")
            p.r.append((ident, body[0], args, ln))  # type: ignore[arg-type]
        elif kind == "E":
            args = [tuple(a.split(":", 1)) for a in body]
            if not args or any(len(a) != 2 for a in args):
                raise fail(ln, f"{ident}: expected 'TYPE:T.. ROLE:ID ...', found {fields[1]!r}")
            etype, trig = args[0]
            p.e.append((ident, etype, trig, args[1:], ln))  # type: ignore[arg-type]
        elif kind in "AM":
            if len(body) not in (2, 3):
                raise fail(ln, f"{ident}: expected 'NAME ID [VALUE]', found {fields[1]!r}")
            p.a.append((ident, body[0], body[1], body[2] if len(body) == 3 else None, ln))
        elif kind == "N":
            if len(body) != 3 or body[0] != "Reference" or ":" not in body[2]:
                raise fail(ln, f"{ident}: expected 'Reference T.. DB:ID<tab>name', found {fields[1]!r}")
            # brat keeps everything after the reference as the line's tail and writes it back after
            # one more tab (its interface writes a new name after two): leading tabs separate, they are not the name
            p.n.append((ident, body[1], body[2], _tail(line), ln))
        elif kind == "#":
            if len(body) != 2 or body[0] != "AnnotatorNotes":
                raise fail(ln, f"{ident}: expected 'AnnotatorNotes ID<tab>text', found {fields[1]!r}")
            p.notes.append((body[1], unescape_note(_tail(line)), ln))
    return p


def _tail(line: str) -> str:
    r"""What follows the second field of a line, without the tabs that separate it.

    >>> _tail("N1\tReference T1 geostance:e1\t\tChina"), _tail("#1\tAnnotatorNotes T1")
    ('China', '')
    """
    parts = line.split("\t", 2)
    return parts[2].lstrip("\t") if len(parts) == 3 else ""


def _num(ident: str) -> int:
    return int(ident[1:])


def to_records(ann: str, text: str, doc_id: str, file: str = "ann", sentences: list[Rec] | None = None,
               default_modality: str | None = None, default_source_author: bool = False,
               default_stance_modality: str | None = None, default_stance_evidence: bool = False) -> tuple[list[Rec], list[str]]:
    """geostance records from an ``.ann`` file and its text.

    ``sentences`` are used when the file has no ``Sentence`` spans. Returns the
    records (layers in order) and notes on what was filled in.
    """
    p = parse(ann, file)
    filled: list[str] = []

    def fail(line: int, msg: str) -> InteropError:
        return InteropError(f"{file}:{line}: {msg}")

    def base(kind: str, rid: str) -> Rec:
        return {"kind": kind, "schema_version": CURRENT_VERSION, "doc_id": doc_id, "id": rid}

    for t in p.t.values():
        if t.end > len(text) or t.start >= t.end:
            raise fail(t.line, f"{t.id}: span {t.start}:{t.end} does not fit the text ({len(text)} characters)")
        if span_text(text[t.start:t.end]) != t.text:
            raise fail(t.line, f"{t.id}: the text at {t.start}:{t.end} is {text[t.start:t.end]!r}, the line says {t.text!r}")

    known_types = set(MENTION_TYPES) | {SENTENCE, EVIDENCE} | {stance_type(x) for x in STANCE_LABELS}
    for t in p.t.values():
        if t.type not in known_types:
            raise fail(t.line, f"{t.id}: unknown type {t.type!r}; expected a mention type ({', '.join(MENTION_TYPES)}), "
                               f"{SENTENCE}, {EVIDENCE} or a stance trigger ({', '.join(stance_type(x) for x in STANCE_LABELS)})")
    mention_ts = [t for t in p.t.values() if t.type in MENTION_TYPES]
    sentence_ts = sorted((t for t in p.t.values() if t.type == SENTENCE), key=lambda t: (t.start, t.end))

    # attributes and notes, by target
    attrs: dict[str, dict[str, tuple[str | None, int]]] = defaultdict(dict)
    for aid, name, target, value, ln in p.a:
        if name in attrs[target]:
            raise fail(ln, f"{aid}: {target} already has the attribute {name}")
        attrs[target][name] = (value, ln)
    allowed = {A_FORM: "mention", A_METONYMY: "mention", A_SOURCE: "ER", A_EXPLICIT: "E", A_STANCE_MODALITY: "E", A_MODALITY: "R", A_EVIDENCE: "R"}
    for aid, name, target, value, ln in p.a:
        if target not in p.line_of:
            raise fail(ln, f"{aid}: the attribute {name} is attached to {target}, which is not defined")
        if name not in allowed:
            raise fail(ln, f"{aid}: unknown attribute {name!r}; expected one of {', '.join(allowed)}")
        where = allowed[name]
        ok = (target in p.t and p.t[target].type in MENTION_TYPES) if where == "mention" else target[0] in where
        if not ok:
            what = "mentions" if where == "mention" else " and ".join({"E": "stance events (E)", "R": "relations (R)"}[c] for c in where)
            raise fail(ln, f"{aid}: {name} is an attribute of {what}, not of {target}")
    notes: dict[str, str] = {}
    extras: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)  # E or R id -> key -> (value, line)
    for target, note, ln in p.notes:
        if target not in p.line_of:
            raise fail(ln, f"the note is attached to {target}, which is not defined")
        if target[0] in "ER":
            pairs, note = split_extras(note)
            for key, value in pairs:
                if key in extras[target]:
                    raise fail(ln, f"{target}: '{key}=' is given twice in its AnnotatorNotes (line {extras[target][key][1]} and {ln})")
                extras[target][key] = (value, ln)
            if not note:
                continue
        notes[target] = note if target not in notes else notes[target] + "\n" + note

    def attribute(target: str, name: str) -> tuple[str | None, int] | None:
        return attrs.get(target, {}).get(name)

    # sentences
    if sentence_ts:
        sents = []
        for i, t in enumerate(sentence_ts, 1):
            s = {**base("sentence", f"s{i}"), "start": t.start, "end": t.end, "text": text[t.start:t.end]}
            if t.id in notes:
                s["note"] = notes[t.id]
            sents.append(s)
    elif sentences:
        sents = [R.canonical(s) for s in sentences]
        filled.append(f"no {SENTENCE} spans in the file: took the document's {len(sents)} sentences from the dataset")
    else:
        sents = [{**base("sentence", f"s{i}"), "start": a, "end": b, "text": text[a:b]} for i, (a, b) in enumerate(segment.sentences(text), 1)]
        filled.append(f"no {SENTENCE} spans in the file and no sentences of {doc_id!r} in the dataset: "
                      f"segmented the text by the scheme's sentence rules ({len(sents)} sentences)")
    sentence_ids = {s["id"] for s in sents}

    # coreference: union of Equiv lines, clusters in order of first appearance
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order: list[str] = []
    for members, ln in p.equiv:
        for m in members:
            if m not in p.t or p.t[m].type not in MENTION_TYPES:
                raise fail(ln, f"Equiv lists {m}, which is not a mention (a T line of a mention type)")
            if m not in order:
                order.append(m)
        for m in members[1:]:
            parent[find(m)] = find(members[0])
    for t in mention_ts:
        if t.id not in order:
            order.append(t.id)
    clusters: dict[str, list[str]] = {}
    for m in order:
        clusters.setdefault(find(m), []).append(m)

    # entity ids and names from normalization lines
    norm: dict[str, tuple[str, str, str, int]] = {}  # cluster root -> (entity id, name, N id, line)
    norm_order: dict[str, int] = {}
    for nid, target, ref, name, ln in p.n:
        db, _, eid = ref.partition(":")
        if db != NORM_DB:
            continue  # another knowledge base: not ours to read
        if target not in p.t or p.t[target].type not in MENTION_TYPES:
            raise fail(ln, f"{nid} refers to {target}, which is not a mention")
        if not re.fullmatch(r"e[1-9][0-9]*", eid):
            raise fail(ln, f"{nid}: {ref!r} is not a geostance entity reference (geostance:e1, geostance:e2 ...)")
        root = find(target)
        if root in norm and norm[root][0] != eid:
            raise fail(ln, f"{nid} names {target}'s entity {eid}, but line {norm[root][3]} names it {norm[root][0]}: "
                           "one cluster of Equiv mentions is one entity")
        norm[root] = (eid, unescape_note(name), nid, ln)
        norm_order.setdefault(root, len(norm_order))
    used = {v[0] for v in norm.values()}
    if len(used) != len(norm):
        dup = [v for v in norm.values() if sum(1 for w in norm.values() if w[0] == v[0]) > 1][0]
        raise fail(dup[3], f"entity {dup[0]} names two different clusters of mentions")
    next_e = max((R.id_number(e) for e in used), default=0) + 1
    roots = sorted(clusters, key=lambda r: (norm_order.get(r, len(norm_order)), min((p.t[m].start, p.t[m].end) for m in clusters[r])))
    entity_of: dict[str, str] = {}
    entities = []
    for root in roots:
        members = clusters[root]
        if root in norm:
            eid, name, nid, _ = norm[root]
        else:
            eid, nid = f"e{next_e}", None
            next_e += 1
            by_pos = sorted(members, key=lambda m: (p.t[m].start, p.t[m].end))
            named = [m for m in by_pos if (attribute(m, A_FORM) or (None,))[0] == "NAME"]
            name = text[p.t[(named or by_pos)[0]].start:p.t[(named or by_pos)[0]].end]
            filled.append(f"entity {eid} ({name!r}) had no {NORM_DB} normalization line: id and name assigned")
        for m in members:
            entity_of[m] = eid
        e = {**base("entity", eid), "name": name, "type": p.t[members[0]].type, "mentions": [f"m{_num(m)}" for m in members]}
        if nid and nid in notes:
            e["note"] = notes[nid]
        entities.append(e)

    # mentions, in file order
    mentions = []
    for t in mention_ts:
        form = attribute(t.id, A_FORM)
        if form is None:
            raise fail(t.line, f"{t.id} ({t.text!r}) has no {A_FORM} attribute; expected one of {', '.join(MENTION_FORMS)}")
        if form[0] not in MENTION_FORMS:
            raise fail(form[1], f"{A_FORM} of {t.id} is {form[0]!r}; expected one of {', '.join(MENTION_FORMS)}")
        met = attribute(t.id, A_METONYMY)
        if met is not None and met[0] not in (None, "true", "false"):
            raise fail(met[1], f"{A_METONYMY} is a binary attribute (present or absent), found the value {met[0]!r}")
        m = {**base("mention", f"m{_num(t.id)}"), "start": t.start, "end": t.end, "text": text[t.start:t.end],
             "type": t.type, "form": form[0], "entity": entity_of[t.id], "metonymy": met is not None and met[0] != "false"}
        if t.id in notes:
            m["note"] = notes[t.id]
        mentions.append(m)

    entity_ids = {e["id"] for e in entities}

    def extra(target: str, key: str) -> tuple[str, int] | None:
        return extras.get(target, {}).get(key)

    def one_of(target: str, key: str, name: str) -> tuple[str | None, int] | None:
        """A value given as an attribute (``A`` line) or in the AnnotatorNotes (``key=value``), not both differently."""
        a, n = attribute(target, name), extra(target, key)
        if a is not None and n is not None and a[0] != n[0]:
            raise fail(n[1], f"{target}: its {name} attribute (line {a[1]}) says {a[0]}, its AnnotatorNotes say {key}={n[0]}")
        return a if a is not None else n

    def source_of(target: str, line: int) -> str:
        src = one_of(target, "source", A_SOURCE)
        if src is None:
            if default_source_author:
                filled.append(f"{target}: no source ({A_SOURCE} attribute or source= in its AnnotatorNotes), set to {AUTHOR}")
                return AUTHOR
            raise fail(line, f"{target} has no source; expected {A_SOURCE} attribute or 'source=' in its AnnotatorNotes "
                             f"({AUTHOR}, an entity id or the T id of one of the entity's mentions), or import with --default-source-author")
        value = src[0]
        if value in p.t and p.t[value].type in MENTION_TYPES:
            return entity_of[value]  # a mention stands for its entity
        if value != AUTHOR and value not in entity_ids:
            raise fail(src[1], f"the source of {target} is {value!r}; expected {AUTHOR}, an entity id of this file "
                               "or the T id of a mention")
        return value  # type: ignore[return-value]

    def flag(target: str, key: str, name: str) -> bool:
        a, n = attribute(target, name), extra(target, key)
        if n is not None and n[0] not in ("true", "false"):
            raise fail(n[1], f"{target}: {key}={n[0]}; expected {key}=true or {key}=false")
        if a is not None and a[0] not in (None, "true", "false"):
            raise fail(a[1], f"{name} is a binary attribute (present or absent), found the value {a[0]!r}")
        va = None if a is None else a[0] != "false"
        vn = None if n is None else n[0] == "true"
        if va is not None and vn is not None and va != vn:
            raise fail(n[1], f"{target}: its {name} attribute (line {a[1]}) and its AnnotatorNotes ({key}={n[0]}) disagree")  # type: ignore[index]
        return bool(va if va is not None else vn)

    def stance_modality(target: str, rec: Rec) -> None:
        smod = one_of(target, "modality", A_STANCE_MODALITY)
        if smod is not None:
            if smod[0] not in STANCE_MODALITIES:
                raise fail(smod[1], f"{A_STANCE_MODALITY} of {target} is {smod[0]!r}; expected one of {', '.join(STANCE_MODALITIES)}")
            rec["modality"] = smod[0]

    def mention_arg(ref: str, owner: str, role: str, line: int) -> str:
        if ref not in p.t or p.t[ref].type not in MENTION_TYPES:
            raise fail(line, f"{owner}: {role} is {ref}, which is not a mention (a T line of a mention type)")
        return ref

    stance_types = {stance_type(x) for x in STANCE_LABELS}
    for key_target, keys in extras.items():
        allowed_keys = {"source", "explicit", "modality", "evidence"}
        for key, (_, ln) in keys.items():
            if key not in allowed_keys:  # split_extras only takes known keys; kept as a guard
                raise fail(ln, f"{key_target}: unknown key {key!r}")

    # stances: events
    stances = []
    for eid_, etype, trig, args, ln in p.e:
        if not etype.startswith(STANCE_PREFIX) or etype[len(STANCE_PREFIX):] not in STANCE_LABELS:
            raise fail(ln, f"{eid_}: unknown event type {etype!r}; expected {', '.join(stance_type(x) for x in STANCE_LABELS)}")
        if trig not in p.t or p.t[trig].type != etype:
            raise fail(ln, f"{eid_}: the trigger {trig} must be a T line of type {etype}")
        if extra(eid_, "evidence") is not None:
            raise fail(extra(eid_, "evidence")[1], f"{eid_}: an event's evidence is its trigger and its {EVIDENCE} arguments, "  # type: ignore[index]
                                                   "not evidence= in its AnnotatorNotes")
        roles: dict[str, str] = {}
        more: list[tuple[int, str]] = []
        for role, ref in args:
            if role in ("Holder", "Target"):
                if role in roles:
                    raise fail(ln, f"{eid_}: two {role} arguments")
                roles[role] = mention_arg(ref, eid_, role, ln)
            elif re.fullmatch(EVIDENCE + r"[0-9]*", role):
                if ref not in p.t or p.t[ref].type in MENTION_TYPES or p.t[ref].type == SENTENCE:
                    raise fail(ln, f"{eid_}: {role} is {ref}, which is not an evidence span (a T line of type {EVIDENCE})")
                more.append((int(role[len(EVIDENCE):] or 1), ref))
            else:
                raise fail(ln, f"{eid_}: unknown role {role!r}; expected Holder, Target, {EVIDENCE}2, {EVIDENCE}3 ...")
        for role in ("Holder", "Target"):
            if role not in roles:
                raise fail(ln, f"{eid_}: no {role} argument")
        spans = [p.t[trig]] + [p.t[ref] for _, ref in sorted(more)]
        t = {**base("stance", f"t{_num(eid_)}"), "holder": entity_of[roles["Holder"]], "target": entity_of[roles["Target"]],
             "label": etype[len(STANCE_PREFIX):],
             "evidence": [{"start": s.start, "end": s.end, "text": text[s.start:s.end]} for s in spans],
             "source": source_of(eid_, ln), "explicit": flag(eid_, "explicit", A_EXPLICIT)}
        stance_modality(eid_, t)
        if eid_ in notes:
            t["note"] = notes[eid_]
        stances.append(t)

    # stances: binary relations STANCE_<LABEL> from a holder mention to a target mention
    next_t = max((_num(e[0]) for e in p.e), default=0) + 1
    for rid, rtype, args, ln in p.r:
        if rtype not in stance_types:
            continue
        holder = mention_arg(args[0][1], rid, args[0][0], ln)
        target = mention_arg(args[1][1], rid, args[1][0], ln)
        ev = extra(rid, "evidence")
        evidence = []
        if ev is None:
            got = sentence_evidence(text, sents, p.t[holder].start, p.t[holder].end) if default_stance_evidence else None
            if got is None:
                raise fail(ln, f"{rid} ({rtype}) has no evidence; add 'evidence=START-END' (code points; several joined by commas) "
                               "to its AnnotatorNotes, or import with --default-stance-evidence")
            evidence.append(got)
            filled.append(f"{rid}: no evidence, set to its holder's sentence {got['start']}-{got['end']}")
        for part in ev[0].split(",") if ev is not None else []:
            mm = re.fullmatch(r"([0-9]+)-([0-9]+)", part)
            if not mm or not (int(mm.group(1)) < int(mm.group(2)) <= len(text)):
                raise fail(ev[1], f"{rid}: evidence part {part!r} is not START-END (code points, start < end <= {len(text)})")
            a, b = int(mm.group(1)), int(mm.group(2))
            evidence.append({"start": a, "end": b, "text": text[a:b]})
        t = {**base("stance", f"t{next_t}"), "holder": entity_of[holder], "target": entity_of[target],
             "label": rtype[len(STANCE_PREFIX):], "evidence": evidence, "source": source_of(rid, ln),
             "explicit": flag(rid, "explicit", A_EXPLICIT)}
        next_t += 1
        stance_modality(rid, t)
        if rid in notes:
            t["note"] = notes[rid]
        stances.append(t)

    # relations
    starts = [(s["start"], s["end"], s["id"]) for s in sents]

    def sentences_of(*ts: _T) -> list[str]:
        out = []
        for t in ts:
            for a, b, sid in starts:
                if a <= t.start and t.end <= b and sid not in out:
                    out.append(sid)
        return sorted(out, key=R.id_number)

    relations = []
    for rid, rtype, args, ln in p.r:
        if rtype in stance_types:
            continue
        if rtype not in RELATION_TYPES:
            raise fail(ln, f"{rid}: unknown relation type {rtype!r}; expected one of {', '.join(RELATION_TYPES)} "
                           f"or a stance ({', '.join(sorted(stance_types))})")
        for key in ("explicit",):
            if extra(rid, key) is not None:
                raise fail(extra(rid, key)[1], f"{rid}: '{key}=' belongs to stances, not to a {rtype} relation")  # type: ignore[index]
        head = mention_arg(args[0][1], rid, args[0][0], ln)
        tail = mention_arg(args[1][1], rid, args[1][0], ln)
        mod = one_of(rid, "modality", A_MODALITY)
        if mod is None:
            if default_modality is None:
                raise fail(ln, f"{rid} has no modality; expected 'modality=' in its AnnotatorNotes, one of {', '.join(MODALITIES)} "
                               "(brat's interface has no attributes on relations), or import with --default-modality")
            modality = default_modality
            filled.append(f"{rid}: no modality, set to {default_modality}")
        elif mod[0] not in MODALITIES:
            raise fail(mod[1], f"the modality of {rid} is {mod[0]!r}; expected one of {', '.join(MODALITIES)}")
        else:
            modality = mod[0]  # type: ignore[assignment]
        ev = one_of(rid, "evidence", A_EVIDENCE)
        if ev is None or not ev[0]:
            evidence = sentences_of(p.t[head], p.t[tail])
            filled.append(f"{rid}: no evidence, set to the sentences of its head and tail ({', '.join(evidence)})")
        else:
            evidence = ev[0].split(",")
            bad = [s for s in evidence if s not in sentence_ids]
            if bad:
                raise fail(ev[1], f"the evidence of {rid} lists {', '.join(bad)}, not sentence ids of this document (s1 ... s{len(sents)})")
        r = {**base("relation", f"r{_num(rid)}"), "type": rtype, "head": f"m{_num(head)}", "tail": f"m{_num(tail)}",
             "evidence": evidence, "modality": modality, "source": source_of(rid, ln)}
        if rid in notes:
            r["note"] = notes[rid]
        relations.append(r)

    recs = settle_version(sents + mentions + entities + stances + relations, file, default_stance_modality, filled)
    return R.ordered(recs), filled


EXTRA_KEYS = ("modality", "source", "explicit", "evidence")
_EXTRA = re.compile(r"(" + "|".join(EXTRA_KEYS) + r")=(\S+)(?: |$)")


def split_extras(note: str) -> tuple[list[tuple[str, str]], str]:
    """The ``key=value`` pairs at the start of a note, and the rest of it (the note proper).

    >>> split_extras("modality=NEGATED source=T21")
    ([('modality', 'NEGATED'), ('source', 'T21')], '')
    >>> split_extras("source=AUTHOR evidence=s2,s3 quoted, not confirmed")
    ([('source', 'AUTHOR'), ('evidence', 's2,s3')], 'quoted, not confirmed')
    >>> split_extras("a note: modality=ALLEGED")
    ([], 'a note: modality=ALLEGED')
    """
    pairs = []
    i = 0
    while True:
        m = _EXTRA.match(note, i)
        if not m:
            break
        pairs.append((m.group(1), m.group(2)))
        i = m.end()
    return pairs, note[i:]
