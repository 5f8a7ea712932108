"""Exact-span named-entity scores, as conlleval computes them.

Spans are read from BIO tags the way ``conlleval`` reads them (an ``I-``
tag that does not continue a span of its type starts one); a predicted span
counts as correct only when its start, end and type equal a gold span's.
Precision, recall and F1 are micro-averaged over spans, overall and by type.
Reference: Tjong Kim Sang and De Meulder 2003, "Introduction to the
CoNLL-2003 Shared Task", CoNLL; the ``conlleval`` script.

>>> span_counts(["B-GPE", "I-GPE", "O"], ["B-GPE", "O", "O"], ["GPE"]).tolist()   # correct, predicted, gold
[[0, 1, 1]]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from geostance.contract.labels import (
    MENTION_TYPES,
)
from geostance.metrics.classification import _prf_from_counts



def bio_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Spans ``(type, start, end)`` (token indices, end exclusive) read from BIO tags.

    As conlleval reads them: ``B-T`` starts a span of type T; ``I-T``
    continues the open span if it has type T, and otherwise **starts a new
    span** of type T (an ``I-`` without a preceding ``B-`` of the same type
    is not dropped); ``O`` closes the open span. This is also seqeval's
    default (non-strict) mode. Tjong Kim Sang and De Meulder (2003),
    "Introduction to the CoNLL-2003 Shared Task", CoNLL; ``conlleval``.

    >>> bio_spans(["B-GPE", "I-GPE", "O", "I-ORG", "I-ORG", "B-ORG", "I-GPE"])
    [('GPE', 0, 2), ('ORG', 3, 5), ('ORG', 5, 6), ('GPE', 6, 7)]
    """
    spans: list[tuple[str, int, int]] = []
    cur: str | None = None
    start = 0
    for i, tag in enumerate(tags):
        if tag == "O":
            prefix, typ = "O", None
        else:
            prefix, _, typ = tag.partition("-")
        if cur is not None and (prefix != "I" or typ != cur):
            spans.append((cur, start, i))
            cur = None
        if prefix in ("B", "I") and cur is None:
            cur, start = typ, i
    if cur is not None:
        spans.append((cur, start, len(tags)))
    return spans


def span_counts(gold_tags: Sequence[str], pred_tags: Sequence[str], types: Sequence[str] = MENTION_TYPES) -> np.ndarray:
    """Exact-span counts per type: an array ``(len(types), 3)`` of
    (correct, predicted, gold). A predicted span is correct when a gold span
    has the same type, start and end.

    >>> span_counts(["B-GPE", "I-GPE", "O", "B-ORG"], ["B-GPE", "O", "O", "B-ORG"], ["GPE", "ORG"]).tolist()
    [[0, 1, 1], [1, 1, 1]]
    """
    index = {t: i for i, t in enumerate(types)}
    out = np.zeros((len(types), 3), dtype=np.int64)
    g = set(bio_spans(gold_tags))
    p = set(bio_spans(pred_tags))
    for t, _, _ in g:
        out[index[t], 2] += 1
    for span in p:
        out[index[span[0]], 1] += 1
        if span in g:
            out[index[span[0]], 0] += 1
    return out


def span_prf(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from (correct, predicted, gold) counts ``(..., 3)``.

    conlleval's conventions: P = correct / predicted and R = correct / gold,
    each 0 on a zero denominator; F1 = 2PR / (P + R), 0 when P + R = 0.
    Micro averaging sums the counts over types first.

    >>> [round(float(x), 6) for x in span_prf(np.array([3, 4, 6]))]
    [0.75, 0.5, 0.6]
    """
    c = np.asarray(counts, dtype=np.float64)
    return _prf_from_counts(c[..., 0], c[..., 1], c[..., 2], precision_if_none_guessed=0.0)
