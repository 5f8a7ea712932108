"""From several annotators' files to one gold file.

Two steps, so that every choice is written down:

1. ``geostance adjudicate DOC --worksheet W.jsonl`` compares the annotators'
   files of DOC and writes every **disagreement** to ``W.jsonl``, one per
   line, each annotator's record side by side with the sentence it is in
   (and ``W.md``, the same as tables to read). Each line ends with the
   fields to fill in: ``decision``, ``record`` (for an edit) and ``reason``.
2. ``geostance adjudicate DOC --apply W.jsonl`` reads the decisions and
   writes ``annotations/gold/DOC.jsonl`` and the adjudication log
   ``adjudication/DOC.jsonl`` (the decided worksheet) and ``.md``, as one
   transaction. It refuses when any disagreement is undecided, when a
   decision does not fit its item, when the annotators' files changed since
   the worksheet was written, or when the gold would not validate.

Alignment (how records of different annotators are taken to be "the same"):

* sentences and mentions: by exact span ``(start, end)``;
* entities: through their mentions. The spans of all annotators are joined
  into *components*: two spans are in one component when some annotator
  put them in one entity. An entity disagreement is a component in which
  an annotator has two or more entities (one split what another merged) or
  where the annotators' names for it differ;
* stances: by holder and target component, then by source and label;
* relations: by head and tail component, then by type and the exact head
  and tail spans.

Within one holder/target (or head/tail) pair, records that do not match
exactly are paired across annotators (most equal fields first), so a label,
source or modality disagreement shows as one item, side by side. An item is
*agreed* when every annotator has it and every field that gold keeps is
equal (notes aside); agreed items go to gold without a decision.

Decisions (the ``decision`` field):

* ``"accept:ANNOTATOR"``: that annotator's record, as it is;
* ``"reject"``: no gold record (not for entities: reject their mentions);
* ``"edit"``: ``record`` says what gold holds. For a sentence, mention,
  stance or relation: ``{"base": "ANNOTATOR", ...fields to change}``, the
  fields in that annotator's terms (``holder``, ``target``, ``source``
  an entity id of theirs, ``AUTHOR``, or a mention span ``"START:END"``;
  ``head`` and ``tail`` a mention id of theirs or ``"START:END"``;
  ``evidence`` of a relation their sentence ids; of a stance a list of
  ``{"start", "end"}``). For an entity: ``{"base": "ANNOTATOR", "name": ...}``
  or ``{"entities": [{"name": ..., "mentions": ["START:END", ...]}, ...]}``
  covering every gold mention of the component.

Records that no annotator made are *additions*: a line of your own with
``"decision": "add"``, ``layer`` and ``record`` (fields as in the record's
schema, references as gold mention spans ``"START:END"`` or, with ``base``,
an annotator's ids; an added mention gives ``"entity"``: the span of a gold
mention whose entity it joins, or ``"new"`` and an added entity line
``{"name": ..., "mentions": ["START:END", ...]}`` lists it). They are logged
with ``kind`` ``addition``.

Every decision needs a ``reason`` (and may cite ``guidelines``). With
``--include-agreed`` the worksheet also lists the agreed items (``kind``
``agreed``, or ``follows`` for an entity only some annotators made, ids ``A1`` ...); a decision on one of them is a *review*
decision, logged with the next free ``D`` id.

The log (``adjudication/DOC.jsonl``) holds the decided lines, each with
``kind`` (``disagreement`` or ``review``) and ``gold``: the gold record(s)
the decision produced (null for a rejection).

Gold records carry ``provenance``: ``annotators`` (those whose record was
the same as gold's) and, where a decision fixed the record, ``decision``
(its id in the log). An entity that only some annotators have, with no
disagreement about its clustering, needs no decision of its own: it exists
because its mentions were decided (its worksheet line has kind
``follows``), and its ``decision`` is the first of its mentions' decisions. Gold ids are renumbered in reading order: sentences by
start, mentions by (start, end), entities by their first mention, stances
by their first evidence span, relations by their first evidence sentence,
then head and tail position. Gold notes are the note of the record gold
took (for agreed records, the first annotator's, by name, who wrote one).

The command line (``geostance adjudicate``) is :mod:`geostance.cli.adjudicate`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from geostance.core import jsonl, lock, paths
from geostance.contract import records
from geostance.contributing import transaction
from geostance.core.findings import Report
from geostance.contributing.interop import check_records, dataset_document
from geostance.contract.labels import AUTHOR, RELATION_TYPES, STANCE_LABELS, modalities_of
from geostance.agreement.components import Ann, Span, parse_span, span_key
from geostance.contributing.alignment import AdjudicationError, Alignment, Item
from geostance.contributing.worksheet import Gold, decision_for, worksheet_markdown

Rec = dict[str, Any]


# ------------------------------------------------------------------ one annotation, indexed


# ------------------------------------------------------------------ items


# ------------------------------------------------------------------ worksheet I/O


# ------------------------------------------------------------------ apply


class _Builder:
    """Turns items and decisions into gold records (in annotators' coordinates first, renumbered at the end)."""

    def __init__(self, al: Alignment, decisions: dict[int, Rec], doc_id: str, adds: list[Rec] | None = None) -> None:
        self.al = al
        self.version = al.version
        self.dec = decisions
        self.adds = adds or []
        self.doc_id = doc_id
        self.text = al.text
        self.problems: list[str] = []

    def fail(self, it: Item, msg: str) -> None:
        label = it.id or f"agreed {it.layer} {it.key}"
        self.problems.append(f"{label}: {msg}")

    def chosen(self, i: int, it: Item) -> tuple[str, str | None, Any]:
        """(mode, annotator, decision line) with mode agreed/accept/reject/edit."""
        if i not in self.dec:
            return "agreed", self.al.names[0] if self.al.names[0] in it.members else sorted(it.members)[0], None
        ln = self.dec[i]
        d = ln["decision"]
        if d.startswith("accept:"):
            return "accept", d[7:], ln
        if d == "reject":
            return "reject", None, ln
        base = ln["record"].get("base")
        if base is not None and base not in it.members:
            self.fail(it, f"edit: base {base!r} is not an annotator with a record here ({', '.join(sorted(it.members))})")
            return "reject", None, ln
        return "edit", base or sorted(it.members)[0], ln

    def note_of(self, it: Item, mode: str, ann: str | None, ln: Rec | None) -> str | None:
        if mode == "edit" and "note" in ln["record"]:
            return ln["record"]["note"]
        if mode in ("accept", "edit"):
            r = it.members[ann]
            return r.get("note") if isinstance(r, dict) else None
        for a in sorted(it.members):
            r = it.members[a]
            if isinstance(r, dict) and r.get("note"):
                return r["note"]
        return None

    @staticmethod
    def prov(annotators: Iterable[str], ln: Rec | None) -> Rec:
        p: Rec = {"annotators": sorted(set(annotators))}
        if ln is not None:
            p["decision"] = ln["id"]
        return p

    def build(self) -> list[Rec]:
        al = self.al
        items = list(enumerate(al.items))
        # ---- sentences
        sents: dict[Span, Rec] = {}
        for i, it in items:
            if it.layer != "sentence":
                continue
            mode, ann, ln = self.chosen(i, it)
            if mode == "reject":
                continue
            span = (it.members[ann]["start"], it.members[ann]["end"])
            if mode == "edit":
                rec = ln["record"]
                span = (rec.get("start", span[0]), rec.get("end", span[1]))
            who = [a for a, r in it.members.items() if (r["start"], r["end"]) == span]
            s = {"start": span[0], "end": span[1], "text": self.text[span[0]:span[1]] if 0 <= span[0] < span[1] <= len(self.text) else ""}
            note = self.note_of(it, mode, ann, ln)
            if note:
                s["note"] = note
            s["provenance"] = self.prov(who, ln)
            sents[span] = s
        for ln in self._adds("sentence"):
            rec = ln["record"]
            span = self._new_span(ln, rec)
            if span is None:
                continue
            sents[span] = {"start": span[0], "end": span[1], "text": self.text[span[0]:span[1]],
                           **({"note": rec["note"]} if rec.get("note") else {}), "provenance": self.prov([], ln)}
        self.sent_spans = set(sents)
        # ---- mentions (keyed by the item's original span)
        ments: dict[Span, Rec] = {}
        self.mention_span: dict[Span, Span] = {}  # original span -> gold span
        for i, it in items:
            if it.layer != "mention":
                continue
            mode, ann, ln = self.chosen(i, it)
            orig = parse_span(it.key)
            if mode == "reject":
                continue
            base = dict(it.members[ann])
            if mode == "edit":
                for k, v in ln["record"].items():
                    if k in ("start", "end", "type", "form", "metonymy", "note"):
                        base[k] = v
                    elif k != "base":
                        self.fail(it, f"edit: a mention's record may change start, end, type, form, metonymy, note; not {k!r}")
            span = (base["start"], base["end"])
            content = (base["type"], base["form"], base["metonymy"])
            who = [a for a, r in it.members.items() if (r["start"], r["end"]) == span and it.contents[a] == content]
            m = {"start": span[0], "end": span[1], "text": self.text[span[0]:span[1]] if 0 <= span[0] < span[1] <= len(self.text) else "",
                 "type": base["type"], "form": base["form"], "metonymy": base["metonymy"]}
            note = self.note_of(it, mode, ann, ln) if mode != "edit" or "note" in ln["record"] else base.get("note")
            if note:
                m["note"] = note
            m["provenance"] = self.prov(who, ln)
            ments[orig] = m
            self.mention_span[orig] = span
        self.added_entity: dict[Span, tuple[Any, Rec]] = {}
        for ln in self._adds("mention"):
            rec = ln["record"]
            span = self._new_span(ln, rec)
            missing = [k for k in ("type", "form", "metonymy", "entity") if k not in rec]
            if span is None:
                continue
            if missing:
                self.fail(self._pseudo(ln), f"add: a mention needs {', '.join(missing)} (entity: \"START:END\" of a gold mention "
                                            "whose entity it joins, or \"new\" for an entity added by its own line)")
                continue
            if span in ments or span in self.mention_span.values():
                self.fail(self._pseudo(ln), f"add: {span_key(span)} is already a gold mention")
                continue
            ments[span] = {"start": span[0], "end": span[1], "text": self.text[span[0]:span[1]], "type": rec["type"],
                           "form": rec["form"], "metonymy": rec["metonymy"], **({"note": rec["note"]} if rec.get("note") else {}),
                           "provenance": self.prov([], ln)}
            self.mention_span[span] = span
            self.added_entity[span] = (rec["entity"], ln)
        # ---- entities
        clusters: list[tuple[list[Span], str, str | None, Rec]] = []  # (original spans, name, note, provenance)
        for i, it in items:
            if it.layer != "entity":
                continue
            mode, ann, ln = self.chosen(i, it)
            comp = al.comps.members[parse_span(it.key)]
            gold_spans = [s for s in comp if s in ments]
            if not gold_spans:
                continue
            for spans, name, note, src_ann in self._clusters(it, mode, ann, ln, gold_spans):
                who = []
                for a, ents in it.members.items():
                    for e in ents:
                        es = [s for s in self.al.anns[a].entity_spans(e["id"]) if s in ments]
                        if sorted(es) == sorted(spans) and e["name"] == name:
                            who.append(a)
                prov = self.prov(who, ln)
                if ln is None and set(who) != set(self.al.names):
                    # an entity some annotators lack exists because its mentions were decided: it follows them
                    decs = sorted({ments[s]["provenance"]["decision"] for s in spans if "decision" in ments[s]["provenance"]},
                                  key=lambda d: int(d[1:]))
                    if decs:
                        prov["decision"] = decs[0]
                clusters.append((spans, name, note, prov))
        self._add_entities(clusters)
        self.cluster_of: dict[Span, int] = {}
        for n, (spans, *_rest) in enumerate(clusters):
            for s in spans:
                self.cluster_of[s] = n
        # ---- stances
        stances = []
        for i, it in items:
            if it.layer == "stance":
                rec = self._stance(i, it)
                if rec is not None:
                    stances.append(rec)
        for ln in self._adds("stance"):
            rec = self._stance(None, self._pseudo(ln), ln)
            if rec is not None:
                stances.append(rec)
        relations = []
        for i, it in items:
            if it.layer == "relation":
                rec = self._relation(i, it)
                if rec is not None:
                    relations.append(rec)
        for ln in self._adds("relation"):
            rec = self._relation(None, self._pseudo(ln), ln)
            if rec is not None:
                relations.append(rec)
        return self._assemble(sents, ments, clusters, stances, relations)

    # ---------------------------------------------------------- additions

    def _adds(self, layer: str) -> list[Rec]:
        return [ln for ln in self.adds if ln["layer"] == layer]

    @staticmethod
    def _pseudo(ln: Rec) -> Item:
        return Item(ln["layer"], {}, {}, False, [], (), "", ln["id"])

    def _new_span(self, ln: Rec, rec: Rec) -> Span | None:
        a, b = rec.get("start"), rec.get("end")
        if not (isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= len(self.text)):
            self.fail(self._pseudo(ln), f"add: 'start' and 'end' must be offsets within the text (0 to {len(self.text)}), found {a!r}, {b!r}")
            return None
        return a, b

    def _add_entities(self, clusters: list) -> None:
        """Entities added by their own lines (of added mentions marked "new"), then added mentions joining existing ones."""
        placed: set[Span] = set()
        for ln in self._adds("entity"):
            rec = ln["record"]
            spans = [parse_span(x) for x in rec.get("mentions") or []]
            if not isinstance(rec.get("name"), str) or not spans or None in spans:
                self.fail(self._pseudo(ln), 'add: an entity reads {"name": "...", "mentions": ["START:END", ...]} (mentions added as "new")')
                continue
            bad = [x for x in spans if self.added_entity.get(x, ("",))[0] != "new" or x in placed]
            if bad:
                self.fail(self._pseudo(ln), "add: an added entity lists added mentions whose entity is \"new\", each once; not "
                          + ", ".join(span_key(x) for x in bad))
                continue
            placed.update(spans)
            clusters.append((spans, rec["name"], rec.get("note"), self.prov([], ln)))
        for span, (ref, ln) in self.added_entity.items():
            if ref == "new":
                if span not in placed:
                    self.fail(self._pseudo(ln), f"add: mention {span_key(span)} is marked \"new\" but no added entity lists it")
                continue
            target = parse_span(ref)
            target = self._original(target) if target else None
            home = next((n for n, c in enumerate(clusters) if target in c[0]), None)
            if home is None:
                self.fail(self._pseudo(ln), f"add: entity {ref!r} is not the span \"START:END\" of a gold mention")
                continue
            spans, name, note, _ = clusters[home]
            clusters[home] = (spans + [span], name, note, self.prov([], ln))  # no annotator had the cluster so

    def _clusters(self, it: Item, mode: str, ann: str | None, ln: Rec | None, gold_spans: list[Span]) -> list[tuple[list[Span], str, str | None, str]]:
        al = self.al
        gs = set(gold_spans)
        if mode == "edit" and "entities" in ln["record"]:
            out = []
            seen: set[Span] = set()
            ents = ln["record"]["entities"]
            if not isinstance(ents, list):
                self.fail(it, "edit: 'entities' must be a list of {name, mentions}")
                return []
            for e in ents:
                spans = [parse_span(s) for s in (e.get("mentions") or [])] if isinstance(e, dict) else [None]
                if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not spans or None in spans:
                    self.fail(it, 'edit: each entity reads {"name": "...", "mentions": ["START:END", ...]}')
                    return []
                for s in spans:
                    if s not in gs:
                        self.fail(it, f"edit: mention {span_key(s)} is not a gold mention of this component ({', '.join(span_key(x) for x in gold_spans)})")
                    if s in seen:
                        self.fail(it, f"edit: mention {span_key(s)} is in two entities")
                    seen.add(s)
                out.append(([s for s in spans if s in gs], e["name"], e.get("note"), ""))
            missing = gs - seen
            if missing:
                self.fail(it, "edit: these gold mentions are in no entity: " + ", ".join(span_key(s) for s in sorted(missing)))
            return out
        if mode == "agreed":
            # one entity per annotator: join spans linked by any annotator, restricted to gold mentions
            parent = {s: s for s in gold_spans}

            def find(x: Span) -> Span:
                while parent[x] != x:
                    x = parent[x]
                return x

            for a in sorted(it.members, key=al.names.index):
                for e in it.members[a]:
                    es = [s for s in al.anns[a].entity_spans(e["id"]) if s in gs]
                    for s in es[1:]:
                        ra, rb = find(es[0]), find(s)
                        if ra != rb:
                            parent[max(ra, rb)] = min(ra, rb)
            groups: dict[Span, list[Span]] = defaultdict(list)
            for s in gold_spans:
                groups[find(s)].append(s)
            out = []
            for root, spans in sorted(groups.items()):
                name, note = None, None
                for a in sorted(it.members, key=al.names.index):
                    for e in it.members[a]:
                        if set(al.anns[a].entity_spans(e["id"])) & set(spans):
                            name = name or e["name"]
                            note = note or e.get("note")
                out.append((spans, name, note, ""))
            return out
        # accept (or edit with base): that annotator's partition, restricted to gold; uncovered spans attached through others
        ents = it.members[ann]
        out = []
        covered: dict[Span, int] = {}
        for e in ents:
            spans = [s for s in al.anns[ann].entity_spans(e["id"]) if s in gs]
            if spans:
                for s in spans:
                    covered[s] = len(out)
                out.append([spans, e["name"], e.get("note"), ann])
        for s in gold_spans:
            if s in covered:
                continue
            target = None
            for a in al.names:
                if a == ann or a not in it.members:
                    continue
                for e in it.members[a]:
                    es = al.anns[a].entity_spans(e["id"])
                    if s not in es:
                        continue
                    homes = {covered[x] for x in es if x in covered}
                    if len(homes) > 1:
                        self.fail(it, f"{ann}'s clusters leave mention {span_key(s)} ({self.text[s[0]:s[1]]!r}) between two of its entities; use edit")
                        target = -1
                    elif homes:
                        target = homes.pop()
                    else:
                        out.append([[], e["name"], e.get("note"), a])
                        target = len(out) - 1
                        for x in es:
                            if x in gs and x not in covered:
                                covered[x] = target
                                out[target][0].append(x)
                        target = -2
                    break
                if target is not None:
                    break
            if target is None:
                self.fail(it, f"mention {span_key(s)} ({self.text[s[0]:s[1]]!r}) has no entity; use edit")
            elif target >= 0:
                covered[s] = target
                out[target][0].append(s)
        if mode == "edit":
            rec = ln["record"]
            if len(out) != 1 and ("name" in rec or "note" in rec):
                self.fail(it, f"edit: {ann} has {len(out)} entities here; give 'entities' to name them")
            elif out:
                out[0][1] = rec.get("name", out[0][1])
                out[0][2] = rec.get("note", out[0][2])
            extra = set(rec) - {"base", "name", "note"}
            if extra:
                self.fail(it, f"edit: an entity's record may give base, name, note or entities; not {', '.join(sorted(extra))}")
        return [tuple(x) for x in out]  # type: ignore[misc]

    def _entity_ref(self, it: Item, ann: str, ref: Any, what: str) -> int | str | None:
        """Gold cluster index (or AUTHOR) of an annotator's entity id, or of a gold mention span."""
        if ref == AUTHOR:
            return AUTHOR
        span = parse_span(ref)
        if span is not None:
            span = self._original(span)
            if span not in self.cluster_of:
                self.fail(it, f"{what} {ref}: no gold mention has that span")
                return None
            return self.cluster_of[span]
        if ann is None:
            self.fail(it, f"{what} {ref!r}: give AUTHOR or the span \"START:END\" of a gold mention (or 'base' to use an annotator's ids)")
            return None
        a = self.al.anns[ann]
        if ref not in a.entity:
            self.fail(it, f"{what} {ref!r} is not an entity of {ann}")
            return None
        homes = {self.cluster_of[s] for s in a.entity_spans(ref) if s in self.cluster_of}
        if len(homes) != 1:
            why = "none of its mentions is in gold" if not homes else "its mentions are in several gold entities"
            self.fail(it, f"{what} {ref} ({a.entity[ref]['name']!r}) of {ann}: {why}; use edit with a mention span \"START:END\"")
            return None
        return homes.pop()

    def _original(self, span: Span) -> Span:
        """The item span of a gold mention span (they differ only where an edit moved a mention)."""
        if span in self.mention_span:
            return span
        back = [o for o, g in self.mention_span.items() if g == span]
        return back[0] if back else span

    def _mention_ref(self, it: Item, ann: str, ref: Any, what: str) -> Span | None:
        span = parse_span(ref)
        if span is not None:
            span = self._original(span)
        elif ann is None:
            self.fail(it, f"{what} {ref!r}: give the span \"START:END\" of a gold mention (or 'base' to use an annotator's ids)")
            return None
        else:
            a = self.al.anns[ann]
            if ref not in a.mention:
                self.fail(it, f"{what} {ref!r} is not a mention of {ann}")
                return None
            span = a.span(ref)
        if span not in self.mention_span:
            self.fail(it, f"{what} {span_key(span)} ({self.text[span[0]:span[1]]!r}) is not a gold mention (was it rejected?)")
            return None
        return span

    def _from_addition(self, it: Item, ln: Rec, fields: tuple[str, ...]) -> tuple[str, str | None, Rec, Rec] | None:
        rec = ln["record"]
        missing = [k for k in fields if k not in rec]
        if missing:
            self.fail(it, f"add: a {it.layer} needs {', '.join(missing)}")
            return None
        base = rec.get("base")
        if base is not None and base not in self.al.anns:
            self.fail(it, f"add: base {base!r} is not an annotator")
            return None
        return "add", base, ln, dict(rec)

    def _decided(self, i: int | None, it: Item, add: Rec | None, fields: tuple[str, ...]) -> tuple[str, str | None, Rec, Rec] | None:
        """``(mode, annotator, decision line, record)`` for a stance or relation
        item: an added record, or the chosen annotator's record with an edit's
        fields (``fields`` and ``note``) applied; None when rejected or invalid."""
        if add is not None:
            return self._from_addition(it, add, fields)
        mode, ann, ln = self.chosen(i, it)
        if mode == "reject":
            return None
        r = dict(it.members[ann])
        if mode == "edit":
            editable = fields + ("note",)
            for k, v in ln["record"].items():
                if k in editable:
                    r[k] = v
                elif k != "base":
                    self.fail(it, f"edit: a {it.layer}'s record may change {', '.join(editable)}; not {k!r}")
        return mode, ann, ln, r

    def _stance(self, i: int | None, it: Item, add: Rec | None = None) -> Rec | None:
        got = self._decided(i, it, add, ("holder", "target", "label", "evidence", "source", "explicit") + (("modality",) if self.version != "1.0" else ()))
        if got is None:
            return None
        mode, ann, ln, r = got
        holder, target, source = self._refs(it, mode, ann, r, ("holder", "target", "source"))
        if r["label"] not in STANCE_LABELS:
            self.fail(it, f"label {r['label']!r}; expected one of {', '.join(STANCE_LABELS)}")
        ev = []
        for e in r["evidence"] if isinstance(r["evidence"], list) else []:
            if not isinstance(e, dict) or not isinstance(e.get("start"), int) or not isinstance(e.get("end"), int):
                self.fail(it, "evidence: a list of {\"start\": ..., \"end\": ...}")
                return None
            ev.append({"start": e["start"], "end": e["end"], "text": self.text[e["start"]:e["end"]]})
        if None in (holder, target, source):
            return None
        modality = r.get("modality")
        allowed = modalities_of("stance", self.version)
        if allowed and modality not in allowed:
            self.fail(it, f"modality {modality!r}; expected one of {', '.join(allowed)}")
        content = (r["label"], source, r["explicit"], tuple((e["start"], e["end"]) for e in ev), modality)
        who = []
        for a, m in it.members.items():
            if (self._quiet_entity(a, m["holder"]), self._quiet_entity(a, m["target"])) == (holder, target) and \
                    (m["label"], self._quiet_entity(a, m["source"]), m["explicit"], tuple((e["start"], e["end"]) for e in m["evidence"]), m.get("modality")) == content:
                who.append(a)
        rec = {"holder": holder, "target": target, "label": r["label"], "evidence": ev, "source": source, "explicit": r["explicit"]}
        if modality is not None:
            rec["modality"] = modality
        note = r.get("note") if mode in ("edit", "add") else self.note_of(it, mode, ann, ln)
        if note:
            rec["note"] = note
        rec["provenance"] = self.prov(who, ln)
        return rec

    def _quiet_entity(self, ann: str, ref: Any) -> Any:
        if ref == AUTHOR:
            return AUTHOR
        span = parse_span(ref)
        if span is not None:
            return self.cluster_of.get(self._original(span))
        if ann is None:
            return None
        a = self.al.anns[ann]
        if ref not in a.entity:
            return None
        homes = {self.cluster_of[s] for s in a.entity_spans(ref) if s in self.cluster_of}
        return homes.pop() if len(homes) == 1 else None

    def _refs(self, it: Item, mode: str, ann: str, r: Rec, keys: tuple[str, ...]) -> list[Any]:
        """Gold entities of a record's entity references. An agreed record may be read through any of its
        annotators (after an entity decision split one annotator's entity, another's may still resolve)."""
        cands = [ann] + ([a for a in self.al.names if a in it.members and a != ann] if mode == "agreed" else [])
        for a in cands:
            rr = r if a == ann else it.members[a]
            vals = [self._quiet_entity(a, rr[k]) for k in keys]
            if None not in vals:
                return vals
        return [self._entity_ref(it, ann, r[k], k) for k in keys]

    def _relation(self, i: int | None, it: Item, add: Rec | None = None) -> Rec | None:
        got = self._decided(i, it, add, ("type", "head", "tail", "evidence", "modality", "source"))
        if got is None:
            return None
        mode, ann, ln, r = got
        a = self.al.anns[ann] if ann is not None else None
        head = self._mention_ref(it, ann, r["head"], "head")
        tail = self._mention_ref(it, ann, r["tail"], "tail")
        (source,) = self._refs(it, mode, ann, r, ("source",))
        if r["type"] not in RELATION_TYPES:
            self.fail(it, f"type {r['type']!r}; expected one of {', '.join(RELATION_TYPES)}")
        if r["modality"] not in modalities_of("relation", self.version):
            self.fail(it, f"modality {r['modality']!r}; expected one of {', '.join(modalities_of('relation', self.version))}")
        ev: list[Span] = []
        for sid in r["evidence"] if isinstance(r["evidence"], list) else []:
            sp = parse_span(sid)
            if sp is None:
                if a is None or sid not in a.sentence:
                    self.fail(it, f"evidence {sid!r} is not a sentence id of {ann}" if a is not None else
                              f"evidence {sid!r}: give sentence spans \"START:END\" (or 'base' to use an annotator's sentence ids)")
                    return None
                sp = (a.sentence[sid]["start"], a.sentence[sid]["end"])
            if sp not in self.sent_spans:
                self.fail(it, f"evidence {sid} ({span_key(sp)}) is not a gold sentence")
                return None
            ev.append(sp)
        if None in (head, tail, source):
            return None
        content = (r["type"], head, tail, tuple(sorted(ev)), r["modality"], source)
        who = []
        for b, m in it.members.items():
            bb = self.al.anns[b]
            mc = (m["type"], bb.span(m["head"]), bb.span(m["tail"]),
                  tuple(sorted((bb.sentence[s]["start"], bb.sentence[s]["end"]) for s in m["evidence"])),
                  m["modality"], self._quiet_entity(b, m["source"]))
            if mc == content:
                who.append(b)
        rec = {"type": r["type"], "head": head, "tail": tail, "evidence": ev, "modality": r["modality"], "source": source}
        note = r.get("note") if mode in ("edit", "add") else self.note_of(it, mode, ann, ln)
        if note:
            rec["note"] = note
        rec["provenance"] = self.prov(who, ln)
        return rec

    def _assemble(self, sents: dict[Span, Rec], ments: dict[Span, Rec], clusters: list, stances: list[Rec], relations: list[Rec]) -> list[Rec]:
        doc = self.doc_id

        def base(kind: str, rid: str) -> Rec:
            return {"kind": kind, "schema_version": self.version, "doc_id": doc, "id": rid}

        out: list[Rec] = []
        sid_of: dict[Span, str] = {}
        for n, sp in enumerate(sorted(sents), 1):
            sid_of[sp] = f"s{n}"
            out.append(records.canonical({**base("sentence", f"s{n}"), **sents[sp]}))
        order = sorted(ments, key=lambda o: (ments[o]["start"], ments[o]["end"], o))
        mid_of = {o: f"m{n}" for n, o in enumerate(order, 1)}
        # entities in order of their first mention
        ent_order = sorted(range(len(clusters)), key=lambda c: min((ments[s]["start"], ments[s]["end"]) for s in clusters[c][0]) if clusters[c][0] else (1 << 62, 0))
        eid_of = {c: f"e{n}" for n, c in enumerate(ent_order, 1)}
        ent_of_mention: dict[Span, str] = {}
        for c, (spans, *_r) in enumerate(clusters):
            for s in spans:
                ent_of_mention[s] = eid_of[c]
        mention_recs = []
        for o in order:
            m = ments[o]
            rec = {**base("mention", mid_of[o]), "start": m["start"], "end": m["end"], "text": m["text"], "type": m["type"],
                   "form": m["form"], "entity": ent_of_mention.get(o, "e0"), "metonymy": m["metonymy"]}
            if o not in ent_of_mention and not any(span_key(o) in p for p in self.problems):
                self.problems.append(f"mention {span_key(o)} ({m['text']!r}) belongs to no gold entity")
            for k in ("note", "provenance"):
                if k in m:
                    rec[k] = m[k]
            mention_recs.append(records.canonical(rec))
        out.extend(mention_recs)
        for c in ent_order:
            spans, name, note, prov = clusters[c]
            if not spans:
                continue
            ms = sorted((mid_of[s] for s in spans), key=records.id_number)
            first = ments[min(spans, key=lambda s: (ments[s]["start"], ments[s]["end"]))]
            rec = {**base("entity", eid_of[c]), "name": name, "type": first["type"], "mentions": ms}
            if note:
                rec["note"] = note
            rec["provenance"] = prov
            out.append(records.canonical(rec))

        def src(v: Any) -> str:
            return v if v == AUTHOR else eid_of[v]

        st = []
        for t in stances:
            st.append({"holder": eid_of[t["holder"]], "target": eid_of[t["target"]], "label": t["label"], "evidence": t["evidence"],
                       "source": src(t["source"]), "explicit": t["explicit"], **{k: t[k] for k in ("modality", "note", "provenance") if k in t}})
        st.sort(key=lambda t: ((t["evidence"][0]["start"], t["evidence"][0]["end"]) if t["evidence"] else (0, 0),
                               records.id_number(t["holder"]), records.id_number(t["target"]),
                               STANCE_LABELS.index(t["label"]) if t["label"] in STANCE_LABELS else 99, t["source"]))
        for n, t in enumerate(st, 1):
            out.append(records.canonical({**base("stance", f"t{n}"), **t}))
        rl = []
        for r in relations:
            ev = sorted(sid_of[s] for s in r["evidence"])
            ev.sort(key=records.id_number)
            rl.append({"type": r["type"], "head": mid_of[r["head"]], "tail": mid_of[r["tail"]], "evidence": ev,
                       "modality": r["modality"], "source": src(r["source"]), **{k: r[k] for k in ("note", "provenance") if k in r}})
        rl.sort(key=lambda r: (records.id_number(r["evidence"][0]) if r["evidence"] else 0, records.id_number(r["head"]),
                               records.id_number(r["tail"]), RELATION_TYPES.index(r["type"]) if r["type"] in RELATION_TYPES else 99))
        for n, r in enumerate(rl, 1):
            out.append(records.canonical({**base("relation", f"r{n}"), **r}))
        return out


def build_gold(al: Alignment, lines: list[Rec], doc_id: str, file: str = "worksheet") -> Gold:
    """Gold records and the decided log; raises AdjudicationError with every problem found."""
    decisions, adds = decision_for(al, lines, file)
    b = _Builder(al, decisions, doc_id, adds)
    recs = b.build()
    if b.problems:
        raise AdjudicationError(f"{len(b.problems)} decision(s) cannot be applied; nothing was written:\n" + "\n".join("  " + p for p in b.problems))
    by_decision: dict[str, list[Rec]] = {}
    for r in recs:
        d = r.get("provenance", {}).get("decision")
        if d:
            by_decision.setdefault(d, []).append(r)
    log = []
    for ln in sorted(list(decisions.values()) + adds, key=lambda ln: int(ln["id"][1:])):
        out = by_decision.get(ln["id"], [])
        ln["gold"] = out if ln["layer"] == "entity" or len(out) > 1 else (out[0] if out else None)
        log.append(ln)
    return Gold(recs, log)


# ------------------------------------------------------------------ I/O


def load_annotators(root: Path, doc_id: str, names: list[str] | None) -> tuple[list[Ann], str, Rec]:
    doc = dataset_document(root, doc_id)
    if doc is None:
        raise AdjudicationError(f"the dataset {root} has no document {doc_id!r} with its text")
    have = paths.annotators(root, doc_id)
    names = names or have
    missing = [n for n in names if n not in have]
    if missing:
        raise AdjudicationError(f"no annotations of {doc_id!r} by {', '.join(missing)} (the document has: {', '.join(have) or 'none'})")
    if len(names) < 2:
        raise AdjudicationError(f"{doc_id!r} has {len(names)} annotator(s) ({', '.join(names) or 'none'}); adjudication compares two or more")
    anns = []
    for n in names:
        p = paths.raw_path(root, doc_id, n)
        recs_lined, found = jsonl.read(p)
        report = Report()
        report.extend(found)
        recs = [r for _, r in recs_lined]
        report.extend(check_records(recs, doc_id, doc.text, doc.record, display=str(p)).kept)
        if report.errors:
            raise AdjudicationError(f"{p} has {report.errors} validation error(s); fix them first (geostance validate):\n{report.render_text()}")
        anns.append(Ann(n, recs))
    return anns, doc.text, doc.record


def apply_to_dataset(root: Path, doc_id: str, gold: Gold, al: Alignment, replace: bool,
                     wait: float = lock.DEFAULT_WAIT) -> list[str]:
    """Write gold and the log as one transaction; returns what to tell the user."""
    gp = paths.gold_path(root, doc_id)
    lp = paths.adjudication_path(root, doc_id)
    mp = lp.with_suffix(".md")
    gold_bytes = records.to_bytes(gold.records)
    log_bytes = b"".join(jsonl.dumps(ln) for ln in gold.log)
    md = worksheet_markdown(al, doc_id, gold.log, "Adjudication log").encode("utf-8")
    out: list[str] = []
    if gp.exists() and gp.read_bytes() == gold_bytes and (lp.exists() and lp.read_bytes() == log_bytes):
        return [f"unchanged: {gp} already holds exactly this gold; nothing was written"]
    t = transaction.Transaction(root, f"adjudicate {doc_id}", wait)
    for p, new in ((gp, gold_bytes), (lp, log_bytes), (mp, md)):
        if p.exists():
            old = p.read_bytes()
            if old == new:
                continue
            if not replace:
                raise AdjudicationError(f"{p} exists and differs; rerun with --replace to replace it (the previous version is kept in .history/)")
            keep = p.parent / ".history" / f"{p.stem}.{hashlib.sha256(old).hexdigest()[:8]}{p.suffix}.bak"
            if not keep.exists():
                t.put(keep, old)
            out.append(f"kept the previous {p.name} as {keep}")
        t.put(p, new)
    t.commit()
    return [f"wrote {gp}, {lp} and {mp}"] + out


