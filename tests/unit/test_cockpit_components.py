"""Pure component builders: highlights as html.Mark (never HTML), safe hrefs, facets, paging, charts."""

from __future__ import annotations

import json

import plotly
from dash import html

from cockpit import components as C
from cockpit.dashclient import find, texts
from cockpit.urlstate import SearchState
from search.builder import POST_TAG, PRE_TAG
from search.parse import FacetBucket, Group, Hit, split_marked


def as_json(component):
    return json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder))


def test_highlight_fragments_become_text_and_marks():
    frag = split_marked(f"Ihre {PRE_TAG}Rechnung{POST_TAG} vom 3. März")
    children = C.fragment_children(frag)
    assert children[0] == "Ihre "
    assert children[1] == {"type": "Mark", "namespace": "dash_html_components", "props": {"children": "Rechnung"}}
    assert children[2] == " vom 3. März"


def test_markup_in_document_text_stays_text():
    evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    frag = split_marked(f"{evil} {PRE_TAG}Rechnung{POST_TAG}")
    tree = as_json(html.Div(C.highlighted_text(frag)))
    # the markup is a plain string child; the only component is the Mark
    assert evil in texts(tree)
    types = {n["type"] for n in find(tree)}
    assert types <= {"Div", "Mark"}


def test_highlight_budget_caps_marks():
    frag = tuple((f"w{i}", True) for i in range(C.MAX_MARKS + 50))
    children = C.highlighted_text(frag)
    marks = [c for c in children if isinstance(c, dict) and c["type"] == "Mark"]
    assert len(marks) == C.MAX_MARKS and len(children) == C.MAX_MARKS + 50


def test_blank_lines_of_extraction_are_folded():
    children = C.highlighted_text((("a\n\nb\n \n\nc", False),))
    assert children == ["a\nb\nc"]


def test_hrefs_quote_ids():
    assert C.document_href("a/b?c") == "/document/a%2Fb%3Fc"
    assert C.dossier_href("C 1/../x") == "/dossier/C%201%2F..%2Fx"
    assert C.document_href("d1", "Rechnung & Co") == "/document/d1?q=Rechnung+%26+Co"
    assert C.original_href("javascript:alert(1)") == "/original/javascript%3Aalert%281%29"


def hit(**kw):
    base = dict(
        doc_id="d1",
        score=1.0,
        title="Rechnung RE-1",
        customer_ids=("C1",),
        customer_names=("Müller GmbH",),
        register="invoice",
        doc_date="2026-03-02",
        language="de",
        version=2,
        is_latest=True,
        source={"status": "open", "file_name": "re-1.pdf"},
    )
    base.update(kw)
    return Hit(**base)


def test_hit_row_shows_register_customer_date_version_and_snippet():
    h = hit(highlights={"text": (split_marked(f"die {PRE_TAG}Rechnung{POST_TAG} ist"),)})
    tree = as_json(C.hit_row(h, q="Rechnung", labels={"C1": ("Müller GmbH", "K-1")}, lang="de"))
    text = texts(tree)
    for expected in ("Rechnung RE-1", "Müller GmbH (K-1)", "02.03.2026", "v2", "Rechnungen", "offen", "re-1.pdf"):
        assert expected in text
    assert find(tree, type="Mark")[0]["props"]["children"] == "Rechnung"
    links = [n["props"]["href"] for n in find(tree, type="Link")]
    assert "/document/d1?q=Rechnung" in links and "/dossier/C1" in links


def test_older_version_is_marked():
    tree = as_json(C.hit_row(hit(is_latest=False), lang="de"))
    assert "ältere Version" in texts(tree)


def test_facet_items_link_to_the_toggled_state():
    state = SearchState(q="x").toggle("register", "invoice")
    facets = {"register": [FacetBucket("invoice", 4, True), FacetBucket("offer", 2, False)]}
    tree = as_json(C.facet_sidebar(facets, state, {}))
    rows = find(tree, className="facet-row")
    assert [r["props"]["aria-checked"] for r in rows] == ["true", "false"]
    hrefs = [n["props"]["href"] for n in find(tree, type="Link")]
    assert "/search?q=x" in hrefs  # deselect invoice (also "clear filters")
    assert "/search?q=x&f.register=invoice&f.register=offer" in hrefs


def test_facet_value_labels():
    labels = {"C1": ("Müller GmbH", "K-1")}
    assert C.facet_value_label("register", "delivery_note", labels, "de") == "Lieferscheine"
    assert C.facet_value_label("customer_ids", "C1", labels, "de") == "Müller GmbH (K-1)"
    assert C.facet_value_label("year_month", "2026-03", labels, "de") == "März 2026"
    assert C.facet_value_label("entity_facets", "invoice_number:RE-1", labels, "en") == "Invoice no.: RE-1"
    assert C.facet_value_label("language", "xx", labels, "de") == "xx"


def test_pager_windows_and_links():
    state = SearchState(q="x", page=5)
    tree = as_json(C.pager(state, total=20 * 40))
    text = texts(tree)
    assert "…" in text and "40" in text and "Zurück" in text
    hrefs = [n["props"]["href"] for n in find(tree, type="Link")]
    assert "/search?q=x&page=4" in hrefs and "/search?q=x&page=6" in hrefs and "/search?q=x" in hrefs
    assert C.pager(SearchState(), total=5) is None


def test_group_section_is_collapsible_with_show_all_link():
    g = Group("C1", 7, (hit(),))
    state = SearchState(q="x", group="customer")
    tree = as_json(C.group_section(g, state, {"C1": ("Müller GmbH", "K-1")}, index=0, q="x"))
    assert tree["type"] == "Details" and tree["props"]["open"] is True
    assert "Müller GmbH (K-1)" in texts(tree)
    hrefs = [n["props"]["href"] for n in find(tree, type="Link")]
    assert "/search?q=x&f.customer=C1" in hrefs and "/dossier/C1" in hrefs


def test_group_without_key_has_no_filter_link():
    tree = as_json(C.group_section(Group(None, 2, ()), SearchState(group="customer"), {}, index=0, q=""))
    assert "(ohne Kundenzuordnung)" in texts(tree)
    assert not find(tree, type="Link")


def test_message_codes_are_translated_at_the_edge():
    from domain.errors import Message
    from search.query_parser import parse_query

    assert C.message_text(Message("msg.semantic_unavailable"), "de").startswith("Die semantische")
    assert C.message_text(Message("msg.semantic_unavailable"), "en").startswith("Semantic search")
    (msg,) = parse_query("typ:foo Rechnung").messages
    text = C.message_text(msg, "de")
    assert "foo" in text and "Dokumenttyp" in text
    # a too-long query and too many words are two different messages (no prose matching any more)
    words = " ".join(f"w{i}" for i in range(80))
    codes = {m.code for m in parse_query(words).messages}
    assert codes == {"msg.too_many_words"}


def test_not_found_is_one_page_for_every_reason():
    a = texts(as_json(C.not_found("notfound.document")))
    assert "Nicht gefunden" in a and "Dokument" in a


def test_timeline_fills_empty_months_and_stacks_registers():
    fig = C.timeline_figure([("2025-11", "invoice", 2), ("2026-02", "order", 1), ("2026-02", "invoice", 1)], "de")
    assert fig["layout"]["barmode"] == "stack"
    assert fig["data"][0]["x"] == ["Nov 2025", "Dez 2025", "Jan 2026", "Feb 2026"]
    assert {tr["name"] for tr in fig["data"]} == {"Rechnungen", "Aufträge"}
    import plotly.graph_objects as go

    go.Figure(fig)  # a valid figure


def test_map_uses_local_topojson_and_no_tiles():
    fig = C.map_figure([{"lat": 53.55, "lon": 9.99, "lines": ["Hamburg"], "kind": "billing"}])
    assert fig["data"][0]["type"] == "scattergeo"
    assert fig["layout"]["geo"]["scope"] == "europe"
    import plotly.graph_objects as go

    go.Figure(fig)  # a valid figure
    g = C.graph(fig, "m", "Karte")
    assert g.children.config["topojsonURL"] == "/assets/topojson/"
    from pathlib import Path

    import cockpit

    assert (Path(cockpit.__file__).parent / "assets" / "topojson" / "europe_50m.json").exists()


def test_definition_list_skips_empty_values():
    tree = as_json(C.definition_list([("A", "1"), ("B", None), ("C", ""), ("D", 0)]))
    assert texts(tree) == "A 1 D 0"


def test_master_data_in_chart_text_is_inert():
    evil = "<b>Müller</b> <a href='javascript:alert(1)'>x</a> & Co"
    fig = C.map_figure([{"lat": 53.5, "lon": 10.0, "lines": [evil, "Lieferadresse: Kai 1"], "kind": "billing"}], "de")
    (text,) = fig["data"][0]["text"]
    first, second = text.split("<br>")
    assert "<" not in first and ">" not in first and "&lt;b&gt;Müller&lt;/b&gt;" in first and "&amp; Co" in first
    assert second == "Lieferadresse: Kai 1"
