"""``geostance reproduce`` on a clean clone leaves the work tree clean.

The clone is made of the files a commit of this work tree holds (tracked and
untracked files that are not ignored), committed into a fresh repository;
``geostance reproduce`` runs there with the clone's own package (PYTHONPATH),
and then ``git status --porcelain`` must print nothing: every file it writes
is either byte-identical to the committed one or ignored (the timings).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geostance.core.paths import REPO_ROOT

GIT = shutil.which("git")


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
@pytest.mark.skipif(GIT is None or not (REPO_ROOT / ".git").exists(), reason="needs git and a git work tree")
def test_reproduce_on_a_clean_clone_leaves_git_status_empty(tmp_path: Path) -> None:
    files = _git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    clone = tmp_path / "clone"
    for rel in filter(None, files):
        src = REPO_ROOT / rel
        if src.is_file():  # a tracked file deleted in the work tree is not part of its commit
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / rel)
    _git(clone, "init", "-q")
    _git(clone, "add", "-A")
    _git(clone, "commit", "-q", "-m", "clone")
    assert _git(clone, "status", "--porcelain") == ""

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEOSTANCE_", "PYTHONPATH", "HF_"))}
    env.update(PYTHONPATH=str(clone), HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    where = subprocess.run([sys.executable, "-c", "import geostance.core.paths as p; print(p.REPO_ROOT)"], cwd=clone, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where) == clone  # the clone's package runs, writing into the clone
    proc = subprocess.run([sys.executable, "-m", "geostance", "reproduce"], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "== Results" in proc.stdout and "pair-disjoint folds (headline)" in proc.stdout
    assert (clone / "baselines" / "timings.json").is_file()  # written, and ignored
    assert _git(clone, "status", "--porcelain", "--untracked-files=all") == ""
