"""Build the wheel, install it into a fresh venv and use it from an unrelated folder.

Run by CI after the tests (``.ci/run``): ``python scripts/check_wheel.py``.
Checks what a user of ``pip install geostance`` gets, without the clone:
``geostance --version``, ``validate --list``, validating a copy of a dataset
folder, scoring a predictions file against the built view's Parquet file, and
``geostance.load`` / ``geostance.validate`` / ``geostance.score`` through the
public API. Exit 0 when every step passes, 1 otherwise (the failing step and
its output are printed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def step(title: str, cmd: list[str], cwd: Path) -> str:
    print(f"check_wheel: {title}", flush=True)
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"check_wheel: FAILED: {' '.join(cmd)} (exit {res.returncode})\n{res.stdout}\n{res.stderr}", file=sys.stderr)
        raise SystemExit(1)
    return res.stdout


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="geostance-wheel-") as tmp:
        t = Path(tmp)
        step("build the wheel", [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(t / "dist"), str(REPO)], t)
        wheel = next((t / "dist").glob("geostance-*.whl"))
        step("fresh venv", [sys.executable, "-m", "venv", str(t / "venv")], t)
        py = t / "venv" / "bin" / "python"
        step(f"install {wheel.name}", [str(py), "-m", "pip", "install", "-q", str(wheel)], t)
        work = t / "elsewhere"
        work.mkdir()
        shutil.copytree(REPO / "dataset", work / "my-dataset", ignore=shutil.ignore_patterns(".history"))
        pred = work / "majority.jsonl"
        shutil.copy(REPO / "baselines" / "predictions" / "pair" / "stance_classification" / "majority.jsonl", pred)
        exe = str(t / "venv" / "bin" / "geostance")
        print(step("geostance --version", [exe, "--version"], work).strip())
        listed = step("validate --list", [exe, "validate", "--list"], work)
        assert "E201" in listed or listed.count("\n") > 20, listed
        step("validate a dataset folder", [exe, "validate", "--dataset", "my-dataset"], work)
        parquet = "my-dataset/data/stance_classification/test.parquet"
        out = step("score against the built Parquet view", [exe, "score", "stance_classification", str(pred), "--gold", parquet], work)
        print(out.splitlines()[0] if out else "")
        api = ("import geostance, sys; ds = geostance.load('my-dataset'); r = geostance.validate(['my-dataset']);"
               " s = geostance.score('stance_classification', 'majority.jsonl', gold='" + parquet + "');"
               " assert 'china-backs-russia' in ds and r.errors == 0 and 'macro_f1' in s.as_dict()['scores'];"
               " assert 'site-packages' in geostance.__file__, geostance.__file__; print('api ok', geostance.__file__)")
        print(step("public API", [str(py), "-c", api], work).strip())
        if (REPO / "geostance").as_posix() in step("where the package is", [str(py), "-c", "import geostance; print(geostance.__file__)"], work):
            print("check_wheel: FAILED: the venv imported the clone, not the wheel", file=sys.stderr)
            return 1
    print("check_wheel: every step passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
