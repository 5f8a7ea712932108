"""lm-evaluation-harness tasks of geostance (``geostance_stance``, ``geostance_relation``).

Point the harness at this folder with ``--include_path`` (``python -m
geostance.evaluation.lmeval path`` prints it). The YAML files call the functions of
:mod:`geostance.evaluation.lmeval` through ``hooks.py``; the prompt cards
(``geostance_stance.md``, ``geostance_relation.md``) say what each task asks,
how it is scored and what it is sensitive to.
"""
