"""The view model: what a user may save, and the messages when they may not."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from domain.principal import Principal
from views.access import can_edit, can_see, section_of
from views.model import RelativeDateRange, View, format_validation_error, parse_iso_date


def errors(exc: ValidationError) -> str:
    return " | ".join(format_validation_error(exc))


def test_minimal_view_defaults():
    v = View(name="  Alle   Reklamationen ")
    assert v.name == "Alle Reklamationen"
    assert v.sharing == "private" and v.scope == "portfolio" and v.sort == "date_desc"
    assert v.columns and v.schema_version == 1


def test_full_view_round_trip_json():
    v = View.model_validate(
        {
            "name": "Offene Rechnungen",
            "query": "Mahnung",
            "mode": "hybrid",
            "filters": {"register": ["invoice"], "status": "open"},
            "date_range": {"field": "received_at", "kind": "last", "n": 3, "unit": "Monate"},
            "group_by": "customer",
            "sort": "date_asc",
            "columns": ["title", "doc_date"],
            "scope": "dossier",
            "sharing": "group:vertrieb-nord",
            "my_customers": True,
        }
    )
    assert v.filters == {"register": ["invoice"], "status": ["open"]}
    assert v.date_range.unit == "month"
    assert v.share_group == "vertrieb-nord" and v.sharing_level == "group"
    again = View.model_validate(v.model_dump(mode="json"))
    assert again == v


def test_end_before_start_is_rejected_with_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        View.model_validate(
            {"name": "x", "date_range": {"kind": "between", "start": "2026-03-10", "end": "2026-03-01"}}
        )
    assert "end date 2026-03-01 is before the start date 2026-03-10" in errors(exc.value)


def test_31_february_is_rejected():
    with pytest.raises(ValidationError) as exc:
        RelativeDateRange(kind="since", start="2026-02-31")
    msg = errors(exc.value)
    assert "2026-02-31" in msg and "February 2026 has 28 days" in msg


def test_29_february_only_in_leap_years():
    assert RelativeDateRange(kind="since", start="2024-02-29").start == dt.date(2024, 2, 29)
    with pytest.raises(ValidationError, match="February 2025 has 28 days"):
        RelativeDateRange(kind="since", start="2025-02-29")


@pytest.mark.parametrize(
    "value, fragment",
    [("2026-13-01", "no month 13"), ("gestern", "not a date"), ("31.04.2026", "April 2026 has 30 days")],
)
def test_bad_dates(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_iso_date(value)


def test_german_date_format_accepted():
    assert parse_iso_date("29.02.2024") == dt.date(2024, 2, 29)


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError) as exc:
        View.model_validate({"name": "x", "colour": "red"})
    assert "colour: unknown field" in errors(exc.value)
    with pytest.raises(ValidationError) as exc:
        View.model_validate({"name": "x", "date_range": {"kind": "today", "tz": "UTC"}})
    assert "date_range.tz: unknown field" in errors(exc.value)


def test_unknown_facet_and_date_field_rejected_on_save():
    with pytest.raises(ValidationError, match="unknown filter field"):
        View.model_validate({"name": "x", "filters": {"priority": ["high"]}})
    with pytest.raises(ValidationError, match="unknown date field 'due_date'"):
        View.model_validate({"name": "x", "date_range": {"field": "due_date", "kind": "today"}})


def test_stored_views_with_removed_fields_still_load():
    v = View.from_stored(
        {
            "name": "alt",
            "filters": {"priority": ["high"], "register": ["complaint"]},
            "date_range": {"field": "due_date", "kind": "last", "n": 5, "unit": "day"},
            "group_by": "segment",
            "columns": ["title", "priority"],
            "sort": "amount_desc",
        }
    )
    assert "priority" in v.filters and v.date_range.field == "due_date" and v.group_by == "segment"


@pytest.mark.parametrize(
    "rng, fragment",
    [
        ({"kind": "last"}, "needs a number and a unit"),
        ({"kind": "last", "n": 0, "unit": "day"}, "at least 1"),
        ({"kind": "last", "n": 100000, "unit": "day"}, "too long"),
        ({"kind": "this"}, "needs a unit"),
        ({"kind": "this", "unit": "day"}, "use 'today'"),
        ({"kind": "since"}, "needs a start date"),
        ({"kind": "between", "start": "2026-01-01"}, "needs a start and an end"),
        ({"kind": "today", "n": 3}, "only goes with 'last'"),
        ({"kind": "today", "start": "2026-01-01"}, "takes no fixed dates"),
        ({"kind": "last", "n": 3, "unit": "fortnight"}, "unknown unit"),
        ({"kind": "someday"}, "kind"),
    ],
)
def test_date_range_shapes(rng, fragment):
    with pytest.raises(ValidationError) as exc:
        RelativeDateRange.model_validate(rng)
    assert fragment in errors(exc.value)


@pytest.mark.parametrize("sharing", ["public", "group:", "group:a b", "everyone"])
def test_bad_sharing(sharing):
    with pytest.raises(ValidationError, match="sharing must be"):
        View(name="x", sharing=sharing)


def test_bad_mode_sort_group_columns():
    for field, value in [("mode", "fuzzy"), ("sort", "amount"), ("group_by", "segment"), ("columns", ["colour"])]:
        with pytest.raises(ValidationError):
            View.model_validate({"name": "x", field: value})


def test_future_schema_version_rejected():
    with pytest.raises(ValidationError, match="schema version 99"):
        View(name="x", schema_version=99)


# ------------------------------------------------------------------------------------------ access


ANNA = Principal(login="anna", tenants={"nord"}, groups={"all", "sales"}, department="vertrieb-nord")
BEN = Principal(login="ben", tenants={"nord"}, groups={"all"}, department="service-nord")
ADMIN = Principal(login="root", tenants={"nord"}, groups={"all"}, roles={"admin"})
SUED = Principal(login="sepp", tenants={"sued"}, groups={"all", "sales"}, department="vertrieb-nord", roles={"admin"})


def view(**kw) -> View:
    return View.model_validate({"name": "v", "owner": "anna", "tenant": "nord"} | kw)


def test_visibility_rules():
    private, dept, tenant = view(), view(sharing="group:vertrieb-nord"), view(sharing="tenant")
    assert can_see(private, ANNA) and not can_see(private, BEN) and can_see(private, ADMIN)
    assert can_see(dept, ANNA) and not can_see(dept, BEN)
    assert can_see(tenant, BEN)
    assert not any(can_see(v, SUED) for v in (private, dept, tenant))  # other tenant, even an admin
    assert can_see(view(sharing="group:sales"), Principal(login="x", tenants={"nord"}, groups={"sales"}))


def test_only_owner_or_admin_edits():
    shared = view(sharing="tenant")
    assert can_edit(shared, ANNA) and can_edit(shared, ADMIN)
    assert not can_edit(shared, BEN) and not can_edit(shared, SUED)


def test_sections():
    assert section_of(view(), ANNA) == "mine"
    assert section_of(view(owner="x", sharing="group:vertrieb-nord"), ANNA) == "department"
    assert section_of(view(owner="x", sharing="tenant"), ANNA) == "tenant"
    assert section_of(view(owner="x"), ADMIN) == "admin"


def test_principal_memberships_and_inactive_principals():
    v = Principal(login="a", tenants={"nord"}, groups={"all"}, roles={"admin"}, department="d")
    assert v.is_admin and v.memberships == {"all", "d"}
    disabled = Principal(login="c", tenants={"nord"}, groups={"all"}, active=False)
    assert disabled.sees_nothing and not can_see(view(owner="c"), disabled)
