"""The isolation suite: every read surface (tests/isolation/surfaces.py) × every principal of the matrix
(tests/isolation/world.py), judged by an independent oracle — no sentinel the principal may not see appears in
any output, and the surfaces that should show documents do show the permitted ones. A new use case or route
without a case fails `test_every_surface_has_a_case`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from domain.errors import AppError
from tests.isolation.not_read import NOT_A_READ_SURFACE
from tests.isolation.surfaces import SURFACES, Surface
from tests.isolation.world import (
    CASE_NAMES,
    FIGURES,
    Expected,
    World,
    build_world,
    customer_token,
    customer_tokens,
    doc_tokens,
    sentinels,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(es, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from tests.helpers import drop_prefix

    started = time.perf_counter()
    w = build_world(es, tmp_path_factory.mktemp("isolation"))
    FIGURES.update(
        surfaces=len(SURFACES), principals=len(CASE_NAMES), world_seconds=round(time.perf_counter() - started, 2)
    )
    yield w
    w.ctx.flush_background()
    drop_prefix(w.prefix)
    from tests.isolation.conftest import summary_line

    print("\n" + summary_line())


@pytest.mark.parametrize("case_name", CASE_NAMES)
@pytest.mark.parametrize("surface", SURFACES, ids=[s.name for s in SURFACES])
def test_no_leak(world: World, surface: Surface, case_name: str) -> None:
    case = world.cases[case_name]
    output = surface.run(world, case)
    found = sentinels(output)
    expected = case.expected(surface.action)
    if surface.door == "cockpit" and case.login is None:  # no cockpit session (an API key): nothing at all
        expected = Expected(frozenset(), frozenset())
    leaked = sorted(found - expected.tokens)
    FIGURES["checks"] += 1
    FIGURES.setdefault("shown", {}).setdefault(surface.name, {})[case_name] = len(found)
    if leaked:
        FIGURES["leaks"] += 1
        FIGURES["leak_details"].append({"surface": surface.name, "principal": case_name, "leaked": leaked})
    assert not leaked, f"{surface.name} as {case_name} shows {leaked} (allowed: {sorted(expected.tokens)})"
    if surface.needs is not None and not case.principal.can(surface.needs):
        return  # refused: nothing is required (the leak check above still applies)
    if surface.verify is not None and not isinstance(output, AppError) and surface.door != "cockpit":
        FIGURES["shown_checks"] += 1
        surface.verify(world, case, output)
    if not (expected.docs or expected.customers) or not surface.shows:
        return
    FIGURES["shown_checks"] += 1
    if surface.kind == "customers":
        want, got = set(expected.customers), customer_tokens(found)
    else:
        want, got = set(expected.docs), doc_tokens(found)
    if surface.shows == "all":
        assert want <= got, f"{surface.name} as {case_name} misses {sorted(want - got)} (shows {sorted(got)})"
    elif want:
        assert got & want, f"{surface.name} as {case_name} shows none of {sorted(want)}"


# ------------------------------------------------------------------------------------------------ the oracle itself


def test_the_oracle_states_the_matrix() -> None:
    """The oracle's answers for the world, written out: if a rule changes, this table is the one to re-read."""
    from tests.isolation.world import Rights, oracle

    nord_all = Rights("iso.agent", frozenset({"nord"}), frozenset({"all"}))
    assert oracle(nord_all).docs == {"ninv1", "ninv2", "nrev"}
    contracts = Rights("iso.contracts", frozenset({"nord"}), frozenset({"all", "contracts"}))
    assert oracle(contracts).docs == {"ninv1", "ncon1", "ninv2", "ncon2", "nfam1", "nrev"}
    admin = Rights("iso.admin", frozenset({"nord"}), frozenset(), admin=True)
    assert oracle(admin).docs == {"ninv1", "ncon1", "ninv2", "ncon2", "nfam1", "nrev"}  # not the confidential ones
    lena = Rights("lena.hoffmann", frozenset({"nord"}), frozenset({"all"}))
    assert oracle(lena).docs == {"ninv1", "ninv2", "nrev", "nconf1"}
    granted = Rights("iso.granted", frozenset({"nord"}), frozenset({"all"}),
                     dossier_grants=frozenset({("nord", "C2")}), document_grants=frozenset({("nord", "famuniq")}))  # fmt: skip
    assert oracle(granted).docs == {"ninv1", "ninv2", "ncon2", "nfam1", "nrev"}  # not nconf2 (confidential)
    assert oracle(granted, "export").docs == {"ninv1", "ninv2", "nrev"}  # a grant is read only
    sued = Rights("iso.sued", frozenset({"sued"}), frozenset({"all", "contracts", "management"}))
    assert oracle(sued).docs == {"sinv9", "scon9", "srev"} and oracle(sued).customers == {"C9"}
    assert customer_token("C1") == "kc1"


# ------------------------------------------------------------------------------------------------ completeness


def real_use_cases() -> set[str]:
    """Every public function of the `app` package whose first two parameters are `ctx` and `principal`."""
    import app

    out: set[str] = set()
    for info in pkgutil.iter_modules(app.__path__):
        module = importlib.import_module(f"app.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["ctx", "principal"]:
                out.add(f"app.{info.name}.{name}")
    return out


def real_routes(world: World) -> set[str]:
    """Every (method, URL rule) of the combined Flask server (cockpit + API)."""
    out: set[str] = set()
    for rule in world.app.server.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.add(f"{method} {rule.rule}")
    return out


def test_every_surface_has_a_case(world: World) -> None:
    real = real_use_cases() | real_routes(world)
    covered = {c for s in SURFACES for c in s.covers}
    missing = sorted(real - covered - set(NOT_A_READ_SURFACE))
    assert not missing, (
        "surfaces without an isolation case (add them to tests/isolation/surfaces.py SURFACES, or — if they "
        f"read nothing a principal may not see — to NOT_A_READ_SURFACE with the reason): {missing}"
    )
    stale = sorted((covered | set(NOT_A_READ_SURFACE)) - real)
    assert not stale, f"listed surfaces that no longer exist (remove them): {stale}"
    both = sorted(covered & set(NOT_A_READ_SURFACE))
    assert not both, f"listed as a surface and as no read surface: {both}"
    FIGURES["real_surfaces"] = len(real)
    FIGURES["exempt"] = len(NOT_A_READ_SURFACE)


def test_surface_names_are_unique() -> None:
    names: list[Any] = [s.name for s in SURFACES]
    assert len(names) == len(set(names))


# ------------------------------------------------------------------------------------------------ a found leak


def test_grants_card_callback_lists_grants_only_of_readable_documents(world: World) -> None:
    """The cockpit's grants card callback (`_grant_act` → `_load_grants`, cockpit/components/access_callbacks.py)
    takes its target from a client-side store and lists `app.grants.on_document(target["family_id"])` — which
    checks nothing about the document. A manager without the contracts group gives a grant on a document they can read (ninv1) while
    sending the family of a contract they cannot read (nfam1): the answer lists nfam1's grants (grantee, reason)."""
    from cockpit import ids
    from cockpit.dashclient import DashClient

    manager = DashClient(world.app)
    manager.login("iso.manager")
    until = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    target = {"doc_id": "ninv1", "family_id": "famuniq", "tenant": "nord"}  # ninv1 readable, famuniq (nfam1) not
    payload = {
        "output": f"..{ids.GRANT_STATUS}.children...{ids.GRANTS_LIST}.children..",
        "outputs": [{"id": ids.GRANT_STATUS, "property": "children"}, {"id": ids.GRANTS_LIST, "property": "children"}],
        "inputs": [{"id": ids.GRANT_GIVE, "property": "n_clicks", "value": 1}, []],
        "changedPropIds": [f"{ids.GRANT_GIVE}.n_clicks"],
        "state": [{"id": ids.GRANT_KIND, "property": "value", "value": "user"},
                  {"id": ids.GRANT_GRANTEE, "property": "value", "value": "iso.agent"},
                  {"id": ids.GRANT_UNTIL, "property": "date", "value": until},
                  {"id": ids.GRANT_REASON, "property": "value", "value": "Vertretung"},
                  {"id": ids.GRANTS_TARGET, "property": "data", "value": target}],
    }  # fmt: skip
    resp = manager.post_callback(payload)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    leaked = sentinels(resp.get_data(as_text=True)) - {"ninv1", "kc1"}
    assert not leaked, f"the grants card shows grants of a document iso.manager cannot read: {sorted(leaked)}"
