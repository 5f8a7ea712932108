"""The Hugging Face dataset, built from the validated gold.

The dataset folder doubles as the Hub repository. The build reads its source
files (``documents/``, ``annotations/gold/``, ``annotations/raw/``) and
writes, next to them::

    data/<config>/test.parquet   one Parquet file per config (:data:`CONFIGS`)
    croissant.json               Croissant 1.0 metadata (geostance.hf.croissant)
    README.md                    the card: YAML front matter + CARD.md (geostance.hf.card)
    MANIFEST.json                sha256, size and rows of every built file, the writer versions

Every config is one Parquet file written with pyarrow (no loading script;
one file format, so ``datasets`` never mixes loaders), features embedded in
the file's schema and declared again in the card's YAML.

Streaming: documents are read (each file once), validated and turned into
rows in chunks of :data:`CHUNK_DOCS` documents (sorted doc_id order), by
``--jobs`` worker processes (:func:`process`). A chunk's rows are tuples, or
for the pair views indices into the sentences and arguments they pair
(:class:`geostance.hf.views.PairBatch`), turned into Arrow columns at once: no
dict per row. The tables go, in document order, to one
``pyarrow.parquet.ParquetWriter`` per config in row groups of exactly
:func:`geostance.hf.configs.row_group_size` rows (10,000; 100 for the texts
of ``documents``), so memory is bounded by a few chunks plus one row group
per config, whatever the number of documents. A document's
folds depend on nothing but its id and number of sentences
(:func:`geostance.hf.views.document_folds`), so they are computed with its rows;
no pass over the corpus comes first. Per document, the parent keeps its id
and its row of the card's documents table (:class:`geostance.hf.rows.Stats`); the source
files' sha256 for the manifest go to a file (:class:`geostance.hf.parquet.SourceLog`) and the
manifest is written from it in pieces; everything else is a counter.

Reproducible: rows are in a fixed order (document, then record or sentence
order), the writer options are fixed (:data:`PARQUET_OPTIONS`), nothing
records a time or a path, and the versions that change bytes (pyarrow,
datasets) are pinned in pyproject.toml and recorded in the manifest.
Building twice gives byte-identical files; ``geostance build --check``
rebuilds into a temporary folder and names every committed file that differs.

Nothing half-written: the Parquet files are written into a temporary folder
inside the output folder and moved into place only when every document has
been read and validated; each small file is written atomically
(:mod:`geostance.core.atomic`).

The command line (``geostance build``) is :mod:`geostance.cli.build`.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from geostance.contract import records
from geostance.core import atomic, jsonl, paths
from geostance.hf import views
from geostance.core.findings import Report
from geostance.hf.configs import CONFIGS, CROISSANT, MANIFEST, MODALITY_VIEWS, PAIR_VIEWS, README, columns, data_file, features
from geostance.hf.manifest import manifest, rel_path, sha256_file, versions
from geostance.hf.parquet import Sink, SourceLog, collect, pair_table, transpose, to_table
from geostance.hf.rows import Stats, document_row, layer_rows, raw_rows

Rec = dict[str, Any]


# ------------------------------------------------------------------ features


# ------------------------------------------------------------------ rows of the layers
#
# Rows are tuples in the order of the config's columns (:func:`columns`): a
# chunk's rows are turned into Arrow columns at once (:func:`to_table`), with
# no dict per row.


# ------------------------------------------------------------------ statistics for the card


# ------------------------------------------------------------------ rows -> Arrow -> Parquet


# ------------------------------------------------------------------ reading and validating the sources


class BuildError(Exception):
    """The sources cannot be built; the message says why (findings included)."""


def _read_valid(path: Path, rel: str, store: Any, report: Report, doc_id: str, has_text: bool,
                stats: Stats) -> dict[str, list[Rec]]:
    """Read (and hash, for the manifest), parse and validate one annotation
    file (``rel``: its path relative to the dataset folder); its valid
    records by kind, in file order."""
    from geostance.validation import validator as validate
    from geostance.core.findings import Finding

    name = store.display(path)
    report.files += 1
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.add(Finding("unreadable-path", name, 0, "", f"cannot read the file: {exc.strerror or exc}"))
        return {}
    stats.sources.append((rel, hashlib.sha256(data).hexdigest()))
    recs, found = jsonl.parse(data, name)
    del data
    report.extend(found)
    if not has_text:
        # a document shipped without its text: records may omit the surface
        # text, which the schema requires; check them with the text exempt
        recs = [(line, records.exempt_text(r)) for line, r in recs]
    groups = validate.validate_records(recs, name, store, report, doc_id)
    # the build reads surface text from the document text by offsets, never
    # from the records, so the exempted records need no undoing
    return {k: [r for _, r in g] for k, g in groups.items()}


@dataclass
class Source:
    """One document's inputs, read and validated: records by kind."""

    doc_id: str
    record: Rec
    text: str | None
    gold: dict[str, list[Rec]]
    raw: dict[str, dict[str, list[Rec]]]


@dataclass
class Part:
    """What a chunk of documents gives: its findings, statistics, messages
    and one Arrow table per config (None when a source had an error).

    A worker process passes the tables back in a spool file (``spool``: its
    path and the byte range of each config's Arrow IPC stream) rather than
    through the result pipe, which would pickle and copy them several times
    (:meth:`to_spool`, :meth:`load`)."""

    findings: list[Any]
    files: int
    records: int
    stats: Stats
    messages: list[str]
    tables: dict[str, Any] | None
    spool: tuple[str, dict[str, tuple[int, int]]] | None = None

    def to_spool(self, path: Path) -> None:
        """Move the tables into the spool file ``path``."""
        import pyarrow as pa

        if self.tables is None:
            return
        ranges = {}
        with pa.OSFile(str(path), "wb") as f:
            for c, t in self.tables.items():
                start = f.tell()
                with pa.ipc.new_stream(f, t.schema) as w:
                    w.write_table(t)
                ranges[c] = (start, f.tell())
        self.tables, self.spool = None, (str(path), ranges)

    def load(self) -> dict[str, Any] | None:
        """The tables (read from the spool file, which is then removed).

        Each config's table gets a buffer of its own (not a slice of one
        buffer or mapping of the whole file): a sink may hold a small table
        until its row group fills, and must not keep the rest alive."""
        import os

        import pyarrow as pa

        if self.spool is None:
            return self.tables
        path, ranges = self.spool
        tables = {}
        with pa.OSFile(path) as f:
            for c, (a, b) in ranges.items():
                f.seek(a)
                tables[c] = pa.ipc.open_stream(f.read_buffer(b - a)).read_all()
        os.unlink(path)
        return tables


_CONTEXT: dict[str, Any] = {}  # root of the running build (inherited by forked workers)


def process(doc_ids: list[str], spool: Path | None = None) -> Part:
    """Read, validate and turn into Arrow tables the documents ``doc_ids``
    (in order); with ``spool``, the tables go into that file (:class:`Part`).

    The cyclic garbage collector is off meanwhile: a chunk allocates many
    short-lived records and rows, none in cycles that outlive it, and the
    collector's passes over them cost a few per cent."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _process(doc_ids, spool)
    finally:
        if enabled:
            gc.enable()


def _process(doc_ids: list[str], spool: Path | None) -> Part:
    from geostance.validation import validator as validate

    root: Path = _CONTEXT["root"]
    report = Report()
    stats = Stats()
    messages: list[str] = []
    rows: dict[str, list[tuple[Any, ...]]] = {c: [] for c in CONFIGS if c not in PAIR_VIEWS and c not in MODALITY_VIEWS}
    pairs = {c: views.PairBatch(part_width=w) for c, (_, w) in PAIR_VIEWS.items()}
    store = validate.DocumentStore(paths.documents_dir(root), root.parent, cache_size=1)
    for doc_id in doc_ids:
        gold = paths.gold_path(root, doc_id)
        if not gold.is_file():
            stats.skipped.append(doc_id)
            messages.append(f"{doc_id}: no gold annotations ({store.display(gold)}), skipped")
            continue
        doc = store.get(doc_id, report)
        if doc is None:
            continue  # reported
        has_text = doc.text is not None
        rec_path = paths.document_record_path(root, doc_id)
        stats.sources.append((rel_path(rec_path, root), sha256_file(rec_path)))
        if has_text:  # its sha256 was checked against the record's by the store
            stats.sources.append((rel_path(paths.text_path(root, doc_id), root), doc.record["sha256"]))
        g = _read_valid(gold, rel_path(gold, root), store, report, doc_id, has_text, stats)
        raw = {}
        for a in paths.annotators(root, doc_id):
            p = paths.raw_path(root, doc_id, a)
            raw[a] = _read_valid(p, rel_path(p, root), store, report, doc_id, has_text, stats)
        if report.errors:
            continue  # keep validating to report everything, build nothing
        document_rows(Source(doc_id, doc.record, doc.text, g, raw), rows, pairs, stats)
    tables = None
    if not report.errors:
        tables = {}
        for c in CONFIGS:
            if c in MODALITY_VIEWS:
                tables[c] = pair_table(c, pairs[MODALITY_VIEWS[c]].modality_batch(), stats)
                continue
            if c in pairs:
                tables[c] = pair_table(c, pairs[c], stats)
                continue
            cols = transpose(rows.pop(c), len(columns(c)))
            collect(stats, c, cols)
            tables[c] = to_table(c, cols)
    part = Part(report.kept, report.files, report.records, stats, messages, tables)
    if spool is not None:
        part.to_spool(spool)
    return part


def document_rows(src: Source, rows: dict[str, list[tuple[Any, ...]]], pairs: dict[str, views.PairBatch],
                  stats: Stats) -> None:
    """Append the rows of every config for one document; count what the card reports."""
    g = src.gold
    doc = views.Doc(src.doc_id, src.text, g.get("sentence", []), g.get("mention", []), g.get("entity", []),
                    g.get("stance", []), g.get("relation", []))
    # a document's folds depend on nothing but its id and number of sentences
    folds = views.Folds.of_document(src.doc_id, len(doc.sentences))
    stats.fold_sentences = [a + b for a, b in zip(stats.fold_sentences, folds.sizes())]
    stats.documents.append(src.doc_id)
    meta = src.record["source"]
    stats.doc_info.append((src.doc_id, src.record["title"], src.record["language"], src.record["num_chars"],
                           len(doc.sentences), src.text is not None, meta.get("publisher"), meta.get("date")))
    if src.text is None:
        stats.without_text.append(src.doc_id)
    stats.records += sum(map(len, g.values())) + sum(len(rs) for r in src.raw.values() for rs in r.values())
    stats.count("schema_version_gold", (r["schema_version"] for rs in g.values() for r in rs))
    stats.count("schema_version_raw", (r["schema_version"] for recs in src.raw.values() for rs in recs.values() for r in rs))
    rows["documents"].append(document_row(src.record, src.text))
    for c, rs in layer_rows(doc).items():
        rows[c] += rs
    for annotator, recs in src.raw.items():
        stats.annotators[annotator].update({k: len(v) for k, v in recs.items() if v})
        rows["raw_annotations"] += raw_rows(src.doc_id, annotator, [r for v in recs.values() for r in v], src.text)
    modality_of = {v: m for m, v in MODALITY_VIEWS.items()}
    for name, (fn, _) in PAIR_VIEWS.items():
        _, vs, ms = fn(doc, folds, pairs[name])
        stats.view_stats[name].add(vs)
        if name in modality_of:
            stats.view_stats[modality_of[name]].add(ms)
    rs, vs = views.ner_tuples(doc, folds)
    stats.view_stats["ner"].add(vs)
    rows["ner"] += rs


WINDOW = 3  # chunks per worker taken but not yet consumed by the parent (bounds memory)


def _parts(chunks: list[list[str]], jobs: int, spool: Path) -> Iterator[Part]:
    """:func:`process` over the chunks, in order. With ``jobs > 1``, in
    ``jobs`` forked worker processes that take the next chunk as they become
    free, at most :data:`WINDOW` per worker ahead of the parent (bounded
    memory); the tables come back in spool files in the folder ``spool``,
    the rest through a pipe per worker."""
    if jobs <= 1 or len(chunks) <= 1:
        for c in chunks:
            yield process(c)
        return
    import multiprocessing
    from multiprocessing.connection import wait

    jobs = min(jobs, len(chunks))
    spool.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("fork")
    taken = ctx.Value("q", 0)  # the next chunk to take; its lock guards it
    slots = ctx.Semaphore(WINDOW * jobs)  # a chunk taken holds one until the parent has consumed it
    workers: dict[Any, Any] = {}  # the parent's end of each worker's pipe -> the worker
    try:
        for _ in range(jobs):
            here, there = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(there, chunks, taken, slots, spool), daemon=True)
            proc.start()
            there.close()
            workers[here] = proc
        running = set(workers)
        done: dict[int, Part] = {}
        for i in range(len(chunks)):
            while i not in done:
                if not running:
                    raise BuildError(f"chunk {i} was never built")  # not reached: a worker takes every chunk
                for conn in wait(list(running)):
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):  # the worker died (killed, out of memory)
                        proc = workers[conn]
                        proc.join(1)
                        raise BuildError(f"worker process {proc.pid} ended (exit code {proc.exitcode}) before it had "
                                         "built its share of the documents (out of memory?); nothing was built") from None
                    if msg is None:  # no more chunks
                        running.discard(conn)
                        continue
                    j, ok, got = msg
                    if not ok:
                        exc, trace = got
                        raise exc from RuntimeError(f"in worker process {workers[conn].pid}:\n{trace}")
                    done[j] = got
            part = done.pop(i)
            slots.release()
            yield part
    finally:
        for conn, proc in workers.items():
            conn.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()


def _worker(conn: Any, chunks: list[list[str]], taken: Any, slots: Any, spool: Path) -> None:
    """A worker process of :func:`_parts`: takes the next chunk while the
    parent has room for it, sends ``(index, ok, Part or error)`` through
    ``conn``, and ``None`` when no chunk is left."""
    import os

    parent = os.getppid()
    try:
        while True:
            while not slots.acquire(timeout=1.0):
                if os.getppid() != parent:
                    return  # the parent was killed: do not wait for it forever
            with taken.get_lock():
                i = taken.value
                taken.value += 1
            if i >= len(chunks):
                conn.send(None)
                return
            try:
                msg: Any = (i, True, process(chunks[i], spool / f"{i}.arrow"))
            except Exception as exc:  # a bug: the parent raises it, with this traceback
                import traceback

                msg = (i, False, (exc, traceback.format_exc()))
            conn.send(msg)
            if not msg[1]:
                return
    except (EOFError, BrokenPipeError):
        return  # the parent has stopped
    finally:
        conn.close()


# ------------------------------------------------------------------ the build


@dataclass
class BuildResult:
    out: Path
    stats: Stats
    files: list[str]  # paths relative to out, in manifest order


CHUNK_DOCS = 32  # documents per unit of work


def build(root: Path, out: Path | None = None, card_source: Path | None = None, log: Any = None,
          row_group_size: int | None = None, with_card: bool = True, jobs: int = 1,
          chunk_docs: int = CHUNK_DOCS) -> BuildResult:
    """Build the dataset of ``root`` into ``out`` (default: ``root`` itself).

    ``card_source`` is the human-written card (CARD.md) whose generated blocks
    are filled; ``with_card=False`` skips README.md (the benchmark). ``jobs``
    worker processes read and convert documents, ``chunk_docs`` at a time;
    the output depends on neither. ``row_group_size``: rows per Parquet row
    group of every config (default: :func:`geostance.hf.configs.row_group_size`
    of each). Raises :class:`BuildError` when a source is invalid or nothing has
    gold; nothing is written then.
    """
    log = log if log is not None else sys.stderr
    root = Path(root)
    out = Path(out) if out is not None else root
    if not paths.documents_dir(root).is_dir():
        raise BuildError(f"{root}: not a dataset folder (no documents/ folder)")
    out.mkdir(parents=True, exist_ok=True)
    features()  # import datasets once, before any worker forks
    # The build allocates many short-lived rows; keep the collector from
    # rescanning the (large, long-lived) imported modules on every full pass.
    gc.freeze()
    stats = Stats()
    report = Report(max_per_id=20)

    doc_ids = paths.doc_ids(root)
    _CONTEXT.update(root=root)
    chunks = [doc_ids[i:i + chunk_docs] for i in range(0, len(doc_ids), chunk_docs)]

    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    sources: SourceLog | None = None
    try:
        sources = SourceLog(tmp / "sources.jsonl")
        sinks = {c: Sink(tmp / data_file(c), c, row_group_size) for c in CONFIGS}
        for part in _parts(chunks, jobs, tmp / "spool"):
            report.extend(part.findings)
            report.files += part.files
            report.records += part.records
            for m in part.messages:
                print(f"geostance build: {m}", file=log)
            sources.extend(part.stats.sources)
            part.stats.sources = []
            stats.merge(part.stats)
            tables = part.load()
            if tables is not None and not report.errors:
                for c, t in tables.items():
                    sinks[c].add(t)
        for c, s in sinks.items():
            stats.num_bytes[c] = s.close()
            stats.rows[c] = s.rows
        if report.errors:
            shown = "\n".join("  " + f.render() for f in sorted(report.kept, key=lambda f: (f.file, f.line)) if f.severity == "error")
            more = sum(report.suppressed().values())
            raise BuildError(
                f"the sources have {report.errors} error(s); nothing was built:\n{shown}"
                + (f"\n  ... and {more} more (run geostance validate)" if more else "")
            )
        stats.warnings = report.warnings
        if not stats.documents:
            raise BuildError(f"{root}: no document has gold annotations (annotations/gold/<doc_id>.jsonl); nothing to build")
        stats.sources = sources
        files = _finish(root, out, tmp, stats, card_source, with_card)
    finally:
        stats.sources = []  # they are in the manifest; the log goes with the temporary folder
        if sources is not None:
            sources.close()
        gc.unfreeze()
        _CONTEXT.clear()
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(out, stats, files)


def _finish(root: Path, out: Path, tmp: Path, stats: Stats, card_source: Path | None, with_card: bool) -> list[str]:
    """Write the metadata files next to the data in ``tmp``, then move
    everything into ``out`` (data first, the manifest last) and remove data
    files that the build no longer makes."""
    from geostance.hf import card, croissant

    built = [data_file(c) for c in CONFIGS]
    info = {rel: {"sha256": sha256_file(tmp / rel), "bytes": (tmp / rel).stat().st_size, "rows": stats.rows[c]}
            for rel, c in zip(built, CONFIGS)}
    atomic.write_bytes(tmp / CROISSANT, croissant.generate(stats, info, versions()))
    files = built + [CROISSANT]
    if with_card:
        try:
            readme = card.readme(stats, info, card_source, root)
        except card.CardError as exc:
            raise BuildError(str(exc)) from exc
        atomic.write_text(tmp / README, readme)
        files.append(README)
    for rel in files[len(built):]:
        info[rel] = {"sha256": sha256_file(tmp / rel), "bytes": (tmp / rel).stat().st_size}
    with atomic.open_atomic(tmp / MANIFEST) as f:
        f.writelines(manifest(root, stats, info, files))
    files.append(MANIFEST)
    for rel in files:
        atomic.move_into_place(tmp / rel, out / rel)
    data_dir = out / "data"
    for p in sorted(data_dir.rglob("*"), reverse=True):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and rel not in built:
            p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    return files


# ------------------------------------------------------------------ check


CHECKED = (README, MANIFEST, CROISSANT)


def stale_files(root: Path, committed: Path, card_source: Path | None, log: Any = None, jobs: int = 1) -> list[str]:
    """Rebuild into a temporary folder; the committed files that differ from
    the rebuild (or are missing, or should not be there), relative to ``committed``."""
    with tempfile.TemporaryDirectory(prefix="geostance-check-") as t:
        fresh = Path(t)
        res = build(root, fresh, card_source, log=log, jobs=jobs)
        stale = []
        for rel in res.files:
            a, b = committed / rel, fresh / rel
            if not a.is_file() or a.read_bytes() != b.read_bytes():
                stale.append(rel)
        built = set(res.files)
        if (committed / "data").is_dir():
            for p in sorted((committed / "data").rglob("*")):
                rel = p.relative_to(committed).as_posix()
                if p.is_file() and rel not in built:
                    stale.append(rel)
        if card_source is not None and _card_is_beside(card_source, root):
            from geostance.hf import card

            if card.refresh(card_source.read_text(encoding="utf-8"), res.stats, root) != card_source.read_text(encoding="utf-8"):
                stale.append(str(card_source))
    return stale


def _card_is_beside(card_source: Path, root: Path) -> bool:
    """CARD.md's generated blocks describe the dataset folder next to it."""
    return (card_source.parent / "dataset").resolve() == root.resolve()


# ------------------------------------------------------------------ CLI


