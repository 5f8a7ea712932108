"""``geostance agree``: the command line of :mod:`geostance.agreement.document`."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from geostance.core import atomic, paths
from geostance.agreement.pairwise import agree
from geostance.agreement.document import PLOT_SUFFIXES, plot_type_confusion, render_markdown, render_text, to_json


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

