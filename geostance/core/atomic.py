"""The one way geostance writes a file: whole or not at all.

Every writer in the package (the build, the card, the manifest, the
re-hydrated documents, reports) goes through :func:`write_bytes` or
:func:`write_text`: the data goes to a temporary file in the destination's
folder, is flushed and fsynced, and then :func:`os.replace` puts it in place
in one step. A crash or an error leaves either the old file or the new one,
never half of one, and never a stray temporary file.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = write_text(d / "sub" / "a.txt", "héllo\\n")
>>> p.read_bytes()
b'h\\xc3\\xa9llo\\n'
>>> _ = write_bytes(p, b"new")
>>> p.read_text(), sorted(x.name for x in p.parent.iterdir())
('new', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["write_bytes", "write_text", "open_atomic", "move_into_place", "fsync_dir"]


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename in ``folder`` durable; not every platform can open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def open_atomic(path: str | os.PathLike[str], mode: int = 0o644) -> Iterator[IO[bytes]]:
    """A binary file object whose content replaces ``path`` when the block ends.

    If the block raises, the temporary file is removed and ``path`` is left
    as it was. Missing parent folders are created. ``mode`` is the permission
    of the new file (temporary files are created 0600 otherwise).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "b.bin"
    >>> with open_atomic(p) as f:
    ...     _ = f.write(b"1")
    >>> try:
    ...     with open_atomic(p) as f:
    ...         _ = f.write(b"2")
    ...         raise RuntimeError("stop")
    ... except RuntimeError:
    ...     pass
    >>> p.read_bytes(), len(list(p.parent.iterdir()))
    (b'1', 1)
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with open_atomic(path) as f:
        f.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, encoded (UTF-8) with no newline
    translation (what you pass is what is stored: ``\\n`` stays LF)."""
    return write_bytes(path, text.encode(encoding))


def move_into_place(src: str | os.PathLike[str], dst: str | os.PathLike[str], mode: int = 0o644) -> Path:
    """Put a finished file (written elsewhere in the same file system, e.g. by
    a streaming writer into a temporary folder) at ``dst`` in one step:
    fsync it, set its permission, :func:`os.replace` it, fsync the folder.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "part").write_bytes(b"x")
    >>> move_into_place(d / "part", d / "out" / "final").read_bytes(), (d / "part").exists()
    (b'x', False)
    """
    target = Path(dst)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(src, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(src, mode)
    os.replace(src, target)
    fsync_dir(target.parent)
    return target
