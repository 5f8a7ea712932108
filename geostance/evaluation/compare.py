"""``geostance compare``: a paired significance test between two predictions files.

Both files are matched to the same gold rows by id (:mod:`geostance.evaluation.predictions`)
and compared on each headline measure of the view with
:func:`geostance.evaluation.score.paired_test`: the difference A - B, its 95% paired
bootstrap interval, and the two-sided approximate-randomisation p-value.
"""

from __future__ import annotations

import json

from geostance.evaluation import score
from geostance.evaluation import scorers
from geostance.core.tables import Column, render_markdown, render_text

DEFAULT_RESAMPLES = 10_000


def render(view: str, results: list[scorers.Comparison], a: str, b: str, n_rows: int, n_units: int, unit: str,
           resamples: int, seed: int, variants: list[str], output: str) -> str:
    if output == "json":
        return json.dumps({"view": view, "a": a, "b": b, "n_rows": n_rows, "metric_variants": variants,
                           "test": {"p_value": "approximate randomisation, two-sided", "interval": "paired bootstrap, percentile, 95%",
                                    "resamples": resamples, "seed": seed, "unit": unit, "n_units": n_units},
                           "comparisons": [c.as_dict() for c in results]}, ensure_ascii=False, indent=1)
    rows = [{"measure": score.TITLES.get(c.measure, c.measure), "a": c.a, "b": c.b, "delta": f"{c.delta:+.3f}",
             "ci": f"[{c.low:+.3f}, {c.high:+.3f}]", "p": c.p_value} for c in results]
    cols = [Column("measure", "measure"), Column("a", "A"), Column("b", "B"), Column("delta", "A - B", align="right"),
            Column("ci", "95% CI of A - B", align="right"), Column("p", "p (approx. randomisation)", fmt=".4f")]
    head = [f"{view}: {n_rows:,} rows; A = {a}; B = {b}",
            f"test: approximate randomisation (two-sided p) and paired percentile bootstrap (95% CI), "
            f"{resamples:,} resamples each of {n_units:,} {unit}s, seed {seed}"]
    if output == "markdown":
        return "\n".join([f"## {head[0]}", "", head[1], "", "Metric variants:", "", *[f"- {v}" for v in variants], "",
                          render_markdown(rows, cols)])
    return "\n".join([*head, "metric variants:", *[f"  {v}" for v in variants], "", render_text(rows, cols)])


