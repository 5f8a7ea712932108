#!/usr/bin/env python3
"""Benchmark of `geostance validate` on a synthetic corpus.

Generates (once, seeded) a corpus of N documents of about 100 records each
with geostance.validation.synth, then measures in fresh subprocesses, one process each:

  full      geostance.validation.validator.validate(): file + schema + semantics + consistency
  floor     orjson parsing plus the compiled schema check (jsonschema_rs is_valid)
            alone: the lower bound the validator is compared with
  reference jsonschema Draft202012Validator.iter_errors on a sample of records
  memory    peak RSS of full validation on N/10 and N documents (flat = streaming)

Imports and schema compilation come before the clock starts, and every file
is read once beforehand (by the parent process) so that every measure finds
the corpus in the page cache. Prints records/s and
peak memory. Timings are printed, never asserted.

usage: python scripts/bench_validate.py [--docs 10000] [--corpus DIR] [--seed 0]
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
import json, resource, sys, time
from pathlib import Path
mode, root = sys.argv[1], Path(sys.argv[2])
# imports and schema compilation are not timed
import orjson
from geostance.contract.schemas import fast_validator, reference_validator, batch_validator
from geostance.validation.validator import validate
batch_validator()
t0 = time.perf_counter()
if mode == "full":
    r = validate([root])
    n, bad = r.records, r.errors
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
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def warm(root: Path) -> None:
    """Read every file once, so that every measure finds them in the page cache."""
    for p in root.rglob("*"):
        if p.is_file():
            p.read_bytes()


def child(mode: str, root: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(root), *extra], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


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
    args = ap.parse_args()
    big = args.corpus / f"n{args.docs}"
    small = args.corpus / f"n{max(1, args.docs // 10)}"
    ensure_corpus(big, args.docs, args.seed)
    ensure_corpus(small, max(1, args.docs // 10), args.seed)

    warm(big)
    warm(small)
    rows = []
    full = child("full", big)
    floor = child("floor", big)
    ref = child("reference", big, str(args.reference_sample))
    small_full = child("full", small)
    for name, r in (("full validation", full), ("parse + compiled schema (floor)", floor), ("jsonschema reference (sample)", ref)):
        rows.append((name, r["records"], r["seconds"], r["records"] / r["seconds"], r["peak_rss_mib"], r["invalid"]))
    print()
    print(f"{'measure':<34} {'records':>10} {'seconds':>9} {'records/s':>12} {'peak MiB':>9} {'errors':>7}")
    for name, n, s, rps, mem, bad in rows:
        print(f"{name:<34} {n:>10,} {s:>9.2f} {rps:>12,.0f} {mem:>9.0f} {bad:>7}")
    print()
    full_rps = full["records"] / full["seconds"]
    floor_rps = floor["records"] / floor["seconds"]
    ref_rps = ref["records"] / ref["seconds"]
    print(f"full validation vs jsonschema reference: {full_rps / ref_rps:.1f}x faster")
    print(f"full validation vs floor (parse + compiled check): {floor_rps / full_rps:.2f}x slower")
    print(f"peak RSS, full validation: {small_full['peak_rss_mib']:.0f} MiB on {small_full['records']:,} records "
          f"({max(1, args.docs // 10):,} docs) vs {full['peak_rss_mib']:.0f} MiB on {full['records']:,} records ({args.docs:,} docs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
