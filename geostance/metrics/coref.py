"""Coreference scores: MUC, B³, CEAF-e and their mean, the CoNLL score.

Pure functions over two *clusterings*, each a sequence of clusters (sets of
hashable mention keys; geostance uses ``(start, end)`` spans). The first is
the *key* (annotator A, or gold), the second the *response* (annotator B, or
a system). Recall is measured against the key, precision against the
response. The formulas are those of the reference implementation used for
the CoNLL-2011/2012 shared tasks (conll/reference-coreference-scorers, v8.01;
Pradhan, Luo, Recasens, Hovy, Ng and Strube, "Scoring Coreference Partitions
of Predicted Mentions: A Reference Implementation", ACL 2014), which score
the key and response mentions *as given*:

* mentions are identified by key equality (exact span match);
* a mention of one side that the other side lacks (a "twinless" mention) is
  kept: it counts in the denominators and matches nothing;
* singleton clusters are kept (MUC ignores them by construction, B³ and
  CEAF-e count them).

MUC (Vilain et al. 1995)::

    R = sum_k (|k| - |p(k, response)|) / sum_k (|k| - 1)
    P = sum_r (|r| - |p(r, key)|)      / sum_r (|r| - 1)

where ``p(c, other)`` is the partition of cluster ``c`` by the clusters of
``other``, a mention of ``c`` that ``other`` lacks being a part of its own.

B³ (Bagga and Baldwin 1998), in the form of Pradhan et al. (2014, eq. 5)::

    R = sum_k sum_r |k ∩ r|² / |k|  /  sum_k |k|
    P = sum_r sum_k |k ∩ r|² / |r|  /  sum_r |r|

CEAF-e (Luo 2005) with the entity similarity φ4(k, r) = 2|k ∩ r| / (|k| + |r|)
and the one-to-one alignment of key and response clusters that maximises
the total similarity Φ (found by :func:`scipy.optimize.linear_sum_assignment`)::

    R = Φ / |key clusters|,   P = Φ / |response clusters|

F1 is the harmonic mean of P and R (0 when P + R = 0). CoNLL is the
unweighted mean of the three F1 values.

Edge cases (a ratio whose denominator is 0): where *both* sides have nothing
to count (MUC: neither side has a link, i.e. all clusters are singletons;
B³ and CEAF-e: neither side has a mention) P = R = F1 = 1.0, the empty-set
convention of :mod:`geostance.agreement.pairwise` (two annotations that agree that
there is nothing to link agree); the reference scorer reports 0 there, and
:attr:`Score.note` says so. Where only one side has nothing, the 0/0 ratio
is taken as 0, as in the reference scorer, and F1 is 0.

The classic example of Vilain et al. (1995): key {A, B, C, D}, response
{A, B} {C, D}: one link of three is missing.

>>> s = muc([{"A", "B", "C", "D"}], [{"A", "B"}, {"C", "D"}])
>>> (round(s.r, 4), s.p, round(s.f1, 4))
(0.6667, 1.0, 0.8)
>>> conll([{"A", "B"}], [{"A", "B"}])
1.0
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import AbstractSet

import numpy as np
from scipy.optimize import linear_sum_assignment

Cluster = AbstractSet[Hashable]
Clustering = Sequence[Cluster]

REFERENCE_ZERO_NOTE = "neither side has anything to score: taken as 1.0 (the reference scorer reports 0)"


@dataclass(frozen=True)
class Score:
    """Recall, precision and F1 of one coreference metric."""

    r: float
    p: float
    f1: float
    note: str | None = None


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _ratio(num: float, den: float) -> float:
    # 0/0 on one side only: 0, as the reference scorer does
    return num / den if den else 0.0


def _clean(clusters: Iterable[Cluster]) -> list[frozenset[Hashable]]:
    out = [frozenset(c) for c in clusters]
    out = [c for c in out if c]
    seen: set[Hashable] = set()
    for c in out:
        if seen & c:
            raise ValueError(f"a mention belongs to two clusters: {sorted(map(repr, seen & c))[:3]}")
        seen |= c
    return out


def _partition_size(cluster: frozenset[Hashable], owner: dict[Hashable, int]) -> int:
    """|p(cluster, other)|: parts that other's clusters cut, each missing mention its own part."""
    parts: set[Hashable] = set()
    lone = 0
    for m in cluster:
        o = owner.get(m)
        if o is None:
            lone += 1
        else:
            parts.add(o)
    return len(parts) + lone


def _owner(clusters: list[frozenset[Hashable]]) -> dict[Hashable, int]:
    return {m: i for i, c in enumerate(clusters) for m in c}


def muc(key: Clustering, response: Clustering) -> Score:
    """MUC (Vilain et al. 1995) over links.

    >>> muc([{1, 2}, {3}], [{1}, {2}, {3}])   # the response has no link
    Score(r=0.0, p=0.0, f1=0.0, note=None)
    >>> muc([{1}], [{2}]).f1                   # neither side has a link
    1.0
    """
    k, r = _clean(key), _clean(response)
    k_den = sum(len(c) - 1 for c in k)
    r_den = sum(len(c) - 1 for c in r)
    if k_den == 0 and r_den == 0:
        return Score(1.0, 1.0, 1.0, REFERENCE_ZERO_NOTE)
    r_owner, k_owner = _owner(r), _owner(k)
    rec = _ratio(sum(len(c) - _partition_size(c, r_owner) for c in k), k_den)
    prec = _ratio(sum(len(c) - _partition_size(c, k_owner) for c in r), r_den)
    return Score(rec, prec, _f1(prec, rec))


def b_cubed(key: Clustering, response: Clustering) -> Score:
    """B³ (Bagga and Baldwin 1998), mention-averaged.

    >>> s = b_cubed([{1, 2, 3}], [{1, 2}, {3}])
    >>> (round(s.r, 4), s.p)                  # R = (4/3 + 1/3) / 3
    (0.5556, 1.0)
    """
    k, r = _clean(key), _clean(response)
    nk, nr = sum(map(len, k)), sum(map(len, r))
    if nk == 0 and nr == 0:
        return Score(1.0, 1.0, 1.0, REFERENCE_ZERO_NOTE)
    r_owner = _owner(r)
    overlap: dict[tuple[int, int], int] = {}
    for i, c in enumerate(k):
        for m in c:
            j = r_owner.get(m)
            if j is not None:
                overlap[(i, j)] = overlap.get((i, j), 0) + 1
    rec_num = math.fsum(n * n / len(k[i]) for (i, _), n in sorted(overlap.items()))
    prec_num = math.fsum(n * n / len(r[j]) for (_, j), n in sorted(overlap.items()))
    rec, prec = _ratio(rec_num, nk), _ratio(prec_num, nr)
    return Score(rec, prec, _f1(prec, rec))


def phi4(k: Cluster, r: Cluster) -> float:
    """Luo's (2005) entity similarity φ4: 2|k ∩ r| / (|k| + |r|).

    >>> phi4({1, 2, 3}, {3, 4})
    0.4
    """
    return 2 * len(k & r) / (len(k) + len(r))


def ceaf_e(key: Clustering, response: Clustering) -> Score:
    """CEAF-e (Luo 2005): φ4 similarity, optimal one-to-one cluster alignment.

    >>> s = ceaf_e([{1, 2}, {3}], [{1, 2, 3}])   # best: {1,2}~{1,2,3}, φ4 = 0.8
    >>> (s.r, s.p)
    (0.4, 0.8)
    """
    k, r = _clean(key), _clean(response)
    if not k and not r:
        return Score(1.0, 1.0, 1.0, REFERENCE_ZERO_NOTE)
    if not k or not r:
        return Score(0.0, 0.0, 0.0)
    sim = np.array([[phi4(a, b) for b in r] for a in k], dtype=np.float64)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    total = math.fsum(float(sim[i, j]) for i, j in zip(rows, cols))
    rec, prec = total / len(k), total / len(r)
    return Score(rec, prec, _f1(prec, rec))


def conll(key: Clustering, response: Clustering) -> float:
    """The CoNLL score: the mean of the MUC, B³ and CEAF-e F1 values."""
    return (muc(key, response).f1 + b_cubed(key, response).f1 + ceaf_e(key, response).f1) / 3
