"""``geostance score``: a predictions file against a task view's gold, with 95 % intervals.

The gold comes from the dataset folder's annotations (:mod:`geostance.evaluation.reference`),
the measures from the view's scorer (:mod:`geostance.evaluation.scorers`, over the
metric families of :mod:`geostance.metrics`); ``end-to-end`` scores a system's
annotation files against gold (:mod:`geostance.evaluation.endtoend`). The report is
printed as a table, JSON or Markdown.
"""

from __future__ import annotations

from typing import Any


from geostance.evaluation.scorers import Estimate, ScoreReport, fmt


# ------------------------------------------------------------ confusion-matrix metrics


# ------------------------------------------------------------ spans (NER)


# ------------------------------------------------------------ contributions and resampling


# ------------------------------------------------------------ scorers of the views


# ------------------------------------------------------------ reports


# ------------------------------------------------------------ paired comparison


# ------------------------------------------------------------ formatting helpers


# ------------------------------------------------------------ gold views (I/O)


# ------------------------------------------------------------ rendering

TITLES = {
    "macro_f1": "macro-F1", "f_avg": "F_avg (SemEval-2016, pooled)", "accuracy": "accuracy",
    "f_avg_per_target": "F_avg, per-target macro (variant)", "micro_f1": "micro F1", "micro_precision": "micro precision",
    "micro_recall": "micro recall", "undirected_f1": "direction-ignored F1 (diagnostic)",
    "undirected_precision": "direction-ignored precision (diagnostic)", "undirected_recall": "direction-ignored recall (diagnostic)",
}


def _tables(report: ScoreReport) -> list[tuple[str, list[dict[str, Any]], list[Any]]]:
    from geostance.core.tables import Column

    def ci(e: Estimate) -> str | None:
        if e.low is None or e.high is None:
            return None
        return f"[{fmt(e.low)}, {fmt(e.high)}]" + (f" ({e.undefined_resamples:,} resamples undefined)" if e.undefined_resamples else "")

    rows = [{"measure": TITLES.get(k, k), "value": e.value, "ci": ci(e),
             "note": f"undefined: nothing guessed or nothing to find ({e.convention})" if e.value is None else None}
            for k, e in [*report.scores.items(), *report.diagnostics.items()]]
    cols = [Column("measure", "measure"), Column("value", "score"), Column("ci", "95% CI", align="right"),
            Column("note", "note", missing="")]
    per = []
    for lab, c in report.per_class.items():
        absent = c["support"] == 0 and c["predicted"] == 0  # neither in gold nor predicted: no figure
        per.append({"label": lab, "support": c["support"], "predicted": c["predicted"],
                    "p": None if absent else c["precision"].value, "r": None if absent else c["recall"].value,
                    "f1": None if absent else c["f1"].value,
                    "ci": None if absent else ci(c["f1"])})
    what = "type" if report.view == "ner" else "label"
    unit = "spans" if report.view == "ner" else "rows"
    pcols = [Column("label", what), Column("support", f"gold {unit}"), Column("predicted", f"predicted {unit}"),
             Column("p", "P"), Column("r", "R"), Column("f1", "F1"), Column("ci", "F1 95% CI", align="right")]
    return [("scores", rows, cols),
            (f"per {what} (—: undefined, a zero denominator; a {what} absent from gold and predictions counts 0 in "
             "macro averages)", per, pcols)]


def render_report(report: ScoreReport, output: str, source: str = "") -> str:
    """The report as ``text`` (terminal tables), ``markdown`` or ``json``."""
    import json

    from geostance.core.tables import render_markdown, render_text

    if output == "json":
        d = report.as_dict()
        if source:
            d = {"predictions": source, **d}
        return json.dumps(d, ensure_ascii=False, indent=1)
    head = f"{report.view}: {report.n_items:,} rows" + (f", predictions {source}" if source else "")
    if output == "markdown":
        lines = [f"## {head}", "", "Metric variants:", "", *[f"- {v}" for v in report.variants], "",
                 f"{report.bootstrap_line()}.", ""]
        for title, rows, cols in _tables(report):
            lines += [f"**{title}**", "", render_markdown(rows, cols), ""]
        return "\n".join(lines).rstrip("\n")
    lines = [head, "metric variants:", *[f"  {v}" for v in report.variants], report.bootstrap_line(), ""]
    for title, rows, cols in _tables(report):
        lines += [render_text(rows, cols, title=title), ""]
    return "\n".join(lines).rstrip("\n")


# ------------------------------------------------------------ CLI


