"""``geostance adjudicate``: the command line of :mod:`geostance.contributing.adjudicate`."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from geostance.core import atomic, lock, paths
from geostance.contract import records
from geostance.contributing import transaction
from geostance.contributing.contribute import ContributeError, check_id, plural
from geostance.contributing.interop import check_records
from geostance.contributing.alignment import AdjudicationError, Alignment
from geostance.contributing.worksheet import read_worksheet, worksheet_bytes, worksheet_markdown
from geostance.contributing.adjudicate import apply_to_dataset, build_gold, load_annotators


HELP = "worksheet of disagreements between annotators; apply its decisions to make gold"


DESCRIPTION = """\
Adjudicate a document: list every disagreement between its annotators, decide
each one, and turn the decisions into gold.

  geostance adjudicate DOC --worksheet W.jsonl [--annotators a,b] [--include-agreed]
      writes W.jsonl (one disagreement per line: the annotators' records side
      by side, the sentences they are in, and the fields to fill in) and W.md
      (the same as tables to read). Refuses to overwrite an existing W.jsonl.
      With --include-agreed the agreed items are listed too (kind "agreed",
      ids A1 ...): leave their decision null, or decide one to correct what
      every annotator got wrong (logged as a "review" decision). An entity
      only some annotators made, clustered alike, is listed with kind
      "follows": it needs no decision, as it exists when its mentions do.
      Add lines of your own for records no annotator made:
        {"layer": "mention", "decision": "add", "reason": "...", "record":
         {"start": 10, "end": 15, "type": "GPE", "form": "NAME", "metonymy": false,
          "entity": "52:58"}}      (the entity of that gold mention, or "new" plus
        an added entity line {"name": ..., "mentions": ["10:15"]});
        stances and relations refer to gold mention spans "START:END"
        (relation evidence: sentence spans), or to an annotator's ids with "base".

  geostance adjudicate DOC --apply W.jsonl [--annotators a,b] [--replace] [--dry-run]
      reads the decisions and writes annotations/gold/DOC.jsonl and the log
      adjudication/DOC.jsonl (+ .md). Existing gold is replaced only with
      --replace; the previous version is kept in .history/.

Decide a line by setting "decision" to "accept:ANNOTATOR", "reject" or "edit"
(with "record"), "reason" to why, and optionally "guidelines" to the rules
cited (["§6.3"]). Edit records:
  mention    {"base": "alice", "type": "ORG"}   (also start, end, form, metonymy, note)
  stance     {"base": "alice", "label": "NEUTRAL", "source": "AUTHOR"}
             (holder/target/source: the base annotator's entity id, AUTHOR, or a
             gold mention span "START:END"; evidence: [{"start":..,"end":..}])
  relation   {"base": "bob", "modality": "ALLEGED"}   (head/tail: their mention id
             or "START:END"; evidence: their sentence ids)
  entity     {"base": "bob", "name": "the West"}, or
             {"entities": [{"name": "Russia", "mentions": ["52:58", "100:106"]}, ...]}
  sentence   {"base": "alice", "end": 120}

Records all annotators share (every field gold keeps equal) go to gold with
provenance and no decision. Alignment: mentions and sentences by exact
span; entities through their mentions; stances through their holder and
target entities; relations through their head and tail mentions. Gold ids
are renumbered in reading order. See the module docstring of
geostance.contributing.adjudicate and CONTRIBUTING.md for the details.

One writer at a time: adjudicate --apply holds the dataset's lock for its
whole run (an advisory lock on .geostance.lock in the dataset folder,
released by the system however the command ends). When another geostance
command holds it, it waits up to --wait SECONDS (default 30; 0: not at
all), then exits 1 having changed nothing.

Exit status: 0 done, 1 refused (undecided or invalid decisions, gold that
would not validate, a file that would be replaced), 2 usage error.
"""


EPILOG = """\
examples:
  geostance adjudicate kyiv-talks --worksheet kyiv-talks.worksheet.jsonl
  geostance adjudicate kyiv-talks --apply kyiv-talks.worksheet.jsonl --dry-run
  geostance adjudicate kyiv-talks --apply kyiv-talks.worksheet.jsonl
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc", metavar="DOC", help="the document id")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--worksheet", type=Path, metavar="FILE", help="write the worksheet of disagreements to FILE (.jsonl; and .md beside it)")
    g.add_argument("--apply", type=Path, metavar="FILE", help="apply the decisions in FILE and write gold")
    p.add_argument("--include-agreed", action="store_true",
                   help="with --worksheet: also write the agreed items (kind 'agreed', ids A1 ...), for a review: "
                        "a decision on one of them is logged as a review decision")
    p.add_argument("--annotators", default=None, metavar="A,B", help="the annotators to compare (default: all of the document's)")
    p.add_argument("--dataset", dest="dataset", type=Path, default=None, metavar="DIR", help="the dataset folder (default: as geostance validate)")
    p.add_argument("--replace", action="store_true", help="replace existing gold (the previous version is kept in .history/)")
    p.add_argument("--dry-run", action="store_true", help="with --apply: check the decisions and the gold, write nothing")
    lock.add_wait_option(p)


def _apply_locked(root: Path, args: argparse.Namespace, names: list[str] | None) -> int:
    """``--apply``, while this process holds the dataset's lock: recover, read, decide, write."""
    transaction_msg = transaction.recover(root, args.wait)
    if transaction_msg:
        print(f"geostance adjudicate: {transaction_msg}")
    anns, text, _ = load_annotators(root, args.doc, names)
    al = Alignment(anns, text)
    lines = read_worksheet(args.apply)
    gold = build_gold(al, lines, args.doc, str(args.apply))
    report = check_records(gold.records, args.doc, text, display=f"gold of {args.doc} (computed)")
    if report.errors:
        print("geostance adjudicate: the gold these decisions give does not validate; nothing was written", file=sys.stderr)
        print(report.render_text(), file=sys.stderr)
        return 1
    if report.warnings:
        print(report.render_text())
    by = records.by_layer(gold.records)
    print(f"gold: {', '.join(f'{len(v)} {plural(k, len(v))}' for k, v in by.items())}; {len(gold.log)} decision(s) applied")
    if args.dry_run:
        print("dry run: nothing was written")
        return 0
    for line in apply_to_dataset(root, args.doc, gold, al, args.replace, args.wait):
        print(line)
    print("next: geostance validate && geostance build")
    return 0


def run(args: argparse.Namespace) -> int:
    root = args.dataset or paths.default_dataset_root()
    try:
        check_id(args.doc, "document")
        names = [n.strip() for n in args.annotators.split(",")] if args.annotators else None
        for n in names or []:
            check_id(n, "annotator")
        if args.worksheet is not None:  # writes the worksheet, not the dataset: no lock
            anns, text, _ = load_annotators(root, args.doc, names)
            al = Alignment(anns, text)
            dis = al.disagreements()
            if args.worksheet.exists():
                print(f"geostance adjudicate: {args.worksheet} exists; it may hold decisions: choose another name or remove it", file=sys.stderr)
                return 1
            md_path = args.worksheet.with_suffix(".md")
            atomic.write_bytes(args.worksheet, worksheet_bytes(al, args.include_agreed))
            atomic.write_text(md_path, worksheet_markdown(al, args.doc, include_agreed=args.include_agreed))
            counts = defaultdict(int)
            for it in dis:
                counts[it.layer] += 1
            agreed = sum(1 for it in al.items if it.agreed)
            print(f"{len(dis)} disagreement(s) between {', '.join(al.names)} "
                  f"({', '.join(f'{n} {k}' for k, n in counts.items()) or 'none'}); {agreed} item(s) agreed")
            print(f"wrote {args.worksheet} (edit 'decision', 'record', 'reason' on each line) and {md_path} (to read)")
            print(f"then: geostance adjudicate {args.doc} --apply {args.worksheet}")
            return 0
        with lock.dataset_lock(root, args.wait, f"geostance adjudicate {args.doc} --apply"):
            return _apply_locked(root, args, names)
    except (AdjudicationError, ContributeError) as exc:
        print(f"geostance adjudicate: {exc}", file=sys.stderr)
        return getattr(exc, "status", 1)
    except transaction.TransactionError as exc:
        print(f"geostance adjudicate: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"geostance adjudicate: {exc.filename or ''}: {exc.strerror or exc}; nothing was changed", file=sys.stderr)
        return 1

