"""The code lists of assistance (GET /code-lists): stable ASCII codes with the Chinese labels officials use
(domain.md §5). Never renumber or rename a code: add a new one and retire the old one."""

from __future__ import annotations

from fupin_kit.code_enum import LabelledEnum


class MeasureType(LabelledEnum):
    """The fourteen kinds of assistance measure (帮扶措施)."""

    INDUSTRY = "industry", "产业"
    EMPLOYMENT = "employment", "就业/务工"
    EDUCATION = "education", "教育（雨露计划）"
    MEDICAL = "medical", "医疗"
    HOUSING = "housing", "住房"
    RELOCATION = "relocation", "易地搬迁"
    DIBAO = "dibao", "低保/特困"
    MICROCREDIT = "microcredit", "小额信贷及贴息"
    COOPERATIVE = "cooperative", "合作社入股分红"
    ASSET_INCOME = "asset_income", "资产收益"
    PHOTOVOLTAIC = "photovoltaic", "光伏"
    ECOLOGY = "ecology", "生态"
    ECOMMERCE = "ecommerce", "电商"
    TOURISM = "tourism", "乡村旅游"


class MeasureStatus(LabelledEnum):
    PLANNED = "planned", "计划"
    IN_PROGRESS = "in_progress", "实施中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"


class VisitKind(LabelledEnum):
    HOME = "home", "入户走访"
    PHONE = "phone", "电话回访"
    OTHER = "other", "其他"


class LoanPurpose(LabelledEnum):
    """What a micro-credit loan (扶贫小额信贷) is for: production only (domain.md §5)."""

    PLANTING = "planting", "种植"
    BREEDING = "breeding", "养殖"
    PROCESSING = "processing", "加工"
    COMMERCE = "commerce", "商贸流通"
    TOURISM = "tourism", "乡村旅游"
    OTHER_PRODUCTION = "other_production", "其他生产经营"


class LoanStatus(LabelledEnum):
    DISBURSED = "disbursed", "已放款"
    REPAYING = "repaying", "还款中"
    OVERDUE = "overdue", "逾期"
    REPAID = "repaid", "已结清"
    COMPENSATED = "compensated", "风险补偿代偿"


class LinkMechanism(LabelledEnum):
    """How an industry project lifts a household it is linked to (带贫/利益联结机制, domain.md §5)."""

    WAGES = "wages", "务工就业"
    DIVIDENDS = "dividends", "入股分红"
    PURCHASES = "purchases", "订单收购"
    LAND_RENT = "land_rent", "土地流转"
    ASSET_INCOME = "asset_income", "资产收益"
    PRODUCTION = "production", "生产带动"
