"""MUC, B³, CEAF-e and CoNLL against examples computed by hand from the papers.

Every golden number below is worked out by hand in the comment beside it.
The same numbers were also cross-checked once, outside the test suite,
against scorch 0.2.0 (an independent Python implementation of the CoNLL
reference scorer's formulas, installed in a throw-away environment; it is
not a dependency): they agree to the last printed digit.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geostance.metrics import coref

# Luo (2005), "On Coreference Resolution Performance Metrics", Figure 1:
# the key has three entities over twelve mentions 1..9, A, B, C.
LUO_KEY = [set("12345"), set("67"), set("89ABC")]
LUO_RESPONSES = {
    "a": [set("12345"), set("6789ABC")],
    "b": [set("1234589ABC"), set("67")],
    "c": [set("123456789ABC")],
    "d": [{c} for c in "123456789ABC"],
}


def test_muc_classic_example_vilain_1995():
    # Key {A,B,C,D}, response {A,B} {C,D}.
    # R = (|K| - |p(K)|) / (|K| - 1) = (4 - 2) / 3 = 2/3
    # P = ((2 - 1) + (2 - 1)) / ((2 - 1) + (2 - 1)) = 2/2 = 1
    # F1 = 2 * 2/3 * 1 / (2/3 + 1) = 4/5
    s = coref.muc([{"A", "B", "C", "D"}], [{"A", "B"}, {"C", "D"}])
    assert (s.r, s.p, s.f1) == pytest.approx((2 / 3, 1.0, 0.8), abs=1e-15)
    # Swapping key and response swaps R and P (Vilain et al.'s symmetry).
    t = coref.muc([{"A", "B"}, {"C", "D"}], [{"A", "B", "C", "D"}])
    assert (t.r, t.p, t.f1) == pytest.approx((1.0, 2 / 3, 0.8), abs=1e-15)


# (R, P, F1) per response, by hand; key links: (5-1) + (2-1) + (5-1) = 9.
LUO_MUC = {
    # (a) R: each key entity in one response entity -> 9/9.
    #     P: {1..5}: 5-1 = 4; {6..C}: 7 - 2 parts = 5; over (4 + 6) -> 9/10. F = 18/19
    "a": (F(1), F(9, 10), F(18, 19)),
    # (b) P: {1..5,8..C}: 10 - 2 = 8; {6,7}: 1; over (9 + 1) -> 9/10. F = 18/19
    "b": (F(1), F(9, 10), F(18, 19)),
    # (c) P: 12 - 3 parts = 9 over 11. F = 2 * 9/11 / (20/11) = 9/10
    "c": (F(1), F(9, 11), F(9, 10)),
    # (d) no response link: R = 0/9 = 0, P = 0/0 -> 0 (reference scorer), F = 0
    "d": (F(0), F(0), F(0)),
}
LUO_B3 = {
    # (a) R = 1 (every key entity inside one response entity).
    #     P = (5 * 5/5 + 2 * 2/7 + 5 * 5/7) / 12 = (5 + 29/7) / 12 = 16/21; F = 32/37
    "a": (F(1), F(16, 21), F(32, 37)),
    # (b) P = ((25 + 25)/10 + 4/2) / 12 = 7/12; F = 14/19
    "b": (F(1), F(7, 12), F(14, 19)),
    # (c) P = ((25 + 4 + 25)/12) / 12 = 3/8; F = 6/11
    "c": (F(1), F(3, 8), F(6, 11)),
    # (d) R = (5 * 1/5 + 2 * 1/2 + 5 * 1/5) / 12 = 1/4, P = 1; F = 2/5
    "d": (F(1, 4), F(1), F(2, 5)),
}
LUO_CEAFE = {
    # (a) φ4({1..5},{1..5}) = 1, φ4({8..C},{6..C}) = 10/12; Φ = 11/6.
    #     R = Φ/3 = 11/18, P = Φ/2 = 11/12, F = 2Φ/(3+2) = 11/15
    "a": (F(11, 18), F(11, 12), F(11, 15)),
    # (b) φ4({1..5},{1..5,8..C}) = 10/15, φ4({6,7},{6,7}) = 1; Φ = 5/3.
    #     R = 5/9, P = 5/6, F = 2/3
    "b": (F(5, 9), F(5, 6), F(2, 3)),
    # (c) one response entity: best φ4 = 2*5/(5+12) = 10/17.
    #     R = 10/51, P = 10/17, F = 2Φ/4 = 5/17
    "c": (F(10, 51), F(10, 17), F(5, 17)),
    # (d) best: {1..5}~{x}: 2/6, {6,7}~{x}: 2/3, {8..C}~{x}: 2/6; Φ = 4/3.
    #     R = 4/9, P = 4/36 = 1/9, F = 2Φ/15 = 8/45
    "d": (F(4, 9), F(1, 9), F(8, 45)),
}


@pytest.mark.parametrize("name", sorted(LUO_RESPONSES))
def test_luo_2005_figure_1(name):
    resp = LUO_RESPONSES[name]
    for fn, gold in ((coref.muc, LUO_MUC), (coref.b_cubed, LUO_B3), (coref.ceaf_e, LUO_CEAFE)):
        s = fn(LUO_KEY, resp)
        assert (s.r, s.p, s.f1) == pytest.approx(tuple(float(x) for x in gold[name]), abs=1e-12), fn.__name__
    # Luo's paper prints F for (a): MUC .947, B³ .865, CEAF-e .733
    if name == "a":
        assert [round(fn(LUO_KEY, resp).f1, 3) for fn in (coref.muc, coref.b_cubed, coref.ceaf_e)] == [0.947, 0.865, 0.733]
    expected_conll = (LUO_MUC[name][2] + LUO_B3[name][2] + LUO_CEAFE[name][2]) / 3
    assert coref.conll(LUO_KEY, resp) == pytest.approx(float(expected_conll), abs=1e-12)


def test_twinless_mentions_kept_as_given():
    # Key {a,b,c} {d}; response {a,b} {e} ("c" and "d" only in the key, "e" only
    # in the response).
    # MUC R = (3 - 2 parts: {a,b},{c}) / 2 = 1/2; P = (2 - 1) / 1 = 1.
    # B³ R = (2²/3 + 0 + 0) / 4 = 1/3 (d: no response entity holds it);
    #    P = (2²/2 + 0) / 3 = 2/3 (e: no key entity holds it).
    # CEAF-e: φ4({a,b,c},{a,b}) = 4/5, all others 0; R = (4/5)/2 = 2/5, P = 2/5.
    key, resp = [{"a", "b", "c"}, {"d"}], [{"a", "b"}, {"e"}]
    m, b, c = coref.muc(key, resp), coref.b_cubed(key, resp), coref.ceaf_e(key, resp)
    assert (m.r, m.p) == (0.5, 1.0)
    assert (b.r, b.p) == pytest.approx((1 / 3, 2 / 3), abs=1e-15)
    assert (c.r, c.p) == pytest.approx((0.4, 0.4), abs=1e-15)


def test_edge_cases_follow_the_documented_conventions():
    # Neither side has a link: 1.0 by the empty-set convention, with a note.
    s = coref.muc([{1}, {2}], [{1}, {3}])
    assert (s.r, s.p, s.f1) == (1.0, 1.0, 1.0)
    assert s.note and "reference scorer reports 0" in s.note
    # Only the response lacks links: R = 0/1, P = 0/0 -> 0 (reference scorer).
    assert coref.muc([{1, 2}], [{1}, {2}]) == coref.Score(0.0, 0.0, 0.0)
    # Nothing at all on both sides; on one side only.
    for fn in (coref.muc, coref.b_cubed, coref.ceaf_e):
        assert fn([], []).f1 == 1.0
        assert fn([{1, 2}], []).f1 == 0.0
        assert fn([], [{1, 2}]).f1 == 0.0
    # Empty clusters are ignored.
    assert coref.b_cubed([{1, 2}, set()], [{1, 2}]).f1 == 1.0


def test_a_mention_in_two_clusters_is_refused():
    with pytest.raises(ValueError, match="two clusters"):
        coref.b_cubed([{1, 2}, {2, 3}], [{1}])


def test_phi4_is_the_dice_coefficient():
    # 2 * |{3}| / (3 + 2) = 2/5
    assert coref.phi4({1, 2, 3}, {3, 4}) == 0.4
    assert coref.phi4({1}, {2}) == 0.0


def _brute_force_ceafe(key, resp):
    """CEAF-e by trying every one-to-one alignment (independent of scipy)."""
    k, r = [frozenset(c) for c in key], [frozenset(c) for c in resp]
    small, large, swap = (k, r, False) if len(k) <= len(r) else (r, k, True)
    best = 0.0
    for perm in itertools.permutations(range(len(large)), len(small)):
        total = math.fsum(coref.phi4(small[i], large[j]) for i, j in enumerate(perm))
        best = max(best, total)
    return best / len(k), best / len(r)


def _partition(elements, labels):
    groups = {}
    for e, lab in zip(elements, labels):
        groups.setdefault(lab, set()).add(e)
    return list(groups.values())


clusterings = st.integers(1, 7).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(clusterings)
def test_properties(data):
    lab_k, lab_r, in_k, in_r = data
    elems = list(range(len(lab_k)))
    key = _partition([e for e in elems if in_k[e]], [lab_k[e] for e in elems if in_k[e]])
    resp = _partition([e for e in elems if in_r[e]], [lab_r[e] for e in elems if in_r[e]])
    for fn in (coref.muc, coref.b_cubed, coref.ceaf_e):
        s, t = fn(key, resp), fn(resp, key)
        # swapping key and response swaps recall and precision
        assert (s.r, s.p) == pytest.approx((t.p, t.r), abs=1e-12)
        assert 0.0 <= s.r <= 1.0 and 0.0 <= s.p <= 1.0
        # a clustering against itself is perfect
        if key:
            assert fn(key, key).f1 == pytest.approx(1.0, abs=1e-12)
    if key and resp:
        c = coref.ceaf_e(key, resp)
        assert (c.r, c.p) == pytest.approx(_brute_force_ceafe(key, resp), abs=1e-12)
