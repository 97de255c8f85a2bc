"""The search page's URL <-> state mapping: bookmarkable, canonical, and never a traceback on bad input."""

from __future__ import annotations

import pytest

from cockpit.urlstate import (
    MAX_PAGE,
    MAX_QUERY_CHARS,
    MAX_VALUES_PER_FACET,
    SearchState,
    parse_search_params,
    search_href,
    to_query_string,
)


def test_empty_url_is_the_default_state():
    state, msgs = parse_search_params("")
    assert state == SearchState()
    assert msgs == []
    assert state.href() == "/search"


def test_full_url_parses_every_part():
    qs = "q=Rechnung+M%C3%BCller&mode=keyword&f.register=invoice&f.register=offer&f.customer=C1&group=customer&sort=date_desc&page=3&versions=all"
    state, msgs = parse_search_params(qs)
    assert msgs == []
    assert state.q == "Rechnung Müller"
    assert state.mode == "keyword"
    assert state.filter_map == {"customer_ids": ("C1",), "register": ("invoice", "offer")}
    assert (state.group, state.sort, state.page, state.all_versions) == ("customer", "date_desc", 3, True)


def test_dash_layout_kwargs_are_accepted_like_a_query_string():
    # Dash passes query parameters as kwargs: single values as str, repeated ones as lists
    state, msgs = parse_search_params({"q": "x", "f.register": ["invoice", "offer"], "f.status": "open"})
    assert msgs == []
    assert state.filter_map == {"register": ("invoice", "offer"), "status": ("open",)}


@pytest.mark.parametrize(
    "state",
    [
        SearchState(),
        SearchState(q="Lieferung verspätet", mode="semantic"),
        SearchState(q="a&b=c?d#e", filters=(("register", ("invoice",)),), group="month", sort="date_asc", page=2),
        SearchState(
            filters=(
                ("customer_ids", ("C1", "C2")),
                ("entity_facets", ("email:a@b.de",)),
                ("filing.status", ("review",)),
            )
        ),
        SearchState(q="„Phrase“ kunde:K-1", all_versions=True, group="register", page=MAX_PAGE),
    ],
)
def test_serialise_then_parse_round_trips(state):
    back, msgs = parse_search_params(to_query_string(state))
    assert msgs == []
    assert back == state
    assert to_query_string(back) == to_query_string(state)  # canonical


def test_filters_are_canonical_whatever_the_order():
    a, _ = parse_search_params("f.register=offer&f.register=invoice&f.customer=C2&f.customer=C1")
    b, _ = parse_search_params("f.customer=C1&f.register=invoice&f.customer=C2&f.register=offer&f.register=offer")
    assert a == b
    assert to_query_string(a) == "f.customer=C1&f.customer=C2&f.register=invoice&f.register=offer"


@pytest.mark.parametrize(
    ("qs", "key"),
    [
        ("mode=fuzzy", "msg.bad_mode"),
        ("sort=sideways", "msg.bad_sort"),
        ("group=planet", "msg.bad_group"),
        ("page=abc", "msg.bad_page"),
        ("page=-2", "msg.bad_page"),
        ("page=0", "msg.bad_page"),
        (f"page={MAX_PAGE + 10}", "msg.page_too_far"),
        ("f.bogus=1", "msg.bad_facet"),
        ("versions=maybe", "msg.bad_value"),
        ("f.register=" + "x" * 500, "msg.bad_value"),
    ],
)
def test_malformed_parameters_fall_back_with_a_message(qs, key):
    state, msgs = parse_search_params(qs)
    assert key in [k for k, _ in msgs]
    state.to_request()  # always a valid request: SearchRequest would raise otherwise


def test_malformed_values_never_raise():
    for qs in ("%", "q=%ZZ", "&&&", "f.=x", "f.register=", "q=\x00\x00", "page=1e9", "mode=&sort=&group="):
        state, _ = parse_search_params(qs)
        state.to_request()


def test_very_long_query_is_shortened_at_a_word_boundary():
    q = " ".join(["Lieferung"] * 400)
    state, msgs = parse_search_params({"q": q})
    assert len(state.q) <= MAX_QUERY_CHARS
    assert state.q.endswith("Lieferung")
    assert ("msg.query_too_long", str(MAX_QUERY_CHARS)) in msgs


def test_too_many_values_are_cut():
    state, msgs = parse_search_params({"f.customer": [f"C{i}" for i in range(200)]})
    assert len(state.filter_map["customer_ids"]) == MAX_VALUES_PER_FACET
    assert "msg.too_many_values" in [k for k, _ in msgs]


def test_foreign_parameters_are_ignored_silently():
    state, msgs = parse_search_params("q=x&utm_source=crm&sessionid=1")
    assert msgs == [] and state.q == "x"


def test_toggle_selects_and_deselects_and_resets_the_page():
    s = SearchState(q="x", page=4)
    on = s.toggle("register", "invoice")
    assert on.filter_map == {"register": ("invoice",)} and on.page == 1
    both = on.toggle("register", "offer")
    assert both.filter_map["register"] == ("invoice", "offer")
    assert both.toggle("register", "invoice").toggle("register", "offer").filters == ()


def test_only_selects_one_value_and_ungroups():
    s = SearchState(group="customer").toggle("register", "invoice")
    one = s.only("customer_ids", "C7")
    assert one.group is None
    assert one.filter_map == {"customer_ids": ("C7",), "register": ("invoice",)}


def test_to_request_pages_groups_when_grouped():
    flat = SearchState(q="x", page=3).to_request()
    assert (flat.page, flat.group_page, flat.latest_only) == (3, 1, True)
    grouped = SearchState(q="x", page=3, group="customer", all_versions=True).to_request()
    assert (grouped.page, grouped.group_page, grouped.group_by, grouped.latest_only) == (1, 3, "customer", False)


def test_search_href_builds_deep_links():
    assert (
        search_href("rechnung", customer_ids="C1", register=["invoice"])
        == "/search?q=rechnung&f.customer=C1&f.register=invoice"
    )


def test_date_ranges_and_customer_attributes_in_the_url():
    state, messages = parse_search_params("from=2026-01-01&to=2026-01-31&date=indexed&segment=A&manager=anna")
    assert messages == []
    req = state.to_request(tz="Europe/Berlin")
    assert (
        req.date_range is not None and req.date_range.field == "indexed_at" and req.customer_attrs["segment"] == ("A",)
    )
    assert parse_search_params(to_query_string(state))[0] == state
    state, messages = parse_search_params("from=abc&to=2026-13-01&date=xyz")
    assert state.date_from is None and state.date_to is None and state.date_field == "doc"
    assert sorted(v for _, v in messages) == ["date", "from", "to"]
    state, messages = parse_search_params("from=2026-05-01&to=2026-01-01")  # reversed: dropped, said
    assert (state.date_from, state.date_to) == (None, None) and messages == [("msg.bad_value", "from")]
