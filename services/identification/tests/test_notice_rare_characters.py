"""QA7 DW-1: the public notice PDF prints place names with CJK Extension A characters (㵲水街道 / 㵲水社区
of 岑巩县, real divisions of the registry's tree) instead of silently dropping them, through the real app.
The harness posts its notices for one fixed village code; the names are what a household event carries."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from fupin_contracts import registry as contracts

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"


def _chain() -> list[contracts.DivisionNameV1]:
    return [
        contracts.DivisionNameV1(code="520000000000", division_name="贵州省"),
        contracts.DivisionNameV1(code="522600000000", division_name="黔东南苗族侗族自治州"),
        contracts.DivisionNameV1(code="520102000000", division_name="岑巩县"),
        contracts.DivisionNameV1(code=TOWNSHIP, division_name="㵲水街道"),
        contracts.DivisionNameV1(code=VILLAGE, division_name="㵲水社区居民委员会"),
    ]


async def test_the_notice_pdf_prints_extension_a_place_names(harness: Harness) -> None:
    _cases, notice_id = await harness.to_first_notice(place=_chain())
    document = await harness.client.get(f"/public/notices/{notice_id}/document.pdf")
    assert document.status_code == 200, document.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    text = text.replace("\n", "")
    assert "岑巩县㵲水街道㵲水社区居民委员会" in text, text
    assert text.count("㵲水社区居民委员会") == 2, text  # the heading's place and the village column
