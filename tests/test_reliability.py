"""Krippendorff's α over a panel of passes: units aligned across all passes, values by hand."""

from __future__ import annotations

import pytest

from geostance.agreement.reliability import panel_alpha, units

B = {"schema_version": "1.1", "doc_id": "d"}
TEXT = "Oman and Fiji met; Chile backed Peru."


def mention(i: int, text: str, typ: str = "GPE", entity: int | None = None) -> dict:
    start = TEXT.index(text)
    return {**B, "kind": "mention", "id": f"m{i}", "start": start, "end": start + len(text), "text": text, "type": typ,
            "form": "NAME", "entity": f"e{entity or i}", "metonymy": False}


def passes(variant: dict[str, dict]) -> dict[str, list[dict]]:
    out = {}
    for name, v in variant.items():
        names = ["Oman", "Fiji", "Chile", "Peru"]
        recs = [mention(i, n, v.get("types", {}).get(n, "GPE")) for i, n in enumerate(names, 1)]
        recs += [{**B, "kind": "entity", "id": f"e{i}", "name": n, "type": v.get("types", {}).get(n, "GPE"), "mentions": [f"m{i}"]}
                 for i, n in enumerate(names, 1)]
        for j, (h, t, label, modality) in enumerate(v.get("stances", []), 1):
            recs.append({**B, "kind": "stance", "id": f"t{j}", "holder": f"e{h}", "target": f"e{t}", "label": label,
                         "evidence": [{"start": 25, "end": 31, "text": "backed"}], "source": "AUTHOR", "explicit": True, "modality": modality})
        for j, (h, t, typ, modality) in enumerate(v.get("relations", []), 1):
            recs.append({**B, "kind": "relation", "id": f"r{j}", "type": typ, "head": f"m{h}", "tail": f"m{t}",
                         "evidence": ["s1"], "modality": modality, "source": "AUTHOR"})
        out[name] = recs
    return out


def test_units_join_entities_across_passes_and_keep_several_values_as_one() -> None:
    p = passes({
        "a": {"stances": [(3, 4, "FAVOR", "ASSERTED")], "relations": [(3, 4, "SUPPORT", "ASSERTED")]},
        "b": {"stances": [(3, 4, "FAVOR", "ALLEGED"), (3, 4, "AGAINST", "ASSERTED")], "relations": [(3, 4, "SUPPORT", "ASSERTED")]},
        "c": {"relations": [(1, 2, "CONSULT", "ASSERTED")]},
    })
    u = units(p)
    chile, peru = (TEXT.index("Chile"), TEXT.index("Chile") + 5), (TEXT.index("Peru"), TEXT.index("Peru") + 4)
    assert u["stances.label.alpha"] == [("FAVOR", "AGAINST+FAVOR", None)]
    assert sorted(u["stances.modality.alpha"], key=repr) == sorted([(None, "ASSERTED", None), ("ASSERTED", "ALLEGED", None)], key=repr)
    assert ("SUPPORT", "SUPPORT", None) in u["relations.type.alpha"] and (None, None, "CONSULT") in u["relations.type.alpha"]
    assert len(u["mentions.type.alpha"]) == 4 and all(v == ("GPE",) * 3 for v in u["mentions.type.alpha"])
    assert chile < peru


def test_alpha_values_by_hand() -> None:
    # relation type units: (Chile, Peru): SUPPORT, SUPPORT, CRITICIZE; (Oman, Fiji): CONSULT, CONSULT, CONSULT.
    # Coincidences: SS = 2/2 + 0 = 1 ... per unit u with m_u values, o_ck += n_uc * n_uk' / (m_u - 1):
    #   unit 1: o_SS = 2*1/2 = 1, o_SC = o_CS = 2*1/2 = 1; unit 2: o_NN = 3*2/2 = 3 (N = CONSULT).
    #   n = 6, n_S = 2, n_C = 1, n_N = 3.  D_o = (o_SC + o_CS) / n = 2/6.
    #   D_e = sum_{c != k} n_c n_k / (n (n - 1)) = 2 (2*1 + 2*3 + 1*3) / 30 = 22/30.  α = 1 - (2/6) / (22/30) = 6/11.
    p = passes({
        "a": {"relations": [(3, 4, "SUPPORT", "ASSERTED"), (1, 2, "CONSULT", "ASSERTED")]},
        "b": {"relations": [(3, 4, "SUPPORT", "ASSERTED"), (1, 2, "CONSULT", "ASSERTED")]},
        "c": {"relations": [(3, 4, "CRITICIZE", "ASSERTED"), (1, 2, "CONSULT", "ASSERTED")]},
    })
    ms = {m.id: m for m in panel_alpha(p)}
    assert ms["relations.type.alpha"].value == pytest.approx(6 / 11)
    assert ms["relations.type.alpha"].n == 2
    # every relation is ASSERTED: one value only, α undefined and said so
    assert ms["relations.modality.alpha"].value is None and "only the value 'ASSERTED'" in ms["relations.modality.alpha"].reason
    # no stances at all
    assert ms["stances.label.alpha"].value is None and ms["stances.label.alpha"].reason == "no unit has values from two annotators"


def test_mention_type_alpha_perfect_and_one_pass_refused() -> None:
    p = passes({"a": {"types": {"Oman": "ORG"}}, "b": {"types": {"Oman": "ORG"}}})
    ms = {m.id: m for m in panel_alpha(p)}
    assert ms["mentions.type.alpha"].value == pytest.approx(1.0) and ms["mentions.type.alpha"].n == 4
    with pytest.raises(ValueError):
        panel_alpha({"a": p["a"]})
