"""Where a service finds CJK fonts for the PDFs it renders (household cards, notice documents), and the one
PDF base class both documents draw with, so the card and the notice cannot differ in what they can print.

One decision for the whole platform, taken by the registry's household card first: fonts are not vendored
(a CJK font is megabytes). The main font is the system's WenQuanYi Micro Hei (Debian fonts-wqy-microhei) or
any TrueType/TTC font named by FUPIN_CJK_FONT. It has no glyphs for CJK Extension A/B characters, which
real names carry (王䶮, 龙𠮷, 56 division names of the tree such as 岑巩县㵲水街道), and fpdf2 silently
drops a character no font has. So HanaMin (Debian fonts-hanazono: HanaMinA = BMP and Extension A, HanaMinB
= Extension B and later planes) backs it up as fpdf2 fallback fonts; all three are installed by
`make install`, .ci/run and the Docker image. fpdf2 embeds only the glyphs a document uses.
"""

from __future__ import annotations

import functools
import logging
import os
import unicodedata
from pathlib import Path

from fpdf import FPDF

LOGGER = logging.getLogger(__name__)
FAMILY = "cjk"
FONT_ENV = "FUPIN_CJK_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
)


class CjkFontMissing(LookupError):
    pass


def find_font() -> Path:
    """FUPIN_CJK_FONT when set (and it must exist), else the first installed known font."""
    explicit = os.environ.get(FONT_ENV)
    if explicit:
        if not Path(explicit).is_file():
            raise CjkFontMissing(f"{FONT_ENV}={explicit} is not a file")
        return Path(explicit)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise CjkFontMissing(
        "no CJK font installed: `apt-get install fonts-wqy-microhei` (done by `make install`) "
        f"or set {FONT_ENV} to a TrueType font with Chinese glyphs"
    )


def find_fallback_fonts() -> tuple[Path, ...]:
    """The installed fallback fonts, in the order fpdf2 tries them; a missing one is warned about once."""
    installed = tuple(Path(path) for path in FALLBACK_FONTS if Path(path).is_file())
    if len(installed) < len(FALLBACK_FONTS):
        _warn_fallback_missing()
    return installed


@functools.cache
def _warn_fallback_missing() -> None:
    LOGGER.warning(
        "CJK fallback fonts missing (%s): characters beyond the main font (CJK Extension A/B) print as "
        "their code points, e.g. [U+4DAE]; `apt-get install fonts-hanazono` (done by `make install`)",
        ", ".join(FALLBACK_FONTS),
    )


@functools.cache
def _warn_uncovered(code_point: int) -> None:
    LOGGER.warning("no installed font has U+%04X: printed as its code point", code_point)


def placeholder(code_point: int) -> str:
    return f"[U+{code_point:04X}]"


class CjkPdf(FPDF):
    """An FPDF whose font family FAMILY is the main CJK font backed by the fallback fonts.

    A character no font has is printed as its code point in brackets ([U+2A6D6]) rather than refusing
    the document: one unprintable character must not make a whole village's notice or a household's card
    unavailable, and the code point is exact, visible and can be written in by hand — never a silent drop.
    The fallback fonts are loaded only when a text needs them: parsing them costs over a second, and
    almost every document is plain BMP Chinese."""

    def __init__(self, font: Path, orientation: str, page_format: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format=page_format)
        self.add_font(FAMILY, "", str(font))
        self._main_cmap = self.fonts[FAMILY].cmap  # type: ignore[union-attr]
        self._fallback_cmaps: list[dict[int, str]] | None = None

    def normalize_text(self, text: str) -> str:
        """fpdf2 passes every text it draws or measures through here (cells, multi_cells, tables)."""
        if self.is_ttf_font:
            text = "".join(map(self._printable, text))
        return super().normalize_text(text)

    def _printable(self, char: str) -> str:
        code_point = ord(char)
        if code_point in self._main_cmap or unicodedata.category(char) == "Cc":
            return char  # control characters (line breaks) are fpdf2's to handle
        if any(code_point in cmap for cmap in self._fallbacks()):
            return char
        _warn_uncovered(code_point)
        return placeholder(code_point)

    def _fallbacks(self) -> list[dict[int, str]]:
        if self._fallback_cmaps is None:
            names = []
            for index, path in enumerate(find_fallback_fonts()):
                names.append(f"{FAMILY}-fallback{index}")
                self.add_font(names[-1], "", str(path))
            # exact_match=False: the documents draw no bold or italic, and a fallback must never be
            # skipped over a style mismatch.
            self.set_fallback_fonts(names, exact_match=False)
            self._fallback_cmaps = [self.fonts[name].cmap for name in names]  # type: ignore[union-attr]
        return self._fallback_cmaps
