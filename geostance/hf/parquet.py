"""From rows to Arrow tables to Parquet files, a row group at a time.

:func:`to_table` and :func:`pair_table` turn a chunk's tuples (or a pair
view's index batches) into Arrow tables at once, with no dict per row;
:class:`Sink` keeps one ``ParquetWriter`` per config and writes row groups of
exactly :func:`geostance.hf.configs.row_group_size` rows, so memory is bounded
by a few chunks; :class:`SourceLog` keeps the source files' sha256 on disk for
the manifest instead of in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate, chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from geostance.hf import views
from geostance.hf.configs import PARQUET_OPTIONS, encoders, columns, features
from geostance.hf.configs import row_group_size as config_row_group_size
from geostance.hf.rows import COUNTED, Stats, position



class SourceLog:
    """The manifest's list of source files and their sha256, kept in a file
    (one JSON array per line) while the build runs, so that the parent's
    memory does not grow with the corpus; iterated once, by the manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "wb")

    def extend(self, sources: Iterable[tuple[str, str]]) -> None:
        self._file.write(b"".join(orjson.dumps(s) + b"\n" for s in sources))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self._file.flush()
        with open(self.path, "rb") as f:
            for line in f:
                path, sha = orjson.loads(line)
                yield path, sha

    def close(self) -> None:
        self._file.close()


def collect(stats: Stats, config: str, cols: list[Sequence[Any]]) -> None:
    """Count what the card reports from one config's columns (label names, not indices)."""
    at = position(config)
    for key, col, name in COUNTED.get(config, ()):
        c = Counter(cols[at[col]])
        if name is not None:
            named: Counter[str] = Counter()
            for v, n in c.items():
                named[name(v)] += n
            c = named
        stats.count(key, c)
    if config == "ner":
        stats.fold_rows[config].update(cols[at["fold"]])
        stats.ner_tokens += sum(map(len, cols[at["tokens"]]))
        tags = Counter(chain.from_iterable(cols[at["tags"]]))
        tags.pop("O", None)
        stats.count("ner_tag", tags)


@lru_cache(maxsize=None)
def _plain_schema(config: str) -> Any:
    """The Arrow schema of a config without the (large) feature metadata,
    for the tables passed between processes."""
    return features()[config].arrow_schema.remove_metadata()


@lru_cache(maxsize=None)
def _converters(config: str) -> list[tuple[Any, dict[str, int] | None]]:
    """(Arrow type, ClassLabel name -> index or None) of each column, in order."""
    enc = {col: index for col, index, _ in encoders(features()[config])}
    return [(f.type, enc.get(f.name)) for f in _plain_schema(config)]


def transpose(rows: list[tuple[Any, ...]], width: int) -> list[Sequence[Any]]:
    """Row tuples -> one sequence per column."""
    return list(zip(*rows)) if rows else [()] * width


def _array(values: Sequence[Any], typ: Any, index: dict[str, int] | None) -> Any:
    """One column (label names as strings) -> an Arrow array (labels as
    ClassLabel indices); lists are built from their flattened values."""
    import pyarrow as pa

    if pa.types.is_list(typ):
        mask = None
        try:
            offsets = [0, *accumulate(map(len, values))]
        except TypeError:  # null lists
            mask = pa.array([v is None for v in values], pa.bool_())
            values = [() if v is None else v for v in values]
            offsets = [0, *accumulate(map(len, values))]
        flat: list[Any] = list(chain.from_iterable(values))
        vt = typ.value_type
        if index is not None:
            flat = list(map(index.__getitem__, flat))
        if pa.types.is_struct(vt):
            child = pa.StructArray.from_arrays([pa.array(list(map(itemgetter(f.name), flat)), f.type) for f in vt],
                                               fields=list(vt))
        else:
            child = pa.array(flat, vt)
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), child, type=typ, mask=mask)
    if index is not None:
        try:
            values = list(map(index.__getitem__, values))
        except KeyError:  # nulls (or a name that is not a label: raises again)
            values = [None if v is None else index[v] for v in values]
    return pa.array(values, type=typ)


def pair_table(config: str, batch: views.PairBatch, stats: Stats) -> Any:
    """A pair view's batch -> an Arrow table: the columns of the sentences
    and parts are converted once each, then taken by the rows' indices.
    Counts the view's labels and rows per fold into ``stats``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    conv = _converters(config)
    w = batch.part_width
    rest = len(conv) - 5 - 2 * w  # row columns between the parts and fold
    sents = transpose(batch.sentences, 4)
    parts = transpose(batch.parts, 1 + w)
    rows = transpose(batch.rows, 3 + rest)
    stats.count(config, rows[3 + columns(config).index("label") - 4 - 2 * w])
    stats.fold_rows[config].update(rows[-1])  # the row's (pair-disjoint) fold
    stats.sentence_fold_rows[config].update(map(sents[3].__getitem__, rows[0]))
    s_idx, a_idx, b_idx = (pa.array(rows[i], pa.int32()) for i in range(3))
    # the parts' columns as the first argument's columns, and as the second's
    first = [_array(parts[1 + k], *conv[4 + k]) for k in range(w)]
    second = [first[k] if conv[4 + w + k] == conv[4 + k] else _array(parts[1 + k], *conv[4 + w + k]) for k in range(w)]
    ids = pc.binary_join_element_wise(pa.array(parts[0], pa.string()).take(a_idx), second[0].take(b_idx), views.ID_JOIN)
    arrays = [ids]
    arrays += [_array(sents[k], *conv[1 + k]).take(s_idx) for k in range(3)]
    arrays += [c.take(a_idx) for c in first] + [c.take(b_idx) for c in second]
    arrays += [_array(rows[3 + j], *conv[4 + 2 * w + j]) for j in range(rest)]
    arrays.append(_array(sents[3], *conv[-1]).take(s_idx))
    return pa.Table.from_arrays(arrays, schema=_plain_schema(config))


def to_table(config: str, cols: list[Sequence[Any]]) -> Any:
    """Columns (label names as strings) -> an Arrow table (labels as ClassLabel indices)."""
    import pyarrow as pa

    arrays = [_array(values, typ, index) for values, (typ, index) in zip(cols, _converters(config))]
    return pa.Table.from_arrays(arrays, schema=_plain_schema(config))


class Sink:
    """Arrow tables of one config to one Parquet file, in row groups of
    exactly ``row_group_size`` rows (default: the config's,
    :func:`geostance.hf.configs.row_group_size`; the last one shorter), each written as
    one contiguous chunk so that the bytes do not depend on how the rows
    arrived."""

    def __init__(self, path: Path, config: str, row_group_size: int | None = None) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.schema = features()[config].arrow_schema
        self.row_group_size = row_group_size if row_group_size is not None else config_row_group_size(config)
        self.pending: list[Any] = []
        self.pending_rows = 0
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS)

    def add(self, table: Any) -> None:
        import pyarrow as pa

        if table.num_rows == 0:
            return
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows < self.row_group_size:
            return
        combined = pa.concat_tables(self.pending)
        n = self.row_group_size
        while self.pending_rows >= n:
            self._write(combined.slice(0, n))
            combined = combined.slice(n)
            self.pending_rows -= n
        self.pending = [combined] if self.pending_rows else []

    def _write(self, table: Any) -> None:
        import pyarrow as pa

        t = pa.concat_tables([table]).combine_chunks() if table.num_rows else table
        t = t.replace_schema_metadata(self.schema.metadata)
        self.writer.write_table(t, row_group_size=self.row_group_size)
        self.rows += t.num_rows
        # the allocator would otherwise keep the row group's pages
        # (tens of MB over a large build)
        pa.default_memory_pool().release_unused()

    def close(self) -> int:
        """Write what is left; returns the uncompressed size of the data (num_bytes)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.pending_rows or self.rows == 0:
            self._write(pa.concat_tables(self.pending) if self.pending else self.schema.empty_table())
            self.pending, self.pending_rows = [], 0
        self.writer.close()
        md = pq.ParquetFile(self.path).metadata
        return sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
