"""Reading a file with a bound: only regular files, and at most so many bytes.

Every verb that reads a dataset file or an input the user names goes through
:func:`read_bytes`. The file is opened without blocking (a FIFO named
``x.jsonl`` does not hang the reader), checked with ``fstat`` before one byte
is read (a FIFO, socket, device or folder is refused: a link to
``/dev/zero`` is never read), and read up to ``max_bytes`` (a larger file is
refused before reading it, and a file that grows while it is read stops at
the bound).

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> p = os.path.join(d, "a.jsonl"); _ = open(p, "wb").write(b"{}\\n")
>>> read_bytes(p)
b'{}\\n'
>>> try:
...     read_bytes(p, max_bytes=2)
... except TooLarge as exc:
...     print(exc)
the file has 3 bytes; the limit is 2 bytes
>>> try:
...     read_bytes(d)
... except NotRegular as exc:
...     print(exc)
it is a folder, not a regular file; expected a file
"""

from __future__ import annotations

import os
import stat

DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # 256 MiB: far above any one document's file
CHUNK = 1 << 20


class NotRegular(OSError):
    """The path is a folder, FIFO, socket or device (never opened for reading)."""


class TooLarge(OSError):
    """The file is larger than the bound."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the file has {size:,} bytes; the limit is {limit:,} bytes")
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words.

    >>> kind_of(stat.S_IFIFO), kind_of(stat.S_IFCHR)
    ('a FIFO (named pipe)', 'a character device')
    """
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def check_regular(path: str | os.PathLike[str]) -> None:
    """Raise :class:`NotRegular` unless ``path`` (links followed) is a regular
    file; raise ``OSError`` when it cannot be looked at. Opens nothing."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegular(f"it is {kind_of(mode)}, not a regular file; expected a file")


def read_bytes(path: str | os.PathLike[str], max_bytes: int | None = DEFAULT_MAX_BYTES,
               lstat_mode: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them
    (``None``: no bound). Raises :class:`NotRegular`, :class:`TooLarge` or
    ``OSError``. ``lstat_mode``: the ``st_mode`` of an ``lstat`` of ``path``
    the caller has just taken; when it shows a regular file (no link), the
    check before opening is not made again."""
    if lstat_mode is None or not stat.S_ISREG(lstat_mode):
        check_regular(path)  # before opening: a FIFO, socket or device is never opened
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped between the stat and the open
            raise NotRegular(f"it is {kind_of(st.st_mode)}, not a regular file; expected a file")
        if max_bytes is not None and st.st_size > max_bytes:
            raise TooLarge(st.st_size, max_bytes)
        limit = max_bytes if max_bytes is not None else None
        parts: list[bytes] = []
        total = 0
        want = st.st_size + 1
        while True:
            n = want if limit is None else min(want, limit + 1 - total)
            if n <= 0:
                raise TooLarge(total, max_bytes)  # type: ignore[arg-type]
            chunk = os.read(fd, max(n, 1))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if len(chunk) < n and total == st.st_size:
                break  # a short read of a regular file: its end
            want = CHUNK
        if limit is not None and total > limit:
            raise TooLarge(total, limit)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)
