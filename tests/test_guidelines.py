"""The guidelines and the annotators' briefs quote no dataset document.

Scheme 1.1's protocol: annotators read the guidelines before they read a
document, so an example taken from a document hands them its answers. The
check: no sequence of 8 word tokens of any document of the dataset appears
in the guidelines, in any brief, or in the scheme copy the dataset ships.
Tokens are maximal runs of word characters (``\\w+``), case-folded, with
curly and straight apostrophes inside a word kept (``China’s`` is one token
``china's``), so punctuation, quotes and line breaks do not hide a copy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geostance.core import paths

DATASET = paths.REPO_ROOT / "dataset"
N = 8
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")


def tokens(text: str) -> list[str]:
    """
    >>> tokens("China’s envoy said: “No.”")
    ["china's", 'envoy', 'said', 'no']
    """
    return [t.casefold().replace("’", "'") for t in _TOKEN.findall(text)]


def ngrams(toks: list[str], n: int = N) -> set[tuple[str, ...]]:
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def shared_stretches(doc: str, other: str, n: int = N) -> list[str]:
    """The n-token sequences of ``doc`` that ``other`` holds too, in ``other``'s order."""
    d = ngrams(tokens(doc), n)
    o = tokens(other)
    return [" ".join(o[i:i + n]) for i in range(len(o) - n + 1) if tuple(o[i:i + n]) in d]


def protected_texts() -> list[Path]:
    """Everything an annotator reads before the document."""
    files = [DATASET / "GUIDELINES.md"]
    files += sorted((DATASET / "annotations" / "briefs").glob("*.md"))
    files += sorted(DATASET.glob("SCHEME-*.md"))
    return files


def documents() -> list[Path]:
    return sorted((DATASET / "documents").glob("*.txt"))


def test_the_check_finds_a_planted_stretch() -> None:
    doc = "Alpha beta gamma delta epsilon zeta eta theta iota kappa."
    assert shared_stretches(doc, "As the text says, “Beta gamma delta — epsilon zeta eta theta iota”!") == [
        "beta gamma delta epsilon zeta eta theta iota"]
    assert shared_stretches(doc, "alpha beta gamma delta epsilon zeta eta") == []  # 7 tokens
    assert shared_stretches(doc, "alpha beta gamma delta epsilon zeta eta kappa") == []


def test_there_is_something_to_check() -> None:
    assert documents(), "the dataset has no document text"
    assert (DATASET / "GUIDELINES.md").is_file()


@pytest.mark.parametrize("text_file", protected_texts(), ids=lambda p: str(p.relative_to(DATASET)))
def test_no_document_stretch_in_what_annotators_read(text_file: Path) -> None:
    other = text_file.read_text(encoding="utf-8")
    found = {}
    for doc in documents():
        hits = shared_stretches(doc.read_text(encoding="utf-8"), other)
        if hits:
            found[doc.name] = hits
    assert not found, f"{text_file} quotes dataset documents (8-token stretches): {found}"
