"""What both notice documents (the board's HTML page and the PDF) say about a notice or an announcement:
its Chinese title, its village (by name and path when the registry's events named it, else by code), and
its period (an announcement's date) as the village reads it, in China Standard Time (the notice's instants are stored in UTC, whose date is a day
early for the eight hours after 16:00 UTC)."""

from __future__ import annotations

import datetime as dt
import html

from identification import clock
from identification.notices.line_status import LineStatus
from identification.notices.schemas import PublicEntry, PublicNotice

TITLES = {
    "first": "第一次公示（村民主评议结果）",
    "second": "第二次公示（乡镇审核、部门比对结果）",
    "exit": "贫困户退出公示",
    "monitoring": "防止返贫监测对象公示",
}
# The county's announcements name their village and year, as a posted 公告 does: 黄平县新州镇东门村2026年贫困户识别结果公告.
ANNOUNCEMENT_TITLES = {
    "announcement": "贫困户识别结果公告",
    "exit_announcement": "贫困户退出公告",
}
DEFAULT_TITLE = "公示"


def is_announcement(kind: str) -> bool:
    return kind in ANNOUNCEMENT_TITLES


def title(kind: str, place: str | None, starts_at: dt.datetime) -> str:
    """A notice's title by its kind; an announcement's with its place (when named) and its year in China."""
    if is_announcement(kind):
        return f"{place or ''}{clock.civil_year(starts_at)}年{ANNOUNCEMENT_TITLES[kind]}"
    return TITLES.get(kind, DEFAULT_TITLE)


def china_time(instant: dt.datetime) -> str:
    return f"{instant.astimezone(clock.CHINA):%Y-%m-%d %H:%M}"


def period(notice: PublicNotice) -> str:
    return f"{china_time(notice.starts_at)} 至 {china_time(notice.ends_at)}（北京时间）"


def dates(notice: PublicNotice) -> str:
    """A notice's period; an announcement, which has none (no objection is taken), its date."""
    if is_announcement(notice.kind):
        return f"公告日期：{notice.starts_at.astimezone(clock.CHINA):%Y-%m-%d}"
    return f"公示期：{period(notice)}"


def village_line(notice: PublicNotice) -> str:
    """The village by its name and path, with the code the files use; by its code alone when unnamed."""
    if notice.place:
        return f"村（社区）：{notice.place}（代码 {notice.division}）"
    return f"村（社区）代码：{notice.division}"


def village(entry: PublicEntry) -> str:
    return entry.village_name or entry.village


# The status column: empty for a household still listed; a household taken off the notice stays on it, as
# it was posted, marked with why.
LINE_STATUS = {
    LineStatus.LISTED: "",
    LineStatus.WITHDRAWN_AFTER_OBJECTION: "异议成立，已撤出公示",
    LineStatus.WITHDRAWN: "已撤回或未通过，撤出公示",
}


def line_status(entry: PublicEntry) -> str:
    return LINE_STATUS[entry.status]


def render_html(notice: PublicNotice) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(village(entry))}</td><td>{html.escape(entry.head_name)}</td>"
        f"<td>{html.escape(entry.head_id)}</td><td>{entry.member_count}</td>"
        f"<td>{html.escape(line_status(entry))}</td></tr>"
        for entry in notice.entries
    )
    heading = html.escape(notice.title)
    where = html.escape(notice.place or notice.division)
    return (
        "<!doctype html><html lang=zh><meta charset=utf-8>"
        f"<title>{heading} {where}</title>"
        f"<h1>{heading}</h1>"
        f"<p>{html.escape(village_line(notice))}</p>"
        f"<p>{html.escape(dates(notice))}</p>"
        f"<table><tr><th>村</th><th>户主</th><th>身份证号</th><th>人口</th><th>状态</th></tr>{rows}</table></html>"
    )
