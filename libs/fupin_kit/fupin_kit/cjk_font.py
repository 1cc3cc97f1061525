"""Where a service finds a CJK font for the PDFs it renders (household cards, notice documents).

One decision for the whole platform, taken by the registry's household card first: the font is not
vendored (a CJK font is megabytes); the system's WenQuanYi Micro Hei (Debian fonts-wqy-microhei, installed
by `make install`, .ci/run and the Docker images) or any TrueType/TTC font named by FUPIN_CJK_FONT.
fpdf2 embeds only the glyphs a document uses.
"""

from __future__ import annotations

import os
from pathlib import Path

FONT_ENV = "FUPIN_CJK_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
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
