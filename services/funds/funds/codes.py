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


class AllocationSource(LabelledEnum):
    """Where an allocation's money comes from: a tier's fiscal special fund, or the county's integrated
    agricultural funds (统筹整合); the codes are FundSource's, so a project's financing line names the same
    source as the allocation it draws on."""

    CENTRAL = "central", "中央财政专项扶贫资金"
    PROVINCIAL = "provincial", "省级财政专项扶贫资金"
    CITY = "city", "市级财政专项扶贫资金"
    COUNTY = "county", "县级财政专项扶贫资金"
    INTEGRATED = "integrated", "统筹整合涉农资金"


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


class Benefit(LabelledEnum):
    """到户资金: what a payment straight to a household's 一卡通 account (or to a person: training and student
    aid) is for."""

    INDUSTRY_SUBSIDY = "industry_subsidy", "产业奖补"
    HOUSING = "housing", "危房改造补助"
    EDUCATION = "education", "雨露计划补助"
    MEDICAL = "medical", "医疗救助"
    DIBAO = "dibao", "低保金"
    RELOCATION = "relocation", "易地搬迁补助"
    EMPLOYMENT = "employment", "就业补贴"
    MICROCREDIT_INTEREST = "microcredit_interest", "小额信贷贴息"
    OTHER = "other", "其他"


class FindingKind(LabelledEnum):
    """What the automatic supervision of payments, allocations and projects finds (domain.md §6's typical
    findings)."""

    NON_REGISTERED = "non-registered", "支付给非建档立卡户"
    DECEASED = "deceased", "支付给已故人员"
    DUPLICATE = "duplicate", "重复享受"
    ABOVE_STANDARD = "above-standard", "超标准发放"
    BEFORE_ACCEPTANCE = "before-acceptance", "验收前支付"
    OVER_BUDGET = "over-budget", "超预算"
    # On an allocation, not a payment: money its county neither passed down nor spent by the deadline.
    IDLE_FUNDS = "idle-funds", "资金滞留"
    # On a project drawing on an allocation not approved for the project's category.
    OUTSIDE_CATEGORY = "outside-category", "超范围使用资金（挪用）"
    # On a project: a point of a joint inspection's checklist it failed (once per project and point).
    INSPECTION_ISSUE = "inspection-issue", "联合检查发现问题"


class FindingStatus(LabelledEnum):
    """A finding is open until a county officer resolves it (funds.supervision.workflow)."""

    OPEN = "open", "待处理"
    RECOVERED = "recovered", "已追回资金"
    JUSTIFIED = "justified", "经核实合规"
    TRANSFERRED_TO_DISCIPLINE = "transferred_to_discipline", "已移交纪检监察"
    # Set by the service, not an officer: an outside-category finding of a project rejected before any
    # money was spent on it (no money was committed, so nothing was diverted).
    VOIDED = "voided", "已作废（项目未获批准）"


class Resolution(LabelledEnum):
    """How a county officer closes a finding: the money recovered, the payment found justified, or the case
    handed to the discipline inspection commission (纪检监察)."""

    RECOVERED = "recovered", "追回资金"
    JUSTIFIED = "justified", "核实合规"
    TRANSFERRED_TO_DISCIPLINE = "transferred_to_discipline", "移交纪检监察"


class InspectionDepartment(LabelledEnum):
    """The departments taking part in a joint inspection (联合检查, domain.md §6: supervision over the whole
    lifecycle jointly by the supervision, poverty-alleviation and finance departments)."""

    DISCIPLINE = "discipline", "纪检监察"
    POVERTY_ALLEVIATION = "poverty_alleviation", "扶贫"
    FINANCE = "finance", "财政"
    AUDIT = "audit", "审计"
    AGRICULTURE = "agriculture", "农业农村"


class InspectionPoint(LabelledEnum):
    """The checklist of a project inspected: each point passed or failed (a failure with a note)."""

    DISCLOSURE = "disclosure", "公告公示"
    DISBURSEMENT = "disbursement", "资金拨付"
    QUALITY = "quality", "工程质量"
    POVERTY_IMPACT = "poverty_impact", "带贫成效"
    RECORDS = "records", "档案资料"


class InspectionStatus(LabelledEnum):
    """An inspection takes items until it is closed with its conclusion; closed, it is frozen."""

    OPEN = "open", "检查中"
    CLOSED = "closed", "已结束"


class EvaluationGrade(LabelledEnum):
    """The grade of a score out of 100 (a project's completion evaluation, a county's fund evaluation)."""

    EXCELLENT = "excellent", "优"
    GOOD = "good", "良"
    FAIR = "fair", "中"
    POOR = "poor", "差"
