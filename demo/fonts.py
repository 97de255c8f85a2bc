"""Locate a Unicode TrueType font for the demo corpus renderers.

German, Turkish (ı, ş, ğ, İ) and Polish (ł, ą, ę, ż, ś) text needs a real Unicode font in
PDFs and scanned images. We prefer DejaVu Sans (Debian/Ubuntu package ``fonts-dejavu-core``),
then Liberation Sans (``fonts-liberation``), then anything ``fc-list`` reports that covers the
characters we need. ``DEMO_FONT_REGULAR`` / ``DEMO_FONT_BOLD`` environment variables override
the search.

The chosen font files are part of the byte-level output, so the corpus is byte-identical only
between machines that have the same font files installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Debian package that provides the preferred font (install in CI images).
FONT_PACKAGE = "fonts-dejavu-core"

_CANDIDATES: list[tuple[str, str]] = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    ),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
]

#: Characters every demo language needs (de, tr, pl, es).
REQUIRED_CHARS = "äöüßÄÖÜıİşŞğĞçÇłŁąężźśćńóÓñÑáéíú€"


class FontNotFoundError(RuntimeError):
    """No usable Unicode TrueType font was found on this machine."""


@dataclass(frozen=True)
class FontPair:
    regular: Path
    bold: Path


def _fc_list_candidates() -> list[tuple[str, str]]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=tr:lang=pl:fontformat=TrueType", "file", "style"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    regular: list[str] = []
    bold: list[str] = []
    for line in sorted(out.splitlines()):
        path, _, style = line.partition(":")
        path = path.strip()
        if not path.lower().endswith(".ttf"):
            continue
        style_l = style.lower()
        if "mono" in path.lower() or "serif" in path.lower() or "italic" in style_l or "oblique" in style_l:
            continue
        if "bold" in style_l:
            bold.append(path)
        elif "regular" in style_l or "book" in style_l:
            regular.append(path)
    if not regular:
        return []
    return [(regular[0], bold[0] if bold else regular[0])]


@lru_cache(maxsize=1)
def find_unicode_font() -> FontPair:
    """Return the regular and bold TTF paths used by all renderers."""
    env_regular = os.environ.get("DEMO_FONT_REGULAR")
    if env_regular:
        env_bold = os.environ.get("DEMO_FONT_BOLD", env_regular)
        if Path(env_regular).is_file() and Path(env_bold).is_file():
            return FontPair(Path(env_regular), Path(env_bold))
        raise FontNotFoundError(f"DEMO_FONT_REGULAR={env_regular!r} does not exist")
    for regular, bold in _CANDIDATES + _fc_list_candidates():
        reg_p = Path(regular)
        if reg_p.is_file():
            bold_p = Path(bold)
            return FontPair(reg_p, bold_p if bold_p.is_file() else reg_p)
    raise FontNotFoundError(
        "No Unicode TrueType font found. Install the Debian package "
        f"'{FONT_PACKAGE}' (apt-get install {FONT_PACKAGE}) or set DEMO_FONT_REGULAR."
    )


#: Unicode ranges kept in the PDF fonts (Latin scripts for de/en/es/tr/pl + punctuation + currency).
PDF_UNICODE_RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x1E00, 0x1EFF),
    (0x2010, 0x205E),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
]


@lru_cache(maxsize=1)
def pdf_fonts() -> FontPair:
    """Latin-only subsets of the Unicode font, built once per process.

    fpdf2 parses the whole TTF for every document; DejaVu has ~6000 glyphs which makes that the
    dominant cost. A ~700 glyph subset is an order of magnitude faster and yields the same PDFs'
    text. The subset files are deterministic (no timestamps) and live in a private temp dir.
    """
    import atexit
    import logging
    import tempfile

    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    src = find_unicode_font()
    tmp = Path(tempfile.mkdtemp(prefix="demo-fonts-"))
    atexit.register(shutil.rmtree, tmp, True)
    unicodes = [u for lo, hi in PDF_UNICODE_RANGES for u in range(lo, hi + 1)]
    out: list[Path] = []
    for i, path in enumerate((src.regular, src.bold)):
        font = TTFont(str(path), recalcTimestamp=False, lazy=False)
        opts = ft_subset.Options()
        opts.hinting = False
        opts.notdef_outline = True
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.glyph_names = False
        opts.layout_features = []
        sub = ft_subset.Subsetter(opts)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        dst = tmp / f"{path.stem}-latin{i}.ttf"
        font.save(str(dst))
        out.append(dst)
    return FontPair(out[0], out[1])


if __name__ == "__main__":  # pragma: no cover - diagnostic helper
    pair = find_unicode_font()
    print(f"regular: {pair.regular}\nbold:    {pair.bold}")
