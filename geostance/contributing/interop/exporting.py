"""Exporting a geostance annotation file to brat standoff or Label Studio JSON: what to export (:func:`load`) and the tools' configuration files (:func:`config_files`). The verb is :mod:`geostance.cli.export`."""

from __future__ import annotations

from pathlib import Path

from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.contributing.interop import InteropError, brat, check_records, dataset_document, dataset_sentences, labelstudio


def load(file: Path | None, doc_id: str | None, root: Path) -> tuple[str, list[dict], str, list[str]]:
    """(doc id, records, text, notes) of what to export."""
    notes: list[str] = []
    if file is not None:
        recs_lined, found = jsonl.read(file)
        errors = [f for f in found if f.severity == "error"]
        if errors:
            raise InteropError("\n".join(f.render() for f in errors))
        recs = [r for _, r in recs_lined]
        ids = {r.get("doc_id") for r in recs}
        if doc_id is None:
            if len(ids) != 1:
                raise InteropError(f"{file}: give --doc (the file holds records of {len(ids)} documents)")
            doc_id = ids.pop()
    else:
        if doc_id is None:
            raise InteropError("give a FILE or --doc")
        recs = []
    problem = paths.id_problem(doc_id, "document")  # the one check of ids (geostance.core.paths)
    if problem:
        raise InteropError(problem)
    doc = dataset_document(root, doc_id)
    if doc is None:
        raise InteropError(f"the dataset {root} has no document {doc_id!r} with its text")
    if file is None:
        recs = dataset_sentences(root, doc_id)
        notes.append(f"no FILE: exported the text and {len(recs)} sentences")
    recs = [r for r in recs if r.get("doc_id") == doc_id]
    report = check_records(recs, doc_id, doc.text, doc.record, display=str(file or doc_id))
    if report.errors:
        raise InteropError(f"{file} does not validate; fix it first:\n{report.render_text()}")
    if any("provenance" in r for r in recs):
        notes.append("provenance (gold only) is not carried by the tool formats and was left out")
        recs = [{k: v for k, v in r.items() if k != "provenance"} for r in recs]
    return doc_id, records.ordered(recs), doc.text, notes


def config_files(tool: str, stances: str = "events") -> dict[str, str]:
    """The configuration files of ``tool`` for annotating geostance from scratch: name -> content."""
    if tool == "brat":
        return {"annotation.conf": brat.annotation_conf(stances=stances), "visual.conf": brat.visual_conf()}
    return {"labelstudio-config.xml": labelstudio.labeling_config()}
