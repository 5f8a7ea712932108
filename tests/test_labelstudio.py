"""Label Studio JSON: lossless round trips, both offset conventions, exports as the tool writes them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.cli import main
from geostance.contributing.interop import InteropError, labelstudio as ls
from geostance.contract.labels import AUTHOR, MENTION_FORMS, MENTION_TYPES, RELATION_TYPES, STANCE_LABELS

FIX = Path(__file__).parent / "fixtures"
INTEROP = FIX / "interop"
CONTRIB = FIX / "contribute"
REPO_DATASET = Path(__file__).parent.parent / "dataset"
TEXT = (INTEROP / "kyiv-talks.txt").read_bytes().decode("utf-8")
CAROL = jsonl.load_records(INTEROP / "carol.jsonl")


def load(name: str) -> list:
    return json.loads((INTEROP / name).read_text(encoding="utf-8"))


def utf16_units(s: str) -> int:
    """Length in UTF-16 code units, computed independently of geostance (by encoding)."""
    return len(s.encode("utf-16-le")) // 2


def test_the_text_has_a_character_outside_the_bmp_before_every_span() -> None:
    assert ord(TEXT[0]) > 0xFFFF
    assert utf16_units(TEXT) == len(TEXT) + 1


@pytest.mark.parametrize("name", ["kyiv-talks.labelstudio-codepoints.json", "kyiv-talks.labelstudio-utf16.json"])
def test_both_offset_conventions_import_to_the_same_records(name: str) -> None:
    recs, notes = ls.to_records(load(name), TEXT, "kyiv-talks")
    assert recs == records.ordered(CAROL)
    if "utf16" in name:
        assert any("UTF-16 code units" in n and "converted to code points" in n for n in notes)
    else:
        assert notes == ["15 span(s) read as code points (Label Studio 1.4 and later)"]  # 3 sentences + 10 mentions + 2 stances


def test_the_fixtures_use_the_conventions_they_claim() -> None:
    """Every region of the UTF-16 export counts code units (checked by encoding the text), the other code points."""
    cp = load("kyiv-talks.labelstudio-codepoints.json")[0]["annotations"][0]["result"]
    u16 = load("kyiv-talks.labelstudio-utf16.json")[0]["annotations"][0]["result"]
    regions = 0
    for a, b in zip(cp, u16):
        if a["type"] == "relation":
            continue
        regions += 1
        s, e = a["value"]["start"], a["value"]["end"]
        assert TEXT[s:e] == a["value"]["text"]
        assert (b["value"]["start"], b["value"]["end"]) == (utf16_units(TEXT[:s]), utf16_units(TEXT[:e]))
        assert b["value"]["start"] == (s + 1 if s > 0 else 0)  # every span but the first sentence lies after the emoji
    assert regions > 20


def test_export_then_import_gives_identical_records_in_both_conventions() -> None:
    for conv in ("codepoints", "utf16"):
        tasks = json.loads(json.dumps(ls.export(CAROL, TEXT, "kyiv-talks", "carol", conv)))
        recs, _ = ls.to_records(tasks, TEXT, "kyiv-talks")
        assert recs == records.ordered(CAROL), conv


@pytest.mark.parametrize("path", sorted(REPO_DATASET.glob("annotations/raw/*/*.jsonl")) + sorted(REPO_DATASET.glob("annotations/gold/*.jsonl")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_of_every_dataset_file(path: Path) -> None:
    recs = jsonl.load_records(path)
    doc_id = recs[0]["doc_id"]
    text = paths.text_path(REPO_DATASET, doc_id).read_bytes().decode("utf-8")
    plain = [{k: v for k, v in r.items() if k != "provenance"} for r in recs]
    back, _ = ls.to_records(json.loads(json.dumps(ls.export(recs, text, doc_id))), text, doc_id)
    assert back == records.ordered(plain)


def test_relations_share_an_arrow_and_their_details_ride_on_the_head_region() -> None:
    result = ls.export_result(CAROL, TEXT)
    arrows = [r for r in result if r["type"] == "relation"]
    assert {"from_id": "m7", "to_id": "m8", "type": "relation", "direction": "right", "labels": ["REQUEST", "WARN"]} in arrows
    he = next(r for r in result if r["id"] == "m7" and r["from_name"] == ls.FROM_MENTION)
    assert "relation r5: WARN -> m8; modality ASSERTED; source AUTHOR; evidence s3" in he["meta"]["text"]
    assert "relation r5 note: same mentions as r4" in he["meta"]["text"]


def test_neither_convention_matching_is_refused() -> None:
    tasks = load("kyiv-talks.labelstudio-codepoints.json")
    region = next(r for r in tasks[0]["annotations"][0]["result"] if r.get("id") == "m8" and r["from_name"] == "mention")
    region["value"]["start"] += 5
    region["value"]["end"] += 5
    with pytest.raises(InteropError, match=r"value.text is 'Moscow', but code points 75:81 hold 'w & it' and UTF-16 units 75:81 do not hold it either"):
        ls.to_records(tasks, TEXT, "kyiv-talks")


def test_a_span_that_only_fits_as_utf16_is_converted() -> None:
    tasks = load("kyiv-talks.labelstudio-codepoints.json")
    region = next(r for r in tasks[0]["annotations"][0]["result"] if r.get("id") == "m8" and r["from_name"] == "mention")
    s = region["value"]["start"]
    region["value"]["start"], region["value"]["end"] = utf16_units(TEXT[:s]), utf16_units(TEXT[:s]) + 6
    recs, notes = ls.to_records(tasks, TEXT, "kyiv-talks")
    assert recs == records.ordered(CAROL)
    assert any(n.startswith("1 span(s) matched their text only as UTF-16") for n in notes)


def native_export() -> list:
    """A small export as Label Studio writes it for regions drawn in its interface:
    random region ids, no geostance meta on the arrow's head, per-region choices."""
    t = "China backs Russia."

    def region(rid, name, s, e, kind, vals, meta=None):
        r = {"id": rid, "from_name": name, "to_name": "text", "type": kind, "origin": "manual",
             "value": {"start": s, "end": e, "text": t[s:e], kind: vals}}
        if meta:
            r["meta"] = {"text": meta}
        return r

    result = [
        region("Xy12abCD90", "sentence", 0, 19, "labels", ["Sentence"]),
        region("aB3xYz91Qp", "mention", 12, 18, "labels", ["GPE"], ["entity: e2", "free comment typed in the meta box"]),
        region("aB3xYz91Qp", "form", 12, 18, "choices", ["NAME"]),
        region("Qw7rT5uI3o", "mention", 0, 5, "labels", ["GPE"], ["entity: e1"]),
        region("Qw7rT5uI3o", "form", 0, 5, "choices", ["NAME"]),
        {"from_id": "Qw7rT5uI3o", "to_id": "aB3xYz91Qp", "type": "relation", "direction": "right", "labels": ["SUPPORT"]},
    ]
    return [{"id": 7, "data": {"text": t, "doc_id": "tiny"}, "annotations": [{"id": 31, "completed_by": 1, "result": result, "was_cancelled": False}]}]


def test_regions_drawn_in_label_studio_get_ids_in_reading_order() -> None:
    recs, notes = ls.to_records(native_export(), "China backs Russia.", "tiny", default_modality="ASSERTED", default_source_author=True)
    g = records.by_layer(recs)
    assert [(m["id"], m["text"], m["entity"]) for m in g["mention"]] == [("m2", "Russia", "e2"), ("m1", "China", "e1")]
    assert g["mention"][0]["note"] == "free comment typed in the meta box"
    assert [(e["id"], e["name"]) for e in g["entity"]] == [("e1", "China"), ("e2", "Russia")]
    (r,) = g["relation"]
    assert (r["id"], r["type"], r["head"], r["tail"], r["evidence"], r["modality"], r["source"]) == ("r1", "SUPPORT", "m1", "m2", ["s1"], "ASSERTED", AUTHOR)
    assert any("SUPPORT m1 -> m2: no details, set modality ASSERTED" in n for n in notes)


def test_an_arrow_without_details_is_refused_without_defaults() -> None:
    with pytest.raises(InteropError, match=r"the arrow Qw7rT5uI3o -> aB3xYz91Qp \(SUPPORT\) has no 'relation rN: SUPPORT"):
        ls.to_records(native_export(), "China backs Russia.", "tiny")


def test_details_without_their_arrow_are_refused() -> None:
    tasks = load("kyiv-talks.labelstudio-codepoints.json")
    res = tasks[0]["annotations"][0]["result"]
    tasks[0]["annotations"][0]["result"] = [r for r in res if not (r["type"] == "relation" and r["to_id"] == "m5")]
    with pytest.raises(InteropError, match="region m3's meta describes 'relation r3: CONSULT -> m5.*but there is no such arrow"):
        ls.to_records(tasks, TEXT, "kyiv-talks")


@pytest.mark.parametrize("edit,message", [
    (lambda r: r["value"].update(labels=["CITY"]), "the label 'CITY' is none of Sentence, a mention type"),
    (lambda r: r["value"].update(labels=["GPE", "ORG"]), "expected exactly one label"),
    (lambda r: r["value"].pop("text"), "value.text is missing"),
    (lambda r: r["meta"].update(text=["entity: x1"]), "needs a line 'entity: eN'"),
])
def test_bad_regions_are_refused(edit, message: str) -> None:
    tasks = load("kyiv-talks.labelstudio-codepoints.json")
    edit(next(r for r in tasks[0]["annotations"][0]["result"] if r.get("id") == "m1" and r["from_name"] == "mention"))
    with pytest.raises(InteropError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ls.to_records(tasks, TEXT, "kyiv-talks")


def test_a_task_with_another_text_is_refused() -> None:
    tasks = load("kyiv-talks.labelstudio-codepoints.json")
    tasks[0]["data"]["text"] = TEXT.replace("\U0001F642", ":)")
    with pytest.raises(InteropError, match="data.text is not the text of document 'kyiv-talks'"):
        ls.to_records(tasks, TEXT, "kyiv-talks")


def test_several_annotations_need_a_choice() -> None:
    tasks = load("kyiv-talks.labelstudio-codepoints.json")
    second = copy.deepcopy(tasks[0]["annotations"][0])
    second["id"] = 2
    tasks[0]["annotations"].append(second)
    with pytest.raises(InteropError, match="2 annotations .*--annotation-id"):
        ls.to_records(tasks, TEXT, "kyiv-talks")
    recs, _ = ls.to_records(tasks, TEXT, "kyiv-talks", annotation_id="2")
    assert recs == records.ordered(CAROL)


def test_labeling_config_lists_every_label_from_the_inventory() -> None:
    conf = ls.labeling_config()
    for label in MENTION_TYPES + STANCE_LABELS + RELATION_TYPES + MENTION_FORMS:
        assert f'value="{label}"' in conf
    import xml.dom.minidom

    xml.dom.minidom.parseString(conf)  # well-formed


def test_cli_round_trip_through_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "dataset"
    (root / "documents").mkdir(parents=True)
    assert main(["contribute", "--dataset", str(root), "document", str(CONTRIB / "eu-urges-calm.txt"), "--doc", "eu-urges-calm",
                 "--title", "EU Urges Calm", "--language", "en", "--source-note", "test", "--text-rights", "test",
                 "--annotations-rights", "test", "--annotations-license", "CC-BY-4.0",
                 "--annotations", str(CONTRIB / "alice.jsonl"), "--annotator", "alice"]) == 0
    src = paths.raw_path(root, "eu-urges-calm", "alice")
    out = tmp_path / "ls" / "alice.json"
    assert main(["export", "labelstudio", str(src), "--dataset", str(root), "--out", str(out), "--offsets", "utf16"]) == 0
    assert (tmp_path / "ls" / "alice.config.xml").is_file()
    back = tmp_path / "back.jsonl"
    assert main(["import", "labelstudio", str(out), "--dataset", str(root), "--out", str(back)]) == 0
    assert back.read_bytes() == src.read_bytes()


def test_an_export_nested_too_deeply_is_refused_not_an_internal_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "nested.json"
    src.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # was a RecursionError (exit 3)
    out = tmp_path / "out.jsonl"
    assert main(["import", "labelstudio", str(src), "--out", str(out), "--dataset", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{src}: JSON arrays or objects nested too deeply to read" in err and "internal error" not in err
    assert not out.exists()


def test_a_task_whose_annotations_is_not_a_list_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "odd.json"
    src.write_text(json.dumps([{"data": {"doc_id": "x-y", "text": "abc"}, "annotations": 5}]), encoding="utf-8")
    assert main(["import", "labelstudio", str(src), "--out", str(tmp_path / "o.jsonl"), "--dataset", str(tmp_path)]) == 1
    assert "the task's annotations is not a list" in capsys.readouterr().err


def test_export_to_a_folder_is_refused_not_an_internal_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fix = Path(__file__).parent / "fixtures" / "build"
    gold = fix / "annotations" / "gold" / "fixture-beta.jsonl"
    assert main(["export", "labelstudio", str(gold), "--dataset", str(fix), "--out", str(tmp_path)]) == 2  # was exit 3
    err = capsys.readouterr().err
    assert f"--out {tmp_path} is a folder" in err and "internal error" not in err
    assert list(tmp_path.iterdir()) == []
