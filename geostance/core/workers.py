"""How many worker processes a verb uses by default (``--jobs``)."""

from __future__ import annotations

import os


def default_jobs() -> int:
    """One worker per core this process may use, at most 8 (``validate`` and ``build`` alike)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(n, 8))
