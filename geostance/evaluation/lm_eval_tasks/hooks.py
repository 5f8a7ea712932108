"""The ``!function hooks.<name>`` targets of the task YAML files: re-exported from :mod:`geostance.evaluation.lmeval`."""

from geostance.evaluation.lmeval import (  # noqa: F401
    load_relation,
    load_stance,
    relation_macro_f1,
    relation_micro_f1,
    relation_micro_precision,
    relation_micro_recall,
    relation_prompt,
    relation_results,
    share,
    stance_accuracy,
    stance_choices,
    stance_f_avg,
    stance_macro_f1,
    stance_prompt,
    stance_results,
)
