"""Bootstrap confidence intervals over resampled units of counts.

95 % percentile intervals (Efron and Tibshirani 1993, *An Introduction to
the Bootstrap*) from seeded resamples of *units*. The default unit is the
sentence: all rows of a sentence are drawn together, since rows of one
sentence share their text and are not independent (a cluster bootstrap;
Field and Welsh 2007, *J. R. Stat. Soc. B* 69(3)). Resampling never touches
the rows themselves: each unit adds a vector of counts (its cells of the
confusion matrix, its span counts), units with the same vector are
interchangeable, so drawing U units with replacement is one multinomial
draw over the distinct vectors (:func:`resample_counts`), and a replicate's
counts are that draw times the matrix of distinct vectors. The result has
exactly the distribution of resampling the units one by one, and costs
O(resamples x distinct vectors). Where a measure is undefined in some
resamples, :func:`defined_interval` takes the interval over the others and
says how many were left out.

>>> import numpy as np
>>> lo, hi = percentile_interval(np.arange(1001.0))
>>> round(float(lo), 9), round(float(hi), 9)
(25.0, 975.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np




DEFAULT_RESAMPLES = 1000


DEFAULT_SEED = 0


CONFIDENCE = 0.95


@dataclass
class Contributions:
    """What each item adds to the counts a scorer's measures are computed from.

    ``cells``: arrays of length n_items; item i adds 1 to column
    ``cells[j][i]`` for each j (a confusion-matrix cell; two arrays when two
    systems are scored together). ``extra``: further additions as
    (item, column, value) arrays. ``units``: the resampling unit of each
    item (0..n_units-1), or ``None`` when every item is its own unit.
    """

    n_columns: int
    n_items: int
    cells: list[np.ndarray] = field(default_factory=list)
    extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    units: np.ndarray | None = None
    n_units: int = 0

    def __post_init__(self) -> None:
        if self.units is None:
            self.n_units = self.n_items

    def totals(self) -> np.ndarray:
        """The counts of the whole sample (a vector of ``n_columns``)."""
        out = np.zeros(self.n_columns, dtype=np.int64)
        for c in self.cells:
            out += np.bincount(c, minlength=self.n_columns)
        if self.extra is not None:
            item, col, val = self.extra
            out += np.bincount(col, weights=val, minlength=self.n_columns).astype(np.int64)
        return out

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct per-unit count vectors ``(D, n_columns)`` and how many
        units have each ``(D,)``; sums to :meth:`totals` when weighted."""
        m = self.n_columns
        if self.units is None and self.extra is None and self.cells:
            # fast path: each item is its own unit and adds one cell per array
            key = np.ravel_multi_index(tuple(self.cells), (m,) * len(self.cells)) if len(self.cells) > 1 else self.cells[0]
            counts = np.bincount(key, minlength=m ** len(self.cells))
            used = np.flatnonzero(counts)
            rows = np.zeros((used.size, m), dtype=np.int64)
            parts = np.unravel_index(used, (m,) * len(self.cells))
            for p in parts:
                np.add.at(rows, (np.arange(used.size), p), 1)
            return rows, counts[used]
        units = self.units if self.units is not None else np.arange(self.n_items)
        dense = np.zeros((self.n_units, m), dtype=np.int64)
        for c in self.cells:
            np.add.at(dense, (units, c), 1)
        if self.extra is not None:
            item, col, val = self.extra
            np.add.at(dense, (units[item], col), val.astype(np.int64))
        rows, mult = np.unique(dense, axis=0, return_counts=True)
        return rows, mult

    def joined(self, other: "Contributions") -> "Contributions":
        """Columns of ``self`` then ``other`` (same items and units): two systems scored together."""
        if other.n_items != self.n_items:
            raise ValueError("the two systems were scored on different items")
        m = self.n_columns
        extra = None
        if self.extra is not None or other.extra is not None:
            parts = [e for e in (self.extra, None if other.extra is None else (other.extra[0], other.extra[1] + m, other.extra[2])) if e is not None]
            extra = tuple(np.concatenate([p[k] for p in parts]) for k in range(3))  # type: ignore[assignment]
        return Contributions(m + other.n_columns, self.n_items, [*self.cells, *[c + m for c in other.cells]],
                             extra, self.units, self.n_units)


def resample_counts(distinct: np.ndarray, mult: np.ndarray, resamples: int, rng: np.random.Generator,
                    chunk: int = 2_000_000) -> np.ndarray:
    """Bootstrap replicates of the total counts: ``(resamples, n_columns)`` float64.

    Drawing ``U = mult.sum()`` units with replacement and summing their count
    vectors is drawing how often each distinct vector is chosen, a
    multinomial(U, mult / U) vector, and multiplying it into ``distinct``.
    Work is done in chunks of about ``chunk`` numbers.

    >>> rng = np.random.default_rng(0)
    >>> reps = resample_counts(np.array([[1, 0], [0, 1]]), np.array([3, 1]), 5, rng)
    >>> reps.shape, bool((reps.sum(axis=1) == 4).all())
    ((5, 2), True)
    """
    u = int(mult.sum())
    pvals = mult / u
    d = distinct.astype(np.float64)
    step = max(1, chunk // max(1, len(mult)))
    out = np.empty((resamples, distinct.shape[1]), dtype=np.float64)
    for lo in range(0, resamples, step):
        n = min(step, resamples - lo)
        w = rng.multinomial(u, pvals, size=n).astype(np.float64)
        out[lo:lo + n] = w @ d
    return out


def defined_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float | None, float | None, int]:
    """The percentile interval of one measure's replicates over those where
    it is defined (not NaN), and how many are not; ``(None, None, n)`` when
    none is.

    >>> [round(x, 9) for x in defined_interval(np.array([np.nan, *range(101)]))]
    [2.5, 97.5, 1]
    >>> defined_interval(np.array([np.nan, np.nan]))
    (None, None, 2)
    """
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    n_undefined = int(v.size - np.count_nonzero(ok))
    if not ok.any():
        return None, None, n_undefined
    low, high = percentile_interval(v[ok], confidence)
    return float(low), float(high), n_undefined


def percentile_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """The percentile bootstrap interval along axis 0 (Efron and Tibshirani
    1993, *An Introduction to the Bootstrap*, ch. 13): the (1-c)/2 and
    (1+c)/2 quantiles of the replicates, numpy's linear interpolation.

    >>> lo, hi = percentile_interval(np.arange(101.0))
    >>> round(float(lo), 9), round(float(hi), 9)
    (2.5, 97.5)
    """
    a = (1.0 - confidence) / 2.0
    q = np.quantile(values, [a, 1.0 - a], axis=0)
    return q[0], q[1]
