"""The sentence segmenter: hand-computed offsets for each rule, the gold sentences of the article, properties."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, strategies as st

from geostance.contributing.segment import sentences

REPO = Path(__file__).parent.parent


def test_headline_abbreviation_quote_and_question() -> None:
    t = "Talks Resume\nGen. Okafor spoke. \u201cWe wait,\u201d he said. Done?"
    # 'Talks Resume' 0-12, newline 12, 'Gen. Okafor spoke.' 13-31, space, the quoted sentence 32-51, space, 'Done?' 52-57
    assert sentences(t) == [(0, 12), (13, 31), (32, 51), (52, 57)]


def test_closing_quote_after_the_period_belongs_to_the_sentence() -> None:
    t = "He said \u201cno.\u201d Then he left."
    # 'He said ' is 0-7, the opening quote 8, 'no' 9-10, the period 11, the closing quote 12 (end 13); 'Then' at 14
    assert sentences(t) == [(0, 13), (14, 27)]


def test_initials_and_titles_do_not_split() -> None:
    t = "J. Okafor met Dr. Lee. No. 10 agreed."
    # 'J.' and 'Dr.' and 'No.' are abbreviations; only 'Lee.' ends a sentence (end 22), 'No.' starts at 23
    assert sentences(t) == [(0, 22), (23, 37)]


def test_dotted_abbreviation_ends_a_sentence_only_before_a_sentence_starter() -> None:
    assert sentences("Talks at the U.N. The envoy left.") == [(0, 17), (18, 33)]
    assert sentences("The U.S. Senate voted.") == [(0, 22)]
    assert sentences("At 9 a.m. Monday they met.") == [(0, 26)]


def test_no_split_before_lower_case_or_without_a_space() -> None:
    assert sentences("It rose e.g. in March. the end") == [(0, 30)]
    assert sentences("The U.S.-Russia talks.") == [(0, 22)]


def test_a_wrapped_line_of_running_text_joins_the_next_a_stand_alone_line_does_not() -> None:
    t = "Kyiv Talks\nThe envoys met and\ntalked for hours.\n\n  Byline  \n"
    # 'Kyiv Talks' 0-10; 'The envoys met and\ntalked for hours.' 11-47; 'Byline' 51-57 (spaces trimmed)
    assert sentences(t) == [(0, 10), (11, 47), (51, 57)]


def test_digit_and_opening_quote_start_a_sentence() -> None:
    assert sentences("It fell. 2024 was hard. \u201cWhy?\u201d she asked.") == [(0, 8), (9, 23), (24, 41)]


def test_blank_text_has_no_sentences() -> None:
    assert sentences("") == [] and sentences(" \n\n\t ") == []


def test_the_article_gives_the_gold_sentences_exactly() -> None:
    text = (REPO / "dataset/documents/china-backs-russia.txt").read_bytes().decode("utf-8")
    gold = [(r["start"], r["end"]) for r in map(json.loads, (REPO / "dataset/annotations/gold/china-backs-russia.jsonl").read_text(encoding="utf-8").splitlines())
            if r["kind"] == "sentence"]
    assert len(gold) == 21
    assert sentences(text) == gold


@given(st.text(alphabet=st.sampled_from(list("ab AB.?!\n\u201c\u201d\"1\t")), max_size=80))
def test_sentences_are_trimmed_ordered_and_cover_every_non_blank_character(text: str) -> None:
    spans = sentences(text)
    covered = set()
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()
        covered.update(range(a, b))
        last = b
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered
