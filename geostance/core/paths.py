"""Where things live: the repository, the schema folder and the dataset layout.

The dataset folder (``dataset/``) is laid out as::

    documents/<doc_id>.txt                  the article text, byte for byte
    documents/<doc_id>.jsonl                its document record (one line)
    annotations/raw/<doc_id>/<annotator>.jsonl   one annotator's records
    annotations/gold/<doc_id>.jsonl         the adjudicated gold records
    adjudication/<doc_id>.jsonl             the adjudication log (decisions)
    data/<config>/test.parquet              the built Hugging Face dataset

Every path helper takes the dataset root, so that tests and contributors can
work on a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _schema_dir() -> Path:
    """The schema files: shipped inside the package by a wheel or sdist install
    (``geostance/schema/``, copied from the repository's ``schema/`` at build
    time), read from the repository's ``schema/`` in a clone or editable install."""
    packaged = Path(__file__).resolve().parents[1] / "schema"
    return packaged if (packaged / "labels.schema.json").is_file() else REPO_ROOT / "schema"


SCHEMA_DIR = _schema_dir()


def default_dataset_root() -> Path:
    """The dataset folder: ``$GEOSTANCE_DATASET`` if set, else ``dataset/`` of
    the current directory if it has one, else the repository's ``dataset/``."""
    env = os.environ.get("GEOSTANCE_DATASET")
    if env:
        return Path(env)
    here = Path.cwd() / "dataset"
    if (here / "documents").is_dir():
        return here
    return REPO_ROOT / "dataset"


def documents_dir(root: Path) -> Path:
    return root / "documents"


def text_path(root: Path, doc_id: str) -> Path:
    return root / "documents" / f"{doc_id}.txt"


def document_record_path(root: Path, doc_id: str) -> Path:
    return root / "documents" / f"{doc_id}.jsonl"


def raw_dir(root: Path, doc_id: str) -> Path:
    return root / "annotations" / "raw" / doc_id


def raw_path(root: Path, doc_id: str, annotator: str) -> Path:
    return raw_dir(root, doc_id) / f"{annotator}.jsonl"


def gold_path(root: Path, doc_id: str) -> Path:
    return root / "annotations" / "gold" / f"{doc_id}.jsonl"


def adjudication_path(root: Path, doc_id: str) -> Path:
    return root / "adjudication" / f"{doc_id}.jsonl"


def doc_ids(root: Path) -> list[str]:
    """The ids of the documents that have a document record, sorted."""
    d = documents_dir(root)
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.jsonl"))


def annotators(root: Path, doc_id: str) -> list[str]:
    """The annotators with a raw file for ``doc_id``, sorted."""
    d = raw_dir(root, doc_id)
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.jsonl"))


# ------------------------------------------------------------------ ids and names that become paths

# Device names that Windows cannot create as files, whatever the extension ("con.txt" too).
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)


class UnsafeName(ValueError):
    """An id or name that cannot safely become a file name; ``str(exc)`` says why. A usage error (exit 2)."""

    status = 2


def _id_rules() -> dict[str, tuple[str, int, str]]:
    """Each kind of id: (pattern, maximum length, what is expected), from the schema files."""
    import json

    defs = json.loads((SCHEMA_DIR / "defs.schema.json").read_text(encoding="utf-8"))["$defs"]
    name = json.loads((SCHEMA_DIR / "leaderboard-entry.schema.json").read_text(encoding="utf-8"))["$defs"]["name"]
    return {
        "document": (defs["doc_id"]["pattern"], defs["doc_id"]["maxLength"],
                     "lower-case letters and digits in groups joined by single hyphens (no '/', '.', '_' or spaces), "
                     f"at most {defs['doc_id']['maxLength']} characters"),
        "annotator": (defs["annotator_id"]["pattern"], 40,
                      "a lower-case letter, then lower-case letters, digits, '-' or '_', at most 40 characters "
                      "(no '/', '.' or spaces)"),
        "system": (name["pattern"], name["maxLength"],
                   f"lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most {name['maxLength']} characters"),
    }


_RULES: dict[str, tuple[str, int, str]] = {}


def name_problem(value: object) -> str | None:
    """Why ``value`` cannot be one component of a path in any file system, or None.

    The rules every id and name a verb turns into a file name obeys, whatever
    its own pattern: a non-empty string, no path separator (``/``, ``\\``) or
    drive colon, no control character, not ``.`` or ``..`` nor any name of
    dots, no leading or trailing space, no trailing dot, not a Windows device
    name (``con``, ``nul``, ``com1`` ..., with or without an extension), at
    most 255 bytes.

    >>> name_problem("kyiv-talks") is None
    True
    >>> [name_problem(v) for v in ("..", "a/b", "nul.txt", "a\\x00")]  # doctest: +NORMALIZE_WHITESPACE
    ["'..' names a folder, not a file", "it contains '/' (a path separator)",
     "'nul' is a device name on Windows", 'it contains a control character (U+0000)']
    """
    if not isinstance(value, str) or not value:
        return "it is empty"
    for ch in value:
        if ord(ch) < 32 or 127 <= ord(ch) < 160:
            return f"it contains a control character (U+{ord(ch):04X})"
    for sep in ("/", "\\"):
        if sep in value:
            return f"it contains {sep!r} (a path separator)"
    if ":" in value:
        return "it contains ':' (a drive or stream name on Windows)"
    if set(value) == {"."}:
        return f"{value!r} names a folder, not a file"
    if value != value.strip() or value.endswith("."):
        return "it starts or ends with a space, or ends with a dot"
    stem = value.split(".", 1)[0].lower()
    if stem in WINDOWS_RESERVED:
        return f"{stem!r} is a device name on Windows"
    if len(value.encode("utf-8")) > 255:
        return "it is longer than a file name may be (255 bytes)"
    return None


def id_problem(value: object, what: str) -> str | None:
    """Why ``value`` is not a usable ``what`` id (``document``, ``annotator`` or
    ``system``), or None: the one check every id a verb accepts goes through
    before any path is built from it (:func:`name_problem`, then the id's
    pattern in the schema; ``gold`` is reserved for annotators).

    >>> id_problem("china-backs-russia", "document") is None
    True
    >>> id_problem("../gold", "document")
    "document id '../gold' is not safe: it contains '/' (a path separator); expected lower-case letters and digits in groups joined by single hyphens (no '/', '.', '_' or spaces), at most 64 characters"
    >>> id_problem("gold", "annotator")
    "annotator id 'gold' is reserved"
    >>> id_problem("con", "document")
    "document id 'con' is reserved (a device name on Windows)"
    >>> id_problem("llm-3", "annotator") is None
    True
    """
    import re

    if not _RULES:
        _RULES.update(_id_rules())
    pattern, longest, expected = _RULES[what]
    problem = name_problem(value)
    if problem is not None and "device name" in problem and re.fullmatch(pattern, str(value)):
        return f"{what} id {value!r} is reserved (a device name on Windows)"
    if problem is None and not (len(value) <= longest and re.fullmatch(pattern, value)):  # type: ignore[arg-type]
        problem = "it does not match the pattern"
    if problem is not None:
        return f"{what} id {value!r} is not safe: {problem}; expected {expected}"
    if what == "annotator" and value == "gold":
        return f"annotator id {value!r} is reserved"
    return None


def check_id(value: object, what: str) -> str:
    """``value`` if it is a usable ``what`` id (see :func:`id_problem`); :class:`UnsafeName` otherwise."""
    problem = id_problem(value, what)
    if problem:
        raise UnsafeName(problem)
    return value  # type: ignore[return-value]


def inside(root: Path, path: Path) -> Path:
    """``path`` if, with every link and ``..`` resolved, it lies inside the folder ``root``;
    :class:`UnsafeName` otherwise (a link or a folder that leads out of the dataset).

    >>> import tempfile
    >>> r = Path(tempfile.mkdtemp())
    >>> inside(r, r / "documents" / "a.txt") == r / "documents" / "a.txt"
    True
    >>> inside(r, r / "documents" / ".." / ".." / "evil.txt")
    Traceback (most recent call last):
    ...
    geostance.core.paths.UnsafeName: ... lies outside the dataset folder ...
    """
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real != real_root and real_root not in real.parents:
        raise UnsafeName(f"{path} lies outside the dataset folder {root} (it resolves to {real}); nothing was written")
    return path


def out_file_problem(out: Path, force: bool, what: str = "the file to write") -> str | None:
    """Why a command may not write its ``--out`` file at ``out``, or None: the rules of every
    ``--out FILE`` (``import``, ``view``). A folder is refused; an existing file is replaced only
    with ``--force``; a missing parent folder is refused, never created.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> out_file_problem(d / "a.jsonl", False) is None
    True
    >>> out_file_problem(d, False).endswith("is a folder; expected the path of the file to write")
    True
    >>> out_file_problem(d / "no" / "a.jsonl", False).endswith("does not exist; create it first (it is not created for you)")
    True
    """
    if out.is_dir():
        return f"--out {out} is a folder; expected the path of {what}"
    if out.exists() or out.is_symlink():
        if not force:
            return f"--out {out} exists; give --force to replace it"
        if not out.is_file():
            return f"--out {out} exists and is not a regular file; it cannot be replaced"
    parent = out.parent
    if not parent.is_dir():
        return f"--out {out}: the folder {parent} does not exist; create it first (it is not created for you)"
    return None
