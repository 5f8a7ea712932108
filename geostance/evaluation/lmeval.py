"""LLM evaluation with lm-evaluation-harness: what the tasks in ``geostance/lm_eval_tasks/`` call.

Two tasks, shipped with the package (:data:`TASKS_DIR`, for the harness's
``--include_path``); their YAML files name the functions below through
``!function hooks.<name>`` (``hooks.py`` in the task folder imports them
from here):

``geostance_stance``
    multiple choice over the rows of ``stance_classification``: the prompt
    gives the sentence, the holder and the target (:func:`stance_prompt`),
    the choices are the view's labels in inventory order (FAVOR, AGAINST,
    NEUTRAL, NONE; :func:`stance_choices`), the model's choice is the one of
    highest log-likelihood. Metrics: macro-F1 over the fixed label set,
    SemEval-2016 F_avg and accuracy, computed by :mod:`geostance.evaluation.score` on the
    pooled predictions (:func:`stance_macro_f1` ...).
``geostance_relation``
    generation over the rows of ``relation_classification``: the prompt gives
    the sentence, the head and tail mentions (with their entities) and the
    relation types with their definitions (:func:`relation_prompt`); the
    generated text is read as the first relation type name it contains, or
    NO_RELATION (:func:`parse_relation`; an answer with no type name counts as
    NO_RELATION, and its share is the ``invalid`` metric). Metrics: TACRED
    micro-F1, precision and recall and macro-F1 over the relation types, by
    :mod:`geostance.evaluation.score`; an undefined precision (nothing guessed) is NaN.

The data are the local dataset's Parquet files (:func:`load_view`, by path:
``metadata`` ``dataset_dir``, else ``$GEOSTANCE_DATASET``, else the
repository's ``dataset/``), label indices turned into names; no
``datasets.load_metric`` and no Hub. The tasks are zero-shot: every row is
evaluated and none is offered as an example (few-shot examples drawn from the
same pairs would leak, see the card's Folds); a harness run's scores are for
the protocol ``all-rows`` of the leaderboard.

For intervals and a leaderboard entry, turn the harness's logged samples
into a geostance predictions file (:func:`samples_to_predictions`, ``python
-m geostance.evaluation.lmeval predictions``) and score it with ``geostance score`` or
``geostance leaderboard add``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geostance.contract.labels import RELATION_NONE, RELATION_TYPES, RELATION_VIEW_LABELS, STANCE_NONE, STANCE_VIEW_LABELS, descriptions

TASKS_DIR = Path(__file__).resolve().parent / "lm_eval_tasks"
TASKS = {"geostance_stance": "stance_classification", "geostance_relation": "relation_classification"}


# ------------------------------------------------------------------ data


def dataset_dir(metadata: Mapping[str, Any] | None = None) -> Path:
    """The dataset folder: ``metadata["dataset_dir"]``, ``$GEOSTANCE_DATASET`` or the repository's."""
    from geostance.core.paths import default_dataset_root

    given = (metadata or {}).get("dataset_dir")
    return Path(given) if given else default_dataset_root()


def view_rows(view: str, root: Path) -> list[dict[str, Any]]:
    """The rows of a built task view, ClassLabel indices as names (``geostance.evaluation.score.read_gold_rows``)."""
    from geostance.hf.configs import data_file
    from geostance.evaluation.reference import read_gold_rows

    path = root / data_file(view)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; build the dataset (geostance build) or pass "
                                "--metadata '{\"dataset_dir\": \"path/to/dataset\"}'")
    return read_gold_rows(path, view)


def load_view(view: str, **metadata: Any) -> Any:
    """A ``datasets.DatasetDict`` with the one split ``test``: the view's rows (the harness's ``custom_dataset``)."""
    import datasets

    rows = view_rows(view, dataset_dir(metadata))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def load_stance(**metadata: Any) -> Any:
    return load_view("stance_classification", **metadata)


def load_relation(**metadata: Any) -> Any:
    return load_view("relation_classification", **metadata)


# ------------------------------------------------------------------ prompts

STANCE_QUESTION = "What attitude does the sentence express or report of the holder toward the target?"
RELATION_QUESTION = "Which relation does the sentence state from the head to the tail?"


def stance_choices(doc: Mapping[str, Any] | None = None) -> list[str]:
    """The answer choices: the view's labels in inventory order.

    >>> stance_choices() == list(STANCE_VIEW_LABELS)
    True
    """
    return list(STANCE_VIEW_LABELS)


def stance_prompt(doc: Mapping[str, Any]) -> str:
    """The stance prompt of one row (labels defined from ``schema/labels.schema.json``).

    >>> print(stance_prompt({"text": "Oslo backs Lima.", "holder_name": "Oslo", "target_name": "Lima"}).splitlines()[-1])
    Answer:
    """
    d = descriptions("stance_label")
    options = [f"- {lab}: {d[lab]}" for lab in STANCE_VIEW_LABELS if lab in d]
    options.append(f"- {STANCE_NONE}: the sentence states or reports no attitude of the holder toward the target.")
    return "\n".join([f"Sentence: {doc['text']}", f"Holder: {doc['holder_name']}", f"Target: {doc['target_name']}",
                      f"Question: {STANCE_QUESTION} Answer with one of:", *options, "Answer:"])


def relation_prompt(doc: Mapping[str, Any]) -> str:
    """The relation prompt of one row: sentence, head and tail (mention and entity), the types with their definitions.

    >>> p = relation_prompt({"text": "Oslo backs Lima.", "head_text": "Oslo", "head_entity_name": "Oslo",
    ...                      "tail_text": "Lima", "tail_entity_name": "Lima"})
    >>> p.splitlines()[1], p.splitlines()[-1]
    ('Head: "Oslo" (Oslo)', 'Answer:')
    """
    d = descriptions("relation_type")
    options = [f"- {t}: {d[t]}" for t in RELATION_TYPES]
    options.append(f"- {RELATION_NONE}: none of these holds from the head to the tail in this sentence.")

    def arg(which: str) -> str:
        name = doc.get(f"{which}_entity_name") or doc[f"{which}_text"]
        return f'"{doc[which + "_text"]}"' + (f" ({name})" if name else "")

    return "\n".join([f"Sentence: {doc['text']}", f"Head: {arg('head')}", f"Tail: {arg('tail')}",
                      f"Question: {RELATION_QUESTION} Answer with one type name:", *options, "Answer:"])


def parse_relation(text: str) -> tuple[str, bool]:
    """The relation label in a generated answer, and whether the answer named one.

    The answer is read as words (letters; underscores, hyphens, spaces and
    punctuation separate them, case is ignored); the first place where the
    words spell a label of the view (``ROLE OF``, ``role_of``, ``NO
    RELATION``), the longest label at that place, is the answer; an answer
    that spells none is NO_RELATION and not valid.

    >>> parse_relation(" support\\n"), parse_relation("It is ROLE OF."), parse_relation("lol")
    (('SUPPORT', True), ('ROLE_OF', True), ('NO_RELATION', False))
    """
    import re

    words = re.findall(r"[A-Z]+", text.upper())
    spelled = sorted(((lab, lab.split("_")) for lab in RELATION_VIEW_LABELS), key=lambda x: -len(x[1]))
    for i in range(len(words)):
        for lab, parts in spelled:
            if words[i:i + len(parts)] == parts:
                return lab, True
    return RELATION_NONE, False


# ------------------------------------------------------------------ results and aggregation


def stance_results(doc: Mapping[str, Any], results: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    """One row's metric items: ``(gold, predicted)`` for each pooled metric.

    >>> stance_results({"label": "FAVOR"}, [(-1.0, False), (-3.0, False), (-2.0, False), (-0.5, True)])["macro_f1"]
    ('FAVOR', 'NONE')
    """
    lls = [r[0] for r in results]
    pred = STANCE_VIEW_LABELS[max(range(len(lls)), key=lambda i: (lls[i], -i))]
    item = (doc["label"], pred)
    return {"macro_f1": item, "f_avg": item, "acc": item}


def relation_results(doc: Mapping[str, Any], results: Sequence[str]) -> dict[str, Any]:
    """One row's metric items from the generated answer.

    >>> relation_results({"label": "SUPPORT"}, ["support"])["invalid"], relation_results({"label": "WARN"}, ["?"])["micro_f1"]
    (0.0, ('WARN', 'NO_RELATION'))
    """
    pred, ok = parse_relation(results[0])
    item = (doc["label"], pred)
    return {"micro_f1": item, "micro_precision": item, "micro_recall": item, "macro_f1": item, "invalid": 0.0 if ok else 1.0}


def pooled(view: str, items: Iterable[tuple[str, str]], measure: str) -> float:
    """A measure of :mod:`geostance.evaluation.score` on pooled ``(gold, predicted)`` items (NaN where it is undefined).

    >>> pooled("stance_classification", [("FAVOR", "FAVOR"), ("NONE", "NONE")], "accuracy")
    1.0
    >>> math.isnan(pooled("relation_classification", [("SUPPORT", "NO_RELATION")], "micro_precision"))
    True
    """
    from geostance.evaluation import scorers

    pairs = list(items)
    rows = [{"id": str(i), "doc_id": "d", "sentence_id": str(i), "head_mention_id": "a", "tail_mention_id": str(i),
             "label": g} for i, (g, _) in enumerate(pairs)]
    sc = scorers.scorer_for(view)
    value = scorers.score_rows(sc, rows, [p for _, p in pairs], 0).scores[measure].value
    return float("nan") if value is None else float(value)


def aggregation(view: str, measure: str) -> Any:
    """The harness's aggregation of one metric: :func:`pooled` on the items of every row."""
    def aggregate(items: Iterable[tuple[str, str]]) -> float:
        return pooled(view, items, measure)

    aggregate.__name__ = aggregate.__qualname__ = f"{view}_{measure}"
    return aggregate


# the names the task YAML files call (``!function hooks.<name>``)
stance_macro_f1 = aggregation("stance_classification", "macro_f1")
stance_f_avg = aggregation("stance_classification", "f_avg")
stance_accuracy = aggregation("stance_classification", "accuracy")
relation_micro_f1 = aggregation("relation_classification", "micro_f1")
relation_micro_precision = aggregation("relation_classification", "micro_precision")
relation_micro_recall = aggregation("relation_classification", "micro_recall")
relation_macro_f1 = aggregation("relation_classification", "macro_f1")


def share(values: Iterable[float]) -> float:
    vs = list(values)
    return math.fsum(vs) / len(vs) if vs else float("nan")


# ------------------------------------------------------------------ from harness samples to geostance predictions


def samples_to_predictions(samples: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(row id, predicted label)`` from the harness's logged samples of a
    geostance task (``--log_samples``: one JSON object per row, with the row
    as ``doc`` and the metric items ``(gold, predicted)``), in row order.

    >>> samples_to_predictions([{"doc": {"id": "d/s1/e1>e2"}, "macro_f1": ["FAVOR", "NONE"], "doc_id": 0}])
    [('d/s1/e1>e2', 'NONE')]
    """
    out = []
    for s in sorted(samples, key=lambda s: s.get("doc_id", 0)):
        item = s.get("macro_f1") or s.get("micro_f1")
        if not item or "doc" not in s or "id" not in s["doc"]:
            raise ValueError("not a sample of a geostance task: it needs doc.id and the metric items (gold, predicted)")
        out.append((str(s["doc"]["id"]), str(item[1])))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m geostance.evaluation.lmeval", description=(
        "Helpers for the lm-evaluation-harness tasks of geostance. 'path' prints the task folder for --include_path; "
        "'predictions SAMPLES --out FILE' turns the harness's logged samples of a geostance task (lm_eval ... "
        "--log_samples --output_path DIR writes samples_<task>_<time>.jsonl) into a predictions file for "
        "geostance score, compare and leaderboard add."))
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("path", help="print the task folder")
    q = sub.add_parser("predictions", help="samples JSONL -> geostance predictions JSONL")
    q.add_argument("samples", type=Path)
    q.add_argument("--out", type=Path, required=True)
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.what == "path":
        print(TASKS_DIR)
        return 0
    from geostance.core import atomic

    try:
        lines = args.samples.read_text(encoding="utf-8").splitlines()
        preds = samples_to_predictions(json.loads(line) for line in lines if line.strip())
    except FileNotFoundError:
        print(f"python -m geostance.evaluation.lmeval: {args.samples}: no such file", file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError) as exc:
        print(f"python -m geostance.evaluation.lmeval: {args.samples}: {exc}", file=sys.stderr)
        return 1
    atomic.write_text(args.out, "".join(json.dumps({"id": i, "label": lab}, ensure_ascii=False) + "\n" for i, lab in preds))
    print(f"wrote {len(preds):,} predictions to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
