"""Every string the views and inbox pages show exists in German and English, in the one catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.i18n import CATALOGUE
from cockpit.i18n import t as tr

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "cockpit" / "pages" / "views.py", ROOT / "cockpit" / "pages" / "inbox.py"]


def catalogue() -> dict[str, dict[str, str]]:
    return CATALOGUE


def test_all_literal_keys_exist_in_both_languages():
    cat = catalogue()
    used = set()
    for page in PAGES:
        used |= set(re.findall(r'tr\("([a-z_.]+)"', page.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in cat)
    assert not missing
    assert all(cat[k].get("de") and cat[k].get("en") for k in used)


def test_message_codes_and_enumerations_are_translated():
    from search.request import DATE_FIELDS
    from views.compile import KNOWN_VALUES
    from views.model import COLUMNS

    src = (ROOT / "views" / "compile.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'ViewMessage\(\s*"([a-z_]+)"', src)) | {"dossier_required"}
    keys = [f"views.msg.{c}" for c in codes]
    keys += [f"views.col.{c}" for c in COLUMNS] + [f"views.field.{f}" for f in DATE_FIELDS]
    keys += [f"views.status.{s}" for s in KNOWN_VALUES["status"]]
    keys += [f"views.unit.{u}" for u in ("day", "week", "month", "quarter", "year")]
    keys += [f"views.date.{k}" for k in ("none", "last", "today", "yesterday", "this", "previous", "since", "between")]
    assert sorted(k for k in keys if k not in CATALOGUE) == []


def test_tr_formats_and_falls_back():
    assert tr("views.count", "de", n=3) == "3 Dokumente"
    assert tr("views.count", "en", n=3) == "3 documents"
    assert tr("views.count", "xx", n=3) == "3 Dokumente"
    assert tr("no.such.key", "de") == "no.such.key"
