"""The baselines' results as files and words: results.json, RESULTS.md, the card's table, the verdict, plots.

:func:`results_json` is the one structured record of a run (deterministic:
no times, no paths); :func:`results_markdown` and :func:`card_table` render
it; :func:`verdict` says in words which learned baselines beat which trivial
one; :func:`update_card` replaces the card's ``baselines`` block;
:func:`plot_confusion` draws the confusion matrices of the headline protocol.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import sklearn

from geostance.evaluation import scorers
from geostance.core.tables import Column, render_markdown
from geostance.evaluation.baseline_models import REGISTRY
from geostance.evaluation.protocols import ALPHA, Outcome, PAIRED_RESAMPLES, PROTOCOL, PROTOCOLS, group_column, protocols_for
from geostance.evaluation.protocols import REFERENCES


# the card's generated block, in the syntax of geostance.hf.card (``<!-- gen:NAME -->``)
CARD_BLOCK = "baselines"


CARD_BEGIN = f"<!-- gen:{CARD_BLOCK} -->"


CARD_END = f"<!-- /gen:{CARD_BLOCK} -->"


def results_json(outcomes: Sequence[Outcome], views: Mapping[str, Sequence[Mapping[str, Any]]],
                 sources: Mapping[str, str], resamples: int, seed: int,
                 tests: Mapping[tuple[str, str, str], Mapping[str, list[scorers.Comparison]]] | None = None,
                 paired_resamples: int = PAIRED_RESAMPLES, dataset_version: str | None = None) -> dict[str, Any]:
    """The content of ``baselines/results.json``: deterministic (no timings)."""
    tests = tests or {}
    res: dict[str, Any] = {
        "generated_by": "geostance baselines",
        "protocol": PROTOCOL,
        "protocols": {name: {"title": p.title, "description": p.description} for name, p in PROTOCOLS.items()},
        "seed": seed,
        "bootstrap_resamples": resamples,
        "paired_tests": {"p_value": "approximate randomisation, two-sided, over sentences",
                         "interval": "paired percentile bootstrap of A - B, 95%, over sentences",
                         "resamples": paired_resamples, "seed": seed, "significance_level": ALPHA,
                         "correction": "none (per measure and pair of systems)",
                         "references": list(REFERENCES)},
        "software": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "dataset_version": dataset_version,
        "gold_sources": dict(sources),
        "views": {},
    }
    for view, rows in views.items():
        protocols = protocols_for(view, rows)
        entry: dict[str, Any] = {"n_rows": len(rows), "n_documents": len({r["doc_id"] for r in rows}),
                                 "metric_variants": scorers.scorer_for(view).variants(),
                                 "headline_protocol": protocols[0] if protocols else None, "protocols": {}}
        if not rows:
            entry["note"] = "no rows in this build: nothing to fit or score"
        elif not protocols:
            entry["note"] = "every row falls in one fold under every protocol: nothing to fit on"
        for protocol in protocols:
            column = group_column(protocol, view)
            sizes: dict[str, int] = {}
            for r in rows:
                sizes[str(r[column])] = sizes.get(str(r[column]), 0) + 1
            pe: dict[str, Any] = {"group_column": column, "fold_sizes": dict(sorted(sizes.items())), "baselines": {}}
            for o in outcomes:
                if (o.view, o.protocol) != (view, protocol):
                    continue
                b = REGISTRY[o.baseline]
                d = o.report.as_dict()
                for k in ("metric_variants", "view"):
                    d.pop(k, None)
                item: dict[str, Any] = {"description": b.description, "kind": "trivial" if b.trivial else "learned",
                                        "hyperparameters": b.params, "notes": o.notes, **d}
                t = tests.get((view, protocol, o.baseline))
                if t:
                    item["paired_tests"] = {ref: [c.as_dict() for c in cs] for ref, cs in t.items()}
                pe["baselines"][o.baseline] = item
            entry["protocols"][protocol] = pe
        res["views"][view] = entry
    return res


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


MEASURE_TITLES = {
    "macro_f1": "macro-F1", "f_avg": "F_avg (SemEval)", "accuracy": "accuracy", "f_avg_per_target": "F_avg per target",
    "micro_f1": "micro F1", "micro_precision": "micro P", "micro_recall": "micro R",
    "undirected_f1": "undirected F1 (diagnostic)", "undirected_precision": "undirected P", "undirected_recall": "undirected R",
}


def _ci_text(e: Mapping[str, Any]) -> str:
    """A score cell: ``value [low, high]``, or ``undefined`` with the reference convention.

    >>> _ci_text({"value": 0.5, "ci95": [0.25, 0.75]})
    '0.500 [0.250, 0.750]'
    >>> _ci_text({"value": None, "ci95": None, "convention": "TACRED scorer: 1.0"})
    'undefined (nothing guessed; TACRED scorer: 1.0)'
    """
    if e["value"] is None:
        return "undefined (nothing guessed" + (f"; {e['convention']})" if e.get("convention") else ")")
    if e["ci95"] is None:
        return f"{e['value']:.3f}"
    return f"{e['value']:.3f} [{e['ci95'][0]:.3f}, {e['ci95'][1]:.3f}]"


def _measures(view: str) -> list[str]:
    sc = scorers.scorer_for(view)
    return list(sc.headline) + list(sc.diagnostics[:1])


def view_table(res: Mapping[str, Any], view: str, protocol: str, timings: Mapping[str, Any] | None = None
               ) -> tuple[list[dict[str, Any]], list[Column]]:
    """Rows and columns of one view's results table under one protocol (scores with 95% CI; fit time when ``timings``)."""
    pe = res["views"][view]["protocols"][protocol]
    measures = _measures(view)
    rows = []
    for name, b in pe["baselines"].items():
        row: dict[str, Any] = {"baseline": name}
        for m in measures:
            src = b["scores"] if m in b["scores"] else b.get("diagnostics", {})
            row[m] = _ci_text(src[m]) if m in src else None
        if timings is not None:
            row["fit"] = timings.get(view, {}).get(protocol, {}).get(name)
        rows.append(row)
    cols = [Column("baseline", "baseline")] + [Column(m, MEASURE_TITLES.get(m, m), align="right") for m in measures]
    if timings is not None:
        cols.append(Column("fit", "fit time (s)", fmt=".2f"))
    return rows, cols


def per_class_table(res: Mapping[str, Any], view: str, protocol: str) -> tuple[list[dict[str, Any]], list[Column]]:
    """Per-class (per-type) F1 of every baseline, for the labels that occur in gold."""
    pe = res["views"][view]["protocols"][protocol]
    first = next(iter(pe["baselines"].values()))
    labels = [lab for lab, c in first["per_class"].items() if c["support"] > 0]
    rows = [{"baseline": name, **{lab: b["per_class"][lab]["f1"]["value"] for lab in labels}}
            for name, b in pe["baselines"].items()]
    cols = [Column("baseline", "baseline")] + [Column(lab, f"{lab} ({first['per_class'][lab]['support']})") for lab in labels]
    return rows, cols


def _delta_text(c: Mapping[str, Any]) -> str:
    if c["delta"] is None:
        return "not compared (" + c.get("undefined", "undefined") + ")"
    return f"{c['delta']:+.3f} [{c['delta_ci95'][0]:+.3f}, {c['delta_ci95'][1]:+.3f}], p = {c['p_value']:.4f}"


def paired_table(res: Mapping[str, Any], view: str, protocol: str) -> tuple[list[dict[str, Any]], list[Column]]:
    """Each learned baseline minus each reference, per headline measure: Δ [95% CI], p."""
    pe = res["views"][view]["protocols"][protocol]
    measures = list(scorers.scorer_for(view).headline)
    rows = []
    for name, b in pe["baselines"].items():
        for ref, cs in b.get("paired_tests", {}).items():
            by = {c["measure"]: c for c in cs}
            rows.append({"baseline": name, "ref": ref, **{m: _delta_text(by[m]) for m in measures if m in by}})
    cols = [Column("baseline", "baseline"), Column("ref", "minus")] + [
        Column(m, f"{MEASURE_TITLES.get(m, m)}: Δ [95% CI], p", align="right") for m in measures]
    return rows, cols


def _better(c: Mapping[str, Any]) -> bool:
    return c["delta"] is not None and c["delta"] > 0 and c["p_value"] < ALPHA


def _worse(c: Mapping[str, Any]) -> bool:
    return c["delta"] is not None and c["delta"] < 0 and c["p_value"] < ALPHA


def _p(p: float) -> str:
    """``p = 0.149``, or ``p < 0.001``.

    >>> _p(0.1491), _p(0.0002)
    ('p = 0.149', 'p < 0.001')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _vs(name: str, c: Mapping[str, Any]) -> str:
    if c["delta"] is None:
        return f"`{name}` (not compared: {c.get('undefined', 'undefined')})"
    return f"`{name}` {c['a']:.3f} (Δ {c['delta']:+.3f}, {_p(c['p_value'])})"


def _names(xs: Sequence[str]) -> str:
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def _score_text(v: float | None) -> str:
    return "undefined" if v is None else f"{v:.3f}"


def verdict(res: Mapping[str, Any]) -> list[str]:
    """In words, from the paired tests: for each view and protocol, which
    learned baselines beat majority and pair-lookup on the view's primary
    measure (its first headline measure) at p < :data:`ALPHA`, which do not,
    and which are significantly worse than them on another headline measure.
    One Markdown bullet per view and protocol. When pair-lookup's tests are
    those of majority (under pair-disjoint folds no test pair was seen in
    training, so it predicts the majority label), the two are named together."""
    out = []
    for view, entry in res["views"].items():
        primary = scorers.scorer_for(view).headline[0]
        ptitle = MEASURE_TITLES.get(primary, primary)
        for protocol, pe in entry["protocols"].items():
            learned = {n: b["paired_tests"] for n, b in pe["baselines"].items() if b.get("paired_tests")}
            if not learned:
                continue
            refs = [r for r in REFERENCES if r in pe["baselines"] and all(r in t for t in learned.values())]
            groups_: list[list[str]] = []
            for r in refs:
                same = next((g for g in groups_ if all(t[g[0]] == t[r] for t in learned.values())), None)
                if same is None:
                    groups_.append([r])
                else:
                    same.append(r)
            sentences = []
            for g in groups_:
                ref = g[0]
                refscore = _score_text(pe["baselines"][ref]["scores"][primary]["value"])
                tests = {n: {c["measure"]: c for c in t[ref]} for n, t in learned.items()}
                better = [n for n, t in tests.items() if _better(t[primary])]
                rest = [n for n in tests if n not in better]
                why = ("; pair-lookup has seen no test pair in training, so it predicts the majority label" if protocol == "pair"
                       else "; the same scores here")
                joined = " and ".join if better else " or ".join
                who = f"`{ref}` ({refscore})" if len(g) == 1 else joined([f"`{r}`" for r in g]) + f" ({refscore}{why})"
                if not better:
                    sentences.append(f"no learned baseline beats {who} at p < {ALPHA}: "
                                     + ", ".join(_vs(n, tests[n][primary]) for n in rest))
                elif not rest:
                    sentences.append(f"every learned baseline beats {who} at p < {ALPHA}: "
                                     + ", ".join(_vs(n, tests[n][primary]) for n in better))
                else:
                    sentences.append(f"{_names([f'`{n}`' for n in better])} {'beats' if len(better) == 1 else 'beat'} "
                                     f"{who} at p < {ALPHA} (" + ", ".join(_vs(n, tests[n][primary]) for n in better)
                                     + f"), {_names([f'`{n}`' for n in rest])} {'does' if len(rest) == 1 else 'do'} not ("
                                     + ", ".join(_vs(n, tests[n][primary]) for n in rest) + ")")
                for m in scorers.scorer_for(view).headline[1:]:
                    worse = [n for n, t in tests.items() if m in t and _worse(t[m])]
                    if worse:
                        refm = _score_text(pe["baselines"][ref]["scores"][m]["value"])
                        sentences.append(f"on {MEASURE_TITLES.get(m, m)}, {_names([f'`{n}`' for n in worse])} "
                                         f"{'is' if len(worse) == 1 else 'are'} significantly worse than `{ref}` ({refm}): "
                                         + ", ".join(f"`{n}` {tests[n][m]['a']:.3f} ({_p(tests[n][m]['p_value'])})" for n in worse))
            title = PROTOCOLS[protocol].title + (" (headline)" if protocol == entry["headline_protocol"] else "")
            out.append(f"- `{view}`, {title}, {ptitle}: " + "; ".join(sentences) + ".")
    return out


def results_markdown(res: Mapping[str, Any]) -> str:
    """``baselines/RESULTS.md``: every table of results.json, no timings (they are not reproducible)."""
    lines = ["# Baseline results", "",
             "Generated by `geostance baselines` from `baselines/results.json`. Do not edit by hand. Fit times are "
             "machine-dependent and so are not here: `geostance baselines` prints them and writes "
             "`baselines/timings.json`, which is not committed.", "",
             f"Protocol: {res['protocol']}; {res['bootstrap_resamples']:,} bootstrap resamples, paired tests with "
             f"{res['paired_tests']['resamples']:,}, seed {res['seed']}.",
             f"Software: scikit-learn {res['software']['scikit-learn']}, numpy {res['software']['numpy']}.", "",
             "Protocols:", ""]
    lines += [f"- **{p['title']}** (`{name}`): {p['description']}." for name, p in res["protocols"].items()]
    lines += ["", "## Where learned baselines beat the trivial ones", "",
              f"Paired tests of each learned baseline against `majority` and `pair-lookup` (significance level "
              f"{ALPHA}, two-sided, not corrected for multiple comparisons):", ""]
    lines += verdict(res) or ["- no paired tests (no learned baseline ran)"]
    used = {name: b for entry in res["views"].values() for pe in entry["protocols"].values() for name, b in pe["baselines"].items()}
    lines += ["", "## Baselines", "",
              render_markdown([{"name": n, "kind": b["kind"], "description": b["description"], "hp": json.dumps(b["hyperparameters"])}
                               for n, b in used.items()],
                              [Column("name", "baseline"), Column("kind", "kind"), Column("description", "description"),
                               Column("hp", "hyperparameters (scikit-learn defaults where not listed; not tuned)")]), ""]
    for view, entry in res["views"].items():
        lines += [f"## {view}", ""]
        if not entry["protocols"]:
            lines += [f"{entry['n_rows']:,} rows: {entry.get('note', 'not evaluated')}.", ""]
            continue
        lines += [f"{entry['n_rows']:,} rows, {entry['n_documents']:,} document(s). Metric variants:", ""]
        lines += [f"- {v}" for v in entry["metric_variants"]]
        for protocol, pe in entry["protocols"].items():
            head = " (headline)" if protocol == entry["headline_protocol"] else ""
            lines += ["", f"### {view}: {PROTOCOLS[protocol].title}{head}", "",
                      f"Folds by `{pe['group_column']}`, rows per fold: "
                      + ", ".join(f"{k}: {v:,}" for k, v in pe["fold_sizes"].items()) + ".", "",
                      "Each cell: score [95% confidence interval].", "", render_markdown(*view_table(res, view, protocol)), ""]
            notes = sorted({n for b in pe["baselines"].values() for n in b.get("notes", []) if n.startswith("macro_f1:")})
            notes += [f"{name}: {n}" for name, b in pe["baselines"].items() for n in b["notes"]]
            if notes:
                lines += ["Notes:", "", *[f"- {n}" for n in notes], ""]
            prow, pcols = paired_table(res, view, protocol)
            if prow:
                lines += ["Paired tests (learned baseline minus reference):", "", render_markdown(prow, pcols), ""]
            if protocol == entry["headline_protocol"]:
                unit = "gold spans" if view == "ner" else "gold rows"
                lines += [f"F1 per {'type' if view == 'ner' else 'label'} (in brackets: {unit}; labels absent from gold "
                          "left out):", "", render_markdown(*per_class_table(res, view, protocol)), "",
                          "Confusion matrices (out-of-fold predictions of this protocol, rows gold, columns predicted):", ""]
                lines += [f"- [{name}](plots/{plot_name(view, name)})" for name in pe["baselines"]]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def card_table(res: Mapping[str, Any]) -> str:
    """The body of the card's ``baselines`` block: the verdict in words, then
    one table per view and protocol, scores with intervals (no timings).

    >>> card_table({"protocol": "p", "bootstrap_resamples": 1000, "seed": 0, "views": {},
    ...             "paired_tests": {"resamples": 10}}).splitlines()[0][:36]
    'Baselines (p; 1,000 resamples, seed '
    """
    parts = [f"Baselines ({res['protocol']}; {res['bootstrap_resamples']:,} resamples, seed {res['seed']}; paired tests "
             f"with {res['paired_tests']['resamples']:,} resamples). Each cell: score [95% confidence interval]; metric "
             "variants, per-class figures, paired tests, confusion matrices in `baselines/RESULTS.md`.", ""]
    said = verdict(res)
    if said:
        parts += [f"Where the learned baselines beat the trivial ones (paired tests, p < {ALPHA}, two-sided, not "
                  "corrected for multiple comparisons):", "", *said, ""]
    for view, entry in res["views"].items():
        if not entry["protocols"]:
            parts += [f"**{view}**: {entry.get('note', 'not evaluated')}.", ""]
            continue
        for protocol in entry["protocols"]:
            head = ", the headline protocol" if protocol == entry["headline_protocol"] else ""
            parts += [f"**{view}**, {PROTOCOLS[protocol].title}{head}", "", render_markdown(*view_table(res, view, protocol)), ""]
            notes = sorted({n for b in entry["protocols"][protocol]["baselines"].values() for n in b.get("notes", [])
                            if n.startswith("macro_f1:")})
            parts += [*[f"Note: {n}." for n in notes], *([""] if notes else [])]
    return "\n".join(parts).rstrip("\n") + "\n"


def card_block(results: Path) -> str:
    """The ``baselines`` block of the card from ``baselines/results.json``
    (what :mod:`geostance.hf.card` can put in ``<!-- gen:baselines -->``)."""
    path = results
    if not path.is_file():
        return "No baseline results yet: run `geostance baselines`.\n"
    return card_table(json.loads(path.read_text(encoding="utf-8")))


def replace_block(card: str, name: str, body: str) -> str:
    """``card`` with the body of its generated block ``name`` replaced.

    >>> card = "# Card\\n<!-- gen:x -->\\nold\\n<!-- /gen:x -->\\nafter\\n"
    >>> replace_block(card, "x", "new\\n")
    '# Card\\n<!-- gen:x -->\\nnew\\n<!-- /gen:x -->\\nafter\\n'
    """
    begin, end = f"<!-- gen:{name} -->", f"<!-- /gen:{name} -->"
    i = card.find(begin + "\n")
    j = card.find(end, i)
    if i < 0 or j < 0:
        raise ValueError(f"the card has no {name} block; add the two lines\n{begin}\n{end}\nwhere it goes")
    return card[:i] + begin + "\n" + body.rstrip("\n") + "\n" + card[j:]


def update_card(card: str, res: Mapping[str, Any]) -> str:
    """``card`` with the body of its ``baselines`` block replaced by :func:`card_table`.

    >>> card = "# Card\\n" + CARD_BEGIN + "\\nold\\n" + CARD_END + "\\nafter\\n"
    >>> new = update_card(card, {"protocol": "p", "bootstrap_resamples": 1, "seed": 0, "views": {}, "paired_tests": {"resamples": 1}})
    >>> "old" in new, new.startswith("# Card\\n" + CARD_BEGIN + "\\nBaselines"), new.endswith(CARD_END + "\\nafter\\n")
    (False, True, True)
    """
    try:
        return replace_block(card, CARD_BLOCK, card_table(res))
    except ValueError:
        raise ValueError(f"the card has no results block; add the two lines\n{CARD_BEGIN}\n{CARD_END}\nwhere the table goes") from None


def plot_name(view: str, baseline: str) -> str:
    return f"{view}--{baseline}.png"


def plot_confusion(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str) -> bytes:
    """A confusion-matrix PNG (Agg, no global pyplot state): counts in the
    cells, colour = share of the gold row; its bytes (the same for the same
    input: no time or software version is written into the file)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cm = np.asarray(matrix, dtype=np.float64)
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    k = len(labels)
    size = 2.2 + 0.45 * k
    fig = Figure(figsize=(size + 1.2, size), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    im = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(k), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=9)
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of gold row")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def ner_token_confusion(rows: Sequence[Mapping[str, Any]], preds: Sequence[Sequence[str]]) -> tuple[list[str], list[list[int]]]:
    """Token-level confusion of mention types (B- and I- merged, plus O), for the ner plot.

    >>> labels, m = ner_token_confusion([{"tags": ["B-GPE", "O"]}], [["I-GPE", "B-ORG"]])
    >>> labels[-1], m[labels.index("GPE")][labels.index("GPE")], m[-1][labels.index("ORG")]
    ('O', 1, 1)
    """
    from geostance.contract.labels import MENTION_TYPES

    labels = [*MENTION_TYPES, "O"]
    idx = {t: i for i, t in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for r, p in zip(rows, preds):
        for g, q in zip(r["tags"], p):
            cm[idx[g.partition("-")[2] or "O"], idx[q.partition("-")[2] or "O"]] += 1
    return labels, cm.tolist()
