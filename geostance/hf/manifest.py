"""What a build records about itself: checksums, sizes, versions, the dataset version.

``MANIFEST.json`` lists every built file with its sha256, size and rows, the
sha256 of every source file, and the versions of the writers that change
bytes (:func:`versions`); :func:`dataset_version` is a digest of the source
files (:func:`source_files`), so a leaderboard entry or a baseline run names
the exact data it was scored on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


from geostance.core.version import __version__
from geostance.core import paths
from geostance.contract import labels
from geostance.hf import views
from geostance.hf.configs import MANIFEST, PARQUET_OPTIONS, ROW_GROUP_SIZE, ROW_GROUP_SIZES
from geostance.hf.rows import Stats



def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """The versions of what writes the bytes (pinned in pyproject.toml)."""
    from importlib.metadata import version

    return {"geostance": __version__, "pyarrow": version("pyarrow"), "datasets": version("datasets")}


def dataset_version(sources: Iterable[tuple[str, str]]) -> str:
    """The version of the data a build (or a score) rests on: the sha256 of
    the manifest's source list, one ``<sha256>  <path>`` line per source
    file in manifest order (the format of ``sha256sum``). It covers every
    document, gold and raw file the build reads, and nothing the build or
    the baselines write, so a results entry can name the data it was scored
    on without depending on the card, whose tables come from the results.

    >>> dataset_version([("documents/a.jsonl", "ab")]) == hashlib.sha256(b"ab  documents/a.jsonl\\n").hexdigest()
    True
    """
    h = hashlib.sha256()
    for path, sha in sources:
        h.update(f"{sha}  {path}\n".encode())
    return h.hexdigest()


def source_files(root: Path) -> list[tuple[str, str]]:
    """``(path relative to root, sha256)`` of every source file a build of
    ``root`` reads, in the manifest's order (documents in id order; per
    document with gold: its record, its text when included, its gold, its
    raw passes by annotator), without building; ``dataset_version`` of this
    is the manifest's ``dataset_version``."""
    import json as _json

    out = []
    for doc_id in paths.doc_ids(root):
        gold = paths.gold_path(root, doc_id)
        if not gold.is_file():
            continue
        rec_path = paths.document_record_path(root, doc_id)
        out.append((rel_path(rec_path, root), sha256_file(rec_path)))
        record = _json.loads(rec_path.read_text(encoding="utf-8").splitlines()[0])
        if record.get("text_included") and paths.text_path(root, doc_id).is_file():
            out.append((rel_path(paths.text_path(root, doc_id), root), record["sha256"]))
        out.append((rel_path(gold, root), sha256_file(gold)))
        for a in paths.annotators(root, doc_id):
            p = paths.raw_path(root, doc_id, a)
            out.append((rel_path(p, root), sha256_file(p)))
    return out


def manifest(root: Path, stats: Stats, file_info: dict[str, dict[str, Any]], files: list[str]) -> Iterator[bytes]:
    """MANIFEST.json, in pieces (write them in order): the built files
    (sha256, bytes, rows), the source files they were built from (sha256),
    and the writer settings and versions. In pieces because the two lists
    that grow with the corpus (the documents, and the sources, which are
    read from the build's log as they are written) are never held as one
    string."""
    m = {
        "name": "geostance",
        "schema_version": labels.SCHEMA_VERSION,
        "versions": versions(),
        "parquet": dict(PARQUET_OPTIONS, row_group_size=ROW_GROUP_SIZE, row_group_sizes=dict(sorted(ROW_GROUP_SIZES.items()))),
        "dataset_version": dataset_version(stats.sources),
        "folds": {"k": views.FOLDS, "seed": views.FOLD_SEED,
                  "fold": "pair views: pair-disjoint (the unordered entity pair, by name); ner: sentences",
                  "sentence_fold": "pair views: sentences"},
        "documents": stats.documents,
        "skipped_without_gold": list(stats.skipped),
        "built_without_text": list(stats.without_text),
        "files": [dict(path=rel, **file_info[rel]) for rel in files if rel != MANIFEST],
        "sources": stats.sources,  # (path, sha256) pairs, written as {"path": ..., "sha256": ...}
    }
    for piece in _manifest_json(m):
        yield piece.encode()
    yield b"\n"


_PIECE = 1 << 16  # characters of a long list written at once


def _manifest_json(m: dict[str, Any]) -> Iterator[str]:
    """``json.dumps(m, indent=1, ensure_ascii=False)`` in pieces, with
    ``m["sources"]`` (an iterable of ``(path, sha256)``) written as a list of
    ``{"path": p, "sha256": h}``. The two lists that grow with the corpus
    (``documents``, ``sources``) are formatted here, a few thousand items
    per piece: the standard library's indenting encoder is written in
    Python and takes most of a second on 10,000 documents, and it returns
    one string.

    >>> m = {"a": 1, "documents": ["d1", "dé"], "sources": [("p/\\"x\\".jsonl", "ab")]}
    >>> slow = dict(m, sources=[{"path": p, "sha256": h} for p, h in m["sources"]])
    >>> "".join(_manifest_json(m)) == json.dumps(slow, indent=1, ensure_ascii=False)
    True
    >>> "".join(_manifest_json({"documents": [], "sources": []})) == json.dumps({"documents": [], "sources": []}, indent=1)
    True
    """
    from json.encoder import encode_basestring as q

    items = {
        "documents": ("  " + q(d) for d in m["documents"]),
        "sources": (f'  {{\n   "path": {q(p)},\n   "sha256": {q(h)}\n  }}' for p, h in m["sources"]),
    }
    marks = {k: f"\x00{k}\x00" for k in items}
    text = json.dumps(dict(m, **marks), indent=1, ensure_ascii=False)
    for k, it in items.items():
        head, text = text.split(q(marks[k]), 1)
        yield head
        yield from _list_pieces(it)
    yield text


def _list_pieces(items: Iterator[str]) -> Iterator[str]:
    """A JSON list (at indent 1, inside the top-level object) of the
    formatted ``items``, in pieces of about :data:`_PIECE` characters."""
    buf: list[str] = []
    size = 0
    first = True
    for item in items:
        buf.append(item)
        size += len(item)
        if size >= _PIECE:
            yield ("[\n" if first else ",\n") + ",\n".join(buf)
            buf, size, first = [], 0, False
    if buf:
        yield ("[\n" if first else ",\n") + ",\n".join(buf)
        first = False
    yield "[]" if first else "\n ]"


def rel_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with forward slashes (as the manifest lists files)."""
    return path.relative_to(root).as_posix()
