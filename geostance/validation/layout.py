"""Where files lie: the dataset layout, links that leave it, ids read from paths.

Functions of paths (and, for links and file types, of ``lstat``); no file is
opened here. :func:`outside` tells whether a path resolves outside the
dataset folder, :func:`dataset_files` lists a dataset's document and
annotation files in the order validation reads them, :func:`find_dataset_root`
finds the dataset folder a file lies in."""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path

from geostance.core import bounded
from geostance.contract.schemas import schema


def display_path(p: Path, root: Path | None) -> str:
    """How findings name ``p``: relative to ``root`` (the dataset folder) when it lies inside it, else to the working folder."""
    if root is not None:
        ps, rs = os.fspath(p), os.fspath(root)
        prefix = rs if rs.endswith(os.sep) else rs + os.sep
        if ps.startswith(prefix) and len(ps) > len(prefix) and isinstance(p, Path) and isinstance(root, Path):
            return ps[len(prefix):]  # what relative_to gives: both are normalised Paths
        try:
            return str(p.relative_to(root))
        except ValueError:
            pass
        try:
            return str(p.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    try:
        return os.path.relpath(p)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(p)


def is_raw_path(path: Path) -> bool:
    """Whether ``path`` is a raw pass, ``annotations/raw/<doc>/<annotator>.jsonl``."""
    parts = path.parts
    return len(parts) >= 4 and parts[-3] == "raw" and parts[-4] == "annotations"


def outside(path: Path | str, root: Path) -> bool:
    """Whether ``path``, its links followed, lies outside the folder ``root``.

    Whether a folder lies inside ``root`` is worked out once (a dataset has a
    few folders and many files); a file that is no link costs one ``lstat``.
    A path where nothing is counts as inside (nothing is read there)."""
    return outside_by_mode(path, lstat_mode(path), root)


def lstat_mode(path: str | os.PathLike[str]) -> int | None:
    """``st_mode`` of an ``lstat`` of ``path``; ``None`` when nothing is there
    (or it cannot be looked at)."""
    try:
        return os.lstat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the name, as os.path.lexists says
        return None


def outside_by_mode(path: Path | str, mode: int | None, root: Path) -> bool:
    """:func:`outside`, given the ``lstat`` mode of ``path`` (``None``: nothing there)."""
    if mode is None:
        return False
    path = os.fspath(path)
    if not stat.S_ISLNK(mode):
        key = (os.path.dirname(path), os.fspath(root))
        inside = _FOLDER_INSIDE.get(key)
        if inside is None:
            inside = _FOLDER_INSIDE[key] = _within(_realpath_cached(key[0]), _realpath_cached(key[1]))
        return not inside
    return not _within(os.path.realpath(path), _realpath_cached(os.fspath(root)))


def _within(real: str, base: str) -> bool:
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


_FOLDER_INSIDE: dict[tuple[str, str], bool] = {}


@lru_cache(maxsize=4096)
def _realpath_cached(folder: str) -> str:
    return os.path.realpath(folder)


def doc_from_path(path: Path) -> str | None:
    """The document a file belongs to by the dataset layout, if it follows it."""
    parts = path.parts
    if len(parts) >= 4 and parts[-3] == "raw" and parts[-4] == "annotations":
        return parts[-2]
    if len(parts) >= 3 and parts[-2] == "gold" and parts[-3] == "annotations":
        return path.stem
    return None


def is_annotator_id(name: str) -> bool:
    """Whether ``name`` is a safe, unreserved annotator id (schema/defs.schema.json).

    >>> is_annotator_id("llm-1"), is_annotator_id("gold"), is_annotator_id("../x")
    (True, False, False)
    """
    d = schema("defs")["$defs"]["annotator_id"]
    return re.fullmatch(d["pattern"], name) is not None and name != d["not"]["const"]


def is_doc_id(name: str) -> bool:
    """Whether ``name`` is a safe document id (schema/defs.schema.json).

    >>> is_doc_id("china-backs-russia"), is_doc_id("../x"), is_doc_id("a.b")
    (True, False, False)
    """
    d = schema("defs")["$defs"]["doc_id"]
    return len(name) <= d["maxLength"] and re.fullmatch(d["pattern"], name) is not None


def find_dataset_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that has a ``documents/`` folder."""
    p = path.resolve()
    for q in [p, *p.parents]:
        if (q / "documents").is_dir():
            return q
    return None


def dataset_files(root: Path) -> tuple[list[str], list[Path]]:
    """Document ids and annotation files of a dataset root, in a stable order."""
    docs = sorted(p.stem for p in (root / "documents").glob("*.jsonl"))
    files = sorted((root / "annotations" / "raw").glob("*/*.jsonl")) + sorted((root / "annotations" / "gold").glob("*.jsonl"))
    return docs, files


def not_regular_reason(path: Path) -> str:
    """Why ``path`` is not a regular file (a FIFO, a socket, a device, a folder), in words for a finding."""
    try:
        bounded.check_regular(path)
    except OSError as exc:
        return str(exc) if isinstance(exc, bounded.NotRegular) else f"cannot be looked at: {exc.strerror or exc}"
    return "not a regular file"  # pragma: no cover - changed meanwhile


def forget_folders() -> None:
    """Forget the resolved folders cached by :func:`outside` (folders may have changed since the last run)."""
    _realpath_cached.cache_clear()
    _FOLDER_INSIDE.clear()
