"""Several files changed as one: all of them, or none.

:mod:`geostance.core.atomic` makes one file's replacement atomic. A contribution
changes several files at once (a new document is its text, its record and
an annotator's file; an adjudication is the gold file and its log), and
a process killed between two renames must not leave half of them. A
:class:`Transaction` stages every new file first, then records a journal,
then renames, then removes the journal:

1. **prepare**: in ``<root>/.geostance-transaction/`` (a hidden folder that
   no reader of the dataset looks at) write every new file in full and
   fsync it, and hard-link (or copy) every file that will be replaced;
2. **journal**: write ``journal.json`` (atomically) listing each step: the
   destination, the staged new file, the saved old one, and the folders to
   create;
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

The staging folder is also a lock: a second transaction on the same
dataset refuses to start while one is in progress.

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
import shutil
from dataclasses import dataclass
from pathlib import Path

from geostance.core import atomic

STAGING = ".geostance-transaction"
JOURNAL = "journal.json"


class TransactionError(Exception):
    """A transaction could not start or complete; the message says what to do."""


@dataclass
class _Step:
    path: Path
    data: bytes


def staging_dir(root: Path) -> Path:
    return root / STAGING


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


def recover(root: Path) -> str | None:
    """Roll back an interrupted transaction under ``root``, if there is one.

    Returns a sentence saying what was undone, or ``None`` when there was
    nothing to do (a staging folder without a journal is removed silently:
    either nothing had been touched yet or the change was complete).
    """
    staging = staging_dir(root)
    if not staging.is_dir():
        return None
    jpath = staging / JOURNAL
    message = None
    if jpath.is_file():
        try:
            journal = json.loads(jpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TransactionError(
                f"{jpath}: the journal of an interrupted change cannot be read ({exc}); "
                f"inspect {staging} by hand, then remove it"
            ) from exc
        _rollback(root, staging, journal)
        message = f"rolled back an interrupted change ({journal.get('label', '?')}): the dataset is as it was before it"
    shutil.rmtree(staging)
    atomic.fsync_dir(root)
    return message


class Transaction:
    """Stage files with :meth:`put`, then :meth:`commit` them all at once.

    Paths must lie under ``root`` (the dataset folder).
    """

    def __init__(self, root: Path, label: str) -> None:
        self.root = Path(root)
        self.label = label
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
        root = self.root
        staging = staging_dir(root)
        try:
            staging.mkdir(parents=False)
        except FileExistsError:
            raise TransactionError(
                f"{staging} exists: another change to this dataset is in progress, or one was interrupted "
                "(run 'geostance contribute recover' to roll it back)"
            ) from None
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
        journal = {"label": self.label, "steps": steps, "dirs": dirs}
        atomic.fsync_dir(staging)
        atomic.write_bytes(staging / JOURNAL, json.dumps(journal, indent=1).encode("utf-8") + b"\n")
        return journal
