"""``geostance export``: the command line of :mod:`geostance.contributing.interop.exporting`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from geostance.core import atomic, paths
from geostance.contributing.interop import InteropError, brat, labelstudio
from geostance.contributing.interop.exporting import config_files, load


HELP = "write a geostance annotation file as brat standoff or Label Studio JSON"


DESCRIPTION = """\
Write one annotation file (an annotator's, or gold) of a dataset document
for an annotation tool, to look at it or to annotate further.

  geostance export brat [FILE.jsonl] [--doc DOC] --out DIR
      writes DIR/DOC.txt, DIR/DOC.ann and DIR/annotation.conf (the types,
      roles and attributes, for a brat collection).

  geostance export labelstudio [FILE.jsonl] [--doc DOC] --out EXPORT.json
      writes a Label Studio task list (import it into a project) and, beside
      it, EXPORT.config.xml: the labeling interface to paste into the
      project's settings. Offsets are code points (Label Studio 1.4 and
      later); --offsets utf16 writes UTF-16 code units for older servers.

  geostance export config --tool brat|labelstudio --out DIR
      writes the tool's configuration for annotating from scratch: brat's
      annotation.conf and visual.conf (--stances relations: stances drawn
      as relations from holder to target instead of events), or Label
      Studio's labelstudio-config.xml. The same files are in the
      repository's annotation-tools/ folder.

Without FILE, only the text and the document's sentences (from gold, else
the first annotator) are written: the starting point for a new annotator.
The file is validated first; provenance (gold only) is not carried. What
each format carries is listed in CONTRIBUTING.md.
"""


EPILOG = """\
examples:
  geostance export brat dataset/annotations/gold/china-backs-russia.jsonl --out brat-data/
  geostance export brat --doc china-backs-russia --out brat-data/          (text and sentences only)
  geostance export labelstudio dataset/annotations/raw/china-backs-russia/llm-1.jsonl --out llm-1.ls.json
  geostance export config --tool brat --out brat-data/
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("format", choices=("brat", "labelstudio", "config"), help="the tool's format, or 'config': the tool's configuration")
    p.add_argument("file", type=Path, nargs="?", default=None, metavar="FILE", help="a geostance annotation file (JSONL)")
    p.add_argument("--out", type=Path, required=True, help="brat: a folder; Label Studio: the JSON file")
    p.add_argument("--doc", default=None, metavar="DOC", help="the document id (default: the file's doc_id)")
    p.add_argument("--dataset", dest="dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: as geostance validate)")
    p.add_argument("--no-sentences", action="store_true", help="brat: leave out the Sentence spans (the importer then takes the dataset's)")
    p.add_argument("--tool", choices=("brat", "labelstudio"), default=None, help="config: which tool's configuration")
    p.add_argument("--stances", choices=("events", "relations"), default="events",
                   help="config --tool brat: stances as events (trigger and evidence spans) or as relations holder -> target")
    p.add_argument("--offsets", choices=("codepoints", "utf16"), default="codepoints", help="Label Studio: offset units (default: codepoints)")


def run(args: argparse.Namespace) -> int:
    if args.format == "config":
        return run_config(args)
    root = args.dataset or paths.default_dataset_root()
    try:
        doc_id, recs, text, notes = load(args.file, args.doc, root)
    except InteropError as exc:
        print(f"geostance export: {exc}", file=sys.stderr)
        return 1
    for n in notes:
        print(f"note: {n}")
    if args.format == "brat":
        if args.out.exists() and not args.out.is_dir():
            print(f"geostance export: {args.out} is a file; brat needs a folder", file=sys.stderr)
            return 2
        entity_ids = [r["id"] for r in recs if r["kind"] == "entity"]
        written = [
            atomic.write_bytes(args.out / f"{doc_id}.txt", text.encode("utf-8")),
            atomic.write_text(args.out / f"{doc_id}.ann", brat.export(recs, text, sentences=not args.no_sentences)),
            atomic.write_text(args.out / "annotation.conf", brat.annotation_conf(entity_ids)),
            atomic.write_text(args.out / "visual.conf", brat.visual_conf()),
        ]
    else:
        if args.out.is_dir():
            print(f"geostance export: --out {args.out} is a folder; Label Studio needs the path of the JSON file to write", file=sys.stderr)
            return 2
        tasks = labelstudio.export(recs, text, doc_id, offsets=args.offsets)
        config = args.out.with_name(args.out.stem + ".config.xml")
        try:
            written = [
                atomic.write_text(args.out, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"),
                atomic.write_text(config, labelstudio.labeling_config()),
            ]
        except OSError as exc:
            print(f"geostance export: {exc.filename or args.out} could not be written ({exc.strerror or exc})", file=sys.stderr)
            return 2
    print("wrote " + ", ".join(str(w) for w in written))
    return 0


def run_config(args: argparse.Namespace) -> int:
    if args.tool is None:
        print("geostance export config: give --tool brat or --tool labelstudio", file=sys.stderr)
        return 2
    if args.file is not None or args.doc is not None:
        print("geostance export config: takes no FILE or --doc (it writes the tool's configuration only)", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"geostance export config: --out {args.out} is a file; expected a folder", file=sys.stderr)
        return 2
    written = [atomic.write_text(args.out / name, content) for name, content in config_files(args.tool, args.stances).items()]
    print("wrote " + ", ".join(str(w) for w in written))
    return 0


