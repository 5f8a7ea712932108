"""The card: CARD.md's generated blocks, the YAML front matter, placeholders, freshness."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from geostance.hf import build as B, card
from geostance.hf import configs
from geostance.hf import rows as hf_rows
from geostance.contract.labels import RELATION_TYPES, STANCE_VIEW_LABELS
from geostance.core.paths import REPO_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "build"
CARD = REPO_ROOT / "CARD.md"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> B.BuildResult:
    return B.build(FIXTURE, tmp_path_factory.mktemp("hf"), CARD)


def front_matter(readme: str) -> dict:
    assert readme.startswith("---\n")
    head, _, _ = readme[4:].partition("\n---\n")
    return yaml.safe_load(head)


# ------------------------------------------------------------------ blocks


def test_fill_replaces_block_bodies_only():
    text = "intro\n<!-- gen:a -->\nold a\n<!-- /gen:a -->\nmiddle\n<!-- gen:b -->\n<!-- /gen:b -->\nend\n"
    out = card.fill(text, {"a": "new a\n", "b": "B"})
    assert out == "intro\n<!-- gen:a -->\nnew a\n<!-- /gen:a -->\nmiddle\n<!-- gen:b -->\nB\n<!-- /gen:b -->\nend\n"
    assert card.fill(out, {"a": "new a\n", "b": "B"}) == out  # idempotent


def test_fill_refuses_unknown_and_missing_blocks():
    with pytest.raises(card.CardError, match="nothing generates: z"):
        card.fill("<!-- gen:z -->\n<!-- /gen:z -->\n", {})
    with pytest.raises(card.CardError, match="lacks the generated block"):
        card.fill("no blocks\n", {"a": "x"})


def test_placeholders_are_found():
    assert card.placeholders("ok\n[More Information Needed]\nTBD and {{ name }}") == ["More Information Needed", "TBD", "{{ name }}"]
    assert card.placeholders("a clean card about stance and TODOs? no: todos") == []


def test_card_md_has_every_block_and_no_placeholder():
    text = CARD.read_text(encoding="utf-8")
    assert card.placeholders(text) == []
    names = card.block_names(text)
    assert len(names) == len(set(names))
    assert set(names) == set(card.blocks(hf_rows.Stats(), FIXTURE)) | set(card.KEPT)


def prose(text: str) -> str:
    """CARD.md outside generated blocks (ours, and those other commands such
    as ``geostance baselines`` maintain between their own markers), code and
    identifiers."""
    text = card.BLOCK.sub("", text)
    text = re.sub(r"<!-- geostance:([a-z-]+):begin.*?<!-- geostance:\1:end -->", "", text, flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    return text


def test_card_prose_types_no_numbers():
    """Numbers in the card are generated: outside the blocks, the only digits
    are in names (CC-BY-4.0, Croissant 1.0, BCP-47, §4, 0-based) and list numbers."""
    assert prose("a <!-- gen:x -->\n1\n<!-- /gen:x --> <!-- geostance:baselines:begin (x) -->\n0.5\n<!-- geostance:baselines:end --> `s1` b").split() == ["a", "b"]
    allowed = re.compile(r"(?:macro-|micro )?F1\b|CC-BY-4\.0|Croissant 1\.0|BCP-47|§\d+|0-based|sha256|UTF-8|^\d\. |"
                         r"(?:[Ss]chema|[Ss]cheme|[Gg]uidelines|[Vv]ersion)\s+\d\.[\dx]", re.M)
    digits = re.findall(r"[^\s]*\d[^\s]*", allowed.sub("", prose(CARD.read_text(encoding="utf-8"))))
    assert digits == []


def test_card_is_truthful_about_the_annotators():
    text = CARD.read_text(encoding="utf-8")
    assert "Claude" in text and "llm-1" in text and "llm-2" in text and "dataset/adjudication/" in text
    assert "No person has annotated this dataset yet" in text
    assert "blind" in text and "guided" in text and "one model family" in text
    assert "hand-annotated" not in text.lower() and "hand-labelled" not in text.lower()


# ------------------------------------------------------------------ README.md


def test_readme_front_matter_declares_configs_features_and_splits(built):
    readme = (built.out / "README.md").read_text(encoding="utf-8")
    meta = front_matter(readme)
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["en"] and meta["pretty_name"] == "geostance"
    assert meta["size_categories"] == ["n<1K"]  # the largest config, raw_annotations, has 129 rows
    # the fixture is of schema 1.0: stance_modality has no rows, and datasets cannot load an empty split
    declared = [c for c in configs.CONFIGS if built.stats.rows[c]]
    assert "stance_modality" not in declared and len(declared) == len(configs.CONFIGS) - 1
    assert [c["config_name"] for c in meta["configs"]] == declared
    assert [c["config_name"] for c in meta["configs"] if c.get("default")] == [configs.DEFAULT_CONFIG]
    for c in meta["configs"]:
        assert c["data_files"] == [{"split": "test", "path": configs.data_file(c["config_name"])}]
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    assert list(infos) == declared
    for c in declared:
        (split,) = infos[c]["splits"]
        assert split["name"] == "test"
        assert split["num_examples"] == pq.ParquetFile(built.out / configs.data_file(c)).metadata.num_rows
        assert split["num_bytes"] > 0 and infos[c]["download_size"] == (built.out / configs.data_file(c)).stat().st_size
    label = next(f for f in infos["stance_classification"]["features"] if f["name"] == "label")
    assert list(label["dtype"]["class_label"]["names"].values()) == list(STANCE_VIEW_LABELS)


def test_readme_features_read_back_by_datasets(built):
    """The local check that works offline (DatasetCard.validate calls the Hub)."""
    from huggingface_hub import DatasetCard
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs

    data = DatasetCard.load(built.out / "README.md").data
    infos = DatasetInfosDict.from_dataset_card_data(data)
    declared = MetadataConfigs.from_dataset_card_data(data)
    assert set(declared) == {c for c in configs.CONFIGS if built.stats.rows[c]}
    feats = configs.features()
    for c in declared:
        assert infos[c].features == feats[c]
    assert infos["relations"].features["type"].names == list(RELATION_TYPES)


def test_readme_body_is_card_md_with_fresh_blocks(built):
    readme = (built.out / "README.md").read_text(encoding="utf-8")
    body = readme.split("\n---\n", 1)[1].lstrip("\n")
    assert body == card.refresh(CARD.read_text(encoding="utf-8"), built.stats, FIXTURE)
    assert card.placeholders(body) == []
    # numbers from the data, e.g. the fixture's stance view counts (by hand in tests/test_views.py)
    assert "`stance_classification`: 26 rows." in body
    assert "| `holder-not-mentioned-in-evidence` |" in body


def test_agreement_block_embeds_the_agree_report(built):
    from geostance.agreement import document as agree, pairwise as agreement
    from geostance.core import jsonl

    md = card.agreement_markdown(FIXTURE, ["fixture-beta"])
    recs = {a: jsonl.load_records(FIXTURE / f"annotations/raw/fixture-beta/{a}.jsonl") for a in ("llm-1", "llm-2")}
    direct = agree.render_markdown(agreement.agree(recs, "fixture-beta"))
    assert md.startswith("#### Agreement: fixture-beta")
    assert md.replace("#### ", "# ").replace("### ", "## ") == direct.rstrip("\n").replace("#### ", "# ")


def test_readme_refuses_a_card_with_placeholders(built, tmp_path):
    bad = tmp_path / "CARD.md"
    bad.write_text(CARD.read_text(encoding="utf-8").replace("### Motivation\n", "### Motivation\n\n[More Information Needed]\n"))
    with pytest.raises(card.CardError, match="placeholder"):
        card.readme(built.stats, {configs.data_file(c): {"bytes": 1} for c in configs.CONFIGS}, bad, FIXTURE)


def test_card_md_is_fresh():
    """CARD.md's generated blocks are what the repository's dataset gives."""
    root = REPO_ROOT / "dataset"
    if not any((root / "annotations" / "gold").glob("*.jsonl")):
        pytest.skip("no gold annotations in dataset/annotations/gold yet: CARD.md's blocks describe no build")
    res = B.build(root, Path(__import__("tempfile").mkdtemp()), CARD)
    text = CARD.read_text(encoding="utf-8")
    assert card.refresh(text, res.stats, root) == text, "CARD.md is stale: run geostance build"


def test_gold_agreement_block_scores_each_raw_pass_against_gold(tmp_path):
    # a raw pass identical to the gold scores 1.0 on every F1; the other pass of the fixture does not
    import shutil

    from geostance.core import jsonl, paths

    root = tmp_path / "ds"
    shutil.copytree(Path(__file__).parent / "fixtures" / "build", root)
    doc = "fixture-alpha"
    gold = [{k: v for k, v in r.items() if k != "provenance"} for r in jsonl.load_records(paths.gold_path(root, doc))]
    (paths.raw_path(root, doc, "llm-1")).write_bytes(b"".join(jsonl.dumps(r) for r in gold))
    md = card.gold_agreement_markdown(root, [doc])
    rows = {line.split("|")[1].strip(): line.split("|")[2:4] for line in md.splitlines() if line.startswith("| ") and "measure" not in line}
    assert rows["sentences: span F1"][0].strip() == "1.000"
    assert rows["relations: typed F1"][0].strip() == "1.000"
    assert "`llm-2` vs gold" in md


def test_fill_keeps_the_blocks_other_verbs_write():
    text = "<!-- gen:a -->\nold a\n<!-- /gen:a -->\n<!-- gen:baselines -->\nresults table\n<!-- /gen:baselines -->\n"
    out = card.fill(text, {"a": "new a"}, keep=card.KEPT)
    assert out == "<!-- gen:a -->\nnew a\n<!-- /gen:a -->\n<!-- gen:baselines -->\nresults table\n<!-- /gen:baselines -->\n"
    with pytest.raises(card.CardError, match="nothing generates: baselines"):
        card.fill(text, {"a": "new a"})  # without keep, a block nobody fills is an error


def test_refresh_leaves_baselines_and_leaderboard_blocks_to_their_verbs(built):
    """The build does not compute the baselines' or the leaderboard's tables (that would make the
    Hugging Face build depend on the evaluation code); it keeps what those verbs wrote."""
    text = CARD.read_text(encoding="utf-8")
    marked = card.BLOCK.sub(
        lambda m: f"<!-- gen:{m.group('name')} -->\nkept {m.group('name')}\n<!-- /gen:{m.group('name')} -->"
        if m.group("name") in card.KEPT else m.group(0), text)
    out = card.refresh(marked, built.stats, FIXTURE)
    for name in card.KEPT:
        assert f"<!-- gen:{name} -->\nkept {name}\n<!-- /gen:{name} -->" in out
    assert set(card.KEPT) <= set(card.block_names(out))


def test_card_counts_stance_modality_of_a_1_1_build(tmp_path):
    """The 1.1 fixture (by hand: stances t1 QUESTIONED, t2 HYPOTHETICAL, t3 and t5
    ASSERTED, t4 ALLEGED; relations r1 QUESTIONED, r3 ALLEGED, r2 and r4 ASSERTED)."""
    fix = Path(__file__).parent / "fixtures" / "build-1.1"
    res = B.build(fix, tmp_path / "hf", CARD)
    b = card.blocks(res.stats, fix)
    stance_part = b["labels"].split("Stance modality")[1].split("Relation types")[0]
    for line in ("| `ASSERTED` | 2 | 40.0% |", "| `ALLEGED` | 1 | 20.0% |", "| `HYPOTHETICAL` | 1 | 20.0% |",
                 "| `QUESTIONED` | 1 | 20.0% |", "| total | 5 | 100.0% |"):
        assert line in stance_part, line
    assert "Stances without modality (schema 1.0 records): 0 of 5." in stance_part
    assert "| `QUESTIONED` | 1 | 25.0% |" in b["labels"].split("Relation modality")[1]
    assert "Schema versions of the records: 28 of version 1.1 in the gold; 56 of version 1.1 in the raw passes." in b["labels"]
    assert "`stance_modality`: 5 rows" in b["views"]
    assert "No rows in this build" not in b["layers"]  # every config has rows, so every config is declared
    meta = front_matter((tmp_path / "hf" / "README.md").read_text(encoding="utf-8"))
    assert [c["config_name"] for c in meta["configs"]] == list(configs.CONFIGS)


def test_card_puts_pair_disjoint_folds_first_and_says_where_baselines_fail() -> None:
    text = CARD.read_text(encoding="utf-8")
    assert "**Pair-disjoint folds, the headline protocol**" in text
    block = text.split("<!-- gen:baselines -->")[1].split("<!-- /gen:baselines -->")[0]
    assert "Where the learned baselines beat the trivial ones" in block
    # the sentences come from baselines/results.json's paired tests, one per view and protocol
    import json

    from geostance.evaluation import baseline_report

    res = json.loads((REPO_ROOT / "baselines" / "results.json").read_text(encoding="utf-8"))
    said = baseline_report.verdict(res)
    assert said and all(line in block for line in said)
    assert block.index("**stance_classification**, pair-disjoint folds, the headline protocol") < \
        block.index("**stance_classification**, sentence folds")
