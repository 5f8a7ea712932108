"""Task views: rows, labels, what is left out, tokens and folds.

The fixture tests/fixtures/build holds two short synthetic documents whose
gold was written to exercise every rule; every expected number below was
counted by hand from those files (the comments say how).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest

from geostance.core import jsonl
from geostance.hf import views
from geostance.contract.labels import ACTOR_TYPES, MENTION_TYPES, RELATION_NONE, STANCE_NONE

FIXTURE = Path(__file__).parent / "fixtures" / "build"


def load_doc(doc_id: str, with_text: bool = True) -> views.Doc:
    text = (FIXTURE / "documents" / f"{doc_id}.txt").read_text(encoding="utf-8") if with_text else None
    return views.Doc.from_records(doc_id, text, jsonl.load_records(FIXTURE / "annotations" / "gold" / f"{doc_id}.jsonl"))


@pytest.fixture(scope="module")
def docs() -> dict[str, views.Doc]:
    return {d: load_doc(d) for d in ("fixture-alpha", "fixture-beta")}


@pytest.fixture(scope="module")
def folds(docs: dict[str, views.Doc]) -> views.Folds:
    return views.assign_folds((d, len(doc.sentences)) for d, doc in docs.items())


# ------------------------------------------------------------------ tokenizer


def surface(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_tokenize_quotes_possessives_abbreviations():
    s = "That’s Russia’s “sphere of influence,” said the U.S. envoy; U.K.-based 1,000 re-balancing it's."
    assert surface(s, views.tokenize(s)) == [
        "That", "’s", "Russia", "’s", "“", "sphere", "of", "influence", ",", "”", "said", "the", "U.S.", "envoy",
        ";", "U.K.", "-", "based", "1,000", "re-balancing", "it", "'s", ".",
    ]


def test_tokenize_no_break_space_separates():
    s = "Delta\u00a0region"
    assert surface(s, views.tokenize(s)) == ["Delta", "region"]


def test_tokenize_range_and_offsets_are_document_offsets():
    s = "ab cd ef"
    assert views.tokenize(s, 3, 5) == [(3, 5)]


def test_split_at_mention_boundaries():
    s = "U.S.-Freedonia talks"
    toks = views.tokenize(s)
    assert surface(s, toks) == ["U.S.", "-", "Freedonia", "talks"]
    # a boundary inside a token splits it; boundaries at token edges change nothing
    assert surface("Freedonians", views.split_at([(0, 11)], [0, 9, 11])) == ["Freedonia", "ns"]


def test_outermost_keeps_longest_counts_nested_and_crossing():
    ms = [{"id": "m2", "start": 4, "end": 14}, {"id": "m1", "start": 0, "end": 20},
          {"id": "m3", "start": 18, "end": 25}, {"id": "m4", "start": 30, "end": 31}, {"id": "m5", "start": 30, "end": 31}]
    kept, nested, crossing = views.outermost(ms)
    # m2 inside m1 (nested); m3 starts inside m1 and ends after (crossing); m5 repeats m4's span (nested)
    assert [m["id"] for m in kept] == ["m1", "m4"]
    assert (nested, crossing) == (2, 1)


# ------------------------------------------------------------------ folds


def reference_folds(counts: list[tuple[str, int]], k: int, seed: int) -> dict[tuple[str, int], int]:
    """An independent, literal transcription of the documented procedure."""
    out: dict[tuple[str, int], int] = {}
    for d, c in counts:
        s = int(hashlib.sha256(f"{seed}:{d}".encode()).hexdigest()[:16], 16)
        nums = list(range(1, c + 1))
        rnd = random.Random(s)
        for i in range(c - 1, 0, -1):
            j = int(rnd.random() * (i + 1))
            nums[i], nums[j] = nums[j], nums[i]
        for pos, n in enumerate(nums):
            out[(d, n)] = (pos + s) % k
    return out


def test_folds_follow_the_documented_procedure():
    counts = [("b-doc", 7), ("a-doc", 12), ("c", 3)]
    f = views.assign_folds(counts, k=views.FOLDS, seed=views.FOLD_SEED)
    ref = reference_folds(counts, views.FOLDS, views.FOLD_SEED)
    assert {(d, n): f.of(d, f"s{n}") for d, n in ref} == ref


def test_folds_are_balanced_per_document_and_independent_of_input_order():
    counts = [(f"d{i}", 3 + i % 9) for i in range(20)]
    a = views.assign_folds(counts)
    b = views.assign_folds(list(reversed(counts)))
    assert a.table == b.table
    assert sum(a.sizes()) == sum(c for _, c in counts)
    for d, c in counts:
        per = [0] * views.FOLDS
        for n in range(1, c + 1):
            per[a.of(d, f"s{n}")] += 1
        assert max(per) - min(per) <= 1, (d, per)
    assert views.assign_folds(counts, seed=views.FOLD_SEED + 1).table != a.table


def test_folds_of_a_document_do_not_move_when_documents_are_added():
    counts = [(f"d{i}", 4 + i % 5) for i in range(10)]
    small = views.assign_folds(counts[:3])
    big = views.assign_folds(counts)
    for d, c in counts[:3]:
        assert [small.of(d, f"s{n}") for n in range(1, c + 1)] == [big.of(d, f"s{n}") for n in range(1, c + 1)]


def test_folds_reject_unknown_sentence_and_duplicate_document():
    f = views.assign_folds([("d", 2)])
    with pytest.raises(KeyError):
        f.of("d", "s3")
    with pytest.raises(ValueError):
        views.assign_folds([("d", 2), ("d", 1)])


def test_a_sentence_has_one_sentence_fold_in_every_view(docs, folds):
    seen: dict[tuple[str, str], set[int]] = {}
    for doc in docs.values():
        for fn, col in ((views.stance_rows, "sentence_fold"), (views.relation_rows, "sentence_fold"),
                        (views.ner_rows, "fold")):
            for r in fn(doc, folds)[0]:
                seen.setdefault((r["doc_id"], r["sentence_id"]), set()).add(r[col])
    assert seen and all(len(v) == 1 for v in seen.values())
    assert all(0 <= next(iter(v)) < views.FOLDS for v in seen.values())


# ------------------------------------------------------------------ stance view


def test_stance_rows_alpha(docs, folds):
    rows, st = views.stance_rows(docs["fixture-alpha"], folds)
    # by hand: s1 has entities e1,e2 (GPE) and e3 (TOPIC): holders e1,e2 x 2 targets = 4;
    # s2 has e1,e2,e3,e4 with actors e1,e2,e4: 3 x 3 = 9; s3 e5,e1: 2; s4 e2,e1 (+e6 LOC): 2 x 2 = 4;
    # s5 and s6 mention one entity each: 0
    assert len(rows) == 4 + 9 + 2 + 4
    labelled = {r["id"]: r["label"] for r in rows if r["label"] != STANCE_NONE}
    # t1 (s1, AUTHOR) and t2 (s2, source e4) are both e1 FAVOR e3
    assert labelled == {"fixture-alpha/s1/e1>e3": "FAVOR", "fixture-alpha/s2/e1>e3": "FAVOR"}
    # t3: Sylvania (e2) FAVOR Freedonia, evidence in s6 where Sylvania is not mentioned
    assert st.uncarried == Counter({"holder-not-mentioned-in-evidence": 1})
    assert all(r["holder_type"] in ACTOR_TYPES for r in rows)


def test_stance_rows_spans_are_relative_to_the_sentence(docs, folds):
    rows, _ = views.stance_rows(docs["fixture-alpha"], folds)
    r = next(r for r in rows if r["id"] == "fixture-alpha/s2/e4>e1")
    assert [r["text"][s["start"]:s["end"]] for s in r["holder_spans"]] == ["Freedonian foreign minister", "Ana Ruiz", "her"]
    assert [r["text"][s["start"]:s["end"]] for s in r["target_spans"]] == ["Freedonian", "country"]
    assert (r["holder_name"], r["target_name"], r["target_type"]) == ("Ana Ruiz", "Freedonia", "GPE")


def test_stance_rows_conflict_drops_the_row(docs, folds):
    rows, st = views.stance_rows(docs["fixture-beta"], folds)
    ids = {r["id"]: r["label"] for r in rows}
    # s3: t2 (e2 FAVOR e1, source e2) and t3 (e2 AGAINST e1, source e1) fall on one row: left out
    assert "fixture-beta/s3/e2>e1" not in ids
    assert ids["fixture-beta/s3/e1>e2"] == STANCE_NONE
    # t1 (e1 AGAINST e2) has evidence in s1 and s2: two rows
    assert ids["fixture-beta/s1/e1>e2"] == ids["fixture-beta/s2/e1>e2"] == "AGAINST"
    assert st.uncarried == Counter({"conflicting-labels-on-row": 2}) and st.dropped_rows == 1
    # s1: 2 rows; s2: e1,e2 actors and e3 LOC: 2 x 2 = 4; s3: 2 - 1 dropped
    assert len(rows) == 2 + 4 + 1


def test_stance_rows_without_text_keep_offsets(folds):
    doc = load_doc("fixture-alpha", with_text=False)
    rows, _ = views.stance_rows(doc, folds)
    assert rows and all(r["text"] is None for r in rows)
    assert rows == [dict(r, text=None) for r in views.stance_rows(load_doc("fixture-alpha"), folds)[0]]


# ------------------------------------------------------------------ relation view


def test_relation_rows_alpha(docs, folds):
    rows, st = views.relation_rows(docs["fixture-alpha"], folds)
    # by hand: s1 3 mentions of 3 entities: 6; s2 7 mentions, 42 ordered pairs minus 6 (e4 x3) and 2 (e1 x2)
    # of one entity: 34; s3: 2; s4: 6; s5, s6 one mention each: 0
    assert len(rows) == 6 + 34 + 2 + 6
    assert "modality" not in rows[0]  # it would give the label away (null exactly on NO_RELATION rows)
    labelled = {r["id"]: r["label"] for r in rows if r["label"] != RELATION_NONE}
    expected = {
        "fixture-alpha/s1/m1>m3": ("SUPPORT", "ASSERTED"),
        "fixture-alpha/s2/m4>m5": ("ROLE_OF", "ASSERTED"),
        "fixture-alpha/s2/m8>m10": ("SUPPORT", "ASSERTED"),
        "fixture-alpha/s3/m11>m12": ("CONSULT", "ASSERTED"),
        "fixture-alpha/s4/m13>m14": ("RIVAL", "ASSERTED"),
        "fixture-alpha/s4/m13>m15": ("INFLUENCE", "HYPOTHETICAL"),
    }
    assert labelled == {k: t for k, (t, _) in expected.items()}
    # the modality is the label of relation_modality, on the row with the same id
    mod, mst = views.relation_modality_rows(docs["fixture-alpha"], folds)
    assert {r["id"]: (r["relation_type"], r["label"]) for r in mod} == expected
    assert mst.uncarried == Counter() and mst.dropped_rows == 0
    # RIVAL is symmetric: the reverse row exists and is NO_RELATION
    rev = next(r for r in rows if r["id"] == "fixture-alpha/s4/m14>m13")
    assert rev["label"] == RELATION_NONE
    assert not st.uncarried
    r = next(r for r in rows if r["id"] == "fixture-alpha/s3/m11>m12")
    assert (r["head_text"], r["tail_text"]) == ("U.S.", "Freedonia")
    assert (r["head_entity_id"], r["tail_entity_id"]) == ("e5", "e1")
    ents = {e["id"]: e["name"] for e in docs["fixture-alpha"].entities}
    assert all(r["head_entity_name"] == ents[r["head_entity_id"]] and r["tail_entity_name"] == ents[r["tail_entity_id"]]
               for r in rows)
    assert r["text"][r["head_start"]:r["head_end"]] == "U.S." and r["text"][r["tail_start"]:r["tail_end"]] == "Freedonia"


def test_relation_rows_beta_uncarried_and_conflicts(docs, folds):
    rows, st = views.relation_rows(docs["fixture-beta"], folds)
    ids = {r["id"]: r["label"] for r in rows}
    # r2 ACCUSE and r3 CRITICIZE share m3 -> m4 in s2: the row is left out, both counted
    assert "fixture-beta/s2/m3>m4" not in ids
    # r6 RIVAL m3 (s2) -> m11 (s3): different sentences; r7 WARN m10 -> m11 in s3 with evidence s2 only
    assert st.uncarried == Counter({"conflicting-labels-on-row": 2, "head-and-tail-in-different-sentences": 1,
                                    "sentence-not-in-evidence": 1})
    assert ids["fixture-beta/s3/m10>m11"] == RELATION_NONE
    assert ids["fixture-beta/s2/m4>m5"] == "DEPLOY" and ids["fixture-beta/s2/m5>m6"] == "PART_OF"
    # s1: 2; s2: 4 mentions, 12 pairs - 2 of e1 - 1 left out = 9; s3: 5 mentions, 20 - 6 (e2 x3) - 2 (e1 x2) = 12
    assert len(rows) == 2 + 9 + 12 and st.dropped_rows == 1
    # relation_modality: the 2 relations of the conflicting row and the 2 with no row are not carried
    mod, mst = views.relation_modality_rows(docs["fixture-beta"], folds)
    assert mst.uncarried == Counter({"not-in-relation_classification": 4})
    assert {r["id"] for r in mod} == {i for i, lab in ids.items() if lab != RELATION_NONE}


def test_relation_modality_row_with_two_modalities_is_left_out(docs, folds):
    """Two records of one type on one pair (say from two sources), one ASSERTED
    and one ALLEGED: the classification row keeps the type; the modality row
    has two right answers and is left out, both records counted."""
    d = docs["fixture-alpha"]
    r1 = next(r for r in d.relations if r["head"] == "m1" and r["tail"] == "m3")
    extra = dict(r1, id="r99", modality="ALLEGED", source="e2")
    d2 = views.Doc(d.doc_id, d.text, d.sentences, d.mentions, d.entities, d.stances, d.relations + [extra])
    rows, _ = views.relation_rows(d2, folds)
    mod, mst = views.relation_modality_rows(d2, folds)
    assert {r["id"]: r["label"] for r in rows}["fixture-alpha/s1/m1>m3"] == "SUPPORT"
    assert "fixture-alpha/s1/m1>m3" not in {r["id"] for r in mod}
    assert mst.dropped_rows == 1 and mst.uncarried == Counter({"conflicting-modalities-on-row": 2})


# ------------------------------------------------------------------ ner view


def test_ner_rows_tags_and_nesting(docs, folds):
    rows, st = views.ner_rows(docs["fixture-alpha"], folds)
    assert len(rows) == len(docs["fixture-alpha"].sentences)
    s2 = next(r for r in rows if r["sentence_id"] == "s2")
    pairs = list(zip(s2["tokens"], s2["tags"]))
    # "Freedonian" (GPE) is nested in "Freedonian foreign minister" (PERSON): the outer one is tagged
    assert pairs[:4] == [("The", "O"), ("Freedonian", "B-PERSON"), ("foreign", "I-PERSON"), ("minister", "I-PERSON")]
    assert ("Sylvania", "B-GPE") in pairs and ("’s", "O") in pairs
    assert pairs[-5:] == [("“", "O"), ("peace", "B-TOPIC"), ("plan", "I-TOPIC"), (".", "O"), ("”", "O")]
    s3 = next(r for r in rows if r["sentence_id"] == "s3")
    assert list(zip(s3["tokens"], s3["tags"]))[1:4] == [("U.S.", "B-GPE"), ("-", "O"), ("Freedonia", "B-GPE")]
    text = (FIXTURE / "documents" / "fixture-alpha.txt").read_text(encoding="utf-8")
    for r in rows:
        assert [text[a:b] for a, b in zip(r["token_starts"], r["token_ends"])] == r["tokens"]
    assert (st.nested_dropped, st.crossing_dropped) == (1, 0)


def test_ner_tag_names_follow_the_inventory():
    assert views.BIO_NAMES[0] == "O"
    assert views.BIO_NAMES[1:] == tuple(f"{p}-{t}" for t in MENTION_TYPES for p in ("B", "I"))


def test_ner_without_text_has_no_rows(folds):
    rows, st = views.ner_rows(load_doc("fixture-beta", with_text=False), folds)
    assert rows == [] and st.no_text_sentences == 4


def test_views_are_deterministic(docs, folds):
    for fn in (views.stance_rows, views.relation_rows, views.ner_rows):
        for doc in docs.values():
            assert fn(doc, folds) == fn(load_doc(doc.doc_id), folds)


# ------------------------------------------------------------------ stance_modality (scheme 1.1)

FIXTURE_11 = Path(__file__).parent / "fixtures" / "build-1.1"


def load_doc_11() -> views.Doc:
    d = "modality-mix"
    return views.Doc.from_records(d, (FIXTURE_11 / "documents" / f"{d}.txt").read_text(encoding="utf-8"),
                                  jsonl.load_records(FIXTURE_11 / "annotations" / "gold" / f"{d}.jsonl"))


def test_stance_modality_rows_of_a_1_1_document():
    """By hand from the fixture: s1 Oman>Fiji FAVOR QUESTIONED; s2 Chile>export
    ban AGAINST HYPOTHETICAL; s3 Peru>Oman AGAINST ASSERTED, Oman>rebels FAVOR
    ALLEGED; s4 Fiji>export ban AGAINST ASSERTED. stance_classification keeps the
    labels whatever the modality: 10 rows (s1 2, s2 1, s3 6, s4 1), 5 not NONE."""
    doc = load_doc_11()
    f = views.Folds.of_document(doc.doc_id, len(doc.sentences))
    cls, _ = views.stance_rows(doc, f)
    mod, st = views.stance_modality_rows(doc, f)
    assert len(cls) == 10
    labelled = {r["id"]: r["label"] for r in cls if r["label"] != STANCE_NONE}
    assert {r["id"]: (r["stance_label"], r["label"]) for r in mod} == {
        "modality-mix/s1/e1>e2": ("FAVOR", "QUESTIONED"), "modality-mix/s2/e3>e4": ("AGAINST", "HYPOTHETICAL"),
        "modality-mix/s3/e5>e1": ("AGAINST", "ASSERTED"), "modality-mix/s3/e1>e6": ("FAVOR", "ALLEGED"),
        "modality-mix/s4/e2>e4": ("AGAINST", "ASSERTED")}
    assert {i: r["stance_label"] for i, r in ((r["id"], r) for r in mod)} == labelled
    assert tuple(mod[0]) == views.STANCE_MODALITY_COLUMNS
    by_id = {r["id"]: r for r in cls}
    for r in mod:  # the same inputs as the classification row it comes from
        assert {k: v for k, v in r.items() if k not in ("stance_label", "label")} == \
               {k: v for k, v in by_id[r["id"]].items() if k != "label"}
    assert st.uncarried == Counter() and st.dropped_rows == 0


def test_stance_modality_of_a_1_0_document_is_empty_and_counted(docs, folds):
    """fixture-alpha is of schema 1.0: 3 stances, none with a modality (2 carried
    by stance_classification, 1 whose holder is not in its evidence; see above)."""
    rows, st = views.stance_modality_rows(docs["fixture-alpha"], folds)
    cls_st = views.stance_rows(docs["fixture-alpha"], folds)[1]
    assert rows == []
    assert st.uncarried["not-in-stance_classification"] == sum(cls_st.uncarried.values())
    assert st.uncarried["without-modality"] == len(docs["fixture-alpha"].stances) - sum(cls_st.uncarried.values())


def test_stance_modality_row_with_two_modalities_is_left_out():
    """Two stances of one holder toward one target, one label, reported by two
    sources with different modalities: the classification row keeps its label,
    the modality row (two right answers) is left out and both stances counted."""
    doc = load_doc_11()
    extra = dict(next(t for t in doc.stances if t["id"] == "t3"), id="t6", source="AUTHOR", modality="HYPOTHETICAL")
    doc2 = views.Doc(doc.doc_id, doc.text, doc.sentences, doc.mentions, doc.entities, doc.stances + [extra], doc.relations)
    f = views.Folds.of_document(doc.doc_id, len(doc.sentences))
    cls, _ = views.stance_rows(doc2, f)
    mod, st = views.stance_modality_rows(doc2, f)
    assert {r["id"]: r["label"] for r in cls}["modality-mix/s3/e5>e1"] == "AGAINST"
    assert "modality-mix/s3/e5>e1" not in {r["id"] for r in mod} and len(mod) == 4
    assert st.dropped_rows == 1 and st.uncarried["conflicting-modalities-on-row"] == 2


# ------------------------------------------------------------------ pair-disjoint folds


PAIR_FNS = (views.stance_rows, views.stance_modality_rows, views.relation_rows, views.relation_modality_rows)


def _pair(r: dict) -> str:
    if "holder_name" in r:
        return views.pair_key(r["holder_name"], r["target_name"])
    return views.pair_key(r["head_entity_name"], r["tail_entity_name"])


def _all_pair_rows(docs_: list[views.Doc]) -> list[dict]:
    f = views.assign_folds((d.doc_id, len(d.sentences)) for d in docs_)
    return [r for d in docs_ for fn in PAIR_FNS for r in fn(d, f)[0]]


def test_pair_folds_hold_no_pair_out_on_both_sides() -> None:
    """On the fixtures, the 1.1 fixture and the committed dataset: for every
    fold, no entity pair (either direction, in any pair view) is in both the
    test fold and the training folds; and the fold is the documented hash."""
    from geostance.core import paths

    docs_ = [load_doc("fixture-alpha"), load_doc("fixture-beta"), load_doc_11()]
    root = Path(__file__).parent.parent / "dataset"
    for d in paths.doc_ids(root):
        if paths.gold_path(root, d).is_file():
            docs_.append(views.Doc.from_records(d, paths.text_path(root, d).read_text(encoding="utf-8"),
                                                jsonl.load_records(paths.gold_path(root, d))))
    rows = _all_pair_rows(docs_)
    assert len(rows) > 500
    fold_of: dict[str, set[int]] = {}
    for r in rows:
        fold_of.setdefault(_pair(r), set()).add(r["fold"])
        k = _pair(r)
        assert r["fold"] == int.from_bytes(hashlib.sha256(f"{views.FOLD_SEED}:{k}".encode()).digest()[:8], "big") % views.FOLDS
    assert all(len(fs) == 1 for fs in fold_of.values())
    for f in range(views.FOLDS):
        test = {_pair(r) for r in rows if r["fold"] == f}
        train = {_pair(r) for r in rows if r["fold"] != f}
        assert not test & train, f
    # while the sentence folds do let pairs recur on both sides (what the pair folds are for)
    recur = [f for f in range(views.FOLDS)
             if {_pair(r) for r in rows if r["sentence_fold"] == f} & {_pair(r) for r in rows if r["sentence_fold"] != f}]
    assert recur


def test_pair_folds_are_stable_when_documents_are_added() -> None:
    one = {r["id"]: r["fold"] for r in _all_pair_rows([load_doc("fixture-alpha")])}
    both = {r["id"]: r["fold"] for r in _all_pair_rows([load_doc("fixture-alpha"), load_doc("fixture-beta")])}
    assert one and all(both[i] == f for i, f in one.items())


def test_pair_key_is_unordered_and_normalised() -> None:
    assert views.pair_key("the  West", "Russia") == views.pair_key("russia", "The West") == "russia\x1fthe west"
    assert views.pair_fold("A", "B", k=3, seed=1) == views.pair_fold("b", "a", k=3, seed=1)
    assert {views.pair_fold("x", f"y{i}") for i in range(200)} == set(range(views.FOLDS))  # every fold is used


# ------------------------------------------------------------------ no label leaks


def leaks(rows: list[dict], label: str = "label", relabelling: bool = True) -> list[str]:
    """The columns (other than the label) that give the label away:

    * nullness as a function of the label: the column is null on some rows
      and not on others, and whether it is null is determined by the label
      (null exactly on the NONE rows, say);
    * null only on rows of one label (knowing it is null tells the label), or
      set only on rows of one label;
    * a relabelling of the label: its values map one to one onto the labels
      (two or more of them), checked on views of 20 rows or more (on a
      handful of rows, unique columns such as spans map one to one by chance).
    """
    out = []
    labels_ = [r[label] for r in rows]
    if len(set(labels_)) < 2:
        return out
    for col in rows[0]:
        if col == label:
            continue
        values = [r[col] for r in rows]
        null = [v is None for v in values]
        if any(null) and not all(null):
            by_label: dict = {}
            for lab, n in zip(labels_, null):
                by_label.setdefault(lab, set()).add(n)
            if all(len(v) == 1 for v in by_label.values()):
                out.append(f"{col}: null exactly on the rows of some labels")
                continue
            if len({lab for lab, n in zip(labels_, null) if n}) == 1 or len({lab for lab, n in zip(labels_, null) if not n}) == 1:
                out.append(f"{col}: null or set on the rows of one label only")
                continue
        if len(rows) < 20 or not relabelling:
            continue
        hashable = [repr(v) for v in values]
        fwd: dict = {}
        back: dict = {}
        for lab, v in zip(labels_, hashable):
            fwd.setdefault(lab, set()).add(v)
            back.setdefault(v, set()).add(lab)
        if all(len(x) == 1 for x in fwd.values()) and all(len(x) == 1 for x in back.values()):
            out.append(f"{col}: a relabelling of the label")
    return out


def test_the_leak_check_finds_the_old_modality_column(docs, folds):
    """The check can fail: relation_classification as it was built before (a
    modality column null exactly on the NO_RELATION rows) is caught, as are a
    copy of the label and a column set on one label only; the views are not."""
    rows, _ = views.relation_rows(docs["fixture-alpha"], folds)
    mods = {r["id"]: r["label"] for r in views.relation_modality_rows(docs["fixture-alpha"], folds)[0]}
    old = [dict(r, modality=mods.get(r["id"])) for r in rows]
    assert leaks(old) == ["modality: null exactly on the rows of some labels"]
    assert leaks([dict(r, copy="x" + r["label"]) for r in rows]) == ["copy: a relabelling of the label"]
    first = next(r["id"] for r in rows if r["label"] == "SUPPORT")
    assert leaks([dict(r, hint="y" if r["id"] == first else None) for r in rows]) == [
        "hint: null or set on the rows of one label only"]
    assert leaks(rows) == []


def test_no_view_leaks_its_label():
    """Every task view, built from the fixtures, the 1.1 fixture, the committed
    dataset's gold and a synthetic corpus: no column other than the label
    gives the label away (the leak check above). The synthetic corpus is
    checked for nullness only: its constructed sentences are formulaic (every
    question starts "Is ..."), so an offset there really does tell the
    modality, from the text, as a cue a model may use."""
    import tempfile

    from geostance.evaluation import reference
    from geostance.validation import synth

    sources = [Path(__file__).parent / "fixtures" / "build", FIXTURE_11, Path(__file__).parent.parent / "dataset"]
    with tempfile.TemporaryDirectory() as t:
        synth.generate(Path(t), n_docs=6, seed=5, records_per_doc=80)
        sources.append(Path(t))
        checked = 0
        for root in sources:
            real = root != Path(t)
            vs, _ = reference.gold_views(root)
            for view, rows in vs.items():
                if view == "ner":  # the label is a list of tags per row; its inputs are tokens and offsets
                    continue
                if len({r["label"] for r in rows}) >= 2:
                    assert leaks(rows, relabelling=real) == [], (root, view)
                    checked += 1
    assert checked >= 12
