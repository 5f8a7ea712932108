"""One writer per dataset at a time: an advisory lock held for the whole write.

Every command that writes a dataset folder (``contribute``, ``adjudicate
--apply``, ``rehydrate``, ``migrate --write``, ``build``, ``baselines``,
``leaderboard add``) runs its whole read-check-write sequence inside :func:`dataset_lock`:

* the lock is an advisory ``flock`` (``fcntl``; ``msvcrt`` on Windows) on
  the file ``<dataset>/.geostance.lock``. The operating system releases it
  when its holder exits, however it exits (a crash or ``kill -9`` included),
  so a lock is never left behind to be removed by hand;
* the holder writes its pid, its command and the time it took the lock into
  the file, for the message a waiting command prints; the file is removed
  when the lock is released (a command that opened the file just before it
  went checks, once it holds the lock, that the file it locked is still the
  one at that path, and starts again otherwise);
* a second writer waits up to ``wait`` seconds (``--wait SECONDS`` on every
  writing verb, :data:`DEFAULT_WAIT` by default), then gives up with
  :class:`LockTimeout`: the verb exits 1 with a clear message and has
  changed nothing. A paused holder (``SIGSTOP``) keeps its lock: the others
  wait, then refuse;
* the lock is re-entrant within a process (``reproduce`` runs ``baselines``
  and ``build``, which each take it): a nested :func:`dataset_lock` on the
  same folder returns at once.

Readers (``validate``, ``score``, ``agree`` ...) take no lock: every file is
replaced in one rename (:mod:`geostance.core.atomic`), so a reader sees a
file whole, before or after.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with dataset_lock(root, wait=0, owner="geostance example"):
...     held(root), (root / LOCK_FILE).is_file()
(True, True)
>>> held(root), (root / LOCK_FILE).exists()
(False, False)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

__all__ = ["LOCK_FILE", "DEFAULT_WAIT", "LockTimeout", "dataset_lock", "dataset_locks", "held", "add_wait_option"]

LOCK_FILE = ".geostance.lock"
DEFAULT_WAIT = 30.0
_POLL = 0.05

# folder (its real path) -> [file descriptor, depth]
_HELD: dict[str, list[int]] = {}


class LockTimeout(Exception):
    """Another process held the dataset's lock for longer than the wait; ``str(exc)`` says so."""

    status = 1


def _key(root: Path) -> str:
    return os.path.realpath(root)


def held(root: Path) -> bool:
    """Whether this process holds the lock of ``root``."""
    return _key(root) in _HELD


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError on POSIX, PermissionError on Windows
        return False
    return True


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it ("pid 12, geostance build, since ..."), or ''."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {int(info['pid'])}, {info['command']}, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _acquire(root: Path, wait: float, owner: str) -> int:
    path = root / LOCK_FILE
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            raise LockTimeout(f"{root}: no such folder") from None
        if _try_lock(fd):
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:  # the last holder removed it after we opened it
                same = False
            if same:
                break
            _unlock(fd)
        os.close(fd)
        if time.monotonic() >= deadline:
            who = _holder(path)
            raise LockTimeout(
                f"{root}: another geostance command is writing to this dataset"
                + (f" ({who})" if who else "")
                + f"; waited {wait:g} s for it to finish and gave up; nothing was changed. "
                "Run this command again when it has finished, or give --wait SECONDS to wait longer "
                "(a lock whose process has ended is released by the system: there is nothing to remove by hand)"
            )
        time.sleep(_POLL)
    info = {"pid": os.getpid(), "command": owner,
            "since": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(info) + "\n").encode("utf-8"))
    return fd


@contextlib.contextmanager
def dataset_lock(root: str | os.PathLike[str], wait: float = DEFAULT_WAIT, owner: str = "geostance") -> Iterator[None]:
    """Hold the lock of dataset folder ``root`` for the block (waiting up to
    ``wait`` seconds for it; :class:`LockTimeout` after that).

    ``owner`` names the command in the message another waiting command prints.
    """
    root = Path(root)
    key = _key(root)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    fd = _acquire(root, wait, owner)
    _HELD[key] = [fd, 1]
    try:
        yield
    finally:
        del _HELD[key]
        with contextlib.suppress(OSError):
            os.unlink(root / LOCK_FILE)  # while still holding it: see _acquire's check
        _unlock(fd)
        os.close(fd)


@contextlib.contextmanager
def dataset_locks(roots: Iterable[str | os.PathLike[str]], wait: float = DEFAULT_WAIT, owner: str = "geostance") -> Iterator[None]:
    """The locks of several dataset folders, taken in one order (their real paths, sorted) so
    that two commands locking the same folders cannot wait for each other for ever."""
    unique = {_key(Path(r)): Path(r) for r in roots}
    with contextlib.ExitStack() as stack:
        for key in sorted(unique):
            stack.enter_context(dataset_lock(unique[key], wait, owner))
        yield


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {value!r}") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, found {value!r}")
    return seconds


WAIT_HELP = (f"when another geostance command is writing to the dataset, wait up to SECONDS for it to finish, "
             f"then give up (exit 1, nothing changed); default {DEFAULT_WAIT:g}, 0: do not wait")


def add_wait_option(p: argparse.ArgumentParser, default: object = DEFAULT_WAIT) -> None:
    """The ``--wait SECONDS`` option of every verb that writes a dataset (one name, one meaning)."""
    p.add_argument("--wait", type=_seconds, default=default, metavar="SECONDS", help=WAIT_HELP)


def wait_of(args: argparse.Namespace) -> float:
    """The ``--wait`` of parsed arguments (the default when the verb was called without it)."""
    value = getattr(args, "wait", DEFAULT_WAIT)
    return DEFAULT_WAIT if value is None else float(value)

