"""The package installs from a wheel and works outside the repository.

The wheel is built from this checkout and installed into a folder of its
own; the installed package is then run from an unrelated folder, so that
nothing can be read from the clone by accident (the schema files must come
from inside the wheel).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from geostance.core.paths import REPO_ROOT

pytestmark = pytest.mark.slow
SCHEMAS = sorted(p.name for p in (REPO_ROOT / "schema").glob("*.json"))
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "geostance", "schema")


def source_copy(dest: Path) -> Path:
    """What a build reads: the project files, without caches or build leftovers."""
    dest.mkdir()
    for name in SOURCES:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(source_copy(build / "src"))],
                   check=True, capture_output=True)
    (whl,) = out.glob("geostance-*.whl")
    return whl


def test_every_package_is_listed_in_pyproject() -> None:
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("packages = "))
    listed = set(ast.literal_eval(line.split("=", 1)[1].strip()))
    found = {".".join(p.parent.relative_to(REPO_ROOT).parts) for p in (REPO_ROOT / "geostance").rglob("__init__.py")}
    assert found | {"geostance.schema"} == listed


def test_the_wheel_carries_the_schema_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n.split("/")[-1] for n in names if n.startswith("geostance/schema/")) == SCHEMAS


def test_the_sdist_carries_the_schema_files(tmp_path: Path) -> None:
    src = source_copy(tmp_path / "src")
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path / 'out')!r}))"
    (tmp_path / "out").mkdir()
    name = subprocess.run([sys.executable, "-c", code], cwd=src, check=True, capture_output=True, text=True).stdout.split()[-1]
    members = tarfile.open(tmp_path / "out" / name).getnames()
    assert sorted(m.split("/")[-1] for m in members if "/schema/" in m and m.endswith(".json")) == SCHEMAS


def test_the_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "valid", elsewhere / "data")
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("GEOSTANCE_DATASET", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=elsewhere, env=env, capture_output=True, text=True)

    where = run("-c", "import geostance, geostance.core.paths as p; print(geostance.__file__); print(p.SCHEMA_DIR)")
    assert where.returncode == 0, where.stderr
    module, schema_dir = where.stdout.split()
    assert module.startswith(str(target)) and schema_dir == str(target / "geostance" / "schema")
    listed = run("-m", "geostance", "validate", "--list")
    assert listed.returncode == 0 and "span-text-mismatch" in listed.stdout
    checked = run("-m", "geostance", "validate", "data")
    assert checked.returncode == 0 and "0 error(s), 0 warning(s)" in checked.stdout, checked.stdout + checked.stderr


def test_readme_tree_matches_the_package():
    """README's package tree names every subpackage of geostance/ and every module in it, and nothing else."""
    import re

    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The package", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    rooms: dict[str, str] = {}
    current = None
    for line in block.splitlines()[1:]:
        m = re.match(r"  (\S+?)/?\s{2,}(.*)", line)
        if m and not line.startswith("   "):
            current = m.group(1)
            rooms[current] = m.group(2)
        elif current:
            rooms[current] += " " + line.strip()
    pkg = repo / "geostance"
    subpackages = sorted(p.name for p in pkg.iterdir() if p.is_dir() and (p / "__init__.py").is_file())
    assert sorted(r for r in rooms if r != "__init__.py") == subpackages
    for sub in subpackages:
        words = set(re.findall(r"[A-Za-z_]+", rooms[sub]))
        for mod in sorted((pkg / sub).glob("*.py")):
            if mod.stem != "__init__":
                assert mod.stem in words or mod.stem.replace("_", " ") in rooms[sub], f"README tree: {sub}/{mod.name} not described"
        for child in sorted(p for p in (pkg / sub).iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
            assert child.name in words, f"README tree: {sub}/{child.name}/ not described"
