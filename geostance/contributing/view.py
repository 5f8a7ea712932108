"""One self-contained HTML page for looking at a document's annotations.

The page needs nothing but itself: no stylesheet, font, image or script is
fetched (a Content-Security-Policy forbids it, and allows only the page's own
inline script, by its hash). It shows, per *layer* (gold, then each
annotator; radio buttons switch between them without script):

* the text, every mention highlighted by its type (a colour per type in
  the order of ``mention_type`` in ``schema/labels.schema.json``), nested
  mentions inside one another, a small sentence id before each sentence;
  hovering a mention (or an entity in the list) highlights every mention of
  its entity, clicking pins the highlight;
* the entities, with their type and mentions;
* the stances as a table (with their modality; "—" for a stance of schema
  1.0, which has none) and as a small holder -> target graph (inline SVG,
  entities on a circle, one arrow per holder, target and label, coloured by
  label, dashed when none of its stances is ASSERTED or of schema 1.0);
* the relations with their modality, source and evidence sentences.

Every piece of document text, label, name and note is HTML-escaped
(:func:`html.escape`); the script reads only ``data-`` attributes and never
writes markup. :func:`render` is pure: the same records give the same bytes.

The command line (``geostance view``) is :mod:`geostance.cli.view`.
"""

from __future__ import annotations

import base64
import hashlib
import math
from html import escape
from pathlib import Path
from typing import Any, Iterable

from geostance.core import jsonl, paths
from geostance.contract import records
from geostance.contributing.interop import check_records
from geostance.contributing.contribute import plural
from geostance.contract.labels import AUTHOR, MENTION_TYPES, STANCE_LABELS

Rec = dict[str, Any]

# Colours by position in the inventories (mention_type, stance_label of labels.schema.json).
TYPE_COLOURS = ("#d81b60", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#546e7a", "#c0ca33")
# stance_label order is FAVOR, AGAINST, NEUTRAL: green, red, grey
STANCE_COLOURS = ("#2e7d32", "#c62828", "#757575", "#5e35b1", "#00838f")


def _e(s: Any) -> str:
    """HTML-escape any value (quotes included, so it is safe in attributes too).

    >>> _e('<script>alert("x") & \\'y\\'</script>')
    '&lt;script&gt;alert(&quot;x&quot;) &amp; &#x27;y&#x27;&lt;/script&gt;'
    """
    return escape(str(s), quote=True)


def type_class(t: str) -> str:
    return f"t{MENTION_TYPES.index(t)}" if t in MENTION_TYPES else "tx"


def stance_colour(label: str) -> str:
    i = STANCE_LABELS.index(label) if label in STANCE_LABELS else len(STANCE_COLOURS) - 1
    return STANCE_COLOURS[i % len(STANCE_COLOURS)]


SCRIPT = """
(function () {
  document.documentElement.setAttribute('data-script', 'ran');
  var pinned = null;
  function mark(section, ent, on) {
    if (!section || !ent) return;
    var els = section.querySelectorAll('[data-e]');
    for (var i = 0; i < els.length; i++) {
      var ids = els[i].getAttribute('data-e').split(' ');
      if (ids.indexOf(ent) >= 0) els[i].classList.toggle('hl', on);
    }
  }
  function target(ev) {
    var el = ev.target.closest ? ev.target.closest('[data-e]') : null;
    return el ? {el: el, ent: el.getAttribute('data-e').split(' ')[0], section: el.closest('section')} : null;
  }
  document.addEventListener('mouseover', function (ev) { var t = target(ev); if (t && !pinned) mark(t.section, t.ent, true); });
  document.addEventListener('mouseout', function (ev) { var t = target(ev); if (t && !pinned) mark(t.section, t.ent, false); });
  document.addEventListener('click', function (ev) {
    var t = target(ev);
    if (pinned) { mark(pinned.section, pinned.ent, false); }
    if (t && (!pinned || pinned.ent !== t.ent || pinned.section !== t.section)) { pinned = t; mark(t.section, t.ent, true); }
    else { pinned = null; }
  });
})();
"""


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


def _css(n_layers: int) -> str:
    types = "\n".join(
        f".t{i}{{--c:{TYPE_COLOURS[i % len(TYPE_COLOURS)]}}}" for i in range(len(MENTION_TYPES))
    )
    switches = "\n".join(f"#L{i}:checked ~ main #layer{i}{{display:block}} #L{i}:checked ~ nav label[for=L{i}]{{background:#263238;color:#fff}}"
                         for i in range(n_layers))
    return f"""
body{{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}}
header{{padding:16px 28px 8px;background:#fff;border-bottom:1px solid #ddd}}
h1{{font-size:22px;margin:0 0 4px}} h2{{font-size:17px;margin:26px 0 8px}}
.meta{{color:#555;font-size:13px;margin:2px 0}}
nav{{padding:8px 28px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:2}}
nav label{{display:inline-block;padding:3px 12px;margin-right:6px;border:1px solid #90a4ae;border-radius:14px;cursor:pointer;font-size:13px}}
input.sw{{position:absolute;opacity:0;pointer-events:none}}
main{{padding:8px 28px 40px}}
section.layer{{display:none}}
{switches}
.legend span{{display:inline-block;margin:0 10px 4px 0;font-size:12px}}
.legend i{{display:inline-block;width:11px;height:11px;border-radius:2px;background:var(--c);margin-right:4px;vertical-align:-1px}}
.cols{{display:flex;gap:24px;align-items:flex-start}}
.text{{flex:3;background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px 18px;white-space:pre-wrap;line-height:2.25;font-size:16px}}
aside{{flex:1.2;background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 12px;font-size:13px;max-height:640px;overflow:auto}}
aside ul{{list-style:none;margin:0;padding:0}} aside li{{padding:2px 4px;border-radius:4px;cursor:pointer}}
.sid{{font-size:10px;color:#90a4ae;margin-right:2px;user-select:none}}
.m{{background:color-mix(in srgb,var(--c) 14%,transparent);border-bottom:2px solid var(--c);padding:1px 0;border-radius:2px;cursor:pointer;box-decoration-break:clone;-webkit-box-decoration-break:clone}}
.m .m{{background:color-mix(in srgb,var(--c) 26%,transparent);border-bottom-style:dotted}}
.hl,.m.hl{{background:#ffeb3b !important;outline:2px solid #f9a825}}
.chip{{display:inline-block;padding:0 6px;border-radius:9px;font-size:11px;color:#fff;background:var(--c,#607d8b);white-space:nowrap}}
table{{border-collapse:collapse;width:100%;background:#fff;font-size:13px}}
th,td{{border:1px solid #e0e0e0;padding:4px 6px;text-align:left;vertical-align:top}} th{{background:#eceff1}}
td.ev{{color:#444}} td.ev mark{{background:#fff3c4;font-weight:600;padding:0 1px}} .prov{{color:#78909c;font-size:11px}}
.graph{{background:#fff;border:1px solid #ddd;border-radius:6px;margin:6px 0 10px}}
.empty{{color:#888;font-style:italic}}
{types}
"""


# ------------------------------------------------------------------ text with mentions


def render_text(text: str, sentences: list[Rec], mentions: list[Rec], entities: dict[str, Rec], layer: str) -> str:
    """The text as HTML with sentence and mention spans; crossing spans are split into fragments.

    >>> s = [{"id": "s1", "start": 0, "end": 9, "text": "A <b> & C"}]
    >>> m = [{"id": "m1", "start": 2, "end": 5, "type": "GPE", "form": "NAME", "entity": "e1", "metonymy": False, "text": "<b>"}]
    >>> render_text("A <b> & C", s, m, {"e1": {"name": "B"}}, "gold")
    '<span class="s" id="gold-s1"><sup class="sid">s1</sup>A <span class="m t1" data-e="gold-e1" data-m="m1" title="m1 · GPE · NAME · entity e1 B">&lt;b&gt;</span> &amp; C</span>'
    """
    intervals = []
    for s in sentences:
        intervals.append((s["start"], s["end"], 0, s["id"], s))
    for m in mentions:
        intervals.append((m["start"], m["end"], 1, m["id"], m))
    intervals.sort(key=lambda x: (x[0], -x[1], x[2], records.id_number(x[3])))
    cuts = sorted({0, len(text)} | {x[0] for x in intervals} | {x[1] for x in intervals})
    out: list[str] = []
    stack: list[tuple] = []
    opened: set[str] = set()

    def open_tag(iv: tuple) -> str:
        start, end, kind, rid, r = iv
        if kind == 0:
            first = rid not in opened
            opened.add(rid)
            ident = f' id="{_e(layer)}-{_e(rid)}"' if first else ""
            if first and r.get("note"):
                ident += f' title="{_e(rid)}: {_e(r["note"])}"'
            sup = f'<sup class="sid">{_e(rid)}</sup>' if first else ""
            return f'<span class="s"{ident}>{sup}'
        ent = entities.get(r["entity"], {})
        title = f"{rid} · {r['type']} · {r['form']}{' · metonymy' if r['metonymy'] else ''} · entity {r['entity']} {ent.get('name', '?')}"
        return (f'<span class="m {type_class(r["type"])}" data-e="{_e(layer)}-{_e(r["entity"])}" data-m="{_e(rid)}" '
                f'title="{_e(title)}">')

    for a, b in zip(cuts, cuts[1:]):
        cover = [iv for iv in intervals if iv[0] <= a and b <= iv[1]]
        keep = 0
        while keep < len(stack) and keep < len(cover) and stack[keep] is cover[keep]:
            keep += 1
        out.append("</span>" * (len(stack) - keep))
        stack = stack[:keep]
        for iv in cover[keep:]:
            out.append(open_tag(iv))
            stack.append(iv)
        out.append(_e(text[a:b]))
    out.append("</span>" * len(stack))
    return "".join(out)


# ------------------------------------------------------------------ graph


def spread_slots(n: int) -> list[int]:
    """The slots 0..n-1 of a circle in an order that spreads the first ones apart
    (van der Corput sequence), so the busiest entities do not crowd one arc.

    >>> spread_slots(8)
    [0, 4, 2, 6, 1, 5, 3, 7]
    """
    out: list[int] = []
    taken: set[int] = set()
    k = 0
    while len(out) < n:
        v, denom, x = 0.0, 1.0, k
        while x:
            denom *= 2
            v += (x % 2) / denom
            x //= 2
        slot = int(v * n)
        while slot in taken:
            slot = (slot + 1) % n
        taken.add(slot)
        out.append(slot)
        k += 1
    return out


def marked(text: str, start: int, spans: list[tuple[int, int]]) -> str:
    """``text`` (which starts at offset ``start`` of the document) escaped, with ``spans`` in <mark>.

    >>> marked("Xing urged the West", 100, [(100, 104), (115, 119)])
    '<mark>Xing</mark> urged the <mark>West</mark>'
    """
    out, pos = [], 0
    for a, b in sorted(spans):
        a, b = a - start, b - start
        if a < pos or a < 0 or b > len(text):
            continue  # nested in the previous mark, or outside the sentence
        out.append(_e(text[pos:a]) + f"<mark>{_e(text[a:b])}</mark>")
        pos = b
    out.append(_e(text[pos:]))
    return "".join(out)


def stance_graph(stances: list[Rec], entities: dict[str, Rec], layer: str, width: int = 760, height: int = 520) -> str:
    """Inline SVG: the entities of the stances on a circle, one arrow per
    (holder, target, label); dashed when every stance it stands for has a
    modality other than ASSERTED (alleged, hypothetical or questioned)."""
    if not stances:
        return ""
    nodes: list[str] = []
    n_nodes = len({t["holder"] for t in stances} | {t["target"] for t in stances})
    if n_nodes <= 4:
        height = min(height, 320)
    for t in stances:
        for eid in (t["holder"], t["target"]):
            if eid not in nodes:
                nodes.append(eid)
    degree = {eid: sum((t["holder"] == eid) + (t["target"] == eid) for t in stances) for eid in nodes}
    nodes.sort(key=lambda e: (-degree[e], records.id_number(e)))
    cx, cy = width / 2, height / 2
    r = min(width, height) / 2 - 90
    pos = {}
    for eid, slot in zip(nodes, spread_slots(len(nodes))):
        ang = -math.pi / 2 + 2 * math.pi * slot / len(nodes)
        pos[eid] = (cx + r * math.cos(ang), cy + r * math.sin(ang), ang)
    edges: dict[tuple[str, str, str], list[str | None]] = {}
    for t in stances:
        edges.setdefault((t["holder"], t["target"], t["label"]), []).append(t.get("modality"))
    parts = [f'<svg class="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="stances: holder to target">', "<defs>"]
    for lab in STANCE_LABELS:
        parts.append(f'<marker id="{_e(layer)}-arr-{STANCE_LABELS.index(lab)}" viewBox="0 0 10 10" refX="10" refY="5" '
                     f'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{stance_colour(lab)}"/></marker>')
    parts.append("</defs>")
    seen_pair: dict[tuple[str, str], int] = {}
    for (h, tg, lab), mods in sorted(edges.items(), key=lambda kv: (records.id_number(kv[0][0]), records.id_number(kv[0][1]), kv[0][2])):
        n = len(mods)
        x1, y1, _ = pos[h]
        x2, y2, _ = pos[tg]
        k = seen_pair.get((h, tg), 0)
        seen_pair[(h, tg)] = k + 1
        dx, dy = x2 - x1, y2 - y1
        d = math.hypot(dx, dy) or 1.0
        # shorten to the node circles, bend by 18 px per parallel edge (and away from the reverse edge)
        sx, sy = x1 + dx / d * 12, y1 + dy / d * 12
        ex, ey = x2 - dx / d * 14, y2 - dy / d * 14
        bend = 18 * (k + 1)
        mx, my = (sx + ex) / 2 - dy / d * bend, (sy + ey) / 2 + dx / d * bend
        col = stance_colour(lab)
        idx = STANCE_LABELS.index(lab) if lab in STANCE_LABELS else 0
        named = sorted({m for m in mods if m is not None})
        title = (f"{entities.get(h, {}).get('name', h)} {lab} {entities.get(tg, {}).get('name', tg)}" + (f" ×{n}" if n > 1 else "")
                 + (f" ({', '.join(named)})" if named else ""))
        dashed = all(m is not None and m != "ASSERTED" for m in mods)
        parts.append(f'<path d="M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" fill="none" stroke="{col}" '
                     f'stroke-width="{1.6 + 0.8 * (n - 1):.1f}"' + (' stroke-dasharray="6 4"' if dashed else "")
                     + f' marker-end="url(#{_e(layer)}-arr-{idx})" data-e="{_e(layer)}-{_e(h)} {_e(layer)}-{_e(tg)}">'
                     f"<title>{_e(title)}</title></path>")
    for eid in nodes:
        x, y, ang = pos[eid]
        e = entities.get(eid, {})
        name = e.get("name", eid)
        short = name if len(name) <= 24 else name[:23] + "…"
        anchor = "start" if math.cos(ang) > 0.2 else "end" if math.cos(ang) < -0.2 else "middle"
        lx, ly = x + 14 * math.cos(ang), y + 14 * math.sin(ang) + (4 if abs(math.sin(ang)) < 0.9 else (12 if math.sin(ang) > 0 else -6))
        parts.append(f'<g data-e="{_e(layer)}-{_e(eid)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#fff" stroke="#37474f" stroke-width="2"/>'
                     f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="12">{_e(short)}</text>'
                     f"<title>{_e(eid)} {_e(name)} ({_e(e.get('type', '?'))})</title></g>")
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------ a layer


def stance_modality_cell(t: Rec) -> str:
    """The modality cell of a stance's row: its modality, or a dash for a stance of schema 1.0.

    >>> stance_modality_cell({"modality": "QUESTIONED"}), stance_modality_cell({"schema_version": "1.0"})
    ('QUESTIONED', '<span title="schema 1.0: stances have no modality">—</span>')
    """
    m = t.get("modality")
    return _e(m) if m is not None else '<span title="schema 1.0: stances have no modality">—</span>'


def _prov(r: Rec) -> str:
    p = r.get("provenance")
    if not p:
        return ""
    who = ", ".join(p.get("annotators", [])) or "none"
    dec = f" · {p['decision']}" if p.get("decision") else ""
    return f'<div class="prov">{_e(who)}{_e(dec)}</div>'


def render_layer(i: int, name: str, recs: list[Rec], text: str) -> str:
    g = records.by_layer(recs)
    layer = f"L{i}"
    ents = {e["id"]: e for e in g["entity"]}
    ments = {m["id"]: m for m in g["mention"]}
    sents = {s["id"]: s for s in g["sentence"]}

    def ename(eid: str) -> str:
        if eid == AUTHOR:
            return _e(AUTHOR)
        e = ents.get(eid)
        label = f"{e['name']}" if e else eid
        return f'<span data-e="{_e(layer)}-{_e(eid)}">{_e(label)}</span>'

    counts = ", ".join(f"{len(v)} {plural(k, len(v))}" for k, v in g.items())
    out = [f'<section class="layer" id="layer{i}" data-layer="{_e(name)}">',
           f'<p class="meta">Layer <b>{_e(name)}</b>: {_e(counts)}.</p>',
           '<div class="legend">' + "".join(f'<span class="{type_class(t)}"><i></i>{_e(t)}</span>' for t in MENTION_TYPES) + "</div>",
           '<div class="cols">',
           f'<div class="text">{render_text(text, g["sentence"], g["mention"], ents, layer)}</div>',
           "<aside><b>Entities</b><ul>"]
    for e in g["entity"]:
        surf = ", ".join(ments[m]["text"] for m in e["mentions"] if m in ments)
        out.append(f'<li data-e="{_e(layer)}-{_e(e["id"])}" title="{_e(e["id"])}: {_e(surf)}">'
                   f'<span class="chip {type_class(e["type"])}">{_e(e["type"])}</span> {_e(e["name"])} '
                   f'<span class="prov">{_e(e["id"])} · {len(e["mentions"])}</span></li>')
    out.append("</ul></aside></div>")
    # stances
    out.append(f"<h2>Stances ({len(g['stance'])})</h2>")
    if g["stance"]:
        out.append(stance_graph(g["stance"], ents, layer))
        legend = " ".join(f'<span class="chip" style="--c:{stance_colour(lab)}">{_e(lab)}</span>' for lab in STANCE_LABELS)
        out.append(f'<p class="meta">Arrows run from holder to target; colour = label: {legend}; dashed: alleged, '
                   "hypothetical or questioned only</p>")
        out.append("<table><tr><th>id</th><th>holder</th><th>label</th><th>target</th><th>modality</th><th>source</th><th>explicit</th><th>evidence</th><th>note</th></tr>")
        for t in g["stance"]:
            ev = " … ".join(f"“{_e(x['text'])}”" for x in t["evidence"])
            out.append(f'<tr data-e="{_e(layer)}-{_e(t["holder"])} {_e(layer)}-{_e(t["target"])}"><td>{_e(t["id"])}{_prov(t)}</td>'
                       f"<td>{ename(t['holder'])}</td>"
                       f'<td><span class="chip" style="--c:{stance_colour(t["label"])}">{_e(t["label"])}</span></td>'
                       f"<td>{ename(t['target'])}</td><td>{stance_modality_cell(t)}</td>"
                       f"<td>{ename(t['source'])}</td><td>{'yes' if t['explicit'] else 'no'}</td>"
                       f'<td class="ev">{ev}</td><td>{_e(t.get("note", ""))}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="empty">No stances in this layer.</p>')
    # relations
    out.append(f"<h2>Relations ({len(g['relation'])})</h2>")
    if g["relation"]:
        out.append("<table><tr><th>id</th><th>type</th><th>head</th><th>tail</th><th>modality</th><th>source</th><th>evidence</th><th>note</th></tr>")
        for r in g["relation"]:
            h, t = ments.get(r["head"], {}), ments.get(r["tail"], {})

            def arg(m: Rec, mid: str) -> str:
                if not m:
                    return _e(mid)
                return (f'<span data-e="{_e(layer)}-{_e(m["entity"])}">“{_e(m["text"])}”</span> '
                        f'<span class="prov">{_e(mid)} · {_e(ents.get(m["entity"], {}).get("name", m["entity"]))}</span>')

            args = [(m["start"], m["end"]) for m in (h, t) if m]
            ev = "<br>".join(f"<b>{_e(s)}</b> {marked(sents[s]['text'], sents[s]['start'], args)}" if s in sents else _e(s)
                             for s in r["evidence"])
            out.append(f"<tr><td>{_e(r['id'])}{_prov(r)}</td><td>{_e(r['type'])}</td><td>{arg(h, r['head'])}</td><td>{arg(t, r['tail'])}</td>"
                       f"<td>{_e(r['modality'])}</td><td>{ename(r['source'])}</td><td class=\"ev\">{ev}</td><td>{_e(r.get('note', ''))}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="empty">No relations in this layer.</p>')
    out.append("</section>")
    return "\n".join(out)


def render(doc: Rec, text: str, layers: list[tuple[str, list[Rec]]], notes: Iterable[str] = ()) -> str:
    """The whole page: ``doc`` the document record, ``layers`` (name, records) in display order."""
    title = doc.get("title") or doc.get("doc_id", "")
    src = doc.get("source") or {}
    facts = [f"document <b>{_e(doc.get('doc_id', ''))}</b>", f"{len(text)} characters", f"language {_e(doc.get('language', '?'))}"]
    for k in ("publisher", "date", "url"):
        if src.get(k):
            facts.append(f"{k} {_e(src[k])}")
    parts = ["<!DOCTYPE html>", f'<html lang="{_e(doc.get("language", "en"))}">', "<head>", '<meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{_e(_csp())}">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">', '<meta name="referrer" content="no-referrer">',
             f"<title>{_e(title)} · geostance</title>", f"<style>{_css(len(layers))}</style>", "</head>", "<body>",
             f"<header><h1>{_e(title)}</h1><p class=\"meta\">{' · '.join(facts)}</p>"]
    if src.get("note"):
        parts.append(f'<p class="meta">{_e(src["note"])}</p>')
    for n in notes:
        parts.append(f'<p class="meta">⚠ {_e(n)}</p>')
    parts.append("</header>")
    for i, _ in enumerate(layers):
        parts.append(f'<input class="sw" type="radio" name="layer" id="L{i}"{" checked" if i == 0 else ""}>')
    parts.append("<nav>Layer: " + "".join(f'<label for="L{i}">{_e(name)}</label>' for i, (name, _) in enumerate(layers))
                 + ('<span class="empty">no annotations yet</span>' if not layers else "") + "</nav>")
    parts.append("<main>")
    if not layers:
        parts.append(f'<div class="text">{_e(text)}</div>')
    for i, (name, recs) in enumerate(layers):
        parts.append(render_layer(i, name, recs, text))
    parts.append("</main>")
    parts.append(f"<script>{SCRIPT}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------ CLI


def load_layers(root: Path, doc_id: str, text: str, record: Rec, wanted: list[str] | None) -> tuple[list[tuple[str, list[Rec]]], list[str]]:
    avail: list[tuple[str, Path]] = []
    if paths.gold_path(root, doc_id).is_file():
        avail.append(("gold", paths.gold_path(root, doc_id)))
    avail += [(a, paths.raw_path(root, doc_id, a)) for a in paths.annotators(root, doc_id)]
    if wanted is not None:
        names = dict(avail)
        missing = [w for w in wanted if w not in names]
        if missing:
            raise ValueError(f"no layer {', '.join(missing)} for {doc_id!r} (it has: {', '.join(names) or 'none'})")
        avail = [(w, names[w]) for w in wanted]
    layers, notes = [], []
    for name, p in avail:
        recs_lined, found = jsonl.read(p)
        recs = [r for _, r in recs_lined]
        errors = [f for f in found if f.severity == "error"]
        report = check_records(recs, doc_id, text, record, display=str(p)) if not errors else None
        if errors or (report is not None and report.errors):
            n = len(errors) if errors else report.errors
            notes.append(f"layer {name} left out: {p} has {n} validation error(s) (geostance validate {p})")
            continue
        layers.append((name, recs))
    return layers, notes


