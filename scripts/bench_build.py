#!/usr/bin/env python3
"""Benchmark of `geostance build` on the synthetic corpus of the validator benchmark.

Generates (once, seeded) a corpus of N documents of about 100 gold records
each with geostance.validation.synth (10,000 documents: about 1 million records), then
builds it in fresh subprocesses, one process each, and prints for each run:

  records/s   annotation records read, validated and built per second of wall
              time, end to end: reading, validation, rows of every config,
              Parquet, Croissant, manifest (and the card, unless --no-card);
              the `import datasets` of the child is outside the timing and
              printed apart
  cpu         user + system CPU seconds of the build (all processes)
  peak RSS    the largest resident set of the build process and of any one
              worker (resource.getrusage)
  output      bytes of data/ and of every file the build wrote

Runs: --jobs 1 (one process) and --jobs N (default: the cores), each on N/10
and N documents, so that memory that stays flat shows the build streams
(bounded by the largest document, not by the corpus). Timings are printed,
never asserted; the best of --repeat runs is shown (on a shared virtual
machine, runs a few minutes apart can differ by 20 %: use --repeat 3).

usage: python scripts/bench_build.py [--docs 10000] [--corpus DIR] [--seed 0] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, shutil, tempfile
from pathlib import Path
root, jobs, card = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "card"
t = time.perf_counter()
from geostance.hf import build as B
from geostance.hf import configs
configs.features()  # imports datasets
t_import = time.perf_counter() - t
out = Path(tempfile.mkdtemp(prefix="bench-build-"))
c0 = resource.getrusage(resource.RUSAGE_SELF); k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
res = B.build(root, out, with_card=card, jobs=jobs, log=open("/dev/null", "w"))
wall = time.perf_counter() - t0
c1 = resource.getrusage(resource.RUSAGE_SELF); k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime) + (k1.ru_utime - k0.ru_utime + k1.ru_stime - k0.ru_stime)
data = sum(p.stat().st_size for p in (out / "data").rglob("*.parquet"))
total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
rows = sum(res.stats.rows.values())
print(json.dumps({"records": res.stats.records, "rows": rows, "docs": len(res.stats.documents), "wall": wall, "cpu": cpu,
                  "import": t_import, "rss_main_mb": c1.ru_maxrss / 1024, "rss_worker_mb": k1.ru_maxrss / 1024,
                  "data_bytes": data, "total_bytes": total}))
shutil.rmtree(out)
"""


def corpus(path: Path, n_docs: int, seed: int) -> int:
    """Generate the corpus once; returns its number of gold records."""
    stamp = path / "corpus.json"
    want = {"docs": n_docs, "seed": seed}
    if stamp.is_file():
        got = json.loads(stamp.read_text())
        if {k: got.get(k) for k in want} == want:
            return got["records"]
    from geostance.validation import synth

    t = time.perf_counter()
    n = synth.generate(path, n_docs, seed)
    print(f"generated {n_docs:,} documents, {n:,} records in {time.perf_counter() - t:.1f} s: {path}")
    stamp.write_text(json.dumps(dict(want, records=n)))
    return n


def run(root: Path, jobs: int, card: bool) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(root), str(jobs), "card" if card else "no-card"],
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"build failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--corpus", type=Path, default=None, help="where to keep the generated corpora (default: a temporary folder)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=None, help="worker processes of the parallel run (default: the cores)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per setting; the fastest is shown")
    ap.add_argument("--no-card", action="store_true", help="leave README.md (the card) out of the build")
    args = ap.parse_args()
    jobs = args.jobs or len(os.sched_getaffinity(0))
    base = args.corpus or Path(tempfile.mkdtemp(prefix="geostance-bench-build-"))
    sizes = [max(args.docs // 10, 1), args.docs]
    roots = {}
    for n in sizes:
        roots[n] = base / f"synth-{n}-seed{args.seed}"
        corpus(roots[n], n, args.seed)
    print(f"{'docs':>7} {'jobs':>4} {'records':>10} {'rows out':>10} {'wall s':>7} {'records/s':>10} {'cpu s':>6} "
          f"{'peak RSS main':>13} {'worker':>7} {'data/ MB':>8} {'all MB':>7}")
    for n in sizes:
        for j in sorted({1, jobs}):
            best = min((run(roots[n], j, not args.no_card) for _ in range(args.repeat)), key=lambda r: r["wall"])
            print(f"{best['docs']:>7,} {j:>4} {best['records']:>10,} {best['rows']:>10,} {best['wall']:>7.2f} "
                  f"{best['records'] / best['wall']:>10,.0f} {best['cpu']:>6.1f} {best['rss_main_mb']:>10.0f} MB "
                  f"{best['rss_worker_mb']:>4.0f} MB {best['data_bytes'] / 1e6:>8.1f} {best['total_bytes'] / 1e6:>7.1f}")
    print(f"(import datasets in each child, outside the timing: about {best['import']:.1f} s)")


if __name__ == "__main__":
    main()
