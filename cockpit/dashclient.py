"""Drive the cockpit server-side the way a browser does: log in, then POST the Dash callbacks.

Used by integration tests and `bench/pages.py`: `page(path)` is exactly the request dash-renderer sends when
the user navigates (the pages router callback: pathname + search -> page layout), so its timing is the
server-side response time of a page.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from cockpit.auth import CSRF_COOKIE, CSRF_HEADER

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


class DashClient:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.server.test_client()

    def csrf(self) -> str:
        cookie = self.client.get_cookie(CSRF_COOKIE)
        if cookie is None:
            self.client.get("/login")
            cookie = self.client.get_cookie(CSRF_COOKIE)
        return cookie.value if cookie else ""

    def login(self, username: str, password: str = "demo") -> Any:  # noqa: S107 - the documented demo password
        self.client.get("/login")
        token = self.csrf()
        resp = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        if resp.status_code != 302:
            raise AssertionError(f"login of {username} failed: {resp.status_code}")
        return resp

    def post_callback(self, payload: dict[str, Any]) -> Any:
        return self.client.post(
            "/_dash-update-component",
            data=json.dumps(payload),
            content_type="application/json",
            headers={CSRF_HEADER: self.csrf()},
        )

    def page(self, url: str) -> dict[str, Any]:
        """The page layout for a URL ("/search?q=x"), as the router callback returns it (JSON dict)."""
        parts = urlsplit(url)
        search = f"?{parts.query}" if parts.query else ""
        payload = {
            "output": ROUTER_OUTPUT,
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": parts.path or "/"},
                {"id": "_pages_location", "property": "search", "value": search},
            ],
            "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
            "state": [],
        }
        resp = self.post_callback(payload)
        if resp.status_code != 200:
            raise AssertionError(f"{url}: HTTP {resp.status_code}: {resp.get_data(as_text=True)[:500]}")
        return resp.get_json()["response"]["_pages_content"]["children"]  # type: ignore[no-any-return]

    def callback(self, outputs: list[tuple[Any, str]], inputs: list[tuple[Any, str, Any]],
                 state: list[tuple[Any, str, Any]] | None = None, changed: list[str] | None = None) -> Any:  # fmt: skip
        """Call any callback: outputs [(id, prop)], inputs/state [(id, prop, value)]."""

        def key(i: Any) -> str:
            return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else str(i)

        out_str = "...".join(f"{key(i)}.{p}" for i, p in outputs)
        payload = {
            "output": f"..{out_str}.." if len(outputs) > 1 else out_str,
            "outputs": [{"id": i, "property": p} for i, p in outputs]
            if len(outputs) > 1
            else {"id": outputs[0][0], "property": outputs[0][1]},
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": changed or [f"{key(inputs[0][0])}.{inputs[0][1]}"],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in (state or [])],
        }
        return self.post_callback(payload)


def texts(tree: Any) -> str:
    """All text in a layout JSON tree (for assertions)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            out.append(str(node))
        elif isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                for k in ("children", "label", "title", "value", "placeholder"):
                    if k in props:
                        walk(props[k])
            else:
                for v in node.values():
                    walk(v)

    walk(tree)
    return re.sub(r"\s+", " ", " ".join(out))


def find(tree: Any, **match: Any) -> list[dict[str, Any]]:
    """Components whose type/namespace/props match, e.g. find(tree, type="Mark") or find(tree, id="not-found")."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            if "props" in node and "type" in node:
                props = node.get("props") or {}
                ok = True
                for k, v in match.items():
                    have = node.get(k) if k in ("type", "namespace") else props.get(k)
                    if have != v:
                        ok = False
                        break
                if ok:
                    found.append(node)
                for v in props.values():
                    walk(v)
            else:
                for v in node.values():
                    walk(v)

    walk(tree)
    return found
