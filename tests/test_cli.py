"""One CLI vocabulary: --dataset on every verb, one --format vocabulary, exit codes in every --help,
options in any order, old spellings accepted with a note."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from geostance import cli

VALID = Path(__file__).parent / "fixtures" / "valid"


def help_of(capsys, *argv: str) -> str:
    assert cli.main([*argv, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("verb", list(cli.VERBS))
def test_every_verb_takes_dataset_and_states_its_exit_codes(verb, capsys):
    text = help_of(capsys, verb)
    assert "--dataset DIR" in text
    assert "exit codes:" in text
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n  {code}" in text.split("exit codes:")[1]
    assert "--root" not in text


def test_top_level_help_states_exit_codes(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and "internal error" in out


@pytest.mark.parametrize("verb", list(cli.VERBS))
def test_format_has_one_vocabulary(verb, capsys):
    text = help_of(capsys, verb)
    if "--format" in text:
        assert "--format {text,json,markdown}" in text


def test_root_is_an_alias_of_dataset_with_a_note(capsys):
    assert cli.main(["validate", "--root", str(VALID)]) == 0
    captured = capsys.readouterr()
    assert "--root is deprecated; use --dataset" in captured.err
    assert "0 error(s)" in captured.out


def test_format_table_is_text(capsys):
    assert cli.normalise("agree", ["--format", "table"]) == ["--format", "text"]
    assert cli.normalise("agree", ["--format=table", "x"]) == ["--format=text", "x"]
    assert cli.normalise("agree", ["table"]) == ["table"]  # only as the value of --format


def test_options_in_any_order(tmp_path, capsys):
    doc = VALID / "annotations" / "raw" / "envoy-speaks" / "ann-1.jsonl"
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli.main(["export", "brat", str(doc), "--out", str(a), "--dataset", str(VALID)]) == 0
    assert cli.main(["export", "brat", "--dataset", str(VALID), "--out", str(b), str(doc)]) == 0
    capsys.readouterr()
    for f in a.iterdir():
        assert f.read_bytes() == (b / f.name).read_bytes()


def test_validate_markdown_lists_findings_as_a_table(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "sentence"}\n', encoding="utf-8")
    assert cli.main(["validate", str(bad), "--format", "markdown", "--documents", str(VALID / "documents")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("| severity | finding | file:line | field | message |")
    assert "| error | E" in out and out.rstrip().endswith("warning(s)")


def test_validate_dataset_option_equals_the_path(capsys):
    assert cli.main(["validate", "--dataset", str(VALID), "--format", "json"]) == 0
    by_option = json.loads(capsys.readouterr().out)
    assert cli.main(["validate", str(VALID), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == by_option


def test_build_positional_dataset_is_deprecated(tmp_path, capsys):
    root = tmp_path / "ds"
    shutil.copytree(Path(__file__).parent / "fixtures" / "build", root)
    assert cli.main(["build", str(root), "--out", str(tmp_path / "out"), "--card", str(Path(__file__).parent.parent / "CARD.md")]) == 0
    assert "positional argument is deprecated" in capsys.readouterr().err
