"""Helpers shared by several test modules."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def hold_lock() -> Iterator[Callable[[Path], subprocess.Popen]]:
    """Start another process that takes a dataset's lock, says so, and sleeps until it is killed.

    The test kills it when it is done with it; any holder still running at the end is killed here."""
    started: list[subprocess.Popen] = []

    def start(root: Path) -> subprocess.Popen:
        script = textwrap.dedent(f"""
            import time
            from geostance.core import lock
            with lock.dataset_lock({str(root)!r}, wait=0, owner="geostance test-holder"):
                print("locked", flush=True)
                time.sleep(600)
        """)
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
