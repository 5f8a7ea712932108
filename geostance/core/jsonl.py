"""Level 1 of validation, and the one reader of geostance's JSONL files.

A geostance file is UTF-8 without BOM, one JSON object per line, each line
ending in LF. :func:`parse` turns a file's bytes into ``(line, record)``
pairs and reports every way the bytes break that contract, without stopping
at the first: the good lines are still returned, so later levels can check
them.

>>> recs, found = parse(b'{"a": 1}\\n{"a": 1, "a": 2}\\n[1]\\n', "x.jsonl")
>>> [line for line, _ in recs]
[1]
>>> [(f.line, f.id) for f in found]
[(2, 'duplicate-key'), (3, 'not-an-object')]
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from geostance.core import bounded
from geostance.core.bounded import DEFAULT_MAX_BYTES
from geostance.core.findings import Finding

MAX_LINE_BYTES = 1_000_000
_BOM = b"\xef\xbb\xbf"
_SPACED_COLON = re.compile(rb'"\s+:')
_LONG_INT = re.compile(rb"(?<![\d.])\d{20,}(?![\d.eE])")
_DIGITS = bytes.maketrans(b"123456789", b"000000000")  # a cheap test before the regular expression
_TWENTY_DIGITS = b"0" * 20

Record = dict[str, Any]


def _first_duplicate_key(line: bytes) -> str | None:
    found: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen and not found:
                found.append(k)
            seen.add(k)
        return dict(pairs)

    json.loads(line, object_pairs_hook=hook)
    return found[0] if found else None


def _nonfinite(_: str) -> Any:
    raise _NonFinite(f"{_} is not a JSON value; use null or a finite number")


def _finite_float(s: str) -> float:
    v = float(s)
    if v in (float("inf"), float("-inf")):
        raise _NonFinite(f"{s} is beyond the range of a double (it reads as infinity); use a finite number")
    return v


class _NonFinite(ValueError):
    pass


def _parse_line(line: bytes, file: str, lineno: int, out: list[Finding]) -> Any:
    """Parse one line; on failure append a finding and return ``None``."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        # orjson is strict; the standard library tells NaN/Infinity (and
        # numbers that overflow to infinity) apart from broken syntax.
        try:
            json.loads(line, parse_constant=_nonfinite, parse_float=_finite_float)
        except _NonFinite as nf:
            out.append(Finding("json-nonfinite", file, lineno, "", str(nf)))
            return None
        except (ValueError, RecursionError):
            pass
        # broken syntax, or what the standard library reads but orjson refuses:
        # a \ud800-style escape of a lone surrogate, which is no character
        msg = str(exc).split(": line ")[0]
        out.append(Finding("json-syntax", file, lineno, "", f"not valid JSON ({msg}); expected one complete JSON object on the line"))
        return None
    # orjson reads an integer beyond 64 bits as a float (1e+30): the standard
    # library keeps it exact, so that a finding can quote the integer written
    if _TWENTY_DIGITS in line.translate(_DIGITS) and _LONG_INT.search(line):
        try:
            obj = json.loads(line, parse_constant=_nonfinite)
        except (ValueError, RecursionError):
            pass
    # Duplicate keys: orjson keeps the last value, so check. A line that is
    # exactly orjson's compact form of what it parsed to has no duplicate (the
    # re-serialisation would have lost it): that is every line geostance
    # writes, and the fast path. Otherwise compare the count of key tokens
    # ('":') of the line with that of orjson's compact form (which repeats
    # the line's strings, escaped alike), and check exactly on a mismatch, on
    # a '"<space>:' and on a \u escape (\u0022 could hide a quote from the count).
    compact = _dumps_or_none(obj) if type(obj) is dict or type(obj) is list else line
    if compact != line:
        if (compact is None or _SPACED_COLON.search(line) or b"\\u" in line
                or line.count(b'":') != compact.count(b'":')):
            try:
                dup = _first_duplicate_key(line)
            except RecursionError:
                out.append(Finding("json-syntax", file, lineno, "", "the JSON nests too deeply to be read; expected a geostance record, which nests 3 levels"))
                return None
            if dup is not None:
                out.append(Finding("duplicate-key", file, lineno, dup, f"key {dup!r} appears more than once in one object; expected each key once"))
                return None
    if type(obj) is not dict:
        out.append(Finding("not-an-object", file, lineno, "", f"found a JSON {type(obj).__name__}, expected an object"))
        return None
    return obj


def _dumps_or_none(obj: Any) -> bytes | None:
    """orjson's compact form of ``obj``; None when orjson cannot write it
    (more than 254 levels of nesting)."""
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        return None


def _parse_canonical(data: bytes) -> list[Record] | None:
    """Fast path for a file whose every line is an object in orjson's compact
    form and ends with LF (every file geostance writes): the lines parsed
    as one JSON array (a block of lines at a time), and one re-serialisation
    that must give the same bytes (so no key was repeated and nothing was lost). orjson also proves
    the bytes are UTF-8. ``None`` when it does not apply; the caller then
    checks line by line. The file is parsed in blocks of about 4 MB, so
    that memory holds the records and little else (never a copy of the
    whole file, nor the parser's tree of it)."""
    if not data.endswith(b"\n") or b"\r" in data:
        return None
    first = data[: data.find(b"\n")]
    try:  # the first line tells a file written by hand or another tool at once
        if len(first) > MAX_LINE_BYTES:
            return None
        obj = orjson.loads(first)
        if orjson.dumps(obj) != first:
            return None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    if len(first) + 1 == len(data):  # one line (a document record): checked already
        return [obj] if type(obj) is dict else None
    if len(data) > MAX_LINE_BYTES and _has_long_line(data):
        return None
    out: list[Record] = []
    pos, n = 0, len(data)
    while pos < n:  # a block of lines at a time: the parser's own copy of a block stays small
        end = data.find(b"\n", min(pos + _BLOCK, n) - 1) + 1
        objs = _parse_canonical_block(data[pos:end])
        if objs is None:
            return None
        out.extend(objs)
        pos = end
    return out


_BLOCK = 4 << 20


def _parse_canonical_block(block: bytes) -> list[Record] | None:
    body = block[:-1]
    joined = b"[" + body.replace(b"\n", b",") + b"]"
    try:
        objs = orjson.loads(joined)
    except orjson.JSONDecodeError:
        return None
    if len(objs) != body.count(b"\n") + 1 or _dumps_or_none(objs) != joined:
        return None
    for o in objs:
        if type(o) is not dict:
            return None
    return objs


def _has_long_line(data: bytes) -> bool:
    """Whether a line of ``data`` is longer than ``MAX_LINE_BYTES``."""
    pos, n = 0, len(data)
    while pos < n:
        nxt = data.find(b"\n", pos, pos + MAX_LINE_BYTES + 1)
        if nxt < 0:
            return n - pos > MAX_LINE_BYTES
        pos = nxt + 1
    return False


def _lines(data: bytes) -> Iterator[bytes]:
    """The lines of ``data`` without their LF, one at a time (no list of them)."""
    pos, n = 0, len(data)
    while pos < n:
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            yield data[pos:]
            return
        yield data[pos:nxt]
        pos = nxt + 1


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, decoded a megabyte at a time (never the whole
    file as one string)."""
    if data.isascii():
        return True
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for i in range(0, len(data), 1 << 20):
            dec.decode(view[i:i + (1 << 20)])
        dec.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def parse(data: bytes, file: str) -> tuple[list[tuple[int, Record]], list[Finding]]:
    """Check ``data`` (a whole file) and parse its lines.

    Returns the ``(line number, record)`` pairs of the lines that parse and
    the level-1 findings.
    """
    found: list[Finding] = []
    records: list[tuple[int, Record]] = []
    if data.startswith(_BOM):
        found.append(Finding("utf8-bom", file, 1, "", "the file starts with a UTF-8 byte-order mark (EF BB BF); expected UTF-8 without BOM"))
        data = data[len(_BOM):]
    if not data.strip():
        found.append(Finding("empty-file", file, 0, "", "the file holds no records; expected one JSON object per line"))
        return records, found
    fast = _parse_canonical(data)
    if fast is not None:
        return list(enumerate(fast, 1)), found
    bad_utf8 = not _is_utf8(data)
    has_cr = b"\r" in data
    if not data.endswith(b"\n"):
        found.append(Finding("no-final-newline", file, data.count(b"\n") + 1, "", "the last line does not end with a newline (LF)"))
    for i, line in enumerate(_lines(data), 1):
        if len(line) > MAX_LINE_BYTES:
            found.append(Finding("line-too-long", file, i, "", f"the line has {len(line):,} bytes; the limit is {MAX_LINE_BYTES:,}"))
            continue
        if has_cr and b"\r" in line:
            found.append(Finding("crlf-line-ending", file, i, "", "the line holds a carriage return (CR LF or bare CR); expected LF line endings"))
            line = line.replace(b"\r", b"")
        if bad_utf8:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                found.append(Finding("invalid-utf8", file, i, "", f"byte 0x{line[exc.start]:02X} at byte {exc.start} of the line is not valid UTF-8; expected UTF-8 text"))
                continue
        if not line.strip():
            found.append(Finding("blank-line", file, i, "", "empty line; expected one JSON object per line"))
            continue
        obj = _parse_line(line, file, i, found)
        if obj is not None:
            records.append((i, obj))
    return records, found


def read_data(path: str | os.PathLike[str], name: str, max_bytes: int | None = DEFAULT_MAX_BYTES,
              lstat_mode: int | None = None) -> tuple[bytes | None, list[Finding]]:
    """The bytes of a file, or ``None`` and the one finding that says why not:
    ``not-a-regular-file`` (a folder, FIFO, socket or device, never opened for
    reading), ``file-too-large`` (over ``max_bytes``, refused before reading)
    or ``unreadable-path``. ``lstat_mode``: see :func:`geostance.core.bounded.read_bytes`."""
    try:
        return bounded.read_bytes(path, max_bytes, lstat_mode), []
    except bounded.NotRegular as exc:
        return None, [Finding("not-a-regular-file", name, 0, "", str(exc))]
    except bounded.TooLarge as exc:
        return None, [Finding("file-too-large", name, 0, "", f"{exc} (validate --max-bytes sets it); the file is not read")]
    except OSError as exc:
        return None, [Finding("unreadable-path", name, 0, "", f"cannot read the file: {exc.strerror or exc}")]


def read(path: str | os.PathLike[str], display: str | None = None,
         max_bytes: int | None = DEFAULT_MAX_BYTES) -> tuple[list[tuple[int, Record]], list[Finding]]:
    """Read and parse a file; a file that cannot be read is one finding."""
    name = display if display is not None else str(path)
    data, found = read_data(path, name, max_bytes)
    if data is None:
        return [], found
    return parse(data, name)


def load_records(path: Path) -> list[Record]:
    """The records of a file that is known to be valid (raises ValueError otherwise)."""
    recs, found = read(path)
    errors = [f for f in found if f.severity == "error"]
    if errors:
        raise ValueError("\n".join(f.render() for f in errors))
    return [r for _, r in recs]


def dumps(record: Record) -> bytes:
    """One record as a JSONL line: compact, keys in the given order, UTF-8, LF."""
    return orjson.dumps(record) + b"\n"
