"""Every message code the code base raises or returns exists in the one catalogue, in German and English."""

from __future__ import annotations

import re

import i18n
from core.settings import REPO_ROOT

PACKAGES = ("app", "api", "domain", "search", "views", "notifications", "indexing", "cockpit", "web")
CALL = re.compile(
    r"\b(?:Message|NotFound|Forbidden|Invalid|Conflict|Unavailable|Unauthorized|AppError)\(\s*\"([a-z][a-z0-9_.]+)\""
)
PROBLEM = re.compile(r"problem\(\s*\d{3},\s*\"([a-z][a-z0-9_.]+)\"")
VIEW_MESSAGE = re.compile(r"ViewMessage\(\s*\"([a-z_]+)\"")


def codes() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found |= set(CALL.findall(text)) | set(PROBLEM.findall(text))
            found |= {f"views.msg.{c}" for c in VIEW_MESSAGE.findall(text)}
    return found


def test_every_code_is_in_the_catalogue():
    used = codes()
    assert len(used) > 40  # the scan finds them
    missing = sorted(c for c in used if c not in i18n.CATALOGUE)
    assert not missing, f"codes without a catalogue entry: {missing}"
    for code in used:
        assert i18n.CATALOGUE[code]["de"] and i18n.CATALOGUE[code]["en"]
