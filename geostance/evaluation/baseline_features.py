"""Baseline features: what a baseline may see of a task view's row.

Pair views: :func:`pair` reads a row's sentence and its two argument spans;
:func:`tfidf_text` gives the sentence text, :func:`marked_text` the text with
the two arguments marked, :func:`pair_features` hand-written indicators
(argument types and forms, order, distance bucket, words between). ``ner``:
:func:`token_features` per token (shape, affixes, neighbours). None of them
reads a label column, so no label leaks into a feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence





def _spans(value: Any) -> list[tuple[int, int]]:
    """Spans from a view column: a list of {start, end} objects or [start, end] pairs."""
    out: list[tuple[int, int]] = []
    for s in value or []:
        if isinstance(s, Mapping):
            out.append((int(s["start"]), int(s["end"])))
        else:
            out.append((int(s[0]), int(s[1])))
    return out


@dataclass(frozen=True)
class Pair:
    """A row of a pair view as the features see it: argument 1 (holder or
    head) and argument 2 (target or tail) in a sentence."""

    text: str
    a_spans: tuple[tuple[int, int], ...]
    b_spans: tuple[tuple[int, int], ...]
    a_type: str
    b_type: str
    a_name: str
    b_name: str
    a_entity: str = ""  # the argument's entity name (for a mention: its entity's), the pair's identity
    b_entity: str = ""


def pair(row: Mapping[str, Any]) -> Pair:
    """The :class:`Pair` of a stance_classification or relation_classification row.

    >>> p = pair({"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...           "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"})
    >>> p.a_spans, p.b_name
    (((0, 5),), 'Russia')
    """
    if "holder_id" in row:
        a, b = str(row.get("holder_name", "")), str(row.get("target_name", ""))
        return Pair(row["text"], tuple(_spans(row.get("holder_spans"))), tuple(_spans(row.get("target_spans"))),
                    str(row.get("holder_type", "")), str(row.get("target_type", "")), a, b, a, b)
    a, b = str(row.get("head_text", "")), str(row.get("tail_text", ""))
    return Pair(row["text"], ((int(row["head_start"]), int(row["head_end"])),),
                ((int(row["tail_start"]), int(row["tail_end"])),),
                str(row.get("head_type", "")), str(row.get("tail_type", "")), a, b,
                str(row.get("head_entity_name") or a), str(row.get("tail_entity_name") or b))


_WORD = re.compile(r"\w+", re.UNICODE)


def tfidf_text(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the TF-IDF baselines read: the sentence, then the two arguments
    after role words (so that n-grams such as "arg1 china" tell the pair).

    >>> tfidf_text([{"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...              "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"}])
    ['China backs Russia arg1 China arg2 Russia']
    """
    out = []
    for r in rows:
        p = pair(r)
        out.append(f"{p.text} arg1 {p.a_name} arg2 {p.b_name}")
    return out


def marked_text(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The sentence with argument 1 between ``astart``/``aend`` and argument 2
    between ``bstart``/``bend`` (every span of each; where they overlap, the
    markers nest as they fall).

    >>> marked_text([{"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...               "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"}])
    ['astart China aend backs bstart Russia bend']
    """
    out = []
    for r in rows:
        p = pair(r)
        marks: list[tuple[int, int, str]] = []
        for s, e in p.a_spans:
            marks += [(s, 1, " astart "), (e, 0, " aend ")]
        for s, e in p.b_spans:
            marks += [(s, 1, " bstart "), (e, 0, " bend ")]
        text = p.text
        pieces: list[str] = []
        last = 0
        for pos, _, mark in sorted(marks):
            pieces += [text[last:pos], mark]
            last = pos
        pieces.append(text[last:])
        out.append(" ".join("".join(pieces).split()))
    return out


def _distance_bucket(n: int) -> str:
    for limit, name in ((0, "0"), (1, "1"), (2, "2"), (5, "3-5"), (10, "6-10")):
        if n <= limit:
            return name
    return ">10"


def pair_features(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]:
    """Features of a pair: both types and their combination, the argument
    words, the order of the two arguments, their distance in words (bucketed)
    and the cue words between them (the closest pair of spans is used).

    >>> f = pair_features([{"text": "China backs Russia", "head_start": 0, "head_end": 5, "head_text": "China",
    ...     "head_type": "GPE", "tail_start": 12, "tail_end": 18, "tail_text": "Russia", "tail_type": "GPE"}])[0]
    >>> sorted(k for k in f if k.startswith(("between", "distance", "order")))
    ['between=backs', 'distance=1', 'order=a<b']
    """
    out = []
    for r in rows:
        p = pair(r)
        f: dict[str, float] = {f"a_type={p.a_type}": 1.0, f"b_type={p.b_type}": 1.0, f"types={p.a_type}>{p.b_type}": 1.0}
        for w in _WORD.findall(p.a_name.lower()):
            f[f"a_word={w}"] = 1.0
        for w in _WORD.findall(p.b_name.lower()):
            f[f"b_word={w}"] = 1.0
        best: tuple[int, int, int, bool] | None = None  # (words between, gap start, gap end, a first)
        for a in p.a_spans:
            for b in p.b_spans:
                a_first = a[0] <= b[0]
                lo, hi = (a[1], b[0]) if a_first else (b[1], a[0])
                gap = p.text[lo:hi] if hi > lo else ""
                n = len(_WORD.findall(gap))
                if best is None or n < best[0]:
                    best = (n, lo, hi, a_first)
        if best is None:
            f["no_span"] = 1.0
        else:
            n, lo, hi, a_first = best
            f[f"distance={_distance_bucket(n)}"] = 1.0
            f["order=a<b" if a_first else "order=b<a"] = 1.0
            for w in _WORD.findall(p.text[lo:hi].lower() if hi > lo else ""):
                f[f"between={w}"] = 1.0
        out.append(f)
    return out


def _shape(w: str) -> str:
    s = re.sub(r"[A-Z]", "X", w)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"[0-9]", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def token_features(samples: Sequence[tuple[tuple[str, ...], int]]) -> list[dict[str, float]]:
    """Features of a token in its sentence (a sample is ``(tokens, index)``):
    the word, its lower case, shape, 3-letter prefix and suffix, case flags,
    and the same for the words before and after.

    >>> f = token_features([(("Qu", "Xing", "said"), 1)])[0]
    >>> f["w=xing"], f["prev=qu"], f["next=said"], f["shape=Xxx"]
    (1.0, 1.0, 1.0, 1.0)
    """
    out = []
    for tokens, i in samples:
        w = tokens[i]
        f = {f"w={w.lower()}": 1.0, f"shape={_shape(w)}": 1.0, f"pre3={w[:3].lower()}": 1.0,
             f"suf3={w[-3:].lower()}": 1.0}
        if w[:1].isupper():
            f["title"] = 1.0
        if w.isupper():
            f["upper"] = 1.0
        if i == 0:
            f["first"] = 1.0
        for off, name in ((-1, "prev"), (1, "next"), (-2, "prev2"), (2, "next2")):
            j = i + off
            if 0 <= j < len(tokens):
                f[f"{name}={tokens[j].lower()}"] = 1.0
                if tokens[j][:1].isupper():
                    f[f"{name}_title"] = 1.0
            else:
                f[f"{name}=<none>"] = 1.0
        out.append(f)
    return out
