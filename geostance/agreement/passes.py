"""The raw passes of a document, by protocol, and what they say together.

Each raw file ``annotations/raw/<doc>/<annotator>.jsonl`` has a provenance
record ``annotations/provenance/<doc>/<annotator>.json`` (schema
``schema/provenance.schema.json``) whose ``protocol`` is ``blind`` (the
annotator saw only the scheme, the guidelines, the text and its brief) or
``guided`` (its guidelines held this document's answers). Agreement that
means something is agreement between blind passes, so the card's agreement
table is made from them alone:

* :func:`blind_agreement_markdown`: one table, pairwise measures of every
  pair of blind passes with their mean, and Krippendorff's α over all blind
  passes at once for the categorical layers (:mod:`geostance.agreement.reliability`);
* :func:`gold_composition`: per layer, how many gold records every blind
  pass had (unanimous), a majority had, or fewer than a majority had
  (adjudicated: a decision chose a minority reading, edited or added it).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geostance.core import jsonl, paths
from geostance.contract import labels
from geostance.core.tables import Column, render_markdown

Rec = dict[str, Any]
# pairwise measures shown in the blind table, in order (ids of geostance.agreement.pairwise)
PAIRWISE = (
    ("sentences.f1", "sentences: span F1"),
    ("mentions.exact.f1", "mentions: span F1, exact"),
    ("mentions.type.alpha", "mention type: Krippendorff's α"),
    ("coref.conll.f1", "coreference: CoNLL F1"),
    ("stances.tuple.f1", "stances: tuple F1 (holder, target, label)"),
    ("stances.pair.f1", "stances: pair F1 (holder, target)"),
    ("stances.label.alpha", "stance label: Krippendorff's α"),
    ("stances.modality.alpha", "stance modality: Krippendorff's α"),
    ("stances.source.agreement", "stances: same source (matched) [diagnostic]"),
    ("stances.explicit.agreement", "stances: same explicit (matched) [diagnostic]"),
    ("stances.evidence.agreement", "stances: same evidence (matched) [diagnostic]"),
    ("relations.typed.f1", "relations: typed F1"),
    ("relations.untyped.f1", "relations: untyped F1"),
    ("relations.type.alpha", "relation type: Krippendorff's α"),
    ("relations.modality.alpha", "relation modality: Krippendorff's α"),
)


def provenance_path(root: Path, doc_id: str, annotator: str) -> Path:
    return root / "annotations" / "provenance" / doc_id / f"{annotator}.json"


def provenance(root: Path, doc_id: str, annotator: str) -> Rec | None:
    """The provenance record of a raw pass, or None if it has none."""
    p = provenance_path(root, doc_id, annotator)
    if not p.is_file():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


def by_protocol(root: Path, doc_id: str) -> dict[str, list[str]]:
    """Annotators of ``doc_id`` grouped by protocol (``blind``, ``guided``, ``unknown``)."""
    out: dict[str, list[str]] = {"blind": [], "guided": [], "unknown": []}
    for a in paths.annotators(root, doc_id):
        rec = provenance(root, doc_id, a)
        out[rec["protocol"] if rec else "unknown"].append(a)
    return out


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def blind_agreement_markdown(root: Path, doc_id: str) -> str:
    """The blind-pass agreement table of one document (Markdown)."""
    names = by_protocol(root, doc_id)["blind"]
    if len(names) < 2:
        return f"`{doc_id}`: fewer than two blind passes; no blind agreement figures."
    from geostance.agreement import pairwise as agreement, reliability  # scipy, krippendorff: only when there is something to report

    recs = {n: jsonl.load_records(paths.raw_path(root, doc_id, n)) for n in names}
    doc = agreement.agree(recs, doc_id)
    panel = {m.id: m for m in reliability.panel_alpha(recs)}
    pair_cols = [f"{p.a} vs {p.b}" for p in doc.pairs]
    rows = []
    for mid, label in PAIRWISE:
        row: dict[str, Any] = {"measure": label}
        vals = []
        for p, col in zip(doc.pairs, pair_cols):
            m = next((x for x in p.measures if x.id == mid), None)
            row[col] = _fmt(m.value if m else None)
            if m is not None and m.value is not None:
                vals.append(m.value)
        row["mean of pairs"] = _fmt(sum(vals) / len(vals) if len(vals) == len(doc.pairs) else None)
        a = panel.get(mid)
        row["all passes"] = _fmt(a.value) if a else ""
        row["units (all)"] = f"{a.n:,d}" if a else ""
        rows.append(row)
    cols = [Column("measure", "measure")] + [Column(c, f"`{c}`", align="right") for c in pair_cols] + [
        Column("mean of pairs", "mean of pairs", align="right"), Column("all passes", "α, all passes", align="right"),
        Column("units (all)", "units (α, all)", align="right")]
    undefined = [f"{m.label}: {m.reason}" for m in panel.values() if m.value is None and m.reason]
    notes = "".join(f"\n- {u}" for u in undefined)
    head = (f"`{doc_id}`, blind passes {', '.join(f'`{n}`' for n in names)} (pairwise: A is the first of the pair; "
            "\"—\" where a measure is undefined for that pair, or its mean where any pair's is):\n\n")
    return head + render_markdown(rows, cols) + (f"\n\nUndefined over all passes:{notes}" if notes else "")


def gold_composition(gold: Iterable[Rec], passes: list[str]) -> dict[str, Counter[str]]:
    """Layer -> counts of gold records that all, a majority, or fewer of ``passes`` had.

    ``unanimous``: every pass had the record as gold has it (it went to gold
    without a decision); ``majority``: more than half of the passes had it,
    and a logged decision chose it; ``adjudicated``: fewer than that (a
    decision chose a minority reading, edited a record or added one).
    """
    out: dict[str, Counter[str]] = {k: Counter() for k in labels.RECORD_KINDS}
    need = len(passes) // 2 + 1
    blind = set(passes)
    for r in gold:
        had = blind & set(r.get("provenance", {}).get("annotators", []))
        if len(had) == len(blind):
            out[r["kind"]]["unanimous"] += 1
        elif len(had) >= need:
            out[r["kind"]]["majority"] += 1
        else:
            out[r["kind"]]["adjudicated"] += 1
    return out


def gold_composition_markdown(root: Path, doc_ids: Iterable[str]) -> str:
    parts = []
    for doc_id in doc_ids:
        names = by_protocol(root, doc_id)["blind"]
        g = paths.gold_path(root, doc_id)
        if len(names) < 2 or not g.is_file():
            parts.append(f"`{doc_id}`: no gold adjudicated from two or more blind passes.")
            continue
        recs = jsonl.load_records(g)
        if not any(set(r.get("provenance", {}).get("annotators", [])) & set(names) for r in recs):
            parts.append(f"`{doc_id}`: the gold was not adjudicated from the blind passes "
                         f"({', '.join(f'`{n}`' for n in names)}); it comes from the guided passes.")
            continue
        comp = gold_composition(recs, names)
        rows = [{"layer": k, **{c: comp[k][c] for c in ("unanimous", "majority", "adjudicated")},
                 "total": sum(comp[k].values())} for k in labels.RECORD_KINDS]
        titles = {"unanimous": "unanimous (no decision)", "majority": "majority had it (decided)",
                  "adjudicated": "fewer had it (decided)", "total": "total"}
        cols = [Column("layer", "layer")] + [Column(c, titles[c], fmt=",d") for c in ("unanimous", "majority", "adjudicated", "total")]
        parts.append(f"`{doc_id}` ({len(names)} blind passes; majority = {len(names) // 2 + 1} or more):\n\n" + render_markdown(rows, cols))
    return "\n\n".join(parts) if parts else "No document was built."


def blind_markdown(root: Path, doc_ids: Iterable[str]) -> str:
    return "\n\n".join(blind_agreement_markdown(root, d) for d in doc_ids) or "No document was built."


def protocols_markdown(root: Path, doc_ids: Iterable[str]) -> str:
    """Every raw pass with its protocol and annotator kind (from provenance)."""
    rows = []
    for doc_id in doc_ids:
        for a in paths.annotators(root, doc_id):
            rec = provenance(root, doc_id, a) or {}
            rows.append({"document": f"`{doc_id}`", "annotator": f"`{a}`", "protocol": rec.get("protocol", "unknown"),
                         "kind": rec.get("annotator_kind", "unknown"), "schema": rec.get("schema_version", "?"),
                         "guidelines": (rec.get("guidelines") or {}).get("version", "?"), "date": rec.get("date", "?")})
    if not rows:
        return "No raw passes."
    cols = [Column(k, k) for k in ("document", "annotator", "protocol", "kind", "schema", "guidelines", "date")]
    return render_markdown(rows, cols)

