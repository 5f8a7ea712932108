"""A brat or Label Studio annotation -> a geostance JSONL file.

The result is validated against the document text (all four levels) before
it is written; a file that would not validate is refused with the findings.
Then ``geostance contribute annotations OUT --doc DOC --annotator ID`` adds
it to the dataset.

The command line (``geostance import``) is :mod:`geostance.cli.importing`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from geostance.core import paths
from geostance.contributing.interop import InteropError, brat, dataset_document, dataset_sentences, labelstudio


def convert(fmt: str, source: Path, doc_id: str | None, root: Path, annotation_id: str | None = None,
            default_modality: str | None = None, default_source_author: bool = False,
            default_stance_modality: str | None = None, default_stance_evidence: bool = False) -> tuple[str, list[dict], list[str], str]:
    """Read and convert; returns (doc id, records, notes, text)."""
    problem = None if doc_id is None else paths.id_problem(doc_id, "document")  # a given id: checked before anything
    if problem:
        raise InteropError(problem)
    if fmt == "brat":
        doc_id = doc_id or source.stem
        txt = source.with_suffix(".txt")
        try:
            ann = source.read_text(encoding="utf-8")
            text = txt.read_bytes().decode("utf-8")
        except FileNotFoundError as exc:
            raise InteropError(f"{exc.filename}: no such file (brat keeps the text in a .txt beside the .ann)") from None
        except OSError as exc:
            raise InteropError(f"{exc.filename or source}: cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise InteropError(f"{source} or {txt}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    else:
        try:
            tasks = json.loads(source.read_bytes())
        except RecursionError:
            raise InteropError(f"{source}: JSON arrays or objects nested too deeply to read (more than about "
                               f"{sys.getrecursionlimit()} levels); a Label Studio export is a list of tasks a few "
                               "levels deep") from None
        except FileNotFoundError:
            raise InteropError(f"{source}: no such file") from None
        except OSError as exc:
            raise InteropError(f"{source}: cannot be read ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise InteropError(f"{source}: not JSON ({exc})") from None
        if doc_id is None:
            ids = {t["data"].get("doc_id") for t in (tasks if isinstance(tasks, list) else [tasks])
                   if isinstance(t, dict) and isinstance(t.get("data"), dict)}
            ids.discard(None)
            if len(ids) != 1:
                raise InteropError(f"{source}: give --doc (the export holds {len(ids)} data.doc_id values)")
            doc_id = ids.pop()
        task, _ = labelstudio.pick_annotation(tasks, doc_id, annotation_id, str(source))
        text = task["data"].get("text")
        if not isinstance(text, str):
            raise InteropError(f"{source}: the task has no data.text")
    problem = paths.id_problem(doc_id, "document")  # the one check of ids (geostance.core.paths)
    if problem:
        raise InteropError(problem)
    doc = dataset_document(root, doc_id)
    if doc is not None and doc.text != text:
        raise InteropError(f"{source}: the text is not the dataset's text of {doc_id!r} "
                           f"({paths.text_path(root, doc_id)}); offsets would not fit")
    sentences = dataset_sentences(root, doc_id) if doc is not None else []
    if fmt == "brat":
        recs, notes = brat.to_records(ann, text, doc_id, str(source), sentences, default_modality, default_source_author,
                                      default_stance_modality, default_stance_evidence)
    else:
        recs, notes = labelstudio.to_records(tasks, text, doc_id, str(source), sentences, default_modality,
                                             default_source_author, annotation_id, default_stance_modality,
                                             default_stance_evidence)
    if doc is None:
        notes.append(f"the dataset has no document {doc_id!r}: checked against the tool's text only; "
                     "add it with 'geostance contribute document'")
    return doc_id, recs, notes, text


def readable_file(path: Path, what: str) -> str | None:
    """Why ``path`` cannot be read as ``what``, or None when it can."""
    if path.is_dir():
        return f"{path} is a folder; expected {what}"
    if not path.exists():
        return f"{path}: no such file (expected {what})"
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    return None


def writable_out(out: Path, force: bool) -> str | None:
    """Why ``out`` cannot be written, or None. No folder is created and no file replaced unasked
    (:func:`geostance.core.paths.out_file_problem`, the rules of every ``--out FILE``)."""
    return paths.out_file_problem(out, force, "the JSONL file to write")


