#!/usr/bin/env python3
"""Benchmark of `geostance validate` on a synthetic corpus.

Generates (once, seeded) a corpus of N documents of about 100 records each
with geostance.validation.synth, then measures in fresh subprocesses, one process each:

  full      geostance.validation.validator.validate(): file + schema + semantics + consistency
  floor     orjson parsing plus the compiled schema check (jsonschema_rs is_valid)
            alone: the lower bound the validator is compared with
  levels 1-2  full validation with the level-3 and level-4 checks (semantics,
            consistency) left out: what reading every file, the documents,
            parsing and the schema check cost, and so how much of the time
            the checks written in Python take (full minus this)
  reference jsonschema Draft202012Validator.iter_errors on a sample of records
  memory    peak RSS of full validation on N/10 and N documents (flat = streaming)
  jobs      full validation with --jobs J worker processes (default: one per
            core): speed-up over one job, peak RSS of the parent and of the
            largest worker, on N/10 and N documents
  big       `geostance validate` (the command, report written to /dev/null) on
            one file of about 200 MB holding one document: the dataset's gold
            file repeated --big-repeats times (built once in the corpus folder)

Each timing is the median of --repeat runs (the machine may be shared and noisy).

Imports and schema compilation come before the clock starts, and every file
is read once beforehand (by the parent process) so that every measure finds
the corpus in the page cache. Prints records/s and
peak memory. Timings are printed, never asserted.

usage: python scripts/bench_validate.py [--docs 10000] [--corpus DIR] [--seed 0] [--jobs J] [--repeat 3]
                                        [--big-repeats 3600] [--skip-big]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
mode, root = sys.argv[1], Path(sys.argv[2])
# imports and schema compilation are not timed
import orjson
from geostance.contract.schemas import fast_validator, reference_validator, batch_validator
from geostance.validation.validator import validate
batch_validator()
if mode == "levels12":  # levels 3 and 4 find nothing and cost nothing
    from geostance.validation import consistency, semantics
    semantics.check = consistency.check = lambda *a, **k: iter(())
t0 = time.perf_counter()
if mode in ("full", "levels12"):
    r = validate([root], jobs=int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    n, bad = r.records, r.errors
elif mode == "cli":
    from geostance.cli import main
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        sys.stdout = os.fdopen(os.dup(1), "w")
        rc = main(["validate", str(root)])
        sys.stdout.flush()
    os.dup2(saved, 1)
    sys.stdout = os.fdopen(saved, "w")
    n, bad = 0, rc
elif mode == "floor":
    vs = {k: fast_validator(k) for k in ("sentence", "mention", "entity", "stance", "relation")}
    n = bad = 0
    for p in sorted((root / "annotations" / "gold").glob("*.jsonl")):
        for line in p.read_bytes().splitlines():
            rec = orjson.loads(line)
            n += 1
            if not vs[rec["kind"]].is_valid(rec):
                bad += 1
elif mode == "reference":
    vs = {k: reference_validator(k) for k in ("sentence", "mention", "entity", "stance", "relation")}
    n = bad = 0
    limit = int(sys.argv[3])
    for p in sorted((root / "annotations" / "gold").glob("*.jsonl")):
        for line in p.read_bytes().splitlines():
            rec = orjson.loads(line)
            n += 1
            if any(True for _ in vs[rec["kind"]].iter_errors(rec)):
                bad += 1
        if n >= limit:
            break
dt = time.perf_counter() - t0
print(json.dumps({"mode": mode, "records": n, "invalid": bad, "seconds": dt,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "workers_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def warm(root: Path) -> None:
    """Read every file once, so that every measure finds them in the page cache."""
    for p in root.rglob("*"):
        if p.is_file():
            p.read_bytes()


def child(mode: str, root: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(root), *extra], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def median_child(repeat: int, mode: str, root: Path, *extra: str) -> dict:
    """The run of median time among ``repeat`` runs (its memory is that run's;
    the peak is the largest of all)."""
    runs = sorted((child(mode, root, *extra) for _ in range(max(1, repeat))), key=lambda r: r["seconds"])
    mid = dict(runs[len(runs) // 2])
    mid["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    mid["workers_peak_rss_mib"] = max(r["workers_peak_rss_mib"] for r in runs)
    mid["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    return mid


def ensure_big(folder: Path, repeats: int) -> Path:
    """A dataset folder whose one gold file is the repository's gold file(s)
    repeated ``repeats`` times (about 200 MB for 3,600): one document."""
    import shutil

    repo = Path(__file__).resolve().parent.parent / "dataset"
    stamp = folder / ".big.json"
    want = {"repeats": repeats}
    if stamp.is_file() and json.loads(stamp.read_text()) == want:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "annotations" / "gold").mkdir(parents=True)
    shutil.copytree(repo / "documents", folder / "documents")
    for g in sorted((repo / "annotations" / "gold").glob("*.jsonl")):
        data = g.read_bytes()
        with open(folder / "annotations" / "gold" / g.name, "wb") as f:
            for _ in range(repeats):
                f.write(data)
    stamp.write_text(json.dumps(want))
    return folder


def ensure_corpus(root: Path, n_docs: int, seed: int) -> None:
    from geostance.validation.synth import generate

    stamp = root / ".synth.json"
    want = {"docs": n_docs, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text()) == want:
        return
    t0 = time.perf_counter()
    print(f"generating {n_docs:,} synthetic documents in {root} ...", flush=True)
    n = generate(root, n_docs, seed)
    stamp.write_text(json.dumps(want))
    print(f"  {n:,} records in {time.perf_counter() - t0:.1f} s", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "geostance-bench-corpus")
    ap.add_argument("--reference-sample", type=int, default=20_000, help="records for the jsonschema reference run")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes of the jobs measure (default: one per core)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; the median is reported")
    ap.add_argument("--big-repeats", type=int, default=3600, help="copies of the gold file in the one-document file")
    ap.add_argument("--skip-big", action="store_true", help="skip the one-document file")
    args = ap.parse_args()
    from geostance.core.workers import default_jobs

    jobs = args.jobs or default_jobs()
    big = args.corpus / f"n{args.docs}"
    small = args.corpus / f"n{max(1, args.docs // 10)}"
    ensure_corpus(big, args.docs, args.seed)
    ensure_corpus(small, max(1, args.docs // 10), args.seed)

    warm(big)
    warm(small)
    rows = []
    full = median_child(args.repeat, "full", big, "1")
    floor = median_child(args.repeat, "floor", big)
    lv12 = median_child(args.repeat, "levels12", big, "1")
    ref = child("reference", big, str(args.reference_sample))
    small_full = median_child(args.repeat, "full", small, "1")
    par = median_child(args.repeat, "full", big, str(jobs))
    small_par = median_child(args.repeat, "full", small, str(jobs))
    for name, r in (("full validation", full), ("parse + compiled schema (floor)", floor),
                    ("full without levels 3-4", lv12),
                    ("jsonschema reference (sample)", ref), (f"full validation, --jobs {jobs}", par)):
        rows.append((name, r["records"], r["seconds"], r["records"] / r["seconds"], r["peak_rss_mib"], r["invalid"]))
    print()
    print(f"{'measure':<34} {'records':>10} {'seconds':>9} {'records/s':>12} {'peak MiB':>9} {'errors':>7}")
    for name, n, s, rps, mem, bad in rows:
        print(f"{name:<34} {n:>10,} {s:>9.2f} {rps:>12,.0f} {mem:>9.0f} {bad:>7}")
    print()
    full_rps = full["records"] / full["seconds"]
    floor_rps = floor["records"] / floor["seconds"]
    ref_rps = ref["records"] / ref["seconds"]
    par_rps = par["records"] / par["seconds"]
    print(f"runs (seconds): full {full['all_seconds']}, floor {floor['all_seconds']}, without levels 3-4 "
          f"{lv12['all_seconds']}, --jobs {jobs} {par['all_seconds']}")
    print(f"full validation vs jsonschema reference: {full_rps / ref_rps:.1f}x faster")
    print(f"full validation vs floor (parse + compiled check): {floor_rps / full_rps:.2f}x slower")
    print(f"full without levels 3-4 vs floor: {lv12['seconds'] / floor['seconds']:.2f}x; the level-3 and level-4 checks "
          f"take {full['seconds'] - lv12['seconds']:.2f} s of the full run "
          f"({(full['seconds'] - lv12['seconds']) / full['records'] * 1e6:.2f} µs per record)")
    print(f"--jobs {jobs} vs one job: {par_rps / full_rps:.2f}x the throughput")
    print(f"peak RSS, full validation: {small_full['peak_rss_mib']:.0f} MiB on {small_full['records']:,} records "
          f"({max(1, args.docs // 10):,} docs) vs {full['peak_rss_mib']:.0f} MiB on {full['records']:,} records ({args.docs:,} docs)")
    print(f"peak RSS, --jobs {jobs}: parent {small_par['peak_rss_mib']:.0f} MiB, largest worker "
          f"{small_par['workers_peak_rss_mib']:.0f} MiB ({max(1, args.docs // 10):,} docs) vs parent "
          f"{par['peak_rss_mib']:.0f} MiB, largest worker {par['workers_peak_rss_mib']:.0f} MiB ({args.docs:,} docs)")
    if not args.skip_big:
        folder = ensure_big(args.corpus / f"big{args.big_repeats}", args.big_repeats)
        size = sum(p.stat().st_size for p in (folder / "annotations" / "gold").glob("*.jsonl"))
        warm(folder)
        b = median_child(args.repeat, "cli", folder)
        print(f"one document of {size / 1e6:.0f} MB (gold x {args.big_repeats:,}), `geostance validate` with its report: "
              f"{b['seconds']:.1f} s (runs {b['all_seconds']}), peak RSS {b['peak_rss_mib']:.0f} MiB, exit {b['invalid']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
