"""The relay's QR code decodes to their link, with the title and the link under it."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from bot.flyer import WIDTH, flyer_png, qr_png

LINK = "https://t.me/parole_test_bot?start=r_AbC-d_9x"


def decoded(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_the_qr_code_decodes_to_the_link():
    assert decoded(qr_png(LINK)) == [LINK]


def test_the_flyer_decodes_to_the_link_and_is_print_ready():
    png = flyer_png(LINK, "Vivre ensemble : lien social, prévention, sécurité — une longue affiche")
    assert decoded(png) == [LINK]
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == WIDTH
    assert image.height > WIDTH  # the text sits under the code
    assert round(image.info["dpi"][0]) == 300


def pixels(png: bytes) -> bytes:
    return Image.open(io.BytesIO(png)).convert("L").tobytes()


def test_accented_letters_are_drawn_not_replaced_by_a_box():
    # U+0378 is no character at all: every font draws its "missing glyph" box for it.
    missing = pixels(flyer_png(LINK, "\u0378"))
    for letter in ("é", "É", "ç", "œ", "è", "à", "ô", "·", "’"):
        assert pixels(flyer_png(LINK, letter)) != missing, letter
