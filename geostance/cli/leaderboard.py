"""``geostance leaderboard``: the command line of :mod:`geostance.evaluation.leaderboard`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from geostance.core import atomic, lock, paths
from geostance.core.tables import render_text
from geostance.evaluation.leaderboard import ALL_ROWS, ENTRIES, LEADERBOARD_DIR, LeaderboardError, PROTOCOL_TITLES, README, check_all, file_name, group_table, groups, load_entries, readme
from geostance.evaluation.leaderboard import END_TO_END, PREDICTIONS, PROTOCOL_TEXT, dataset_block, undated, cell, dated, dumps, problems, score_entry


HELP = "the leaderboard: validate its entries, print its tables, or add a system's scored run"


DESCRIPTION = """\
The leaderboard is one JSON entry per system run in leaderboard/entries/
(schema/leaderboard-entry.schema.json): system, version, date, dataset
version (dataset_version of dataset/MANIFEST.json), task, protocol, the
sha256 of the predictions, and every metric with its 95% interval.

  geostance leaderboard            validate every entry and print the tables
  geostance leaderboard --check    also fail (exit 1) when leaderboard/README.md
                                   is not what the entries give
  geostance leaderboard add TASK PREDICTIONS --system NAME --version V
        --description D --protocol P
                                   score a system's predictions with geostance
                                   score (or, for the task end-to-end, its
                                   annotation files) and write its entry and
                                   the tables

Protocols: pair (the fold column of the pair views: pair-disjoint folds, the
headline), sentence (sentence folds), document (leave-one-document-out),
all-rows (a system not trained on this dataset, such as an LLM prompted
zero-shot through the lm-evaluation-harness tasks), end-to-end.

geostance baselines writes the entries of the baselines and of the
annotation passes; run geostance build after adding an entry to refresh the
card's table. add holds the dataset's lock while it scores and writes, as
geostance baselines does (which writes the same files): when another
command holds it, add waits up to --wait SECONDS (default 30), then exits 1
having written nothing.

Exit status: 0 done, 1 an invalid entry, stale tables or predictions that
cannot be scored, 2 usage error.
"""


EPILOG = """\
examples:
  geostance leaderboard
  geostance leaderboard add stance_classification preds.jsonl --system my-llm --version "model X rev 3, prompt 1" \\
      --description "zero-shot, geostance_stance task" --protocol all-rows
  geostance leaderboard add end-to-end my-system/china-backs-russia.jsonl --system my-pipeline --version 0.2 \\
      --description "NER + coreference + stance pipeline"
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=("show", "add"), default="show", help="show (default) or add")
    p.add_argument("task", nargs="?", default=None, help="add: the task view, or end-to-end")
    p.add_argument("predictions", nargs="*", type=Path, default=[], metavar="PREDICTIONS",
                   help="add: the predictions file (end-to-end: the system's annotation files)")
    p.add_argument("--check", action="store_true", help="fail when leaderboard/README.md is stale")
    p.add_argument("--leaderboard", type=Path, default=None, metavar="DIR", help="the leaderboard folder (default: leaderboard/)")
    p.add_argument("--dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: dataset/)")
    p.add_argument("--system", default=None, help="add: the system's name (lower case, digits, . _ -)")
    p.add_argument("--version", default=None, help="add: what exactly ran (model and revision, prompt, code version)")
    p.add_argument("--description", default=None, help="add: one line on the system")
    p.add_argument("--protocol", default=None, choices=("pair", "sentence", "document", ALL_ROWS),
                   help="add: how the system was trained relative to the folds (not for end-to-end)")
    p.add_argument("--resamples", type=int, default=1000, metavar="N", help="add: bootstrap resamples (default: 1,000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="add: bootstrap seed (default: 0)")
    p.add_argument("--replace", action="store_true", help="add: replace an existing entry of the same name")
    lock.add_wait_option(p)


def run(args: argparse.Namespace) -> int:
    lb_dir = args.leaderboard or LEADERBOARD_DIR
    if args.action == "add":  # writes the leaderboard baselines writes: under the same lock, the dataset's
        root = args.dataset or paths.default_dataset_root()
        if not root.is_dir():
            return add_entry(args, lb_dir)
        with lock.dataset_lock(root, lock.wait_of(args), "geostance leaderboard add"):
            return add_entry(args, lb_dir)
    if args.task is not None or args.predictions:
        return _err("show takes no task or predictions (did you mean: geostance leaderboard add ...?)", 2)
    try:
        bad = check_all(lb_dir)
        entries = [e for _, e in load_entries(lb_dir)]
    except LeaderboardError as exc:
        return _err(str(exc), 1)
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return _err(f"{len(bad)} problem(s) in the entries of {lb_dir / ENTRIES}", 1)
    if args.check:
        fresh = readme(sorted(entries, key=file_name)).encode("utf-8")
        path = lb_dir / README
        if not path.is_file() or path.read_bytes() != fresh:
            return _err(f"{path} is not what the entries give; run geostance baselines (or geostance leaderboard add)", 1)
    for task, protocol, es in groups(entries):
        rows, cols = group_table(es)
        print(render_text([{k: (v.strip("`") if isinstance(v, str) else v) for k, v in r.items()} for r in rows], cols,
                          title=f"{task}, {PROTOCOL_TITLES.get(protocol, protocol)}"))
        print()
    print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} in {lb_dir / ENTRIES}, all valid")
    return 0


def _err(msg: str, code: int) -> int:
    print(f"geostance leaderboard: {msg}", file=sys.stderr)
    return code


def add_entry(args: argparse.Namespace, lb_dir: Path) -> int:
    import hashlib
    import shutil

    from geostance.hf import manifest as hf_manifest
    from geostance.evaluation import predictions as P, reference, scorers
    from geostance.evaluation.endtoend import SystemFileError
    from geostance.core.paths import default_dataset_root

    if args.task is None or not args.predictions:
        return _err("add needs a task and a predictions file: geostance leaderboard add TASK PREDICTIONS ...", 2)
    for opt in ("system", "version", "description"):
        if not getattr(args, opt):
            return _err(f"add needs --{opt}", 2)
    problem = paths.id_problem(args.system, "system")  # it becomes a file name: the one check of ids
    if problem:
        return _err(f"--system {args.system!r}: use lower-case letters, digits, '.', '_' and '-' (at most 80): {problem}", 2)
    if args.task != END_TO_END and args.task not in scorers.VIEWS:
        return _err(f"unknown task {args.task!r}; expected one of {', '.join((*scorers.VIEWS, END_TO_END))}", 2)
    if args.task == END_TO_END and args.protocol is not None:
        return _err("end-to-end has its own protocol; leave out --protocol", 2)
    if args.task != END_TO_END and args.protocol is None:
        return _err("add needs --protocol (pair, sentence, document or all-rows)", 2)
    if args.task != END_TO_END and len(args.predictions) != 1:
        return _err(f"{args.task} takes one predictions file, got {len(args.predictions)}", 2)
    for p in args.predictions:
        if not p.is_file():
            return _err(f"{p}: no such file", 2)
    root = args.dataset or default_dataset_root()
    if not (root / "documents").is_dir():
        return _err(f"{root}: not a dataset folder (no documents/)", 2)
    version = hf_manifest.dataset_version(hf_manifest.source_files(root))
    system = {"name": args.system, "kind": "model", "version": args.version, "description": args.description}
    base = lb_dir.resolve().parent
    try:
        stored = []
        for p in args.predictions:
            rp = p.resolve()
            if base in rp.parents:
                rel = os.path.relpath(rp, base).replace(os.sep, "/")
            else:  # keep a copy beside the entry, so that the entry can be checked
                rel = f"{lb_dir.name}/{PREDICTIONS}/{args.task}--{args.protocol or END_TO_END}--{args.system}/{p.name}"
            stored.append((p, rel))
        preds = [{"path": rel, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p, rel in stored]
        if args.task == END_TO_END:
            from geostance.evaluation import endtoend

            docs = endtoend.load_system_documents(args.predictions, root, root / "annotations" / "gold")
            r = endtoend.score_documents(docs, args.resamples, args.seed)
            metrics = {m.id: {"value": m.value, "ci95": list(r.intervals[m.id]) if m.id in r.intervals else None,
                              "p": m.p, "r": m.r, "n": m.n, "note": m.reason} for m in r.measures}
            entry = {"entry_format": "1", "system": system, "dataset": dataset_block(version), "task": END_TO_END,
                     "protocol": {"name": END_TO_END, "description": PROTOCOL_TEXT[END_TO_END]}, "predictions": preds,
                     "headline": list(endtoend.HEADLINE), "metrics": metrics,
                     "interval": {"method": "percentile bootstrap", "confidence": 0.95, "unit": "document",
                                  "resamples": args.resamples, "seed": args.seed,
                                  "note": None if len(docs) > 1 else "one document: no interval"}}
        else:
            gold = reference.gold_views(root, (args.task,))[0][args.task]
            if not gold:
                return _err(f"{args.task} has no rows in this dataset: nothing to score", 1)
            pred = P.load(args.predictions[0], args.task, gold)
            report = scorers.score_rows(scorers.scorer_for(args.task), gold, pred, args.resamples, args.seed).as_dict()
            from geostance.evaluation.protocols import PROTOCOLS

            text = PROTOCOL_TEXT[ALL_ROWS] if args.protocol == ALL_ROWS else \
                f"{PROTOCOLS[args.protocol].title}: {PROTOCOLS[args.protocol].description}"
            entry = score_entry(system, args.task, args.protocol, text, report, preds, version)
    except (SystemFileError, reference.GoldError, LeaderboardError) as exc:
        return _err(str(exc), 1)
    except P.PredictionsError as exc:
        print(exc.render(), file=sys.stderr)
        return _err(f"{args.predictions[0]}: cannot be scored ({len(exc.problems)} problem(s))", 1)
    name = file_name(entry)
    target = lb_dir / ENTRIES / name
    on_disk = dict(load_entries(lb_dir)).get(target)
    if on_disk is not None and undated(on_disk) != entry and not args.replace:
        return _err(f"{target} exists with other results; --replace replaces it", 1)
    bad = problems(dated(entry, on_disk), name)
    if bad:  # pragma: no cover - the entry is built to the schema
        return _err("the entry would not be valid: " + "; ".join(bad), 3)
    for p, rel in stored:
        dest = base / rel
        if dest.resolve() != p.resolve():
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".tmp")
            shutil.copyfile(p, tmp)
            os.replace(tmp, dest)
    final = dated(entry, on_disk)
    others = [e for p, e in load_entries(lb_dir) if p.name != name]
    atomic.write_bytes(target, dumps(final))
    atomic.write_bytes(lb_dir / README, readme(sorted(others + [final], key=file_name)).encode("utf-8"))
    m = entry["metrics"][entry["headline"][0]]
    print(f"wrote {target} ({entry['headline'][0]} {cell(m)}) and {lb_dir / README}; run geostance build to refresh the card")
    return 0
