"""Task views: model-ready rows derived from one document's gold records.

Three views, each a pure function of a :class:`Doc` (the gold records of one
document and its text) and the fold table:

``stance_classification`` (:func:`stance_rows`)
    One row per sentence and ordered pair (holder, target) of distinct
    entities that both have a mention in the sentence, the holder's entity of
    an actor type (``labels.ACTOR_TYPES``). The label is the gold stance of
    that holder toward that target whose evidence overlaps the sentence, or
    ``labels.STANCE_NONE``. Spans are offsets into the row's ``text`` (the
    sentence).

``relation_classification`` (:func:`relation_rows`)
    One row per sentence and ordered pair (head, tail) of mentions of
    distinct entities in the sentence. The label is the type of the gold
    relation from that head mention to that tail mention when the sentence is
    among its evidence sentences, else ``labels.RELATION_NONE``. A symmetric
    type labels only its stored direction; the reverse row is
    ``RELATION_NONE``. The gold relation's modality is kept in ``modality``
    (null on ``RELATION_NONE`` rows) so users can drop or keep NEGATED and
    HYPOTHETICAL relations.

``ner`` (:func:`ner_rows`)
    One row per sentence: tokens (:func:`tokenize`, split further at every
    mention boundary), their offsets into the document text, and BIO tags of
    the outermost mentions (a mention nested in, or crossing, a longer one is
    dropped and counted).

A gold stance or relation that no row can carry is left out and counted by
reason (:data:`STANCE_REASONS`, :data:`RELATION_REASONS`). When one row would
carry two different gold labels, the row is left out of its view (it has no
single right answer) and the records it would have carried are counted as
``conflicting-labels-on-row`` unless another row carries them.

Folds (:func:`assign_folds`): k = :data:`FOLDS` cross-validation folds over
sentences, so no sentence is split across folds and a sentence has the same
fold in every view. Each document's sentences are shuffled on their own, by
a Fisher-Yates shuffle driven by ``random.Random(s).random()`` (a sequence
Python guarantees stable across versions) with ``s`` the first 8 bytes of
``sha256("<FOLD_SEED>:<doc_id>")``, and dealt round-robin starting at fold
``s % k``. A document's folds are therefore balanced (sizes differ by at
most one) and never change when other documents are added or removed.
"""

from __future__ import annotations

import hashlib
import random
import re
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from geostance.labels import ACTOR_TYPES, MENTION_TYPES, RELATION_NONE, STANCE_NONE

Rec = dict[str, Any]

FOLDS = 5
FOLD_SEED = 13

#: reasons a gold stance has no row in ``stance_classification``, in the order they are tested
STANCE_REASONS: dict[str, str] = {
    "holder-not-mentioned-in-evidence": "no sentence that overlaps the stance's evidence holds a mention of the holder (e.g. a holder credited through reported speech)",
    "target-not-mentioned-in-evidence": "no sentence that overlaps the stance's evidence holds a mention of the target",
    "holder-and-target-in-different-sentences": "holder and target are each mentioned in the evidence, but never in one sentence",
    "conflicting-labels-on-row": "every row that would carry it also carries another gold stance with a different label, so the row is left out",
}
#: reasons a gold relation has no row in ``relation_classification``, in the order they are tested
RELATION_REASONS: dict[str, str] = {
    "same-entity": "head and tail mentions belong to one entity; the view pairs mentions of distinct entities only",
    "head-and-tail-in-different-sentences": "head and tail mentions lie in different sentences",
    "sentence-not-in-evidence": "head and tail share a sentence that is not among the relation's evidence sentences",
    "conflicting-labels-on-row": "the same head and tail mentions carry another gold relation of a different type, so the row is left out",
}

BIO_NAMES: tuple[str, ...] = ("O",) + tuple(f"{p}-{t}" for t in MENTION_TYPES for p in ("B", "I"))

_TOKEN = re.compile(
    r"""
      (?<=\w)['\u2019]s\b          # possessive or clitic 's / ’s after a word
    | (?:[A-Za-z]\.){2,}           # dotted abbreviations: U.S., U.K.
    | \d+(?:[.,]\d+)*              # numbers: 2014, 1,000, 3.5
    | \w+(?:[-\u2010]\w+)*         # words, hyphenated compounds: zero-sum
    | \S                           # any other character: punctuation, quotes
    """,
    re.X,
)


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Token offsets ``(start, end)`` in ``text[start:end]`` (offsets into ``text``).

    A deterministic regex tokenizer: curly and straight quotes, brackets and
    punctuation are tokens of their own, as is a possessive ``’s``;
    dotted abbreviations (``U.S.``), numbers and hyphenated words stay whole.

    >>> s = "Russia’s “sphere of influence” and the U.S.-Russia ties."
    >>> [s[a:b] for a, b in tokenize(s)]
    ['Russia', '’s', '“', 'sphere', 'of', 'influence', '”', 'and', 'the', 'U.S.', '-', 'Russia', 'ties', '.']
    >>> tokenize("xx a-b", 3)
    [(3, 6)]
    """
    end = len(text) if end is None else end
    return [m.span() for m in _TOKEN.finditer(text, start, end)]


def split_at(tokens: Iterable[tuple[int, int]], cuts: Iterable[int]) -> list[tuple[int, int]]:
    """Split tokens (in text order, not overlapping) at every cut point that
    falls strictly inside one.

    >>> split_at([(0, 10), (11, 14)], [4, 6, 11])
    [(0, 4), (4, 6), (6, 10), (11, 14)]
    """
    points = sorted(set(cuts))
    n = len(points)
    out: list[tuple[int, int]] = []
    j = 0
    for a, b in tokens:
        while j < n and points[j] <= a:
            j += 1
        while j < n and points[j] < b:
            out.append((a, points[j]))
            a = points[j]
            j += 1
        out.append((a, b))
    return out


def _num(rid: str) -> int:
    return int(rid[1:])


# ------------------------------------------------------------------ folds


@dataclass(frozen=True)
class Folds:
    """Fold of every sentence: ``folds.of(doc_id, "s3")``."""

    base: dict[str, int]  # doc_id -> index of its first sentence in the sorted key list
    counts: dict[str, int]
    table: bytes  # fold number per sorted sentence key
    k: int = FOLDS
    seed: int = FOLD_SEED

    def of(self, doc_id: str, sentence_id: str) -> int:
        n = _num(sentence_id)
        if not 1 <= n <= self.counts[doc_id]:
            raise KeyError(f"{doc_id}/{sentence_id} is not a sentence of the fold table")
        return self.table[self.base[doc_id] + n - 1]

    def sizes(self) -> list[int]:
        """Number of sentences per fold."""
        c = Counter(self.table)
        return [c.get(i, 0) for i in range(self.k)]


def assign_folds(sentence_counts: Iterable[tuple[str, int]], k: int = FOLDS, seed: int = FOLD_SEED) -> Folds:
    """Folds for the sentences ``s1..sN`` of each ``(doc_id, N)``.

    Per document: ``s = int.from_bytes(sha256(f"{seed}:{doc_id}")[:8])``; the
    sentence numbers are shuffled by Fisher-Yates with
    ``j = int(random.Random(s).random() * (i + 1))`` for ``i = n-1 .. 1``, and
    the sentence at position ``p`` gets fold ``(p + s) % k``. A document's
    folds do not depend on the other documents. Memory: one byte per sentence.

    >>> f = assign_folds([("b", 3), ("a", 4)], k=3, seed=13)
    >>> sorted(f.sizes()) in ([2, 2, 3], [1, 3, 3])  # each document balanced over 3 folds
    True
    >>> f.of("b", "s2") == assign_folds([("b", 3)], k=3, seed=13).of("b", "s2")  # stable when "a" goes
    True
    """
    base: dict[str, int] = {}
    counts: dict[str, int] = {}
    n = 0
    for doc_id, c in sorted(sentence_counts):
        if doc_id in base:
            raise ValueError(f"document {doc_id!r} given twice")
        base[doc_id], counts[doc_id] = n, c
        n += c
    table = bytearray(n)
    for doc_id, c in counts.items():
        s = int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:8], "big")
        order = array("q", range(c))
        rnd = random.Random(s)
        for i in range(c - 1, 0, -1):
            j = int(rnd.random() * (i + 1))
            order[i], order[j] = order[j], order[i]
        start = base[doc_id]
        for pos, key in enumerate(order):
            table[start + key] = (pos + s) % k
    return Folds(base, counts, bytes(table), k, seed)


# ------------------------------------------------------------------ document


@dataclass
class Doc:
    """One document's gold records, grouped by kind, and its text (``None``
    when the text is not available: views then carry null text)."""

    doc_id: str
    text: str | None
    sentences: list[Rec]
    mentions: list[Rec]
    entities: list[Rec]
    stances: list[Rec]
    relations: list[Rec]
    _sent_of: dict[str, str] = field(default_factory=dict, repr=False)
    #: sentence id -> the mentions inside it, in text order (start, end, id)
    by_sentence: dict[str, list[Rec]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.sentences = sorted(self.sentences, key=lambda s: _num(s["id"]))
        starts = [s["start"] for s in self.sentences]
        sent_of = self._sent_of
        by_sentence: dict[str, list[Rec]] = {}
        for m in sorted(self.mentions, key=lambda m: (m["start"], m["end"], _num(m["id"]))):
            i = bisect_right(starts, m["start"]) - 1
            if i >= 0 and self.sentences[i]["end"] >= m["end"]:
                sid = self.sentences[i]["id"]
                sent_of[m["id"]] = sid
                by_sentence.setdefault(sid, []).append(m)
        self.by_sentence = by_sentence

    @classmethod
    def from_records(cls, doc_id: str, text: str | None, records: Iterable[Rec]) -> Doc:
        g: dict[str, list[Rec]] = defaultdict(list)
        for r in records:
            g[r["kind"]].append(r)
        return cls(doc_id, text, g["sentence"], g["mention"], g["entity"], g["stance"], g["relation"])

    def sentence_of(self, mention_id: str) -> str | None:
        """The id of the sentence that holds a mention."""
        return self._sent_of.get(mention_id)

    def overlapping(self, spans: Iterable[Rec], starts: list[int] | None = None) -> list[str]:
        """Ids of the sentences that overlap any of ``spans``, in order."""
        sents = self.sentences
        starts = starts if starts is not None else [s["start"] for s in sents]
        n = len(sents)
        hit: list[int] = []
        for e in spans:
            a, b = e["start"], e["end"]
            i = max(bisect_right(starts, a) - 1, 0)
            while i < n and sents[i]["start"] < b:
                if sents[i]["end"] > a:
                    hit.append(i)
                i += 1
        if len(hit) > 1:
            hit = sorted(set(hit))
        return [sents[i]["id"] for i in hit]

    def sentence_text(self, s: Rec) -> str | None:
        return None if self.text is None else self.text[s["start"]:s["end"]]


@dataclass
class ViewStats:
    """What a view left out, for the card."""

    uncarried: Counter[str] = field(default_factory=Counter)
    dropped_rows: int = 0  # rows left out because they would carry two labels
    nested_dropped: int = 0  # ner: mentions inside a longer mention
    crossing_dropped: int = 0  # ner: mentions that cross a longer one
    no_text_sentences: int = 0  # ner: sentences without text (not built)

    def add(self, other: ViewStats) -> None:
        self.uncarried.update(other.uncarried)
        self.dropped_rows += other.dropped_rows
        self.nested_dropped += other.nested_dropped
        self.crossing_dropped += other.crossing_dropped
        self.no_text_sentences += other.no_text_sentences


# ------------------------------------------------------------------ stance view


def stance_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``stance_classification`` for one document (see the module doc)."""
    stats = ViewStats()
    ents = {e["id"]: e for e in doc.entities}
    # sentence -> entity -> its mentions in the sentence, in text order
    in_sent: dict[str, dict[str, list[Rec]]] = {}
    for sid, ms in doc.by_sentence.items():
        d: dict[str, list[Rec]] = {}
        for m in ms:
            d.setdefault(m["entity"], []).append(m)
        in_sent[sid] = d

    labels: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    candidates: dict[str, list[tuple[str, str, str]]] = {}
    starts = [s["start"] for s in doc.sentences]
    for t in doc.stances:
        h, g = t["holder"], t["target"]
        ev_sents = doc.overlapping(t["evidence"], starts)
        has_h = [sid for sid in ev_sents if h in in_sent.get(sid, {})]
        has_g = [sid for sid in ev_sents if g in in_sent.get(sid, {})]
        both = [sid for sid in has_h if sid in has_g]
        if not has_h:
            stats.uncarried["holder-not-mentioned-in-evidence"] += 1
        elif not has_g:
            stats.uncarried["target-not-mentioned-in-evidence"] += 1
        elif h == g or ents[h]["type"] not in ACTOR_TYPES:  # the validator refuses both
            raise ValueError(f"{doc.doc_id}: stance {t['id']} has holder {h} (type {ents[h]['type']}) and target {g}; run geostance validate")
        elif not both:
            stats.uncarried["holder-and-target-in-different-sentences"] += 1
        else:
            keys = [(sid, h, g) for sid in both]
            candidates[t["id"]] = keys
            for key in keys:
                labels[key].add(t["label"])
    conflicted = {key for key, ls in labels.items() if len(ls) > 1}
    for keys in candidates.values():
        if all(k in conflicted for k in keys):
            stats.uncarried["conflicting-labels-on-row"] += 1

    rows: list[Rec] = []
    for s in doc.sentences:
        sid = s["id"]
        present = in_sent.get(sid)
        if not present:
            continue
        fold = folds.of(doc.doc_id, sid)
        text = doc.sentence_text(s)
        order = sorted(present, key=_num)
        base = s["start"]
        # rows of one sentence share these lists (read-only)
        spans = {e: [{"start": m["start"] - base, "end": m["end"] - base} for m in present[e]] for e in order}
        prefix = f"{doc.doc_id}/{sid}/"
        for h in order:
            he = ents[h]
            if he["type"] not in ACTOR_TYPES:
                continue
            for g in order:
                if g == h:
                    continue
                key = (sid, h, g)
                if key in conflicted:
                    stats.dropped_rows += 1
                    continue
                ge = ents[g]
                got = labels.get(key)
                rows.append({
                    "id": f"{prefix}{h}>{g}",
                    "doc_id": doc.doc_id,
                    "sentence_id": sid,
                    "text": text,
                    "holder_id": h,
                    "holder_name": he["name"],
                    "holder_type": he["type"],
                    "holder_spans": spans[h],
                    "target_id": g,
                    "target_name": ge["name"],
                    "target_type": ge["type"],
                    "target_spans": spans[g],
                    "label": next(iter(got)) if got else STANCE_NONE,
                    "fold": fold,
                })
    return rows, stats


# ------------------------------------------------------------------ relation view


def relation_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``relation_classification`` for one document (see the module doc)."""
    stats = ViewStats()
    mentions = {m["id"]: m for m in doc.mentions}
    by_sent = doc.by_sentence

    gold: dict[tuple[str, str], list[Rec]] = defaultdict(list)
    for r in doc.relations:
        a, b = mentions[r["head"]], mentions[r["tail"]]
        sa, sb = doc.sentence_of(a["id"]), doc.sentence_of(b["id"])
        if a["entity"] == b["entity"]:
            stats.uncarried["same-entity"] += 1
        elif sa is None or sa != sb:
            stats.uncarried["head-and-tail-in-different-sentences"] += 1
        elif sa not in r["evidence"]:
            stats.uncarried["sentence-not-in-evidence"] += 1
        else:
            gold[(a["id"], b["id"])].append(r)
    conflicted = {k for k, rs in gold.items() if len({r["type"] for r in rs}) > 1}
    for k in conflicted:
        stats.uncarried["conflicting-labels-on-row"] += len(gold[k])

    rows: list[Rec] = []
    for s in doc.sentences:
        sid = s["id"]
        ms = by_sent.get(sid)
        if not ms:
            continue
        fold = folds.of(doc.doc_id, sid)
        text = doc.sentence_text(s)
        base = s["start"]
        for a in ms:
            for b in ms:
                if a["entity"] == b["entity"]:
                    continue
                key = (a["id"], b["id"])
                if key in conflicted:
                    stats.dropped_rows += 1
                    continue
                rs = gold.get(key)
                rows.append({
                    "id": f"{doc.doc_id}/{sid}/{a['id']}>{b['id']}",
                    "doc_id": doc.doc_id,
                    "sentence_id": sid,
                    "text": text,
                    "head_mention_id": a["id"],
                    "head_start": a["start"] - base,
                    "head_end": a["end"] - base,
                    "head_text": None if text is None else text[a["start"] - base:a["end"] - base],
                    "head_type": a["type"],
                    "tail_mention_id": b["id"],
                    "tail_start": b["start"] - base,
                    "tail_end": b["end"] - base,
                    "tail_text": None if text is None else text[b["start"] - base:b["end"] - base],
                    "tail_type": b["type"],
                    "label": rs[0]["type"] if rs else RELATION_NONE,
                    # one type on the pair, possibly several records (say two
                    # sources): the modality of the first in id order
                    "modality": min(rs, key=lambda r: _num(r["id"]))["modality"] if rs else None,
                    "fold": fold,
                })
    return rows, stats


# ------------------------------------------------------------------ ner view


def outermost(mentions: Sequence[Rec]) -> tuple[list[Rec], int, int]:
    """The mentions kept for BIO tags: the longest of overlapping mentions,
    earliest first. Returns ``(kept, nested_dropped, crossing_dropped)``.

    >>> ms = [{"id": "m1", "start": 0, "end": 10}, {"id": "m2", "start": 2, "end": 5},
    ...       {"id": "m3", "start": 8, "end": 12}, {"id": "m4", "start": 12, "end": 14}]
    >>> kept, nested, crossing = outermost(ms)
    >>> [m["id"] for m in kept], nested, crossing
    (['m1', 'm4'], 1, 1)
    """
    kept: list[Rec] = []
    nested = crossing = 0
    for m in sorted(mentions, key=lambda m: (m["start"], -(m["end"] - m["start"]), _num(m["id"]))):
        if kept and m["start"] < kept[-1]["end"]:
            if m["end"] <= kept[-1]["end"]:
                nested += 1
            else:
                crossing += 1
            continue
        kept.append(m)
    return kept, nested, crossing


def ner_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``ner`` for one document: offsets are into the document text."""
    stats = ViewStats()
    by_sent = doc.by_sentence
    rows: list[Rec] = []
    if doc.text is None:
        stats.no_text_sentences += len(doc.sentences)
        return rows, stats
    text = doc.text
    for s in doc.sentences:
        sid = s["id"]
        ms = by_sent.get(sid, [])
        cuts = [x for m in ms for x in (m["start"], m["end"])]
        toks = split_at(tokenize(text, s["start"], s["end"]), cuts)
        kept, nested, crossing = outermost(ms)
        stats.nested_dropped += nested
        stats.crossing_dropped += crossing
        tags = ["O"] * len(toks)
        if kept:
            starts = [a for a, _ in toks]
            for m in kept:
                i = bisect_right(starts, m["start"]) - 1
                first = True
                while i < len(toks) and toks[i][0] < m["end"]:
                    if toks[i][0] >= m["start"]:
                        tags[i] = ("B-" if first else "I-") + m["type"]
                        first = False
                    i += 1
        rows.append({
            "id": f"{doc.doc_id}/{sid}",
            "doc_id": doc.doc_id,
            "sentence_id": sid,
            "tokens": [text[a:b] for a, b in toks],
            "token_starts": [a for a, _ in toks],
            "token_ends": [b for _, b in toks],
            "tags": tags,
            "fold": folds.of(doc.doc_id, sid),
        })
    return rows, stats
