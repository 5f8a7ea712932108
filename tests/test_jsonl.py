"""Level 1 of validation: :func:`geostance.core.jsonl.parse` on bytes that break the file contract."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from geostance.core import jsonl
from geostance.core.findings import table

REC = {"kind": "sentence", "schema_version": "1.0", "doc_id": "d", "id": "s1", "start": 0, "end": 5, "text": "Hello"}
LINE = orjson.dumps(REC)


def ids_at(data: bytes) -> list[tuple[int, str]]:
    return [(f.line, f.id) for f in jsonl.parse(data, "f.jsonl")[1]]


def lines_read(data: bytes) -> list[int]:
    return [n for n, _ in jsonl.parse(data, "f.jsonl")[0]]


def test_a_good_file_gives_its_records_and_no_finding() -> None:
    recs, found = jsonl.parse(LINE + b"\n" + LINE + b"\n", "f.jsonl")
    assert found == [] and recs == [(1, REC), (2, REC)]


@pytest.mark.parametrize("data", [b"", b"\n", b"  \n\t\n", b"\r\n"])
def test_empty_file(data: bytes) -> None:
    assert ids_at(data) == [(0, "empty-file")]


def test_bom_is_reported_and_the_records_still_read() -> None:
    data = b"\xef\xbb\xbf" + LINE + b"\n"
    assert ids_at(data) == [(1, "utf8-bom")]
    assert lines_read(data) == [1]
    assert ids_at(b"\xef\xbb\xbf") == [(1, "utf8-bom"), (0, "empty-file")]


def test_invalid_utf8_names_the_line_and_the_byte() -> None:
    bad = LINE.replace(b"Hello", b"H\xe9llo")
    recs, found = jsonl.parse(LINE + b"\n" + bad + b"\n" + LINE + b"\n", "f.jsonl")
    assert [(f.line, f.id) for f in found] == [(2, "invalid-utf8")]
    assert [n for n, _ in recs] == [1, 3]  # the other lines are still read
    # byte offset of 0xE9 in the line, counted by hand from the compact record
    at = bad.index(b"\xe9")
    assert found[0].message.startswith(f"byte 0xE9 at byte {at} of the line")


def test_utf8_encoded_surrogate_is_invalid_utf8() -> None:
    # CESU-style bytes of U+D800: Python's "surrogatepass" writes them, UTF-8 forbids them
    bad = LINE.replace(b"Hello", "\ud800".encode("utf-8", "surrogatepass"))
    assert ids_at(bad + b"\n") == [(1, "invalid-utf8")]


def test_crlf_and_bare_cr_are_reported_per_line_and_the_records_read() -> None:
    data = LINE + b"\r\n" + LINE + b"\n" + LINE + b"\r\n"
    assert ids_at(data) == [(1, "crlf-line-ending"), (3, "crlf-line-ending")]
    assert lines_read(data) == [1, 2, 3]
    assert ids_at(LINE + b"\r" + LINE + b"\n") == [(1, "crlf-line-ending"), (1, "json-syntax")]


def test_no_final_newline_is_a_warning_and_the_record_is_read() -> None:
    recs, found = jsonl.parse(LINE + b"\n" + LINE, "f.jsonl")
    assert [(f.line, f.id, f.severity) for f in found] == [(2, "no-final-newline", "warning")]
    assert [n for n, _ in recs] == [1, 2]


def test_blank_lines_keep_the_line_numbers() -> None:
    data = LINE + b"\n\n   \n" + LINE + b"\n"
    assert ids_at(data) == [(2, "blank-line"), (3, "blank-line")]
    assert lines_read(data) == [1, 4]


@pytest.mark.parametrize("cut", [1, 10, len(LINE) // 2, len(LINE) - 1])
def test_truncated_line_is_json_syntax_and_the_next_line_is_read(cut: int) -> None:
    data = LINE + b"\n" + LINE[:cut] + b"\n" + LINE + b"\n"
    assert ids_at(data) == [(2, "json-syntax")]
    assert lines_read(data) == [1, 3]


@pytest.mark.parametrize(
    "line, key",
    [
        (b'{"a":1,"a":2}', "a"),
        (b'{"a" : 1, "a" : 2}', "a"),  # spaced colons
        (b'{"a":1,"\\u0061":2}', "a"),  # the same key, escaped
        (b'{"t":"x\\":","a":1,"a":2}', "a"),  # a '":' inside a string value
        (b'{"evidence":[{"start":1,"end":2,"start":3}]}', "start"),  # nested
    ],
)
def test_duplicate_keys_are_found_and_named(line: bytes, key: str) -> None:
    recs, found = jsonl.parse(line + b"\n", "f.jsonl")
    assert [(f.id, f.field) for f in found] == [("duplicate-key", key)]
    assert recs == []


def test_no_false_duplicate_on_repeated_keys_in_different_objects() -> None:
    line = b'{"a":{"x":1},"b":{"x":2}, "c" : "\\":"}'
    assert ids_at(line + b"\n") == []


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e999"])
def test_nonfinite_numbers(token: bytes) -> None:
    recs, found = jsonl.parse(b'{"start":' + token + b"}\n", "f.jsonl")
    assert [f.id for f in found] == ["json-nonfinite"] and recs == []
    assert token.decode() in found[0].message


@pytest.mark.parametrize("value", [b"[1]", b'"text"', b"3", b"null", b"true"])
def test_a_json_value_that_is_not_an_object(value: bytes) -> None:
    assert ids_at(value + b"\n") == [(1, "not-an-object")]


def test_line_length_limit_is_exact() -> None:
    n = jsonl.MAX_LINE_BYTES
    at_limit = b'{"note":"' + b"x" * (n - 11) + b'"}'
    over = b'{"note":"' + b"x" * (n - 10) + b'"}'
    assert len(at_limit) == n and len(over) == n + 1
    assert ids_at(at_limit + b"\n") == []
    recs, found = jsonl.parse(LINE + b"\n" + over + b"\n", "f.jsonl")
    assert [(f.line, f.id) for f in found] == [(2, "line-too-long")]
    assert f"{n + 1:,} bytes" in found[0].message and [x for x, _ in recs] == [1]


def test_escaped_lone_surrogate_is_refused_and_a_pair_is_read() -> None:
    # json.dumps writes a lone surrogate as \ud800: no character, and nothing can print it
    lone = json.dumps({"text": "\ud800"}).encode()
    assert ids_at(lone + b"\n") == [(1, "json-syntax")]
    pair = json.dumps({"text": "\U0001F600"}).encode()  # ensure_ascii: "\ud83d\ude00"
    recs, found = jsonl.parse(pair + b"\n", "f.jsonl")
    assert found == [] and recs == [(1, {"text": "\U0001F600"})]


@pytest.mark.parametrize("depth", [3, 254, 255, 600, 1000, 1023, 1024, 1025, 100_000])
@pytest.mark.parametrize("shape", ["array", "object", "spaced-object"])
def test_deep_nesting_never_raises(depth: int, shape: str) -> None:
    """orjson reads 1,024 levels and writes 254; Python's stack holds about 1,000."""
    if shape == "array":
        inner = b"[" * depth + b"]" * depth
    elif shape == "object":
        inner = b'{"a":' * depth + b"1" + b"}" * depth
    else:
        inner = b'{"a" :' * depth + b"1" + b"}" * depth
    recs, found = jsonl.parse(b'{"note":' + inner + b"}\n", "f.jsonl")
    assert all(f.id in table() for f in found)
    assert len(recs) + len(found) == 1  # the line is either read or reported, once
    if depth <= 254:
        assert found == []
    if depth >= 1024:
        assert [f.id for f in found] == ["json-syntax"]


def test_all_findings_of_a_file_are_reported_in_line_order() -> None:
    data = b"".join([
        LINE + b"\r\n",           # 1 crlf (read)
        b"\n",                    # 2 blank
        LINE[:-1] + b"\n",        # 3 truncated
        b'{"a":1,"a":2}\n',       # 4 duplicate key
        b'{"a":NaN}\n',           # 5 NaN
        b"[]\n",                  # 6 not an object
        LINE.replace(b"e", b"\xff", 1) + b"\n",  # 7 invalid UTF-8
        LINE,                     # 8 read, no final newline
    ])
    assert ids_at(data) == [
        (8, "no-final-newline"), (1, "crlf-line-ending"), (2, "blank-line"), (3, "json-syntax"),
        (4, "duplicate-key"), (5, "json-nonfinite"), (6, "not-an-object"), (7, "invalid-utf8"),
    ]
    assert lines_read(data) == [1, 8]


def test_canonical_and_spaced_files_read_alike() -> None:
    """The whole-file fast path (orjson's compact form) and the line-by-line
    path give the same records."""
    recs = [REC, {**REC, "id": "s2", "text": "Gr\u00fc\u00df \U0001F600"}]
    canonical = b"".join(jsonl.dumps(r) for r in recs)
    spaced = b"".join(json.dumps(r).encode() + b"\n" for r in recs)
    assert canonical != spaced
    a, fa = jsonl.parse(canonical, "f.jsonl")
    b, fb = jsonl.parse(spaced, "f.jsonl")
    assert fa == fb == [] and a == b == [(1, recs[0]), (2, recs[1])]


def test_dumps_is_compact_utf8_lf_in_key_order() -> None:
    assert jsonl.dumps({"b": 1, "a": "\u00e9"}) == '{"b":1,"a":"\u00e9"}\n'.encode()


def test_read_reports_an_unreadable_path(tmp_path: Path) -> None:
    recs, found = jsonl.read(tmp_path / "missing.jsonl", "shown.jsonl")
    assert recs == [] and [(f.id, f.file, f.line) for f in found] == [("unreadable-path", "shown.jsonl", 0)]
    # a folder is no file: never opened
    recs, found = jsonl.read(tmp_path, "shown.jsonl")
    assert recs == [] and [(f.id, f.file, f.line) for f in found] == [("not-a-regular-file", "shown.jsonl", 0)]


def test_load_records_refuses_errors_but_not_warnings(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_bytes(LINE)  # no final newline: a warning
    assert jsonl.load_records(p) == [REC]
    p.write_bytes(LINE + b"\n{\n")
    with pytest.raises(ValueError, match=r"a\.jsonl:2: \[E107 json-syntax\]"):
        jsonl.load_records(p)
