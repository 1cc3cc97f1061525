"""The code lists of funds (GET /code-lists): stable ASCII codes with the Chinese labels officials use
(domain.md §6). Never renumber or rename a code: add a new one and retire the old one."""

from __future__ import annotations

from fupin_kit.code_enum import LabelledEnum


class Category(LabelledEnum):
    """The kind of a project in the county's library."""

    INDUSTRY = "industry", "产业发展"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    EMPLOYMENT = "employment", "就业扶贫"
    EDUCATION = "education", "教育扶贫"
    HEALTH = "health", "健康扶贫"
    HOUSING = "housing", "危房改造"
    RELOCATION = "relocation", "易地搬迁"
    OTHER = "other", "其他"


class Nature(LabelledEnum):
    """建设性质: a new project, the continuation of an earlier one, or the repair or extension of a work."""

    NEW = "new", "新建"
    CONTINUED = "continued", "续建"
    REPAIR = "repair", "改扩建"


class FundSource(LabelledEnum):
    """Where a project's money comes from: the fiscal special funds of each tier, or the county's
    integrated agricultural funds (统筹整合)."""

    CENTRAL = "central", "中央财政专项扶贫资金"
    PROVINCIAL = "provincial", "省级财政专项扶贫资金"
    CITY = "city", "市级财政专项扶贫资金"
    COUNTY = "county", "县级财政专项扶贫资金"
    INTEGRATED = "integrated", "统筹整合涉农资金"
    OTHER = "other", "其他资金"


class AcceptanceResult(LabelledEnum):
    """验收结论: a project that fails its acceptance stays in implementation until it passes one."""

    PASSED = "passed", "验收合格"
    FAILED = "failed", "验收不合格"


class ProjectStatus(LabelledEnum):
    """The lifecycle's statuses (workflow.Status), labelled for the code list."""

    PROPOSED = "proposed", "已申报"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇已审核"
    COUNTY_APPROVED = "county_approved", "县级已审定"
    NOTICED = "noticed", "公示中"
    IN_LIBRARY = "in_library", "已入库"
    IMPLEMENTING = "implementing", "实施中"
    ACCEPTED = "accepted", "已验收"
    REIMBURSED = "reimbursed", "已报账"
    ANNOUNCED = "announced", "已公告"
    REJECTED = "rejected", "未通过"
