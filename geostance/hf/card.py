"""The dataset card: ``CARD.md`` (written by people) -> ``dataset/README.md``.

CARD.md is the one human-written source of the card. Every number in it
lives in a generated block::

    <!-- gen:layers -->
    ...generated Markdown...
    <!-- /gen:layers -->

:func:`blocks` computes the content of every block from the build's
statistics (:class:`geostance.hf.build.Stats`); :func:`refresh` puts it into
the card text; :func:`readme` prefixes the YAML front matter that the Hub and
``datasets`` read (configs with their data files, features, split sizes,
licence, languages, task categories, size category). Numbers are never typed
by hand: ``tests/test_card.py`` fails when CARD.md's blocks differ from what
the data gives, and on placeholder text (:func:`placeholders`).

>>> text = "a\\n<!-- gen:x -->\\nold\\n<!-- /gen:x -->\\nb\\n"
>>> print(fill(text, {"x": "new"}), end="")
a
<!-- gen:x -->
new
<!-- /gen:x -->
b
>>> placeholders("Size: [More Information Needed]\\nTODO: write")
['More Information Needed', 'TODO']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from geostance.contract import labels
from geostance.hf import views
from geostance.core.tables import Column, render_markdown

BLOCK = re.compile(r"<!-- gen:(?P<name>[a-z0-9-]+) -->\n(?P<body>.*?)<!-- /gen:(?P=name) -->", re.S)
_PLACEHOLDER = re.compile(r"More Information Needed|More information needed|\bTODO\b|\bTBD\b|\bFIXME\b|\bXXX\b|lorem ipsum|\{\{.*?\}\}", re.I)


class CardError(ValueError):
    """CARD.md and the generated blocks do not fit together."""


def placeholders(text: str) -> list[str]:
    """Placeholder phrases in ``text`` (each once, in order of appearance)."""
    seen: list[str] = []
    for m in _PLACEHOLDER.finditer(text):
        if m.group(0) not in seen:
            seen.append(m.group(0))
    return seen


def block_names(text: str) -> list[str]:
    return [m.group("name") for m in BLOCK.finditer(text)]


def fill(text: str, content: Mapping[str, str], keep: Iterable[str] = ()) -> str:
    """Replace the body of every generated block by ``content[name]``.

    Every block of ``text`` must have content and every content a block,
    except the blocks named in ``keep``: those are written by another verb
    (:data:`KEPT`) and keep the body they have."""
    kept = set(keep)
    names = block_names(text)
    unknown = sorted(set(names) - set(content) - kept)
    missing = sorted(set(content) - set(names))
    if unknown:
        raise CardError(f"the card has generated block(s) that nothing generates: {', '.join(unknown)}")
    if missing:
        raise CardError(f"the card lacks the generated block(s): {', '.join(missing)}")

    def sub(m: re.Match[str]) -> str:
        if m.group("name") not in content:
            return m.group(0)
        body = content[m.group("name")].rstrip("\n") + "\n"
        return f"<!-- gen:{m.group('name')} -->\n{body}<!-- /gen:{m.group('name')} -->"

    return BLOCK.sub(sub, text)


# ------------------------------------------------------------------ the generated blocks


def _n(x: int) -> str:
    return f"{x:,}"


def _table(rows: list[dict[str, Any]], cols: list[Column]) -> str:
    return render_markdown(rows, cols)


def _counts_table(counter: Mapping[str, int], inventory: tuple[str, ...], title: str) -> str:
    total = sum(counter.values())
    rows = [{"label": f"`{x}`", "n": counter.get(x, 0), "share": counter.get(x, 0) / total if total else None}
            for x in inventory]
    rows.append({"label": "total", "n": total, "share": 1.0 if total else None})
    return _table(rows, [Column("label", title), Column("n", "n", fmt=",d"), Column("share", "share", fmt=".1%")])


def _overview(s: Any) -> str:
    docs = len(s.documents)
    ann = ", ".join(f"`{a}`" for a in sorted(s.annotators)) or "none"
    text = (
        f"{_n(docs)} document{'s' if docs != 1 else ''} ({', '.join(f'`{d}`' for d in s.documents)}) with "
        f"{_n(s.rows['sentences'])} sentences, {_n(s.rows['mentions'])} mentions of {_n(s.rows['entities'])} entities, "
        f"{_n(s.rows['stances'])} stances and {_n(s.rows['relations'])} relations in the adjudicated gold; "
        f"{_n(s.rows['raw_annotations'])} records in the raw passes of {len(s.annotators)} annotator"
        f"{'s' if len(s.annotators) != 1 else ''} ({ann})."
    )
    return text


def _layers(s: Any) -> str:
    from geostance.hf.configs import CONFIGS, data_file

    what = {
        "documents": "one row per document: metadata and text",
        "sentences": "gold sentences",
        "mentions": "gold mentions",
        "entities": "gold entities (coreference clusters)",
        "stances": "gold stances",
        "relations": "gold relations",
        "raw_annotations": "every record of every annotator's raw pass",
        "stance_classification": "task view: (sentence, holder, target) -> stance label",
        "stance_modality": "task view: (sentence, holder, target, stance label) -> stance modality",
        "relation_classification": "task view: (sentence, head mention, tail mention) -> relation type",
        "relation_modality": "task view: (sentence, head mention, tail mention, relation type) -> relation modality",
        "ner": "task view: tokens -> BIO mention tags",
    }
    rows = [{"config": f"`{c}`", "what": what[c], "rows": s.rows[c], "file": f"`{data_file(c)}`"} for c in CONFIGS]
    table = _table(rows, [Column("config", "config"), Column("what", "rows are"), Column("rows", "rows", fmt=",d"), Column("file", "file")])
    empty = [c for c in CONFIGS if not s.rows[c]]
    if empty:
        table += ("\n\nNo rows in this build: " + ", ".join(f"`{c}`" for c in empty) + ". `datasets` cannot load a split "
                  "without examples, so these configs are not declared in the YAML (`load_dataset` names them as "
                  "unknown); their Parquet files hold the schema only.")
    return table


def _documents(s: Any) -> str:
    from geostance.hf.configs import DOC_INFO

    at = {k: i for i, k in enumerate(DOC_INFO)}
    doc_id, text = at["doc_id"], at["text"]
    rows = [dict(zip(DOC_INFO, d), doc_id=f"`{d[doc_id]}`", text="included" if d[text] else "not included") for d in s.doc_info]
    return _table(rows, [
        Column("doc_id", "doc_id"), Column("title", "title"), Column("language", "language"),
        Column("chars", "characters", fmt=",d"), Column("sentences", "sentences", fmt=",d"),
        Column("publisher", "publisher", missing="unknown"), Column("date", "date", missing="unknown"),
        Column("text", "text"),
    ])


def _labels(s: Any) -> str:
    lc = s.label_counts
    parts = [
        "Mention types:", "", _counts_table(lc["mention_type"], labels.MENTION_TYPES, "type"), "",
        "Mention forms:", "", _counts_table(lc["mention_form"], labels.MENTION_FORMS, "form"), "",
        f"Metonymic mentions: {_n(lc['metonymy'].get('true', 0))} of {_n(s.rows['mentions'])}.", "",
        "Entity types:", "", _counts_table(lc["entity_type"], labels.MENTION_TYPES, "type"), "",
        "Stance labels:", "", _counts_table(lc["stance_label"], labels.STANCE_LABELS, "label"), "",
        f"Stances stated explicitly: {_n(lc['stance_explicit'].get('true', 0))} of {_n(s.rows['stances'])}; "
        f"in the article's own voice (source `AUTHOR`): {_n(lc['stance_source'].get('AUTHOR', 0))}, "
        f"credited to an entity: {_n(lc['stance_source'].get('entity', 0))}.", "",
        "Stance modality (scheme 1.1; a stance of schema 1.0 has none, and its `modality` is null):", "",
        _counts_table(_without_none(lc["stance_layer_modality"]), labels.STANCE_MODALITIES, "modality"), "",
        f"Stances without modality (schema 1.0 records): {_n(lc['stance_layer_modality'].get(None, 0))} of "
        f"{_n(s.rows['stances'])}.", "",
        "Relation types:", "", _counts_table(lc["relation_type"], labels.RELATION_TYPES, "type"), "",
        "Relation modality:", "", _counts_table(lc["modality"], labels.MODALITIES, "modality"), "",
        f"Relations in the article's own voice: {_n(lc['relation_source'].get('AUTHOR', 0))}; "
        f"credited to an entity: {_n(lc['relation_source'].get('entity', 0))}.", "",
        f"Schema versions of the records: {_versions(lc['schema_version_gold'])} in the gold; "
        f"{_versions(lc['schema_version_raw'])} in the raw passes.",
    ]
    return "\n".join(parts)


def _without_none(counter: Mapping[Any, int]) -> dict[str, int]:
    return {k: v for k, v in counter.items() if k is not None}


def _versions(counter: Mapping[str, int]) -> str:
    """``1.0: 376 records`` for each schema version that occurs, in version order."""
    if not counter:
        return "no records"
    return ", ".join(f"{_n(counter[v])} of version {v}" for v in labels.SCHEMA_VERSIONS if counter.get(v))


def _views(s: Any) -> str:
    lc = s.label_counts
    ner_types = {t: lc["ner_tag"].get(f"B-{t}", 0) for t in labels.MENTION_TYPES}
    parts = [
        f"`stance_classification`: {_n(s.rows['stance_classification'])} rows.", "",
        _counts_table(lc["stance_classification"], labels.STANCE_VIEW_LABELS, "label"), "",
        f"`stance_modality`: {_n(s.rows['stance_modality'])} rows (the rows of `stance_classification` with a gold "
        "stance of schema 1.1).", "",
        _counts_table(lc["stance_modality"], labels.STANCE_MODALITIES, "modality"), "",
        f"`relation_classification`: {_n(s.rows['relation_classification'])} rows.", "",
        _counts_table(lc["relation_classification"], labels.RELATION_VIEW_LABELS, "label"), "",
        f"`relation_modality`: {_n(s.rows['relation_modality'])} rows (the rows of `relation_classification` with a "
        "gold relation).", "",
        _counts_table(lc["relation_modality"], labels.MODALITIES, "modality"), "",
        f"`ner`: {_n(s.rows['ner'])} sentences, {_n(s.ner_tokens)} tokens, "
        f"{_n(sum(ner_types.values()))} tagged mentions (B- tags):", "",
        _counts_table(ner_types, labels.MENTION_TYPES, "type"),
    ]
    return "\n".join(parts)


def _left_out(s: Any) -> str:
    vs = s.view_stats
    st, sm, rel, rm, ner = (vs["stance_classification"], vs["stance_modality"], vs["relation_classification"],
                            vs["relation_modality"], vs["ner"])
    rows = [{"view": "`stance_classification`", "reason": f"`{k}`", "means": v, "n": st.uncarried.get(k, 0)}
            for k, v in views.STANCE_REASONS.items()]
    rows += [{"view": "`stance_modality`", "reason": f"`{k}`", "means": v, "n": sm.uncarried.get(k, 0)}
             for k, v in views.STANCE_MODALITY_REASONS.items()]
    rows += [{"view": "`relation_classification`", "reason": f"`{k}`", "means": v, "n": rel.uncarried.get(k, 0)}
             for k, v in views.RELATION_REASONS.items()]
    rows += [{"view": "`relation_modality`", "reason": f"`{k}`", "means": v, "n": rm.uncarried.get(k, 0)}
             for k, v in views.RELATION_MODALITY_REASONS.items()]
    n_st, n_sm, n_rel, n_rm = (sum(x.uncarried.values()) for x in (st, sm, rel, rm))
    parts = [
        f"Gold stances no row of `stance_classification` carries: {_n(n_st)} of {_n(s.rows['stances'])}; "
        f"no row of `stance_modality`: {_n(n_sm)} of {_n(s.rows['stances'])}. "
        f"Gold relations no row of `relation_classification` carries: {_n(n_rel)} of {_n(s.rows['relations'])}; "
        f"no row of `relation_modality`: {_n(n_rm)} of {_n(s.rows['relations'])}.", "",
        _table(rows, [Column("view", "view"), Column("reason", "reason"), Column("means", "what it means"), Column("n", "n", fmt=",d")]), "",
        f"Rows left out because they would carry two different gold labels: {_n(st.dropped_rows)} in "
        f"`stance_classification`, {_n(sm.dropped_rows)} in `stance_modality` (two modalities), "
        f"{_n(rel.dropped_rows)} in `relation_classification`, {_n(rm.dropped_rows)} in `relation_modality` "
        "(two modalities).", "",
        f"`ner` keeps the outermost of overlapping mentions: {_n(ner.nested_dropped)} nested "
        f"mention{'s' if ner.nested_dropped != 1 else ''} and {_n(ner.crossing_dropped)} crossing "
        f"mention{'s' if ner.crossing_dropped != 1 else ''} have no tags (they stay in the `mentions` config).",
    ]
    if ner.no_text_sentences:
        parts += ["", f"`ner` has no rows for {_n(ner.no_text_sentences)} sentences of documents built without their text."]
    return "\n".join(parts)


def _folds(s: Any) -> str:
    from geostance.hf.configs import MODALITY_VIEWS, PAIR_VIEWS, VIEW_CONFIGS

    pair_views = [v for v in VIEW_CONFIGS if v in PAIR_VIEWS or v in MODALITY_VIEWS]
    rows = []
    for f in range(views.FOLDS):
        row: dict[str, Any] = {"fold": f}
        row.update({v: s.fold_rows[v].get(f, 0) for v in pair_views})
        rows.append(row)
    pair_table = _table(rows, [Column("fold", "`fold`")] + [Column(v, f"`{v}` rows", fmt=",d") for v in pair_views])
    rows = []
    for f in range(views.FOLDS):
        row = {"fold": f, "sentences": s.fold_sentences[f] if f < len(s.fold_sentences) else 0}
        row.update({v: s.sentence_fold_rows[v].get(f, 0) for v in pair_views})
        row["ner"] = s.fold_rows["ner"].get(f, 0)
        rows.append(row)
    sentence_table = _table(rows, [Column("fold", "sentence fold"), Column("sentences", "sentences", fmt=",d")]
                            + [Column(v, f"`{v}` rows", fmt=",d") for v in pair_views] + [Column("ner", "`ner` rows", fmt=",d")])
    docs = len(s.documents)
    lodo = (f"Leave-one-document-out applies: {_n(docs)} documents." if docs > 1 else
            "Leave-one-document-out does not apply yet: the build has one document.")
    return (
        f"k = {views.FOLDS} folds, seed {views.FOLD_SEED}.\n\n"
        "Pair-disjoint folds (the `fold` column of the pair views; the headline protocol): rows per fold.\n\n"
        + pair_table + "\n\n"
        "Sentence folds (the `sentence_fold` column of the pair views, the `fold` column of `ner`): sentences and "
        "rows per fold.\n\n" + sentence_table + "\n\n" + lodo
    )


def _annotators(s: Any) -> str:
    kinds = labels.RECORD_KINDS
    rows = []
    for a in sorted(s.annotators):
        row: dict[str, Any] = {"annotator": f"`{a}`"}
        row.update({k: s.annotators[a].get(k, 0) for k in kinds})
        rows.append(row)
    if not rows:
        return "No raw annotator files were found."
    return _table(rows, [Column("annotator", "annotator")] + [Column(k, f"{k} records", fmt=",d") for k in kinds])


def _annotators_of(root: Path) -> Any:
    """``paths.annotators`` for many documents: one listing of
    ``annotations/raw/`` first, so that documents without a raw folder (most,
    in a large corpus) cost no file-system call of their own."""
    import os

    from geostance.core import paths

    raw = paths.raw_dir(root, "_").parent  # annotations/raw/
    try:
        with os.scandir(raw) as it:
            have = {e.name for e in it if e.is_dir()}
    except OSError:
        have = set()
    return lambda doc_id: paths.annotators(root, doc_id) if doc_id in have else []


def agreement_markdown(root: Path, doc_ids: list[str]) -> str:
    """The ``geostance agree`` Markdown report of the passes that are not blind
    (guided, or without a provenance record) of every built document with two
    or more such passes, headings moved down to sit in the card; the blind
    passes have their own table (:mod:`geostance.agreement.passes`)."""
    from geostance.core import jsonl, paths
    from geostance.agreement import passes

    annotators = _annotators_of(root)
    parts = []
    for doc_id in doc_ids:
        names = [n for n in annotators(doc_id) if (passes.provenance(root, doc_id, n) or {}).get("protocol") != "blind"]
        if len(names) < 2:
            parts.append(f"`{doc_id}`: fewer than two passes outside the blind round, no agreement figures.")
            continue
        from geostance.agreement import document as agree_cli, pairwise as agreement  # imports scipy: only when there is agreement to report

        records = {n: jsonl.load_records(paths.raw_path(root, doc_id, n)) for n in names}
        md = agree_cli.render_markdown(agreement.agree(records, doc_id))
        md = re.sub(r"^(#+) ", lambda m: "###" + m.group(1) + " ", md, flags=re.M)
        parts.append(md.rstrip("\n"))
    return "\n\n".join(parts) if parts else "No document was built."


def gold_agreement_markdown(root: Path, doc_ids: list[str]) -> str:
    """Each raw pass scored against the adjudicated gold (gold as A) with the
    measures of ``geostance agree``: how much adjudication changed."""
    from geostance.core import jsonl, paths

    annotators = _annotators_of(root)
    parts = []
    for doc_id in doc_ids:
        names = annotators(doc_id)
        if not names:
            continue
        gold = paths.gold_path(root, doc_id)
        if not gold.is_file():
            continue
        from geostance.agreement import pairwise as agreement  # imports scipy: only when there is agreement to report

        g = jsonl.load_records(gold)
        by_name = {n: {m.id: m for m in agreement.compare(g, jsonl.load_records(paths.raw_path(root, doc_id, n)))} for n in names}
        first = by_name[names[0]]
        rows = []
        for mid, m in first.items():
            if m.diagnostic:
                continue
            row: dict[str, Any] = {"measure": m.label}
            for n in names:
                row[n] = by_name[n][mid].value
            rows.append(row)
        cols = [Column("measure", "measure")] + [Column(n, f"`{n}` vs gold", fmt=".3f") for n in names]
        parts.append(f"`{doc_id}` (gold as A, each raw pass as B):\n\n" + _table(rows, cols))
    return "\n\n".join(parts) if parts else "No document has both gold and raw passes."


def _reproducibility(versions: Mapping[str, str]) -> str:
    from geostance.hf.configs import PARQUET_OPTIONS, ROW_GROUP_SIZE, ROW_GROUP_SIZES

    opts = ", ".join(f"`{k}={v}`" for k, v in PARQUET_OPTIONS.items())
    return (
        f"Built by geostance {versions['geostance']} with pyarrow {versions['pyarrow']} (Parquet writer), "
        f"and datasets {versions['datasets']} (the feature metadata embedded in each file and the features in "
        f"this card's YAML); both are pinned in `pyproject.toml` because another version can change the "
        f"bytes. The YAML is written by geostance itself, not by a YAML library. Parquet options: {opts}, row groups of "
        f"{ROW_GROUP_SIZE:,} rows ("
        + ", ".join(f"{n:,} for `{c}`" for c, n in sorted(ROW_GROUP_SIZES.items()))
        + ", whose rows carry whole texts). `MANIFEST.json` records the sha256, size and row count of every built file "
        "and the sha256 of every source file."
    )


def _text_rights(s: Any) -> str:
    parts = []
    if s.without_text:
        parts.append(
            f"Built without their text (text columns are null; offsets and sha256 are kept): "
            f"{', '.join(f'`{d}`' for d in s.without_text)}. Re-hydrate them from your own copy "
            "(`geostance rehydrate`) and rebuild."
        )
    else:
        parts.append("Every built document includes its text.")
    if s.skipped:
        parts.append(f"Documents without gold annotations, not in this build: {', '.join(f'`{d}`' for d in s.skipped)}.")
    return " ".join(parts)


#: blocks of the card that another verb writes, and the build keeps as they
#: stand: the baselines' results and the leaderboard (``geostance baselines``
#: and ``geostance leaderboard add`` write them; the main job runs the
#: baselines before the build, so the card the build ships has them fresh)
KEPT = {"baselines": "geostance baselines", "leaderboard": "geostance baselines, geostance leaderboard add"}


def _passes() -> Any:
    from geostance.agreement import passes

    return passes


def blocks(stats: Any, root: Path, versions: Mapping[str, str] | None = None) -> dict[str, str]:
    """The content of every generated block, from the build's statistics
    (and, for ``baselines``, from the baseline results beside the dataset)."""
    from geostance.hf.manifest import versions as current_versions

    v = versions or current_versions()
    return {
        "overview": _overview(stats),
        "layers": _layers(stats),
        "documents": _documents(stats),
        "labels": _labels(stats),
        "views": _views(stats),
        "left-out": _left_out(stats),
        "folds": _folds(stats),
        "annotators": _annotators(stats),
        "agreement": agreement_markdown(root, stats.documents),
        "passes": _passes().protocols_markdown(root, stats.documents),
        "blind-agreement": _passes().blind_markdown(root, stats.documents),
        "gold-composition": _passes().gold_composition_markdown(root, stats.documents),
        "agreement-gold": gold_agreement_markdown(root, stats.documents),
        "reproducibility": _reproducibility(v),
        "text-rights": _text_rights(stats),
    }


def refresh(card_text: str, stats: Any, root: Path) -> str:
    """CARD.md with every generated block recomputed."""
    return fill(card_text, blocks(stats, root), keep=KEPT)


# ------------------------------------------------------------------ YAML front matter


def size_category(n: int) -> str:
    """The Hub's size category of ``n`` examples.

    >>> size_category(999), size_category(1000), size_category(2_500_000)
    ('n<1K', '1K<n<10K', '1M<n<10M')
    """
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]
    for b, name in bounds:
        if n < b:
            return name
    return "n>1B"


def declared_configs(stats: Any) -> list[str]:
    """The configs the YAML declares: those with rows. ``datasets`` cannot
    load a split without examples, so a config that is empty in a build (say
    ``stance_modality`` while the gold is of schema 1.0) keeps its Parquet
    file (the schema, no rows) but is not offered to ``load_dataset``."""
    from geostance.hf.configs import CONFIGS

    return [c for c in CONFIGS if stats.rows[c] > 0]


def front_matter(stats: Any, file_info: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The card's YAML metadata as a dict (key order is the output order)."""
    import datasets

    from geostance.hf.configs import DEFAULT_CONFIG, SPLIT, data_file, features

    feats = features()
    configs = []
    infos = []
    for c in declared_configs(stats):
        cfg: dict[str, Any] = {"config_name": c, "data_files": [{"split": SPLIT, "path": data_file(c)}]}
        if c == DEFAULT_CONFIG:
            cfg["default"] = True
        configs.append(cfg)
        info = datasets.DatasetInfo(
            features=feats[c], config_name=c,
            splits=[{"name": SPLIT, "num_bytes": stats.num_bytes[c], "num_examples": stats.rows[c]}],
            download_size=file_info[data_file(c)]["bytes"], dataset_size=stats.num_bytes[c],
        )
        y = info._to_yaml_dict()
        infos.append({"config_name": c, **{k: v for k, v in y.items() if k != "config_name"}})
    return {
        "pretty_name": "geostance",
        "license": "cc-by-4.0",
        "language": ["en"],
        "multilinguality": "monolingual",
        "annotations_creators": ["machine-generated"],
        "language_creators": ["found"],
        "source_datasets": ["original"],
        "size_categories": [size_category(max(stats.rows.values()))],
        "task_categories": ["text-classification", "token-classification"],
        "task_ids": ["multi-class-classification", "named-entity-recognition"],
        "tags": ["stance-detection", "relation-extraction", "coreference", "geopolitics", "news"],
        "configs": configs,
        "dataset_info": infos,
    }


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _scalar(v: Any) -> str:
    if v is True or v is False:
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a YAML double-quoted scalar
    raise TypeError(f"no YAML form for {type(v).__name__} {v!r}")


def _key(k: str) -> str:
    return k if _PLAIN_KEY.fullmatch(k) and k not in ("true", "false", "null", "yes", "no", "on", "off") else json.dumps(k, ensure_ascii=False)


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of dicts, lists, strings, integers, booleans and null.

    A small emitter of our own, so the card's bytes depend on no YAML
    library's version: strings are double-quoted (JSON escapes, valid YAML),
    keys are plain when they can be.

    >>> print(to_yaml({"license": "cc-by-4.0", "names": {"0": "FAVOR"}, "configs": [{"a": 1, "b": [True]}], "e": []}), end="")
    license: "cc-by-4.0"
    names:
      "0": "FAVOR"
    configs:
    - a: 1
      b:
      - true
    e: []
    """
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{_key(k)}:\n" + to_yaml(v, indent + (2 if isinstance(v, dict) else 0)))
            else:
                out.append(f"{pad}{_key(k)}: {_scalar(v) if not isinstance(v, (dict, list)) else ('{}' if isinstance(v, dict) else '[]')}\n")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)) and v:
                inner = to_yaml(v, indent + 2)
                out.append(f"{pad}- " + inner[indent + 2:])
            else:
                out.append(f"{pad}- {_scalar(v) if not isinstance(v, (dict, list)) else ('{}' if isinstance(v, dict) else '[]')}\n")
    else:
        out.append(f"{pad}{_scalar(value)}\n")
    return "".join(out)


def readme(stats: Any, file_info: Mapping[str, Mapping[str, Any]], card_source: Path | None, root: Path) -> str:
    """``dataset/README.md``: YAML front matter, then the card with fresh blocks."""
    from geostance.core.paths import REPO_ROOT

    src = card_source if card_source is not None else REPO_ROOT / "CARD.md"
    body = refresh(src.read_text(encoding="utf-8"), stats, root)
    found = placeholders(body)
    if found:
        raise CardError(f"{src}: placeholder text {', '.join(repr(x) for x in found)}; write the section")
    return f"---\n{to_yaml(front_matter(stats, file_info))}---\n\n{body}"
