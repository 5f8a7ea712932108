"""Files shaped as brat and Label Studio write them, written here from the tools' rules (not by
geostance's exporter), imported with every layer intact; and brat's own re-saving survived.

The rules restated (read from brat's server/src/annotation.py and annotator.py, and from Label
Studio's JSON export format):

* brat keeps each line's text after the first TAB that follows the annotation's fields as the
  line's "tail" and writes it back verbatim after the fields; a normalization line is written as
  ``ID<tab>TYPE TARGET DB:ID<tab>`` + tail, so a tail that began with a TAB gains one more each
  time (its interface writes a new one as ``<tab><tab>name``); a note as ``ID<tab>AnnotatorNotes
  TARGET`` + tail (``<tab>comment``); a relation drawn in the interface ends in a TAB; an event
  line is ``ID<tab>TYPE:TRIGGER ARGS`` (a space after the trigger even with no arguments); an
  Equiv drawn in the interface joins two mentions; lines keep their order, new ones go last.
* Label Studio's export is a list of tasks with ``data`` and ``annotations``, each annotation a
  ``result`` list: region results (``id``, ``from_name``, ``to_name``, ``type``, ``origin``,
  ``value`` with ``start``, ``end``, ``text`` and ``labels`` or ``choices``, optional ``meta``
  ``{"text": [...]}``) sharing the region's id, and relation results (``from_id``, ``to_id``,
  ``type`` "relation", ``direction``, ``labels``), one per ordered pair of regions. Control names
  are whatever the project's labeling config calls them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geostance.core import jsonl
from geostance.contract import records
from geostance.cli import main
from geostance.contributing.interop import brat, check_records, labelstudio as ls

REPO = Path(__file__).parent.parent
ARTICLE = "china-backs-russia"
ARTICLE_TEXT = (REPO / "dataset/documents" / f"{ARTICLE}.txt").read_bytes().decode("utf-8")
GOLD = [{k: v for k, v in r.items() if k != "provenance"} for r in jsonl.load_records(REPO / "dataset/annotations/gold" / f"{ARTICLE}.jsonl")]
OPEN_QUESTION = jsonl.load_records(REPO / "tests/fixtures/valid/annotations/raw/open-question/ann-1.jsonl")
OPEN_QUESTION_TEXT = (REPO / "tests/fixtures/valid/documents/open-question.txt").read_text(encoding="utf-8")


def num(rid: str) -> int:
    return int(re.sub(r"\D", "", rid))


def esc(note: str) -> str:
    """A note on one line by the documented escapes (backslash, newline, CR, tab)."""
    return note.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


# ------------------------------------------------------------------ brat, by its rules


def brat_lines(recs: list[dict], text: str, stances: str) -> str:
    """An .ann as brat's interface leaves it: pairwise Equiv, relations ending in a TAB, names
    after two TABs, relation (and, as relations, stance) extras in AnnotatorNotes."""
    g = records.by_layer(recs)
    tid = {m["id"]: f"T{num(m['id'])}" for m in g["mention"]}
    first = {e["id"]: tid[e["mentions"][0]] for e in g["entity"]}
    nt = max(num(m["id"]) for m in g["mention"]) + 1
    lines, notes, attrs = [], [], []

    def t_line(typ: str, a: int, b: int) -> str:
        nonlocal nt
        name = f"T{nt}"
        nt += 1
        lines.append(f"{name}\t{typ} {a} {b}\t{text[a:b]}")
        return name

    for s in g["sentence"]:
        t_line("Sentence", s["start"], s["end"])
    for m in g["mention"]:
        lines.append(f"{tid[m['id']]}\t{m['type']} {m['start']} {m['end']}\t{m['text']}")
        attrs.append(f"Form {tid[m['id']]} {m['form']}")
        if m["metonymy"]:
            attrs.append(f"Metonymy {tid[m['id']]}")
        if "note" in m:
            notes.append((tid[m["id"]], esc(m["note"])))
    for e in g["entity"]:
        lines.append(f"N{num(e['id'])}\tReference {first[e['id']]} geostance:{e['id']}\t\t{e['name']}")
        if "note" in e:
            notes.append((f"N{num(e['id'])}", esc(e["note"])))
        for a, b in zip(e["mentions"], e["mentions"][1:]):
            lines.append(f"*\tEquiv {tid[a]} {tid[b]}")
    for r in g["relation"]:
        rid = f"R{num(r['id'])}"
        lines.append(f"{rid}\t{r['type']} Arg1:{tid[r['head']]} Arg2:{tid[r['tail']]}\t")
        src = "AUTHOR" if r["source"] == "AUTHOR" else first[r["source"]]
        notes.append((rid, f"modality={r['modality']} source={src} evidence={','.join(r['evidence'])}"
                      + (" " + esc(r["note"]) if "note" in r else "")))
    nr = max((num(r["id"]) for r in g["relation"]), default=0) + 1
    for t in g["stance"]:
        if stances == "events":
            ev = t["evidence"]
            trig = t_line(f"STANCE_{t['label']}", ev[0]["start"], ev[0]["end"])
            more = [f"Evidence{i}:{t_line('Evidence', e['start'], e['end'])}" for i, e in enumerate(ev[1:], 2)]
            eid = f"E{num(t['id'])}"
            lines.append(f"{eid}\tSTANCE_{t['label']}:{trig} " + " ".join([f"Holder:{first[t['holder']]}", f"Target:{first[t['target']]}", *more]))
            attrs.append(f"Source {eid} {t['source']}")
            if t["explicit"]:
                attrs.append(f"Explicit {eid}")
            if "modality" in t:
                attrs.append(f"StanceModality {eid} {t['modality']}")
            if "note" in t:
                notes.append((eid, esc(t["note"])))
        else:
            rid = f"R{nr}"
            nr += 1
            lines.append(f"{rid}\tSTANCE_{t['label']} Arg1:{first[t['holder']]} Arg2:{first[t['target']]}\t")
            src = "AUTHOR" if t["source"] == "AUTHOR" else first[t["source"]]
            extra = f"source={src} explicit={'true' if t['explicit'] else 'false'}"
            extra += f" modality={t['modality']}" if "modality" in t else ""
            extra += " evidence=" + ",".join(f"{e['start']}-{e['end']}" for e in t["evidence"])
            notes.append((rid, extra + (" " + esc(t["note"]) if "note" in t else "")))
    lines += [f"A{i}\t{a}" for i, a in enumerate(attrs, 1)]
    lines += [f"#{i}\tAnnotatorNotes {target}\t{n}" for i, (target, n) in enumerate(notes, 1)]
    return "".join(x + "\n" for x in lines)


def brat_resave(ann: str) -> str:
    """The file as brat's writer saves it again: every line split at its first TAB after the
    fields and written back as fields + tail by the line kind's rule."""
    out = []
    for line in ann.splitlines():
        ident, rest = line.split("\t", 1)
        data, tail = (rest.split("\t", 1)[0], "\t" + rest.split("\t", 1)[1]) if "\t" in rest else (rest, "")
        if ident.startswith("N"):
            out.append(f"{ident}\t{data}\t{tail}")  # the normalization writer puts a TAB before the tail
        elif ident.startswith("E"):
            typ_trig, _, args = data.partition(" ")
            out.append(f"{ident}\t{typ_trig} {' '.join(args.split())}{tail}")
        else:
            out.append(f"{ident}\t{data}{tail}")
    return "\n".join(out) + "\n"


def test_the_resave_rule_adds_a_tab_before_names_only() -> None:
    ann = "T1\tGPE 0 5\tChina\nN1\tReference T1 geostance:e1\tChina\nR1\tSUPPORT Arg1:T1 Arg2:T1\t\n#1\tAnnotatorNotes T1\tx\n"
    assert brat_resave(ann) == ann.replace("geostance:e1\tChina", "geostance:e1\t\tChina")


@pytest.mark.parametrize("stances", ["events", "relations"])
def test_the_article_as_brat_writes_it_imports_to_the_gold(stances: str) -> None:
    ann = brat_lines(GOLD, ARTICLE_TEXT, stances)
    assert "\t\t" in ann and "\nA" in ann and not re.search(r"^A\d+\t\S+ R", ann, re.M)  # names after two tabs; no attribute on a relation
    recs, filled = brat.to_records(ann, ARTICLE_TEXT, ARTICLE, "article.ann")
    assert recs == records.ordered(GOLD)
    assert filled == []


def test_the_two_brat_stance_conventions_give_identical_records() -> None:
    recs = OPEN_QUESTION
    a, _ = brat.to_records(brat_lines(recs, OPEN_QUESTION_TEXT, "events"), OPEN_QUESTION_TEXT, "open-question")
    b, _ = brat.to_records(brat_lines(recs, OPEN_QUESTION_TEXT, "relations"), OPEN_QUESTION_TEXT, "open-question")
    assert a == b == records.ordered(recs)
    assert {r["modality"] for r in a if r["kind"] == "stance"} >= {"QUESTIONED"}


@pytest.mark.parametrize("saves", [1, 2, 3])
def test_export_then_brats_resaving_then_import_changes_nothing(saves: int) -> None:
    ann = brat.export(GOLD, ARTICLE_TEXT)
    for _ in range(saves):
        ann = brat_resave(ann)
    assert "\t" * (saves + 1) in ann  # the names' tabs really did pile up
    recs, _ = brat.to_records(ann, ARTICLE_TEXT, ARTICLE)
    assert recs == records.ordered(GOLD)
    assert all(not e["name"].startswith(("\t", " ")) for e in recs if e["kind"] == "entity")
    assert check_records(recs, ARTICLE, ARTICLE_TEXT).errors == 0


def test_interface_edits_appended_at_the_end_are_read() -> None:
    """A note and a normalization added in brat's interface go last, with the interface's TABs."""
    ann = brat.export(GOLD, ARTICLE_TEXT)
    m1 = next(r for r in GOLD if r["kind"] == "mention" and r["id"] == "m1")
    ann = brat_resave(ann) + f"#900\tAnnotatorNotes T1\tchecked again\n"
    recs, _ = brat.to_records(ann, ARTICLE_TEXT, ARTICLE)
    got = next(r for r in recs if r["kind"] == "mention" and r["id"] == "m1")
    assert got["note"] == (m1["note"] + "\n" if "note" in m1 else "") + "checked again"


# ------------------------------------------------------------------ a small document, three encodings

# "🙂 Kyiv Talks\nRussia warned Ukraine. Germany backs Kyiv.\n", offsets counted by hand in code points:
# the emoji 0, Kyiv 2-6, Talks 7-12, newline 12, Russia 13-19, warned 20-26, Ukraine 27-34, the period 34,
# Germany 36-43, backs 44-49, Kyiv 50-54, the period 54, newline 55 (56 code points; UTF-16: one more unit after 0).
SMALL = "\U0001F642 Kyiv Talks\nRussia warned Ukraine. Germany backs Kyiv.\n"
SMALL_MENTIONS = [("m1", 2, 6, "GPE", "NAME", True), ("m2", 13, 19, "GPE", "NAME", False), ("m3", 27, 34, "GPE", "NAME", False),
                  ("m4", 36, 43, "GPE", "NAME", False), ("m5", 50, 54, "GPE", "NAME", True)]

SMALL_BRAT_EVENTS = """\
T1\tGPE 2 6\tKyiv
T2\tGPE 13 19\tRussia
T3\tGPE 27 34\tUkraine
T4\tGPE 36 43\tGermany
T5\tGPE 50 54\tKyiv
T6\tSTANCE_FAVOR 36 54\tGermany backs Kyiv
A1\tForm T1 NAME
A2\tMetonymy T1
A3\tForm T2 NAME
A4\tForm T3 NAME
A5\tForm T4 NAME
A6\tForm T5 NAME
A7\tMetonymy T5
*\tEquiv T3 T1
*\tEquiv T1 T5
R1\tWARN Arg1:T2 Arg2:T3\t
E1\tSTANCE_FAVOR:T6 Holder:T4 Target:T5
A8\tSource E1 AUTHOR
A9\tExplicit E1
A10\tStanceModality E1 ASSERTED
#1\tAnnotatorNotes R1\tmodality=ASSERTED source=AUTHOR evidence=s2
"""

SMALL_BRAT_RELATIONS = """\
T1\tGPE 2 6\tKyiv
T2\tGPE 13 19\tRussia
T3\tGPE 27 34\tUkraine
T4\tGPE 36 43\tGermany
T5\tGPE 50 54\tKyiv
A1\tForm T1 NAME
A2\tMetonymy T1
A3\tForm T2 NAME
A4\tForm T3 NAME
A5\tForm T4 NAME
A6\tForm T5 NAME
A7\tMetonymy T5
*\tEquiv T3 T1
*\tEquiv T1 T5
R1\tWARN Arg1:T2 Arg2:T3\t
R2\tSTANCE_FAVOR Arg1:T4 Arg2:T5\t
#1\tAnnotatorNotes R1\tmodality=ASSERTED source=AUTHOR evidence=s2
#2\tAnnotatorNotes R2\tsource=AUTHOR explicit=true modality=ASSERTED evidence=36-54
"""


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def small_ls(offsets: str) -> list[dict]:
    """The small document as a Label Studio export under a config of other control names
    ('label' for every region, 'attrs' for choices), region ids as Label Studio makes them."""
    def off(i: int) -> int:
        return utf16(SMALL[:i]) if offsets == "utf16" else i

    ids = {"m1": "kQ3v9Zx1Aa", "m2": "P0o9i8u7Yt", "m3": "zZ1xX2cC3v", "m4": "Gg5Hh6Jj7K", "m5": "b4N5m6Q7w8"}
    meta = {"m1": ["form=NAME entity=e1 metonymy=true"], "m2": ["form=NAME entity=e2"], "m3": ["form=NAME entity=e1"],
            "m4": ["entity: e3\nstance STANCE_FAVOR -> b4N5m6Q7w8: source=AUTHOR explicit=true modality=ASSERTED evidence=36-54"],
            "m5": ["form=NAME entity=e1 metonymy=true"]}
    res = []
    for mid, a, b, typ, _, _ in SMALL_MENTIONS:
        res.append({"value": {"start": off(a), "end": off(b), "text": SMALL[a:b], "labels": [typ]}, "id": ids[mid],
                    "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual", "meta": {"text": meta[mid]}})
    res.append({"value": {"start": off(36), "end": off(43), "text": "Germany", "choices": ["NAME"]}, "id": ids["m4"],
                "from_name": "attrs", "to_name": "text", "type": "choices", "origin": "manual"})
    res.append({"from_id": ids["m2"], "to_id": ids["m3"], "type": "relation", "direction": "right", "labels": ["WARN"]})
    res.append({"from_id": ids["m4"], "to_id": ids["m5"], "type": "relation", "direction": "right", "labels": ["STANCE_FAVOR"]})
    meta["m2"].append("relation r1: WARN -> zZ1xX2cC3v; modality ASSERTED; source AUTHOR; evidence s2")
    ann = {"id": 41, "completed_by": 3, "result": res, "was_cancelled": False, "ground_truth": False,
           "created_at": "2026-01-05T10:00:00.000000Z", "updated_at": "2026-01-05T10:20:00.000000Z", "lead_time": 301.5,
           "prediction": {}, "result_count": 0, "task": 9, "project": 2, "updated_by": 3}
    return [{"id": 9, "annotations": [ann], "drafts": [], "predictions": [], "data": {"text": SMALL, "doc_id": "kyiv-small"},
             "meta": {}, "created_at": "2026-01-05T09:00:00.000000Z", "updated_at": "2026-01-05T10:20:00.000000Z",
             "inner_id": 9, "total_annotations": 1, "cancelled_annotations": 0, "total_predictions": 0, "project": 2}]


def mentions_of(recs: list[dict]) -> list[tuple]:
    return sorted((m["start"], m["end"], m["text"], m["type"], m["form"], m["metonymy"]) for m in recs if m["kind"] == "mention")


def clusters_of(recs: list[dict]) -> set[frozenset]:
    span = {m["id"]: (m["start"], m["end"]) for m in recs if m["kind"] == "mention"}
    return {frozenset(span[x] for x in e["mentions"]) for e in recs if e["kind"] == "entity"}


def test_the_small_document_by_hand() -> None:
    assert len(SMALL) == 56 and utf16(SMALL) == 57
    for _, a, b, *_ in SMALL_MENTIONS:
        assert SMALL[a:b] in ("Kyiv", "Russia", "Ukraine", "Germany")


def test_both_brat_stance_conventions_of_the_small_document_give_identical_records() -> None:
    a, fa = brat.to_records(SMALL_BRAT_EVENTS, SMALL, "kyiv-small", "e.ann")
    b, fb = brat.to_records(SMALL_BRAT_RELATIONS, SMALL, "kyiv-small", "r.ann")
    assert a == b
    g = records.by_layer(a)
    # no Sentence spans and no dataset: segmented (headline, then two sentences), and said so
    assert [(s["start"], s["end"]) for s in g["sentence"]] == [(0, 12), (13, 35), (36, 55)]
    assert any("segmented the text" in f for f in fa) and any("segmented the text" in f for f in fb)
    # entity ids and names derived (first NAME mention in reading order) and said so
    assert [(e["id"], e["name"], e["mentions"]) for e in g["entity"]] == [("e1", "Kyiv", ["m3", "m1", "m5"]), ("e2", "Russia", ["m2"]), ("e3", "Germany", ["m4"])]
    assert sum("id and name assigned" in f for f in fa) == 3
    (t,) = g["stance"]
    assert (t["holder"], t["target"], t["label"], t["source"], t["explicit"], t["modality"]) == ("e3", "e1", "FAVOR", "AUTHOR", True, "ASSERTED")
    assert t["evidence"] == [{"start": 36, "end": 54, "text": "Germany backs Kyiv"}]
    (r,) = g["relation"]
    assert (r["type"], r["head"], r["tail"], r["modality"], r["source"], r["evidence"]) == ("WARN", "m2", "m3", "ASSERTED", "AUTHOR", ["s2"])
    assert check_records(a, "kyiv-small", SMALL).errors == 0


@pytest.mark.parametrize("offsets", ["codepoints", "utf16"])
def test_label_studio_exports_of_the_small_document_give_the_brat_mentions(offsets: str) -> None:
    brat_recs, _ = brat.to_records(SMALL_BRAT_EVENTS, SMALL, "kyiv-small")
    sents = [r for r in brat_recs if r["kind"] == "sentence"]
    recs, notes = ls.to_records(small_ls(offsets), SMALL, "kyiv-small", sentences=sents)
    assert mentions_of(recs) == mentions_of(brat_recs) == sorted((a, b, SMALL[a:b], t, f, mt) for _, a, b, t, f, mt in SMALL_MENTIONS)
    assert clusters_of(recs) == clusters_of(brat_recs)
    strip = lambda rs, k: [{x: v for x, v in r.items() if x != "id"} for r in rs if r["kind"] == k]  # noqa: E731
    assert strip(recs, "stance") == strip(brat_recs, "stance")
    assert [(r["type"], r["modality"], r["source"], r["evidence"]) for r in recs if r["kind"] == "relation"] == [("WARN", "ASSERTED", "AUTHOR", ["s2"])]
    said = "matched their text only as UTF-16" if offsets == "utf16" else "read as code points"
    assert any(said in n for n in notes)


def test_a_stance_on_an_arrow_that_has_a_relation_is_a_second_label() -> None:
    tasks = small_ls("codepoints")
    res = tasks[0]["annotations"][0]["result"]
    arrow = next(r for r in res if r.get("labels") == ["WARN"])
    arrow["labels"] = ["WARN", "STANCE_AGAINST"]
    m2 = next(r for r in res if r.get("id") == arrow["from_id"] and r["type"] == "labels")
    m2["meta"]["text"].append(f"stance STANCE_AGAINST -> {arrow['to_id']}: source=AUTHOR explicit=false modality=ALLEGED evidence=13-34")
    recs, _ = ls.to_records(tasks, SMALL, "kyiv-small", sentences=[{"kind": "sentence", "schema_version": "1.1", "doc_id": "kyiv-small", "id": f"s{i}",
                                                                   "start": a, "end": b, "text": SMALL[a:b]} for i, (a, b) in enumerate([(0, 12), (13, 35), (36, 55)], 1)])
    g = records.by_layer(recs)
    # stances from arrows are numbered in the order of the arrows: the WARN arrow comes first
    assert [(t["id"], t["holder"], t["target"], t["label"], t["modality"], t["explicit"]) for t in g["stance"]] == [
        ("t1", "e2", "e1", "AGAINST", "ALLEGED", False), ("t2", "e3", "e1", "FAVOR", "ASSERTED", True)]
    assert [r["type"] for r in g["relation"]] == ["WARN"]


def test_a_stance_arrow_without_evidence_is_refused_unless_asked() -> None:
    tasks = small_ls("codepoints")
    m4 = next(r for r in tasks[0]["annotations"][0]["result"] if r.get("id") == "Gg5Hh6Jj7K" and r["type"] == "labels")
    m4["meta"]["text"] = ["entity: e3"]
    with pytest.raises(Exception, match=r"STANCE_FAVOR\) has no evidence.*--default-stance-evidence"):
        ls.to_records(tasks, SMALL, "kyiv-small")
    recs, notes = ls.to_records(tasks, SMALL, "kyiv-small", default_source_author=True, default_stance_evidence=True)
    (t,) = [r for r in recs if r["kind"] == "stance"]
    assert t["evidence"] == [{"start": 36, "end": 54, "text": "Germany backs Kyiv"}]  # its sentence without the period
    assert any("no evidence, set to its holder's sentence 36-54" in n for n in notes)
    assert any("no source" in n and "AUTHOR" in n for n in notes)


# ------------------------------------------------------------------ the article in Label Studio, by its rules


def article_ls(offsets: str) -> list[dict]:
    """The gold article as a Label Studio export: one 'label' control, stances as arrows between
    mentions with their extras in the holder region's meta, relations sharing arrows per pair."""
    def off(i: int) -> int:
        return utf16(ARTICLE_TEXT[:i]) if offsets == "utf16" else i

    g = records.by_layer(GOLD)
    meta: dict[str, list[str]] = {m["id"]: [f"form={m['form']} entity={m['entity']}" + (" metonymy=true" if m["metonymy"] else "")]
                                  for m in g["mention"]}
    for e in g["entity"]:
        meta[e["mentions"][0]] += [f"entity name: {e['name']}", "entity mentions: " + " ".join(e["mentions"])]
    arrows: dict[tuple[str, str], list[str]] = {}
    for r in g["relation"]:
        arrows.setdefault((r["head"], r["tail"]), []).append(r["type"])
        meta[r["head"]].append(f"relation {r['id']}: {r['type']} -> {r['tail']}; modality {r['modality']}; source {r['source']}; evidence {','.join(r['evidence'])}")
    ments = {e["id"]: e["mentions"] for e in g["entity"]}
    for t in g["stance"]:
        # one arrow per ordered pair and one label per arrow: take the first pair of mentions free for this label
        pair = next((h, x) for h in ments[t["holder"]] for x in ments[t["target"]] if f"STANCE_{t['label']}" not in arrows.get((h, x), []))
        arrows.setdefault(pair, []).append(f"STANCE_{t['label']}")
        meta[pair[0]].append(f"stance STANCE_{t['label']} -> {pair[1]}: source={t['source']} explicit={str(t['explicit']).lower()} "
                             + (f"modality={t['modality']} " if "modality" in t else "") + "evidence=" + ",".join(f"{e['start']}-{e['end']}" for e in t["evidence"]))
    res = [{"value": {"start": off(s["start"]), "end": off(s["end"]), "text": s["text"], "labels": ["Sentence"]}, "id": s["id"],
            "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"} for s in g["sentence"]]
    res += [{"value": {"start": off(m["start"]), "end": off(m["end"]), "text": m["text"], "labels": [m["type"]]}, "id": m["id"],
             "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual", "meta": {"text": meta[m["id"]]}} for m in g["mention"]]
    res += [{"from_id": h, "to_id": t, "type": "relation", "direction": "right", "labels": labels} for (h, t), labels in arrows.items()]
    return [{"id": 1, "annotations": [{"id": 1, "completed_by": 1, "result": res, "was_cancelled": False, "ground_truth": False}],
             "data": {"text": ARTICLE_TEXT, "doc_id": ARTICLE}, "predictions": [], "drafts": []}]


def content(recs: list[dict], kind: str) -> list:
    keep = {"stance": ("holder", "target", "label", "source", "explicit", "evidence", "modality"), "relation": ("id", "type", "head", "tail", "modality", "source", "evidence")}[kind]
    return sorted(json.dumps({k: r.get(k) for k in keep}, sort_keys=True) for r in recs if r["kind"] == kind)


@pytest.mark.parametrize("offsets", ["codepoints", "utf16"])
def test_the_article_as_label_studio_exports_it_keeps_every_layer(offsets: str) -> None:
    recs, notes = ls.to_records(article_ls(offsets), ARTICLE_TEXT, ARTICLE)
    layers = records.by_layer(recs)
    gold = records.by_layer(records.ordered(GOLD))
    for kind in ("sentence", "mention", "entity"):
        assert [{k: v for k, v in r.items() if k != "note"} for r in layers[kind]] == [{k: v for k, v in r.items() if k != "note"} for r in gold[kind]], kind
    assert content(recs, "stance") == content(GOLD, "stance")
    assert content(recs, "relation") == content(GOLD, "relation")
    # the article has no character outside the BMP: both conventions give the same offsets, read as code points
    assert all(ord(c) <= 0xFFFF for c in ARTICLE_TEXT) and article_ls("utf16") == article_ls("codepoints")
    assert any("read as code points" in n for n in notes)


def test_the_label_studio_export_has_a_real_exports_keys() -> None:
    tasks = ls.export(GOLD, ARTICLE_TEXT, ARTICLE, now="2026-01-05T10:00:00.000000Z")
    task = tasks[0]
    assert {"id", "data", "annotations", "predictions", "drafts", "meta", "created_at", "updated_at", "inner_id", "total_annotations",
            "cancelled_annotations", "total_predictions", "project"} <= set(task)
    ann = task["annotations"][0]
    assert {"id", "completed_by", "result", "was_cancelled", "ground_truth", "created_at", "updated_at", "lead_time", "task", "project"} <= set(ann)
    for r in ann["result"]:
        keys = {"from_id", "to_id", "type", "direction", "labels"} if r["type"] == "relation" else {"id", "from_name", "to_name", "type", "origin", "value"}
        assert keys <= set(r)


# ------------------------------------------------------------------ import --out


def test_import_out_never_replaces_creates_or_reads_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.ann").write_text(SMALL_BRAT_EVENTS, encoding="utf-8")
    (tmp_path / "d.txt").write_text(SMALL, encoding="utf-8")
    ann = str(tmp_path / "d.ann")
    ds = ["--dataset", str(tmp_path / "no-dataset")]
    out = tmp_path / "out.jsonl"
    assert main(["import", "brat", ann, *ds, "--out", str(out)]) == 0
    before = out.read_bytes()
    assert main(["import", "brat", ann, *ds, "--out", str(out)]) == 2
    assert "exists; give --force" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["import", "brat", ann, *ds, "--out", str(out), "--force"]) == 0
    assert main(["import", "brat", ann, *ds, "--out", str(tmp_path / "new" / "x.jsonl")]) == 2
    assert "does not exist; create it first" in capsys.readouterr().err and not (tmp_path / "new").exists()
    assert main(["import", "brat", ann, *ds, "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["import", "brat", str(tmp_path), *ds, "--out", str(tmp_path / "y.jsonl")]) == 2
    assert "is a folder; expected the .ann file" in capsys.readouterr().err
    assert main(["import", "labelstudio", str(tmp_path / "missing.json"), *ds, "--out", str(tmp_path / "y.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "e.ann").write_text("", encoding="utf-8")
    assert main(["import", "brat", str(tmp_path / "e.ann"), *ds, "--out", str(tmp_path / "y.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "e.txt: no such file" in err and "Traceback" not in err and "internal error" not in err
    assert not (tmp_path / "y.jsonl").exists()


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0, reason="root reads every file")
def test_import_refuses_an_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "x.json"
    p.write_text("[]", encoding="utf-8")
    p.chmod(0)
    try:
        assert main(["import", "labelstudio", str(p), "--out", str(tmp_path / "y.jsonl")]) == 2
        assert "cannot be read" in capsys.readouterr().err
    finally:
        p.chmod(0o644)


# ------------------------------------------------------------------ the shipped configurations


@pytest.mark.parametrize("path,tool,stances", [("brat/annotation.conf", "brat", "events"), ("brat/visual.conf", "brat", "events"),
                                               ("brat/stances-as-relations/annotation.conf", "brat", "relations"),
                                               ("labelstudio/labelstudio-config.xml", "labelstudio", "events")])
def test_annotation_tools_holds_what_export_config_writes(path: str, tool: str, stances: str, tmp_path: Path) -> None:
    assert main(["export", "config", "--tool", tool, "--stances", stances, "--out", str(tmp_path)]) == 0
    assert (REPO / "annotation-tools" / path).read_text(encoding="utf-8") == (tmp_path / Path(path).name).read_text(encoding="utf-8")


def test_the_labelstudio_config_offers_every_label_the_importer_reads() -> None:
    import xml.dom.minidom

    from geostance.contract.labels import MENTION_FORMS, MENTION_TYPES, RELATION_TYPES, STANCE_LABELS

    doc = xml.dom.minidom.parse(str(REPO / "annotation-tools/labelstudio/labelstudio-config.xml"))
    labels = {n.getAttribute("value") for n in doc.getElementsByTagName("Label")}
    rels = {n.getAttribute("value") for n in doc.getElementsByTagName("Relation")}
    choices = {n.getAttribute("value") for n in doc.getElementsByTagName("Choice")}
    assert labels == {*MENTION_TYPES, *STANCE_LABELS, "Sentence"}
    assert rels == {*RELATION_TYPES, *(f"STANCE_{x}" for x in STANCE_LABELS)}
    assert choices == {*MENTION_FORMS, "metonymy", "explicit"}
    assert doc.getElementsByTagName("Relations")[0].getAttribute("choice") == "multiple"  # a stance and a relation share an arrow


def test_export_config_refuses_a_file_as_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "f"
    f.write_text("x", encoding="utf-8")
    assert main(["export", "config", "--tool", "brat", "--out", str(f)]) == 2
    assert main(["export", "config", "--out", str(tmp_path)]) == 2
    assert "give --tool" in capsys.readouterr().err
