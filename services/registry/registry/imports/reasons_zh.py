"""A report reason in Chinese, for the township and county clerks who read the import report.

The reasons themselves stay English (the JSON `reason` and the CSV's 原因 are parsed by departmental
systems); this renders each one in Chinese beside it. One catalogue: every reason the import can give (its
validator, the file reader, the checks run in the database, and the shared rules whose messages it passes
on: fupin_kit.text_rules, fupin_kit.pii, households.schemas), as a pattern of the English text with named
groups for what it carries (a quoted cell value, a number, a date, a column header), and the Chinese
template they are put back into as they were. Patterns are tried in order, the more specific first; a
reason none of them matches is returned as it was, in English: a reason is never lost, nor refused.
"""

from __future__ import annotations

import re
from typing import Final

from registry.households.schemas import HEAD_NAME_RULE, NOBODY_IN_YEAR
from registry.imports import failures
from registry.imports.dates import DATE_FORMS
from registry.imports.parsing import NO_HOUSEHOLDS, OLD_WORKBOOK
from registry.imports.validation import COMMA_RULE, ID_RULE, OUTSIDE, UNCOMPUTED_REASON

# A character as text_rules.code_point names it: U+200B, then its Unicode name (English, dropped).
_CODE_POINT = r"(?P<code>U\+[0-9A-F]{4,6})(?: [A-Z0-9 -]+)?"
# What validation.NUMBER_NOUNS calls the identifier a number cell may have lost digits of.
_NOUNS: Final = {"the ID": "证件号码", "the account number": "银行账号", "the phone number": "联系电话"}
_NOUN_DEFAULT = "数值"


def _fixed(english: str) -> str:
    return re.escape(english)


# (English pattern, Chinese template). Templates name the patterns' groups; `noun` is translated
# (_NOUNS), every other group is carried over unchanged.
_CATALOGUE: Final[tuple[tuple[str, str], ...]] = (
    # ---- a cell's value (validation) ----
    (_fixed("required"), "必填项，不能为空"),
    (r"“(?P<value>.*)” is not one of the allowed values", "“{value}”不是允许的取值"),
    (
        r"“(?P<value>.*)” is not a number: " + _fixed(COMMA_RULE),
        "“{value}”不是数值：逗号只能用作千位分隔符（如 3,000 或 1,234,567.50）",
    ),
    (
        r"“(?P<value>.*)” is not a number written in plain digits \(like 2500 or 2500\.50\)",
        "“{value}”不是用阿拉伯数字书写的数值（如 2500 或 2500.50）",
    ),
    (r"“(?P<value>.*)” is not a number", "“{value}”不是数值"),
    (_fixed("must be a non-negative number"), "必须是非负数"),
    (_fixed("at most two decimal places"), "至多两位小数"),
    (_fixed("the number is too large"), "数值过大"),
    (_fixed("a four-digit year between 1800 and 2100"), "应为1800至2100年之间的四位年份"),
    (_fixed("the date is in the future"), "日期不能晚于今天"),
    (
        r"the date is before (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}), when 建档立卡 began",
        "日期不能早于{date}（建档立卡开始之日）",
    ),
    (_fixed("是 or 否"), "应填“是”或“否”"),
    (r"at most (?P<count>[0-9]+) characters", "至多{count}个字符"),
    # ---- dates (dates.py) ----
    (_fixed(DATE_FORMS), "应为日期，如 2023-05-01、2023/5/1、2023.5.1、20230501 或 2023年5月1日"),
    (
        _fixed("a date without a time of day (only 0:00 may follow it)"),
        "应为日期，不带时刻（其后只能是 0:00）",
    ),
    (r"“(?P<value>.*)” is not a real date", "“{value}”不是真实存在的日期"),
    # ---- typed texts and names (fupin_kit.text_rules) ----
    (
        r"needs at least (?P<count>[0-9]+) characters other than whitespace and invisible characters",
        "至少需要{count}个可见字符（空白和不可见字符不计）",
    ),
    (
        r"contains the control character " + _CODE_POINT + r" \(only line feed and tab are allowed\)",
        "含有控制字符 {code}（只允许换行符和制表符）",
    ),
    (r"contains the control character " + _CODE_POINT, "含有控制字符 {code}"),
    (
        r"contains the line separator " + _CODE_POINT + "; use a line feed",
        "含有行分隔符 {code}，请改用换行符",
    ),
    (r"contains the line separator " + _CODE_POINT, "含有行分隔符 {code}"),
    (r"contains the bidirectional control character " + _CODE_POINT, "含有双向文本控制字符 {code}"),
    (r"contains the noncharacter " + _CODE_POINT, "含有非字符码位 {code}"),
    (
        r"contains the digit " + _CODE_POINT + ": a person's name holds no digit",
        "含有数字 {code}：人名中不能有数字",
    ),
    (
        r"contains " + _CODE_POINT + ", a digit: a person's name holds no digit",
        "含有 {code}（即数字）：人名中不能有数字",
    ),
    # ---- identifiers (validation, fupin_kit.pii) ----
    (
        _fixed(ID_RULE) + r"; the cell has (?P<length>[0-9]+) characters, among them (?P<odd>.*)",
        "公民身份号码应为17位数字加1位校验码（0-9或X）；该单元格有{length}个字符，其中有{odd}",
    ),
    (
        _fixed(ID_RULE) + r"; the cell has (?P<length>[0-9]+) characters",
        "公民身份号码应为17位数字加1位校验码（0-9或X）；该单元格有{length}个字符",
    ),
    (_fixed(ID_RULE), "公民身份号码应为17位数字加1位校验码（0-9或X）"),
    (_fixed("the resident ID check digit is wrong"), "公民身份号码校验码错误"),
    (
        _fixed("a 港澳台 residence permit number starts with 810000, 820000 or 830000"),
        "港澳台居民居住证号码应以810000、820000或830000开头",
    ),
    (
        _fixed("the resident ID region code (digits 1-2) is not a province of China"),
        "公民身份号码的地址码（第1–2位）不是我国的省级行政区划",
    ),
    (_fixed("the resident ID birth date is not a real date"), "公民身份号码中的出生日期不是真实存在的日期"),
    (_fixed("the resident ID birth date is in the future"), "公民身份号码中的出生日期晚于今天"),
    (r"the resident ID birth date is before (?P<year>[0-9]{4})", "公民身份号码中的出生日期早于{year}年"),
    (
        _fixed("a disability certificate number is a resident ID followed by category (1-7) and grade (1-4)"),
        "残疾人证号码应为公民身份号码后加残疾类别（1–7）和残疾等级（1–4）",
    ),
    (_fixed("sex does not match the resident ID"), "性别与公民身份号码不符"),
    # ---- cells that hold no typed value (validation._unreadable_cells) ----
    (
        _fixed(UNCOMPUTED_REASON),
        "单元格中是没有计算结果的公式（文件由程序生成）：请用 Excel 或 WPS 打开并保存该文件，"
        "或将公式粘贴为数值",
    ),
    (
        r"the cell holds a number, and Excel keeps only 15 significant digits of a number, so "
        r"(?P<noun>.+?) may already be wrong: format the column as text \(文本\) and type it again",
        "单元格中是数值，而 Excel 只保留数值的15位有效数字，{noun}可能已经出错：请将该列设为“文本”格式后重新输入",
    ),
    (_fixed("the cell holds a NUL or an unreadable character"), "单元格中有空字符或无法识别的字符"),
    (
        r"the cell holds a spreadsheet error \((?P<value>.*)\), not a value",
        "单元格中是电子表格的错误值（{value}），不是数据",
    ),
    # ---- a household's columns (validation) ----
    (_fixed("a 12-digit village code"), "应为12位村级区划代码"),
    (_fixed(OUTSIDE), "不在您的管辖范围内"),
    (_fixed("differs from the household's first row"), "与本户第一行不一致"),
    (_fixed("a household's division must be a village-level code"), "户所在区划必须是村级代码"),
    (_fixed("5 to 30 digits, + - or spaces"), "应为5至30位数字，可含 + - 或空格"),
    (_fixed("8 to 30 digits"), "应为8至30位数字"),
    (r"at most (?P<count>[0-9]+) other causes", "其他致贫原因至多{count}个"),
    (_fixed("other causes must be distinct"), "其他致贫原因不能重复"),
    (_fixed("an other cause must differ from the main cause"), "其他致贫原因不能与主要致贫原因相同"),
    (_fixed("the year is in the future"), "年份不能晚于今年"),
    (_fixed("the income year is too far ahead (at most next year)"), "收入年度过晚（至多为明年）"),
    (_fixed("give the income year (年度) with the incomes"), "填写收入时须填写年度"),
    (r"at most (?P<count>[0-9]+) members", "每户至多{count}名成员"),
    (_fixed("exactly one member must be the head of household"), "每户必须有且只有一名户主"),
    (_fixed(HEAD_NAME_RULE), "必须与户主（与户主关系为“户主”的成员）的姓名一致"),
    (_fixed("the same person appears twice"), "同一人在本户中出现两次"),
    (_fixed("before the member's birth date"), "早于成员的出生日期"),
    (
        _fixed(NOBODY_IN_YEAR).replace(_fixed("{year}"), "(?P<year>[0-9]+)"),
        "{year}年末户内没有成员，无法计算人均纯收入",
    ),
    # ---- checks of the whole file and the registry (repository.CHECKS and after) ----
    (
        r"the rows of a household must be contiguous; this 户编号 already appeared at row (?P<row>[0-9]+)",
        "同一户的各行必须相邻；此户编号已在第{row}行出现",
    ),
    (r"this person already appears at row (?P<row>[0-9]+) of this file", "此人已在本文件第{row}行出现"),
    (_fixed("not a current village of the division tree"), "不是区划树中现行的村"),
    (_fixed("this person already belongs to a household"), "此人已属于某一户"),
    (
        _fixed("the person left a household after this date: a file is dated on or after the day they left"),
        "此人迁出原户的日期晚于本登记日期：登记日期不能早于其迁出之日",
    ),
    (_fixed("this person is recorded as deceased"), "此人已登记为死亡"),
    # ---- the file as a whole (parsing) ----
    (
        _fixed(OLD_WORKBOOK),
        "不接受旧版 .xls/.et 工作簿或加密的工作簿：请另存为不设密码的 .xlsx（Excel 2007 或更高版本）或 CSV 文件",
    ),
    (_fixed("the file is named .xlsx but is not an XLSX workbook"), "文件名为 .xlsx，但不是 XLSX 工作簿"),
    (
        r"the column (?P<column>.+?) appears twice \(as (?P<header>.*)\)",
        "“{column}”列出现了两次（重复的一列为“{header}”）",
    ),
    (
        r"the column “(?P<header>.*)” is not one of the template's but looks like (?P<columns>.+?): "
        r"rename it to the template's header, or delete the column if it is not to be imported",
        "“{header}”列不是模板中的列，但与模板的{columns}列相似：请改为模板的列名；如不导入该列，请将其删除",
    ),
    (r"missing required columns: (?P<columns>.+)", "缺少必填列：{columns}"),
    (_fixed("the file is empty"), "文件为空"),
    # The decoder's and the csv module's own details are English and say nothing a clerk can act on.
    (r"the file is neither UTF-8 nor GB18030 text \(.*\)", "文件既不是 UTF-8 也不是 GB18030 编码的文本"),
    (r"not a readable CSV file: .*", "不是可读取的 CSV 文件"),
    (r"not a readable XLSX workbook: .*", "不是可读取的 XLSX 工作簿"),
    (_fixed(NO_HOUSEHOLDS), "文件中没有户：表头以下没有任何一行有值"),
    (
        r"the hidden sheet (?P<sheets>.+?) holds households: unhide it to import them, or delete it",
        "隐藏的工作表{sheets}中有户的数据：请取消隐藏后导入，或删除该工作表",
    ),
    (
        r"the sheet (?P<sheets>.+?) does not begin with the template's header row \((?P<headers>.+?)\) and "
        r"would not be read: give it that header in row 1, or delete it",
        "工作表{sheets}的第1行不是模板的表头（{headers}），不会被读取：请在第1行填写该表头，或删除该工作表",
    ),
    (
        r"households are on more than one sheet \((?P<sheets>.+?)\): put them on one sheet, or upload each "
        r"sheet as a file of its own",
        "户的数据分布在多个工作表中（{sheets}）：请放在同一个工作表中，或将每个工作表作为单独的文件上传",
    ),
)

# Why an import that did not finish failed (ImportOut.error; failures.py).
_FAILURES: Final[tuple[tuple[str, str], ...]] = (
    (_fixed(failures.INTERRUPTED), "导入被中断，请重新上传该文件"),
    (_fixed(failures.STOPPED), "导入过程中服务停止，请重新上传该文件"),
    (
        _fixed(failures.INTERNAL_ERROR) + r"(?P<kind>\w+)",
        "系统内部错误（{kind}），请重新上传该文件；如仍失败，请联系系统管理员",
    ),
)

# Compiled once; a cell value may hold a line break (Alt+Enter), hence DOTALL.
CATALOGUE: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.DOTALL), chinese) for pattern, chinese in (*_CATALOGUE, *_FAILURES)
)


def render(reason: str) -> str:
    """The reason in Chinese, carrying over the values it quotes; the reason itself when it is not known."""
    for pattern, chinese in CATALOGUE:
        match = pattern.fullmatch(reason)
        if match is not None:
            return chinese.format_map(_carried(match))
    return reason


def _carried(match: re.Match[str]) -> dict[str, str]:
    groups = {name: value or "" for name, value in match.groupdict().items()}
    if "noun" in groups:
        groups["noun"] = _NOUNS.get(groups["noun"], _NOUN_DEFAULT)
    return groups
