"""Inter-annotator agreement of one document, rendered as tables, JSON and Markdown.

Pure rendering over :mod:`geostance.agreement.pairwise` (the measures and their
exact definitions): :func:`render_text`, :func:`render_markdown`,
:func:`to_json`, and the type-confusion plot. The verb that finds a
document's annotator files, validates them and prints this is
:mod:`geostance.cli.agree`.
"""

from __future__ import annotations

import io
import json
from typing import Any

from geostance.agreement.pairwise import DocumentAgreement, Measure, PairAgreement, type_confusion
from geostance.core.tables import Column, render_markdown as md_table, render_text as text_table


PLOT_SUFFIXES = (".png", ".svg")


# ------------------------------------------------------------------ rendering (pure)


def _label(m: Measure) -> str:
    return m.label + (" [diagnostic]" if m.diagnostic else "")


PAIR_COLUMNS = [
    Column("measure", "measure"),
    Column("value", "value", align="right"),
    Column("p", "P", align="right"),
    Column("r", "R", align="right"),
    Column("n", "n", align="right"),
    Column("n_a", "|A|", align="right"),
    Column("n_b", "|B|", align="right"),
    Column("note", "note", missing=""),
]


def pair_rows(pair: PairAgreement) -> list[dict[str, Any]]:
    """One table row per measure of a pair."""
    return [
        {"measure": _label(m), "value": m.value, "p": m.p, "r": m.r, "n": m.n, "n_a": m.n_a, "n_b": m.n_b, "note": m.reason}
        for m in pair.measures
    ]


def summary_columns(doc: DocumentAgreement) -> list[Column]:
    cols = [Column("measure", "measure")]
    cols += [Column(f"pair{i}", f"{p.a}–{p.b}", align="right") for i, p in enumerate(doc.pairs)]
    cols += [Column("mean", "mean", align="right"), Column("all", "all annotators", align="right")]
    return cols


def summary_rows(doc: DocumentAgreement) -> list[dict[str, Any]]:
    """Measure × pair, with the mean and the all-annotator α (three or more annotators)."""
    overall = {m.id: m.value for m in doc.overall}
    rows = []
    for i, m in enumerate(doc.mean):
        row: dict[str, Any] = {"measure": _label(m), "mean": m.value, "all": overall.get(m.id)}
        for j, p in enumerate(doc.pairs):
            row[f"pair{j}"] = p.measures[i].value
        rows.append(row)
    return rows


def _title(doc: DocumentAgreement, pair: PairAgreement) -> str:
    return f"{doc.doc_id}: {pair.a} (A) vs {pair.b} (B)"


def render_text(doc: DocumentAgreement) -> str:
    """Terminal tables: one per pair, then the summary (three or more annotators)."""
    parts = [text_table(pair_rows(p), PAIR_COLUMNS, title=_title(doc, p)) for p in doc.pairs]
    if doc.mean:
        parts.append(text_table(summary_rows(doc), summary_columns(doc), title=f"{doc.doc_id}: {len(doc.pairs)} pairs, their mean, and alpha over all annotators"))
        notes = [f"  {m.id}: {m.reason}" for m in doc.mean + doc.overall if m.reason]
        if notes:
            parts[-1] += "\nnotes:\n" + "\n".join(notes)
    return "\n\n".join(parts) + "\n"


def render_markdown(doc: DocumentAgreement) -> str:
    """A Markdown report: a table per pair and the summary."""
    out = [
        f"# Agreement: {doc.doc_id}",
        "",
        f"Annotators: {', '.join(doc.annotators)}. In each pair A is the first annotator; "
        "P = matched/|B|, R = matched/|A|; n = matched items (F1; for coreference, exactly matched mentions, "
        "with |A| and |B| the entities), units (κ, α) or compared items (shares). "
        "Definitions: the docstring of `geostance.agreement.pairwise`.",
    ]
    for p in doc.pairs:
        out += ["", f"## {p.a} (A) vs {p.b} (B)", "", md_table(pair_rows(p), PAIR_COLUMNS)]
    if doc.mean:
        out += ["", "## Summary", "", md_table(summary_rows(doc), summary_columns(doc))]
        notes = [f"- `{m.id}`: {m.reason}" for m in doc.mean + doc.overall if m.reason]
        if notes:
            out += [""] + notes
    return "\n".join(out) + "\n"


def to_json(doc: DocumentAgreement, inputs: dict[str, Any] | None = None) -> str:
    """The full result as JSON (no NaN: undefined values are null with a reason)."""
    d: dict[str, Any] = {"doc_id": doc.doc_id}
    if inputs is not None:
        d["inputs"] = inputs
    d.update({k: v for k, v in doc.as_dict().items() if k != "doc_id"})
    return json.dumps(d, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def plot_type_confusion(records: dict[str, list[dict[str, Any]]], doc: DocumentAgreement, fmt: str) -> bytes:
    """Confusion matrices of mention types (exact matches), one panel per pair, as PNG or SVG bytes."""
    import matplotlib

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from geostance.contract.labels import MENTION_TYPES

    n = len(doc.pairs)
    with matplotlib.rc_context({"svg.hashsalt": "geostance", "font.size": 8}):
        fig = Figure(figsize=(3.6 * n, 3.4), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, p in zip(axes, doc.pairs):
            conf = type_confusion(records[p.a], records[p.b])
            used = {t for ab in conf for t in ab}
            labels = [t for t in MENTION_TYPES if t in used] + sorted(used - set(MENTION_TYPES))
            grid = [[conf.get((x, y), 0) for y in labels] for x in labels]
            ax.imshow(grid or [[0]], cmap="Blues", vmin=0)
            ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
            ax.set_yticks(range(len(labels)), labels)
            ax.set_xlabel(f"{p.b} (B)")
            ax.set_ylabel(f"{p.a} (A)")
            k = p["mentions.type.kappa"].value
            ax.set_title(f"{p.a} vs {p.b}: κ = {'—' if k is None else f'{k:.3f}'}")
            top = max((v for row in grid for v in row), default=0)
            for i, row in enumerate(grid):
                for j, v in enumerate(row):
                    if v:
                        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
        fig.suptitle(f"{doc.doc_id}: mention types of exactly matched mentions")
        buf = io.BytesIO()
        meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()


# ------------------------------------------------------------------ CLI


