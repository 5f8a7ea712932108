"""``geostance agree``: outputs, reproducibility, and every refusal with its exit status.

The figures themselves are checked against hand computations in
tests/test_agreement.py; here the command is checked end to end on the same
fixture (tests/fixtures/agreement/, document ``agree-tiny``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from geostance.cli import main

FIX = Path(__file__).parent / "fixtures" / "agreement"
DOC = "agree-tiny"


def run(capsys, *argv):
    code = main(["agree", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def root(tmp_path):
    """A writable copy of the fixture dataset."""
    dst = tmp_path / "ds"
    shutil.copytree(FIX, dst)
    return dst


def test_table_output(capsys):
    code, out, err = run(capsys, DOC, "--dataset", FIX)
    assert (code, err) == (0, "")
    assert "agree-tiny: alice (A) vs bob (B)" in out
    assert "agree-tiny: 3 pairs, their mean, and alpha over all annotators" in out
    # alice vs bob sentence row: F1 4/7, P 2/3, R 1/2, n 2, |A| 4, |B| 3 (test_agreement.py)
    assert "sentences: span F1                             0.571  0.667  0.500   2    4    3" in out.splitlines()
    # summary: mention-type α over all annotators = 6/13 = 0.462
    line = next(x for x in out.splitlines() if x.startswith("mention type: Krippendorff's α") and x.endswith("0.462"))
    assert "0.485        0.642      0.485  0.537" in line


def test_json_and_markdown_outputs_are_reproducible_and_consistent(capsys, tmp_path):
    j1, m1 = tmp_path / "out" / "a.json", tmp_path / "out" / "a.md"
    code, out_json, _ = run(capsys, DOC, "--dataset", FIX, "--format", "json", "--json", j1, "--markdown", m1)
    assert code == 0
    assert j1.read_text(encoding="utf-8") == out_json
    code, out_md, _ = run(capsys, DOC, "--dataset", FIX, "--format", "markdown")
    assert code == 0 and m1.read_text(encoding="utf-8") == out_md
    # same inputs, byte-identical outputs
    j2, m2 = tmp_path / "b.json", tmp_path / "b.md"
    assert run(capsys, DOC, "--dataset", FIX, "--json", j2, "--markdown", m2)[0] == 0
    assert j1.read_bytes() == j2.read_bytes() and m1.read_bytes() == m2.read_bytes()
    assert sorted(p.name for p in j1.parent.iterdir()) == ["a.json", "a.md"]  # no stray temp files

    d = json.loads(out_json)
    assert d["doc_id"] == DOC and d["annotators"] == ["alice", "bob", "carol"]
    for name in d["annotators"]:
        f = FIX / "annotations" / "raw" / DOC / f"{name}.jsonl"
        assert d["inputs"][name] == {"path": f"annotations/raw/{DOC}/{name}.jsonl", "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
    ab = {m["id"]: m for m in d["pairs"][0]["measures"]}
    assert (d["pairs"][0]["a"], d["pairs"][0]["b"]) == ("alice", "bob")
    assert ab["coref.conll.f1"]["value"] == pytest.approx(1687 / 2160, abs=1e-12)
    assert ab["stances.tuple.f1"]["value"] == 0.25
    assert [m["id"] for m in d["mean"]][:2] == ["sentences.f1", "mentions.exact.f1"]
    alls = {m["id"]: m for m in d["all"]}
    assert alls["relations.modality.alpha"]["value"] == pytest.approx(7 / 16)
    assert alls["stances.label.alpha"]["value"] is None and alls["stances.label.alpha"]["reason"]

    assert out_md.startswith(f"# Agreement: {DOC}\n")
    assert "## alice (A) vs bob (B)" in out_md and "## Summary" in out_md
    assert "| sentences: span F1 | 0.571 | 0.667 | 0.500 | 2 | 4 | 3 |  |" in out_md


def test_undefined_values_are_null_in_json_never_nan(capsys, root):
    # Two copies of alice: alice marks every relation ASSERTED, so modality κ
    # and α are undefined.
    raw = root / "annotations" / "raw" / DOC
    shutil.copy(raw / "alice.jsonl", raw / "dave.jsonl")
    code, out, err = run(capsys, DOC, "--dataset", root, "--annotators", "alice,dave", "--format", "json")
    assert (code, err) == (0, "")
    assert "NaN" not in out
    m = {x["id"]: x for x in json.loads(out)["pairs"][0]["measures"]}
    assert m["relations.modality.kappa"]["value"] is None
    assert "chance agreement is 1" in m["relations.modality.kappa"]["reason"]


def test_annotators_option_selects_and_orders(capsys):
    code, out, _ = run(capsys, DOC, "--dataset", FIX, "--annotators", "carol, alice")
    assert code == 0
    assert "agree-tiny: carol (A) vs alice (B)" in out
    assert "bob" not in out and "pairs, their mean" not in out


def test_plot_is_written_and_reproducible(capsys, tmp_path):
    p1, p2, s1 = tmp_path / "t1.png", tmp_path / "t2.png", tmp_path / "t.svg"
    assert run(capsys, DOC, "--dataset", FIX, "--plot", p1)[0] == 0
    assert run(capsys, DOC, "--dataset", FIX, "--plot", p2)[0] == 0
    assert p1.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert p1.read_bytes() == p2.read_bytes()
    assert run(capsys, DOC, "--dataset", FIX, "--annotators", "alice,bob", "--plot", s1)[0] == 0
    assert b"<svg" in s1.read_bytes()[:500]


@pytest.mark.parametrize(
    "argv, code, message",
    [
        ((DOC, "--dataset", "{tmp}"), 2, "not a dataset folder"),
        (("no-such-doc", "--dataset", "{fix}"), 2, "unknown document 'no-such-doc'"),
        (("../x", "--dataset", "{fix}"), 2, "document id '../x' is not safe"),
        ((DOC, "--dataset", "{fix}", "--annotators", "alice"), 2, "agreement needs two or more"),
        ((DOC, "--dataset", "{fix}", "--annotators", "alice,zed"), 2, "no annotator file for zed"),
        ((DOC, "--dataset", "{fix}", "--annotators", "alice,alice"), 2, "names alice more than once"),
        ((DOC, "--dataset", "{fix}", "--annotators", "alice,,bob"), 2, "no empty name"),
        ((DOC, "--dataset", "{fix}", "--plot", "{tmp}/x.pdf"), 2, "must end in .png or .svg"),
    ],
)
def test_usage_errors(capsys, tmp_path, argv, code, message):
    argv = [a.format(tmp=tmp_path, fix=FIX) for a in argv]
    got, out, err = run(capsys, *argv)
    assert (got, out) == (code, "")
    assert err.startswith("geostance agree: ") and message in err
    assert "Traceback" not in err


def test_fewer_than_two_annotator_files(capsys, root):
    raw = root / "annotations" / "raw" / DOC
    (raw / "bob.jsonl").unlink()
    (raw / "carol.jsonl").unlink()
    code, out, err = run(capsys, DOC, "--dataset", root)
    assert (code, out) == (1, "")
    assert "has 1 annotator file(s)" in err and "only alice" in err


def test_invalid_file_is_refused_with_the_validators_findings(capsys, root, tmp_path):
    bob = root / "annotations" / "raw" / DOC / "bob.jsonl"
    lines = bob.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if '"id":"m6"' in line)
    lines[i] = lines[i].replace('"text":"NATO"', '"text":"NATI"')
    bob.write_text("".join(lines), encoding="utf-8")
    out_json = tmp_path / "never.json"
    code, out, err = run(capsys, DOC, "--dataset", root, "--json", out_json)
    assert (code, out) == (1, "")
    assert f"bob.jsonl:{i + 1}: [" in err and "span-text-mismatch" in err
    assert "refusing to compare invalid annotation files" in err and "alice.jsonl" not in err.split("refusing")[1]
    assert not out_json.exists()


def test_warnings_do_not_stop_the_comparison_but_are_mentioned(capsys, root):
    # Without alice's t1 (e1 FAVOR e2), her ASSERTED SUPPORT m3 -> m4 implies a
    # missing stance: a level-4 warning, not an error.
    alice = root / "annotations" / "raw" / DOC / "alice.jsonl"
    alice.write_text("".join(x for x in alice.read_text(encoding="utf-8").splitlines(keepends=True) if '"id":"t1"' not in x), encoding="utf-8")
    code, out, err = run(capsys, DOC, "--dataset", root, "--annotators", "alice,bob")
    assert code == 0 and "alice (A) vs bob (B)" in out
    assert "alice.jsonl has 1 validation warning(s)" in err and "bob.jsonl" not in err


def test_unwritable_output_is_an_error_not_a_traceback(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(capsys, DOC, "--dataset", FIX, "--json", blocker / "a.json")
    assert (code, out) == (1, "")
    assert "cannot write" in err


def test_help_and_registration(capsys):
    from geostance.cli import VERBS

    assert VERBS["agree"][0] == "geostance.cli.agree"
    assert main(["agree", "--help"]) == 0
    assert "Krippendorff" in capsys.readouterr().out
