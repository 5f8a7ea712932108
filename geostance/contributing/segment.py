"""Sentence segmentation by the scheme's rules (layer 1; guidelines §3).

Used by ``geostance import`` when a tool's file has no sentence spans and
the dataset has no sentences for the document. The rules, in order:

* §3.1 sentences cover every non-blank stretch of text and never start or
  end on white space;
* §3.2 a line that stands alone (a headline, subheading, byline, dateline
  or caption) is a sentence of its own: every line break ends a sentence,
  except a single line break inside running text (the line does not end in
  ``.``, ``?``, ``!``, ``:`` or ``;`` and the next line starts with a
  lower-case letter), which is a wrapped line;
* §3.3 inside a line, split after ``.``, ``?`` or ``!`` (and the closing
  quotation marks or brackets that follow them) when white space follows and
  the next non-space character begins a new sentence: a capital letter, a
  digit or an opening quotation mark or bracket;
* §3.4 no split after the period of an abbreviation or initial: a title
  (``Gen.``, ``Dr.``, ``No.`` ...), a single capital letter (``J. Okafor``),
  or a dotted abbreviation (``U.N.``, ``U.S.``, ``a.m.``) unless the next
  word is one that commonly starts a sentence (``The``, ``It``, ``But`` ...);
  the scheme ends the sentence after an abbreviation that ends it, which a
  rule cannot always tell from one inside it: the segmenter is conservative
  there and keeps such sentences together.

The result is a list of ``(start, end)`` code-point offsets, end exclusive,
in reading order.
"""

from __future__ import annotations

import re

TERMINALS = ".?!"
CLOSERS = "\"'\u201d\u2019)]\u00bb"
OPENERS = "\"'\u201c\u2018([\u00ab"
TITLES = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm", "gov", "sen", "rep",
    "rev", "st", "no", "nos", "vs", "v", "jr", "sr", "mt", "ft", "fig", "vol", "art", "sec", "dept", "est", "approx",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "corp",
})
STARTERS = frozenset({
    "The", "A", "An", "It", "Its", "He", "She", "They", "We", "I", "You", "This", "That", "These", "Those", "There",
    "But", "And", "Or", "So", "Yet", "In", "On", "At", "As", "If", "When", "While", "After", "Before", "Meanwhile",
    "However", "Still", "Last", "Earlier", "Later", "Until", "Since", "His", "Her", "Their", "Our",
})
_DOTTED = re.compile(r"(?:[A-Za-z]\.){2,}$")


def _abbreviation(text: str, dot: int) -> str | None:
    """'title', 'initial' or 'dotted' when the period at ``dot`` ends one, else None."""
    i = dot
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot + 1]
    if _DOTTED.fullmatch(word):
        return "dotted"
    core = word[:-1]
    if "." in core or not core:
        return None
    if len(core) == 1 and core.isupper():
        return "initial"
    if core.lower() in TITLES and core[0].isupper():
        return "title"
    return None


def _starts_sentence(text: str, j: int) -> bool:
    c = text[j]
    return c.isupper() or c.isdigit() or c in OPENERS


def _split_line(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Sentences of text[a:b] (a stretch with no sentence-ending line break)."""
    out = []
    start = a
    i = a
    while i < b:
        if text[i] in TERMINALS:
            end = i + 1
            while end < b and (text[end] in TERMINALS or text[end] in CLOSERS):
                end += 1
            j = end
            while j < b and text[j].isspace():
                j += 1
            if j > end and j < b and _starts_sentence(text, j):
                kind = _abbreviation(text, i) if text[i] == "." and end == i + 1 else None
                word = re.match(r"[A-Za-z]+", text[j:b])
                if kind is None or (kind == "dotted" and word is not None and word.group(0) in STARTERS):
                    out.append((start, end))
                    start = j
            i = end
            continue
        i += 1
    out.append((start, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentence spans of ``text`` by the scheme's rules.

    >>> t = "Talks Resume\\nGen. Okafor spoke. \\u201cWe wait,\\u201d he said. Done?"
    >>> [t[a:b] for a, b in sentences(t)]
    ['Talks Resume', 'Gen. Okafor spoke.', '\\u201cWe wait,\\u201d he said.', 'Done?']
    """
    # lines that end a sentence (§3.2); a wrapped line of running text joins the next
    blocks: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"\n", text):
        i = m.start()
        prev = text[start:i].rstrip()
        nxt = text[i + 1:i + 81].lstrip(" \t")
        wrapped = (prev and prev[-1] not in TERMINALS + CLOSERS + ":;" and nxt[:1].islower())
        if not wrapped:
            blocks.append((start, i))
            start = i + 1
    blocks.append((start, len(text)))
    out = []
    for a, b in blocks:
        span = _trim(text, a, b)
        if span is None:
            continue
        for s in _split_line(text, *span):
            t = _trim(text, *s)
            if t is not None:
                out.append(t)
    return out
