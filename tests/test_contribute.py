"""``geostance contribute``: validated, idempotent, never overwrites silently, all or nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from geostance.contributing import contribute
from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.cli import main
from geostance.validation.validator import validate

FIX = Path(__file__).parent / "fixtures" / "contribute"
TEXT = FIX / "eu-urges-calm.txt"
ALICE = FIX / "alice.jsonl"
BOB = FIX / "bob.jsonl"
INVALID = FIX / "invalid.jsonl"
DOC = "eu-urges-calm"
DOC_ARGS = ["--doc", DOC, "--title", "EU Urges Calm Over Ukraine", "--language", "en",
            "--source-note", "A short article written for geostance's tests.",
            "--text-rights", "Written for geostance's tests.",
            "--annotations-rights", "The test annotations are CC-BY-4.0.", "--annotations-license", "CC-BY-4.0"]


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "dataset"
    (r / "documents").mkdir(parents=True)
    return r


def run(root: Path, *args: str) -> int:
    return main(["contribute", "--dataset", str(root), *args])


@pytest.fixture
def with_doc(root: Path) -> Path:
    assert run(root, "document", str(TEXT), *DOC_ARGS) == 0
    return root


def test_new_document_with_its_first_annotations(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(root, "document", str(TEXT), *DOC_ARGS, "--annotations", str(ALICE), "--annotator", "alice") == 0
    out = capsys.readouterr().out
    text = TEXT.read_bytes()
    assert paths.text_path(root, DOC).read_bytes() == text  # byte for byte
    rec = jsonl.load_records(paths.document_record_path(root, DOC))[0]
    assert rec["sha256"] == hashlib.sha256(text).hexdigest()
    assert rec["num_chars"] == len(text.decode("utf-8"))
    assert rec["source"] == {"publisher": None, "url": None, "date": None, "note": "A short article written for geostance's tests."}
    assert paths.raw_path(root, DOC, "alice").read_bytes() == records.to_bytes(jsonl.load_records(ALICE))
    report = validate([root])
    assert report.errors == 0 and report.warnings == 0
    assert "added document 'eu-urges-calm'" in out and "added" in out and "alice.jsonl" in out
    assert "add a second annotator" in out  # one annotator: the next step is a second one


def test_second_annotator_then_next_steps_name_agree_and_adjudicate(with_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 0
    assert run(with_doc, "annotations", str(BOB), "--doc", DOC, "--annotator", "bob") == 0
    out = capsys.readouterr().out
    assert f"geostance agree {DOC}" in out
    assert f"geostance adjudicate {DOC} --worksheet" in out and f"geostance adjudicate {DOC} --apply" in out
    assert paths.annotators(with_doc, DOC) == ["alice", "bob"]


def test_the_same_contribution_twice_changes_nothing_and_says_so(with_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 0
    before = snapshot(with_doc)
    capsys.readouterr()
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 0
    assert "unchanged" in capsys.readouterr().out
    assert snapshot(with_doc) == before
    # the document too
    assert run(with_doc, "document", str(TEXT), *DOC_ARGS) == 0
    assert "unchanged" in capsys.readouterr().out
    assert snapshot(with_doc) == before


def test_a_file_stored_in_another_layout_is_left_alone(with_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    target = paths.raw_path(with_doc, DOC, "alice")
    target.parent.mkdir(parents=True)
    spaced = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in jsonl.load_records(ALICE)).encode("utf-8")
    target.write_bytes(spaced)  # as a maintainer may have committed it
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 0
    assert "unchanged" in capsys.readouterr().out
    assert target.read_bytes() == spaced


def test_formatting_does_not_matter_records_do(with_doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    spaced = tmp_path / "spaced.jsonl"
    spaced.write_text("".join(json.dumps(r) + "\n" for r in jsonl.load_records(ALICE)), encoding="utf-8")
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 0
    capsys.readouterr()
    assert run(with_doc, "annotations", str(spaced), "--doc", DOC, "--annotator", "alice") == 0
    assert "unchanged" in capsys.readouterr().out


def test_an_invalid_file_is_refused_with_the_validators_findings(with_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(with_doc)
    assert run(with_doc, "annotations", str(INVALID), "--doc", DOC, "--annotator", "alice") == 1
    err = capsys.readouterr().err
    assert f"{INVALID}:7: [" in err and "span-text-mismatch" in err  # m3's surface text
    assert f"{INVALID}:23: [" in err and "dangling-reference" in err and "m99" in err  # r2's tail
    assert "nothing was written" in err
    assert snapshot(with_doc) == before


def test_a_new_document_with_invalid_annotations_adds_nothing(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(root)
    assert run(root, "document", str(TEXT), *DOC_ARGS, "--annotations", str(INVALID), "--annotator", "alice") == 1
    assert "span-text-mismatch" in capsys.readouterr().err
    assert snapshot(root) == before


def test_raw_files_may_not_carry_provenance(with_doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = jsonl.load_records(ALICE)
    recs[0]["provenance"] = {"annotators": ["alice"]}
    p = tmp_path / "prov.jsonl"
    p.write_bytes(records.to_bytes(recs))
    assert run(with_doc, "annotations", str(p), "--doc", DOC, "--annotator", "alice") == 1
    assert "provenance belongs to gold records only" in capsys.readouterr().err


def test_an_annotators_file_is_replaced_only_with_replace_and_the_old_one_is_kept(with_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(with_doc, "annotations", str(BOB), "--doc", DOC, "--annotator", "bob") == 0
    old = paths.raw_path(with_doc, DOC, "bob").read_bytes()
    before = snapshot(with_doc)
    capsys.readouterr()
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "bob") == 1
    err = capsys.readouterr().err
    assert "exists and differs" in err and "--replace" in err
    assert "stance: 1 changed (t1: source)" in err  # the differences are shown before anything is replaced
    assert snapshot(with_doc) == before

    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "bob", "--replace") == 0
    out = capsys.readouterr().out
    kept = paths.raw_dir(with_doc, DOC) / ".history" / f"bob.{hashlib.sha256(old).hexdigest()[:8]}.jsonl.bak"
    assert kept.read_bytes() == old  # nothing is lost
    assert paths.raw_path(with_doc, DOC, "bob").read_bytes() == records.to_bytes(jsonl.load_records(ALICE))
    assert "previous version is kept" in out and "stance: 1 changed (t1: source)" in out
    assert "relation: 1 removed (r4)" in out and "entity: 1 removed (e6)" in out
    # the kept version is invisible to the dataset's readers
    assert paths.annotators(with_doc, DOC) == ["bob"]
    report = validate([with_doc])
    assert report.errors == 0 and report.files == 2  # the document and bob.jsonl, not the .bak


def test_diff_records_by_layer() -> None:
    old = jsonl.load_records(BOB)
    new = jsonl.load_records(ALICE)
    diff = contribute.diff_records(old, new)
    assert diff[0].startswith("mention: 1 added (m10), 5 changed (m5: end, form, start, text;")
    assert contribute.diff_records(new, new) == []


@pytest.mark.parametrize("doc_id", ["../gold", "a/b", "a\\b", "China", "x.y", "", "-x", "x--y", "con", "a" * 65])
def test_unsafe_document_ids_are_refused(root: Path, doc_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [f"--doc={doc_id}"] + list(DOC_ARGS[2:])  # --doc=VALUE: a value may start with '-'
    assert run(root, "document", str(TEXT), *args) == 2
    assert "document id" in capsys.readouterr().err
    assert snapshot(root) == {"documents": None}


@pytest.mark.parametrize("annotator", ["gold", "../alice", "a/b", "Alice", "1st", "nul", "com1", "x.y", "", "a" * 41])
def test_unsafe_or_reserved_annotator_ids_are_refused(with_doc: Path, annotator: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(with_doc)
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, f"--annotator={annotator}") == 2
    assert "annotator id" in capsys.readouterr().err
    assert snapshot(with_doc) == before


def test_a_document_is_never_replaced(with_doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(with_doc)
    changed = tmp_path / "changed.txt"
    changed.write_bytes(TEXT.read_bytes().replace(b"Monday", b"Sunday"))
    assert run(with_doc, "document", str(changed), *DOC_ARGS) == 1
    assert "never replaces a document" in capsys.readouterr().err
    args = list(DOC_ARGS)
    args[3] = "Another title"
    assert run(with_doc, "document", str(TEXT), *args) == 1
    assert snapshot(with_doc) == before


def test_annotations_for_an_unknown_document_are_refused(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(root, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 1
    assert "has no document 'eu-urges-calm'" in capsys.readouterr().err


@pytest.mark.parametrize("data,message", [(b"\xef\xbb\xbfHello.\n", "byte-order mark"), (b"Caf\xe9.\n", "not valid UTF-8"), (b" \n", "empty")])
def test_the_text_must_be_utf8_without_bom(root: Path, tmp_path: Path, data: bytes, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "t.txt"
    p.write_bytes(data)
    assert run(root, "document", str(p), *DOC_ARGS) == 1
    assert message in capsys.readouterr().err
    assert snapshot(root) == {"documents": None}


def test_missing_input_file_is_a_usage_error(with_doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(with_doc, "annotations", str(tmp_path / "nope.jsonl"), "--doc", DOC, "--annotator", "alice") == 2
    assert "no such file" in capsys.readouterr().err


def test_annotation_licence_defaults_to_the_one_the_dataset_shares(root: Path) -> None:
    assert run(root, "document", str(TEXT), *DOC_ARGS) == 0
    other = list(DOC_ARGS[:-4])
    other[1] = "eu-urges-calm-again"
    assert run(root, "document", str(TEXT), *other) == 0
    rec = jsonl.load_records(paths.document_record_path(root, "eu-urges-calm-again"))[0]
    assert rec["rights"]["annotations_license"] == "CC-BY-4.0"
    assert rec["rights"]["annotations"] == "The test annotations are CC-BY-4.0."


# ---------------------------------------------------------------- all or nothing


def plan_new_document(root: Path) -> contribute.Plan:
    meta = {"title": "EU Urges Calm Over Ukraine", "language": "en", "source_note": "test", "text_rights": "test",
            "annotations_rights": "test", "annotations_license": "CC-BY-4.0"}
    return contribute.plan_document(root, DOC, TEXT.read_bytes(), str(TEXT), meta, ("alice", ALICE.read_bytes(), str(ALICE)))


def test_a_failure_between_any_two_steps_leaves_the_dataset_as_before(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_new_document(root)
    assert [p.name for p, _ in plan.writes] == [f"{DOC}.txt", f"{DOC}.jsonl", "alice.jsonl"]  # text first: invisible until the record lands
    before = snapshot(root)
    real = os.replace
    n_steps = len(plan.writes) + 1  # the journal, then each file
    for fail_at in range(1, n_steps + 1):
        calls: list[int] = []

        def flaky(a, b, calls=calls, fail_at=fail_at):
            calls.append(1)
            if len(calls) == fail_at:
                raise OSError(5, "Input/output error")
            return real(a, b)

        monkeypatch.setattr(os, "replace", flaky)
        assert run(root, "document", str(TEXT), *DOC_ARGS, "--annotations", str(ALICE), "--annotator", "alice") == 1
        monkeypatch.setattr(os, "replace", real)
        assert snapshot(root) == before, f"a failure at step {fail_at} left changes"
    assert run(root, "document", str(TEXT), *DOC_ARGS, "--annotations", str(ALICE), "--annotator", "alice") == 0
    assert len(snapshot(root)) == len(before) + 6  # 3 files, annotations/, raw/, raw/eu-urges-calm/


def test_a_kill_half_way_is_rolled_back_by_the_next_contribute(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class Killed(BaseException):
        pass

    before = snapshot(root)
    real = os.replace
    calls: list[int] = []

    def dying(a, b):
        calls.append(1)
        if len(calls) == 3:  # journal, text ... then the process dies before the record lands
            raise Killed()
        return real(a, b)

    monkeypatch.setattr(os, "replace", dying)
    with pytest.raises(Killed):
        contribute.apply(root, plan_new_document(root))
    monkeypatch.setattr(os, "replace", real)
    assert snapshot(root) != before
    assert run(root, "recover") == 0
    assert "rolled back" in capsys.readouterr().out
    assert snapshot(root) == before


# ---------------------------------------------------------------- contributor habits: pre-commit, CI, citation

REPO = Path(__file__).parent.parent


def yaml_file(name: str) -> dict:
    import yaml

    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def test_pre_commit_validates_exactly_the_data_files(with_doc: Path) -> None:
    import re
    import shlex
    import subprocess
    import sys

    hooks = {h["id"]: h for r in yaml_file(".pre-commit-config.yaml")["repos"] for h in r["hooks"]}
    files = re.compile(hooks["geostance-validate"]["files"])
    for path in ("dataset/annotations/raw/china-backs-russia/llm-1.jsonl", "dataset/annotations/gold/china-backs-russia.jsonl",
                 "dataset/documents/china-backs-russia.jsonl"):
        assert files.search(path), path
    for path in ("dataset/annotations/raw/x/.history/alice.1234abcd.jsonl.bak", "dataset/adjudication/x.jsonl",
                 "dataset/documents/x.txt", "tests/fixtures/valid/documents/rivals.jsonl", "dataset/data/mentions/test.parquet"):
        assert not files.search(path), path
    assert re.compile(hooks["geostance-validate-texts"]["files"]).search("dataset/documents/x.txt")
    # the hook's command, as pre-commit runs it (the file names appended), passes a good file and stops a bad one
    entry = shlex.split(hooks["geostance-validate"]["entry"])
    assert entry == ["geostance", "validate"]
    exe = [sys.executable, "-m", "geostance", *entry[1:]]
    assert run(with_doc, "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice") == 0
    good = paths.raw_path(with_doc, DOC, "alice")
    assert subprocess.run(exe + [str(good), str(paths.document_record_path(with_doc, DOC))], capture_output=True).returncode == 0
    bad = paths.raw_dir(with_doc, DOC) / "bad.jsonl"
    bad.write_bytes(INVALID.read_bytes())
    proc = subprocess.run(exe + [str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1 and "span-text-mismatch" in proc.stdout


def test_ci_runs_validation_the_build_check_and_the_tests_on_pull_requests() -> None:
    wf = yaml_file(".github/workflows/ci.yml")
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key 'on' as True
    assert "pull_request" in triggers
    (job,) = wf["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    assert any(r.endswith("geostance validate") for r in runs)
    assert any(r.endswith("geostance build --check") for r in runs)
    assert any(r.endswith("python -m pytest") for r in runs)
    assert any("apt-get install" in r and "chromium" in r for r in runs)
    assert job["env"]["HF_HUB_OFFLINE"] == "1"


def test_citation_and_changelog_follow_the_package_version() -> None:
    import re

    from geostance import __version__

    assert yaml_file("CITATION.cff")["version"] == __version__
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib is 3.11+; the package supports 3.10)
    assert re.search(r'(?m)^version = "([^"]+)"', pyproject) is None  # defined once, in geostance/__init__.py
    assert 'version = { attr = "geostance.core.version.__version__" }' in pyproject
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog or f"## [{__version__}]" in changelog
