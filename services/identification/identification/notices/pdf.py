"""The notice document (公示, or the county's announcement 公告) of one village as a PDF: the same content
as the HTML board — the masked head name (张*), the masked resident ID (region and last four digits), the
household size — never a full name or ID. The CJK fonts are the platform's shared choice (fupin_kit.cjk_font.CjkPdf, as on the
household card)."""

from __future__ import annotations

from fpdf.fonts import FontFace

from fupin_kit.cjk_font import FAMILY, CjkFontMissing, CjkPdf, find_font
from fupin_kit.problems import ProblemError, service_unavailable
from identification.notices import document
from identification.notices.schemas import PublicNotice

HEADING = FontFace(emphasis=None, fill_color=(221, 235, 247))


def font_problem(exc: CjkFontMissing) -> ProblemError:
    return service_unavailable(f"the notice document cannot be drawn: {exc}", retry_after_s=3600)


def render(notice: PublicNotice) -> bytes:
    """A4 portrait; fpdf2 embeds only the glyphs used, so a village list stays small."""
    pdf = CjkPdf(find_font(), orientation="P", page_format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FAMILY, size=16)
    pdf.multi_cell(0, 10, notice.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10.5)
    pdf.multi_cell(0, 7, document.village_line(notice), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, document.dates(notice), new_x="LMARGIN", new_y="NEXT")
    if not document.is_announcement(notice.kind):  # an announcement is the result: no objection is taken
        pdf.cell(0, 7, "公示期内如有异议，可向乡镇反映。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    with pdf.table(col_widths=(12, 34, 22, 52, 14, 46), headings_style=HEADING, line_height=7) as table:
        heading = table.row()
        for header in ("序号", "村", "户主", "身份证号", "人口", "状态"):
            heading.cell(header)
        for number, entry in enumerate(notice.entries, start=1):
            row = table.row()
            for value in (
                str(number),
                document.village(entry),
                entry.head_name,
                entry.head_id,
                str(entry.member_count),
                document.line_status(entry),
            ):
                row.cell(value)
    return bytes(pdf.output())
