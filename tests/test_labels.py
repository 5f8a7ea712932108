"""One label inventory: ``schema/labels.schema.json``, read through :mod:`geostance.contract.labels`.

The scan below fails when a Python file of the repository (geostance/,
baselines/, scripts/, tests/) types a second copy of a label list: a literal
list, tuple, set, dict (its keys) or ``"A B C".split()`` that holds 3 or more
names of one label inventory (mention type, mention form, stance label with
its view's NONE, relation type with NO_RELATION, relation and stance modality,
schema version).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path


from geostance.contract import labels
from geostance.core.paths import REPO_ROOT

SCANNED = ("geostance", "baselines", "scripts", "tests")
MIN_NAMES = 3
# Record kinds (sentence, mention, ...) name the record schemas and key the
# groups of records: structure, like field names, not labels of the annotation.
# Scanning them too flags tuples of kinds in geostance/schemas.py,
# validate.py, agreement.py and interop/labelstudio.py (those could use
# geostance.contract.labels.RECORD_KINDS): remove "record_kind" here to enforce that.
NOT_LABELS = frozenset({"record_kind"})


def inventories() -> dict[str, frozenset[str]]:
    """Inventory name -> its labels, read from the schema file itself (not through geostance.contract.labels)."""
    defs = json.loads((REPO_ROOT / "schema" / "labels.schema.json").read_text(encoding="utf-8"))["$defs"]
    out = {}
    for name, d in defs.items():
        if "enum" in d and name not in NOT_LABELS:
            # a task view adds its "none" label (NONE, NO_RELATION) to the inventory
            out[name] = frozenset(d["enum"]) | ({d["x-view-none"]} if "x-view-none" in d else set())
    return out


INVENTORIES = inventories()


def literal_strings(node: ast.AST) -> list[str] | None:
    """The string constants a literal collection node spells out, if it is one."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        elts = node.elts
    elif isinstance(node, ast.Dict):
        elts = [k for k in node.keys if k is not None]
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split"
          and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)):
        return node.func.value.value.replace(",", " ").replace("|", " ").split()
    else:
        return None
    return [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def copies(source: str, filename: str = "<src>") -> list[str]:
    """``file:line: inventory: names`` for every literal that copies 3+ labels of one inventory."""
    out = []
    for node in ast.walk(ast.parse(source, filename)):
        names = literal_strings(node)
        if not names:
            continue
        for inv, labels_ in INVENTORIES.items():
            hit = sorted(set(names) & labels_)
            if len(hit) >= MIN_NAMES:
                out.append(f"{filename}:{node.lineno}: {inv}: {', '.join(hit)}")
    return out


def python_files() -> list[Path]:
    files = []
    for d in SCANNED:
        files += sorted((REPO_ROOT / d).rglob("*.py"))
    return files


def test_the_scan_finds_planted_copies() -> None:
    """The scanner works: each planted copy is found, near misses are not."""
    planted = {
        "a = " + repr(list(labels.STANCE_LABELS)): 1,
        "b = " + repr(tuple(labels.MENTION_TYPES[:3])): 1,
        "c = {" + ", ".join(f"{t!r}: 0" for t in labels.RELATION_TYPES[-3:]) + "}": 1,
        "d = " + repr(" ".join(labels.MODALITIES)) + ".split()": 2,  # relation modalities hold the stance ones
        "d2 = " + repr(list(labels.STANCE_MODALITIES)): 2,
        "e = set(" + repr((labels.RELATION_NONE, *labels.RELATION_TYPES[:2])) + ")": 1,
        "def f(x: " + "Literal[" + ", ".join(map(repr, labels.MENTION_FORMS)) + "]): pass": 1,
        # near misses: two labels, or three labels of three inventories
        "g = " + repr(list(labels.STANCE_LABELS[:2])): 0,
        "h = " + repr([labels.STANCE_LABELS[0], labels.MENTION_TYPES[0], labels.MODALITIES[0]]): 0,
        "i = " + repr(", ".join(labels.STANCE_LABELS)): 0,  # prose in a string, not a list
    }
    for src, n in planted.items():
        assert len(copies(src)) == n, src


def test_inventories_are_those_of_geostance_labels() -> None:
    assert set(INVENTORIES) == {"schema_version", "mention_type", "mention_form", "stance_label", "relation_type",
                                "modality", "stance_modality"}
    assert INVENTORIES["schema_version"] == frozenset(labels.SCHEMA_VERSIONS)
    assert INVENTORIES["stance_modality"] == frozenset(labels.STANCE_MODALITIES)
    assert labels.STANCE_DENIED not in labels.STANCE_MODALITIES and labels.STANCE_DENIED in labels.MODALITIES
    assert INVENTORIES["stance_label"] == frozenset(labels.STANCE_VIEW_LABELS)
    assert INVENTORIES["relation_type"] == frozenset(labels.RELATION_VIEW_LABELS)
    assert INVENTORIES["mention_type"] == frozenset(labels.MENTION_TYPES)
    assert INVENTORIES["mention_form"] == frozenset(labels.MENTION_FORMS)
    assert INVENTORIES["modality"] == frozenset(labels.MODALITIES)


def test_no_python_file_copies_a_label_list() -> None:
    files = python_files()
    assert any(p.name == "labels.py" for p in files) and any(p.name == "test_labels.py" for p in files)
    found = []
    for p in files:
        found += copies(p.read_text(encoding="utf-8"), str(p.relative_to(REPO_ROOT)))
    assert found == [], "label lists typed in code; import them from geostance.contract.labels:\n" + "\n".join(found)
