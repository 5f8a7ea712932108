"""Inter-annotator agreement: every layer of two annotations of one document, compared.

The library is a set of pure, *pairwise* functions over two lists of
annotation records, ``a`` and ``b`` (the records of one document as stored
in an annotator's JSONL file; see the data contract), and a document-level
driver, :func:`agree`, that takes every pair of annotators. The same
functions score a system against gold: gold is ``a``, the system is ``b``
("a system is one more annotator"). The records are assumed valid
(``geostance validate``); the ``agree`` command refuses invalid files.

Definitions
===========

Counts and F1. For a layer whose items are matched between the two
annotations: ``matched`` pairs, ``|A|`` and ``|B|`` items in each::

    P = matched / |B|      R = matched / |A|      F1 = 2PR / (P + R)

(so F1 = 2·matched / (|A| + |B|), symmetric in A and B wherever the
matching is). A 0/0 ratio is 1.0 when *both* annotations have no item of
the layer (they agree that there is none; the measure's note says so) and
0.0 when only one has none (then P, R and F1 are all 0). F1 is 0 when
P + R = 0. Matching is always one-to-one; items are taken in the order of
their ids' numbers (``m2`` before ``m10``).

Sentences: F1 over sentence spans ``(start, end)``: a sentence matches a
sentence of the other annotation with the same start *and* end. (Spans, not
boundary offsets: one misplaced boundary costs both sentences it touches.)

Mentions, exact: F1 over mention spans ``(start, end)``; equal spans match.

Mentions, overlap: a one-to-one matching of overlapping spans (sharing at
least one character), built greedily: candidate pairs are taken in order of
(1) larger overlap in characters, (2) smaller union (so the tighter pair
wins a tie: an exact match always beats a containing span), then (3)
position: A's start, A's end, B's start, B's end; a pair is kept when
neither span is matched yet. Every exact match is also an overlap match, so
overlap F1 >= exact F1.

Mention type: Cohen's κ and Krippendorff's α (nominal) over the exactly
matched mention pairs, one unit per pair, the values the two types.

Coreference: MUC, B³, CEAF-e (φ4) and CoNLL (their mean F1), A's entities
as the key and B's as the response, each entity the set of its mentions'
spans; see :mod:`geostance.metrics.coref` for the formulas and the treatment of
mentions that only one side has (kept, as the CoNLL reference scorer v8.01
does: they count in the denominators and match nothing; singletons are
kept). One departure from the reference scorer, by the 0/0 convention
above: when neither side has a coreference link (all entities singletons)
MUC is 1.0, not 0, and the measure's note says so.

Entity alignment (for stances): each entity of A is aligned to the entity
of B that holds the most of its exactly matched mentions (a mention of the
entity whose span B also annotated, counted for the B mention's entity);
ties go to B's lowest id (by number). An A entity with no exactly matched
mention is unaligned. The alignment maps A onto B and need not be
one-to-one (two A entities that B merged align to one B entity), so stance
scores are **not symmetric**: ``compare(a, b)`` and ``compare(b, a)`` may
differ (A = the first annotator, or gold).

Stances: A's stance ``(holder, target, label)`` is translated into B's
entities through the alignment; one with an unaligned holder or target
matches nothing. Within each translated (holder, target) pair, A's and B's
stances are paired one-to-one: first those with the same label and the same
source (A's source translated likewise; ``AUTHOR`` stays ``AUTHOR``), then
those with the same label, then the rest, each step in id order.

* tuple F1: pairs with equal labels are matches (holder, target, label);
* pair F1: every pair is a match (holder, target; label ignored);
* label κ and α: over all pairs (the holder–target pairs both annotations
  have), the values the two labels;
* modality κ and α (scheme 1.1): over the tuple-matched stances that carry a
  modality on both sides, the values the two modalities, as for relations.
  A stance of schema 1.0 has no modality, so two 1.0 passes give
  ``value=None`` with the reason; modality is never part of the matching;
* diagnostics over the tuple-matched stances: the share with the same
  ``source`` (translated), the share with the same ``explicit`` flag, and
  the share with exactly the same evidence spans (the same set of
  ``(start, end)``).

Relations: a relation is ``(type, head span, tail span)``: head and tail
mentions are aligned by exact span match, so a relation whose head or tail
the other annotation did not annotate with the same span matches nothing.
For a symmetric type (``labels.SYMMETRIC_TYPES``) the two spans are put in
text order, so direction does not count. Typed F1 matches equal triples;
untyped F1 (a diagnostic) matches ``(head span, tail span)`` with the type
ignored and the direction kept (symmetric types in text order, as above).
Modality κ and α: over the typed matches, the values the two modalities.

κ is :func:`sklearn.metrics.cohen_kappa_score`; α is
:func:`krippendorff.alpha` with ``level_of_measurement="nominal"``, labels
mapped to integers (their rank in sorted order; nominal α does not depend on
the mapping), units missing a value from all but one annotator left out.
Degenerate cases give ``value=None`` and a ``reason``, never NaN, an
exception or a printed warning: no unit to compare; κ when both annotators
use one and the same label (chance agreement 1); α when one value is
observed in all (expected disagreement 0).

Several annotators: every pair (in the given order of annotators, A the
earlier one) is reported, then the mean of each measure over the pairs where
it is defined, and Krippendorff's α over all annotators at once where units
exist independently of a pairwise alignment: mention types (one unit per
span any annotator marked) and relation modality (one unit per typed
relation triple). Stance labels and modalities have no such units (entities
are aligned pair by pair), so their all-annotator α is reported as not computed.

>>> A = [{"kind": "sentence", "id": "s1", "start": 0, "end": 5},
...      {"kind": "sentence", "id": "s2", "start": 6, "end": 9},
...      {"kind": "sentence", "id": "s3", "start": 10, "end": 20}]
>>> B = [{"kind": "sentence", "id": "s1", "start": 0, "end": 5},
...      {"kind": "sentence", "id": "s2", "start": 6, "end": 20}]
>>> m = sentence_f1(A, B)            # one match: P = 1/2, R = 1/3, F1 = 2/5
>>> (m.p, round(m.r, 4), round(m.value, 4), m.n, m.n_a, m.n_b)
(0.5, 0.3333, 0.4, 1, 3, 2)
>>> [x.value for x in compare(A, A)][:3]
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geostance.metrics import coref
from geostance.contract.labels import AUTHOR, RECORD_KINDS, SYMMETRIC_TYPES

Rec = Mapping[str, Any]
Span = tuple[int, int]

_ID = re.compile(r"^[a-z]+([0-9]+)$")


def id_key(rid: str) -> tuple[int, int, str]:
    """Order of ids: by number (``e2`` before ``e10``), ids without one last.

    >>> sorted(["e10", "e2", "x"], key=id_key)
    ['e2', 'e10', 'x']
    """
    m = _ID.match(rid) if isinstance(rid, str) else None
    return (0, int(m.group(1)), rid) if m else (1, 0, str(rid))


def _by_id(records: Iterable[Rec]) -> list[Rec]:
    return sorted(records, key=lambda r: id_key(r.get("id", "")))


@dataclass(frozen=True)
class Annotation:
    """One annotation's records by layer, each layer in id order."""

    sentences: list[Rec]
    mentions: list[Rec]
    entities: list[Rec]
    stances: list[Rec]
    relations: list[Rec]

    @classmethod
    def of(cls, records: Iterable[Rec] | Annotation) -> Annotation:
        """Group records by ``kind`` (other kinds, such as ``document``, are ignored)."""
        if isinstance(records, Annotation):
            return records
        groups: dict[str, list[Rec]] = defaultdict(list)
        for r in records:
            groups[r.get("kind", "")].append(r)
        return cls(*(_by_id(groups[k]) for k in RECORD_KINDS))

    def mention_by_span(self) -> dict[Span, Rec]:
        """Span -> mention (the first by id where an invalid file repeats a span)."""
        out: dict[Span, Rec] = {}
        for m in self.mentions:
            out.setdefault(span(m), m)
        return out

    def clusters(self) -> dict[str, frozenset[Span]]:
        """Entity id -> the spans of its mentions (by each mention's ``entity``)."""
        groups: dict[str, set[Span]] = defaultdict(set)
        for m in self.mentions:
            groups[m["entity"]].add(span(m))
        return {e: frozenset(groups[e]) for e in sorted(groups, key=id_key)}


def span(r: Rec) -> Span:
    return (r["start"], r["end"])


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Measure:
    """One agreement figure.

    ``value`` is None when the measure is undefined, and ``reason`` says
    why; ``reason`` may also carry a note on a convention that applied.
    ``n`` is what the value rests on: matched items for an F1 (for the
    coreference scores: exactly matched mentions), units for κ and α,
    compared items for a share; ``n_a`` and ``n_b`` the items of each
    annotation (for the coreference scores: entities). ``diagnostic`` marks secondary measures.
    """

    id: str
    label: str
    value: float | None
    n: int
    p: float | None = None
    r: float | None = None
    n_a: int | None = None
    n_b: int | None = None
    reason: str | None = None
    diagnostic: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "value": self.value,
            "p": self.p,
            "r": self.r,
            "n": self.n,
            "n_a": self.n_a,
            "n_b": self.n_b,
            "reason": self.reason,
            "diagnostic": self.diagnostic,
        }


def f1_measure(mid: str, label: str, matched: int, n_a: int, n_b: int, diagnostic: bool = False) -> Measure:
    """P = matched/|B|, R = matched/|A|, F1; 0/0 conventions as in the module docstring.

    >>> m = f1_measure("x", "x", 2, 4, 3)
    >>> (m.p, m.r, round(m.value, 4))
    (0.6666666666666666, 0.5, 0.5714)
    >>> f1_measure("x", "x", 0, 0, 0).value, f1_measure("x", "x", 0, 0, 2).value
    (1.0, 0.0)
    """
    if matched > min(n_a, n_b) or matched < 0:
        raise ValueError(f"{mid}: {matched} matches of {n_a} and {n_b} items")
    if n_a == 0 and n_b == 0:
        return Measure(mid, label, 1.0, 0, 1.0, 1.0, 0, 0, "both annotations have no item: taken as 1.0", diagnostic)
    if n_a == 0 or n_b == 0:
        who = "A" if n_a == 0 else "B"
        return Measure(mid, label, 0.0, 0, 0.0, 0.0, n_a, n_b, f"{who} has no item: taken as 0.0", diagnostic)
    p, r = matched / n_b, matched / n_a
    f = 0.0 if p + r == 0 else 2 * p * r / (p + r)
    return Measure(mid, label, f, matched, p, r, n_a, n_b, None, diagnostic)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[float | None, str | None]:
    """Cohen's κ of two parallel label sequences, or None and the reason.

    >>> cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"])
    (0.5, None)
    >>> cohen_kappa(["x", "x"], ["x", "x"])[1]
    "both use only the label 'x' on 2 item(s): chance agreement is 1, κ is undefined"
    """
    if len(a) != len(b):
        raise ValueError(f"κ needs parallel sequences, got {len(a)} and {len(b)} labels")
    if not a:
        return None, "no item to compare"
    used = set(a) | set(b)
    if len(used) == 1:
        return None, f"both use only the label {next(iter(used))!r} on {len(a)} item(s): chance agreement is 1, κ is undefined"
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = float(cohen_kappa_score(list(map(str, a)), list(map(str, b))))
    if not math.isfinite(k):  # pragma: no cover - excluded above; kept as a guard
        return None, "κ is undefined"
    return k, None


def krippendorff_alpha(units: Iterable[Sequence[Hashable | None]]) -> tuple[float | None, int, str | None]:
    """Nominal Krippendorff's α over units (one value per coder, None = missing).

    Returns (α or None, number of pairable units, reason). Units with fewer
    than two values are left out (they hold no pairable value).

    >>> krippendorff_alpha([("x", "x"), ("y", "y"), ("x", "y")])[:2]
    (0.4444444444444444, 3)
    >>> krippendorff_alpha([("x", "x"), ("x", None)])
    (None, 1, "only the value 'x' is observed: expected disagreement is 0, α is undefined")
    """
    kept = [tuple(u) for u in units if sum(v is not None for v in u) >= 2]
    if not kept:
        return None, 0, "no unit has values from two annotators"
    coders = {len(u) for u in kept}
    if len(coders) != 1:
        raise ValueError(f"every unit needs one value per coder, got units of lengths {sorted(coders)}")
    values = sorted({v for u in kept for v in u if v is not None}, key=str)
    if len(values) < 2:
        return None, len(kept), f"only the value {values[0]!r} is observed: expected disagreement is 0, α is undefined"
    import krippendorff
    import numpy as np

    code = {v: i for i, v in enumerate(values)}
    data = np.array([[np.nan if u[c] is None else code[u[c]] for u in kept] for c in range(len(kept[0]))], dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    if not math.isfinite(alpha):  # pragma: no cover - excluded above; kept as a guard
        return None, len(kept), "α is undefined"
    return alpha, len(kept), None


def _kappa_alpha(prefix: str, what: str, pairs: Sequence[tuple[Hashable, Hashable]], diagnostic: bool = False) -> list[Measure]:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    k, k_reason = cohen_kappa(a, b)
    al, n, a_reason = krippendorff_alpha(pairs)
    return [
        Measure(f"{prefix}.kappa", f"{what}: Cohen's κ", k, len(pairs), reason=k_reason, diagnostic=diagnostic),
        Measure(f"{prefix}.alpha", f"{what}: Krippendorff's α", al, n, reason=a_reason, diagnostic=diagnostic),
    ]


def _share(mid: str, label: str, agree: int, n: int, what: str) -> Measure:
    if n == 0:
        return Measure(mid, label, None, 0, reason=f"no {what} to compare", diagnostic=True)
    return Measure(mid, label, agree / n, n, diagnostic=True)


# ------------------------------------------------------------------ sentences and mentions


def sentence_f1(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> Measure:
    """Sentence F1 over exact (start, end) spans."""
    A, B = Annotation.of(a), Annotation.of(b)
    sa, sb = {span(s) for s in A.sentences}, {span(s) for s in B.sentences}
    return f1_measure("sentences.f1", "sentences: span F1", len(sa & sb), len(sa), len(sb))


def overlap_matching(spans_a: Iterable[Span], spans_b: Iterable[Span]) -> list[tuple[Span, Span]]:
    """One-to-one matching of overlapping spans (greedy; see the module docstring).

    >>> overlap_matching([(0, 20), (4, 11)], [(4, 11), (4, 20)])
    [((0, 20), (4, 20)), ((4, 11), (4, 11))]
    >>> overlap_matching([(0, 3)], [(3, 5)])
    []
    """
    sa = sorted(set(spans_a))
    sb = sorted(set(spans_b))
    cands: list[tuple[int, int, Span, Span]] = []
    for x in sa:
        for y in sb:
            if y[0] >= x[1]:
                break
            ov = min(x[1], y[1]) - max(x[0], y[0])
            if ov > 0:
                cands.append((-ov, max(x[1], y[1]) - min(x[0], y[0]), x, y))
    cands.sort()
    used_a: set[Span] = set()
    used_b: set[Span] = set()
    out: list[tuple[Span, Span]] = []
    for _, _, x, y in cands:
        if x not in used_a and y not in used_b:
            used_a.add(x)
            used_b.add(y)
            out.append((x, y))
    return sorted(out)


def mention_measures(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> list[Measure]:
    """Mention span F1 (exact, overlap) and type κ/α over exact matches."""
    A, B = Annotation.of(a), Annotation.of(b)
    ma, mb = A.mention_by_span(), B.mention_by_span()
    exact = sorted(ma.keys() & mb.keys())
    over = overlap_matching(ma, mb)
    out = [
        f1_measure("mentions.exact.f1", "mentions: span F1, exact", len(exact), len(ma), len(mb)),
        f1_measure("mentions.overlap.f1", "mentions: span F1, overlap", len(over), len(ma), len(mb)),
    ]
    out += _kappa_alpha("mentions.type", "mention type", [(ma[s]["type"], mb[s]["type"]) for s in exact])
    return out


def type_confusion(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> Counter[tuple[str, str]]:
    """(A's type, B's type) -> count, over exactly matched mentions."""
    A, B = Annotation.of(a), Annotation.of(b)
    ma, mb = A.mention_by_span(), B.mention_by_span()
    return Counter((ma[s]["type"], mb[s]["type"]) for s in ma.keys() & mb.keys())


# ------------------------------------------------------------------ coreference


def coreference_measures(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> list[Measure]:
    """MUC, B³, CEAF-e and CoNLL, A's entities the key (see :mod:`geostance.metrics.coref`)."""
    A, B = Annotation.of(a), Annotation.of(b)
    key, resp = list(A.clusters().values()), list(B.clusters().values())
    shared = len(A.mention_by_span().keys() & B.mention_by_span().keys())
    out: list[Measure] = []
    f1s: list[float] = []
    for mid, label, fn in (
        ("coref.muc.f1", "coreference: MUC F1", coref.muc),
        ("coref.b3.f1", "coreference: B³ F1", coref.b_cubed),
        ("coref.ceafe.f1", "coreference: CEAF-e F1", coref.ceaf_e),
    ):
        s = fn(key, resp)
        f1s.append(s.f1)
        out.append(Measure(mid, label, s.f1, shared, s.p, s.r, len(key), len(resp), s.note))
    out.append(Measure("coref.conll.f1", "coreference: CoNLL F1", math.fsum(f1s) / 3, shared, n_a=len(key), n_b=len(resp)))
    return out


# ------------------------------------------------------------------ stances


def align_entities(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> dict[str, str]:
    """A's entity id -> B's entity id, through exactly matched mentions.

    The B entity holding the most of the A entity's matched mentions wins;
    ties go to the lowest id by number; entities with no matched mention are
    left out.

    >>> A = [{"kind": "mention", "id": "m1", "start": 0, "end": 5, "entity": "e1"},
    ...      {"kind": "mention", "id": "m2", "start": 9, "end": 11, "entity": "e1"}]
    >>> B = [{"kind": "mention", "id": "m1", "start": 0, "end": 5, "entity": "e10"},
    ...      {"kind": "mention", "id": "m2", "start": 9, "end": 11, "entity": "e2"}]
    >>> align_entities(A, B)
    {'e1': 'e2'}
    """
    A, B = Annotation.of(a), Annotation.of(b)
    mb = B.mention_by_span()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for m in A.mentions:
        other = mb.get(span(m))
        if other is not None:
            counts[m["entity"]][other["entity"]] += 1
    return {
        e: min(c.items(), key=lambda kv: (-kv[1], id_key(kv[0])))[0]
        for e, c in sorted(counts.items(), key=lambda kv: id_key(kv[0]))
    }


@dataclass(frozen=True)
class StancePair:
    """A stance of A paired with one of B on the same (aligned) holder and target."""

    a: Rec
    b: Rec
    a_source: str | None  # A's source translated into B's entities (None: unaligned)

    @property
    def same_label(self) -> bool:
        return self.a["label"] == self.b["label"]


def pair_stances(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation, alignment: Mapping[str, str] | None = None) -> list[StancePair]:
    """One-to-one pairs of A's and B's stances on the same aligned holder and target."""
    A, B = Annotation.of(a), Annotation.of(b)
    align = align_entities(A, B) if alignment is None else alignment

    def src(s: Rec) -> str | None:
        return s["source"] if s["source"] == AUTHOR else align.get(s["source"])

    ga: dict[tuple[str, str], list[Rec]] = defaultdict(list)
    for s in A.stances:
        h, t = align.get(s["holder"]), align.get(s["target"])
        if h is not None and t is not None:
            ga[(h, t)].append(s)
    gb: dict[tuple[str, str], list[Rec]] = defaultdict(list)
    for s in B.stances:
        gb[(s["holder"], s["target"])].append(s)
    steps: tuple[Callable[[Rec, Rec], bool], ...] = (
        lambda x, y: x["label"] == y["label"] and src(x) == y["source"],
        lambda x, y: x["label"] == y["label"],
        lambda x, y: True,
    )
    out: list[StancePair] = []
    for k in sorted(ga.keys() & gb.keys(), key=lambda k: (id_key(k[0]), id_key(k[1]))):
        free_a, free_b = list(ga[k]), list(gb[k])
        for ok in steps:
            for x in list(free_a):
                y = next((y for y in free_b if ok(x, y)), None)
                if y is not None:
                    free_a.remove(x)
                    free_b.remove(y)
                    out.append(StancePair(x, y, src(x)))
    return sorted(out, key=lambda p: id_key(p.a["id"]))


def stance_measures(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> list[Measure]:
    """Stance tuple F1, pair F1, label κ/α and the source/explicit diagnostics."""
    A, B = Annotation.of(a), Annotation.of(b)
    pairs = pair_stances(A, B)
    same = [p for p in pairs if p.same_label]
    na, nb = len(A.stances), len(B.stances)
    out = [
        f1_measure("stances.tuple.f1", "stances: tuple F1 (holder, target, label)", len(same), na, nb),
        f1_measure("stances.pair.f1", "stances: pair F1 (holder, target)", len(pairs), na, nb),
    ]
    out += _kappa_alpha("stances.label", "stance label", [(p.a["label"], p.b["label"]) for p in pairs])
    out += stance_modality_measures(same)
    out.append(_share("stances.source.agreement", "stances: same source (matched)", sum(p.a_source == p.b["source"] for p in same), len(same), "matched stance"))
    out.append(_share("stances.explicit.agreement", "stances: same explicit (matched)", sum(p.a["explicit"] == p.b["explicit"] for p in same), len(same), "matched stance"))
    out.append(_share("stances.evidence.agreement", "stances: same evidence (matched)",
                      sum(_spans(p.a) == _spans(p.b) for p in same), len(same), "matched stance"))
    return out


def _spans(stance: Rec) -> list[tuple[int, int]]:
    return sorted((e["start"], e["end"]) for e in stance.get("evidence", ()))


def stance_modality_measures(matched: Sequence[StancePair]) -> list[Measure]:
    """Stance modality κ and α over tuple-matched stances that both carry a
    modality (scheme 1.1); undefined, with the reason, when none does.

    >>> a = {"id": "t1", "label": "FAVOR", "modality": "ASSERTED"}
    >>> [m.value for m in stance_modality_measures([StancePair(a, dict(a, modality="QUESTIONED"), None)])]
    [0.0, 0.0]
    >>> stance_modality_measures([StancePair({"label": "FAVOR"}, {"label": "FAVOR"}, None)])[0].reason
    'no matched stance carries a modality on both sides (stances of schema 1.0 have none)'
    """
    both = [(p.a["modality"], p.b["modality"]) for p in matched
            if p.a.get("modality") is not None and p.b.get("modality") is not None]
    if both:
        return _kappa_alpha("stances.modality", "stance modality", both)
    reason = ("no matched stance carries a modality on both sides (stances of schema 1.0 have none)" if matched
              else "no item to compare")
    return [Measure("stances.modality.kappa", "stance modality: Cohen's κ", None, 0, reason=reason),
            Measure("stances.modality.alpha", "stance modality: Krippendorff's α", None, 0, reason=reason)]


# ------------------------------------------------------------------ relations


def relation_key(r: Rec, mentions: Mapping[str, Rec], typed: bool = True) -> tuple[Any, ...] | None:
    """``(type, head span, tail span)`` (or without the type), symmetric types in text order.

    None when the head or tail is not a mention of ``mentions``.
    """
    h, t = mentions.get(r["head"]), mentions.get(r["tail"])
    if h is None or t is None:
        return None
    hs, ts = span(h), span(t)
    if r["type"] in SYMMETRIC_TYPES and ts < hs:
        hs, ts = ts, hs
    return (r["type"], hs, ts) if typed else (hs, ts)


def _pair_by_key(xs: Sequence[tuple[Any, Rec]], ys: Sequence[tuple[Any, Rec]]) -> list[tuple[Rec, Rec]]:
    gy: dict[Any, list[Rec]] = defaultdict(list)
    for k, r in ys:
        if k is not None:
            gy[k].append(r)
    out: list[tuple[Rec, Rec]] = []
    for k, r in xs:
        if k is not None and gy.get(k):
            out.append((r, gy[k].pop(0)))
    return out


def relation_measures(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> list[Measure]:
    """Typed relation F1, untyped F1 (diagnostic) and modality κ/α over typed matches."""
    A, B = Annotation.of(a), Annotation.of(b)
    ma = {m["id"]: m for m in A.mentions}
    mb = {m["id"]: m for m in B.mentions}
    typed = _pair_by_key([(relation_key(r, ma), r) for r in A.relations], [(relation_key(r, mb), r) for r in B.relations])
    untyped = _pair_by_key(
        [(relation_key(r, ma, typed=False), r) for r in A.relations],
        [(relation_key(r, mb, typed=False), r) for r in B.relations],
    )
    na, nb = len(A.relations), len(B.relations)
    out = [
        f1_measure("relations.typed.f1", "relations: typed F1", len(typed), na, nb),
        f1_measure("relations.untyped.f1", "relations: untyped F1", len(untyped), na, nb, diagnostic=True),
    ]
    out += _kappa_alpha("relations.modality", "relation modality", [(x["modality"], y["modality"]) for x, y in typed])
    return out


# ------------------------------------------------------------------ pairs and documents

MEASURE_IDS: tuple[str, ...] = (
    "sentences.f1",
    "mentions.exact.f1",
    "mentions.overlap.f1",
    "mentions.type.kappa",
    "mentions.type.alpha",
    "coref.muc.f1",
    "coref.b3.f1",
    "coref.ceafe.f1",
    "coref.conll.f1",
    "stances.tuple.f1",
    "stances.pair.f1",
    "stances.label.kappa",
    "stances.label.alpha",
    "stances.modality.kappa",
    "stances.modality.alpha",
    "stances.source.agreement",
    "stances.explicit.agreement",
    "stances.evidence.agreement",
    "relations.typed.f1",
    "relations.untyped.f1",
    "relations.modality.kappa",
    "relations.modality.alpha",
)
"""The measures of :func:`compare`, in order."""


def compare(a: Iterable[Rec] | Annotation, b: Iterable[Rec] | Annotation) -> list[Measure]:
    """Every measure of ``a`` (first annotator, or gold) against ``b``, in :data:`MEASURE_IDS` order."""
    A, B = Annotation.of(a), Annotation.of(b)
    out = [sentence_f1(A, B)]
    out += mention_measures(A, B)
    out += coreference_measures(A, B)
    out += stance_measures(A, B)
    out += relation_measures(A, B)
    assert tuple(m.id for m in out) == MEASURE_IDS
    return out


@dataclass(frozen=True)
class PairAgreement:
    a: str
    b: str
    measures: list[Measure]

    def __getitem__(self, mid: str) -> Measure:
        for m in self.measures:
            if m.id == mid:
                return m
        raise KeyError(mid)

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "measures": [m.as_dict() for m in self.measures]}


@dataclass(frozen=True)
class DocumentAgreement:
    """All pairs of a document's annotators; with three or more, the means and the all-annotator α."""

    doc_id: str | None
    annotators: list[str]
    pairs: list[PairAgreement]
    mean: list[Measure] = field(default_factory=list)
    overall: list[Measure] = field(default_factory=list)

    def pair(self, a: str, b: str) -> PairAgreement:
        for p in self.pairs:
            if (p.a, p.b) == (a, b):
                return p
        raise KeyError((a, b))

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "annotators": list(self.annotators),
            "pairs": [p.as_dict() for p in self.pairs],
            "mean": [m.as_dict() for m in self.mean],
            "all": [m.as_dict() for m in self.overall],
        }


def mean_measures(pairs: Sequence[PairAgreement]) -> list[Measure]:
    """Per measure, the mean value over the pairs where it is defined (``n`` = those pairs)."""
    out: list[Measure] = []
    for i, mid in enumerate(MEASURE_IDS):
        ms = [p.measures[i] for p in pairs]
        vals = [m.value for m in ms if m.value is not None]
        missing = [f"{p.a}–{p.b}" for p, m in zip(pairs, ms) if m.value is None]
        if not vals:
            reason = "undefined for every pair"
        elif missing:
            reason = f"mean over {len(vals)} of {len(pairs)} pairs (undefined for {', '.join(missing)})"
        else:
            reason = None
        value = math.fsum(vals) / len(vals) if vals else None
        out.append(Measure(mid, ms[0].label, value, len(vals), reason=reason, diagnostic=ms[0].diagnostic))
    return out


def overall_alpha(annotations: Sequence[Annotation]) -> list[Measure]:
    """Krippendorff's α over all annotators at once, where units exist without alignment."""
    by_span = [x.mention_by_span() for x in annotations]
    spans = sorted(set().union(*by_span))
    units = [tuple(d[s]["type"] if s in d else None for d in by_span) for s in spans]
    t_alpha, t_n, t_reason = krippendorff_alpha(units)

    rel: list[dict[Any, str]] = []
    for x in annotations:
        mentions = {m["id"]: m for m in x.mentions}
        d: dict[Any, str] = {}
        for r in x.relations:
            k = relation_key(r, mentions)
            if k is not None:
                d.setdefault(k, r["modality"])
        rel.append(d)
    keys = sorted(set().union(*rel))
    r_alpha, r_n, r_reason = krippendorff_alpha([tuple(d.get(k) for d in rel) for k in keys])
    return [
        Measure("mentions.type.alpha", "mention type: Krippendorff's α", t_alpha, t_n, reason=t_reason),
        Measure("stances.label.alpha", "stance label: Krippendorff's α", None, 0,
                reason="not computed over all annotators: entities are aligned pair by pair, so stance units are pairwise; see the pairs and their mean"),
        Measure("stances.modality.alpha", "stance modality: Krippendorff's α", None, 0,
                reason="not computed over all annotators: stance units are pairwise (entities are aligned pair by pair); see the pairs and their mean"),
        Measure("relations.modality.alpha", "relation modality: Krippendorff's α", r_alpha, r_n, reason=r_reason),
    ]


def agree(annotations: Mapping[str, Iterable[Rec] | Annotation], doc_id: str | None = None) -> DocumentAgreement:
    """Agreement of every pair of annotators (in the mapping's order), plus means and α over all with three or more."""
    names = list(annotations)
    if len(names) < 2:
        raise ValueError(f"agreement needs two or more annotators, got {len(names)}")
    anns = {n: Annotation.of(annotations[n]) for n in names}
    pairs = [PairAgreement(x, y, compare(anns[x], anns[y])) for x, y in itertools.combinations(names, 2)]
    if len(names) < 3:
        return DocumentAgreement(doc_id, names, pairs)
    return DocumentAgreement(doc_id, names, pairs, mean_measures(pairs), overall_alpha([anns[n] for n in names]))
