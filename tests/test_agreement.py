"""Agreement measures: golden values computed by hand on a tiny three-annotator fixture,
plus the matching rules, conventions and degenerate cases one by one.

The fixture (tests/fixtures/agreement/, a dataset root) is one synthetic
document, ``agree-tiny``::

    China Backs Russia
    China supports Russia. Beijing criticized NATO, and it warned the West. The U.S. and Russia compete.

annotated by alice, bob and carol. Mentions (span: alice / bob / carol type):

    m1 China 0:5  m2 Russia 12:18  m3 China 19:24  m4 Russia 34:40
    m5 Beijing 42:49  m6 NATO 61:65 (ORG / GROUP / ORG)  m7 it 71:73
    m8 West 85:89 (alice GROUP, carol GPE) vs "the West" 81:89 (bob GROUP)
    m9 U.S. 95:99  m10 Russia 104:110         all others GPE for everyone

* alice: 4 sentences (headline, s2, s3 = "Beijing ... West.", s4 = "The U.S. ...").
  Entities e1 China {m1 m3 m5 m7}, e2 Russia {m2 m4 m10}, e3 NATO {m6},
  e4 West {m8}, e5 U.S. {m9}. Stances (all source AUTHOR):
  t1 e1 FAVOR e2 (explicit), t2 e1 AGAINST e3 (explicit), t3 e1 AGAINST e4,
  t4 e5 AGAINST e2. Relations (ASSERTED): r1 SUPPORT m3->m4,
  r2 CRITICIZE m5->m6, r3 WARN m7->m8, r4 RIVAL m9->m10.
* bob: 3 sentences (s3 and s4 merged). Entities e1 China {m1 m3},
  e2 Russia {m2 m4 m10}, e3 Beijing {m5 m7}, e4 NATO {m6}, e5 "the West",
  e6 U.S. Stances, none explicit: t1 e1 FAVOR e2, t2 e3 AGAINST e4,
  t3 e3 AGAINST e5, t4 e6 NEUTRAL e2. Relations: r1 SUPPORT m3->m4,
  r2 ACCUSE m5->m6, r3 WARN m7->"the West", r4 RIVAL m9->m10 HYPOTHETICAL.
* carol: alice's file, except West typed GPE and r4 HYPOTHETICAL.
"""

from __future__ import annotations

import copy
import warnings
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from geostance.agreement import pairwise as ag
from geostance.core import jsonl
from geostance.contract.labels import MODALITIES, RELATION_TYPES, STANCE_LABELS, SYMMETRIC_TYPES

FIX = Path(__file__).parent / "fixtures" / "agreement"
RAW = FIX / "annotations" / "raw" / "agree-tiny"
NAMES = ("alice", "bob", "carol")


@pytest.fixture(scope="module")
def records():
    return {n: jsonl.load_records(RAW / f"{n}.jsonl") for n in NAMES}


@pytest.fixture(scope="module")
def result(records):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the measures must never warn
        return ag.agree(records, "agree-tiny")


# ---------------------------------------------------------------- golden values
#
# alice (A) vs bob (B)
# sentences: bob merges s3+s4; matched s1, s2. P = 2/3, R = 2/4, F1 = 2*2/(4+3) = 4/7.
# mentions exact: all but West 85:89 / the West 81:89 -> 9 of 10 each: F1 = 9/10.
# mentions overlap: West and "the West" overlap (4 chars) -> 10/10 = 1.
# type over 9 exact pairs: 8 GPE-GPE, 1 ORG-GROUP.
#   κ: p_o = 8/9; p_e = (8/9)(8/9) = 64/81; κ = (8/9 - 64/81)/(1 - 64/81) = 8/17.
#   α: 18 values (GPE 16, ORG 1, GROUP 1), 2 disagreeing ordered pairs;
#      α = 1 - (n-1) Σ o_ck(c≠k) / Σ n_c n_k(c≠k) = 1 - 17*2 / (2*(16+16+1)) = 16/33.
# coreference (key alice, response bob; mentions as spans, West and "the West" twinless):
#   MUC R: e1 {China,China,Beijing,it} cut in 2 by bob -> 4-2 = 2; e2 Russia 3-1 = 2; /(3+2): 4/5.
#       P: bob e1 1, e2 2, e3 {Beijing,it} 1 -> 4/4 = 1.  F1 = 8/9.
#   B³ R: e1 (2²+2²)/4 = 2; e2 3²/3 = 3; NATO 1; West 0; U.S. 1 -> 7/10.
#       P: 2²/2 + 3²/3 + 2²/2 + 1 + 0 + 1 = 9 over 10 -> 9/10.  F1 = 2*.63/1.6 = 63/80.
#   CEAF-e: e1~bob e1 φ4 = 2*2/6 = 2/3, Russia 1, NATO 1, U.S. 1 (West 0): Φ = 11/3;
#       R = Φ/5 = 11/15, P = Φ/6 = 11/18, F1 = 2Φ/11 = 2/3.
#   CoNLL = (8/9 + 63/80 + 2/3)/3 = 1687/2160.
# stances: alice's entities onto bob's: e1 -> bob e1 (tie 2-2 with bob e3: lowest id),
#   e2 -> e2, e3 -> e4, e4 (West) unaligned, e5 -> e6.
#   t1 (e1,e2,FAVOR) matches bob t1; t2 -> (e1,e4): bob has (e3,e4), no;
#   t3 target unaligned; t4 -> (e6,e2) AGAINST vs bob NEUTRAL: pair only.
#   tuple F1 = 1/4; pair F1 = 2/4 = 1/2.
#   label κ over (FAVOR,FAVOR), (AGAINST,NEUTRAL): p_o = 1/2, p_e = 1/2*1/2 = 1/4 -> 1/3.
#   label α: 4 values (FAVOR 2, AGAINST 1, NEUTRAL 1): 1 - 3*2/(2*(2+2+1)) = 2/5.
#   source: AUTHOR = AUTHOR on 1 of 1; explicit: alice true, bob false: 0 of 1.
# relations: typed matches r1 SUPPORT and r4 RIVAL: 2/4 -> F1 1/2; untyped adds
#   r2 (CRITICIZE vs ACCUSE, same spans): 3/4. r3 fails on the West span.
#   modality over (ASSERTED,ASSERTED), (ASSERTED,HYPOTHETICAL):
#   κ: p_o = 1/2, p_e = 1*1/2 = 1/2 -> 0;  α: 4 values (3, 1): 1 - 3*2/(2*3*1) = 0.
#
# alice (A) vs carol (B): everything equal except West's type and r4's modality.
#   type over 10 pairs, 1 GROUP-GPE: p_o = 9/10, p_e = (8/10)(9/10) + (1/10)(1/10) = 73/100,
#     κ = (90 - 73)/(100 - 73) = 17/27; α: 20 values (GPE 17, ORG 2, GROUP 1):
#     1 - 19*2 / (2*(17*2 + 17*1 + 2*1)) = 1 - 38/106 = 34/53.
#   stance labels: FAVOR, AGAINST x3 on both: κ = α = 1.
#   modality: alice ASSERTED x4, carol ASSERTED x3 + HYPOTHETICAL: p_o = 3/4 = p_e -> κ = 0;
#     α: 8 values (7, 1): 1 - 7*2/(2*7*1) = 0.
#
# bob (A) vs carol (B): carol's mentions and clusters are alice's, so the span,
#   type and coreference figures mirror alice-bob (P and R swap). Stances now map
#   bob onto carol: bob e1 -> e1, e3 {Beijing,it} -> e1, e4 -> e3 (NATO), e5 ("the West")
#   unaligned, e6 -> e5: t1 and t2 match (tuple 2/4 = 1/2), t4 pairs with carol t4
#   (NEUTRAL vs AGAINST): pair 3/4.
#   label κ over (F,F), (AG,AG), (N,AG): p_o = 2/3; p_e = 1/3*1/3 + 1/3*2/3 = 1/3 -> 1/2.
#   label α: 6 values (F 2, AG 3, N 1): 1 - 5*2/(2*(2*3 + 2*1 + 3*1)) = 6/11.
#   explicit: bob false vs carol true on both matched: 0 of 2; source 2 of 2.
#   modality over (ASSERTED,ASSERTED), (HYPOTHETICAL,HYPOTHETICAL): κ = α = 1.
GOLDEN = {
    ("alice", "bob"): {
        "sentences.f1": F(4, 7),
        "mentions.exact.f1": F(9, 10),
        "mentions.overlap.f1": F(1),
        "mentions.type.kappa": F(8, 17),
        "mentions.type.alpha": F(16, 33),
        "coref.muc.f1": F(8, 9),
        "coref.b3.f1": F(63, 80),
        "coref.ceafe.f1": F(2, 3),
        "coref.conll.f1": F(1687, 2160),
        "stances.tuple.f1": F(1, 4),
        "stances.pair.f1": F(1, 2),
        "stances.label.kappa": F(1, 3),
        "stances.label.alpha": F(2, 5),
        "stances.source.agreement": F(1),
        "stances.explicit.agreement": F(0),
        "stances.evidence.agreement": F(1),
        "relations.typed.f1": F(1, 2),
        "relations.untyped.f1": F(3, 4),
        "relations.modality.kappa": F(0),
        "relations.modality.alpha": F(0),
    },
    ("alice", "carol"): {
        "sentences.f1": F(1),
        "mentions.exact.f1": F(1),
        "mentions.overlap.f1": F(1),
        "mentions.type.kappa": F(17, 27),
        "mentions.type.alpha": F(34, 53),
        "coref.muc.f1": F(1),
        "coref.b3.f1": F(1),
        "coref.ceafe.f1": F(1),
        "coref.conll.f1": F(1),
        "stances.tuple.f1": F(1),
        "stances.pair.f1": F(1),
        "stances.label.kappa": F(1),
        "stances.label.alpha": F(1),
        "stances.source.agreement": F(1),
        "stances.explicit.agreement": F(1),
        "stances.evidence.agreement": F(1),
        "relations.typed.f1": F(1),
        "relations.untyped.f1": F(1),
        "relations.modality.kappa": F(0),
        "relations.modality.alpha": F(0),
    },
    ("bob", "carol"): {
        "sentences.f1": F(4, 7),
        "mentions.exact.f1": F(9, 10),
        "mentions.overlap.f1": F(1),
        "mentions.type.kappa": F(8, 17),
        "mentions.type.alpha": F(16, 33),
        "coref.muc.f1": F(8, 9),
        "coref.b3.f1": F(63, 80),
        "coref.ceafe.f1": F(2, 3),
        "coref.conll.f1": F(1687, 2160),
        "stances.tuple.f1": F(1, 2),
        "stances.pair.f1": F(3, 4),
        "stances.label.kappa": F(1, 2),
        "stances.label.alpha": F(6, 11),
        "stances.source.agreement": F(1),
        "stances.explicit.agreement": F(0),
        "stances.evidence.agreement": F(1),
        "relations.typed.f1": F(1, 2),
        "relations.untyped.f1": F(3, 4),
        "relations.modality.kappa": F(1),
        "relations.modality.alpha": F(1),
    },
}

# (P, R) where the pair's direction matters, by hand (see above).
GOLDEN_PR = {
    ("alice", "bob"): {
        "sentences.f1": (F(2, 3), F(1, 2)),
        "coref.muc.f1": (F(1), F(4, 5)),
        "coref.b3.f1": (F(9, 10), F(7, 10)),
        "coref.ceafe.f1": (F(11, 18), F(11, 15)),
    },
    ("bob", "carol"): {
        "sentences.f1": (F(1, 2), F(2, 3)),
        "coref.muc.f1": (F(4, 5), F(1)),
        "coref.b3.f1": (F(7, 10), F(9, 10)),
        "coref.ceafe.f1": (F(11, 15), F(11, 18)),
    },
}

# n (matched items or units) per pair, by hand (see above)
GOLDEN_N = {
    ("alice", "bob"): {"sentences.f1": 2, "mentions.exact.f1": 9, "mentions.overlap.f1": 10, "mentions.type.kappa": 9,
                       "coref.muc.f1": 9, "stances.tuple.f1": 1, "stances.pair.f1": 2, "stances.label.alpha": 2,
                       "stances.explicit.agreement": 1, "relations.typed.f1": 2, "relations.untyped.f1": 3,
                       "relations.modality.alpha": 2},
    ("bob", "carol"): {"stances.tuple.f1": 2, "stances.pair.f1": 3, "stances.label.kappa": 3, "stances.source.agreement": 2},
}


def test_fixture_files_are_valid():
    from geostance.validation.validator import validate

    report = validate([FIX])
    assert (report.errors, report.warnings) == (0, 0), report.render_text()


# The fixture is of schema 1.0: its stances have no modality, so stance
# modality κ and α are undefined for every pair (1.1 cases: further below).
STANCE_MODALITY = ("stances.modality.kappa", "stances.modality.alpha")


@pytest.mark.parametrize("pair", sorted(GOLDEN))
def test_every_measure_of_every_pair_matches_the_hand_computation(result, pair):
    got = result.pair(*pair)
    assert [m.id for m in got.measures] == list(ag.MEASURE_IDS)
    assert set(GOLDEN[pair]) == set(ag.MEASURE_IDS) - set(STANCE_MODALITY)
    for mid in STANCE_MODALITY:
        assert got[mid].value is None and "schema 1.0" in got[mid].reason, mid
    for mid, gold in GOLDEN[pair].items():
        m = got[mid]
        assert m.value == pytest.approx(float(gold), abs=1e-12), mid
        assert m.reason is None, (mid, m.reason)
    for mid, (p, r) in GOLDEN_PR.get(pair, {}).items():
        assert (got[mid].p, got[mid].r) == pytest.approx((float(p), float(r)), abs=1e-12), mid
    for mid, n in GOLDEN_N.get(pair, {}).items():
        assert got[mid].n == n, mid


def test_mean_over_pairs_and_alpha_over_all_annotators(result):
    assert result.annotators == list(NAMES)
    assert [(p.a, p.b) for p in result.pairs] == [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]
    mean = {m.id: m for m in result.mean}
    assert list(mean) == list(ag.MEASURE_IDS)
    for mid in STANCE_MODALITY:
        assert mean[mid].value is None and mean[mid].reason == "undefined for every pair"
    for mid in set(ag.MEASURE_IDS) - set(STANCE_MODALITY):
        expected = sum(GOLDEN[p][mid] for p in GOLDEN) / 3
        assert mean[mid].value == pytest.approx(float(expected), abs=1e-12), mid
        assert mean[mid].n == 3
    # spot checks of the means, by hand: (4/7 + 1 + 4/7)/3 = 5/7; (1/4 + 1 + 1/2)/3 = 7/12
    assert mean["sentences.f1"].value == pytest.approx(5 / 7, abs=1e-12)
    assert mean["stances.tuple.f1"].value == pytest.approx(7 / 12, abs=1e-12)
    overall = {m.id: m for m in result.overall}
    # Mention types, one unit per span anyone marked (11; "the West" has one value
    # and drops out, so 10 pairable units):
    #   8 GPE spans x 3 coders: o_GPE,GPE += 3*2/(3-1) = 3 each -> 24
    #   NATO (ORG, GROUP, ORG): o_ORG,GROUP = o_GROUP,ORG = 2/2 = 1, o_ORG,ORG = 1
    #   West (GROUP, -, GPE):    o_GROUP,GPE = o_GPE,GROUP = 1
    #   n_GPE = 25, n_ORG = 2, n_GROUP = 2, n = 29; disagreeing o = 4
    #   α = 1 - (n-1)*4 / Σ_{c≠k} n_c n_k = 1 - 28*4 / (2*(50 + 50 + 4)) = 96/208 = 6/13
    assert overall["mentions.type.alpha"].value == pytest.approx(6 / 13, abs=1e-12)
    assert overall["mentions.type.alpha"].n == 10
    # Relation modality, one unit per typed triple (6; bob's ACCUSE and WARN->"the West"
    # have one value each, so 4 pairable units):
    #   SUPPORT (AS, AS, AS): o_AS,AS += 3; CRITICIZE (AS, -, AS) += 2; WARN (AS, -, AS) += 2
    #   RIVAL (AS, HYP, HYP): o_AS,HYP = o_HYP,AS = 1, o_HYP,HYP = 1
    #   n_AS = 8, n_HYP = 2, n = 10: α = 1 - 9*2 / (2*8*2) = 7/16
    assert overall["relations.modality.alpha"].value == pytest.approx(7 / 16, abs=1e-12)
    assert overall["relations.modality.alpha"].n == 4
    assert overall["stances.label.alpha"].value is None
    assert "pair by pair" in overall["stances.label.alpha"].reason
    assert overall["stances.modality.alpha"].value is None
    assert "pair by pair" in overall["stances.modality.alpha"].reason


def test_two_annotators_give_the_pair_only(records):
    r = ag.agree({"bob": records["bob"], "alice": records["alice"]})
    assert [(p.a, p.b) for p in r.pairs] == [("bob", "alice")]  # the mapping's order, A first
    assert r.mean == [] and r.overall == []
    with pytest.raises(ValueError, match="two or more"):
        ag.agree({"alice": records["alice"]})


def test_stances_are_asymmetric_and_the_rest_is_not(records):
    # alice->bob: tuple 1/4, pair 1/2; bob->alice maps bob's e3 (Beijing, it) onto
    # alice's e1, so t2 matches too: tuple 2/4, pair 3/4 (as bob vs carol above).
    ab = {m.id: m for m in ag.compare(records["alice"], records["bob"])}
    ba = {m.id: m for m in ag.compare(records["bob"], records["alice"])}
    assert (ab["stances.tuple.f1"].value, ba["stances.tuple.f1"].value) == (0.25, 0.5)
    assert (ab["stances.pair.f1"].value, ba["stances.pair.f1"].value) == (0.5, 0.75)
    for mid in ag.MEASURE_IDS:
        if mid.startswith("stances."):
            continue
        assert ab[mid].value == pytest.approx(ba[mid].value, abs=1e-12), mid
        if ab[mid].p is not None:
            assert (ab[mid].p, ab[mid].r) == pytest.approx((ba[mid].r, ba[mid].p), abs=1e-12), mid


def test_an_annotation_against_itself(records):
    # Everything is 1.0, except where alice uses a single label: she marks every
    # relation ASSERTED, so modality κ and α are undefined (chance agreement 1).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = {m.id: m for m in ag.compare(records["alice"], records["alice"])}
    for mid, m in got.items():
        if mid.startswith(("relations.modality", "stances.modality")):
            assert m.value is None and m.reason, mid
        else:
            assert m.value == 1.0, mid
    assert "κ is undefined" in got["relations.modality.kappa"].reason
    assert "α is undefined" in got["relations.modality.alpha"].reason


# ---------------------------------------------------------------- F1 conventions


def test_f1_conventions():
    m = ag.f1_measure("x", "x", 2, 4, 3)  # P = 2/3, R = 2/4, F1 = 2*2/7
    assert (m.p, m.r, m.value, m.n, m.n_a, m.n_b) == pytest.approx((2 / 3, 0.5, 4 / 7, 2, 4, 3))
    both = ag.f1_measure("x", "x", 0, 0, 0)
    assert (both.p, both.r, both.value) == (1.0, 1.0, 1.0) and "both" in both.reason
    one = ag.f1_measure("x", "x", 0, 3, 0)
    assert (one.p, one.r, one.value) == (0.0, 0.0, 0.0) and "B has no item" in one.reason
    assert ag.f1_measure("x", "x", 0, 2, 2).value == 0.0
    with pytest.raises(ValueError):
        ag.f1_measure("x", "x", 3, 2, 5)


def test_empty_annotations_agree_on_nothing_and_do_not_crash():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = {m.id: m for m in ag.compare([], [])}
    for mid in ("sentences.f1", "mentions.exact.f1", "coref.conll.f1", "stances.tuple.f1", "relations.typed.f1"):
        assert got[mid].value == 1.0, mid
    for mid in ("mentions.type.kappa", "mentions.type.alpha", "stances.label.kappa", "stances.source.agreement", "relations.modality.alpha"):
        assert got[mid].value is None and got[mid].reason, mid


# ---------------------------------------------------------------- sentences and mentions


def _sent(i, s, e):
    return {"kind": "sentence", "id": f"s{i}", "start": s, "end": e}


def _m(i, s, e, typ="GPE", ent=None):
    return {"kind": "mention", "id": f"m{i}", "start": s, "end": e, "type": typ, "entity": ent or f"e{i}"}


def test_sentence_f1_is_over_spans_not_boundaries():
    # A: [0,10) [11,20) [21,30); B: [0,10) [11,30). Matched 1: P = 1/2, R = 1/3, F1 = 2/5.
    # (Over boundary offsets B would have found 10 and 30 of A's 10, 20, 30.)
    a = [_sent(1, 0, 10), _sent(2, 11, 20), _sent(3, 21, 30)]
    b = [_sent(1, 0, 10), _sent(2, 11, 30)]
    m = ag.sentence_f1(a, b)
    assert (m.p, m.r, m.value) == pytest.approx((0.5, 1 / 3, 0.4))


def test_overlap_matching_rules():
    # Largest overlap first: (0,20)~(4,20) overlap 16 beats (0,20)~(4,11) 7.
    assert ag.overlap_matching([(0, 20), (4, 11)], [(4, 11), (4, 20)]) == [((0, 20), (4, 20)), ((4, 11), (4, 11))]
    # Equal overlap (7): the smaller union wins, so the exact match is kept.
    assert ag.overlap_matching([(4, 11)], [(0, 20), (4, 11)]) == [((4, 11), (4, 11))]
    # Equal overlap and union: position decides, A's start then B's start.
    #   (0,4)~(2,6) and (4,8)~(2,6): overlap 2, union 6 each; (0,4) comes first.
    assert ag.overlap_matching([(0, 4), (4, 8)], [(2, 6)]) == [((0, 4), (2, 6))]
    #   (2,6)~(0,4) and (2,6)~(4,8): B's start decides.
    assert ag.overlap_matching([(2, 6)], [(4, 8), (0, 4)]) == [((2, 6), (0, 4))]
    # One-to-one: a span is used once. Adjacent spans do not overlap.
    assert ag.overlap_matching([(0, 10)], [(0, 5), (5, 10)]) == [((0, 10), (0, 5))]
    assert ag.overlap_matching([(0, 5)], [(5, 9)]) == []


spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1])), max_size=8, unique=True)


@settings(max_examples=200, deadline=None)
@given(spans, spans)
def test_overlap_matching_contains_every_exact_match_and_is_one_to_one(sa, sb):
    pairs = ag.overlap_matching(sa, sb)
    assert len({x for x, _ in pairs}) == len(pairs) == len({y for _, y in pairs})
    assert all(min(x[1], y[1]) > max(x[0], y[0]) for x, y in pairs)
    assert {(s, s) for s in set(sa) & set(sb)} <= set(pairs)
    a = [_m(i, s, e) for i, (s, e) in enumerate(sa, 1)]
    b = [_m(i, s, e) for i, (s, e) in enumerate(sb, 1)]
    got = {m.id: m.value for m in ag.mention_measures(a, b)}
    assert got["mentions.overlap.f1"] >= got["mentions.exact.f1"]


def test_type_agreement_over_exact_matches_only():
    # Exact pairs: (0,5) GPE/GPE, (6,9) ORG/GROUP; (10,14) vs (10,15) only overlaps.
    # κ: p_o = 1/2; A: GPE 1/2, ORG 1/2; B: GPE 1/2, GROUP 1/2; p_e = 1/4 -> κ = 1/3.
    a = [_m(1, 0, 5, "GPE"), _m(2, 6, 9, "ORG"), _m(3, 10, 14, "LOC")]
    b = [_m(1, 0, 5, "GPE"), _m(2, 6, 9, "GROUP"), _m(3, 10, 15, "GPE")]
    got = {m.id: m for m in ag.mention_measures(a, b)}
    assert got["mentions.type.kappa"].value == pytest.approx(1 / 3)
    assert got["mentions.type.kappa"].n == 2
    # α: 4 values GPE 2, ORG 1, GROUP 1: 1 - 3*2/(2*(2 + 2 + 1)) = 2/5
    assert got["mentions.type.alpha"].value == pytest.approx(0.4)
    assert ag.type_confusion(a, b) == {("GPE", "GPE"): 1, ("ORG", "GROUP"): 1}


# ---------------------------------------------------------------- κ and α


def test_kappa_is_sklearns_and_alpha_matches_krippendorffs_own_example():
    a = ["x", "x", "y", "z", "y", "x"]
    b = ["x", "y", "y", "z", "x", "x"]
    assert ag.cohen_kappa(a, b) == (pytest.approx(cohen_kappa_score(a, b), abs=1e-15), None)
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the
    # nominal example with 4 coders and 12 units (values 1..5, "." missing):
    #   A: 1 2 3 3 2 1 4 1 2 . . .      B: 1 2 3 3 2 2 4 1 2 5 . 3
    #   C: . 3 3 3 2 3 4 2 2 5 1 .      D: 1 2 3 3 2 4 4 1 2 5 1 .
    # The paper reports α_nominal = 0.743 (unit 12 has one value and drops out).
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3", ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    coders = [[None if v == "." else f"v{v}" for v in r.split()] for r in rows]
    alpha, n, reason = ag.krippendorff_alpha(list(zip(*coders)))
    assert (round(alpha, 3), n, reason) == (0.743, 11, None)


def test_degenerate_kappa_and_alpha_give_none_with_a_reason_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.cohen_kappa([], []) == (None, "no item to compare")
        k, why = ag.cohen_kappa(["x", "x", "x"], ["x", "x", "x"])
        assert k is None and "chance agreement is 1" in why
        # one label each, but different labels: p_o = 0, p_e = 0 -> κ = 0 (defined)
        assert ag.cohen_kappa(["x", "x"], ["y", "y"]) == (0.0, None)
        assert ag.krippendorff_alpha([]) == (None, 0, "no unit has values from two annotators")
        assert ag.krippendorff_alpha([("x", None), (None, "y")])[0] is None
        a, n, why = ag.krippendorff_alpha([("x", "x"), ("x", "x")])
        assert (a, n) == (None, 2) and "expected disagreement is 0" in why
        # a value seen only in a unit with one value does not rescue α
        a, n, why = ag.krippendorff_alpha([("x", "x"), ("y", None)])
        assert (a, n) == (None, 1) and why
    with pytest.raises(ValueError):
        ag.cohen_kappa(["x"], ["x", "y"])


# ---------------------------------------------------------------- entity alignment and stances


def _e(i, *mentions):
    return {"kind": "entity", "id": f"e{i}", "mentions": list(mentions)}


def _t(i, h, t, label, source="AUTHOR", explicit=True):
    return {"kind": "stance", "id": f"t{i}", "holder": h, "target": t, "label": label, "source": source, "explicit": explicit}


# three distinct labels of the inventory (the measures do not depend on which)
FAVOR, AGAINST, NEUTRAL = STANCE_LABELS[:3]


def test_alignment_prefers_most_shared_mentions_then_lowest_id_by_number():
    a = [_m(1, 0, 2, ent="e1"), _m(2, 3, 5, ent="e1"), _m(3, 6, 8, ent="e1"), _m(4, 9, 11, ent="e2")]
    # A's e1 mentions sit in B's e10 (2 of them) and e2 (1): e10 wins on count.
    b = [_m(1, 0, 2, ent="e10"), _m(2, 3, 5, ent="e10"), _m(3, 6, 8, ent="e2"), _m(4, 20, 22, ent="e3")]
    assert ag.align_entities(a, b) == {"e1": "e10"}  # A's e2 has no matched mention
    # A tie (1 and 1) goes to the lowest id by number: e2 before e10.
    b2 = [_m(1, 0, 2, ent="e10"), _m(2, 3, 5, ent="e2")]
    assert ag.align_entities(a, b2) == {"e1": "e2"}


def test_stance_pairing_label_then_source_and_the_diagnostics():
    # A: e1 (m1), e2 (m2), e3 (m3); B: same spans, entities e7, e8, e9.
    a = [_m(1, 0, 2, ent="e1"), _m(2, 3, 5, ent="e2"), _m(3, 6, 8, ent="e3")]
    b = [_m(1, 0, 2, ent="e7"), _m(2, 3, 5, ent="e8"), _m(3, 6, 8, ent="e9")]
    a += [
        _t(1, "e1", "e2", FAVOR, "AUTHOR", True),
        _t(2, "e1", "e2", AGAINST, "e3", False),  # same pair, other source (e3 -> e9)
        _t(3, "e2", "e1", NEUTRAL),               # B has no e8 -> e7 stance
    ]
    b += [
        _t(1, "e7", "e8", AGAINST, "e9", True),
        _t(2, "e7", "e8", FAVOR, "AUTHOR", False),
    ]
    pairs = ag.pair_stances(a, b)
    # label first: A t1 FAVOR ~ B t2 FAVOR; A t2 AGAINST ~ B t1 AGAINST
    assert [(p.a["id"], p.b["id"], p.a_source) for p in pairs] == [("t1", "t2", "AUTHOR"), ("t2", "t1", "e9")]
    got = {m.id: m for m in ag.stance_measures(a, b)}
    # tuple: 2 matched of A 3, B 2: P = 1, R = 2/3, F1 = 4/5; pair: the same
    assert got["stances.tuple.f1"].value == pytest.approx(0.8)
    assert got["stances.pair.f1"].value == pytest.approx(0.8)
    # label κ: (FAVOR, FAVOR), (AGAINST, AGAINST): p_o = 1, p_e = 1/2 -> 1
    assert got["stances.label.kappa"].value == 1.0
    # source: both translated sources agree (AUTHOR, e3 -> e9): 2/2; explicit: (T,F) and (F,T): 0/2
    assert (got["stances.source.agreement"].value, got["stances.source.agreement"].n) == (1.0, 2)
    assert got["stances.explicit.agreement"].value == 0.0


def test_evidence_agreement_counts_matched_stances_with_the_same_spans():
    a = [_m(1, 0, 2, ent="e1"), _m(2, 3, 5, ent="e2"), _m(3, 6, 8, ent="e3")]
    b = copy.deepcopy(a)
    ev = lambda *spans: [{"start": x, "end": y} for x, y in spans]  # noqa: E731
    a += [dict(_t(1, "e1", "e2", FAVOR), evidence=ev((0, 5))), dict(_t(2, "e1", "e3", AGAINST), evidence=ev((0, 2), (6, 8)))]
    # t1: the same span; t2: one span of two differs (by its end): not the same evidence
    b += [dict(_t(1, "e1", "e2", FAVOR), evidence=ev((0, 5))), dict(_t(2, "e1", "e3", AGAINST), evidence=ev((0, 2), (6, 7)))]
    got = {m.id: m for m in ag.stance_measures(a, b)}
    assert (got["stances.evidence.agreement"].value, got["stances.evidence.agreement"].n) == (0.5, 2)


def test_same_label_same_source_is_paired_first():
    a = [_m(1, 0, 2, ent="e1"), _m(2, 3, 5, ent="e2"), _m(3, 6, 8, ent="e3")]
    b = copy.deepcopy(a)
    a += [_t(1, "e1", "e2", AGAINST, "AUTHOR")]
    # B's t1 has the same label but another source; B's t2 the same label and source.
    b += [_t(1, "e1", "e2", AGAINST, "e3"), _t(2, "e1", "e2", AGAINST, "AUTHOR")]
    assert [(p.a["id"], p.b["id"]) for p in ag.pair_stances(a, b)] == [("t1", "t2")]


# ---------------------------------------------------------------- relations


def _r(i, typ, h, t, modality):
    return {"kind": "relation", "id": f"r{i}", "type": typ, "head": h, "tail": t, "modality": modality}


SYMMETRIC = sorted(SYMMETRIC_TYPES)[0]
DIRECTED = next(t for t in RELATION_TYPES if t not in SYMMETRIC_TYPES)
OTHER_DIRECTED = next(t for t in RELATION_TYPES if t not in SYMMETRIC_TYPES and t != DIRECTED)


def test_relations_symmetric_types_ignore_direction_directed_types_do_not():
    mentions = [_m(1, 0, 2), _m(2, 3, 5), _m(3, 6, 8)]
    m1, m2 = MODALITIES[0], MODALITIES[1]
    a = mentions + [_r(1, SYMMETRIC, "m1", "m2", m1), _r(2, DIRECTED, "m1", "m3", m1), _r(3, DIRECTED, "m2", "m3", m1)]
    b = mentions + [
        _r(1, SYMMETRIC, "m2", "m1", m2),        # reversed symmetric: a typed match
        _r(2, DIRECTED, "m3", "m1", m1),         # reversed directed: no match, typed or not
        _r(3, OTHER_DIRECTED, "m2", "m3", m1),   # other type, same direction: untyped match only
    ]
    got = {m.id: m for m in ag.relation_measures(a, b)}
    assert (got["relations.typed.f1"].value, got["relations.typed.f1"].n) == (pytest.approx(1 / 3), 1)
    # untyped: symmetric pair (in text order) and r3: 2 of 3
    assert (got["relations.untyped.f1"].value, got["relations.untyped.f1"].n) == (pytest.approx(2 / 3), 2)
    assert got["relations.untyped.f1"].diagnostic
    # modality over the one typed match: (m1, m2) -> two values, one unit each:
    # κ: p_o = 0, p_e = 0 -> 0; α: 1 - 1*2/(2*1*1) = 0
    assert got["relations.modality.kappa"].value == 0.0
    assert got["relations.modality.alpha"].value == 0.0


def test_relations_go_through_exact_mention_spans():
    a = [_m(1, 0, 2), _m(2, 3, 5), _r(1, DIRECTED, "m1", "m2", MODALITIES[0])]
    b = [_m(1, 0, 2), _m(2, 3, 6), _r(1, DIRECTED, "m1", "m2", MODALITIES[0])]  # tail 3:6, not 3:5
    got = {m.id: m.value for m in ag.relation_measures(a, b)}
    assert (got["relations.typed.f1"], got["relations.untyped.f1"]) == (0.0, 0.0)
    # mention ids do not matter, spans do
    b = [_m(7, 3, 5), _m(9, 0, 2), _r(4, DIRECTED, "m9", "m7", MODALITIES[0])]
    assert ag.relation_measures(a, b)[0].value == 1.0


# ---------------------------------------------------------------- stance modality (scheme 1.1)

FIX_11 = Path(__file__).parent / "fixtures" / "build-1.1"


def test_stance_modality_kappa_and_alpha_of_two_1_1_passes():
    """llm-1 vs llm-2 of the 1.1 fixture (llm-2 calls the question of s1 an
    assertion). Hand computation in tests/test_endtoend.py: κ = 12/17, α = 8/11
    over the 5 tuple-matched stances; relations κ = 5/9, α = 10/17."""
    from geostance.core import jsonl

    raw = FIX_11 / "annotations" / "raw" / "modality-mix"
    r = ag.agree({n: jsonl.load_records(raw / f"{n}.jsonl") for n in ("llm-1", "llm-2")})
    p = r.pair("llm-1", "llm-2")
    assert p["stances.modality.kappa"].value == pytest.approx(12 / 17, abs=1e-12)
    assert p["stances.modality.alpha"].value == pytest.approx(8 / 11, abs=1e-12)
    assert (p["stances.modality.kappa"].n, p["stances.modality.alpha"].n) == (5, 5)
    assert p["relations.modality.kappa"].value == pytest.approx(5 / 9, abs=1e-12)
    assert p["stances.tuple.f1"].value == 1.0  # modality is not part of the matching


def test_stance_modality_counts_only_stances_that_have_one_on_both_sides():
    a = [{"kind": "mention", "id": "m1", "start": 0, "end": 4, "type": "GPE", "entity": "e1"},
         {"kind": "mention", "id": "m2", "start": 5, "end": 9, "type": "GPE", "entity": "e2"},
         {"kind": "stance", "id": "t1", "holder": "e1", "target": "e2", "label": "FAVOR", "source": "AUTHOR",
          "explicit": True, "modality": "HYPOTHETICAL"},
         {"kind": "stance", "id": "t2", "holder": "e2", "target": "e1", "label": "AGAINST", "source": "AUTHOR",
          "explicit": True, "modality": "ASSERTED"}]
    b = [dict(x, modality="ASSERTED") if x["id"] == "t1" else x for x in a]
    got = {m.id: m for m in ag.compare(a, b)}
    # two units: (HYP, AS), (AS, AS): p_o = 1/2, p_e = (1/2)(0) + (1/2)(1) = 1/2: κ = 0; α: n = 4
    # (AS 3, HYP 1): D_o = 2/4, D_e = 2*3/(4*3) = 1/2: α = 0
    assert (got["stances.modality.kappa"].value, got["stances.modality.alpha"].value) == (0.0, 0.0)
    # without modality on one side (a pass of schema 1.0), nothing to compare
    c = [{k: v for k, v in x.items() if k != "modality"} for x in a]
    got = {m.id: m for m in ag.compare(a, c)}
    assert got["stances.modality.kappa"].value is None and "schema 1.0" in got["stances.modality.kappa"].reason
    assert got["stances.tuple.f1"].value == 1.0
