"""The pieces every isolation surface is made of: `Surface`, refusals as outputs (`guarded`), calls per document,
and the HTTP doors (API GETs with a key or a session, cockpit pages through the pages router)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import AppError
from tests.isolation.world import CUSTOMER_IDS, DOCS, Case, World

Run = Callable[[World, Case], Any]
DOC_IDS = tuple(d.doc_id for d in DOCS)


@dataclass(frozen=True)
class Surface:
    name: str
    run: Run
    covers: tuple[str, ...]
    shows: str = ""  # "all" | "some" | ""
    kind: str = "docs"  # what `shows` counts: "docs" | "customers"
    action: str = "read"  # the oracle's rule: "read" | "export"
    needs: str | None = None  # capability; without it the surface refuses and nothing is required
    verify: Callable[[World, Case, Any], None] | None = None  # an exact check of what sentinels cannot show
    door: str = ""  # "cockpit": needs a cockpit session — a principal without one (an API key) must get nothing


def guarded(fn: Callable[[], Any]) -> Any:
    """The output of a call, or the refusal it raised (refusals are outputs too: they must not leak)."""
    try:
        return fn()
    except AppError as exc:
        return exc


def per_doc(call: Callable[[str], Any]) -> Run:
    return lambda w, c: {d: guarded(lambda d=d: call(d)) for d in DOC_IDS}  # type: ignore[misc]


def _api_get(path: str) -> Callable[[World, Case], Any]:
    """GET an API path with the case's key, or its cockpit session."""

    def run(w: World, c: Case) -> Any:
        if c.token is not None:
            resp = w.app.server.test_client().get(path, headers={"Authorization": f"Bearer {c.token}"})
        else:
            resp = w.session(c).client.get(path)
        return {"status": resp.status_code, "body": resp.get_data()}

    return run


def _api(path: str) -> Run:
    return lambda w, c: _api_get(path)(w, c)


def _api_per_doc(template: str) -> Run:
    return lambda w, c: {d: _api_get(template.format(d))(w, c) for d in DOC_IDS}


def _api_per_customer(template: str) -> Run:
    return lambda w, c: {x: _api_get(template.format(x))(w, c) for x in CUSTOMER_IDS}


def _api_views(w: World, c: Case) -> Any:
    return {"list": _api_get("/api/v1/views")(w, c),
            **{t: _api_get(f"/api/v1/views/{v.id}/results?size=50")(w, c) for t, v in w.views.items()}}  # fmt: skip


def _page(url: str) -> Callable[[World, Case], Any]:
    """A cockpit page as the browser asks for it (the pages router callback). An API key has no session: its
    request is sent with the key and must get nothing."""

    def run(w: World, c: Case) -> Any:
        s = w.session(c)
        if s is None:
            from cockpit.dashclient import DashClient

            anon = DashClient(w.app)
            anon.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {c.token}"
            try:
                return anon.page(url)
            except AssertionError as exc:  # refused (not logged in)
                return str(exc)
        return s.page(url)

    return run


def _pages_per_doc(w: World, c: Case) -> Any:
    return {d: _page(f"/document/{d}")(w, c) for d in DOC_IDS}


def _pages_per_case(w: World, c: Case) -> Any:
    return {d: _page(f"/fall/{cid}")(w, c) for d, cid in w.case_ids.items()}


def _pages_per_customer(w: World, c: Case) -> Any:
    return {x: _page(f"/dossier/{x}")(w, c) for x in CUSTOMER_IDS}


def _cockpit_original(w: World, c: Case) -> Any:
    out = {}
    for d in DOC_IDS:
        if c.token is not None:
            resp = w.app.server.test_client().get(f"/original/{d}", headers={"Authorization": f"Bearer {c.token}"})
        else:
            resp = w.session(c).client.get(f"/original/{d}")
        out[d] = {"status": resp.status_code, "body": resp.get_data()}
    return out


def _cockpit_shell(w: World, c: Case) -> Any:
    """The Dash shell: index HTML, layout, dependencies (no data may be in them)."""
    out = {}
    for path in ("/", "/search?q=Pumpe", "/_dash-layout", "/_dash-dependencies"):
        if c.token is not None:
            resp = w.app.server.test_client().get(path, headers={"Authorization": f"Bearer {c.token}"})
        else:
            resp = w.session(c).client.get(path)
        out[path] = {"status": resp.status_code, "body": resp.get_data()}
    return out


def cockpit_surface(name: str, run: Run, covers: tuple[str, ...], **kw: Any) -> Surface:
    return Surface(name, run, covers, door="cockpit", **kw)
