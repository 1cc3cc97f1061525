"""The code lists of evaluation (GET /code-lists): stable ASCII codes with the Chinese labels officials use.
Never renumber or rename a code: add a new one and retire the old one."""

from __future__ import annotations

from fupin_kit.code_enum import LabelledEnum


class EvaluationStatus(LabelledEnum):
    OPEN = "open", "已启动"
    DRAWN = "drawn", "已抽样"
    CLOSED = "closed", "已结束"


class SampleAllocation(LabelledEnum):
    """How a village's sampled households are split between the strata (domain.md §7)."""

    PROPORTIONAL = "proportional", "按户数比例分配"
    SATISFACTION_532 = "satisfaction_532", "满意度样本5:3:2（建档立卡户:脱贫户:非贫困户）"


class SampleStratum(LabelledEnum):
    POOR = "poor", "在册贫困户"
    EXITED = "exited", "已脱贫户"
    NON_POOR = "non_poor", "非贫困户"


class RateCode(LabelledEnum):
    WRONGLY_EXITED = "wrongly_exited", "错退率"
    MISSED = "missed", "漏评率"
    APPROVAL = "approval", "群众认可度"
    COMPOSITE_INCIDENCE = "composite_incidence", "综合贫困发生率"


class RectificationKind(LabelledEnum):
    """What a rectification task (整改) answers: a failed threshold, or one household's finding."""

    WRONGLY_EXITED_RATE = "wrongly_exited_rate", "错退率超标"
    MISSED_RATE = "missed_rate", "漏评率超标"
    APPROVAL_RATE = "approval_rate", "群众认可度未达标"
    COMPOSITE_INCIDENCE_RATE = "composite_incidence_rate", "综合贫困发生率超标"
    WRONGLY_EXITED_HOUSEHOLD = "wrongly_exited_household", "错退户"
    MISSED_HOUSEHOLD = "missed_household", "漏评户"
    ASSESSMENT_POOR = "assessment_poor", "年度考核较差"


class RectificationStatus(LabelledEnum):
    OPEN = "open", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已验收"


class RectificationAction(LabelledEnum):
    START = "start", "开始整改"
    SUBMIT = "submit", "提交整改结果"
    ACCEPT = "accept", "验收通过"
    RETURN = "return", "退回"


class AssessmentStatus(LabelledEnum):
    OPEN = "open", "考核中"
    FINALIZED = "finalized", "已定档"


class AssesseeLevel(LabelledEnum):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    TOWNSHIP = "township", "乡镇"


class AssessmentSource(LabelledEnum):
    """Where a score comes from (domain.md §7: 日常监管 40% + 年度考核 30% + 第三方评估 30% by default)."""

    DAILY_SUPERVISION = "daily_supervision", "日常监管"
    ANNUAL_CHECK = "annual_check", "年度核查"
    THIRD_PARTY = "third_party", "第三方评估"


class AssessmentPart(LabelledEnum):
    """What is scored (domain.md §7's provincial assessment parts)."""

    POVERTY_REDUCTION = "poverty_reduction", "减贫成效"
    IDENTIFICATION_ACCURACY = "identification_accuracy", "精准识别"
    ASSISTANCE_SATISFACTION = "assistance_satisfaction", "精准帮扶/群众满意"
    FUNDS = "funds", "资金使用管理"


class AssessmentGrade(LabelledEnum):
    GOOD = "good", "好"
    FAIRLY_GOOD = "fairly_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "较差"


class AssessmentConsequence(LabelledEnum):
    """What a finalized grade brings (cadre performance linked to reward and punishment)."""

    COMMENDATION = "commendation", "通报表扬（可获激励资金）"
    NONE = "none", "无"
    INTERVIEW = "interview", "约谈并整改"
