"""Several files written as one: all or nothing, whatever fails and whenever a process dies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geostance.contributing import transaction
from geostance.contributing.transaction import Transaction, TransactionError, recover


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder under root, hidden ones included."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "ds"
    (r / "documents").mkdir(parents=True)
    (r / "documents" / "old.txt").write_bytes(b"old text\n")
    return r


def stage(root: Path) -> Transaction:
    t = Transaction(root, "test change")
    t.put(root / "documents" / "old.txt", b"new text\n")  # replaces a file
    t.put(root / "annotations" / "raw" / "doc" / "a.jsonl", b"{}\n")  # creates two folders and a file
    t.put(root / "documents" / "new.jsonl", b"{}\n")  # creates a file
    return t


AFTER = {
    "annotations": None, "annotations/raw": None, "annotations/raw/doc": None, "annotations/raw/doc/a.jsonl": b"{}\n",
    "documents": None, "documents/new.jsonl": b"{}\n", "documents/old.txt": b"new text\n",
}


def test_commit_writes_everything_and_leaves_no_trace(root: Path) -> None:
    stage(root).commit()
    assert snapshot(root) == AFTER


def count_replaces(root: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    calls = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(1), real(a, b))[1])
    stage(root).commit()
    monkeypatch.setattr(os, "replace", real)
    return len(calls)


def test_a_failing_rename_at_any_step_leaves_the_tree_as_before(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    probe = tmp_path / "probe"
    import shutil

    shutil.copytree(root, probe)
    n = count_replaces(probe, monkeypatch)
    assert n == 4  # the journal, then the three files
    before = snapshot(root)
    real = os.replace
    for fail_at in range(1, n + 1):
        calls = []

        def flaky(a, b, fail_at=fail_at, calls=calls):
            calls.append(1)
            if len(calls) == fail_at:
                raise OSError(28, "No space left on device")
            return real(a, b)

        monkeypatch.setattr(os, "replace", flaky)
        with pytest.raises(OSError):
            stage(root).commit()
        monkeypatch.setattr(os, "replace", real)
        assert snapshot(root) == before, f"failure at rename {fail_at} left changes"


class Killed(BaseException):
    """Stands for SIGKILL: it bypasses the rollback that an ordinary exception triggers."""


def test_a_kill_during_the_renames_is_rolled_back_by_recover(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    real = os.replace
    for kill_at in (2, 3, 4):  # after the journal: while the files are being put in place
        calls = []

        def dying(a, b, kill_at=kill_at, calls=calls):
            calls.append(1)
            if len(calls) == kill_at:
                raise Killed()
            return real(a, b)

        monkeypatch.setattr(os, "replace", dying)
        with pytest.raises(Killed):
            stage(root).commit()
        monkeypatch.setattr(os, "replace", real)
        assert [(d / transaction.JOURNAL).is_file() for d in transaction.staging_dirs(root)] == [True]
        message = recover(root)
        assert message is not None and "rolled back" in message
        assert snapshot(root) == before, f"kill at rename {kill_at}"


def test_a_kill_after_the_commit_point_keeps_the_change(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    def dying(path, *a, **k):
        raise Killed()

    monkeypatch.setattr(shutil, "rmtree", dying)
    with pytest.raises(Killed):
        stage(root).commit()
    monkeypatch.undo()
    assert len(transaction.staging_dirs(root)) == 1
    assert recover(root) is None  # no journal: the change was complete, the leftovers go
    assert snapshot(root) == AFTER


def test_a_real_kill_in_a_subprocess_is_recovered(root: Path) -> None:
    """The process dies (os._exit) in the middle of the renames; the next run rolls back."""
    before = snapshot(root)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from test_transaction import stage
        real = os.replace
        calls = []
        def dying(a, b):
            calls.append(1)
            if len(calls) == 3:
                os._exit(9)
            return real(a, b)
        os.replace = dying
        stage(Path({str(root)!r})).commit()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    assert snapshot(root) != before  # half-done on disk ...
    recover(root)
    assert snapshot(root) == before  # ... and undone


def test_a_second_transaction_waits_for_the_lock_then_refuses_and_changes_nothing(root: Path, hold_lock) -> None:
    from geostance.core import lock

    before = snapshot(root)
    holder = hold_lock(root)
    try:
        with pytest.raises(lock.LockTimeout, match=r"another geostance command is writing .*test-holder.*waited 0.2 s"):
            stage_with_wait(root, 0.2).commit()
        with pytest.raises(lock.LockTimeout):
            recover(root, wait=0)
        assert {k: v for k, v in snapshot(root).items() if k != lock.LOCK_FILE} == before
    finally:
        holder.kill()
        holder.wait()
    stage_with_wait(root, 5).commit()  # the holder is gone: its lock went with it
    assert snapshot(root) == AFTER


def stage_with_wait(root: Path, wait: float) -> Transaction:
    t = stage(root)
    t.wait = wait
    return t


def test_a_journal_whose_owner_still_runs_is_not_rolled_back(root: Path) -> None:
    """Even without the lock (an older geostance), a live run's journal is left alone."""
    import json

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        staging = root / f"{transaction.STAGING_PREFIX}{sleeper.pid}-abcd"
        staging.mkdir()
        who = {"pid": sleeper.pid, "host": transaction.owner()["host"], "started": transaction._start_time(sleeper.pid)}
        (staging / transaction.JOURNAL).write_text(json.dumps({"label": "live", "owner": who, "steps": [], "dirs": []}))
        before = snapshot(root)
        with pytest.raises(TransactionError, match="still running"):
            recover(root)
        assert snapshot(root) == before
    finally:
        sleeper.kill()
        sleeper.wait()
    assert recover(root) is not None  # its owner has ended: now it is rolled back
    assert transaction.staging_dirs(root) == []


def test_each_run_stages_under_its_own_name_and_old_leftovers_do_not_block(root: Path) -> None:
    (root / transaction.LEGACY_STAGING).mkdir()  # the shared folder of earlier versions, left by a crash
    names = {transaction.new_staging_dir(root).name for _ in range(50)}
    assert len(names) == 50 and all(n.startswith(f"{transaction.STAGING_PREFIX}{os.getpid()}-") for n in names)
    assert recover(root) is None
    stage(root).commit()
    assert snapshot(root) == AFTER


def test_paths_outside_the_dataset_are_refused(root: Path, tmp_path: Path) -> None:
    t = Transaction(root, "x")
    with pytest.raises(TransactionError, match="outside"):
        t.put(tmp_path / "elsewhere.txt", b"")
    with pytest.raises(TransactionError, match="outside"):
        t.put(root / ".." / "escape.txt", b"")
