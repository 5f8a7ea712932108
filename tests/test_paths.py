"""One check for every id and path a verb accepts (geostance.core.paths): hostile ids are refused
with a clear message before any path is built, and nothing is written outside the dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geostance.cli import main
from geostance.core import paths
from geostance.hf import rehydrate as R

FIXTURE = Path(__file__).parent / "fixtures" / "build"
DOC = "fixture-beta"
CONTRIB = Path(__file__).parent / "fixtures" / "contribute"

HOSTILE = ["../../outside/evil", "a/b", "a\\b", "..", ".", "...", "con", "NUL", "nul.txt", "com1", "lpt9",
           "a\x00b", "a\nb", "a\x7fb", " a", "a.", "c:x", "", "x" * 300]


def tree(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("what", ["document", "annotator", "system"])
def test_the_one_check_refuses_separators_traversal_reserved_names_and_control_characters(value: str, what: str) -> None:
    problem = paths.id_problem(value, what)
    assert problem is not None and problem.startswith(f"{what} id {value!r} is ")
    with pytest.raises(paths.UnsafeName, match="is (not safe|reserved)"):
        paths.check_id(value, what)


@pytest.mark.parametrize("value,what", [("kyiv-talks", "document"), ("alice", "annotator"), ("llm_3-b", "annotator"),
                                        ("my-llm.v2", "system"), ("a1", "document")])
def test_ordinary_ids_pass(value: str, what: str) -> None:
    assert paths.id_problem(value, what) is None and paths.check_id(value, what) == value


def test_names_say_what_is_wrong() -> None:
    assert "path separator" in paths.id_problem("../../outside/evil", "document")
    assert "device name on Windows" in paths.id_problem("con", "document")
    assert "control character (U+0000)" in paths.id_problem("a\x00b", "annotator")
    assert paths.id_problem("gold", "annotator") == "annotator id 'gold' is reserved"


def test_inside_follows_links_and_dots(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    (root / "documents").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "documents" / "link").symlink_to(tmp_path / "outside")
    assert paths.inside(root, root / "documents" / "a.txt") == root / "documents" / "a.txt"
    for bad in (root / "documents" / ".." / ".." / "outside" / "evil.txt", root / "documents" / "link" / "x.txt", tmp_path / "x"):
        with pytest.raises(paths.UnsafeName, match="lies outside the dataset folder"):
            paths.inside(root, bad)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The issue's case: a dataset D, and a document record at D/documents/../../outside/evil.jsonl
    whose sha256 matches the copy given with --text."""
    root = tmp_path / "D"
    shutil.copytree(FIXTURE, root)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(FIXTURE / "documents" / f"{DOC}.jsonl", outside / "evil.jsonl")
    copy = tmp_path / "copy.txt"
    shutil.copy(FIXTURE / "documents" / f"{DOC}.txt", copy)
    return root, outside, copy


def test_rehydrate_refuses_an_id_that_leaves_the_dataset_and_writes_nothing(
        hostile: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, outside, copy = hostile
    assert (root / "documents" / "../../outside/evil.jsonl").resolve() == (outside / "evil.jsonl").resolve()
    before, before_out = tree(root), tree(outside)
    status = main(["rehydrate", "../../outside/evil", "--text", str(copy), "--dataset", str(root)])
    err = capsys.readouterr().err
    assert status == 2
    assert "document id '../../outside/evil' is not safe: it contains '/' (a path separator)" in err
    assert "nothing written" in err and "Traceback" not in err
    assert tree(root) == before and tree(outside) == before_out  # no evil.txt anywhere
    with pytest.raises(R.RehydrateError, match="is not safe"):  # the library function checks too
        R.rehydrate(root, "../../outside/evil", copy)
    assert tree(outside) == before_out


def test_rehydrate_refuses_a_link_that_leads_out_of_the_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "stripped"
    R.strip_text(FIXTURE, root, [DOC])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.txt").write_bytes(b"not the text\n")
    (root / "documents" / f"{DOC}.txt").symlink_to(outside / "target.txt")
    before = tree(outside)
    status = main(["rehydrate", DOC, "--text", str(FIXTURE / "documents" / f"{DOC}.txt"), "--dataset", str(root)])
    err = capsys.readouterr().err
    assert status == 1 and "lies outside the dataset folder" in err and "nothing written" in err
    assert tree(outside) == before


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    shutil.copytree(FIXTURE, root)
    return root


def verb_calls(root: Path, tmp: Path, bad: str) -> dict[str, list[str]]:
    ann = str(CONTRIB / "alice.jsonl")
    preds = tmp / "p.jsonl"  # written by the test (this function builds argument lists only)
    d = ["--dataset", str(root)]
    return {
        "contribute annotations --doc": ["contribute", *d, "annotations", ann, "--doc", bad, "--annotator", "alice"],
        "contribute annotations --annotator": ["contribute", *d, "annotations", ann, "--doc", DOC, "--annotator", bad],
        "contribute document --doc": ["contribute", *d, "document", str(CONTRIB / "eu-urges-calm.txt"), "--doc", bad,
                                      "--title", "t", "--language", "en", "--source-note", "n", "--text-rights", "r"],
        "adjudicate DOC": ["adjudicate", bad, "--worksheet", str(tmp / "w.jsonl"), *d],
        "adjudicate --annotators": ["adjudicate", DOC, "--annotators", f"alice,{bad}", "--worksheet", str(tmp / "w.jsonl"), *d],
        "agree DOC": ["agree", bad, *d],
        "view DOC": ["view", bad, "--out", str(tmp / "v.html"), *d],
        "rehydrate DOC": ["rehydrate", bad, "--text", ann, *d],
        "export --doc": ["export", "brat", ann, "--doc", bad, "--out", str(tmp / "exp"), *d],
        "import --doc": ["import", "labelstudio", str(tmp / "ls.json"), "--doc", bad, "--out", str(tmp / "imp.jsonl"), *d],
        "leaderboard add --system": ["leaderboard", "add", "stance_classification", str(preds), "--system", bad,
                                     "--version", "1", "--description", "d", "--protocol", "pair", *d],
    }


VERBS = sorted(verb_calls(Path("."), Path("."), "x"))


@pytest.mark.parametrize("bad", ["../../outside/evil", "..", "con", "a\x00b"])
@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_refuses_a_hostile_id_before_building_a_path(
        verb: str, bad: str, dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ls.json").write_text("[]")
    (tmp_path / "p.jsonl").write_text('{"id": "x", "label": "NEUTRAL"}\n')
    before = tree(dataset)
    args = verb_calls(dataset, tmp_path, bad)[verb]
    if verb == "leaderboard add --system":
        args += ["--leaderboard", str(tmp_path / "lb")]
    status = main(args)
    err = capsys.readouterr().err
    assert status in (1, 2), err
    assert "not safe" in err or "reserved" in err, err
    assert "Traceback" not in err
    assert tree(dataset) == before
    assert not (tmp_path / "outside").exists()
