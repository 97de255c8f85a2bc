"""Scanned paper letters: text rendered into an image, slightly rotated, with light noise.

The text is large and clean enough for tesseract (about 200 dpi, 11-12 pt body text).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .fonts import find_unicode_font

DPI = 200
PAGE_W, PAGE_H = 1654, 2339  # A4 at 200 dpi
MARGIN_L = 190
MARGIN_R = 150


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    fonts = find_unicode_font()
    return ImageFont.truetype(str(fonts.bold if bold else fonts.regular), size)


@dataclass
class ScanLetter:
    letterhead: list[str]  # first line big/bold
    recipient: list[str]
    date_line: str
    subject: str
    body: list[str]  # paragraphs
    closing: list[str]
    right_info: list[str] = field(default_factory=list)
    table: list = field(default_factory=list)
    stamp: str | None = None  # e.g. signature/received stamp text
    signature_scribble: bool = True


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    out: list[str] = []
    for para_line in text.split("\n"):
        words = para_line.split()
        cur = ""
        for w in words:
            cand = f"{cur} {w}" if cur else w
            if draw.textlength(cand, font=font) <= width or not cur:
                cur = cand
            else:
                out.append(cur)
                cur = w
        out.append(cur)
    return out


def render_letter(letter: ScanLetter, rng: random.Random) -> Image.Image:
    img = Image.new("L", (PAGE_W, PAGE_H), 255)
    d = ImageDraw.Draw(img)
    body_font = _font(33)
    small = _font(26)
    width = PAGE_W - MARGIN_L - MARGIN_R
    y = 150
    if letter.letterhead:
        d.text((MARGIN_L, y), letter.letterhead[0], font=_font(50, True), fill=20)
        y += 70
        for line in letter.letterhead[1:]:
            d.text((MARGIN_L, y), line, font=small, fill=40)
            y += 34
        d.line((MARGIN_L, y + 10, PAGE_W - MARGIN_R, y + 10), fill=90, width=2)
    y = max(y + 60, 470)
    y0 = y
    for line in letter.recipient:
        d.text((MARGIN_L, y), line, font=body_font, fill=0)
        y += 44
    ry = y0
    for line in letter.right_info:
        d.text((1000, ry), line, font=small, fill=0)
        ry += 36
    y = max(y, ry) + 60
    d.text(
        (PAGE_W - MARGIN_R - d.textlength(letter.date_line, font=body_font), y),
        letter.date_line,
        font=body_font,
        fill=0,
    )
    y += 80
    for line in _wrap(d, letter.subject, _font(35, True), width):
        d.text((MARGIN_L, y), line, font=_font(35, True), fill=0)
        y += 50
    y += 30
    for para in letter.body:
        for line in _wrap(d, para, body_font, width):
            d.text((MARGIN_L, y), line, font=body_font, fill=0)
            y += 46
        y += 22
    if letter.table:
        ncol = len(letter.table[0])
        fracs = [0.0, 0.09, 0.27, 0.90] if ncol == 4 else [i / ncol for i in range(ncol)]
        for r, row in enumerate(letter.table):
            f = _font(30, r == 0)
            for c, cell in enumerate(row):
                d.text((MARGIN_L + int(fracs[c] * width), y), cell, font=f, fill=0)
            y += 44
        y += 30
    for line in letter.closing:
        d.text((MARGIN_L, y), line, font=body_font, fill=0)
        y += 46
        if line == letter.closing[0] and letter.signature_scribble:
            # a pen-like scribble as signature
            pts = []
            x0 = MARGIN_L + 10
            for i in range(14):
                pts.append((x0 + i * 18, y + 30 + rng.randint(-22, 22)))
            d.line(pts, fill=30, width=3)
            y += 80
    if letter.stamp:
        sx, sy = 980, min(y + 40, PAGE_H - 330)
        d.rectangle((sx, sy, sx + 520, sy + 150), outline=60, width=4)
        for i, line in enumerate(letter.stamp.split("\n")):
            d.text((sx + 25, sy + 20 + i * 40), line, font=_font(30, True), fill=50)
    return _scanify(img, rng)


def _scanify(img: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(-0.9, 0.9)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    # light sparse noise: dust specks and a faint gray edge like a scanner lid shadow
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(250, 600)):
        x, y = rng.randrange(PAGE_W), rng.randrange(PAGE_H)
        r = rng.choice((0, 0, 0, 1))
        shade = rng.randint(90, 200)
        d.ellipse((x, y, x + r, y + r), fill=shade)
    edge = rng.randint(6, 14)
    d.rectangle((0, 0, PAGE_W, edge), fill=rng.randint(200, 225))
    return img


def to_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(DPI, DPI), optimize=False, compress_level=9)
    return buf.getvalue()


def to_tiff(img: Image.Image) -> bytes:
    """Bilevel CCITT G4 TIFF, as produced by office scanners."""
    bw = img.point(lambda v: 255 if v > 165 else 0, mode="1")
    buf = io.BytesIO()
    bw.save(buf, format="TIFF", compression="group4", dpi=(DPI, DPI))
    return buf.getvalue()


def to_bilevel(img: Image.Image) -> Image.Image:
    return img.point(lambda v: 255 if v > 165 else 0, mode="1")
