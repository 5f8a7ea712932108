"""The command line: ``geostance <verb>``, a thin layer over the library.

Each verb lives in the module named in :data:`VERBS`, which provides
``HELP`` (one line), ``DESCRIPTION`` and ``EPILOG`` (the --help text),
``configure(parser)`` and ``run(args) -> exit status``. Modules are imported
only when their verb runs, so ``geostance --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# verb -> (module, one-line help). Order is the order of --help.
VERBS: dict[str, tuple[str, str]] = {
    "reproduce": ("geostance.cli.reproduce", "the main job: validate, run the baselines, build the dataset, print the results"),
    "validate": ("geostance.validation.validator", "check annotation files against the schema and the document texts"),
    "agree": ("geostance.agreement.document", "inter-annotator agreement of one document: every layer, every pair of annotators"),
    "build": ("geostance.hf.build", "build the Hugging Face dataset (Parquet, card, Croissant, manifest) from the gold"),
    "rehydrate": ("geostance.hf.rehydrate", "restore a document's text from your own copy (checked by sha256)"),
    "contribute": ("geostance.contributing.contribute", "add an annotator's file or a new document to the dataset, validated and atomic"),
    "import": ("geostance.contributing.interop.importing", "convert a brat or Label Studio annotation into a geostance JSONL file"),
    "export": ("geostance.contributing.interop.exporting", "write a geostance annotation file as brat standoff or Label Studio JSON"),
    "migrate": ("geostance.contributing.migrate", "upgrade annotation files from schema version 1.0 to 1.1 (stance modality decided by you, never guessed)"),
    "adjudicate": ("geostance.contributing.adjudicate", "worksheet of disagreements between annotators; apply its decisions to make gold"),
    "view": ("geostance.contributing.view", "write a self-contained HTML page showing a document's annotations"),
    "score": ("geostance.evaluation.score", "score predictions against a task view's gold (or a system's annotations end to end), with 95% CIs"),
    "compare": ("geostance.evaluation.compare", "paired test between two predictions files on a task view: p-value and interval of the difference"),
    "baselines": ("geostance.evaluation.baselines", "run every baseline on every task view; write baselines/, the leaderboard and the CARD.md tables"),
    "leaderboard": ("geostance.evaluation.leaderboard", "the leaderboard: validate its entries, print its tables, or add a system's scored run"),
}

DESCRIPTION = """\
geostance: stance and relations in geopolitical news.

A dataset of sentences, mentions, entities, stances and relations, annotated
by AI-assistant sessions reading the text against the guidelines and
adjudicated by another session (no person has annotated it yet), with its
data contract, agreement measures, Hugging Face build, baselines and scorers. Run 'geostance <verb> --help' for what a verb does and its options.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geostance",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from geostance import __version__

    parser.add_argument("--version", action="version", version=f"geostance {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="<verb>", title="verbs")
    for verb, (module, help_line) in VERBS.items():
        sub.add_parser(verb, help=help_line.replace("%", "%%"), add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in VERBS:
        if not argv:
            parser.print_help()
            return 2
        try:
            parser.parse_args(argv)  # --help, --version, or an unknown verb (exit 2)
        except SystemExit as exc:
            return int(exc.code or 0)
        return 2
    verb = argv[0]
    module = importlib.import_module(VERBS[verb][0])
    vp = argparse.ArgumentParser(
        prog=f"geostance {verb}",
        description=getattr(module, "DESCRIPTION", VERBS[verb][1]),
        epilog=getattr(module, "EPILOG", None),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.configure(vp)
    try:
        args = vp.parse_args(argv[1:])
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print(f"geostance {verb}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for users; GEOSTANCE_DEBUG=1 shows it
        if os.environ.get("GEOSTANCE_DEBUG"):
            raise
        print(f"geostance {verb}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("  (a bug in geostance; rerun with GEOSTANCE_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
