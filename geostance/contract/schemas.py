"""Level 2 of validation: the JSON Schemas in ``schema/``.

Two engines read the same schema files. ``jsonschema`` (the reference,
Draft 2020-12) explains every violation of a record with its path;
``jsonschema_rs`` (compiled) answers "valid or not" about a hundred times
faster and serves the hot path. A record the fast engine accepts is valid; a
record it rejects is handed to the reference engine, whose errors become
findings. ``tests/test_schemas.py`` shows that both engines judge every
record of the bad-input corpus alike.

>>> ok, found = check_record({"kind": "sentence", "schema_version": "1.0", "doc_id": "d",
...     "id": "s1", "start": 0, "end": 5, "text": "Hello"}, "f.jsonl", 1)
>>> ok, found
(True, [])
>>> ok, found = check_record({"kind": "mention", "schema_version": "1.0", "doc_id": "d", "id": "m1",
...     "start": 0, "end": 5, "text": "China", "type": "COUNTRY", "form": "NAME",
...     "entity": "e1", "metonymy": False}, "f.jsonl", 3)
>>> [(f.id, f.field) for f in found]
[('unknown-label', 'type')]
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable

import jsonschema
import jsonschema_rs
from referencing import Registry, Resource

from geostance.core.findings import Finding
from geostance.contract import labels
from geostance.contract.labels import RECORD_KINDS, STANCE_MODALITIES
from geostance.core.paths import SCHEMA_DIR

BASE_URI = "https://geostance.org/schema/1.0/"
RECORD_SCHEMAS = RECORD_KINDS + ("document",)
SHARED_SCHEMAS = ("labels", "defs")
#: schemas of the dataset's metadata files (not annotation records), which may refer to each other
METADATA_SCHEMAS = ("provenance", "adjudication-provenance", "leaderboard-entry")


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """The parsed schema ``schema/<name>.schema.json``."""
    with open(SCHEMA_DIR / f"{name}.schema.json", encoding="utf-8") as f:
        return json.load(f)


def _all_names() -> tuple[str, ...]:
    return SHARED_SCHEMAS + RECORD_SCHEMAS + METADATA_SCHEMAS


@lru_cache(maxsize=None)
def reference_validator(kind: str) -> jsonschema.Draft202012Validator:
    """The ``jsonschema`` validator of a record kind (the reference engine)."""
    registry: Registry = Registry().with_resources(
        (BASE_URI + f"{n}.schema.json", Resource.from_contents(schema(n))) for n in _all_names()
    )
    return jsonschema.Draft202012Validator(schema(kind), registry=registry)


@lru_cache(maxsize=None)
def fast_validator(kind: str) -> Any:
    """The ``jsonschema_rs`` validator of a record kind (the fast engine).

    The registry holds every schema file, so no ``$ref`` is ever fetched."""
    registry = jsonschema_rs.Registry([(BASE_URI + f"{n}.schema.json", schema(n)) for n in _all_names()])
    return jsonschema_rs.validator_for(schema(kind), registry=registry)


def field_path(path: Iterable[Any]) -> str:
    """``["evidence", 0, "start"]`` -> ``"evidence[0].start"``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def _type_name(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}.get(type(v), type(v).__name__)


def _def_name(sub: Any) -> str | None:
    """The name of the definition of ``defs.schema.json`` that ``sub`` is, if any.

    >>> _def_name(schema("defs")["$defs"]["entity_id"]), _def_name({"type": "string"})
    ('entity_id', None)
    """
    for name, d in schema("defs")["$defs"].items():
        if d == sub:
            return name
    return None


def _finding(err: jsonschema.ValidationError, file: str, line: int, record: Any = None) -> list[Finding]:
    path = list(err.absolute_path)
    fld = field_path(path)
    v = err.validator
    inst = err.instance
    if v == "required":
        # jsonschema yields one `required` error per missing field, each with
        # the whole list as validator_value: this error is about one field only
        missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
        own = [k for k in missing if err.message == f"{k!r} is a required property"]
        if own:
            missing = own
        if missing == ["modality"] and isinstance(inst, dict) and inst.get("kind") == "stance":
            return [Finding("missing-stance-modality", file, line, "modality",
                            f"a stance of schema version {_short(inst.get('schema_version'))} needs a modality; expected one of {', '.join(STANCE_MODALITIES)}")]
        return [Finding("missing-field", file, line, field_path(path + [k]), f"required field {k!r} is absent") for k in missing]
    if isinstance(err.schema, dict) and err.schema.get("x-finding") == "not-in-version":
        version = _short(record.get("schema_version")) if isinstance(record, dict) else "?"
        if path:  # a label the version lacks (QUESTIONED in a 1.0 relation)
            return [Finding("not-in-version", file, line, fld,
                            f"{_short(inst)} is not a label of schema version {version}; it came with {labels.CURRENT_VERSION} (migrate the file: geostance migrate)")]
        return [Finding("not-in-version", file, line, "modality",
                        f"a stance of schema version {version} has no modality; modality came with {labels.CURRENT_VERSION} (migrate the file: geostance migrate)")]
    if v == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed] if isinstance(inst, dict) else []
        return [
            Finding("unknown-field", file, line, field_path(path + [k]), f"field {k!r} is not defined for this record; expected only {', '.join(sorted(allowed))}")
            for k in extra
        ]
    if v == "type":
        return [Finding("wrong-type", file, line, fld, f"found {_type_name(inst)} {_short(inst)}, expected {err.validator_value}")]
    if v == "enum" and path and path[-1] == "schema_version":
        return [Finding("schema-version", file, line, fld, f"found {_short(inst)}, expected one of {', '.join(map(_short, err.validator_value))}")]
    if v == "enum" and path == ["modality"] and inst == labels.STANCE_DENIED and isinstance(record, dict) and record.get("kind") == "stance":
        return [Finding("negated-stance", file, line, fld,
                        f"{_short(inst)} is not a stance modality: a stance that the text denies is not annotated (a refusal to take a side is NEUTRAL); expected one of {', '.join(STANCE_MODALITIES)}")]
    if v == "enum":
        allowed = ", ".join(err.validator_value)
        return [Finding("unknown-label", file, line, fld, f"{_short(inst)} is not a label of this inventory; expected one of {allowed}")]
    if v == "const":
        if path and path[-1] == "schema_version":
            return [Finding("schema-version", file, line, fld, f"found {_short(inst)}, expected {_short(err.validator_value)}")]
        if path and path[-1] == "kind":
            return [Finding("unknown-kind", file, line, fld, f"found {_short(inst)}, expected {_short(err.validator_value)}")]
        return [Finding("invalid-value", file, line, fld, f"found {_short(inst)}, expected {_short(err.validator_value)}")]
    if v == "anyOf":  # source: an entity id or AUTHOR
        if not isinstance(inst, str):
            return [Finding("wrong-type", file, line, fld, f"found {_type_name(inst)} {_short(inst)}, expected a string")]
        return [Finding("bad-id", file, line, fld, f"found {_short(inst)}, expected an entity id (e1, e2, ...) or AUTHOR")]
    # an id's pattern is reached through a $ref, which the schema path does
    # not name: find which definition of defs.schema.json failed
    name = _def_name(err.schema) if v in ("pattern", "not") else None
    if v == "pattern" or (v == "not" and name == "annotator_id"):
        if name == "annotator_id":
            return [Finding("unsafe-doc-id", file, line, fld, f"found {_short(inst)}, expected an annotator id: a lower-case letter, then lower-case letters, digits, '-' or '_' (no '/', '.'; 'gold' is reserved)")]
        if name == "doc_id" or (path and path[-1] == "doc_id"):
            return [Finding("unsafe-doc-id", file, line, fld, f"found {_short(inst)}, expected lower-case letters and digits joined by single hyphens (no '/', '.', '..')")]
        if name is not None and name.endswith("_id"):
            return [Finding("bad-id", file, line, fld, f"found {_short(inst)}, expected a {name.replace('_', ' ')} matching {err.validator_value}")]
        return [Finding("invalid-value", file, line, fld, f"found {_short(inst)}, expected text matching {err.validator_value}")]
    if v == "minimum":
        return [Finding("negative-offset", file, line, fld, f"found {_short(inst)}, expected an offset >= {err.validator_value}")]
    return [Finding("invalid-value", file, line, fld, f"{err.message}")]


def explain(record: dict[str, Any], kind: str, file: str, line: int) -> list[Finding]:
    """Every schema violation of ``record`` as findings (reference engine)."""
    out: list[Finding] = []
    try:
        errors = sorted(reference_validator(kind).iter_errors(record), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
        seen: set[tuple[str, str]] = set()
        for err in errors:
            for f in _finding(err, file, line, record):
                # jsonschema reports one `required` error per missing field, each
                # naming the whole list: keep one finding per (id, field)
                if (f.id, f.field) not in seen:
                    seen.add((f.id, f.field))
                    out.append(f)
    except RecursionError:  # jsonschema writes repr(value) into its messages
        return [Finding("invalid-value", file, line, "", "a value nests too deeply to be checked (about a thousand levels); a geostance record nests at most 3 levels")]
    return out


ANNOTATION_KINDS = frozenset(RECORD_KINDS)


@lru_cache(maxsize=1)
def batch_validator() -> Any:
    """A compiled validator of a whole list of annotation records: each item
    must have a known ``kind`` and fit that kind's schema. One call per file
    instead of one per record; a rejected list is re-checked record by record."""
    items = {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"$ref": "labels.schema.json#/$defs/record_kind"}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": k}}}, "then": {"$ref": f"{k}.schema.json"}}
            for k in sorted(ANNOTATION_KINDS)
        ],
    }
    registry = jsonschema_rs.Registry([(BASE_URI + f"{n}.schema.json", schema(n)) for n in _all_names()])
    return jsonschema_rs.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE_URI + "batch", "type": "array", "items": items},
        registry=registry,
    )


def check_record(record: dict[str, Any], file: str, line: int, kinds: frozenset[str] = ANNOTATION_KINDS) -> tuple[bool, list[Finding]]:
    """Check one record against the schema of its kind; ``kinds`` are the kinds the file may hold."""
    kind = record.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        expected = ", ".join(sorted(kinds))
        what = "no kind" if kind is None else f"kind {_short(kind)}"
        return False, [Finding("unknown-kind", file, line, "kind", f"found {what}, expected one of {expected}")]
    if fast_validator(kind).is_valid(record):
        return True, []
    found = explain(record, kind, file, line)
    if not found:  # pragma: no cover - the engines disagree; report rather than hide it
        found = [Finding("invalid-value", file, line, "", "the compiled schema engine rejects this record but the reference engine accepts it")]
    return False, found
