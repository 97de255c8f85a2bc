"""Any unknown path: a friendly "not found" page (Dash pages uses the module named not_found_404)."""

from __future__ import annotations

from typing import Any

import dash

from cockpit.components import not_found

dash.register_page(__name__, path="/404", name="not-found", title="Nicht gefunden – Dossier Cockpit", order=99)


def layout(**kwargs: Any) -> Any:
    return not_found("notfound.page")
