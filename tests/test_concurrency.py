"""Many writers at once on one dataset: each run either writes all its files or changes nothing.

Real ``geostance contribute`` processes, started together on one copy of a
dataset; and a run paused (SIGSTOP) in the middle of its transaction while
another one tries to write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geostance.cli import main
from geostance.contributing import contribute, transaction
from geostance.core import jsonl, lock, paths
from geostance.contract import records
from geostance.validation.validator import validate

FIX = Path(__file__).parent / "fixtures" / "contribute"
TEXT = FIX / "eu-urges-calm.txt"
ALICE = FIX / "alice.jsonl"
DOC = "eu-urges-calm"
META = ["--title", "A test article", "--language", "en",
        "--source-note", "Written for geostance's concurrency tests.", "--text-rights", "Written for geostance's tests.",
        "--annotations-rights", "The test annotations are CC-BY-4.0.", "--annotations-license", "CC-BY-4.0"]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="POSIX processes and signals")


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A dataset with one document, ready for more documents and more annotators."""
    r = tmp_path / "dataset"
    (r / "documents").mkdir(parents=True)
    assert main(["contribute", "--dataset", str(r), "document", str(TEXT), "--doc", DOC, *META]) == 0
    return r


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "geostance", *args]


def document_run(root: Path, tmp: Path, i: int, wait: str) -> tuple[list[str], dict[str, bytes]]:
    """A command adding document ``doc-i`` (a text of its own) and the files it must write, byte for byte."""
    doc = f"doc-{i}"
    text = tmp / f"{doc}.txt"
    text.write_bytes(f"Article number {i}.\n".encode() + TEXT.read_bytes())
    args = ["contribute", "--dataset", str(root), "--wait", wait, "document", str(text), "--doc", doc, *META]
    scratch = tmp / f"plan-{i}"
    (scratch / "documents").mkdir(parents=True)
    plan = contribute.plan_document(scratch, doc, text.read_bytes(), str(text), {
        "title": "A test article", "language": "en", "source_note": "Written for geostance's concurrency tests.",
        "text_rights": "Written for geostance's tests.", "annotations_rights": "The test annotations are CC-BY-4.0.",
        "annotations_license": "CC-BY-4.0"})
    return cli(*args), {p.relative_to(scratch).as_posix(): data for p, data in plan.writes}


def annotation_run(root: Path, i: int, wait: str) -> tuple[list[str], dict[str, bytes]]:
    """A command adding annotator ``ann-i``'s file to the first document, and the file it must write."""
    annotator = f"ann-{i}"
    args = ["contribute", "--dataset", str(root), "annotations", str(ALICE), "--doc", DOC, "--annotator", annotator, "--wait", wait]
    rel = paths.raw_path(Path("."), DOC, annotator).as_posix()
    return cli(*args), {rel: records.to_bytes(jsonl.load_records(ALICE))}


def test_dozens_of_writers_at_once_each_write_all_their_files_or_nothing(root: Path, tmp_path: Path) -> None:
    runs = []
    for i in range(32):
        wait = "0" if i % 2 else "600"  # half give up at once when another holds the lock, half wait their turn
        runs.append(document_run(root, tmp_path, i, wait) if i % 4 < 3 else annotation_run(root, i, wait))
    before = snapshot(root)
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for cmd, _ in runs]
    results = [(p, *p.communicate(timeout=900)) for p in procs]

    expected = dict(before)
    ok = 0
    for i, ((cmd, files), (proc, out, err)) in enumerate(zip(runs, results)):
        assert "Traceback" not in err, err
        if proc.returncode == 0:
            ok += 1
            for rel, data in files.items():
                assert (root / rel).read_bytes() == data, f"run {i} exited 0, {rel} differs"
                expected[rel] = data
                for parent in Path(rel).parents:
                    if parent != Path("."):
                        expected[parent.as_posix()] = None
        else:
            assert proc.returncode == 1, (i, proc.returncode, err)
            assert "another geostance command is writing to this dataset" in err and "nothing was changed" in err, err
            assert cmd[cmd.index("--wait") + 1] == "0", f"run {i} waited and still failed: {err}"
            for rel in files:
                assert not (root / rel).exists(), f"run {i} exited 1 and left {rel}"
    assert ok >= 16  # every run that waits gets its turn
    assert snapshot(root) == expected  # nothing but the files of the runs that succeeded; no staging, no lock file
    report = validate([root])
    assert report.errors == 0, report.render_text()
    assert transaction.staging_dirs(root) == [] and not (root / lock.LOCK_FILE).exists()


PAUSING = textwrap.dedent("""
    import os, signal, sys
    from geostance.contributing import transaction
    real = transaction.Transaction._prepare
    def prepare(self, staging):
        journal = real(self, staging)   # every file staged, the journal written: the renames come next
        os.kill(os.getpid(), signal.SIGSTOP)
        return journal
    transaction.Transaction._prepare = prepare
    from geostance.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def start_paused(cmd: list[str]) -> subprocess.Popen:
    """Start ``geostance ...`` (``cmd`` without the interpreter) and return once it has stopped itself
    in the middle of its transaction, holding the dataset's lock."""
    proc = subprocess.Popen([sys.executable, "-c", PAUSING, *cmd[3:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the run ended instead of pausing"
    return proc


def test_a_paused_writer_keeps_the_lock_the_other_waits_then_refuses_and_nothing_is_lost(root: Path, tmp_path: Path) -> None:
    cmd_a, files_a = document_run(root, tmp_path, 1, "5")
    cmd_b, files_b = document_run(root, tmp_path, 2, "1")
    a = start_paused(cmd_a)
    try:
        staged = transaction.staging_dirs(root)
        assert len(staged) == 1 and (staged[0] / transaction.JOURNAL).is_file()
        during = snapshot(root)
        b = subprocess.run(cmd_b, capture_output=True, text=True)
        assert b.returncode == 1, b.stderr
        assert f"pid {a.pid}" in b.stderr and "waited 1 s" in b.stderr and "nothing was changed" in b.stderr
        assert "Traceback" not in b.stderr
        rec = subprocess.run(cli("contribute", "--dataset", str(root), "recover", "--wait", "0"), capture_output=True, text=True)
        assert rec.returncode == 1 and "another geostance command is writing" in rec.stderr  # never rolls back a live run
        assert snapshot(root) == during  # neither touched the paused run's staging or the dataset
    finally:
        os.kill(a.pid, signal.SIGCONT)
    out, err = a.communicate(timeout=120)
    assert a.returncode == 0, err
    assert f"added document 'doc-1'" in out
    for rel, data in files_a.items():
        assert (root / rel).read_bytes() == data
    for rel in files_b:
        assert not (root / rel).exists()
    b = subprocess.run(cmd_b, capture_output=True, text=True)
    assert b.returncode == 0, b.stderr
    for rel, data in {**files_a, **files_b}.items():
        assert (root / rel).read_bytes() == data
    assert validate([root]).errors == 0
    assert transaction.staging_dirs(root) == [] and not (root / lock.LOCK_FILE).exists()


def test_a_writer_killed_while_paused_is_rolled_back_by_the_next_one(root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    cmd_a, files_a = document_run(root, tmp_path, 1, "5")
    cmd_b, files_b = document_run(root, tmp_path, 2, "30")
    a = start_paused(cmd_a)
    b = subprocess.Popen(cmd_b, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # waits for the lock
    os.kill(a.pid, signal.SIGKILL)
    a.communicate(timeout=60)
    out, err = b.communicate(timeout=120)
    assert b.returncode == 0, err
    assert "rolled back an interrupted change (contribute document doc-1)" in out
    after = snapshot(root)
    for rel in files_a:
        assert rel not in after
    assert {k: v for k, v in after.items() if k not in files_b} == before
    for rel, data in files_b.items():
        assert after[rel] == data
    assert validate([root]).errors == 0


WRITERS = {
    "contribute annotations": ["contribute", "annotations", str(ALICE), "--doc", DOC, "--annotator", "alice"],
    "contribute recover": ["contribute", "recover"],
    "adjudicate --apply": ["adjudicate", DOC, "--apply", str(ALICE)],
    "rehydrate": ["rehydrate", DOC, "--text", str(TEXT)],
    "migrate --write": ["migrate", "{root}/documents/" + DOC + ".jsonl", "--stance-modality", "ASSERTED", "--write"],
    "build": ["build"],
    "baselines": ["baselines", "--resamples", "0", "--paired-resamples", "1"],
    "leaderboard add": ["leaderboard", "add", "stance_classification", str(ALICE), "--system", "x", "--version", "1",
                        "--description", "d", "--protocol", "pair", "--leaderboard", "{root}/../lb"],
}


@pytest.mark.parametrize("verb", sorted(WRITERS))
def test_every_writing_verb_waits_for_the_lock_then_refuses_and_changes_nothing(
        verb: str, root: Path, capsys: pytest.CaptureFixture[str], hold_lock) -> None:
    before = snapshot(root)
    args = [a.replace("{root}", str(root)) for a in WRITERS[verb]]
    holder = hold_lock(root)
    try:
        capsys.readouterr()
        status = main([*args, "--dataset", str(root), "--wait", "0.3"])
        err = capsys.readouterr().err
        assert status == 1, err
        assert "another geostance command is writing to this dataset (pid" in err and "test-holder" in err
        assert "waited 0.3 s" in err and "nothing was changed" in err and "--wait SECONDS" in err
        assert {k: v for k, v in snapshot(root).items() if k != lock.LOCK_FILE} == before
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("bad", ["-1", "soon", "inf", "nan"])
def test_wait_takes_a_number_of_seconds(bad: str, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contribute", "--dataset", str(root), "recover", "--wait", bad]) == 2
    assert "--wait" in capsys.readouterr().err
