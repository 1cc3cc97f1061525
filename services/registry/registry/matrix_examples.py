"""Request body examples for the OpenAPI documents (and so for the jurisdiction matrix and schemathesis):
one valid body per write operation. The resident IDs are made up but pass the GB 11643 checksum."""

from __future__ import annotations

from typing import Any

HOUSEHOLD: dict[str, Any] = {
    "division": "520102016001",
    "village_group": "一组",
    "address": "纪念塔社区一组 8 号",
    "head_name": "张三",
    "identification_standard": "national",
    "attribute": "general",
    "main_cause": "illness",
    "members": [
        {
            "name": "张三",
            "sex": "male",
            "resident_id": "520102198001010013",
            "relation": "head",
            "health": "chronic",
            "labour_capacity": "ordinary",
        },
        {
            "name": "李四",
            "sex": "female",
            "resident_id": "520102198202020023",
            "relation": "spouse",
            "health": "healthy",
            "labour_capacity": "ordinary",
        },
    ],
}
HOUSEHOLD_PATCH: dict[str, Any] = {"address": "纪念塔社区一组 9 号", "reason": "门牌调整"}
STATUS_COMMAND: dict[str, Any] = {"action": "register", "reason": "县级审定"}
MEMBER_JOIN: dict[str, Any] = {
    "change": "birth",
    "effective_on": "2010-03-03",
    "reason": "出生",
    "member": {
        "name": "张小三",
        "sex": "male",
        "resident_id": "520102201003030039",
        "relation": "son",
        "health": "healthy",
        "labour_capacity": "none",
    },
}
MEMBER_PATCH: dict[str, Any] = {"health": "chronic", "reason": "体检结果"}
MEMBER_LEAVE: dict[str, Any] = {"change": "move_out", "effective_on": "2024-05-01", "reason": "外迁"}
MEMBER_DEATH: dict[str, Any] = {"died_on": "2024-05-01", "reason": "病故"}
INCOME: dict[str, Any] = {
    "wage": "12000.00",
    "business": "0",
    "transfer": "1800.00",
    "property": "0",
    "production_costs": "500.00",
}
STANDARD: dict[str, Any] = {
    "kind": "poverty_line",
    "year": 2024,
    "region": "520102000000",
    "amount": "4800.00",
    "reason": "县级标准高于省标",
}

# A two-member household in the 登记表 CSV layout (docs/registry-import.md); "{division}" is the village.
IMPORT_CSV = (
    "户编号,村代码,组,地址,户主姓名,识别标准,贫困户属性,主要致贫原因,姓名,性别,证件号码,与户主关系,健康状况,劳动能力\n"
    "M001,{division},二组,纪念塔路2号,王五,国家标准,一般贫困户,因病,王五,男,520102197505050030,户主,健康,普通劳动力\n"
    "M001,,,,,,,,赵六,女,520102197808080042,配偶,健康,普通劳动力\n"
)
IMPORT_FILES: dict[str, dict[str, str]] = {
    "file": {"filename": "matrix-import.csv", "content_type": "text/csv", "content": IMPORT_CSV}
}
