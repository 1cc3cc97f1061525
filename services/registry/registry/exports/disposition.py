"""The Content-Disposition of a download (RFC 6266), whatever text its file name carries.

File names hold a household head's name as typed, and a name may hold anything a person can type:
quotes, a backslash, `; filename=a.exe`, a URL, control characters, a right-to-left override. The name is
first made a plain file name (what no file system or browser would take as structure becomes `_`), then
given twice: `filename*` (RFC 5987: UTF-8, every byte outside the unreserved set percent-encoded, so no `;`,
`"`, `/` or space survives) for the Chinese name, and a quoted `filename` of letters, digits and `-._()`
for clients that read only that.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Path separators, what Windows refuses in file names, and what would end or split a header parameter.
RESERVED = frozenset('"\\/:*?<>|;')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._()-]+")
_UNDERSCORES = re.compile(r"_{2,}")


def _plain_char(char: str) -> str:
    # Categories C* (controls, format characters such as U+202E, unassigned) and line/paragraph separators.
    category = unicodedata.category(char)
    return "_" if char in RESERVED or category[0] == "C" or category in ("Zl", "Zp") else char


def file_name(name: str) -> str:
    return "".join(map(_plain_char, name)).strip(" .") or "download"


def attachment(name: str, ascii_name: str | None = None) -> dict[str, str]:
    """`ascii_name`: the name for clients that cannot read `filename*` (made of `name` when not given)."""
    plain = file_name(name)
    fallback = _UNDERSCORES.sub("_", _NOT_ASCII_SAFE.sub("_", file_name(ascii_name or plain)))
    encoded = quote(plain, safe="")
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"}
