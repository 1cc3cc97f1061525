"""QA7 DW-1: the CJK PDF base class of the household card and the notice document never drops a character
silently: Extension A/B characters come from the fallback fonts, and a character no installed font has
(here a private-use code point) prints as its code point in brackets, with or without fallback fonts."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader

from fupin_kit import cjk_font
from fupin_kit.cjk_font import FAMILY, CjkPdf

needs_fallback_fonts = pytest.mark.skipif(
    not all(path.is_file() for path in map(Path, cjk_font.FALLBACK_FONTS)),
    reason="fonts-hanazono is not installed",
)
PRIVATE_USE = "\U000f0000"  # plane 15 private use: no font maps it


def drawn_text(text: str) -> str:
    pdf = CjkPdf(cjk_font.find_font(), orientation="P", page_format="A4")
    pdf.add_page()
    pdf.set_font(FAMILY, size=12)
    pdf.multi_cell(0, 7, text)
    with pdf.table(first_row_as_headings=False) as table:
        table.row().cell(text)
    body = bytes(pdf.output())
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


@needs_fallback_fonts
def test_extension_a_and_b_characters_are_drawn_from_the_fallback_fonts() -> None:
    text = drawn_text("岑巩县㵲水街道 王䶮 龙𠮷")
    assert text.count("岑巩县㵲水街道 王䶮 龙𠮷") == 2, text


@needs_fallback_fonts
def test_a_character_no_font_has_prints_as_its_code_point(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=cjk_font.LOGGER.name):
        text = drawn_text(f"王{PRIVATE_USE}明")
    assert text.count("王[U+F0000]明") == 2, text
    assert "U+F0000" in caplog.text


def test_without_fallback_fonts_rare_characters_print_as_code_points_and_a_warning_is_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(cjk_font, "FALLBACK_FONTS", ("/nonexistent/HanaMinA.ttf",))
    cjk_font._warn_fallback_missing.cache_clear()
    with caplog.at_level(logging.WARNING, logger=cjk_font.LOGGER.name):
        first = drawn_text("王䶮 龙𠮷")
        second = drawn_text("王䶮")
    assert first.count("王[U+4DAE] 龙[U+20BB7]") == 2, first
    assert second.count("王[U+4DAE]") == 2, second
    assert caplog.text.count("CJK fallback fonts missing") == 1, caplog.text
