"""brat standoff: lossless round trips, files as brat's interface writes them, clear refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.cli import main
from geostance.contributing.interop import InteropError, brat, check_records
from geostance.contract.labels import AUTHOR, MENTION_TYPES

FIX = Path(__file__).parent / "fixtures"
INTEROP = FIX / "interop"
CONTRIB = FIX / "contribute"
REPO_DATASET = Path(__file__).parent.parent / "dataset"


def text_of(p: Path) -> str:
    return p.read_bytes().decode("utf-8")


def dataset_files() -> list[Path]:
    """Every annotation file of the repository's dataset (raw and gold), whatever it holds today."""
    return sorted(REPO_DATASET.glob("annotations/raw/*/*.jsonl")) + sorted(REPO_DATASET.glob("annotations/gold/*.jsonl"))


CASES = [(INTEROP / "carol.jsonl", INTEROP / "kyiv-talks.txt"), (CONTRIB / "alice.jsonl", CONTRIB / "eu-urges-calm.txt"),
         (CONTRIB / "bob.jsonl", CONTRIB / "eu-urges-calm.txt")]


@pytest.mark.parametrize("ann_file,txt", CASES, ids=lambda p: p.name)
def test_export_then_import_gives_identical_records(ann_file: Path, txt: Path) -> None:
    recs = jsonl.load_records(ann_file)
    text = text_of(txt)
    back, filled = brat.to_records(brat.export(recs, text), text, recs[0]["doc_id"])
    assert back == records.ordered(recs)
    assert filled == []  # nothing guessed: everything came from the file


@pytest.mark.parametrize("path", dataset_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_of_every_dataset_file(path: Path) -> None:
    recs = jsonl.load_records(path)
    doc_id = recs[0]["doc_id"]
    text = text_of(paths.text_path(REPO_DATASET, doc_id))
    plain = [{k: v for k, v in r.items() if k != "provenance"} for r in recs]  # brat cannot carry provenance
    back, _ = brat.to_records(brat.export(recs, text), text, doc_id)
    assert back == records.ordered(plain)


def test_the_export_uses_brats_line_kinds() -> None:
    recs = jsonl.load_records(INTEROP / "carol.jsonl")
    ann = brat.export(recs, text_of(INTEROP / "kyiv-talks.txt"))
    lines = ann.splitlines()
    assert "T1\tGPE 2 6\tKyiv" in lines  # m1 -> T1, offsets in code points after the emoji
    assert "A1\tForm T1 NAME" in lines
    assert "*\tEquiv T7 T3" in lines  # e2 lists m7 before m3: the order is kept
    assert "N2\tReference T7 geostance:e2\tpresident of Ukraine" in lines
    assert "R4\tREQUEST Arg1:T7 Arg2:T8\t" in lines and "R5\tWARN Arg1:T7 Arg2:T8\t" in lines  # two relations, one pair
    assert any(x.startswith("E1\tSTANCE_AGAINST:T") and "Holder:T7 Target:T8 Evidence2:T" in x for x in lines)
    assert "#1\tAnnotatorNotes T7\tthe president,\\nnot the chief\\t(tab) \\\\ backslash" in lines  # escaped on one line
    for line in lines:
        if line.startswith("T"):
            tid, body, surface = line.split("\t")
            typ, start, end = body.split()
            assert text_of(INTEROP / "kyiv-talks.txt")[int(start):int(end)] == surface


def test_annotation_conf_lists_every_type_from_the_label_inventory() -> None:
    conf = brat.annotation_conf(["e1", "e2"])
    entities = conf.split("[entities]")[1].split("[relations]")[0].split()
    assert set(MENTION_TYPES) <= set(entities)
    assert f"Source\tArg:<EVENT>, Value:{AUTHOR}|e1|e2" in conf
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in conf  # sentences hold mentions, mentions nest
    assert "<RELATION>" not in conf  # brat's interface cannot edit attributes of relations: none are declared
    rel = brat.annotation_conf(stances="relations")
    assert "STANCE_FAVOR\tArg1:" in rel.split("[relations]")[1].split("[events]")[0]
    assert "Holder:" not in rel and "StanceModality" not in rel


def test_a_file_as_brats_interface_writes_it() -> None:
    """Pairwise Equiv lines (merged transitively), relation lines ending in a tab, no
    normalization lines, no relation attributes, no sentences: filled in and reported."""
    native = INTEROP / "brat-native" / "eu-urges-calm.ann"
    text = text_of(native.with_suffix(".txt"))
    sentences = [r for r in jsonl.load_records(CONTRIB / "alice.jsonl") if r["kind"] == "sentence"]
    recs, filled = brat.to_records(native.read_text(encoding="utf-8"), text, "eu-urges-calm", str(native), sentences,
                                   default_modality="ASSERTED", default_source_author=True)
    g = records.by_layer(recs)
    assert [s["id"] for s in g["sentence"]] == ["s1", "s2", "s3", "s4"]
    ents = {e["id"]: (e["name"], e["mentions"]) for e in g["entity"]}
    # ids in reading order of each cluster's first mention; names: first NAME mention in reading order
    assert ents == {
        "e1": ("EU", ["m3", "m1", "m10"]),  # T3~T1, T1~T10: one cluster
        "e2": ("Ukraine", ["m11"]),
        "e3": ("Moscow", ["m2", "m8", "m5", "m6"]),  # T2~T8, T5~T6, T8~T5: one cluster of four
        "e4": ("Kremlin spokesman", ["m7"]),
        "e5": ("Germany", ["m9"]),
    }
    ment = {m["id"]: m for m in g["mention"]}
    assert ment["m2"]["metonymy"] is True and ment["m5"]["metonymy"] is False
    assert ment["m6"]["note"] == "seat of the presidency"
    rel = {r["id"]: r for r in g["relation"]}
    assert rel["r1"] == {**rel["r1"], "type": "REQUEST", "head": "m1", "tail": "m2", "evidence": ["s2"], "modality": "ASSERTED", "source": AUTHOR}
    assert rel["r2"]["evidence"] == ["s3"] and rel["r3"]["modality"] == "ASSERTED"
    (t,) = g["stance"]
    assert (t["holder"], t["target"], t["label"], t["source"], t["explicit"]) == ("e5", "e1", "FAVOR", AUTHOR, True)
    assert "R1: no modality, set to ASSERTED" in filled
    assert any("took the document's 4 sentences" in f for f in filled)
    report = check_records(recs, "eu-urges-calm", text)
    assert report.errors == 0


def test_relations_without_modality_are_refused_without_a_default() -> None:
    native = INTEROP / "brat-native" / "eu-urges-calm.ann"
    sentences = [r for r in jsonl.load_records(CONTRIB / "alice.jsonl") if r["kind"] == "sentence"]
    with pytest.raises(InteropError, match=r"eu-urges-calm.ann:29: R1 has no modality; expected .modality=. in its AnnotatorNotes.*--default-modality"):
        brat.to_records(native.read_text(encoding="utf-8"), text_of(native.with_suffix(".txt")), "eu-urges-calm", str(native), sentences)


GOOD = "T1\tGPE 2 6\tKyiv\nA1\tForm T1 NAME\nT2\tSentence 0 12\t\U0001F642 Kyiv Talks\n"


@pytest.mark.parametrize("ann,message", [
    ("T1\tGPE 2 4;5 6\tKy v\n", "discontinuous span"),
    ("T1\tGPE 2 6\tKiev\n", "the text at 2:6 is 'Kyiv', the line says 'Kiev'"),
    ("T1\tGPE 3 7\tKyiv\n", "the text at 3:7"),  # UTF-16 offsets are not brat's
    ("T1\tCITY 2 6\tKyiv\n", "unknown type 'CITY'"),
    ("T1\tGPE 2 6\tKyiv\nT2\tSentence 0 12\t\U0001F642 Kyiv Talks\n", "T1 ('Kyiv') has no Form attribute"),
    (GOOD + "A2\tForm T1 NAMED\n", "T1 already has the attribute Form"),
    (GOOD.replace("NAME", "NAMED"), "Form of T1 is 'NAMED'"),
    (GOOD + "*\tEquiv T1 T2\n", "Equiv lists T2, which is not a mention"),
    (GOOD + "A2\tModality T1 ASSERTED\n", "Modality is an attribute of relations (R), not of T1"),
    (GOOD + "A2\tColour T1 red\n", "unknown attribute 'Colour'"),
    (GOOD + "X1\tfoo\n", "'X1' is not a brat annotation id"),
    (GOOD + "T1\tGPE 2 6\tKyiv\n", "T1 is already defined on line 1"),
    (GOOD + "#1\tAnnotatorNotes T9\tnote\n", "attached to T9, which is not defined"),
])
def test_bad_files_are_refused_with_the_line(ann: str, message: str) -> None:
    text = text_of(INTEROP / "kyiv-talks.txt")
    with pytest.raises(InteropError) as exc:
        brat.to_records(ann, text, "kyiv-talks", "x.ann")
    assert message in str(exc.value)
    assert str(exc.value).startswith("x.ann:")


def test_conflicting_entity_references_in_one_cluster_are_refused() -> None:
    recs = jsonl.load_records(CONTRIB / "alice.jsonl")
    text = text_of(CONTRIB / "eu-urges-calm.txt")
    ann = brat.export(recs, text).replace("N1\tReference T1 geostance:e1\tEuropean Union\n",
                                          "N1\tReference T1 geostance:e1\tEuropean Union\nN9\tReference T3 geostance:e7\tEU\n")
    with pytest.raises(InteropError, match="one cluster of Equiv mentions is one entity"):
        brat.to_records(ann, text, "eu-urges-calm")


# ---------------------------------------------------------------- the verbs


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    (root / "documents").mkdir(parents=True)
    args = ["contribute", "--dataset", str(root), "document", str(CONTRIB / "eu-urges-calm.txt"), "--doc", "eu-urges-calm",
            "--title", "EU Urges Calm", "--language", "en", "--source-note", "test", "--text-rights", "test",
            "--annotations-rights", "test", "--annotations-license", "CC-BY-4.0",
            "--annotations", str(CONTRIB / "bob.jsonl"), "--annotator", "bob"]
    assert main(args) == 0
    return root


def test_cli_export_then_import_is_byte_identical(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = paths.raw_path(dataset, "eu-urges-calm", "bob")
    out = tmp_path / "brat"
    assert main(["export", "brat", str(src), "--dataset", str(dataset), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["annotation.conf", "eu-urges-calm.ann", "eu-urges-calm.txt", "visual.conf"]
    assert (out / "eu-urges-calm.txt").read_bytes() == paths.text_path(dataset, "eu-urges-calm").read_bytes()
    back = tmp_path / "back.jsonl"
    assert main(["import", "brat", str(out / "eu-urges-calm.ann"), "--dataset", str(dataset), "--out", str(back)]) == 0
    assert back.read_bytes() == src.read_bytes()
    assert "geostance contribute annotations" in capsys.readouterr().out


def test_cli_export_without_a_file_gives_text_and_sentences(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "start"
    assert main(["export", "brat", "--doc", "eu-urges-calm", "--dataset", str(dataset), "--out", str(out)]) == 0
    assert [ln.split("\t")[1].split()[0] for ln in (out / "eu-urges-calm.ann").read_text().splitlines()] == ["Sentence"] * 4


def test_cli_import_refuses_a_text_that_is_not_the_documents(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "other"
    d.mkdir()
    (d / "eu-urges-calm.txt").write_text("Something else entirely.\n", encoding="utf-8")
    (d / "eu-urges-calm.ann").write_text("", encoding="utf-8")
    out = tmp_path / "x.jsonl"
    assert main(["import", "brat", str(d / "eu-urges-calm.ann"), "--dataset", str(dataset), "--out", str(out)]) == 1
    assert "is not the dataset's text of 'eu-urges-calm'" in capsys.readouterr().err
    assert not out.exists()


def test_cli_import_refuses_records_that_do_not_validate(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "b"
    shutil.copytree(INTEROP / "brat-native", d)
    ann = d / "eu-urges-calm.ann"
    # ROLE_OF takes a PERSON head: make it a GPE head; the converter accepts it, the validator does not
    ann.write_text(ann.read_text(encoding="utf-8").replace("R2\tROLE_OF Arg1:T7", "R2\tROLE_OF Arg1:T5"), encoding="utf-8")
    out = tmp_path / "x.jsonl"
    rc = main(["import", "brat", str(ann), "--dataset", str(dataset), "--out", str(out), "--default-modality", "ASSERTED", "--default-source-author"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "argument-type" in err and "do not validate" in err
    assert not out.exists()
