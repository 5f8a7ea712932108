"""End-to-end scoring: a system's full annotation files against gold, "a system is one more annotator".

Each system file (the format of an annotator's file, one document) is
compared with that document's gold by :func:`geostance.agreement.pairwise.compare`,
gold as annotator A and the system as B, so every measure is the one
``geostance agree`` reports, with its definitions (P = matched / |system|,
R = matched / |gold|; stance scores align the system's entities to gold's
and are not symmetric). Nothing is re-implemented here.

Headline measures: mention span F1 (exact), CoNLL coreference F1, stance
tuple F1 and typed relation F1. Modality is never part of the matching, for
stances as for relations: a stance matches on (holder, target, label) and a
relation on (type, head, tail) whatever their modality, and modality is
reported separately, as Cohen's κ and Krippendorff's α over the matched
records (``stances.modality.*``, ``relations.modality.*``; undefined, with
the reason, for stances of schema 1.0, which have none). A system that gets
a stance right but calls an open question an assertion thus keeps its
tuple F1 and loses modality agreement. Over several documents, an F1 whose counts
are given (matched, |A|, |B|) is pooled (micro: counts summed, then
:func:`geostance.agreement.pairwise.f1_measure`); the other measures (CoNLL F1, κ, α,
shares) are the mean over the documents where they are defined
(:func:`geostance.agreement.pairwise.mean_measures`). 95% intervals resample
*documents* (percentile bootstrap, seeded): agreement's matching is defined
over a whole document (entities, coreference chains), so a document is the
smallest unit that can be drawn without changing what is matched. With one
document there is nothing to resample and no interval is given; the output
says so.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from geostance.agreement import pairwise as agreement
from geostance.metrics.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_interval

HEADLINE = ("mentions.exact.f1", "coref.conll.f1", "stances.tuple.f1", "relations.typed.f1")
POOLED = frozenset(("sentences.f1", "mentions.exact.f1", "mentions.overlap.f1", "stances.tuple.f1", "stances.pair.f1",
                    "relations.typed.f1", "relations.untyped.f1"))


@dataclass
class EndToEnd:
    """Per-document comparisons and the aggregate with intervals."""

    doc_ids: list[str]
    per_document: list[agreement.PairAgreement]
    measures: list[agreement.Measure]
    intervals: dict[str, tuple[float, float]]
    resamples: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": "end-to-end",
            "documents": self.doc_ids,
            "headline": list(HEADLINE),
            "aggregate": "F1 with counts pooled over documents (micro); other measures: mean over documents",
            "bootstrap": {"method": "percentile", "confidence": 0.95, "unit": "document", "resamples": self.resamples,
                          "seed": self.seed, "n_units": len(self.doc_ids),
                          "note": None if len(self.doc_ids) > 1 else "one document: no interval"},
            "measures": [{**m.as_dict(), "ci95": list(self.intervals[m.id]) if m.id in self.intervals else None}
                         for m in self.measures],
            "per_document": [{"doc_id": d, **p.as_dict()} for d, p in zip(self.doc_ids, self.per_document)],
        }


def _aggregate(pairs: Sequence[agreement.PairAgreement]) -> list[agreement.Measure]:
    means = agreement.mean_measures(pairs) if len(pairs) > 1 else list(pairs[0].measures)
    out = []
    for i, m in enumerate(means):
        if m.id in POOLED and len(pairs) > 1:
            ms = [p.measures[i] for p in pairs]
            out.append(agreement.f1_measure(m.id, m.label, sum(x.n for x in ms), sum(x.n_a or 0 for x in ms),
                                            sum(x.n_b or 0 for x in ms), m.diagnostic))
        else:
            out.append(m)
    return out


def score_documents(docs: Sequence[tuple[str, Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]],
                    resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> EndToEnd:
    """Score ``(doc_id, gold records, system records)`` triples.

    >>> gold = [{"kind": "sentence", "id": "s1", "start": 0, "end": 5},
    ...         {"kind": "mention", "id": "m1", "start": 0, "end": 5, "type": "GPE", "entity": "e1"},
    ...         {"kind": "entity", "id": "e1", "mentions": ["m1"]}]
    >>> r = score_documents([("d", gold, gold)])
    >>> [m.value for m in r.measures if m.id in HEADLINE]
    [1.0, 1.0, 1.0, 1.0]
    """
    pairs = [agreement.PairAgreement("gold", "system", agreement.compare(g, s)) for _, g, s in docs]
    measures = _aggregate(pairs)
    intervals: dict[str, tuple[float, float]] = {}
    if len(pairs) > 1 and resamples > 0:
        rng = np.random.default_rng(seed)
        n = len(pairs)
        draws = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)  # (R, documents)
        for i, m in enumerate(measures):
            per = [p.measures[i] for p in pairs]
            if m.id in POOLED:
                c = np.array([[x.n, x.n_a or 0, x.n_b or 0] for x in per], dtype=np.float64)
                s = draws @ c
                den = s[:, 1] + s[:, 2]
                vals = np.where(den > 0, np.divide(2 * s[:, 0], den, out=np.zeros(len(s)), where=den > 0), 1.0)
            else:
                v = np.array([np.nan if x.value is None else x.value for x in per])
                ok = ~np.isnan(v)
                if not ok.any():
                    continue
                w = draws[:, ok]
                tot = w.sum(axis=1)
                vals = np.divide(w @ v[ok], tot, out=np.full(len(w), np.nan), where=tot > 0)
                vals = vals[~np.isnan(vals)]
            lo, hi = percentile_interval(vals)
            intervals[m.id] = (round(float(lo), 6), round(float(hi), 6))
    return EndToEnd([d for d, _, _ in docs], pairs, measures, intervals, resamples, seed)


def render(result: EndToEnd, output: str) -> str:
    from geostance.core.tables import Column, render_markdown, render_text

    if output == "json":
        return json.dumps(result.as_dict(), ensure_ascii=False, indent=1, allow_nan=False)
    head = (f"end-to-end: {len(result.doc_ids)} document{'s' if len(result.doc_ids) != 1 else ''} "
            f"({', '.join(result.doc_ids)}); gold = A, system = B; P = matched/|system|, R = matched/|gold|")
    ci = (f"95% CI: percentile bootstrap over documents, {result.resamples:,} resamples, seed {result.seed}"
          if len(result.doc_ids) > 1 else
          "95% CI: none (one document; end-to-end intervals resample whole documents)")
    rows = []
    for m in result.measures:
        iv = result.intervals.get(m.id)
        rows.append({"measure": m.label + (" [diagnostic]" if m.diagnostic else "") + (" *" if m.id in HEADLINE else ""),
                     "value": m.value, "p": m.p, "r": m.r, "ci": f"[{iv[0]:.3f}, {iv[1]:.3f}]" if iv else None,
                     "note": m.reason})
    cols = [Column("measure", "measure (* headline)"), Column("value", "value", align="right"), Column("p", "P", align="right"),
            Column("r", "R", align="right"), Column("ci", "95% CI", align="right"), Column("note", "note", missing="")]
    variants = ["measures and definitions: geostance agree (geostance.agreement.pairwise); F1 pooled over documents, others averaged"]
    if output == "markdown":
        return "\n".join([f"## {head}", "", *[f"- {v}" for v in variants], f"- {ci}", "", render_markdown(rows, cols)])
    return "\n".join([head, *variants, ci, "", render_text(rows, cols)])


class SystemFileError(Exception):
    """A system's annotation files cannot be scored end to end; the message says why."""


def load_system_documents(files: Sequence[Path], root: Path, gold_dir: Path
                          ) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """``(doc_id, gold records, system records)`` for each system file (one
    document per file), validated, paired with the document's gold in
    ``gold_dir``, sorted by doc_id; raises :class:`SystemFileError`."""
    from geostance.core import jsonl
    from geostance.validation import validator as validate

    docs = []
    seen: dict[str, Path] = {}
    for path in files:
        report = validate.validate([path], documents=root / "documents")
        if report.errors:
            shown = "\n".join(f"  {f.render()}" for f in [f for f in report.kept if f.severity == "error"][:10])
            raise SystemFileError(f"{path}: not a valid annotation file ({report.errors} error(s)); "
                                  f"geostance validate {path} lists them:\n{shown}")
        system = jsonl.load_records(path)
        doc_ids = sorted({r["doc_id"] for r in system})
        if len(doc_ids) != 1:
            raise SystemFileError(f"{path}: holds {len(doc_ids)} documents; expected one document per file")
        doc_id = doc_ids[0]
        if doc_id in seen:
            raise SystemFileError(f"{path}: document {doc_id!r} is also scored from {seen[doc_id]}; one file per document")
        seen[doc_id] = path
        gold_path = gold_dir / f"{doc_id}.jsonl"
        if not gold_path.is_file():
            raise SystemFileError(f"{path}: document {doc_id!r} has no gold ({gold_path})")
        greport = validate.validate([gold_path], documents=root / "documents")
        if greport.errors:
            raise SystemFileError(f"gold {gold_path} has {greport.errors} validation error(s); run geostance validate")
        docs.append((doc_id, jsonl.load_records(gold_path), system))
    docs.sort(key=lambda d: d[0])
    return docs


def run_score(args: Any) -> int:
    """``geostance score end-to-end FILE...``: validate, pair with gold by doc_id, score, print."""
    from geostance.core.paths import default_dataset_root

    root = args.dataset or default_dataset_root()
    gold_dir = args.gold if args.gold is not None else root / "annotations" / "gold"
    if not gold_dir.is_dir():
        print(f"geostance score: end-to-end: {gold_dir}: no such folder (the gold annotation files)", file=sys.stderr)
        return 2
    try:
        docs = load_system_documents(args.predictions, root, gold_dir)
    except SystemFileError as exc:
        print(f"geostance score: {exc}", file=sys.stderr)
        return 1
    print(render(score_documents(docs, args.resamples, args.seed), args.format))
    return 0
