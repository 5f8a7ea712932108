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

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from geostance.core.version import __version__
from geostance.core.paths import REPO_ROOT, SCHEMA_DIR
from geostance.core.tables import Column, render_markdown

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


def dataset_block(version: str | None) -> dict[str, Any]:
    """The ``dataset`` block of a leaderboard entry: which data (``dataset_version``) and which geostance scored it."""
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
        "dataset": dataset_block(dataset_version),
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
            "dataset": dataset_block(dataset_version),
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


def undated(e: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in e.items() if k != "date"}


def dated(entry: Mapping[str, Any], existing: Mapping[str, Any] | None) -> dict[str, Any]:
    """The entry with its date: the existing entry's when nothing else changed, else today's.

    >>> e = {"entry_format": "1", "task": "ner"}
    >>> dated(e, dict(e, date="2020-01-02"))["date"]
    '2020-01-02'
    """
    keep = (isinstance(existing, dict) and undated(existing) == dict(entry)
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


def check_all(lb_dir: Path) -> list[str]:
    """Every problem of every entry on disk, as ``file: problem`` lines."""
    out = []
    for p, e in load_entries(lb_dir):
        out += [f"{p}: {x}" for x in problems(e, p.name)]
    return out


