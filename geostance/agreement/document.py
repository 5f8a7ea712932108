"""``geostance agree``: inter-annotator agreement of one document, as tables, JSON and Markdown.

A thin layer over :mod:`geostance.agreement.pairwise` (the measures and their exact
definitions): find the document's annotator files, validate them (and
refuse invalid ones with the validator's findings), compare every pair, and
render the result. Rendering functions are pure and reusable
(:func:`render_text`, :func:`render_markdown`, :func:`to_json`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from geostance.core import atomic, paths
from geostance.agreement.pairwise import DocumentAgreement, Measure, PairAgreement, agree, type_confusion
from geostance.core.tables import Column, render_markdown as md_table, render_text as text_table

HELP = "inter-annotator agreement of one document: every layer, every pair of annotators"
DESCRIPTION = """\
Compare the annotator files of one document (dataset/annotations/raw/<doc_id>/)
pair by pair, A being the first annotator of a pair (alphabetical order, or
the order of --annotators):

  sentences     span F1
  mentions      span F1 (exact; overlap), type Cohen's kappa and Krippendorff's alpha
  coreference   MUC, B-cubed, CEAF-e F1 and their mean (CoNLL)
  stances       tuple F1 (holder, target, label), pair F1 (holder, target),
                label kappa/alpha, modality kappa/alpha over tuple matches
                (scheme 1.1; undefined for stances of schema 1.0, which have
                none); same source / explicit (diagnostics)
  relations     typed F1, untyped F1 (diagnostic), modality kappa/alpha

P = matched/|B|, R = matched/|A|. With three or more annotators, the mean of
each measure over the pairs and Krippendorff's alpha over all annotators
(mention types, relation modality) follow. The exact definitions (matching,
entity alignment, edge cases) are in the docstring of geostance.agreement.pairwise.

Every file is validated first; an invalid file is refused with the
validator's findings.

Exit status: 0 done; 1 fewer than two annotator files, an invalid annotation
file, or an output that cannot be written; 2 usage error (unknown document
or annotator, bad option).
"""
EPILOG = """\
examples:
  geostance agree china-backs-russia
  geostance agree china-backs-russia --annotators alice,bob --json out/agree.json
  geostance agree china-backs-russia --format markdown --plot out/types.png
"""

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


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc_id", metavar="DOC_ID", help="the document (dataset/documents/<DOC_ID>.jsonl)")
    p.add_argument("--annotators", metavar="A,B[,...]", default=None,
                   help="compare only these annotators, in this order (default: all, alphabetical)")
    p.add_argument("--dataset", dest="root", type=Path, default=None, metavar="DIR",
                   help="the dataset folder (default: $GEOSTANCE_DATASET, ./dataset or the repository's dataset/)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="what to print (default: text)")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the JSON result to PATH")
    p.add_argument("--markdown", type=Path, default=None, metavar="PATH", help="also write the Markdown report to PATH")
    p.add_argument("--plot", type=Path, default=None, metavar="PATH",
                   help="also draw mention-type confusion matrices to PATH (.png or .svg)")


def _err(msg: str, code: int) -> int:
    print(f"geostance agree: {msg}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    root: Path = args.root if args.root is not None else paths.default_dataset_root()
    if not paths.documents_dir(root).is_dir():
        return _err(f"{root}: not a dataset folder (no documents/ in it)", 2)
    doc_id: str = args.doc_id
    problem = paths.id_problem(doc_id, "document")  # the one check of ids (geostance.core.paths)
    if problem:
        return _err(problem, 2)
    if not paths.document_record_path(root, doc_id).is_file():
        known = paths.doc_ids(root)
        return _err(f"unknown document {doc_id!r}: no {paths.document_record_path(root, doc_id)} "
                    f"(documents: {', '.join(known) if known else 'none'})", 2)
    if args.plot is not None and args.plot.suffix.lower() not in PLOT_SUFFIXES:
        return _err(f"--plot {args.plot}: the file name must end in {' or '.join(PLOT_SUFFIXES)}", 2)

    available = paths.annotators(root, doc_id)
    raw = paths.raw_dir(root, doc_id)
    if args.annotators is not None:
        names = [x.strip() for x in args.annotators.split(",")]
        if any(not x for x in names):
            return _err(f"--annotators {args.annotators!r}: expected names separated by commas, with no empty name", 2)
        dup = sorted({x for x in names if names.count(x) > 1})
        if dup:
            return _err(f"--annotators names {', '.join(dup)} more than once", 2)
        unknown = [x for x in names if x not in available]
        if unknown:
            return _err(f"no annotator file for {', '.join(unknown)} in {raw} "
                        f"(annotators: {', '.join(available) if available else 'none'})", 2)
        if len(names) < 2:
            return _err(f"--annotators names {len(names)} annotator; agreement needs two or more", 2)
    else:
        names = available
        if len(names) < 2:
            have = f"only {names[0]}" if names else "none"
            return _err(f"document {doc_id!r} has {len(names)} annotator file(s) in {raw} ({have}); agreement needs two or more", 1)

    from geostance.validation.validator import validate

    files = {n: paths.raw_path(root, doc_id, n) for n in names}
    bad = []
    for n, f in files.items():
        report = validate([f], documents=paths.documents_dir(root))
        if report.errors:
            print(report.render_text(), file=sys.stderr)
            bad.append(f"{f} ({report.errors} error(s))")
        elif report.warnings:
            print(f"geostance agree: note: {f} has {report.warnings} validation warning(s) "
                  f"(geostance validate {f} lists them); comparing it anyway", file=sys.stderr)
    if bad:
        return _err("refusing to compare invalid annotation files: " + "; ".join(bad)
                    + ". Fix them (geostance validate shows every finding) and run again.", 1)

    from geostance.core import jsonl

    records = {n: jsonl.load_records(f) for n, f in files.items()}
    result = agree(records, doc_id)
    inputs = {
        n: {"path": f"annotations/raw/{doc_id}/{n}.jsonl", "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
        for n, f in files.items()
    }
    outputs: list[tuple[Path, bytes]] = []
    if args.json is not None:
        outputs.append((args.json, to_json(result, inputs).encode("utf-8")))
    if args.markdown is not None:
        outputs.append((args.markdown, render_markdown(result).encode("utf-8")))
    if args.plot is not None:
        outputs.append((args.plot, plot_type_confusion(records, result, args.plot.suffix.lower()[1:])))
    for path, data in outputs:
        try:
            atomic.write_bytes(path, data)
        except OSError as exc:
            return _err(f"cannot write {path}: {exc.strerror or exc}", 1)

    if args.format == "json":
        sys.stdout.write(to_json(result, inputs))
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(result))
    else:
        sys.stdout.write(render_text(result))
    return 0
