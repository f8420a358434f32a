"""A relay's print-ready QR code: the code of their link, the consultation's title and the
link written under it, as a PNG (white background, 300 dpi, about 10 cm wide)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Final

import matplotlib
import segno
from PIL import Image, ImageDraw, ImageFont

WIDTH: Final = 1200  # pixels: 10 cm at 300 dpi
MARGIN: Final = 80
TITLE_SIZE: Final = 52
LINK_SIZE: Final = 36
LINE_GAP: Final = 14
DPI: Final = 300
# Pillow's built-in font has no accented letters (a title's "é" came out as a box). DejaVu
# Sans has them all and ships with matplotlib, already installed for the digest's charts.
FONTS: Final = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
TITLE_FONT: Final = "DejaVuSans-Bold.ttf"
LINK_FONT: Final = "DejaVuSans.ttf"


def qr_png(link: str, *, scale: int = 10) -> bytes:
    """The QR code alone (error correction M, quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def flyer_png(link: str, title: str) -> bytes:
    """The QR code of `link`, with `title` and `link` written under it."""
    code = segno.make(link, error="m", micro=False)
    modules, _ = code.symbol_size(scale=1, border=4)
    scale = max(1, (WIDTH - 2 * MARGIN) // modules)
    picture = io.BytesIO()
    code.save(picture, kind="png", scale=scale, border=4)
    qr = Image.open(io.BytesIO(picture.getvalue())).convert("RGB")

    title_font = load_font(TITLE_FONT, TITLE_SIZE)
    link_font = load_font(LINK_FONT, LINK_SIZE)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    usable = WIDTH - 2 * MARGIN
    lines = [(line, title_font) for line in _wrap(probe, title, title_font, usable)]
    lines += [(line, link_font) for line in _wrap(probe, link, link_font, usable, by_char=True)]
    heights = [_height(probe, text, font) for text, font in lines]
    height = qr.height + sum(heights) + LINE_GAP * (len(lines) + 1) + MARGIN

    page = Image.new("RGB", (WIDTH, height), "white")
    page.paste(qr, ((WIDTH - qr.width) // 2, 0))
    draw = ImageDraw.Draw(page)
    y = qr.height + LINE_GAP
    for (text, font), line_height in zip(lines, heights, strict=True):
        x = (WIDTH - draw.textlength(text, font=font)) / 2
        draw.text((x, y), text, fill="black", font=font)
        y += line_height + LINE_GAP
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


Font = ImageFont.FreeTypeFont


@cache
def load_font(name: str, size: int) -> Font:
    """One of the flyer's fonts (`TITLE_FONT`, `LINK_FONT`), read once."""
    return ImageFont.truetype(FONTS / name, size)


def _height(draw: ImageDraw.ImageDraw, text: str, font: Font) -> int:
    _, _, _, bottom = draw.textbbox((0, 0), text or " ", font=font)
    return int(bottom) + 4


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, *, by_char: bool = False
) -> list[str]:
    """`text` cut into lines that fit `width` (a link is cut anywhere, a title between words)."""
    pieces = list(text) if by_char else text.split()
    joiner = "" if by_char else " "
    lines: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{joiner}{piece}" if current else piece
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = piece
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
