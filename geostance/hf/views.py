"""Task views: model-ready rows derived from one document's gold records.

Four views, each a pure function of a :class:`Doc` (the gold records of one
document and its text) and the fold table:

``stance_classification`` (:func:`stance_rows`)
    One row per sentence and ordered pair (holder, target) of distinct
    entities that both have a mention in the sentence, the holder's entity of
    an actor type (``labels.ACTOR_TYPES``). The label is the gold stance of
    that holder toward that target whose evidence overlaps the sentence, or
    ``labels.STANCE_NONE``. Spans are offsets into the row's ``text`` (the
    sentence).

``stance_modality`` (:func:`stance_modality_rows`)
    The rows of ``stance_classification`` that carry a gold stance (label
    not ``labels.STANCE_NONE``), with the row's stance label as an input
    (``stance_label``) and the stance's modality (``labels.STANCE_MODALITIES``)
    as the label. A stance keeps its label in ``stance_classification``
    whatever its modality: a HYPOTHETICAL or QUESTIONED FAVOR is a FAVOR row
    there, and its modality is this view's label, on a row with the same
    ``id``. A stance of schema 1.0 has no modality and no row here, nor does
    a row whose stances of one label carry different modalities.

``relation_classification`` (:func:`relation_rows`)
    One row per sentence and ordered pair (head, tail) of mentions of
    distinct entities in the sentence, with each mention's entity (id and
    name). The label is the type of the gold relation from that head mention
    to that tail mention when the sentence is among its evidence sentences,
    else ``labels.RELATION_NONE``. A symmetric type labels only its stored
    direction; the reverse row is ``RELATION_NONE``. The view has no modality
    column: a relation's modality exists only where the relation does, so
    such a column would be null exactly on the ``RELATION_NONE`` rows and give
    the label away. A NEGATED or HYPOTHETICAL relation keeps its type as label.

``relation_modality`` (:func:`relation_modality_rows`)
    The rows of ``relation_classification`` that carry a gold relation, with
    its type as an input (``relation_type``) and its modality
    (``labels.MODALITIES``) as the label, on a row with the same ``id``. A row
    whose gold relations (one type, several records: say two sources) carry
    different modalities is left out.

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

Folds. Every row of a view has a ``fold`` (its view's headline protocol) and
the pair views a ``sentence_fold`` too:

* ``fold`` of the pair views (stance and relation classification and their
  modality views) is **pair-disjoint** (:func:`pair_fold`): the fold of the
  row's unordered pair of entities, by their names (case-folded, white space
  collapsed), ``int.from_bytes(sha256("<FOLD_SEED>:<a>\\x1f<b>")[:8]) % k``
  with ``a <= b``. All rows of one entity pair, in either direction, in every
  sentence and every document, share a fold, in every pair view: no
  holder-target or head-tail pair is in the training and the test part of a
  fold, so a model cannot score by remembering what a pair had. Entities of
  two documents with the same name are the same pair. A pair's fold depends
  on nothing but its names, so adding documents never moves a pair; the
  folds are not balanced by construction (the card gives their sizes), and
  a sentence's rows may lie in several folds.
* ``sentence_fold`` of the pair views, and ``fold`` of ``ner``, are folds
  over sentences (:func:`assign_folds`), the second, labelled protocol of the
  pair views: no sentence is split across folds and a sentence has the same
  sentence fold in every view, but one pair occurs in the training and the
  test part of a fold whenever it occurs in two sentences. Each document's
  sentences are shuffled on their own, by a Fisher-Yates shuffle driven by
  ``random.Random(s).random()`` (a sequence Python guarantees stable across
  versions) with ``s`` the first 8 bytes of ``sha256("<FOLD_SEED>:<doc_id>")``,
  and dealt round-robin starting at fold ``s % k``. A document's sentence
  folds are balanced (sizes differ by at most one) and never change when
  other documents are added or removed.
* With more than one document, leave-one-document-out groups the rows by
  ``doc_id``; it needs no column.
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
from functools import lru_cache
from itertools import chain
from typing import Any

from geostance.contract.labels import ACTOR_TYPES, MENTION_TYPES, RELATION_NONE, STANCE_NONE

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
#: reasons a gold stance has no row in ``stance_modality``, in the order they are tested
STANCE_MODALITY_REASONS: dict[str, str] = {
    "not-in-stance_classification": "no row of `stance_classification` carries the stance (see its reasons)",
    "without-modality": "a stance of schema 1.0, which has no modality",
    "conflicting-modalities-on-row": "every row that carries it also carries a gold stance of the same label with another modality, so the row is left out",
}
#: reasons a gold relation has no row in ``relation_modality``, in the order they are tested
RELATION_MODALITY_REASONS: dict[str, str] = {
    "not-in-relation_classification": "no row of `relation_classification` carries the relation (see its reasons)",
    "conflicting-modalities-on-row": "the row that carries it also carries a gold relation of the same type with another modality, so the row is left out",
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


def by_id(r: Rec) -> int:
    """Sort key of records of one kind: the number of their id (``m2`` before ``m10``)."""
    return int(r["id"][1:])


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
        return [self.table.count(i) for i in range(self.k)]

    @classmethod
    def of_document(cls, doc_id: str, n: int, k: int = FOLDS, seed: int = FOLD_SEED) -> Folds:
        """The fold table of one document with ``n`` sentences: the same folds
        as its entries in any :func:`assign_folds` table.

        >>> Folds.of_document("b", 3, k=3).of("b", "s2") == assign_folds([("a", 4), ("b", 3)], k=3).of("b", "s2")
        True
        """
        return cls({doc_id: 0}, {doc_id: n}, document_folds(doc_id, n, k, seed), k, seed)


def pair_key(a: str, b: str) -> str:
    """The unordered key of an entity pair: both names case-folded, white space
    collapsed, in sorted order, joined by U+001F.

    >>> pair_key("Russia", "the  West") == pair_key("THE WEST", "russia")
    True
    """
    x, y = " ".join(a.casefold().split()), " ".join(b.casefold().split())
    return f"{x}\x1f{y}" if x <= y else f"{y}\x1f{x}"


@lru_cache(maxsize=1 << 16)
def pair_fold(a: str, b: str, k: int = FOLDS, seed: int = FOLD_SEED) -> int:
    """The pair-disjoint fold of the entity pair named ``a`` and ``b`` (either
    order): ``int.from_bytes(sha256(f"{seed}:{pair_key(a, b)}")[:8]) % k``.

    >>> pair_fold("China", "Russia") == pair_fold("russia", "China") == int.from_bytes(
    ...     hashlib.sha256("13:china\\x1frussia".encode()).digest()[:8], "big") % 5
    True
    """
    h = hashlib.sha256(f"{seed}:{pair_key(a, b)}".encode()).digest()
    return int.from_bytes(h[:8], "big") % k


def document_folds(doc_id: str, n: int, k: int = FOLDS, seed: int = FOLD_SEED) -> bytes:
    """The fold of each sentence ``s1..sn`` of one document (byte ``i`` for
    ``s{i+1}``), by the procedure of :func:`assign_folds`; it depends on
    nothing but ``doc_id``, ``n``, ``k`` and ``seed``.

    >>> f = document_folds("b", 3, k=3, seed=13)
    >>> sorted(f) == [0, 1, 2], f == assign_folds([("a", 4), ("b", 3)], k=3, seed=13).table[4:]
    (True, True)
    """
    s = int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:8], "big")
    order = array("q", range(n))
    rnd = random.Random(s)
    for i in range(n - 1, 0, -1):
        j = int(rnd.random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    table = bytearray(n)
    for pos, key in enumerate(order):
        table[key] = (pos + s) % k
    return bytes(table)


def assign_folds(sentence_counts: Iterable[tuple[str, int]], k: int = FOLDS, seed: int = FOLD_SEED) -> Folds:
    """Folds for the sentences ``s1..sN`` of each ``(doc_id, N)``.

    Per document: ``s = int.from_bytes(sha256(f"{seed}:{doc_id}")[:8])``; the
    sentence numbers are shuffled by Fisher-Yates with
    ``j = int(random.Random(s).random() * (i + 1))`` for ``i = n-1 .. 1``, and
    the sentence at position ``p`` gets fold ``(p + s) % k``. A document's
    folds do not depend on the other documents (:func:`document_folds`), so
    the build computes them one document at a time. Memory: one byte per sentence.

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
        start = base[doc_id]
        table[start:start + c] = document_folds(doc_id, c, k, seed)
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
    #: id -> record
    mention_by_id: dict[str, Rec] = field(default_factory=dict, repr=False)
    entity_by_id: dict[str, Rec] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.sentences = sorted(self.sentences, key=by_id)
        self.mention_by_id = {m["id"]: m for m in self.mentions}
        self.entity_by_id = {e["id"]: e for e in self.entities}
        starts = [s["start"] for s in self.sentences]
        sent_of = self._sent_of
        by_sentence: dict[str, list[Rec]] = {}
        for m in sorted(self.mentions, key=lambda m: (m["start"], m["end"], int(m["id"][1:]))):
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


# ------------------------------------------------------------------ row layout

#: the columns of each view, in order: the ``*_rows`` functions give rows as
#: dicts with these keys; :meth:`PairBatch.tuples` and :func:`ner_tuples`
#: give the same rows as tuples in this order.
STANCE_COLUMNS: tuple[str, ...] = (
    "id", "doc_id", "sentence_id", "text", "holder_id", "holder_name", "holder_type", "holder_spans",
    "target_id", "target_name", "target_type", "target_spans", "label", "fold", "sentence_fold",
)
STANCE_MODALITY_COLUMNS: tuple[str, ...] = STANCE_COLUMNS[:-3] + ("stance_label", "label", "fold", "sentence_fold")
RELATION_COLUMNS: tuple[str, ...] = (
    "id", "doc_id", "sentence_id", "text",
    "head_mention_id", "head_start", "head_end", "head_text", "head_type", "head_entity_id", "head_entity_name",
    "tail_mention_id", "tail_start", "tail_end", "tail_text", "tail_type", "tail_entity_id", "tail_entity_name",
    "label", "fold", "sentence_fold",
)
RELATION_MODALITY_COLUMNS: tuple[str, ...] = RELATION_COLUMNS[:-3] + ("relation_type", "label", "fold", "sentence_fold")
NER_COLUMNS: tuple[str, ...] = ("id", "doc_id", "sentence_id", "tokens", "token_starts", "token_ends", "tags", "fold")

#: joins the two arguments in the id of a pair row: ``<doc_id>/<sentence_id>/<first>><second>``
ID_JOIN = ">"

_ACTORS = frozenset(ACTOR_TYPES)


@dataclass
class PairBatch:
    """The rows of a pair view (``stance_classification``,
    ``relation_classification``) of one or more documents, in compact form:
    each row pairs two *parts* (arguments in one sentence: an entity, a
    mention) of one sentence, and the columns of a row are those of its
    sentence and of its two parts, so they are stored once each.

    ``sentences``: ``(doc_id, sentence_id, text, sentence fold)``;
    ``parts``: ``(id prefix, *argument columns)`` with ``part_width`` argument
    columns, the first the argument's id; ``rows``: ``(sentence index, first
    part index, second part index, *row columns)``, the last row column the
    row's (pair) fold. The row's columns are, in order: its id (the first
    part's prefix, :data:`ID_JOIN`, the second part's id), doc_id,
    sentence_id, text, the first part's argument columns, the second's, the
    row columns, the sentence fold (:meth:`tuples`). ``modality_rows`` are
    the rows of the view's modality view, over the same sentences and parts.

    >>> b = PairBatch(part_width=1)
    >>> b.sentences.append(("d", "s1", "A met B.", 0))
    >>> b.parts += [("d/s1/m1", "m1"), ("d/s1/m2", "m2")]
    >>> b.rows.append((0, 0, 1, "CONSULT", 3))
    >>> b.tuples()
    [('d/s1/m1>m2', 'd', 's1', 'A met B.', 'm1', 'm2', 'CONSULT', 3, 0)]
    """

    part_width: int
    sentences: list[tuple[str, str, str | None, int]] = field(default_factory=list)
    parts: list[tuple[Any, ...]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    modality_rows: list[tuple[Any, ...]] = field(default_factory=list)

    def modality_batch(self) -> PairBatch:
        """The modality view's rows as a batch of their own (sharing the sentences and parts)."""
        return PairBatch(self.part_width, self.sentences, self.parts, self.modality_rows)

    def tuples(self) -> list[tuple[Any, ...]]:
        """The rows as tuples of their columns."""
        out = []
        for s, a, b, *rest in self.rows:
            doc_id, sid, text, fold = self.sentences[s]
            first, second = self.parts[a], self.parts[b]
            out.append((first[0] + ID_JOIN + second[1], doc_id, sid, text, *first[1:], *second[1:], *rest, fold))
        return out


def _as_dicts(columns: tuple[str, ...], rows: list[tuple[Any, ...]], stats: ViewStats) -> tuple[list[Rec], ViewStats]:
    return [dict(zip(columns, r)) for r in rows], stats


# ------------------------------------------------------------------ stance view


def stance_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``stance_classification`` for one document (see the module doc)."""
    batch, stats, _ = stance_pairs(doc, folds)
    return _as_dicts(STANCE_COLUMNS, batch.tuples(), stats)


def stance_modality_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``stance_modality`` for one document (see the module doc)."""
    batch, _, stats = stance_pairs(doc, folds)
    return _as_dicts(STANCE_MODALITY_COLUMNS, batch.modality_batch().tuples(), stats)


def stance_pairs(doc: Doc, folds: Folds, batch: PairBatch | None = None) -> tuple[PairBatch, ViewStats, ViewStats]:
    """:func:`stance_rows` and :func:`stance_modality_rows` in compact form,
    added to ``batch`` (or a new one): parts are ``(prefix, entity id, name,
    type, spans)``, rows ``(sentence, holder part, target part, label)`` and
    modality rows ``(sentence, holder part, target part, label, modality)``.
    Returns the batch and what each of the two views left out."""
    batch = batch if batch is not None else PairBatch(part_width=4)
    stats = ViewStats()
    mstats = ViewStats()
    ents = doc.entity_by_id
    # sentence -> entity -> its mentions in the sentence, in text order
    in_sent: dict[str, dict[str, list[Rec]]] = {}
    for sid, ms in doc.by_sentence.items():
        d: dict[str, list[Rec]] = {}
        for m in ms:
            d.setdefault(m["entity"], []).append(m)
        in_sent[sid] = d

    labels: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    modalities: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)  # of the stances on a row
    candidates: dict[str, list[tuple[str, str, str]]] = {}
    starts = [s["start"] for s in doc.sentences]
    overlapping = doc.overlapping
    for t in doc.stances:
        h, g = t["holder"], t["target"]
        # the evidence sentences that mention the holder, the target, both
        has_h = has_g = False
        both = []
        for sid in overlapping(t["evidence"], starts):
            here = in_sent.get(sid)
            if here is not None:
                hh, gg = h in here, g in here
                if hh:
                    has_h = True
                    if gg:
                        both.append(sid)
                if gg:
                    has_g = True
        if not (has_h and has_g and both):
            mstats.uncarried["not-in-stance_classification"] += 1
        if not has_h:
            stats.uncarried["holder-not-mentioned-in-evidence"] += 1
        elif not has_g:
            stats.uncarried["target-not-mentioned-in-evidence"] += 1
        elif h == g or ents[h]["type"] not in _ACTORS:  # the validator refuses both
            raise ValueError(f"{doc.doc_id}: stance {t['id']} has holder {h} (type {ents[h]['type']}) and target {g}; run geostance validate")
        elif not both:
            stats.uncarried["holder-and-target-in-different-sentences"] += 1
        else:
            keys = [(sid, h, g) for sid in both]
            candidates[t["id"]] = keys
            for key in keys:
                labels[key].add(t["label"])
                modalities[key].add(t.get("modality"))
    conflicted = {key for key, ls in labels.items() if len(ls) > 1}
    stance_by_id = {t["id"]: t for t in doc.stances}
    for tid, keys in candidates.items():
        carried = [k for k in keys if k not in conflicted]
        if not carried:
            stats.uncarried["conflicting-labels-on-row"] += 1
            mstats.uncarried["not-in-stance_classification"] += 1
        elif stance_by_id[tid].get("modality") is None:
            mstats.uncarried["without-modality"] += 1
        elif all(len(modalities[k]) > 1 for k in carried):
            mstats.uncarried["conflicting-modalities-on-row"] += 1
    # sentence -> holder -> target -> the gold label of the row (None: conflicting labels)
    labelled: dict[str, dict[str, dict[str, str | None]]] = {}
    for (sid, h, g), ls in labels.items():
        labelled.setdefault(sid, {}).setdefault(h, {})[g] = next(iter(ls)) if len(ls) == 1 else None

    doc_id = doc.doc_id
    sentences, parts, add, add_all = batch.sentences, batch.parts, batch.rows.append, batch.rows.extend
    add_modality = batch.modality_rows.append
    for s in doc.sentences:
        sid = s["id"]
        present = in_sent.get(sid)
        if not present:
            continue
        si = len(sentences)
        sentences.append((doc_id, sid, doc.sentence_text(s), folds.of(doc_id, sid)))
        base = s["start"]
        prefix = f"{doc_id}/{sid}/"
        # (part index, entity, is an actor) in id order; parts hold the spans relative to the sentence
        first = len(parts)
        for e in sorted(present, key=lambda e: int(e[1:])):
            ent = ents[e]
            parts.append((prefix + e, e, ent["name"], ent["type"],
                          [{"start": m["start"] - base, "end": m["end"] - base} for m in present[e]]))
        here_parts = [(i, p[1], p[3] in _ACTORS, p[2]) for i, p in enumerate(parts[first:], first)]
        here = labelled.get(sid)  # holder -> target -> label, on this sentence
        for hi, h, actor, h_name in here_parts:
            if not actor:
                continue
            of_h = here.get(h) if here else None
            if of_h is None:
                add_all((si, hi, gi, STANCE_NONE, pair_fold(h_name, g_name)) for gi, g, _, g_name in here_parts if g != h)
                continue
            for gi, g, _, g_name in here_parts:
                if g == h:
                    continue
                label = of_h.get(g, STANCE_NONE)
                if label is None:  # two different gold labels
                    stats.dropped_rows += 1
                    continue
                fold = pair_fold(h_name, g_name)
                add((si, hi, gi, label, fold))
                if label != STANCE_NONE:
                    ms = modalities[(sid, h, g)]
                    if len(ms) > 1:  # two modalities (or one stance of 1.0 beside one of 1.1)
                        mstats.dropped_rows += 1
                    elif None not in ms:
                        add_modality((si, hi, gi, label, next(iter(ms)), fold))
    return batch, stats, mstats


# ------------------------------------------------------------------ relation view


def relation_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``relation_classification`` for one document (see the module doc)."""
    batch, stats, _ = relation_pairs(doc, folds)
    return _as_dicts(RELATION_COLUMNS, batch.tuples(), stats)


def relation_modality_rows(doc: Doc, folds: Folds) -> tuple[list[Rec], ViewStats]:
    """Rows of ``relation_modality`` for one document (see the module doc)."""
    batch, _, stats = relation_pairs(doc, folds)
    return _as_dicts(RELATION_MODALITY_COLUMNS, batch.modality_batch().tuples(), stats)


def relation_pairs(doc: Doc, folds: Folds, batch: PairBatch | None = None) -> tuple[PairBatch, ViewStats, ViewStats]:
    """:func:`relation_rows` and :func:`relation_modality_rows` in compact
    form, added to ``batch`` (or a new one): parts are ``(prefix, mention id,
    start, end, text, type, entity id, entity name)`` with offsets into the
    sentence, rows ``(sentence, head part, tail part, label, pair fold)`` and
    modality rows ``(sentence, head part, tail part, type, modality, pair
    fold)``. Returns the batch and what each of the two views left out."""
    batch = batch if batch is not None else PairBatch(part_width=7)
    stats = ViewStats()
    mstats = ViewStats()
    mentions = doc.mention_by_id
    ents = doc.entity_by_id
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
            continue
        mstats.uncarried["not-in-relation_classification"] += 1
    conflicted = {k for k, rs in gold.items() if len({r["type"] for r in rs}) > 1}
    for k in conflicted:
        stats.uncarried["conflicting-labels-on-row"] += len(gold[k])
        mstats.uncarried["not-in-relation_classification"] += len(gold[k])
    # the label of each gold pair (None: two types) and its modality (None:
    # two modalities among its records, say from two sources)
    label_of: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for k, rs in gold.items():
        mods = {r["modality"] for r in rs}
        if k not in conflicted and len(mods) > 1:
            mstats.uncarried["conflicting-modalities-on-row"] += len(rs)
        label_of[k] = (None, None) if k in conflicted else (rs[0]["type"], next(iter(mods)) if len(mods) == 1 else None)

    doc_id = doc.doc_id
    sentences, parts, add, add_modality = batch.sentences, batch.parts, batch.rows.append, batch.modality_rows.append
    for s in doc.sentences:
        sid = s["id"]
        ms = by_sent.get(sid)
        if not ms:
            continue
        si = len(sentences)
        text = doc.sentence_text(s)
        sentences.append((doc_id, sid, text, folds.of(doc_id, sid)))
        base = s["start"]
        prefix = f"{doc_id}/{sid}/"
        here_parts = []  # (part index, mention id, entity, entity name)
        for m in ms:
            a, b = m["start"] - base, m["end"] - base
            e = m["entity"]
            name = ents[e]["name"] if e in ents else e
            here_parts.append((len(parts), m["id"], e, name))
            parts.append((prefix + m["id"], m["id"], a, b, None if text is None else text[a:b], m["type"], e, name))
        for ai, a, a_ent, a_name in here_parts:
            for bi, b, b_ent, b_name in here_parts:
                if a_ent == b_ent:
                    continue
                label, modality = label_of.get((a, b), (RELATION_NONE, None)) if label_of else (RELATION_NONE, None)
                if label is None:  # two different gold types
                    stats.dropped_rows += 1
                    continue
                fold = pair_fold(a_name, b_name)
                add((si, ai, bi, label, fold))
                if label != RELATION_NONE:
                    if modality is None:
                        mstats.dropped_rows += 1
                    else:
                        add_modality((si, ai, bi, label, modality, fold))
    return batch, stats, mstats


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
    return _as_dicts(NER_COLUMNS, *ner_tuples(doc, folds))


def ner_tuples(doc: Doc, folds: Folds) -> tuple[list[tuple[Any, ...]], ViewStats]:
    """:func:`ner_rows` as tuples in :data:`NER_COLUMNS` order."""
    stats = ViewStats()
    by_sent = doc.by_sentence
    rows: list[tuple[Any, ...]] = []
    if doc.text is None:
        stats.no_text_sentences += len(doc.sentences)
        return rows, stats
    text = doc.text
    doc_id = doc.doc_id
    finditer = _TOKEN.finditer
    for s in doc.sentences:
        sid = s["id"]
        toks = [m.span() for m in finditer(text, s["start"], s["end"])]
        ms = by_sent.get(sid)
        if ms:
            cuts = [x for m in ms for x in (m["start"], m["end"])]
            if not set(chain.from_iterable(toks)).issuperset(cuts):  # else no cut falls inside a token
                toks = split_at(toks, cuts)
        token_starts = [a for a, _ in toks]
        tags = ["O"] * len(toks)
        if ms:
            # ms is in text order: when each mention ends before the next starts, all are outermost
            if all(a["start"] < a["end"] <= b["start"] for a, b in zip(ms, ms[1:])):
                kept = ms
            else:
                kept, nested, crossing = outermost(ms)
                stats.nested_dropped += nested
                stats.crossing_dropped += crossing
            n = len(toks)
            for m in kept:
                start, end = m["start"], m["end"]
                i = bisect_right(token_starts, start) - 1
                tag = "B-" + m["type"]
                while i < n and token_starts[i] < end:
                    if token_starts[i] >= start:
                        tags[i] = tag
                        tag = "I-" + m["type"]
                    i += 1
        rows.append((f"{doc_id}/{sid}", doc_id, sid, [text[a:b] for a, b in toks], token_starts,
                     [b for _, b in toks], tags, folds.of(doc_id, sid)))
    return rows, stats
