"""Helpers shared by the cockpit's integration and browser tests: the app on a test prefix, login in the
browser, small synthetic corpora written with the project's mapping (for tests that write)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from core.settings import REPO_ROOT

USERS_FILE = REPO_ROOT / "config" / "users.toml"
NULL_CACHE = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}


def make_app(prefix: str, archive_dir: Path | None, es: Any, *, cache_config: dict[str, Any] | None = None,
             warm_up: bool = False) -> Any:  # fmt: skip
    from cockpit.app import create_app
    from tests.helpers import no_gc

    with no_gc():
        return create_app(
            index_prefix=prefix,
            users_file=USERS_FILE,
            archive_dir=archive_dir,
            es=es,
            secret_key="test-secret",
            cache_config=cache_config or NULL_CACHE,
            warm_up=warm_up,
        )


def demo_app(demo_index: dict[str, Any], es: Any, **kw: Any) -> Any:
    return make_app(str(demo_index["prefix"]), Path(demo_index["var_dir"]) / "archive", es, **kw)


def browser_login(dash_duo: Any, app: Any, user: str = "anna.schmidt", password: str = "demo", *,
                  size: tuple[int, int] = (1366, 768)) -> str:  # fmt: skip
    """Start the app, log in through the real login form, land on the start page. Returns the base URL."""
    dash_duo.start_server(app, navigate=False)
    base = dash_duo.server.url.rstrip("/")
    d = dash_duo.driver
    d.set_window_size(*size)
    d.get(base + "/login")
    d.find_element(By.ID, "login-user").send_keys(user)
    d.find_element(By.ID, "login-password").send_keys(password)
    d.find_element(By.ID, "login-submit").click()
    # the form's POST must have answered before the next navigation, which would otherwise cancel it (a race that
    # a loaded CI machine loses): wait until the browser has left the login page
    WebDriverWait(d, 60).until(lambda drv: "/login" not in drv.current_url)
    dash_duo._url = base  # noqa: SLF001 - `server_url = base` would wait only 10 s for the entry point
    dash_duo.wait_for_page(timeout=60)  # the Dash entry point (only reachable when logged in); CI's 2 cores are slow
    dash_duo.wait_for_element("#brand", timeout=15)
    return base


def goto(dash_duo: Any, url: str, wait_css: str, timeout: float = 20) -> Any:
    dash_duo.driver.get(url)
    return dash_duo.wait_for_element(wait_css, timeout=timeout)


def shot(dash_duo: Any, artifacts: Path, name: str, full: bool = True) -> Path:
    """A screenshot of the whole page (the window grows to the page height for the shot)."""
    d = dash_duo.driver
    w, h = d.get_window_size()["width"], d.get_window_size()["height"]
    path = artifacts / f"{name}.png"
    if full:
        height = int(
            d.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        )
        d.set_window_size(w, min(max(height + 120, h), 6000))
        time.sleep(0.4)
    d.save_screenshot(str(path))
    if full:
        d.set_window_size(w, h)
    return path


def severe_logs(dash_duo: Any) -> list[dict[str, Any]]:
    return [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]


# --------------------------------------------------------------------------------------- synthetic corpus


def ensure_indices(es: Any, prefix: str) -> None:
    from indexing.store import ensure_indices as _ensure

    _ensure(es, prefix)


def customer(cid: str, name: str, tenant: str, number: str | None = None, **extra: Any) -> dict[str, Any]:
    number = number or f"K-{cid[1:]}"
    body = {
        "customer_id": cid,
        "number": number,
        "number_norm": number.replace("-", "").lower(),
        "name": name,
        "tenant": tenant,
        "acl_groups": ["all"],
        "segment": "A",
        "account_manager": "anna.schmidt",
        "addresses": [
            {
                "kind": "billing",
                "street": "Hafenstraße 1",
                "zip": "20095",
                "city": "Hamburg",
                "country": "DE",
                "lat": 53.55,
                "lon": 9.99,
            }
        ],  # fmt: skip
        "suggest": {"input": [name, number], "contexts": {"tenant": [tenant]}},
        "updated_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    body.update(extra)
    return body


def document(doc_id: str, *, tenant: str = "nord", title: str = "Dokument", text: str = "", register: str = "invoice",
             customers: tuple[tuple[str, str], ...] = (("C1", "Müller Bau GmbH"),), filing_status: str = "auto",
             candidates: tuple[str, ...] = (), suggested: str | None = None, acl: tuple[str, ...] = ("all",),
             date: str = "2026-03-02", content: bytes | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    sha = hashlib.sha256(content if content is not None else doc_id.encode()).hexdigest()
    now = dt.datetime.now(dt.UTC).isoformat()
    body = {
        "doc_id": doc_id,
        "family_id": "f-" + doc_id,
        "version": 1,
        "is_latest": True,
        "content_sha256": sha,
        "sources": [{"uri": f"{tenant}/{doc_id}.txt", "kind": "file", "received_at": now}],
        "source_kind": "file",
        "tenant": tenant,
        "acl_groups": list(acl),
        "export_groups": list(acl),
        "title": title,
        "text": text,
        "lemmas": text.lower(),
        "language": "de",
        "file_name": f"{doc_id}.txt",
        "mime_type": "text/plain",
        "file_size": len(content or b""),
        "customer_ids": [c for c, _ in customers],
        "customer_names": [n for _, n in customers],
        "primary_customer_id": customers[0][0] if customers else None,
        "register": register,
        "filing": {
            "status": filing_status,
            "confidence": 0.3 if filing_status == "review" else 0.99,
            "reasons": ["Nur Namensnennung ohne Kennung – bitte prüfen"]
            if filing_status == "review"
            else ["Kundennummer K-1"],
            "register_reason": "Wort 'Rechnung' als Überschrift",
            "candidates": list(candidates),
            "suggested_register": suggested or register,
        },
        "status": "open" if register in ("invoice", "complaint") else "n/a",
        "doc_date": date,
        "received_at": now,
        "indexed_at": now,
        "year_month": date[:7],
        "ids": [],
        "entities": {},
        "entity_facets": [],
    }
    body.update(extra)
    return body


def index_all(es: Any, prefix: str, customers_: list[dict[str, Any]], docs: list[dict[str, Any]]) -> None:
    from indexing.schema import alias_name

    ensure_indices(es, prefix)
    for c in customers_:
        es.index(index=alias_name(prefix, "customers"), id=c["customer_id"], document=c)
    for d in docs:
        es.index(index=alias_name(prefix, "documents"), id=d["doc_id"], document=d)
    es.indices.refresh(index=f"{prefix}-*")


def pick_option(dash_duo: Any, contains: str, timeout: float = 15) -> None:
    """Click the open dropdown's option whose text contains `contains` (options re-render as results arrive)."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            for opt in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
                if contains in opt.text:
                    opt.click()
                    return
        except StaleElementReferenceException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no dropdown option with {contains!r}")
