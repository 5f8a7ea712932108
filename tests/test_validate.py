"""``geostance validate``: the bad-input corpus, the CLI contract, and a fuzz test.

Every folder ``tests/fixtures/invalid/<finding-id>/`` is a mini dataset root
(``documents/`` + ``annotations/``) with an ``EXPECTED.json`` that lists
exactly the findings (id, file relative to the fixture, line, field) the
validator must report for it, and says why the fixture is invalid. A fixture
whose bytes cannot sensibly be committed (the 10 MB line) says in
``EXPECTED.json`` -> ``generate`` how the test completes it in a temporary copy;
``options`` are keywords of ``validate()`` the fixture needs (a small ``max_bytes``).
``tests/fixtures/valid/`` is a small valid dataset that must give no finding.
"""

from __future__ import annotations

import builtins

import copy
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geostance.core import jsonl
from geostance.contract import labels
from geostance.cli import main as cli_main
from geostance.core.findings import Report, table
from geostance.contract.schemas import ANNOTATION_KINDS
from geostance.validation.documents import DocumentStore
from geostance.validation.validator import validate, validate_records

FIXTURES = Path(__file__).parent / "fixtures"
INVALID = FIXTURES / "invalid"
VALID = FIXTURES / "valid"
FIXTURE_DIRS = sorted(p for p in INVALID.iterdir() if p.is_dir())


def expected(fixture: Path) -> dict:
    return json.loads((fixture / "EXPECTED.json").read_text(encoding="utf-8"))


def materialise(fixture: Path, tmp_path: Path) -> Path:
    """The fixture as a dataset root: itself, or a temporary copy completed as
    its ``generate`` entry says (a line of ``line_bytes`` bytes inserted as
    line ``insert_line`` of ``file``)."""
    gen = expected(fixture).get("generate")
    if gen is None:
        return fixture
    root = tmp_path / fixture.name
    shutil.copytree(fixture, root, symlinks=True)
    target = root / gen["file"]
    lines = target.read_bytes().splitlines(keepends=True)
    head = b'{"kind":"mention","schema_version":"1.0","doc_id":"mini","id":"m1","note":"'
    tail = b'"}'
    pad = gen["line_bytes"] - len(head) - len(tail)
    lines.insert(gen["insert_line"] - 1, head + b"x" * pad + tail + b"\n")
    target.write_bytes(b"".join(lines))
    assert len(target.read_bytes().splitlines()[gen["insert_line"] - 1]) == gen["line_bytes"]
    return root


def located(report: Report, root: Path) -> Counter:
    """(id, file relative to the dataset root, line, field) of every finding."""
    prefix = root.name + "/"
    out: Counter = Counter()
    for f in report.kept:
        assert f.file.startswith(prefix), f.render()
        out[(f.id, f.file[len(prefix):], f.line, f.field)] += 1
    return out


# ---------------------------------------------------------------- the corpus


def test_every_finding_id_has_a_fixture_and_every_fixture_is_an_id() -> None:
    ids = set(table())
    folders = {p.name for p in FIXTURE_DIRS}
    assert ids - folders == set(), "finding ids without a fixture folder"
    assert folders - ids == set(), "fixture folders that are not finding ids"
    assert len(ids) >= 35
    assert not [p.name for p in INVALID.iterdir() if not p.is_dir()]


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: p.name)
def test_expected_json_is_well_formed(fixture: Path) -> None:
    exp = expected(fixture)
    assert set(exp) <= {"why", "findings", "generate", "options"}
    assert isinstance(exp["why"], str) and len(exp["why"]) > 20
    assert exp["findings"], "a fixture expects at least one finding"
    for f in exp["findings"]:
        assert set(f) == {"id", "file", "line", "field"}
        assert f["id"] in table(), f"{f['id']!r} is not in schema/findings.json"
    # the folder's own id is among the findings it expects
    assert fixture.name in {f["id"] for f in exp["findings"]}


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: p.name)
def test_invalid_fixture_reports_exactly_the_expected_findings(fixture: Path, tmp_path: Path) -> None:
    root = materialise(fixture, tmp_path)
    report = validate([root], **expected(fixture).get("options", {}))  # options: validate()'s keywords (max_bytes)
    want = Counter((f["id"], f["file"], f["line"], f["field"]) for f in expected(fixture)["findings"])
    assert located(report, root) == want
    # every finding says what it found: a non-empty message
    assert all(f.message.strip() for f in report.kept)
    # exit-status contract of the library: errors iff an error id is expected
    has_error = any(table()[i].severity == "error" for i, *_ in want)
    assert (report.errors > 0) == has_error


def test_valid_dataset_gives_no_finding() -> None:
    report = validate([VALID])
    assert report.kept == []
    assert (report.errors, report.warnings) == (0, 0)
    # 3 document records + 3 annotation files; 3 + 17 + 8 + 13 records (counted in the files)
    assert (report.files, report.records) == (6, 41)


def test_valid_dataset_has_what_the_fixture_promises() -> None:
    """Three documents, all five kinds, a symmetric relation, a pronoun, a
    metonymy, an AUTHOR and an entity source, raw and gold files, files of
    both schema versions, every 1.1 stance with a modality, a QUESTIONED
    relation and stance, a HYPOTHETICAL stance."""
    recs = []
    files = sorted((VALID / "annotations").rglob("*.jsonl"))
    assert {p.parent.name for p in files} == {"envoy-speaks", "open-question", "gold"}
    for p in files:
        recs += jsonl.load_records(p)
    assert len({r["doc_id"] for r in recs}) == 3
    assert {r["schema_version"] for r in recs} == set(labels.SCHEMA_VERSIONS)
    v11 = [r for r in recs if r["schema_version"] == "1.1"]
    assert all("modality" in r for r in v11 if r["kind"] == "stance")
    assert {r["modality"] for r in v11 if r["kind"] == "stance"} >= {"QUESTIONED", "HYPOTHETICAL"}
    assert any(r["kind"] == "relation" and r["modality"] == "QUESTIONED" for r in v11)
    assert {r["kind"] for r in recs} == set(ANNOTATION_KINDS)
    assert any(r["kind"] == "relation" and r["type"] in labels.SYMMETRIC_TYPES for r in recs)
    assert any(r["kind"] == "mention" and r["form"] == "PRONOUN" for r in recs)
    assert any(r["kind"] == "mention" and r["metonymy"] for r in recs)
    sources = {r["source"] for r in recs if r["kind"] in ("stance", "relation")}
    assert labels.AUTHOR in sources and any(s != labels.AUTHOR for s in sources)
    assert any("provenance" in r for r in recs)


def test_findings_are_all_reported_not_only_the_first(tmp_path: Path) -> None:
    """One file with several faults at several levels: each is reported."""
    root = tmp_path / "ds"
    shutil.copytree(VALID, root)
    f = root / "annotations" / "raw" / "envoy-speaks" / "ann-1.jsonl"
    lines = f.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b"\n", b"\r\n")  # s1: CRLF (level 1, the record is still read)
    lines[3] = lines[3].replace(b'"type":"GPE"', b'"type":"COUNTRY"')  # m2: unknown label (level 2)
    lines[12] = lines[12].replace(b'"e2"', b'"e9"')  # t1: target e9 does not exist (level 3)
    f.write_bytes(b"".join(lines))
    report = validate([root])
    got = {(x.id, x.line, x.field) for x in report.kept}
    assert got == {
        ("crlf-line-ending", 1, ""),
        ("unknown-label", 4, "type"),
        ("dangling-reference", 13, "target"),
    }
    # r1 (China SUPPORT Russia, line 15) has the rejected m2 as tail: neither a
    # dangling reference nor a missing implied stance is reported for it


def test_unsafe_annotator_file_name_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    shutil.copytree(VALID, root)
    raw = root / "annotations" / "raw" / "envoy-speaks"
    (raw / "ann-1.jsonl").rename(raw / "Ann.1.jsonl")
    report = validate([root])
    assert [(f.id, f.file, f.line) for f in report.kept] == [
        ("unsafe-doc-id", "ds/annotations/raw/envoy-speaks/Ann.1.jsonl", 0)
    ]


def mini_copy(tmp_path: Path) -> Path:
    """A copy of a fixture whose only faults are in documents/ (none in its annotations)."""
    root = tmp_path / "ds"
    shutil.copytree(INVALID / "document-record", root)
    return root


def test_a_document_record_that_cannot_be_read(tmp_path: Path) -> None:
    root = mini_copy(tmp_path)
    (root / "documents" / "mini.jsonl").unlink()
    (root / "documents" / "mini.jsonl").symlink_to("moved-away.jsonl")
    report = validate([root])
    assert [(f.id, f.file, f.line) for f in report.kept] == [("unreadable-path", "ds/documents/mini.jsonl", 0)]


def test_a_text_file_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = mini_copy(tmp_path)
    real = builtins.open

    real_os_open = os.open

    def refuse(file, *args, **kwargs):  # tests run as root, so a chmod would not stop the read
        if str(file).endswith("mini.txt"):
            raise PermissionError(13, "Permission denied")
        return real(file, *args, **kwargs)

    def refuse_os(file, *args, **kwargs):  # the bounded reader opens with os.open
        if str(file).endswith("mini.txt"):
            raise PermissionError(13, "Permission denied")
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(os, "open", refuse_os)
    report = validate([root])
    assert [(f.id, f.file, f.line) for f in report.kept] == [("unreadable-path", "ds/documents/mini.txt", 0)]
    assert "Permission denied" in report.kept[0].message


def test_document_text_checks(tmp_path: Path) -> None:
    root = mini_copy(tmp_path)
    rec = jsonl.load_records(root / "documents" / "mini.jsonl")[0]
    bad = b"caf\xe9\n"  # Latin-1, vouched for by its own sha256
    (root / "documents" / "mini.txt").write_bytes(bad)
    rec["sha256"], rec["num_chars"] = hashlib.sha256(bad).hexdigest(), 5
    (root / "documents" / "mini.jsonl").write_bytes(jsonl.dumps(rec))
    assert [(f.id, f.file) for f in validate([root]).kept] == [("invalid-utf8", "ds/documents/mini.txt")]
    (root / "documents" / "mini.txt").unlink()  # the text is missing but the record says it is shipped
    assert [(f.id, f.field) for f in validate([root]).kept] == [("document-record", "text_included")]
    rec["text_included"] = False  # a document shipped without its text: nothing to check
    (root / "documents" / "mini.jsonl").write_bytes(jsonl.dumps(rec))
    assert validate([root]).kept == []
    rec["num_chars"] = 5.0  # JSON Schema counts it an integer; the record must say 5
    (root / "documents" / "mini.txt").write_bytes(b"abcd\n")
    rec.update(text_included=True, sha256=hashlib.sha256(b"abcd\n").hexdigest())
    (root / "documents" / "mini.jsonl").write_bytes(jsonl.dumps(rec))
    assert [(f.id, f.field) for f in validate([root]).kept] == [("document-record", "num_chars")]
    (root / "documents" / "mini.jsonl").write_bytes(jsonl.dumps(rec) * 2)
    assert [(f.id, f.line) for f in validate([root]).kept] == [("document-record", 2)]
    (root / "documents" / "mini.jsonl").write_bytes(jsonl.dumps({**rec, "doc_id": "other"}))
    assert [(f.id, f.field) for f in validate([root]).kept] == [("document-record", "doc_id")]
    (root / "documents" / "mini.jsonl").write_bytes(jsonl.dumps({**rec, "kind": "sentence"}))
    assert [(f.id, f.field) for f in validate([root]).kept] == [("unknown-kind", "kind")]


def test_max_per_id_caps_what_is_shown_but_counts_all() -> None:
    report = validate([INVALID / "crlf-line-ending"], max_per_id=1)
    assert len(report.kept) == 1
    assert report.counts["crlf-line-ending"] == 2
    assert report.errors == 2
    assert report.suppressed() == {"crlf-line-ending": 1}


# ---------------------------------------------------------------- the CLI


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geostance", "validate", *args],
        capture_output=True, text=True, cwd=cwd, timeout=60,
    )


def test_cli_exit_0_on_a_valid_dataset() -> None:
    r = run_cli(str(VALID))
    assert r.returncode == 0, r.stderr
    assert "0 error(s), 0 warning(s)" in r.stdout
    assert "Traceback" not in r.stderr


def test_cli_exit_0_on_warnings_only() -> None:
    r = run_cli(str(INVALID / "missing-implied-stance"))
    assert r.returncode == 0, r.stderr
    assert "[W401 missing-implied-stance] type:" in r.stdout
    assert "0 error(s), 1 warning(s)" in r.stdout


@pytest.mark.parametrize("fixture", ["invalid-utf8", "json-syntax", "dangling-reference"])
def test_cli_exit_1_on_errors_with_json_output(fixture: str) -> None:
    r = run_cli("--format", "json", str(INVALID / fixture))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    out = json.loads(r.stdout)
    assert out["errors"] >= 1
    want = {(f["id"], f["line"], f["field"]) for f in expected(INVALID / fixture)["findings"]}
    assert {(f["id"], f["line"], f["field"]) for f in out["findings"]} == want
    for f in out["findings"]:
        assert f["code"] == table()[f["id"]].code and f["severity"] == table()[f["id"]].severity
        assert f["file"].startswith(fixture + "/") and f["message"]


def test_cli_exit_2_on_a_missing_path(tmp_path: Path) -> None:
    r = run_cli(str(tmp_path / "no-such-file.jsonl"))
    assert r.returncode == 2
    assert "no-such-file.jsonl" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_cli_exit_2_on_a_bad_option() -> None:
    r = run_cli("--format", "xml", str(VALID))
    assert r.returncode == 2
    assert "invalid choice" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("--no-such-option")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_cli_exit_1_on_a_10mb_line(tmp_path: Path) -> None:
    root = materialise(INVALID / "line-too-long", tmp_path)
    r = run_cli(str(root))
    assert r.returncode == 1
    assert "[E110 line-too-long]" in r.stdout and "Traceback" not in r.stderr


def test_cli_in_process_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["validate", "--max-err", "0", str(VALID)]) == 2
    assert cli_main(["validate", "--documents", str(tmp_path / "nowhere"), str(VALID)]) == 2
    assert cli_main(["validate", str(INVALID / "unreadable-path" / "annotations" / "raw" / "mini" / "ann-1.jsonl")]) == 2
    assert cli_main(["validate", "--max-err", "1", str(INVALID / "crlf-line-ending")]) == 1
    out = capsys.readouterr().out
    assert "1 more [E104 crlf-line-ending] not shown (--max-err)" in out
    assert cli_main(["validate", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == len(table())
    assert cli_main(["validate", str(INVALID / "unreadable-path")]) == 1


def test_cli_validates_a_single_file_with_documents_option(capsys: pytest.CaptureFixture[str]) -> None:
    """A file outside a dataset layout is checked against --documents."""
    f = INVALID / "argument-type" / "annotations" / "raw" / "mini" / "ann-1.jsonl"
    assert cli_main(["validate", "--format", "json", "--documents", str(INVALID / "argument-type" / "documents"), str(f)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [(x["id"], x["line"], x["field"]) for x in out["findings"]] == [("argument-type", 7, "tail")]


# ---------------------------------------------------------------- fuzz

DOC = "envoy-speaks"
RAW_FILE = VALID / "annotations" / "raw" / DOC / "ann-1.jsonl"
BASE_RECORDS = jsonl.load_records(RAW_FILE)
BASE_BYTES = orjson.dumps(BASE_RECORDS)
TEXT = (VALID / "documents" / f"{DOC}.txt").read_text(encoding="utf-8")
STORE = DocumentStore(VALID / "documents", VALID.parent)

FIELDS = sorted({k for r in BASE_RECORDS for k in r} | {"provenance", "note"})
LABELS = sorted(set(labels.MENTION_TYPES + labels.MENTION_FORMS + labels.STANCE_LABELS + labels.RELATION_TYPES + labels.MODALITIES))
KINDS = sorted(labels.RECORD_KINDS) + ["document", "token", "Mention", ""]
IDS = [f"{p}{n}" for p in "smetr" for n in (1, 2, 3, 9)] + [
    "", "m0", "e0", "s0", "M1", "E1", "S1", "e", "m-1", "m1 ", "AUTHOR", "author", "gold", "../x", "/etc/passwd", "e1/../e2",
]
DOC_IDS = [DOC, "rivals", "ghost", "../x", "", "a.b"]
# white space of several kinds, non-BMP characters, lone surrogates, quotes, escapes, a NUL
ALPHABET = list("aZ09 .-_/\\\"'\t\n\r\u00a0\u2028\u00e9\u4e2d\u0000") + ["\U0001F600", "\U00010348", "\ud800", "\udfff"]
SURFACES = [TEXT[a:b] for a, b in ((0, 5), (0, 6), (19, 20), (20, 23), (30, 37), (43, 73), (0, 75), (74, 75), (12, 18), (11, 18))]
ODD_NUMBERS = [-(2**63), 2**63, 2**64 + 1, 10**30, 0.0, 5.0, -0.0, 1e300, float("nan"), float("inf"), True, False]


# Values are made by a random.Random seeded by hypothesis (one draw), and the
# structure of the edits (which record, which edit, which field) is drawn by
# hypothesis: 10,000 examples then take seconds, not minutes.
def rand_text(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return rng.choice(SURFACES)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))


def rand_offset(rng: random.Random) -> object:
    return rng.choice(ODD_NUMBERS) if rng.random() < 0.15 else rng.randint(-3, len(TEXT) + 3)


def rand_value(rng: random.Random, depth: int = 0) -> object:
    """Any JSON value (and NaN/Infinity), at most 3 levels deep."""
    r = rng.random()
    if depth < 2 and r < 0.15:
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and r < 0.25:
        return {rng.choice(FIELDS) if rng.random() < 0.7 else rand_text(rng): rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice([
        lambda: None, lambda: rng.random() < 0.5, lambda: rand_offset(rng), lambda: rng.uniform(-1e6, 1e6),
        lambda: rand_text(rng), lambda: rng.choice(IDS), lambda: rng.choice(LABELS), lambda: rng.choice(KINDS),
    ])()


def rand_span(rng: random.Random) -> dict:
    return {"start": rand_offset(rng), "end": rand_offset(rng), "text": rand_text(rng)}


FIELD_VALUES = {
    "start": rand_offset, "end": rand_offset, "text": rand_text,
    **{k: (lambda rng: rng.choice(IDS)) for k in ("id", "entity", "holder", "target", "head", "tail", "source")},
    **{k: (lambda rng: rng.choice(LABELS) if rng.random() < 0.8 else rand_text(rng)) for k in ("type", "label", "modality", "form")},
    "kind": lambda rng: rng.choice(KINDS),
    "doc_id": lambda rng: rng.choice(DOC_IDS),
    "mentions": lambda rng: [rng.choice(IDS) for _ in range(rng.randint(0, 3))],
    "evidence": lambda rng: [rng.choice(IDS) if rng.random() < 0.5 else rand_span(rng) for _ in range(rng.randint(0, 2))],
}
OPS = ["set", "set", "set", "drop", "add", "any", "dup", "del", "nest"]


@st.composite
def mutated_file(draw: st.DrawFn) -> bytes:
    """The valid raw file with 1-4 random edits of its records and, sometimes, of its bytes."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    recs = orjson.loads(BASE_BYTES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(recs) - 1))
        r = recs[i]
        op = draw(st.sampled_from(OPS))
        keys = sorted(r) or ["kind"]
        if op == "set":  # a field gets a value of its own sort (an offset, an id, a label ...)
            k = keys[draw(st.integers(0, len(keys) - 1))]
            r[k] = FIELD_VALUES.get(k, rand_value)(rng)
        elif op == "any":  # a field gets any JSON value
            r[keys[draw(st.integers(0, len(keys) - 1))]] = rand_value(rng)
        elif op == "drop":
            r.pop(keys[draw(st.integers(0, len(keys) - 1))], None)
        elif op == "add":
            r[rng.choice(FIELDS) if rng.random() < 0.5 else rand_text(rng)] = rand_value(rng)
        elif op == "dup":  # the same record twice
            recs.insert(draw(st.integers(0, len(recs))), copy.deepcopy(r))
        elif op == "del" and len(recs) > 1:
            recs.pop(i)
        elif op == "nest" and isinstance(r.get("evidence"), list) and r["evidence"] and isinstance(r["evidence"][0], dict):
            r["evidence"][0][rng.choice(["start", "end", "text", "extra"])] = rand_value(rng)
    data = b"".join(
        json.dumps(r, ensure_ascii=rng.random() < 0.5, separators=(",", ":")).encode("utf-8", "surrogatepass") + b"\n"
        for r in recs
    )
    if draw(st.integers(0, 4)) == 0:  # a byte-level edit: truncate, insert, or line endings
        pos = draw(st.integers(0, len(data)))
        what = rng.choice([b"", b"\r", b"\n", b"\xff", b"\xef\xbb\xbf", b"{", b'"', b"NaN", b",,", b"\\ud800"])
        data = data[:pos] + what + data[pos + rng.randint(0, 3):]
    return data


@settings(max_examples=10_000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_file())
def test_fuzz_validator_never_crashes(data: bytes) -> None:
    """10,000 mutated copies of a valid file (derandomized: the same examples
    on every run): validation never raises, every finding id is in the table,
    and every finding has a place and a printable message.
    (tests/test_schemas.py fuzzes the agreement of the two schema engines.)"""
    recs, found = jsonl.parse(data, "f.jsonl")
    report = Report()
    report.extend(found)
    validate_records(recs, "f.jsonl", STORE, report, DOC)
    n_lines = data.count(b"\n") + 1
    for f in report.kept:
        assert f.id in table()
        assert 0 <= f.line <= n_lines and f.message
        f.render().encode("utf-8")  # printable: no lone surrogate reaches a message
