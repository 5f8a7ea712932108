"""Entity clusters of several annotators joined through their mention spans.

An annotator's records of one document (:class:`Ann`) give mention spans and
their entities; :class:`Components` joins the spans of all annotators into
components (union-find): two spans are in one component when some annotator
put them in one entity. Agreement over a panel (Krippendorff's alpha) and
adjudication both align stances and relations through these components.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from geostance.contract import records

Rec = dict[str, Any]



Span = tuple[int, int]


def span_key(s: Span) -> str:
    return f"{s[0]}:{s[1]}"


def parse_span(v: Any) -> Span | None:
    """``"12:17"`` -> ``(12, 17)``; None if it is not such a string.

    >>> parse_span("12:17"), parse_span("m3")
    ((12, 17), None)
    """
    if not isinstance(v, str) or ":" not in v:
        return None
    a, _, b = v.partition(":")
    if a.isdigit() and b.isdigit():
        return int(a), int(b)
    return None


@dataclass
class Ann:
    name: str
    recs: list[Rec]
    sentences: list[Rec] = field(default_factory=list)
    mentions: list[Rec] = field(default_factory=list)
    entities: list[Rec] = field(default_factory=list)
    stances: list[Rec] = field(default_factory=list)
    relations: list[Rec] = field(default_factory=list)

    def __post_init__(self) -> None:
        g = records.by_layer(self.recs)
        self.sentences, self.mentions, self.entities = g["sentence"], g["mention"], g["entity"]
        self.stances, self.relations = g["stance"], g["relation"]
        self.mention = {m["id"]: m for m in self.mentions}
        self.entity = {e["id"]: e for e in self.entities}
        self.sentence = {s["id"]: s for s in self.sentences}

    def span(self, mid: str) -> Span:
        m = self.mention[mid]
        return (m["start"], m["end"])

    def entity_spans(self, eid: str) -> list[Span]:
        return [self.span(m) for m in self.entity[eid]["mentions"]]


class Components:
    """Spans joined when any annotator puts them in one entity."""

    def __init__(self, anns: Iterable[Ann]) -> None:
        self.parent: dict[Span, Span] = {}
        for a in anns:
            for e in a.entities:
                spans = a.entity_spans(e["id"])
                for s in spans:
                    self._find(s)
                for s in spans[1:]:
                    self._union(spans[0], s)
        groups: dict[Span, list[Span]] = defaultdict(list)
        for s in list(self.parent):
            groups[self._find(s)].append(s)
        self.members = {min(v): sorted(v) for v in groups.values()}
        self.of = {s: k for k, v in self.members.items() for s in v}

    def _find(self, x: Span) -> Span:
        p = self.parent.setdefault(x, x)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[x] = p
        return p

    def _union(self, a: Span, b: Span) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
