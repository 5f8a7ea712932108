"""The command line: ``geostance <verb>``, a thin layer over the library.

Each verb lives in the module named in :data:`VERBS`, which provides
``HELP`` (one line), ``DESCRIPTION`` and ``EPILOG`` (the --help text),
``configure(parser)`` and ``run(args) -> exit status``. Modules are imported
only when their verb runs, so ``geostance --help`` stays fast.

One vocabulary for every verb: the dataset folder is ``--dataset DIR``
(the old spelling ``--root`` is accepted with a deprecation note), a verb
that prints results takes ``--format {text,json,markdown}`` (``table`` is
accepted for ``text``), options and arguments may come in any order, and
every ``--help`` ends with the exit codes (:data:`EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# verb -> (module, one-line help). Order is the order of --help.
VERBS: dict[str, tuple[str, str]] = {
    "reproduce": ("geostance.cli.reproduce", "the main job: validate, run the baselines, build the dataset, print the results"),
    "validate": ("geostance.cli.validate", "check annotation files against the schema and the document texts"),
    "agree": ("geostance.cli.agree", "inter-annotator agreement of one document: every layer, every pair of annotators"),
    "build": ("geostance.cli.build", "build the Hugging Face dataset (Parquet, card, Croissant, manifest) from the gold"),
    "rehydrate": ("geostance.cli.rehydrate", "restore a document's text from your own copy (checked by sha256)"),
    "contribute": ("geostance.cli.contribute", "add an annotator's file or a new document to the dataset, validated and atomic"),
    "import": ("geostance.cli.importing", "convert a brat or Label Studio annotation into a geostance JSONL file"),
    "export": ("geostance.cli.export", "write a geostance annotation file as brat standoff or Label Studio JSON"),
    "migrate": ("geostance.cli.migrate", "upgrade annotation files from schema version 1.0 to 1.1 (stance modality decided by you, never guessed)"),
    "adjudicate": ("geostance.cli.adjudicate", "worksheet of disagreements between annotators; apply its decisions to make gold"),
    "view": ("geostance.cli.view", "write a self-contained HTML page showing a document's annotations"),
    "score": ("geostance.cli.score", "score predictions against a task view's gold (or a system's annotations end to end), with 95% CIs"),
    "compare": ("geostance.cli.compare", "paired test between two predictions files on a task view: p-value and interval of the difference"),
    "baselines": ("geostance.cli.baselines", "run every baseline on every task view; write baselines/, the leaderboard and the CARD.md tables"),
    "leaderboard": ("geostance.cli.leaderboard", "the leaderboard: validate its entries, print its tables, or add a system's scored run"),
}

#: the exit codes of every verb; each verb's --help ends with them
EXIT_CODES = """\
exit codes:
  0    success
  1    the input was checked and refused: findings, a failed check, a refused write
  2    usage error: bad option or argument, a missing or unreadable file or folder
  3    internal error: a bug in geostance (GEOSTANCE_DEBUG=1 shows the traceback); please report it
  130  interrupted
"""

#: old spellings still accepted, with a note: option -> (new option, what to say)
DEPRECATED = {"--root": "--dataset"}
FORMAT_ALIASES = {"table": "text"}

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
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from geostance.core.version import __version__

    parser.add_argument("--version", action="version", version=f"geostance {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="<verb>", title="verbs")
    for verb, (module, help_line) in VERBS.items():
        sub.add_parser(verb, help=help_line.replace("%", "%%"), add_help=False)
    return parser


def normalise(verb: str, args: list[str]) -> list[str]:
    """``args`` with deprecated spellings replaced (a note on stderr for each).

    >>> normalise("agree", ["d1", "--root", "data", "--format=table"])
    ['d1', '--dataset', 'data', '--format=text']
    """
    out = []
    take_format = False
    for a in args:
        name, eq, value = a.partition("=")
        if name in DEPRECATED:
            print(f"geostance {verb}: note: {name} is deprecated; use {DEPRECATED[name]}", file=sys.stderr)
            a = DEPRECATED[name] + eq + value
        elif take_format and a in FORMAT_ALIASES:
            a = FORMAT_ALIASES[a]
        elif name == "--format" and eq and value in FORMAT_ALIASES:
            a = f"--format={FORMAT_ALIASES[value]}"
        take_format = a == "--format"
        out.append(a)
    return out


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
    epilog = getattr(module, "EPILOG", None)
    vp = argparse.ArgumentParser(
        prog=f"geostance {verb}",
        description=getattr(module, "DESCRIPTION", VERBS[verb][1]),
        epilog=(epilog.rstrip("\n") + "\n\n" if epilog else "") + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.configure(vp)
    rest = normalise(verb, argv[1:])
    try:
        if any(isinstance(a, argparse._SubParsersAction) for a in vp._actions):
            args = vp.parse_args(rest)
        else:
            args = vp.parse_intermixed_args(rest)  # options and arguments in any order
    except SystemExit as exc:
        return int(exc.code or 0)
    from geostance.core.lock import LockTimeout

    try:
        return int(module.run(args))
    except LockTimeout as exc:  # every writing verb: another writer held the dataset for --wait seconds
        print(f"geostance {verb}: {exc}", file=sys.stderr)
        return 1
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
