"""Aligning several annotators' records of one document, layer by layer, for adjudication.

Sentences and mentions align by exact span; entities through their mentions
(:class:`Components`: two spans are in one component when some annotator put
them in one entity); stances by holder and target component, then source and
label; relations by head and tail component, then type and exact spans.
Within one pair, records that do not match exactly are paired across
annotators, most equal fields first, so a label, source or modality
disagreement shows as one :class:`Item`. :class:`Alignment` lists the items
and renders each as a worksheet line. The full rules are in the docstring of
:mod:`geostance.contributing.adjudicate`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from geostance.agreement.components import Ann, Components, Span, span_key
from geostance.contract.labels import AUTHOR, CURRENT_VERSION

Rec = dict[str, Any]


class AdjudicationError(Exception):
    """The worksheet or the decisions cannot be used; the message says what to fix."""


@dataclass
class Item:
    """Records of several annotators taken to be the same thing."""

    layer: str
    members: dict[str, Any]  # annotator -> record (entity items: list of entity records)
    contents: dict[str, Any]  # annotator -> what gold compares
    agreed: bool
    differs: list[str]
    pos: tuple
    key: str = ""
    id: str = ""  # D<n> for disagreements

    def ids(self) -> dict[str, Any]:
        return {a: ([e["id"] for e in r] if isinstance(r, list) else r["id"]) for a, r in sorted(self.members.items())}


def _fields_differ(contents: dict[str, tuple], names: tuple[str, ...], all_anns: list[str]) -> list[str]:
    out = []
    if set(contents) != set(all_anns):
        out.append("presence")
    vals = list(contents.values())
    for i, n in enumerate(names):
        if len({repr(v[i]) for v in vals}) > 1:
            out.append(n)
    return out


def _similarity(a: tuple, b: tuple) -> int:
    return sum(1 for x, y in zip(a, b) if x == y)


def _match(groups: dict[Any, dict[str, list[tuple[Any, tuple, Rec]]]], anns: list[str]) -> list[dict[str, tuple[tuple, Rec]]]:
    """Within each coarse group, pair records by fine key, then pair leftovers by similarity."""
    out = []
    for coarse in sorted(groups, key=repr):
        per = groups[coarse]
        fine: dict[Any, dict[str, tuple[tuple, Rec]]] = {}
        singles: list[dict[str, tuple[tuple, Rec]]] = []
        order: list[Any] = []
        for a in anns:
            for fk, content, rec in per.get(a, []):
                if fk not in fine:
                    fine[fk] = {}
                    order.append(fk)
                if a in fine[fk]:
                    singles.append({a: (content, rec)})
                else:
                    fine[fk][a] = (content, rec)
        partial = []
        for fk in order:
            g = fine[fk]
            (out if len(g) == len(anns) else partial).append(g)
        merged: list[dict[str, tuple[tuple, Rec]]] = []
        for g in partial + singles:
            best, score = None, -1
            for m in merged:
                if set(m) & set(g):
                    continue
                s = max(_similarity(x[0], y[0]) for x in m.values() for y in g.values())
                if s > score:
                    best, score = m, s
            if best is None:
                merged.append(dict(g))
            else:
                best.update(g)
        out.extend(merged)
    return out


class Alignment:
    """Every item of every layer for a set of annotators, agreed or not."""

    def __init__(self, anns: list[Ann], text: str) -> None:
        self.anns = {a.name: a for a in anns}
        self.names = [a.name for a in anns]
        self.text = text
        versions = sorted({r.get("schema_version") for a in anns for r in a.recs if r.get("schema_version")})
        if len(versions) > 1:
            raise AdjudicationError(
                f"the annotators' files are of schema versions {', '.join(versions)}; adjudication compares files of one "
                "version (migrate the older ones first: geostance migrate)")
        self.version: str = versions[0] if versions else CURRENT_VERSION
        self.comps = Components(anns)
        self.items: list[Item] = []
        self._sentences()
        self._mentions()
        self._entities()
        self._stances()
        self._relations()
        self.doc_id = next((r["doc_id"] for a in anns for r in a.recs), "")
        n = k = 0
        for it in self.items:
            if not it.agreed:
                n += 1
                it.id = f"D{n}"
            else:
                k += 1
                it.id = f"A{k}"

    def comp(self, a: Ann, eid: str) -> Span:
        return self.comps.of[a.span(a.entity[eid]["mentions"][0])]

    def _span_items(self, layer: str, get: str, content) -> None:
        by: dict[Span, dict[str, Rec]] = defaultdict(dict)
        for a in self.anns.values():
            for r in getattr(a, get):
                by[(r["start"], r["end"])][a.name] = r
        names = ("type", "form", "metonymy") if layer == "mention" else ()
        for s in sorted(by):
            members = by[s]
            contents = {a: content(r) for a, r in members.items()}
            differs = _fields_differ(contents, names, self.names)
            self.items.append(Item(layer, members, contents, not differs, differs, (s,), span_key(s)))

    def _sentences(self) -> None:
        self._span_items("sentence", "sentences", lambda r: ())

    def _mentions(self) -> None:
        self._span_items("mention", "mentions", lambda r: (r["type"], r["form"], r["metonymy"]))

    def _entities(self) -> None:
        per_comp: dict[Span, dict[str, list[Rec]]] = defaultdict(lambda: defaultdict(list))
        for a in self.anns.values():
            for e in a.entities:
                per_comp[self.comp(a, e["id"])][a.name].append(e)
        for c in sorted(per_comp):
            members = {a: v for a, v in per_comp[c].items()}
            differs = []
            if any(len(v) > 1 for v in members.values()):
                differs.append("clusters")
            names = {tuple(e["name"] for e in v) for v in members.values()}
            if len(names) > 1:
                differs.append("name")
            contents = {a: tuple(e["name"] for e in v) for a, v in members.items()}
            self.items.append(Item("entity", members, contents, not differs, differs, (c,), span_key(c)))

    def _src(self, a: Ann, s: str) -> Any:
        return s if s == AUTHOR else self.comp(a, s)

    def _sent_span(self, a: Ann, sid: str) -> Span:
        s = a.sentence[sid]
        return (s["start"], s["end"])

    def _stances(self) -> None:
        groups: dict[Any, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for a in self.anns.values():
            for t in a.stances:
                coarse = (self.comp(a, t["holder"]), self.comp(a, t["target"]))
                src = self._src(a, t["source"])
                content = (t["label"], src, t["explicit"], tuple((e["start"], e["end"]) for e in t["evidence"]), t.get("modality"))
                groups[coarse][a.name].append(((src, t["label"]), content, t))
        for g in _match(groups, self.names):
            contents = {a: c for a, (c, _) in g.items()}
            members = {a: r for a, (_, r) in g.items()}
            differs = _fields_differ(contents, ("label", "source", "explicit", "evidence", "modality"), self.names)
            a0 = next(iter(members))
            first = min(min(e["start"] for e in r["evidence"]) for r in members.values())
            coarse = (self.comp(self.anns[a0], members[a0]["holder"]), self.comp(self.anns[a0], members[a0]["target"]))
            self.items.append(Item("stance", members, contents, not differs, differs, (first, coarse),
                                   f"{span_key(coarse[0])}->{span_key(coarse[1])}"))

    def _relations(self) -> None:
        groups: dict[Any, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for a in self.anns.values():
            for r in a.relations:
                h, t = a.span(r["head"]), a.span(r["tail"])
                coarse = (self.comps.of[h], self.comps.of[t])
                ev = tuple(sorted(self._sent_span(a, s) for s in r["evidence"]))
                content = (r["type"], h, t, ev, r["modality"], self._src(a, r["source"]))
                groups[coarse][a.name].append(((r["type"], h, t), content, r))
        for g in _match(groups, self.names):
            contents = {a: c for a, (c, _) in g.items()}
            members = {a: r for a, (_, r) in g.items()}
            differs = _fields_differ(contents, ("type", "head", "tail", "evidence", "modality", "source"), self.names)
            first = min(c[3][0] if c[3] else c[1] for c in contents.values())
            pos = (first, min(c[1] for c in contents.values()), min(c[2] for c in contents.values()))
            self.items.append(Item("relation", members, contents, not differs, differs, pos,
                                   f"{span_key(pos[1])}->{span_key(pos[2])}"))

    def disagreements(self) -> list[Item]:
        return [it for it in self.items if not it.agreed]

    # ---------------------------------------------------------- presentation

    def sentence_of(self, start: int, end: int) -> Rec | None:
        for a in self.names:
            for s in self.anns[a].sentences:
                if s["start"] <= start and end <= s["end"]:
                    return s
        return None

    def context(self, it: Item) -> list[str]:
        spans: list[Span] = []
        for a, r in it.members.items():
            ann = self.anns[a]
            if it.layer in ("sentence", "mention"):
                spans.append((r["start"], r["end"]))
            elif it.layer == "entity":
                spans.extend(ann.span(m) for e in r for m in e["mentions"][:1])
            elif it.layer == "stance":
                spans.extend((e["start"], e["end"]) for e in r["evidence"])
            else:
                spans.extend(self._sent_span(ann, s) for s in r["evidence"])
        out: list[str] = []
        for s0, s1 in sorted(set(spans)):
            s = self.sentence_of(s0, s1)
            line = f"{s['id']}: {s['text']}" if s else f"{s0}:{s1}: {self.text[s0:s1]}"
            if line not in out:
                out.append(line)
        return out

    def show(self, a: str, r: Any, layer: str) -> str:
        ann = self.anns[a]

        def ename(eid: str) -> str:
            return eid if eid == AUTHOR else f"{ann.entity[eid]['name']} ({eid})"

        if layer == "sentence":
            return f"{r['id']} {span_key((r['start'], r['end']))}"
        if layer == "mention":
            met = ", metonymy" if r["metonymy"] else ""
            return f"{r['id']} \"{r['text']}\" {r['type']} {r['form']}{met}; entity {ename(r['entity'])}"
        if layer == "entity":
            return " | ".join(
                f"{e['id']} \"{e['name']}\": " + ", ".join(f"\"{ann.mention[m]['text']}\" {span_key(ann.span(m))}" for m in e["mentions"])
                for e in r)
        if layer == "stance":
            ev = " … ".join(f"“{e['text']}”" for e in r["evidence"])
            modal = f"{r['modality']}; " if "modality" in r else ""
            return (f"{r['id']} {ename(r['holder'])} {r['label']} {ename(r['target'])}; {modal}source {ename(r['source'])}; "
                    f"{'explicit' if r['explicit'] else 'implicit'}; evidence {ev}")
        h, t = ann.mention[r["head"]], ann.mention[r["tail"]]
        return (f"{r['id']} {r['type']} \"{h['text']}\" {span_key((h['start'], h['end']))} -> \"{t['text']}\" "
                f"{span_key((t['start'], t['end']))}; {r['modality']}; source {ename(r['source'])}; evidence {','.join(r['evidence'])}")

    def worksheet_line(self, it: Item) -> Rec:
        return {
            "id": it.id,
            "doc_id": self.doc_id,
            "kind": "disagreement" if not it.agreed else (
                "follows" if it.layer == "entity" and set(it.members) != set(self.names) else "agreed"),
            "layer": it.layer,
            "key": it.key,
            "differs": it.differs,
            "context": self.context(it),
            "show": {a: (self.show(a, it.members[a], it.layer) if a in it.members else None) for a in self.names},
            "records": {a: it.members.get(a) for a in self.names},
            "decision": None,
            "record": None,
            "reason": None,
            "guidelines": [],
        }
