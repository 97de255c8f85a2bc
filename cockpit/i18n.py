"""The UI string catalogue (German first, English second). Every visible string comes from here."""

from __future__ import annotations

DEFAULT_LANG = "de"
LANGS = ("de", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "app.title": {"de": "Dossier Cockpit", "en": "Dossier Cockpit"},
    "app.tagline": {"de": "Alle Kundendokumente an einem Ort", "en": "Every customer document in one place"},
    "nav.status": {"de": "Systemstatus", "en": "System status"},
    "status.heading": {"de": "Systemstatus", "en": "System status"},
    "status.intro": {
        "de": "Zustand aller Komponenten, wie `cockpit doctor` ihn meldet.",
        "en": "State of every component as reported by `cockpit doctor`.",
    },
    "status.loading": {"de": "Prüfe Komponenten …", "en": "Checking components …"},
    "status.component": {"de": "Komponente", "en": "Component"},
    "status.state": {"de": "Zustand", "en": "State"},
    "status.version": {"de": "Version", "en": "Version"},
    "status.detail": {"de": "Details", "en": "Details"},
    "status.ok": {"de": "bereit", "en": "ready"},
    "status.missing": {"de": "fehlt", "en": "missing"},
    "status.optional": {"de": "fehlt (optional)", "en": "missing (optional)"},
    "status.error": {"de": "Statusprüfung fehlgeschlagen", "en": "Status check failed"},
    "lang.switch": {"de": "English", "en": "Deutsch"},
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry[DEFAULT_LANG]
