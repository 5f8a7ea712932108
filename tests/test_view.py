"""``geostance view``: a self-contained page where text stays text, checked in headless Chromium."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from geostance.core import jsonl
from geostance.contract import records
from geostance.contributing import view
from geostance.cli import main
from geostance.contributing.contribute import document_record
from geostance.contributing.interop import check_records
from geostance.contract.labels import STANCE_MODALITIES

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium package is not installed (/usr/bin/chromium); .ci/run installs it"
)
FIX = Path(__file__).parent / "fixtures"

# Text that would run script, add elements and break attributes if it were not escaped.
HOSTILE = ('<script>document.title="PWNED";document.documentElement.setAttribute("data-pwned","1")</script> '
           'Tom & "Jerry" met O\'Brien <img src=x onerror="document.title=\'PWNED2\'"> &amp; left.\n')
DOC = "hostile-text"
TITLE = '<Hostile> & "quoted" title'


def hostile_records() -> list[dict]:
    t = HOSTILE

    def span(s: str) -> tuple[int, int]:
        i = t.index(s)
        return i, i + len(s)

    def base(kind: str, rid: str) -> dict:
        return {"kind": kind, "schema_version": "1.0", "doc_id": DOC, "id": rid}

    end = len(t.rstrip("\n"))
    recs = [{**base("sentence", "s1"), "start": 0, "end": end, "text": t[:end], "note": "<i>not italic</i>"}]
    ments = [("m1", "Tom", "PERSON", "NAME", "e1"), ("m2", '"Jerry"', "PERSON", "NAME", "e2"), ("m3", "O'Brien", "PERSON", "NAME", "e3"),
             ("m4", '<img src=x onerror="document.title=\'PWNED2\'">', "TOPIC", "NOMINAL", "e4"),
             ("m5", "<script>", "TOPIC", "NOMINAL", "e5")]
    for mid, s, typ, form, e in ments:
        a, b = span(s)
        recs.append({**base("mention", mid), "start": a, "end": b, "text": s, "type": typ, "form": form, "entity": e, "metonymy": False})
    names = {"e1": 'Tom </script><script>document.title="PWNED3"</script>', "e2": '"Jerry" & co', "e3": "O'Brien",
             "e4": '<b id="injected">bold</b>', "e5": "<script>"}
    for i, (eid, name) in enumerate(names.items(), 1):
        recs.append({**base("entity", eid), "name": name, "type": ments[i - 1][2], "mentions": [f"m{i}"]})
    a, b = span('Tom & "Jerry"')
    recs.append({**base("stance", "t1"), "holder": "e1", "target": "e2", "label": "AGAINST", "evidence": [{"start": a, "end": b, "text": t[a:b]}],
                 "source": "AUTHOR", "explicit": False, "note": "</td></tr></table><script>document.title='PWNED4'</script>"})
    recs.append({**base("relation", "r1"), "type": "CONSULT", "head": "m1", "tail": "m3", "evidence": ["s1"], "modality": "ASSERTED",
                 "source": "AUTHOR", "note": "&amp; stays &amp;"})
    return recs


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """A dataset holding the hostile document with gold and one annotator, and its page."""
    root = tmp_path / "dataset"
    (root / "documents").mkdir(parents=True)
    data = HOSTILE.encode("utf-8")
    meta = {"title": TITLE, "language": "en", "source_note": "<em>test</em> & co", "text_rights": "test",
            "annotations_rights": "test", "annotations_license": "CC-BY-4.0"}
    (root / "documents" / f"{DOC}.txt").write_bytes(data)
    (root / "documents" / f"{DOC}.jsonl").write_bytes(jsonl.dumps(document_record(DOC, data, meta)))
    recs = hostile_records()
    assert check_records(recs, DOC, HOSTILE).errors == 0
    (root / "annotations" / "gold").mkdir(parents=True)
    (root / "annotations" / "gold" / f"{DOC}.jsonl").write_bytes(records.to_bytes(recs))
    (root / "annotations" / "raw" / DOC).mkdir(parents=True)
    (root / "annotations" / "raw" / DOC / "ann-1.jsonl").write_bytes(records.to_bytes([r for r in recs if r["kind"] != "stance"]))
    out = tmp_path / "page.html"
    assert main(["view", DOC, "--dataset", str(root), "--out", str(out)]) == 0
    return out


class DomCollector(HTMLParser):
    """Tags, attributes, the page title and the text of the first .text block (sentence ids left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.title = ""
        self.text_depth = 0
        self.skip_depth = 0
        self.texts: list[str] = []
        self.done_text = False
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "title" and not self.title:  # the page's title (SVG elements have titles too)
            self.in_title = True
        cls = (a.get("class") or "").split()
        if tag == "div" and "text" in cls and not self.done_text and not self.text_depth:
            self.text_depth = 1
            return
        if self.text_depth:
            self.text_depth += 1
            if tag == "sup":
                self.skip_depth = self.text_depth

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if self.text_depth:
            if self.skip_depth == self.text_depth:
                self.skip_depth = 0
            self.text_depth -= 1
            if self.text_depth == 0:
                self.done_text = True

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.text_depth and not self.skip_depth:
            self.texts.append(data)


def dom(html: str) -> DomCollector:
    c = DomCollector()
    c.feed(html)
    return c


def test_everything_is_escaped_in_the_file(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.count("<script>") == 1 and html.count("</script>") == 1  # only the page's own
    assert "PWNED" in html  # the hostile text is there ...
    for raw in ('<script>document.title', "<img", '<b id="injected">', "<i>not italic</i>", "<em>test</em>", "</td></tr></table><script>"):
        assert raw not in html  # ... but never as markup
    assert "&amp;amp; stays &amp;amp;" in html  # a literal '&amp;' is shown as written
    c = dom(html)
    assert c.title == f"{TITLE} · geostance"
    assert "".join(c.texts) == HOSTILE  # the text panel reads exactly the document text
    assert not any(t == "img" or a.get("id") == "injected" for t, a in c.tags)


def test_the_page_fetches_nothing_and_allows_only_its_own_script(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(http" not in html
    from html import unescape

    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(view.SCRIPT.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert f"<script>{view.SCRIPT}</script>" in html


def test_the_page_is_reproducible(page: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.html"
    root = tmp_path / "dataset"
    assert main(["view", DOC, "--dataset", str(root), "--out", str(again)]) == 0
    assert again.read_bytes() == page.read_bytes()


def test_layers_are_switchable(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert '<label for="L0">gold</label><label for="L1">ann-1</label>' in html
    assert '<section class="layer" id="layer0" data-layer="gold">' in html and 'id="layer1" data-layer="ann-1"' in html
    assert "#L1:checked ~ main #layer1{display:block}" in html


def test_mentions_are_linked_by_entity_and_crossing_spans_are_split() -> None:
    text = "abcdef"
    s = [{"id": "s1", "start": 0, "end": 6, "text": text}]
    m = [{"id": "m1", "start": 0, "end": 4, "type": "GPE", "form": "NAME", "entity": "e1", "metonymy": False, "text": "abcd"},
         {"id": "m2", "start": 2, "end": 6, "type": "ORG", "form": "NAME", "entity": "e2", "metonymy": False, "text": "cdef"}]
    html = view.render_text(text, s, m, {"e1": {"name": "A"}, "e2": {"name": "B"}}, "L0")
    assert html.count('data-m="m2"') == 2  # m2 crosses m1's end: two fragments, one entity
    assert re.sub(r"<[^>]+>", "", html.replace('<sup class="sid">s1</sup>', "")) == text


def test_a_layer_with_errors_is_left_out_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "dataset"
    (root / "documents").mkdir(parents=True)
    data = HOSTILE.encode("utf-8")
    meta = {"title": "t", "language": "en", "source_note": "t", "text_rights": "t", "annotations_rights": "t", "annotations_license": "CC-BY-4.0"}
    (root / "documents" / f"{DOC}.txt").write_bytes(data)
    (root / "documents" / f"{DOC}.jsonl").write_bytes(jsonl.dumps(document_record(DOC, data, meta)))
    bad = hostile_records()
    bad[1]["entity"] = "e9"
    (root / "annotations" / "raw" / DOC).mkdir(parents=True)
    (root / "annotations" / "raw" / DOC / "ann-1.jsonl").write_bytes(records.to_bytes(bad))
    out = tmp_path / "p.html"
    assert main(["view", DOC, "--dataset", str(root), "--out", str(out)]) == 0
    assert "layer ann-1 left out" in capsys.readouterr().err
    assert "layer ann-1 left out" in out.read_text(encoding="utf-8")


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@needs_chromium
def test_in_chromium_the_text_renders_as_text_and_no_injected_script_runs(page: Path, tmp_path: Path) -> None:
    proc = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    c = dom(proc.stdout)
    root_attrs = next(a for t, a in c.tags if t == "html")
    assert root_attrs.get("data-script") == "ran"  # scripts do run in this browser: the page's own did
    assert "data-pwned" not in root_attrs  # the injected one did not
    assert c.title == f"{TITLE} · geostance"  # no injected script changed the title
    assert "".join(c.texts) == HOSTILE  # <script>, quotes and & show as text, exactly
    assert not any(t == "img" or a.get("id") == "injected" for t, a in c.tags)
    assert sum(1 for t, _ in c.tags if t == "script") == 1
    assert 'Tom &lt;/script&gt;&lt;script&gt;document.title="PWNED3"&lt;/script&gt;' in proc.stdout  # an entity name, as text


@needs_chromium
def test_in_chromium_a_screenshot_of_the_page_is_taken(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    proc = chromium(f"--screenshot={shot}", "--window-size=1280,1400", page.as_uri(), profile=tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_chromium
def test_in_chromium_clicking_a_mention_highlights_its_whole_entity(page: Path, tmp_path: Path) -> None:
    """A copy of the page with a test script appended (and the CSP that would block it removed) clicks
    the gold layer's "Tom" and dumps the DOM: every element of Tom's entity, and nothing else, is highlighted."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    click = ("<script>document.querySelector('#layer0 .m[data-m=\"m1\"]').dispatchEvent("
             "new MouseEvent('click', {bubbles: true}));</script>")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", click + "</body>"), encoding="utf-8")
    proc = chromium("--dump-dom", probe.as_uri(), profile=tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lit = [a for t, a in dom(proc.stdout).tags if "hl" in (a.get("class") or "").split()]
    assert lit and all("L0-e1" in a["data-e"].split() for a in lit)
    kinds = {(t, a.get("data-m")) for t, a in dom(proc.stdout).tags if "hl" in (a.get("class") or "").split()}
    assert ("span", "m1") in kinds and ("li", None) in kinds  # the mention and the entity list entry


def test_stances_show_their_modality_and_1_0_stances_a_dash(tmp_path: Path) -> None:
    """Scheme 1.1: the stance table has a modality column; an arrow is dashed when
    its stances are alleged, hypothetical or questioned only. The 1.1 fixture
    has t1 QUESTIONED, t2 HYPOTHETICAL, t3 and t5 ASSERTED, t4 ALLEGED (by hand)."""
    fix = FIX / "build-1.1"
    doc = "modality-mix"
    out = tmp_path / "page.html"
    assert main(["view", doc, "--dataset", str(fix), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    gold = html.split('<section', 2)[1]  # the first layer: gold
    assert "<th>modality</th><th>source</th><th>explicit</th>" in gold
    table = gold.split("<h2>Relations")[0]
    cells = re.findall(r"<td>(" + "|".join(STANCE_MODALITIES) + r")</td>", table)
    stances = [r for r in jsonl.load_records(fix / "annotations" / "gold" / f"{doc}.jsonl") if r["kind"] == "stance"]
    assert cells == [t["modality"] for t in stances]
    assert cells[0] == "QUESTIONED" and cells[1] == "HYPOTHETICAL" and cells[3] == "ALLEGED" and cells.count("ASSERTED") == 2
    # five arrows (no two stances share holder, target and label), three dashed: t1, t2, t4
    arrows = re.findall(r'<path d="M[^"]*" fill="none" stroke="[^"]*" stroke-width="[^"]*"( stroke-dasharray="6 4")?', gold)
    assert len(arrows) == 5 and sum(bool(a) for a in arrows) == 3
    assert "<title>Oman FAVOR Fiji (QUESTIONED)</title>" in gold
    # a 1.0 stance: a dash with its reason, and a solid arrow
    old = view.render_layer(0, "gold", hostile_records(), HOSTILE)
    assert '<td><span title="schema 1.0: stances have no modality">—</span></td>' in old
    assert "stroke-dasharray" not in old


def test_view_out_refuses_a_folder_an_existing_file_and_a_missing_folder(page: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "dataset"
    view_args = ["view", DOC, "--dataset", str(root), "--out"]
    capsys.readouterr()
    assert main([*view_args, str(tmp_path)]) == 2  # a folder: was an internal error (exit 3)
    err = capsys.readouterr().err
    assert f"--out {tmp_path} is a folder; expected the path of the HTML file to write" in err and "internal error" not in err
    other = tmp_path / "mine.html"
    other.write_bytes(b"my own file\n")
    assert main([*view_args, str(other)]) == 2  # an existing file: was silently replaced
    assert "exists; give --force to replace it" in capsys.readouterr().err and other.read_bytes() == b"my own file\n"
    assert main([*view_args, str(other), "--force"]) == 0
    assert other.read_bytes() == page.read_bytes()
    missing = tmp_path / "no" / "such" / "p.html"
    assert main([*view_args, str(missing)]) == 2  # a missing folder: was created
    assert "does not exist; create it first" in capsys.readouterr().err and not (tmp_path / "no").exists()
    for bad in (tmp_path / "dir-link.html",):
        bad.symlink_to(tmp_path)
        assert main([*view_args, str(bad), "--force"]) == 2
        assert "is a folder" in capsys.readouterr().err
