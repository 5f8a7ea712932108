"""``geostance leaderboard``: one JSON entry per system run, validated, and the tables made from them.

An entry (``leaderboard/entries/<task>--<protocol>--<system>.json``, JSON
Schema ``schema/leaderboard-entry.schema.json``) says which system ran
(name, kind, version), when, on which data (``dataset_version`` of
``dataset/MANIFEST.json``: the sha256 of the build's source list), on which
task and under which protocol, the sha256 of its predictions, and every
metric with its 95% interval (an undefined metric, such as a precision with
nothing guessed, is null with the reference scorer's convention beside it).

``geostance baselines`` writes the entries of every baseline run (every
view, every protocol; learned baselines with their paired tests against
``majority`` and ``pair-lookup``) and of every annotation pass scored end to
end against gold: the agreement row a model is compared with (the gold was
adjudicated from these passes, so they are a reference, not a held-out
score). ``geostance leaderboard add`` scores any other system's predictions
with geostance's scorers and writes its entry. ``leaderboard/README.md`` and
the ``leaderboard`` block of the card are generated from the entries.

Entry dates: the day (UTC; ``SOURCE_DATE_EPOCH`` when set) the results were
first produced. Rewriting an entry whose content is unchanged keeps its
date, so running the baselines again writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from geostance import __version__
from geostance.core import atomic
from geostance.core.paths import REPO_ROOT, SCHEMA_DIR
from geostance.core.tables import Column, render_markdown, render_text

SCHEMA = SCHEMA_DIR / "leaderboard-entry.schema.json"
LEADERBOARD_DIR = REPO_ROOT / "leaderboard"
ENTRIES = "entries"
PREDICTIONS = "predictions"
README = "README.md"
CARD_BLOCK = "leaderboard"
GENERATED_KINDS = ("baseline", "annotation-pass")  # written (and removed) by geostance baselines
ALL_ROWS = "all-rows"
END_TO_END = "end-to-end"
PROTOCOL_TEXT = {
    ALL_ROWS: "every row of the view predicted by a system not trained on this dataset (zero-shot or trained elsewhere)",
    END_TO_END: "full annotation files scored against the adjudicated gold with the measures of geostance agree "
                "(gold as A, the system as B); intervals resample documents",
}


class LeaderboardError(Exception):
    """An entry or its inputs cannot be used; the message says why."""


# ------------------------------------------------------------------ entries


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def problems(entry: Any, name: str | None = None) -> list[str]:
    """What is wrong with an entry (empty when it is valid): every schema
    violation with its JSON path, a headline metric missing from
    ``metrics``, and a file ``name`` that is not the entry's own."""
    out = []
    for e in sorted(_validator().iter_errors(entry), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(map(str, e.absolute_path)) or "(entry)"
        out.append(f"{where}: {e.message}")
    if out:
        return out
    missing = [m for m in entry["headline"] if m not in entry["metrics"]]
    if missing:
        out.append(f"headline: {', '.join(missing)} not in metrics")
    if name is not None and name != file_name(entry):
        out.append(f"file name {name!r}: expected {file_name(entry)!r} (<task>--<protocol>--<system>.json)")
    return out


def file_name(entry: Mapping[str, Any]) -> str:
    """``<task>--<protocol>--<system>.json``.

    >>> file_name({"task": "ner", "protocol": {"name": "sentence"}, "system": {"name": "majority"}})
    'ner--sentence--majority.json'
    """
    return f"{entry['task']}--{entry['protocol']['name']}--{entry['system']['name']}.json"


def dumps(entry: Mapping[str, Any]) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def today() -> str:
    """Today's date (UTC), or the date of ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    return t.date().isoformat()


def _metric(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k in ("value", "ci95", "undefined", "convention", "undefined_resamples")}


def _dataset(version: str | None) -> dict[str, Any]:
    if version is None:
        raise LeaderboardError("no dataset_version: the entry cannot say which data it was scored on")
    return {"name": "geostance", "dataset_version": version, "geostance_version": __version__}


def score_entry(system: Mapping[str, str], task: str, protocol: str, protocol_text: str, report: Mapping[str, Any],
                predictions: list[dict[str, str]], dataset_version: str | None,
                paired: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An entry (without its date) from a :class:`geostance.evaluation.score.ScoreReport` as a dict."""
    from geostance.evaluation import scorers

    sc = scorers.scorer_for(task)
    metrics = {k: _metric(v) for k, v in {**report["scores"], **report.get("diagnostics", {})}.items()}
    b = report["bootstrap"]
    entry: dict[str, Any] = {
        "entry_format": "1",
        "system": dict(system),
        "dataset": _dataset(dataset_version),
        "task": task,
        "protocol": {"name": protocol, "description": protocol_text},
        "predictions": predictions,
        "headline": list(sc.headline),
        "metrics": metrics,
        "interval": {"method": "percentile bootstrap", "confidence": b["confidence"], "unit": b["unit"],
                     "resamples": b["resamples"], "seed": b["seed"], "note": None},
    }
    if paired:
        entry["paired_tests"] = dict(paired)
    return entry


def baseline_entries(res: Mapping[str, Any], prediction_hashes: Mapping[str, str], out_rel: str) -> list[dict[str, Any]]:
    """The entries of every baseline run of a ``baselines/results.json``
    (without dates); ``prediction_hashes`` maps each predictions file (relative
    to the baselines folder) to its sha256, ``out_rel`` is the baselines
    folder relative to the folder that holds the leaderboard."""
    from geostance.evaluation.protocols import prediction_path

    soft = res["software"]
    version = f"geostance {__version__}, scikit-learn {soft['scikit-learn']}, numpy {soft['numpy']}"
    out = []
    for view, entry in res["views"].items():
        for protocol, pe in entry["protocols"].items():
            text = f"{res['protocols'][protocol]['title']}: {res['protocols'][protocol]['description']}"
            for name, b in pe["baselines"].items():
                rel = prediction_path(protocol, view, name)
                system = {"name": name, "kind": "baseline", "version": version,
                          "description": f"{b['kind']} baseline: {b['description']}; hyperparameters {json.dumps(b['hyperparameters'])}"}
                out.append(score_entry(system, view, protocol, text, b,
                                       [{"path": f"{out_rel}/{rel}", "sha256": prediction_hashes[rel]}],
                                       res["dataset_version"], b.get("paired_tests")))
    return out


def pass_entries(root: Path, dataset_version: str, resamples: int, seed: int, base: Path | None = None) -> list[dict[str, Any]]:
    """One entry per annotator: its raw passes of every document with gold,
    scored end to end against gold (:mod:`geostance.evaluation.endtoend`). Paths are
    relative to ``base`` (default: the folder that holds the dataset folder)."""
    import hashlib

    from geostance.evaluation import endtoend
    from geostance.core import jsonl, paths
    from geostance.validation import validator as validate

    base = (base or root.parent).resolve()
    by_annotator: dict[str, list[tuple[str, Path]]] = {}
    for doc_id in paths.doc_ids(root):
        if not paths.gold_path(root, doc_id).is_file():
            continue
        for a in paths.annotators(root, doc_id):
            by_annotator.setdefault(a, []).append((doc_id, paths.raw_path(root, doc_id, a)))
    out = []
    for a, files in sorted(by_annotator.items()):
        report = validate.validate([p for _, p in files], documents=paths.documents_dir(root))
        if report.errors:
            raise LeaderboardError(f"the raw passes of {a} have {report.errors} validation error(s); run geostance validate")
        docs = [(d, jsonl.load_records(paths.gold_path(root, d)), jsonl.load_records(p)) for d, p in files]
        r = endtoend.score_documents(docs, resamples, seed)
        metrics = {}
        for m in r.measures:
            iv = r.intervals.get(m.id)
            metrics[m.id] = {"value": m.value, "ci95": list(iv) if iv else None, "p": m.p, "r": m.r, "n": m.n,
                             "note": m.reason}
        preds = [{"path": os.path.relpath(p.resolve(), base).replace(os.sep, "/"),
                  "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for _, p in files]
        n_docs = len(files)
        out.append({
            "entry_format": "1",
            "system": {"name": a, "kind": "annotation-pass", "version": f"raw pass {a}, scored by geostance {__version__}",
                       "description": f"the raw annotation pass {a} ({n_docs} document{'s' if n_docs != 1 else ''}), scored "
                                      "as a system against the gold that was adjudicated from it and the other passes: "
                                      "the agreement a model is compared with, not a held-out score"},
            "dataset": _dataset(dataset_version),
            "task": END_TO_END,
            "protocol": {"name": END_TO_END, "description": PROTOCOL_TEXT[END_TO_END]},
            "predictions": preds,
            "headline": list(endtoend.HEADLINE),
            "metrics": metrics,
            "interval": {"method": "percentile bootstrap", "confidence": 0.95, "unit": "document", "resamples": resamples,
                         "seed": seed, "note": None if n_docs > 1 else "one document: no interval"},
        })
    return out


def load_entries(lb_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every entry file of ``lb_dir/entries`` and its content, in name order;
    raises :class:`LeaderboardError` for a file that is not JSON."""
    d = lb_dir / ENTRIES
    out = []
    for p in sorted(d.glob("*.json")) if d.is_dir() else []:
        try:
            out.append((p, json.loads(p.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            raise LeaderboardError(f"{p}: not a JSON entry ({exc})") from None
    return out


def entry_files(lb_dir: Path) -> list[Path]:
    """The entry files that ``geostance baselines`` owns (baselines and annotation passes)."""
    out = []
    for p, e in load_entries(lb_dir):
        if isinstance(e, dict) and isinstance(e.get("system"), dict) and e["system"].get("kind") in GENERATED_KINDS:
            out.append(p)
    return out


def _undated(e: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in e.items() if k != "date"}


def dated(entry: Mapping[str, Any], existing: Mapping[str, Any] | None) -> dict[str, Any]:
    """The entry with its date: the existing entry's when nothing else changed, else today's.

    >>> e = {"entry_format": "1", "task": "ner"}
    >>> dated(e, dict(e, date="2020-01-02"))["date"]
    '2020-01-02'
    """
    keep = (isinstance(existing, dict) and _undated(existing) == dict(entry)
            and isinstance(existing.get("date"), str) and len(existing["date"]) == 10 and existing["date"] <= today())
    date = existing["date"] if keep else today()
    out: dict[str, Any] = {}
    for k, v in entry.items():  # the date after the system, in the schema's order
        out[k] = v
        if k == "system":
            out["date"] = date
    out.setdefault("date", date)
    return out


def output_files(entries: Sequence[Mapping[str, Any]], lb_dir: Path) -> tuple[dict[Path, bytes], list[dict[str, Any]]]:
    """The entry files of ``entries`` (dated) and ``README.md``, whose table also
    lists the entries on disk that ``entries`` does not replace (other
    systems'); and every entry of the leaderboard so made, in name order."""
    on_disk = {p.name: e for p, e in load_entries(lb_dir)}
    files: dict[Path, bytes] = {}
    final: dict[str, dict[str, Any]] = {}
    for e in entries:
        name = file_name(e)
        if name in final:
            raise LeaderboardError(f"two entries named {name}")
        final[name] = dated(e, on_disk.get(name))
        files[lb_dir / ENTRIES / name] = dumps(final[name])
    for name, e in on_disk.items():
        if name in final:
            continue
        kind = e.get("system", {}).get("kind") if isinstance(e, dict) and isinstance(e.get("system"), dict) else None
        if kind in GENERATED_KINDS:
            continue  # a generated entry that is no longer generated: removed
        bad = problems(e, name)
        if bad:
            raise LeaderboardError(f"{lb_dir / ENTRIES / name}: not a valid entry (fix or remove it): " + "; ".join(bad[:5]))
        final[name] = e
    everything = [final[n] for n in sorted(final)]
    files[lb_dir / README] = readme(everything).encode("utf-8")
    return files, everything


# ------------------------------------------------------------------ tables


def cell(m: Mapping[str, Any] | None) -> str | None:
    """A metric as a table cell.

    >>> cell({"value": 0.25, "ci95": [0.1, 0.4]}), cell({"value": None, "ci95": None, "convention": "TACRED scorer: 1.0"})
    ('0.250 [0.100, 0.400]', 'undefined (TACRED scorer: 1.0)')
    """
    if m is None:
        return None
    if m["value"] is None:
        return "undefined" + (f" ({m['convention']})" if m.get("convention") else "")
    if not m.get("ci95"):
        return f"{m['value']:.3f}"
    return f"{m['value']:.3f} [{m['ci95'][0]:.3f}, {m['ci95'][1]:.3f}]"


def _rank(e: Mapping[str, Any]) -> tuple[float, str]:
    v = e["metrics"].get(e["headline"][0], {}).get("value")
    return (-(v if v is not None else float("-inf")), e["system"]["name"])


TASK_ORDER = ("stance_classification", "stance_modality", "relation_classification", "relation_modality", "ner", END_TO_END)
PROTOCOL_ORDER = ("pair", "sentence", "document", ALL_ROWS, END_TO_END)


def groups(entries: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, list[Mapping[str, Any]]]]:
    """Entries grouped by (task, protocol) in a fixed order, each group ranked by its primary metric."""
    g: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for e in entries:
        g.setdefault((e["task"], e["protocol"]["name"]), []).append(e)

    def order(k: tuple[str, str]) -> tuple[int, str, int]:
        t, p = k
        return (TASK_ORDER.index(t) if t in TASK_ORDER else len(TASK_ORDER), t,
                PROTOCOL_ORDER.index(p) if p in PROTOCOL_ORDER else len(PROTOCOL_ORDER))

    return [(t, p, sorted(es, key=_rank)) for (t, p), es in sorted(g.items(), key=lambda kv: order(kv[0]))]


def group_table(es: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[Column]]:
    headline = list(es[0]["headline"])
    rows = [{"system": f"`{e['system']['name']}`", "kind": e["system"]["kind"], "date": e["date"],
             **{m: cell(e["metrics"].get(m)) for m in headline}} for e in es]
    cols = [Column("system", "system"), Column("kind", "kind")] + [Column(m, m + (" (primary)" if i == 0 else ""), align="right")
                                                                   for i, m in enumerate(headline)] + [Column("date", "date")]
    return rows, cols


PROTOCOL_TITLES = {"pair": "pair-disjoint folds", "sentence": "sentence folds", "document": "leave-one-document-out",
                   ALL_ROWS: "all rows, not trained on this dataset", END_TO_END: "end to end against gold"}


def tables_markdown(entries: Iterable[Mapping[str, Any]], headline_only: bool = False) -> str:
    """One Markdown table per task and protocol (with ``headline_only``: the
    headline protocol of each task, all-rows systems and end-to-end only)."""
    parts = []
    for task, protocol, es in groups(entries):
        if headline_only and protocol == "document":
            continue
        if headline_only and protocol == "sentence" and task != "ner":
            continue
        parts += [f"**{task}**, {PROTOCOL_TITLES.get(protocol, protocol)} ({len(es)} entr{'y' if len(es) == 1 else 'ies'})",
                  "", render_markdown(*group_table(es)), ""]
    return "\n".join(parts).rstrip("\n") + "\n" if parts else "No leaderboard entries yet: run `geostance baselines`.\n"


def readme(entries: Sequence[Mapping[str, Any]]) -> str:
    versions = sorted({e["dataset"]["dataset_version"] for e in entries})
    return "\n".join([
        "# geostance leaderboard", "",
        "Generated by `geostance baselines` and `geostance leaderboard add` from the entries in `entries/` (one JSON "
        "file per system run, schema `schema/leaderboard-entry.schema.json`). Do not edit by hand.", "",
        "Each cell: value [95% percentile bootstrap interval]; \"undefined\" where a ratio has a zero denominator (a "
        "precision with nothing guessed), with the reference scorer's convention in brackets. Within a table, "
        "systems are ranked by the primary (first) metric. Baselines and annotation passes are written by "
        "`geostance baselines`; add a system with `geostance leaderboard add` (see `geostance leaderboard --help`).", "",
        "Dataset versions (`dataset_version` of `dataset/MANIFEST.json`) of these entries: "
        + (", ".join(f"`{v}`" for v in versions) or "none") + ".", "",
        tables_markdown(entries).rstrip("\n"), "",
    ])


def card_block(entries: Sequence[Mapping[str, Any]]) -> str:
    """The card's ``leaderboard`` block: the headline protocol of each task and the end-to-end rows."""
    if not entries:
        return "No leaderboard entries yet: run `geostance baselines`.\n"
    return ("Every entry of `leaderboard/entries/` under the headline protocol of its task (all tables, sentence "
            "folds and leave-one-document-out included, in `leaderboard/README.md`). The end-to-end rows are the "
            "annotation passes scored against the gold adjudicated from them: the agreement a model is compared "
            "with.\n\n" + tables_markdown(entries, headline_only=True))


def card_block_of(lb_dir: Path) -> str:
    """:func:`card_block` of the entries on disk (what ``geostance build`` puts in the card)."""
    return card_block([e for _, e in load_entries(lb_dir)])


# ------------------------------------------------------------------ CLI

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
card's table.

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


def _err(msg: str, code: int) -> int:
    print(f"geostance leaderboard: {msg}", file=sys.stderr)
    return code


def check_all(lb_dir: Path) -> list[str]:
    """Every problem of every entry on disk, as ``file: problem`` lines."""
    out = []
    for p, e in load_entries(lb_dir):
        out += [f"{p}: {x}" for x in problems(e, p.name)]
    return out


def run(args: argparse.Namespace) -> int:
    lb_dir = args.leaderboard or LEADERBOARD_DIR
    if args.action == "add":
        return _add(args, lb_dir)
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


def _add(args: argparse.Namespace, lb_dir: Path) -> int:
    import hashlib
    import re
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
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", args.system) or len(args.system) > 80:
        return _err(f"--system {args.system!r}: use lower-case letters, digits, '.', '_' and '-' (at most 80)", 2)
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
            entry = {"entry_format": "1", "system": system, "dataset": _dataset(version), "task": END_TO_END,
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
    if on_disk is not None and _undated(on_disk) != entry and not args.replace:
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

