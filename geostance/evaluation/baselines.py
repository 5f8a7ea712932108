"""Run every baseline on every task view and write what it found.

The baselines are in :mod:`geostance.evaluation.baseline_models` (features in
:mod:`geostance.evaluation.baseline_features`), the protocols that score them
in :mod:`geostance.evaluation.protocols`, the reports in
:mod:`geostance.evaluation.baseline_report`.

``geostance baselines`` writes, in the output folder (``baselines/`` beside
the dataset folder unless ``--out`` says otherwise), ``results.json``,
``RESULTS.md``, the out-of-fold predictions
``predictions/<protocol>/<view>/<baseline>.jsonl`` (inputs to ``geostance
score`` and ``geostance compare``), confusion-matrix plots
``plots/<view>--<baseline>.png`` (headline protocol), the leaderboard entries
(:mod:`geostance.evaluation.leaderboard`) and the baselines and leaderboard
blocks of the card; all of them deterministic (seed :data:`SEED`). Fit times
go to ``timings.json`` only, which is not committed.

The command line (``geostance baselines``) is :mod:`geostance.cli.baselines`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence


from geostance.core import atomic
from geostance.evaluation import predictions
from geostance.core.tables import render_text
from geostance.evaluation.baseline_report import dumps_json, ner_token_confusion, plot_confusion, plot_name, results_markdown, verdict, view_table
from geostance.evaluation.protocols import Outcome, PROTOCOLS, prediction_path


# ------------------------------------------------------------ reading view rows


# ------------------------------------------------------------ features


# ------------------------------------------------------------ the registry


# ------------------------------------------------------------ protocols


# ------------------------------------------------------------ results.json


# ------------------------------------------------------------ tables and the verdict


# ------------------------------------------------------------ the files written


#: the folders whose files ``geostance baselines`` writes (and removes when it no longer writes them), by suffix
MANAGED = {"predictions": ".jsonl", "plots": ".png"}


def output_files(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 res: Mapping[str, Any]) -> dict[str, bytes]:
    """Every file of the output folder (relative path -> bytes), except the
    uncommitted timings: results.json, RESULTS.md, the predictions of every
    protocol, the confusion-matrix plots of each view's headline protocol."""
    files = {"results.json": dumps_json(res).encode(), "RESULTS.md": results_markdown(res).encode()}
    for o in outcomes:
        rows = views[o.view]
        files[prediction_path(o.protocol, o.view, o.baseline)] = predictions.dumps([str(r["id"]) for r in rows], o.predictions)
        if o.protocol != res["views"][o.view]["headline_protocol"]:
            continue
        if o.view == "ner":
            labels, matrix = ner_token_confusion(rows, o.predictions)
            title = f"{o.view}, {o.baseline}: tokens (B/I merged)"
        else:
            labels, matrix = list(o.report.labels), o.report.confusion or []
            title = f"{o.view}, {o.baseline} ({PROTOCOLS[o.protocol].title}, out-of-fold)"
        files[f"plots/{plot_name(o.view, o.baseline)}"] = plot_confusion(labels, matrix, title)
    return files


def managed_files(out_dir: Path) -> list[str]:
    """The files of the folders :data:`MANAGED` now in ``out_dir`` (relative paths)."""
    out = []
    for d, suffix in MANAGED.items():
        if (out_dir / d).is_dir():
            out += [p.relative_to(out_dir).as_posix() for p in sorted((out_dir / d).rglob(f"*{suffix}")) if p.is_file()]
    return out


def stale(files: Mapping[Path, bytes], extra: Sequence[Path]) -> list[str]:
    """The paths of ``files`` whose bytes on disk differ (or that are missing), then ``extra`` (files that should not be there)."""
    out = [str(p) for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
    return out + [f"{p} (should not exist)" for p in extra]


def write_files(files: Mapping[Path, bytes], remove: Sequence[Path] = ()) -> list[Path]:
    """Write each file atomically (unchanged files are left alone) and remove ``remove``."""
    written = []
    for path, data in files.items():
        if not (path.is_file() and path.read_bytes() == data):
            atomic.write_bytes(path, data)
        written.append(path)
    for p in remove:
        p.unlink()
        parent = p.parent
        while parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return written


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------ CLI


def terminal_tables(res: Mapping[str, Any], timings: Mapping[str, Any]) -> str:
    """The results tables for a terminal, one per view and protocol (what ``geostance baselines`` prints)."""
    out = []
    fit = timings.get("fit_seconds", {})
    for view, entry in res["views"].items():
        if not entry["protocols"]:
            out += [f"{view}: {entry.get('note', 'not evaluated')}", ""]
        for protocol in entry["protocols"]:
            rows, cols = view_table(res, view, protocol, fit)
            title = (f"{view}: {entry['n_rows']:,} rows, {PROTOCOLS[protocol].title}"
                     + (" (headline)" if protocol == entry["headline_protocol"] else "")
                     + ", out-of-fold; each cell: score [95% CI, bootstrap over sentences]")
            out += [render_text(rows, cols, title=title), ""]
    said = verdict(res)
    if said:
        out += ["paired tests against the trivial baselines:", *said]
    return "\n".join(out).rstrip("\n")


def summary(out_dir: Path) -> str:
    """The results tables of a written ``baselines/`` folder (results.json and,
    if present, timings.json), as ``geostance baselines`` prints them; for a
    caller such as ``geostance reproduce`` that prints them last."""
    d = out_dir
    res = json.loads((d / "results.json").read_text(encoding="utf-8"))
    t = d / TIMINGS
    timings = json.loads(t.read_text(encoding="utf-8")) if t.is_file() else {}
    return terminal_tables(res, timings)


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between two results.json contents, coarsely (top level, then view/protocol/baseline)."""
    diffs = []
    for k in sorted(set(old) | set(new)):
        if k != "views" and old.get(k) != new.get(k):
            diffs.append(f"{k}: {json.dumps(old.get(k))} -> {json.dumps(new.get(k))}")
    ov, nv = old.get("views", {}), new.get("views", {})
    for v in sorted(set(ov) | set(nv)):
        if v not in ov or v not in nv:
            diffs.append(f"views.{v}: {'added' if v in nv else 'removed'}")
            continue
        for k in sorted(set(ov[v]) | set(nv[v])):
            if k != "protocols":
                if ov[v].get(k) != nv[v].get(k):
                    diffs.append(f"views.{v}.{k}: differs")
                continue
            op, np_ = ov[v].get(k, {}), nv[v].get(k, {})
            for pr in sorted(set(op) | set(np_)):
                ob, nb = op.get(pr, {}).get("baselines", {}), np_.get(pr, {}).get("baselines", {})
                for b in sorted(set(ob) | set(nb)):
                    if ob.get(b) != nb.get(b):
                        diffs.append(f"views.{v}.protocols.{pr}.baselines.{b}: differs")
    return diffs


TIMINGS = "timings.json"


