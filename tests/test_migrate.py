"""``geostance migrate``: 1.0 -> 1.1 without guessing a stance modality."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geostance import cli
from geostance.core import jsonl
from geostance.contract import labels
from geostance.contributing.migrate import upgrade
from geostance.validation.validator import validate

VALID = Path(__file__).parent / "fixtures" / "valid"
RAW = Path("annotations") / "raw" / "envoy-speaks" / "ann-1.jsonl"


@pytest.fixture()
def ds(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(VALID, root)
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = cli.main(["migrate", *map(str, argv)])
    out, err = capsys.readouterr()
    return rc, out, err


def decisions(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_decided_file_is_upgraded_with_every_field_kept(ds: Path, tmp_path: Path, capsys) -> None:
    f = ds / RAW
    before = jsonl.load_records(f)
    d = decisions(tmp_path / "d.jsonl", [
        {"file": str(RAW), "stance": "t1", "modality": "ASSERTED", "reason": "stated as held"},
        {"file": "ann-1.jsonl", "stance": "t2", "modality": "ALLEGED", "reason": "the envoy's claim"},
    ])
    rc, out, err = run(capsys, f, "--decisions", d, "--write")
    assert (rc, err) == (0, ""), out
    after = jsonl.load_records(f)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert new["schema_version"] == "1.1"
        extra = {"modality"} if old["kind"] == "stance" else set()
        assert set(new) == set(old) | extra
        assert {k: v for k, v in new.items() if k not in ("schema_version", "modality") or old["kind"] == "relation" and k == "modality"} == \
               {k: v for k, v in old.items() if k != "schema_version"}
    assert [r["modality"] for r in after if r["kind"] == "stance"] == ["ASSERTED", "ALLEGED"]
    # the compact style of the file's lines is kept, and nothing is left beside it
    assert f.read_bytes().count(b'"schema_version":"1.1"') == len(after)
    assert sorted(p.name for p in f.parent.iterdir()) == ["ann-1.jsonl"]
    report = validate([ds])
    # t2 is now ALLEGED while the CRITICIZE behind it is ASSERTED: the 1.1 consistency rule sees it
    assert report.errors == 0
    assert [(x.id, x.line) for x in report.kept] == [("implied-stance-modality", 17)]


def test_without_write_nothing_changes(ds: Path, capsys) -> None:
    f = ds / RAW
    data = f.read_bytes()
    rc, out, _ = run(capsys, f, "--stance-modality", "ASSERTED")
    assert rc == 0 and "nothing written (add --write)" in out
    assert f.read_bytes() == data


def test_undecided_stances_are_listed_and_nothing_is_written(ds: Path, tmp_path: Path, capsys) -> None:
    f = ds / RAW
    data = f.read_bytes()
    d = decisions(tmp_path / "d.jsonl", [{"file": str(f), "stance": "t1", "modality": "ASSERTED", "reason": "r"}])
    rc, out, _ = run(capsys, f, "--decisions", d, "--write")
    assert rc == 1
    assert "1 of 2 stance(s) have no modality decision" in out
    assert ":14: stance t2 (e1 AGAINST e4" in out and "t1 (" not in out
    assert f.read_bytes() == data


def test_a_default_fills_what_the_decisions_leave_open(ds: Path, tmp_path: Path, capsys) -> None:
    f = ds / RAW
    d = decisions(tmp_path / "d.jsonl", [{"file": str(f), "stance": "t2", "modality": "HYPOTHETICAL", "reason": "r"}])
    rc, _, _ = run(capsys, f, "--decisions", d, "--stance-modality", "ALLEGED", "--write")
    assert rc == 0
    assert [r["modality"] for r in jsonl.load_records(f) if r["kind"] == "stance"] == ["ALLEGED", "HYPOTHETICAL"]


def test_spaced_json_lines_keep_their_style(ds: Path, capsys) -> None:
    f = ds / RAW
    recs = jsonl.load_records(f)
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    assert run(capsys, f, "--stance-modality", "ASSERTED", "--write")[0] == 0
    lines = f.read_text(encoding="utf-8").splitlines()
    assert all(ln.startswith('{"kind": ') and '"schema_version": "1.1"' in ln for ln in lines)
    assert '"explicit": true, "modality": "ASSERTED"' in lines[12]


def test_a_current_file_is_left_alone(ds: Path, capsys) -> None:
    f = ds / "annotations" / "raw" / "open-question" / "ann-1.jsonl"
    data = f.read_bytes()
    rc, out, _ = run(capsys, f, "--write")
    assert rc == 0 and "already schema version 1.1" in out
    assert f.read_bytes() == data


@pytest.mark.parametrize("row, message", [
    ({"file": "ann-1.jsonl", "stance": "t1", "modality": labels.STANCE_DENIED, "reason": "r"}, "is not a stance modality"),
    ({"file": "ann-1.jsonl", "stance": "t1", "modality": "ASSERTED"}, "needs reason"),
    ({"file": "ann-1.jsonl", "stance": "t1", "modality": "ASSERTED", "reason": "r", "who": "x"}, "unknown field(s) who"),
    ({"file": "other.jsonl", "stance": "t1", "modality": "ASSERTED", "reason": "r"}, "matches none of the files given"),
    ({"file": "ann-1.jsonl", "stance": "t9", "modality": "ASSERTED", "reason": "r"}, "stance(s) t9, which the file does not have"),
])
def test_bad_decisions_are_refused_with_exit_2(ds: Path, tmp_path: Path, capsys, row: dict, message: str) -> None:
    f = ds / RAW
    data = f.read_bytes()
    rc, _, err = run(capsys, f, "--decisions", decisions(tmp_path / "d.jsonl", [row]), "--write")
    assert rc == 2 and message in err and "Traceback" not in err
    assert f.read_bytes() == data


def test_a_decision_given_twice_is_refused(ds: Path, tmp_path: Path, capsys) -> None:
    row = {"file": "ann-1.jsonl", "stance": "t1", "modality": "ASSERTED", "reason": "r"}
    rc, _, err = run(capsys, ds / RAW, "--decisions", decisions(tmp_path / "d.jsonl", [row, row]))
    assert rc == 2 and "is decided again (first on line 1)" in err


def test_a_mixed_file_is_refused(ds: Path, capsys) -> None:
    f = ds / RAW
    lines = f.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b'"1.0"', b'"1.1"')
    f.write_bytes(b"".join(lines))
    rc, _, err = run(capsys, f, "--stance-modality", "ASSERTED")
    assert rc == 2 and "schema versions 1.0, 1.1" in err


def test_an_upgrade_that_would_not_validate_is_not_written(ds: Path, capsys) -> None:
    f = ds / RAW
    f.write_bytes(f.read_bytes().replace(b'"text":"Russia"', b'"text":"Rusia"'))
    data = f.read_bytes()
    rc, out, _ = run(capsys, f, "--stance-modality", "ASSERTED", "--write")
    assert rc == 1 and "would not validate" in out and "span-text-mismatch" in out
    assert f.read_bytes() == data


def test_missing_file_and_bad_flag_are_usage_errors(ds: Path, capsys) -> None:
    assert run(capsys, ds / "nope.jsonl")[0] == 2
    assert run(capsys, ds / RAW, "--stance-modality", "NEGATED")[0] == 2


_value = st.one_of(st.integers(), st.text(max_size=5), st.booleans())


@given(st.lists(st.fixed_dictionaries({"kind": st.sampled_from(["stance", "relation", "mention"]),
                                        "schema_version": st.just("1.0"), "id": st.text(min_size=1, max_size=3)},
                                       optional={"explicit": st.booleans(), "x": _value}), max_size=6),
       st.sampled_from(labels.STANCE_MODALITIES))
def test_upgrade_keeps_every_field_and_adds_only_stance_modality(recs: list[dict], m: str) -> None:
    ids = {r["id"]: m for r in recs if r["kind"] == "stance"}
    up, undecided = upgrade(recs, ids)
    assert undecided == []
    for old, new in zip(recs, up):
        assert {k: v for k, v in new.items() if k not in ("schema_version", "modality")} == \
               {k: v for k, v in old.items() if k != "schema_version"}
        assert new["schema_version"] == labels.CURRENT_VERSION
        assert ("modality" in new) == (old["kind"] == "stance")
