"""Label Studio JSON (the export format: a list of tasks), both ways.

A task's ``data.text`` is the document text and ``data.doc_id`` its id; one
annotation's ``result`` list holds the records. Region ids are the
geostance ids (``s3``, ``m12``, ``t2``); Label Studio keeps the ids of the
regions it imports, and gives new regions random ids (imported as the next
free number, in reading order).

=============  ==================================================================
geostance      Label Studio
=============  ==================================================================
sentence sK    ``labels`` region, ``from_name`` ``sentence``, label ``Sentence``
mention mK     ``labels`` region, ``from_name`` ``mention``, label its type; the
               form as a per-region ``choices`` result (``from_name`` ``form``),
               ``metonymy: true`` as ``choices`` ``metonymy`` = ["metonymy"]
entity eK      region ``meta`` lines on every mention: ``entity: eK``; on the
               entity's first mention also ``entity name: ...``,
               ``entity mentions: m1 m5 ...`` (their order) and
               ``entity note: ...``
stance tK      ``labels`` region over its first evidence span, ``from_name``
               ``stance``, label the stance label; ``explicit: true`` as
               ``choices`` ``explicit`` = ["explicit"]; ``meta`` lines
               ``holder: eJ``, ``target: eJ``, ``source: AUTHOR|eJ``,
               ``modality: M`` (schema 1.1) and
               ``evidence: START-END`` for each further evidence span
relation rK    a ``relation`` result from the head region to the tail region,
               ``labels`` [type] (one arrow per ordered pair of regions: two
               relations between the same mentions share an arrow and its
               label list); modality, source, evidence and id, which relation
               results cannot carry, as a ``meta`` line on the head region:
               ``relation rK: TYPE -> mJ; modality M; source S; evidence s1,s2``
note           ``note: ...`` in the region's meta (for a relation:
               ``relation rK note: ...`` on the head region); meta lines with
               no known key are read as note text
=============  ==================================================================

The importer reads results by content, not by control name: a ``labels``
result is a sentence, mention or stance by its label, a ``choices`` result
a form, metonymy or explicit by its value. Mention extras may also be
``key=value`` meta lines (``form=NAME entity=e1 metonymy=true``); an arrow
labelled ``STANCE_<LABEL>`` is a stance from the holder's to the target's
entity, its extras in the head region's meta line ``stance STANCE_<LABEL>
-> TAIL: source=S explicit=true modality=M evidence=START-END,...``.

Not carried: ``provenance`` (gold only). Entities and relations come back
in id order; sentences, mentions and stances in the order of their regions.
An arrow with no ``relation`` meta line needs ``--default-modality`` and
``--default-source-author`` (its evidence: the sentences of head and tail).

Offsets: Label Studio 1.4 and later count code points, earlier versions
UTF-16 code units, and an export does not say which. Each span is read as
code points and checked against its ``value.text``; when that fails, as
UTF-16 units; when both fail the import is refused. The exporter writes
code points, or UTF-16 units with ``offsets="utf16"`` (for old servers).
"""

from __future__ import annotations

import re
from typing import Any, Iterable
from xml.sax.saxutils import quoteattr

from geostance.contract import records as R
from geostance.contributing import segment
from geostance.contributing.interop import InteropError, codepoints_to_utf16, sentence_evidence, settle_version, utf16_to_codepoints
from geostance.contract.labels import AUTHOR, CURRENT_VERSION, MENTION_FORMS, MENTION_TYPES, MODALITIES, RELATION_TYPES, STANCE_LABELS


Rec = dict[str, Any]

SENTENCE_LABEL = "Sentence"
FROM_SENTENCE, FROM_MENTION, FROM_STANCE = "sentence", "mention", "stance"
FROM_FORM, FROM_METONYMY, FROM_EXPLICIT = "form", "metonymy", "explicit"
TO_NAME = "text"


# ------------------------------------------------------------------ export


def _region(rid: str, from_name: str, start: int, end: int, surface: str, kind: str, values: list[str],
            off: list[int] | None, meta: list[str] | None = None) -> Rec:
    s, e = (off[start], off[end]) if off is not None else (start, end)
    r: Rec = {"value": {"start": s, "end": e, "text": surface, kind: values}, "id": rid, "from_name": from_name,
              "to_name": TO_NAME, "type": kind, "origin": "manual"}
    if meta:
        r["meta"] = {"text": meta}
    return r


def export_result(records: Iterable[Rec], text: str, offsets: str = "codepoints") -> list[Rec]:
    """The ``result`` list of one annotation."""
    off = codepoints_to_utf16(text) if offsets == "utf16" else None
    g = R.by_layer(records)
    out: list[Rec] = []
    rep = {e["mentions"][0]: e for e in g["entity"] if e["mentions"]}
    rel_meta: dict[str, list[str]] = {}
    arrows: dict[tuple[str, str], list[str]] = {}
    for r in g["relation"]:
        rel_meta.setdefault(r["head"], []).append(
            f"relation {r['id']}: {r['type']} -> {r['tail']}; modality {r['modality']}; source {r['source']}; evidence {','.join(r['evidence'])}")
        if "note" in r:
            rel_meta[r["head"]].append(f"relation {r['id']} note: {r['note']}")
        arrows.setdefault((r["head"], r["tail"]), []).append(r["type"])
    for s in g["sentence"]:
        meta = [f"note: {s['note']}"] if "note" in s else None
        out.append(_region(s["id"], FROM_SENTENCE, s["start"], s["end"], s["text"], "labels", [SENTENCE_LABEL], off, meta))
    for m in g["mention"]:
        meta = [f"entity: {m['entity']}"]
        if m["id"] in rep:
            e = rep[m["id"]]
            meta.append(f"entity name: {e['name']}")
            meta.append("entity mentions: " + " ".join(e["mentions"]))
            if "note" in e:
                meta.append(f"entity note: {e['note']}")
        if "note" in m:
            meta.append(f"note: {m['note']}")
        meta.extend(rel_meta.get(m["id"], []))
        out.append(_region(m["id"], FROM_MENTION, m["start"], m["end"], m["text"], "labels", [m["type"]], off, meta))
        out.append(_region(m["id"], FROM_FORM, m["start"], m["end"], m["text"], "choices", [m["form"]], off))
        if m["metonymy"]:
            out.append(_region(m["id"], FROM_METONYMY, m["start"], m["end"], m["text"], "choices", [FROM_METONYMY], off))
    for t in g["stance"]:
        ev = t["evidence"]
        meta = [f"holder: {t['holder']}", f"target: {t['target']}", f"source: {t['source']}"]
        meta += [f"modality: {t['modality']}"] if "modality" in t else []
        meta += [f"evidence: {e['start']}-{e['end']}" for e in ev[1:]]
        if "note" in t:
            meta.append(f"note: {t['note']}")
        out.append(_region(t["id"], FROM_STANCE, ev[0]["start"], ev[0]["end"], ev[0]["text"], "labels", [t["label"]], off, meta))
        if t["explicit"]:
            out.append(_region(t["id"], FROM_EXPLICIT, ev[0]["start"], ev[0]["end"], ev[0]["text"], "choices", [FROM_EXPLICIT], off))
    for (head, tail), types in arrows.items():
        out.append({"from_id": head, "to_id": tail, "type": "relation", "direction": "right", "labels": types})
    return out


def export(records: Iterable[Rec], text: str, doc_id: str, annotator: str | None = None, offsets: str = "codepoints",
           now: str | None = None) -> list[Rec]:
    """A Label Studio export: one task holding one annotation, with the keys Label Studio's
    JSON export writes for a task and an annotation (``now``: the timestamps, ISO 8601 UTC)."""
    if now is None:
        import datetime

        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    result = export_result(records, text, offsets)
    ann: Rec = {"id": 1, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
                "created_at": now, "updated_at": now, "draft_created_at": None, "lead_time": 0.0, "prediction": {},
                "result_count": 0, "unique_id": f"geostance-{doc_id}-1", "import_id": None, "last_action": "imported",
                "bulk_created": False, "task": 1, "project": 1, "updated_by": 1, "parent_prediction": None,
                "parent_annotation": None, "last_created_by": None}
    data: Rec = {"text": text, "doc_id": doc_id}
    if annotator:
        data["annotator"] = annotator
    return [{"id": 1, "annotations": [ann], "file_upload": None, "drafts": [], "predictions": [], "data": data, "meta": {},
             "created_at": now, "updated_at": now, "inner_id": 1, "total_annotations": 1, "cancelled_annotations": 0,
             "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0, "last_comment_updated_at": None,
             "project": 1, "updated_by": 1, "comment_authors": []}]


def labeling_config() -> str:
    """The labeling interface (XML) of a Label Studio project for geostance."""
    def choices(values: Iterable[str]) -> str:
        return "".join(f"\n    <Choice value={quoteattr(v)}/>" for v in values)

    def labels(values: Iterable[str]) -> str:
        return "".join(f"\n    <Label value={quoteattr(v)}/>" for v in values)

    rels = "".join(f"\n    <Relation value={quoteattr(v)}/>" for v in [*RELATION_TYPES, *(f"STANCE_{x}" for x in STANCE_LABELS)])
    return f"""<View>
  <!-- geostance: labels from schema/labels.schema.json. Mentions, stances (over their first evidence span) and
       sentences are regions; relations and STANCE_* arrows join mention regions; what has no control goes in the
       region's meta text (see CONTRIBUTING.md, "Annotating in Label Studio"). -->
  <Labels name="{FROM_MENTION}" toName="{TO_NAME}">{labels(MENTION_TYPES)}
  </Labels>
  <Labels name="{FROM_STANCE}" toName="{TO_NAME}">{labels(STANCE_LABELS)}
  </Labels>
  <Labels name="{FROM_SENTENCE}" toName="{TO_NAME}">{labels([SENTENCE_LABEL])}
  </Labels>
  <Relations choice="multiple">{rels}
  </Relations>
  <Text name="{TO_NAME}" value="$text"/>
  <Choices name="{FROM_FORM}" toName="{TO_NAME}" perRegion="true" whenTagName="{FROM_MENTION}">{choices(MENTION_FORMS)}
  </Choices>
  <Choices name="{FROM_METONYMY}" toName="{TO_NAME}" perRegion="true" whenTagName="{FROM_MENTION}" choice="multiple">{choices([FROM_METONYMY])}
  </Choices>
  <Choices name="{FROM_EXPLICIT}" toName="{TO_NAME}" perRegion="true" whenTagName="{FROM_STANCE}" choice="multiple">{choices([FROM_EXPLICIT])}
  </Choices>
</View>
"""


# ------------------------------------------------------------------ import


def resolve_span(text: str, start: Any, end: Any, surface: Any, where: str, u2c: list[int]) -> tuple[int, int, str]:
    """Code-point offsets of a span, read as code points or, failing that, as UTF-16 units.

    Returns (start, end, convention).

    >>> t = "\U0001F600 China"
    >>> resolve_span(t, 2, 7, "China", "r", utf16_to_codepoints(t))
    (2, 7, 'codepoints')
    >>> resolve_span(t, 3, 8, "China", "r", utf16_to_codepoints(t))
    (2, 7, 'utf16')
    """
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise InteropError(f"{where}: value.start and value.end must be integers, found {start!r} and {end!r}")
    if not isinstance(surface, str) or not surface:
        raise InteropError(f"{where}: value.text is missing; it is needed to check the offsets")
    if 0 <= start < end <= len(text) and text[start:end] == surface:
        return start, end, "codepoints"
    if 0 <= start < end < len(u2c):
        a, b = u2c[start], u2c[end]
        if a >= 0 and b >= 0 and text[a:b] == surface:
            return a, b, "utf16"
    found = repr(text[start:end]) if 0 <= start < end <= len(text) else "nothing (out of range)"
    raise InteropError(f"{where}: value.text is {surface!r}, but code points {start}:{end} hold {found} "
                       f"and UTF-16 units {start}:{end} do not hold it either; the export does not match this text")


def label_role(label: str) -> str | None:
    """What a region labelled ``label`` is: sentence, mention or stance (None: none of them).

    >>> label_role("GPE"), label_role("Sentence"), label_role("AGAINST"), label_role("STANCE_FAVOR"), label_role("CITY")
    ('mention', 'sentence', 'stance', 'stance', None)
    """
    if label == SENTENCE_LABEL:
        return FROM_SENTENCE
    if label in MENTION_TYPES:
        return FROM_MENTION
    if label in STANCE_LABELS or (label.startswith("STANCE_") and label[len("STANCE_"):] in STANCE_LABELS):
        return FROM_STANCE
    return None


_META_KEYS = re.compile(r"^(entity name|entity mentions|entity note|entity|holder|target|source|modality|evidence|note|relation (\S+)( note)?):\s?(.*)$", re.S)
_REL_DETAIL = re.compile(r"^(\S+)\s*->\s*(\S+)\s*;\s*modality\s+(\S+)\s*;\s*source\s+(\S+)\s*;\s*evidence\s+(\S+)\s*$")


KV_KEYS = ("form", "entity", "metonymy", "holder", "target", "source", "modality", "explicit", "evidence")
_KV_LINE = re.compile(r"^(?:(?:" + "|".join(KV_KEYS) + r")=\S+)(?: (?:" + "|".join(KV_KEYS) + r")=\S+)*$")
_STANCE_DETAIL = re.compile(r"^stance (\S+) -> (\S+):\s?(.*)$", re.S)


def _meta_lines(result: Rec) -> list[str]:
    """The region's meta text as lines: each string of ``meta.text`` (Label Studio's meta
    box gives one, possibly of several lines) is split at line breaks where the next line
    opens with a key (``entity: ...``, ``form=NAME ...``, ``stance ...``); other line breaks
    belong to the value before them (a note of several lines).

    >>> _meta_lines({"meta": {"text": ["form=NAME entity=e1\\nnote: two\\nlines", "free"]}})
    ['form=NAME entity=e1', 'note: two\\nlines', 'free']
    """
    meta = result.get("meta")
    if not meta:
        return []
    lines = meta.get("text") if isinstance(meta, dict) else None
    if isinstance(lines, str):
        lines = [lines]
    out: list[str] = []
    for x in lines or []:
        if not isinstance(x, str):
            continue
        parts: list[str] = []
        for piece in x.split("\n"):
            opens = bool(_META_KEYS.match(piece) or _KV_LINE.match(piece) or _STANCE_DETAIL.match(piece))
            if parts and not opens:
                parts[-1] += "\n" + piece
            else:
                parts.append(piece)
        out.extend(parts)
    return out


def pick_annotation(tasks: Any, doc_id: str, annotation_id: Any | None, file: str) -> tuple[Rec, Rec]:
    """The task of ``doc_id`` and the annotation to import from it."""
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise InteropError(f"{file}: expected a Label Studio export (a JSON list of tasks)")
    cands = [t for t in tasks if isinstance(t.get("data"), dict) and t["data"].get("doc_id") == doc_id]
    if not cands:
        if len(tasks) == 1:
            cands = tasks
        else:
            raise InteropError(f"{file}: none of the {len(tasks)} tasks has data.doc_id {doc_id!r}")
    if len(cands) > 1:
        raise InteropError(f"{file}: {len(cands)} tasks have data.doc_id {doc_id!r}; expected one")
    task = cands[0]
    if not isinstance(task.get("annotations") or [], list):
        raise InteropError(f"{file}: the task's annotations is not a list")
    anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not anns:
        raise InteropError(f"{file}: the task has no (uncancelled) annotation")
    if annotation_id is not None:
        anns = [a for a in anns if str(a.get("id")) == str(annotation_id)]
        if not anns:
            raise InteropError(f"{file}: the task has no annotation with id {annotation_id}")
    if len(anns) > 1:
        ids = ", ".join(str(a.get("id")) for a in anns)
        raise InteropError(f"{file}: the task has {len(anns)} annotations (ids {ids}); choose one with --annotation-id")
    if not isinstance(anns[0].get("result"), list):
        raise InteropError(f"{file}: the annotation has no result list")
    return task, anns[0]


def to_records(tasks: Any, text: str, doc_id: str, file: str = "labelstudio.json", sentences: list[Rec] | None = None,
               default_modality: str | None = None, default_source_author: bool = False,
               annotation_id: Any | None = None, default_stance_modality: str | None = None,
               default_stance_evidence: bool = False) -> tuple[list[Rec], list[str]]:
    """geostance records from a Label Studio export. Returns records and notes on what was filled in or converted."""
    task, ann = pick_annotation(tasks, doc_id, annotation_id, file)
    if task["data"].get("text") != text:
        raise InteropError(f"{file}: the task's data.text is not the text of document {doc_id!r}; offsets would not fit")
    u2c = utf16_to_codepoints(text)
    filled: list[str] = []
    conventions: dict[str, int] = {}

    def base(kind: str, rid: str) -> Rec:
        return {"kind": kind, "schema_version": CURRENT_VERSION, "doc_id": doc_id, "id": rid}

    # Results are read by what they hold, not by the name of the control that made them
    # (from_name): a labels result is a sentence, a mention or a stance by its label, a
    # choices result is a mention form, metonymy or explicit by its value.
    regions: dict[str, Rec] = {}  # region id -> {role: result}
    arrows: list[Rec] = []
    for i, res in enumerate(ann["result"]):
        where = f"{file}: result[{i}]"
        if not isinstance(res, dict):
            raise InteropError(f"{where}: expected an object")
        if res.get("type") == "relation":
            if not isinstance(res.get("from_id"), str) or not isinstance(res.get("to_id"), str):
                raise InteropError(f"{where}: a relation needs from_id and to_id")
            arrows.append(res)
            continue
        rid = res.get("id")
        if not isinstance(rid, str) or not rid:
            raise InteropError(f"{where}: a region result needs an id")
        value = res.get("value")
        if not isinstance(value, dict):
            raise InteropError(f"{where} ({rid}): no value")
        by = regions.setdefault(rid, {})
        kind = res.get("type")
        if kind == "labels":
            labels = value.get("labels")
            if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
                raise InteropError(f"{where} ({rid}): expected exactly one label, found {labels!r}")
            role = label_role(labels[0])
            if role is None:
                raise InteropError(f"{where} ({rid}): the label {labels[0]!r} is none of {SENTENCE_LABEL}, a mention type "
                                   f"({', '.join(MENTION_TYPES)}) or a stance label ({', '.join(STANCE_LABELS)})")
            main_roles = [r for r in (FROM_SENTENCE, FROM_MENTION, FROM_STANCE) if r in by]
            if main_roles:
                raise InteropError(f"{where}: region {rid} has two labels results ({by[main_roles[0]]['value'].get('labels')} "
                                   f"and {labels}); expected one label per region")
            if role == FROM_STANCE and labels[0].startswith("STANCE_"):
                value = {**value, "labels": [labels[0][len("STANCE_"):]]}
            by[role] = {**res, "value": value, "_where": where}
        elif kind == "choices":
            choices = value.get("choices")
            if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
                raise InteropError(f"{where} ({rid}): value.choices must be a list of strings, found {choices!r}")
            for c in choices:
                role = FROM_FORM if c in MENTION_FORMS else c if c in (FROM_METONYMY, FROM_EXPLICIT) else None
                if role is None:
                    raise InteropError(f"{where} ({rid}): the choice {c!r} is none of {', '.join(MENTION_FORMS)}, "
                                       f"{FROM_METONYMY!r} or {FROM_EXPLICIT!r}")
                got = by.setdefault(role, {**res, "value": {"choices": []}, "_where": where})
                got["value"]["choices"].append(c)
        else:
            raise InteropError(f"{where} ({rid}): a result of type {kind!r}; expected labels, choices or relation "
                               "(meta text carries the rest)")

    # classify regions
    main: dict[str, tuple[str, Rec, int, int]] = {}  # region id -> (role, result, start, end)
    for rid, by in regions.items():
        kinds = [n for n in (FROM_SENTENCE, FROM_MENTION, FROM_STANCE) if n in by]
        if len(kinds) != 1:
            raise InteropError(f"{by[next(iter(by))]['_where']}: region {rid} has choices but no labels result; expected one "
                               f"label ({SENTENCE_LABEL}, a mention type or a stance label)")
        res = by[kinds[0]]
        a, b, conv = resolve_span(text, res["value"].get("start"), res["value"].get("end"), res["value"].get("text"), f"{res['_where']} ({rid})", u2c)
        conventions[conv] = conventions.get(conv, 0) + 1
        main[rid] = (kinds[0], res, a, b)
        allowed_extra = {FROM_MENTION: (FROM_FORM, FROM_METONYMY), FROM_STANCE: (FROM_EXPLICIT,), FROM_SENTENCE: ()}[kinds[0]]
        for extra in by:
            if extra != kinds[0] and extra not in allowed_extra:
                raise InteropError(f"{by[extra]['_where']} ({rid}): the choice {extra!r} does not belong on a {kinds[0]} region")

    # new regions (Label Studio's random ids) get the next free numbers, in reading order
    prefix = {FROM_SENTENCE: "s", FROM_MENTION: "m", FROM_STANCE: "t"}
    gid: dict[str, str] = {}
    for kind, p in prefix.items():
        mine = [rid for rid, v in main.items() if v[0] == kind]
        taken = {rid for rid in mine if re.fullmatch(p + r"[1-9][0-9]*", rid)}
        nxt = max((R.id_number(x) for x in taken), default=0) + 1
        for rid in sorted((r for r in mine if r not in taken), key=lambda r: (main[r][2], main[r][3])):
            gid[rid] = f"{p}{nxt}"
            nxt += 1
        for rid in taken:
            gid[rid] = rid

    def parse_meta(rid: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str]], list[str]]:
        keyed: dict[str, list[str]] = {}
        rels: list[tuple[str, str, str]] = []  # (relation id, "detail"/"note", value)
        free: list[str] = []
        for line in _meta_lines(main[rid][1]):
            m = _META_KEYS.match(line)
            st = _STANCE_DETAIL.match(line)
            if st:
                rels.append((st.group(2), "stance:" + st.group(1).removeprefix("STANCE_"), st.group(3)))
            elif _KV_LINE.match(line):
                for key, value in (pair.split("=", 1) for pair in line.split()):
                    keyed.setdefault(key, []).extend(value.split(",") if key == "evidence" else [value])
            elif not m:
                free.append(line)
            elif m.group(2):
                rels.append((m.group(2), "note" if m.group(3) else "detail", m.group(4)))
            else:
                keyed.setdefault(m.group(1), []).append(m.group(4))
        return keyed, rels, free

    def one(keyed: dict[str, list[str]], key: str, rid: str) -> str | None:
        vals = keyed.get(key, [])
        if len(vals) > 1:
            raise InteropError(f"{file}: region {rid}: meta has {len(vals)} '{key}:' lines; expected one")
        return vals[0] if vals else None

    def note_of(keyed: dict[str, list[str]], free: list[str]) -> str | None:
        parts = keyed.get("note", []) + free
        return "\n".join(parts) if parts else None

    # sentences
    sents_in = sorted((rid for rid, v in main.items() if v[0] == FROM_SENTENCE), key=lambda r: (main[r][2], main[r][3]))
    sent_recs = []
    renum_s: dict[str, str] = {}
    for i, rid in enumerate(sents_in, 1):
        _, res, a, b = main[rid]
        if res["value"]["labels"][0] != SENTENCE_LABEL:
            raise InteropError(f"{res['_where']} ({rid}): a {FROM_SENTENCE} region is labelled {SENTENCE_LABEL!r}")
        s = {**base("sentence", f"s{i}"), "start": a, "end": b, "text": text[a:b]}
        keyed, _, free = parse_meta(rid)
        if note_of(keyed, free):
            s["note"] = note_of(keyed, free)
        renum_s[gid[rid]] = s["id"]
        sent_recs.append(s)
    if not sent_recs and sentences:
        sent_recs = [R.canonical(s) for s in sentences]
        filled.append(f"no {FROM_SENTENCE} regions: took the document's {len(sent_recs)} sentences from the dataset")
    elif not sent_recs:
        sent_recs = [{**base("sentence", f"s{i}"), "start": a, "end": b, "text": text[a:b]} for i, (a, b) in enumerate(segment.sentences(text), 1)]
        filled.append(f"no {FROM_SENTENCE} regions and no sentences of {doc_id!r} in the dataset: "
                      f"segmented the text by the scheme's sentence rules ({len(sent_recs)} sentences)")
    sentence_ids = {s["id"] for s in sent_recs}

    # mentions and entities
    mention_rids = [rid for rid, v in main.items() if v[0] == FROM_MENTION]
    mentions: list[Rec] = []
    ent_members: dict[str, list[str]] = {}
    ent_info: dict[str, dict[str, str]] = {}
    rel_details: dict[str, list[tuple[str, str, str]]] = {}
    for rid in mention_rids:
        _, res, a, b = main[rid]
        by = regions[rid]
        typ = res["value"]["labels"][0]
        if typ not in MENTION_TYPES:
            raise InteropError(f"{res['_where']} ({rid}): mention label {typ!r}; expected one of {', '.join(MENTION_TYPES)}")
        keyed, rels, free = parse_meta(rid)
        form_res = by.get(FROM_FORM)
        forms = list(form_res["value"].get("choices") or []) if form_res else []
        meta_form = one(keyed, "form", rid)
        if meta_form is not None and meta_form not in forms:
            forms.append(meta_form)
        if len(forms) != 1 or forms[0] not in MENTION_FORMS:
            raise InteropError(f"{res['_where']} ({rid}): the mention needs one form ({', '.join(MENTION_FORMS)}) as a choice "
                               f"or as 'form=...' in its meta text, found {forms or None!r}")
        met_res = by.get(FROM_METONYMY)
        met = bool(met_res and FROM_METONYMY in (met_res["value"].get("choices") or []))
        meta_met = one(keyed, "metonymy", rid)
        if meta_met not in (None, "true", "false"):
            raise InteropError(f"{res['_where']} ({rid}): 'metonymy={meta_met}'; expected metonymy=true or metonymy=false")
        if meta_met is not None and met_res is not None and (meta_met == "true") != met:
            raise InteropError(f"{res['_where']} ({rid}): the metonymy choice and 'metonymy={meta_met}' in the meta text disagree")
        met = met or meta_met == "true"
        eid = one(keyed, "entity", rid)
        if eid is None or not re.fullmatch(r"e[1-9][0-9]*", eid):
            raise InteropError(f"{res['_where']} ({rid}): the mention's meta needs a line 'entity: eN' (its entity), found {eid!r}")
        for key in ("entity name", "entity mentions", "entity note"):
            v = one(keyed, key, rid)
            if v is not None:
                if key in ent_info.get(eid, {}):
                    raise InteropError(f"{file}: two mentions give '{key}' for entity {eid}")
                ent_info.setdefault(eid, {})[key] = v
        m = {**base("mention", gid[rid]), "start": a, "end": b, "text": text[a:b], "type": typ, "form": forms[0],
             "entity": eid, "metonymy": met}
        if note_of(keyed, free):
            m["note"] = note_of(keyed, free)
        mentions.append(m)
        ent_members.setdefault(eid, []).append(m["id"])
        if rels:
            rel_details[rid] = rels
    mention_by_gid = {m["id"]: m for m in mentions}
    entities = []
    for eid in sorted(ent_members, key=R.id_number):
        info = ent_info.get(eid, {})
        members = ent_members[eid]
        order = info.get("entity mentions")
        if order is not None:
            listed = order.split()
            if sorted(listed) == sorted(members):
                members = listed
            else:
                filled.append(f"entity {eid}: 'entity mentions' does not list exactly its mentions; kept the order of the regions")
        name = info.get("entity name")
        if name is None:
            by_pos = sorted(members, key=lambda x: (mention_by_gid[x]["start"], mention_by_gid[x]["end"]))
            named = [x for x in by_pos if mention_by_gid[x]["form"] == "NAME"]
            name = mention_by_gid[(named or by_pos)[0]]["text"]
            filled.append(f"entity {eid}: no 'entity name' line, named {name!r}")
        e = {**base("entity", eid), "name": name, "type": mention_by_gid[members[0]]["type"], "mentions": members}
        if "entity note" in info:
            e["note"] = info["entity note"]
        entities.append(e)
    entity_ids = set(ent_members)

    def check_source(src: str | None, what: str) -> str:
        if src is None:
            if default_source_author:
                filled.append(f"{what}: no source, set to {AUTHOR}")
                return AUTHOR
            raise InteropError(f"{file}: {what} has no source; add it (AUTHOR or an entity id) or import with --default-source-author")
        if src != AUTHOR and src not in entity_ids:
            raise InteropError(f"{file}: {what}: source {src!r} is neither {AUTHOR} nor an entity id of this annotation")
        return src

    # stances
    stances = []
    for rid in [r for r, v in main.items() if v[0] == FROM_STANCE]:
        _, res, a, b = main[rid]
        label = res["value"]["labels"][0]
        if label not in STANCE_LABELS:
            raise InteropError(f"{res['_where']} ({rid}): stance label {label!r}; expected one of {', '.join(STANCE_LABELS)}")
        keyed, _, free = parse_meta(rid)
        ends = {}
        for key in ("holder", "target"):
            v = one(keyed, key, rid)
            if v not in entity_ids:
                raise InteropError(f"{res['_where']} ({rid}): the stance's meta needs '{key}: eN' naming an entity of this annotation, found {v!r}")
            ends[key] = v
        evidence = [{"start": a, "end": b, "text": text[a:b]}]
        for ev in keyed.get("evidence", []):
            mm = re.fullmatch(r"\s*([0-9]+)\s*-\s*([0-9]+)\s*", ev)
            if not mm or not (0 <= int(mm.group(1)) < int(mm.group(2)) <= len(text)):
                raise InteropError(f"{res['_where']} ({rid}): 'evidence: {ev}' is not START-END (code points) within the text")
            s0, s1 = int(mm.group(1)), int(mm.group(2))
            evidence.append({"start": s0, "end": s1, "text": text[s0:s1]})
        exp_res = regions[rid].get(FROM_EXPLICIT)
        explicit = bool(exp_res and FROM_EXPLICIT in (exp_res["value"].get("choices") or []))
        meta_exp = one(keyed, "explicit", rid)
        if meta_exp not in (None, "true", "false"):
            raise InteropError(f"{res['_where']} ({rid}): 'explicit={meta_exp}'; expected explicit=true or explicit=false")
        t = {**base("stance", gid[rid]), "holder": ends["holder"], "target": ends["target"], "label": label,
             "evidence": evidence, "source": check_source(one(keyed, "source", rid), f"stance {gid[rid]}"),
             "explicit": explicit or meta_exp == "true"}
        if keyed.get("modality"):
            t["modality"] = one(keyed, "modality", rid)
        if note_of(keyed, free):
            t["note"] = note_of(keyed, free)
        stances.append(t)

    # relations: arrows, with their details from the head region's meta
    sent_spans = [(s["start"], s["end"], s["id"]) for s in sent_recs]

    def sentences_of(*ms: Rec) -> list[str]:
        out = []
        for m in ms:
            for a, b, sid in sent_spans:
                if a <= m["start"] and m["end"] <= b and sid not in out:
                    out.append(sid)
        return sorted(out, key=R.id_number)

    used_details: set[tuple[str, str]] = set()
    relations = []
    pending = []
    arrow_stances: list[Rec] = []

    def stance_from_arrow(f: str, t: str, label: str, head: Rec, tail: Rec) -> Rec:
        """A stance drawn as an arrow STANCE_<LABEL> from a holder mention to a target mention; its
        extras from the holder region's meta line 'stance STANCE_<LABEL> -> TAIL: key=value ...'."""
        what = f"the stance arrow {f} -> {t} (STANCE_{label})"
        detail = None
        for tail_id, k, v in rel_details.get(f, []):
            if k == "stance:" + label and tail_id in (t, gid[t]):
                if detail is not None:
                    raise InteropError(f"{file}: region {f}: two 'stance STANCE_{label} -> {tail_id}:' lines")
                detail = v
                used_details.add((f, f"stance:{label}:{tail_id}"))
        kv: dict[str, str] = {}
        for pair in (detail or "").split():
            key, eq, value = pair.partition("=")
            if not eq or key not in ("source", "explicit", "modality", "evidence") or key in kv:
                raise InteropError(f"{file}: region {f}: in 'stance STANCE_{label} -> {t}: {detail}', {pair!r} is not one of "
                                   "source=, explicit=, modality=, evidence= (each once)")
            kv[key] = value
        evidence = []
        if "evidence" in kv:
            for part in kv["evidence"].split(","):
                mm = re.fullmatch(r"([0-9]+)-([0-9]+)", part)
                if not mm or not (int(mm.group(1)) < int(mm.group(2)) <= len(text)):
                    raise InteropError(f"{file}: {what}: evidence part {part!r} is not START-END (code points) within the text")
                a, b = int(mm.group(1)), int(mm.group(2))
                evidence.append({"start": a, "end": b, "text": text[a:b]})
        elif default_stance_evidence:
            ev = sentence_evidence(text, sent_recs, head["start"], head["end"])
            if ev is None:
                raise InteropError(f"{file}: {what}: its holder mention lies in no sentence")
            evidence.append(ev)
            filled.append(f"{what}: no evidence, set to its holder's sentence {ev['start']}-{ev['end']}")
        else:
            raise InteropError(f"{file}: {what} has no evidence; add 'stance STANCE_{label} -> {t}: evidence=START-END' to the "
                               "meta text of its holder region, or import with --default-stance-evidence")
        if kv.get("explicit", "false") not in ("true", "false"):
            raise InteropError(f"{file}: {what}: explicit={kv['explicit']}; expected true or false")
        rec = {"kind": "stance", "holder": head["entity"], "target": tail["entity"], "label": label, "evidence": evidence,
               "source": check_source(kv.get("source"), what), "explicit": kv.get("explicit") == "true"}
        if "modality" in kv:
            rec["modality"] = kv["modality"]
        return rec
    for arrow in arrows:
        f, t = arrow["from_id"], arrow["to_id"]
        for end in (f, t):
            if end not in main or main[end][0] != FROM_MENTION:
                raise InteropError(f"{file}: a relation arrow {f} -> {t} ends at {end}, which is not a mention region")
        labels = arrow.get("labels") or []
        if not labels:
            raise InteropError(f"{file}: the relation arrow {f} -> {t} has no label; expected a relation type")
        head, tail = mention_by_gid[gid[f]], mention_by_gid[gid[t]]
        notes = {rel_id: v for rel_id, k, v in rel_details.get(f, []) if k == "note"}
        for typ in labels:
            if typ.startswith("STANCE_") and typ[len("STANCE_"):] in STANCE_LABELS:
                arrow_stances.append(stance_from_arrow(f, t, typ[len("STANCE_"):], head, tail))
                continue
            if typ not in RELATION_TYPES:
                raise InteropError(f"{file}: the relation arrow {f} -> {t} has the label {typ!r}; expected one of {', '.join(RELATION_TYPES)}")
            detail = None
            for rel_id, k, v in rel_details.get(f, []):
                mm = _REL_DETAIL.match(v) if k == "detail" else None
                if k == "detail" and not mm:
                    raise InteropError(f"{file}: region {f}: 'relation {rel_id}: {v}' does not read "
                                       "'relation rN: TYPE -> TAIL; modality M; source S; evidence s1,s2'")
                if mm and mm.group(1) == typ and mm.group(2) in (t, gid[t]):
                    detail = (rel_id, mm)
            if detail is None:
                if default_modality is None:
                    raise InteropError(f"{file}: the arrow {f} -> {t} ({typ}) has no 'relation rN: {typ} -> {t}; modality ...' line "
                                       "in the meta of its head region; add it, or import with --default-modality")
                evidence = sentences_of(head, tail)
                filled.append(f"{typ} {head['id']} -> {tail['id']}: no details, set modality {default_modality}, evidence {','.join(evidence)}")
                pending.append({"type": typ, "head": head["id"], "tail": tail["id"], "evidence": evidence,
                                "modality": default_modality, "source": check_source(None, f"relation {typ} {head['id']} -> {tail['id']}")})
                continue
            rel_id, mm = detail
            if not re.fullmatch(r"r[1-9][0-9]*", rel_id):
                raise InteropError(f"{file}: region {f}: {rel_id!r} is not a relation id (r1, r2 ...)")
            used_details.add((f, rel_id))
            modality = mm.group(3)
            if modality not in MODALITIES:
                raise InteropError(f"{file}: relation {rel_id}: modality {modality!r}; expected one of {', '.join(MODALITIES)}")
            evidence = mm.group(5).split(",")
            bad = [s for s in evidence if s not in sentence_ids and s not in renum_s]
            if bad:
                raise InteropError(f"{file}: relation {rel_id}: evidence {', '.join(bad)} are not sentence ids of this document")
            r = {**base("relation", rel_id), "type": typ, "head": head["id"], "tail": tail["id"],
                 "evidence": [renum_s.get(s, s) for s in evidence], "modality": modality,
                 "source": check_source(mm.group(4), f"relation {rel_id}")}
            if rel_id in notes:
                r["note"] = notes[rel_id]
            relations.append(r)
    for f, rels in rel_details.items():
        for rel_id, k, v in rels:
            if k == "detail" and (f, rel_id) not in used_details:
                raise InteropError(f"{file}: region {f}'s meta describes 'relation {rel_id}: {v}' but there is no such arrow; "
                                   "delete the line or draw the arrow")
    for f, rels in rel_details.items():
        for tail_id, k, v in rels:
            if k.startswith("stance:") and (f, f"{k}:{tail_id}") not in used_details:
                raise InteropError(f"{file}: region {f}'s meta describes 'stance STANCE_{k[7:]} -> {tail_id}' but there is no such arrow; "
                                   "delete the line or draw the arrow")
    nxt_t = max((R.id_number(x["id"]) for x in stances), default=0) + 1
    for st in arrow_stances:
        stances.append({**base("stance", f"t{nxt_t}"), **{k: v for k, v in st.items() if k != "kind"}})
        nxt_t += 1
    relations.sort(key=lambda r: R.id_number(r["id"]))
    nxt = max((R.id_number(r["id"]) for r in relations), default=0) + 1
    for r in pending:
        relations.append({**base("relation", f"r{nxt}"), **r})
        nxt += 1
    if conventions.get("utf16"):
        filled.append(f"{conventions['utf16']} span(s) matched their text only as UTF-16 code units "
                      "(an export from Label Studio before 1.4) and were converted to code points")
    if conventions.get("codepoints"):
        filled.append(f"{conventions['codepoints']} span(s) read as code points (Label Studio 1.4 and later)")
    recs = settle_version(sent_recs + mentions + entities + stances + relations, file, default_stance_modality, filled)
    return R.ordered(recs), filled
