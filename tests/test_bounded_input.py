"""Hostile paths and unbounded input (issue 13, items 2 and 3): ``validate``
never opens a FIFO, socket or device, reports links out of the dataset, and
refuses a file over its size limit before reading it; ``contribute`` and
``score`` never read ``/dev/zero`` without end; the report keeps a bounded
number of findings per file and is written as a stream.

Each command that would hang or read without end on the old code runs in a
subprocess with a timeout, so that a regression fails instead of hanging the
suite (the timeout is a guard, not a measurement).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from geostance.cli import main as cli_main
from geostance.core.findings import Finding, Report
from geostance.validation.validator import validate

FIX = Path(__file__).parent / "fixtures"
VALID = FIX / "valid"
RAW = Path("annotations") / "raw" / "envoy-speaks"
GUARD = 120  # seconds: a hang, not a slow run

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")


def geostance(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geostance", *args], capture_output=True, text=True,
                          timeout=GUARD, cwd=cwd)


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(VALID, root)
    return root


def test_a_fifo_in_the_dataset_is_refused_without_opening_it(tmp_path: Path) -> None:
    root = copy(tmp_path)
    os.mkfifo(root / RAW / "x.jsonl")  # nobody writes to it: opening it for reading would block
    r = geostance("validate", "--format", "json", str(root))
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert [(f["id"], f["file"]) for f in out["findings"]] == [("not-a-regular-file", f"ds/{RAW}/x.jsonl")]
    assert "FIFO" in out["findings"][0]["message"]
    # named on the command line too
    r = geostance("validate", str(root / RAW / "x.jsonl"))
    assert r.returncode == 1 and "[E113 not-a-regular-file]" in r.stdout and "Traceback" not in r.stderr


def test_a_socket_is_refused(tmp_path: Path) -> None:
    root = copy(tmp_path)
    s = socket.socket(socket.AF_UNIX)
    path = root / RAW / "s.jsonl"
    try:
        s.bind(str(path))
    except OSError:  # pragma: no cover - path too long for a socket
        pytest.skip("cannot bind a socket here")
    try:
        report = validate([root])
        assert [f.id for f in report.kept] == ["not-a-regular-file"] and "socket" in report.kept[0].message
    finally:
        s.close()


def test_a_link_to_dev_zero_is_never_read(tmp_path: Path) -> None:
    root = copy(tmp_path)
    (root / RAW / "z.jsonl").symlink_to("/dev/zero")
    r = geostance("validate", "--format", "json", str(root))
    assert r.returncode == 1
    ids = [f["id"] for f in json.loads(r.stdout)["findings"]]
    assert ids == ["link-outside-dataset"]
    # in a plain folder, or named directly: a device, refused
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "z.jsonl").symlink_to("/dev/zero")
    r = geostance("validate", str(plain / "z.jsonl"))
    assert r.returncode == 1 and "[E113 not-a-regular-file]" in r.stdout and "character device" in r.stdout


def test_a_link_out_of_the_dataset_is_reported_and_not_followed(tmp_path: Path) -> None:
    root = copy(tmp_path)
    outside = tmp_path / "elsewhere.jsonl"
    shutil.copy(root / RAW / "ann-1.jsonl", outside)
    (root / RAW / "ann-1.jsonl").unlink()
    (root / RAW / "ann-1.jsonl").symlink_to(outside)
    report = validate([root])
    assert [(f.id, f.file) for f in report.kept] == [("link-outside-dataset", f"ds/{RAW}/ann-1.jsonl")]
    # a document text linked out of the dataset, too
    root2 = tmp_path / "ds2"
    shutil.copytree(VALID, root2)
    txt = root2 / "documents" / "envoy-speaks.txt"
    shutil.copy(txt, tmp_path / "text.txt")
    txt.unlink()
    txt.symlink_to(tmp_path / "text.txt")
    found = {(f.id, f.file) for f in validate([root2]).kept}
    assert ("link-outside-dataset", "ds2/documents/envoy-speaks.txt") in found
    # a link that stays inside the dataset is followed as before
    root3 = tmp_path / "ds3"
    shutil.copytree(VALID, root3)
    (root3 / "keep").mkdir()
    (root3 / RAW / "ann-1.jsonl").rename(root3 / "keep" / "ann-1.jsonl")
    (root3 / RAW / "ann-1.jsonl").symlink_to(root3 / "keep" / "ann-1.jsonl")
    assert validate([root3]).kept == []


def test_the_size_limit_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy(tmp_path)
    f = root / RAW / "ann-1.jsonl"
    size = f.stat().st_size
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    report = validate([root], max_bytes=size - 1)
    big = [x for x in report.kept if x.id == "file-too-large" and x.file.endswith("envoy-speaks/ann-1.jsonl")]
    assert len(big) == 1 and f"{size:,} bytes" in big[0].message
    monkeypatch.undo()
    assert validate([root], max_bytes=size + 10_000).kept == []
    # the CLI option, and 0 for no limit
    assert cli_main(["validate", "--max-bytes", str(size - 1), str(root)]) == 1
    assert cli_main(["validate", "--max-bytes", "0", str(root)]) == 0
    assert cli_main(["validate", "--max-bytes", "-1", str(root)]) == 2


def test_bounded_read_stops_at_the_limit_on_a_device() -> None:
    from geostance.core import bounded

    with pytest.raises(bounded.NotRegular):
        bounded.read_bytes("/dev/zero")


def test_contribute_refuses_dev_zero_and_a_fifo(tmp_path: Path) -> None:
    root = copy(tmp_path)
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    for src in ("/dev/zero", str(fifo)):
        r = geostance("contribute", "--dataset", str(root), "annotations", src, "--doc", "envoy-speaks", "--annotator", "zed")
        assert r.returncode == 2, (src, r.returncode, r.stderr)
        assert "not a regular file" in r.stderr and "Traceback" not in r.stderr
    assert not (root / RAW / "zed.jsonl").exists()


def test_score_refuses_dev_zero_and_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    gold = FIX / "score" / "stance_rows.jsonl"
    for src in ("/dev/zero", str(fifo)):
        r = geostance("score", "stance_classification", src, "--gold", str(gold))
        assert r.returncode == 1, (src, r.returncode, r.stderr)
        assert "not a regular file" in r.stderr and "Traceback" not in r.stderr


def test_score_streams_a_huge_line_without_holding_it(tmp_path: Path) -> None:
    """A CSV line of 5 MB: reported with its line number; read in chunks, never whole."""
    gold = FIX / "score" / "stance_rows.jsonl"
    pred = tmp_path / "p.csv"
    good = (FIX / "score" / "stance_pred.csv").read_bytes()
    head, rest = good.split(b"\n", 1)
    pred.write_bytes(head + b"\n" + b"x" * 5_000_000 + b",FAVOR\n" + rest)
    from geostance.evaluation import predictions as P
    from geostance.core import jsonl as J

    with pytest.raises(P.PredictionsError) as info:
        P.load(pred, "stance_classification", J.load_records(gold))
    assert any(":2: the line is longer than 1,000,000 bytes" in p for p in info.value.problems)
    # and the readline calls never asked for more than the line bound
    asked: list[int] = []

    class Spy:
        def __init__(self, f):
            self.f = f

        def readline(self, n=-1):
            asked.append(n)
            return self.f.readline(n)

    with open(pred, "rb") as f:
        list(P._lines(Spy(f), None))
    assert asked and max(asked) <= max(J.MAX_LINE_BYTES + 1, 1 << 20) and -1 not in asked


def test_findings_of_one_id_are_capped_per_file_and_counted() -> None:
    r = Report(max_per_file=3)
    r.extend(Finding("duplicate-id", "a.jsonl", n, "id", "x") for n in range(1, 11))
    r.extend(Finding("duplicate-id", "b.jsonl", n, "id", "x") for n in range(1, 3))
    assert len(r.kept) == 5 and r.errors == 12
    lines = list(r.iter_text())
    assert any("7 more [E308 duplicate-id] in a.jsonl not shown" in line for line in lines)
    assert lines[-1].endswith("12 error(s), 0 warning(s)")
    out = json.loads("".join(r.iter_json()))
    assert out["suppressed_per_file"] == [{"file": "a.jsonl", "id": "duplicate-id", "count": 7}]
    assert out["errors"] == 12 and len(out["findings"]) == 5
    # lifted: all kept
    r = Report(max_per_file=None)
    r.extend(Finding("duplicate-id", "a.jsonl", n, "id", "x") for n in range(1, 11))
    assert len(r.kept) == 10


def test_a_file_of_many_repeats_gives_a_complete_capped_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The gold file repeated 50 times as one document: every repeat is a
    duplicate id; the report shows 100 of each id per file, counts the rest
    and ends with the summary."""
    root = copy(tmp_path)
    f = root / RAW / "ann-1.jsonl"
    f.write_bytes(f.read_bytes() * 50)
    assert cli_main(["validate", "--format", "json", str(root)]) == 1
    out = json.loads(capsys.readouterr().out)
    n_dup = out["counts"]["duplicate-id"]
    assert n_dup > 100
    kept = [x for x in out["findings"] if x["id"] == "duplicate-id"]
    assert len(kept) == 100
    left = {(x["file"], x["id"]): x["count"] for x in out["suppressed_per_file"]}
    assert left[(f"ds/{RAW}/ann-1.jsonl", "duplicate-id")] == n_dup - 100
    assert cli_main(["validate", "--max-per-file", "0", "--format", "json", str(root)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert len([x for x in out["findings"] if x["id"] == "duplicate-id"]) == n_dup
    assert cli_main(["validate", str(root)]) == 1
    text = capsys.readouterr().out.splitlines()
    assert text[-1].startswith("6 file(s)") and any("more [E308 duplicate-id]" in t for t in text)


def test_the_fast_parse_reads_a_large_file_in_blocks_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """The canonical fast path parses a block of lines at a time (memory);
    with tiny blocks it gives the same records, and a repeated key in a
    later block still sends the file to the exact line-by-line check."""
    from geostance.core import jsonl as J

    data = (VALID / RAW / "ann-1.jsonl").read_bytes()
    whole, found = J.parse(data, "f")
    assert found == []
    monkeypatch.setattr(J, "_BLOCK", 64)
    assert J._parse_canonical(data) is not None
    assert J.parse(data, "f") == (whole, [])
    lines = data.split(b"\n")
    lines[-3] = lines[-3][:-1] + b',"id":"r9"}'  # a key twice, near the end
    recs, found = J.parse(b"\n".join(lines), "f")
    assert [(f.id, f.line) for f in found] == [("duplicate-key", len(lines) - 2)]
