"""Tests of geostance.evaluation.endtoend: a system's annotation files scored against gold with the agreement measures."""

from __future__ import annotations

from pathlib import Path

import pytest

from geostance import cli


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_end_to_end_gold_against_itself_and_a_degraded_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geostance.evaluation import endtoend
    from geostance.core import jsonl
    from geostance.validation import synth

    root = tmp_path / "ds"
    synth.generate(root, n_docs=3, seed=4, records_per_doc=60)
    gold_files = sorted((root / "annotations" / "gold").glob("*.jsonl"))
    docs = [(p.stem, jsonl.load_records(p), jsonl.load_records(p)) for p in gold_files]
    r = endtoend.score_documents(docs, 200)
    assert [m.value for m in r.measures if m.id in endtoend.HEADLINE] == [1.0, 1.0, 1.0, 1.0]
    assert set(r.intervals) >= set(endtoend.HEADLINE) and r.intervals["stances.tuple.f1"] == (1.0, 1.0)
    # a system that dropped every relation and stance of the first document
    first = [x for x in docs[0][2] if x["kind"] not in ("relation", "stance")]
    d2 = [(docs[0][0], docs[0][1], first)] + docs[1:]
    r2 = endtoend.score_documents(d2, 200)
    m = {x.id: x for x in r2.measures}
    n_a = [sum(1 for x in g if x["kind"] == "relation") for _, g, _ in docs]
    # pooled typed relation F1: matched = relations of docs 2 and 3, |gold| = all, |system| = docs 2 and 3
    expect = 2 * (n_a[1] + n_a[2]) / (sum(n_a) + n_a[1] + n_a[2])
    assert m["relations.typed.f1"].value == pytest.approx(expect, abs=1e-12)
    assert m["mentions.exact.f1"].value == 1.0
    # the CLI: one valid system file
    rc, out, err = run_cli(["score", "end-to-end", str(gold_files[0]), "--dataset", str(root)], capsys)
    assert rc == 0, err
    assert "mentions: span F1, exact *" in out and "95% CI: none (one document" in out


def test_end_to_end_refuses_an_invalid_system_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geostance.validation import synth

    root = tmp_path / "ds"
    synth.generate(root, n_docs=1, seed=4, records_per_doc=40)
    gold = next((root / "annotations" / "gold").glob("*.jsonl"))
    lines = gold.read_text(encoding="utf-8").splitlines()
    i = next(n for n, l in enumerate(lines) if '"kind":"mention"' in l)
    lines[i] = lines[i].replace('"type":"', '"type":"X', 1)
    bad = tmp_path / "system.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc, out, err = run_cli(["score", "end-to-end", str(bad), "--dataset", str(root)], capsys)
    assert rc == 1 and out == ""
    assert f"system.jsonl:{i + 1}:" in err and "unknown-label" in err and "Traceback" not in err


def test_stance_modality_is_reported_apart_from_the_matching() -> None:
    """The 1.1 fixture: llm-2 equals gold except that it calls the question of
    s1 an assertion (t1 and r1 ASSERTED instead of QUESTIONED). Matching ignores
    modality, so tuple and typed F1 stay 1; modality agreement drops. By hand,
    stances over 5 matches, gold Q,H,AS,AL,AS vs AS,H,AS,AL,AS: p_o = 4/5,
    p_e = (2/5)(3/5) + (1/5)^2 + (1/5)^2 = 8/25, κ = (20-8)/(25-8) = 12/17;
    α: n = 10 values (AS 5, H 2, AL 2, Q 1), D_o = 2/10, D_e = (100-34)/90,
    α = 1 - (2/10)(90/66) = 8/11. Relations over 4 matches, Q,AS,AL,AS vs
    AS,AS,AL,AS: κ = (12/16 - 7/16)/(9/16) = 5/9; α = 1 - (2/8)(56/34) = 10/17."""
    from geostance.evaluation import endtoend
    from geostance.core import jsonl

    fix = Path(__file__).parent / "fixtures" / "build-1.1" / "annotations"
    gold = jsonl.load_records(fix / "gold" / "modality-mix.jsonl")
    system = jsonl.load_records(fix / "raw" / "modality-mix" / "llm-2.jsonl")
    m = {x.id: x for x in endtoend.score_documents([("modality-mix", gold, system)], 0).measures}
    assert m["stances.tuple.f1"].value == 1.0 and m["relations.typed.f1"].value == 1.0
    assert m["stances.modality.kappa"].value == pytest.approx(12 / 17, abs=1e-12)
    assert m["stances.modality.alpha"].value == pytest.approx(8 / 11, abs=1e-12)
    assert m["relations.modality.kappa"].value == pytest.approx(5 / 9, abs=1e-12)
    assert m["relations.modality.alpha"].value == pytest.approx(10 / 17, abs=1e-12)
    assert m["stances.modality.kappa"].n == 5
