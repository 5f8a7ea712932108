"""Several files changed as one: all of them, or none.

:mod:`geostance.core.atomic` makes one file's replacement atomic. A contribution
changes several files at once (a new document is its text, its record and
an annotator's file; an adjudication is the gold file and its log), and
a process killed between two renames must not leave half of them. A
:class:`Transaction` stages every new file first, then records a journal,
then renames, then removes the journal:

1. **prepare**: in a staging folder of this run,
   ``<root>/.geostance-staging-<pid>-<random>/`` (hidden: no reader of the
   dataset looks at it; unique, so two runs never share a staged name),
   write every new file in full and fsync it, and hard-link (or copy) every
   file that will be replaced;
2. **journal**: write ``journal.json`` (atomically) listing each step: the
   destination, the staged new file, the saved old one, and the folders to
   create, and its owner (pid, host, process start time);
3. **apply**: create the folders, then ``os.replace`` each staged file onto
   its destination;
4. **commit**: delete the journal; then remove the staging folder.

A failure (an exception) in steps 1-2 removes the staging folder: the
dataset was never touched. A failure in step 3 rolls back at once: every
replaced file gets its old bytes back, every created file and folder is
removed. A process *killed* during step 3 leaves the journal behind;
:func:`recover` (which every writing command runs before it starts, and
``geostance contribute recover`` runs on demand) rolls back the same way.
Once the journal is gone the change is complete, whatever remains in the
staging folder is leftovers that :func:`recover` deletes.

Concurrency: a transaction commits only while holding the dataset's lock
(:mod:`geostance.core.lock`; taken for the commit if the command does not
hold it already, as the writing verbs do for their whole run), and
:func:`recover` runs only while holding it too. A live transaction holds
the lock, so whatever journal :func:`recover` finds belongs to a run that
has ended: a live run's change is never rolled back. As a second guard,
:func:`recover` refuses a journal whose owner is still running on this
machine.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> t = Transaction(root, "example")
>>> t.put(root / "a" / "x.txt", b"one")
>>> t.put(root / "y.txt", b"two")
>>> t.commit()
>>> sorted(str(p.relative_to(root)) for p in root.rglob("*"))
['a', 'a/x.txt', 'y.txt']
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from geostance.core import atomic, lock

STAGING_PREFIX = ".geostance-staging-"
LEGACY_STAGING = ".geostance-transaction"  # the one shared staging folder of earlier versions
JOURNAL = "journal.json"


class TransactionError(Exception):
    """A transaction could not start or complete; the message says what to do."""


@dataclass
class _Step:
    path: Path
    data: bytes


def new_staging_dir(root: Path) -> Path:
    """A staging folder name no other run uses: ``.geostance-staging-<pid>-<random>``."""
    return root / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"


def staging_dirs(root: Path) -> list[Path]:
    """The staging folders under ``root`` (left by runs that ended, unless one is committing now)."""
    try:
        found = [p for p in root.iterdir() if p.is_dir() and (p.name.startswith(STAGING_PREFIX) or p.name == LEGACY_STAGING)]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name)


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot, from /proc), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def owner() -> dict:
    """Who writes a journal: pid, host and process start time (a pid can be reused; the pair cannot)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": _start_time(os.getpid())}


def owner_alive(who: object) -> bool:
    """Whether the process that wrote a journal is still running (on this machine; unknown owners are dead)."""
    if not isinstance(who, dict) or who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int):
        return False
    pid = who["pid"]
    if pid == os.getpid():
        return False  # our own leftovers: this process is not in a transaction while it recovers
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        pass
    started = _start_time(pid)
    return started is None or who.get("started") is None or started == who.get("started")


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _rollback(root: Path, staging: Path, journal: dict) -> None:
    """Undo the steps of ``journal`` (whichever of them were applied)."""
    for step in reversed(journal["steps"]):
        dest = root / step["path"]
        new = staging / step["new"]
        if step["old"] is not None:
            old = staging / step["old"]
            if old.exists():
                os.replace(old, dest)  # the old bytes, whether or not the new ones were put in place
        elif not new.exists():  # moved into place: the file is ours, remove it
            with contextlib.suppress(FileNotFoundError):
                os.unlink(dest)
    for d in reversed(journal["dirs"]):
        with contextlib.suppress(OSError):  # only if empty: never remove anything else
            (root / d).rmdir()


def recover(root: Path, wait: float = lock.DEFAULT_WAIT) -> str | None:
    """Roll back an interrupted transaction under ``root``, if there is one.

    Runs while holding the dataset's lock (waiting up to ``wait`` seconds for
    it, :class:`geostance.core.lock.LockTimeout` after that), so the journal it
    finds is never that of a live run. Returns a sentence saying what was
    undone, or ``None`` when there was nothing to do (a staging folder without
    a journal is removed silently: either nothing had been touched yet or the
    change was complete).
    """
    root = Path(root)
    with lock.dataset_lock(root, wait, "geostance (recovering an interrupted change)"):
        messages = []
        # newest first: undo in the reverse order of the changes
        for staging in sorted(staging_dirs(root), key=lambda p: p.stat().st_mtime_ns, reverse=True):
            jpath = staging / JOURNAL
            if jpath.is_file():
                try:
                    journal = json.loads(jpath.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise TransactionError(
                        f"{jpath}: the journal of an interrupted change cannot be read ({exc}); "
                        f"inspect {staging} by hand, then remove it"
                    ) from exc
                who = journal.get("owner")
                if owner_alive(who):
                    raise TransactionError(
                        f"{jpath}: the change {journal.get('label', '?')!r} belongs to process {who['pid']}, which is still "
                        "running without holding the dataset's lock (an older geostance?); let it finish, then run "
                        "'geostance contribute recover'")
                _rollback(root, staging, journal)
                messages.append(f"rolled back an interrupted change ({journal.get('label', '?')}): "
                                "the dataset is as it was before it")
            shutil.rmtree(staging)
        atomic.fsync_dir(root)
    return "; ".join(messages) or None


class Transaction:
    """Stage files with :meth:`put`, then :meth:`commit` them all at once.

    Paths must lie under ``root`` (the dataset folder). :meth:`commit` holds
    the dataset's lock (waiting up to ``wait`` seconds for it) unless this
    process holds it already.
    """

    def __init__(self, root: Path, label: str, wait: float = lock.DEFAULT_WAIT) -> None:
        self.root = Path(root)
        self.label = label
        self.wait = wait
        self.steps: list[_Step] = []

    def put(self, path: Path, data: bytes) -> None:
        try:
            rel = Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            raise TransactionError(f"{path} lies outside the dataset folder {self.root}") from None
        path = self.root / rel
        if any(s.path == path for s in self.steps):
            raise TransactionError(f"{path} is written twice in one change")
        self.steps.append(_Step(path, data))

    def __len__(self) -> int:
        return len(self.steps)

    def commit(self) -> None:
        if not self.steps:
            return
        if not self.root.is_dir():
            raise TransactionError(f"the dataset folder {self.root} does not exist")
        with lock.dataset_lock(self.root, self.wait, f"geostance ({self.label})"):
            self._commit()

    def _commit(self) -> None:
        root = self.root
        staging = new_staging_dir(root)
        try:
            staging.mkdir(parents=False)
        except FileNotFoundError:
            raise TransactionError(f"the dataset folder {root} does not exist") from None
        try:
            journal = self._prepare(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            for d in journal["dirs"]:
                (root / d).mkdir()
            for step in journal["steps"]:
                os.replace(staging / step["new"], root / step["path"])
            for folder in sorted({(root / s["path"]).parent for s in journal["steps"]}):
                atomic.fsync_dir(folder)
            os.unlink(staging / JOURNAL)  # the commit point
        except Exception:
            _rollback(root, staging, journal)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)

    def _prepare(self, staging: Path) -> dict:
        root = self.root
        steps = []
        dirs: list[str] = []
        for i, step in enumerate(self.steps):
            new = staging / f"{i}.new"
            new.write_bytes(step.data)
            _fsync_file(new)
            old_name = None
            if step.path.exists():
                if not step.path.is_file():
                    raise TransactionError(f"{step.path} exists and is not a file")
                old_name = f"{i}.old"
                try:
                    os.link(step.path, staging / old_name)
                except OSError:
                    shutil.copy2(step.path, staging / old_name)
            missing = []
            parent = step.path.parent
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            for d in reversed(missing):
                rel = str(d.relative_to(root))
                if rel not in dirs:
                    dirs.append(rel)
            steps.append({"path": str(step.path.relative_to(root)), "new": new.name, "old": old_name})
        journal = {"label": self.label, "owner": owner(), "steps": steps, "dirs": dirs}
        atomic.fsync_dir(staging)
        atomic.write_bytes(staging / JOURNAL, json.dumps(journal, indent=1).encode("utf-8") + b"\n")
        return journal
