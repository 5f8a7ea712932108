"""Tests of geostance.evaluation.compare: the paired test between two predictions files, as a command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geostance import cli

FIX = Path(__file__).parent / "fixtures" / "score"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_compare(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(["compare", "stance_classification", str(FIX / "stance_pred.jsonl"), str(FIX / "stance_pred.csv"),
                            "--gold", str(FIX / "stance_rows.jsonl"), "--resamples", "300", "--format", "json"], capsys)
    assert rc == 0, err
    d = json.loads(out)
    assert d["test"]["resamples"] == 300 and all(c["delta"] == 0 and c["p_value"] == 1.0 for c in d["comparisons"])
    rc, out, err = run_cli(["compare", "stance_classification", str(FIX / "stance_pred.jsonl"), str(FIX / "stance_bad.jsonl"),
                            "--gold", str(FIX / "stance_rows.jsonl")], capsys)
    assert rc == 1 and "stance_bad.jsonl:2:" in err and "Traceback" not in err


def test_cli_compare_text_names_the_test_and_the_variants(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.loads(l) for l in (FIX / "stance_rows.jsonl").read_text(encoding="utf-8").splitlines()]
    rc, out, err = run_cli(["compare", "stance_classification", str(FIX / "stance_pred.jsonl"), str(FIX / "stance_pred.csv"),
                            "--gold", str(FIX / "stance_rows.jsonl"), "--resamples", "200", "--unit", "item"], capsys)
    assert rc == 0, err
    assert f"stance_classification: {len(rows)} rows" in out
    assert "approximate randomisation (two-sided p) and paired percentile bootstrap (95% CI), 200 resamples each of 36 items" in out
    assert "SemEval-2016 Task 6 F_avg" in out and "p (approx. randomisation)" in out
