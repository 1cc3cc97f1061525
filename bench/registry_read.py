"""The read B3 and B5 measure: the registry's GET /households/{id}, read by a city-tier cadre, so the
answer is jurisdiction-scoped (division BETWEEN the city's subtree bounds) and masked (no full ID number
above the county tier). Seeds households through the registry's own API, as a village cadre."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from bench.procs import BENCH_TOKEN_LIFETIME_S, service
from fupin_kit.divisions import subtree_range
from fupin_kit.pii import check_digit
from fupin_kit.testing import ServiceProcess, Stack

VILLAGE = "520102016001"  # 纪念塔社区, 南明区, 贵阳市
CITY = "520100000000"  # 贵阳市: above the county tier, so resident IDs come back masked


@dataclass
class Platform:
    registry: ServiceProcess
    gateway: ServiceProcess


async def databases(stack: Stack) -> tuple[str, str]:
    registry_db = await stack.fresh_database("registry", "registry")
    gateway_db = await stack.fresh_database("fupin_gateway", "gateway")
    return registry_db, gateway_db


def platform(stack: Stack, registry_db: str, gateway_db: str, **extra_env: str) -> Platform:
    """A registry and a gateway in front of it, each a real uvicorn process. Rate limiting is off: the
    benchmark is one caller at hundreds of requests a second, which the per-caller limit would refuse."""
    registry = service("registry", "registry", stack.env("registry", registry_db, **extra_env))
    gateway = service(
        "fupin_gateway",
        "gateway",
        stack.env(
            "gateway",
            gateway_db,
            FUPIN_UPSTREAMS=json.dumps({"registry": registry.url}),
            FUPIN_RATE_LIMIT_PER_S="0",
            **extra_env,
        ),
    )
    return Platform(registry, gateway)


def _resident_id(serial: int, male: bool) -> str:
    sequence = f"{(serial * 2 + (1 if male else 0)) % 1000:03d}"
    first17 = f"520102{1950 + serial // 500:04d}0101{sequence}"
    return first17 + check_digit(first17)


def _household(serial: int) -> dict[str, object]:
    def member(relation: str, male: bool, offset: int) -> dict[str, object]:
        return {
            "name": "张三" if male else "李四",
            "sex": "male" if male else "female",
            "resident_id": _resident_id(serial * 2 + offset, male),
            "relation": relation,
            "health": "healthy",
            "labour_capacity": "ordinary",
        }

    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "head_name": "张三",
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": "6228480012345678",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": ["lack_capital"],
        "living": {"housing_area": "60.5", "housing_safety_grade": "C", "drinking_water": "difficult"},
        "members": [member("head", True, 0), member("spouse", False, 1)],
        "registered_on": "2020-01-01",
    }


async def seed(stack: Stack, registry: ServiceProcess, count: int) -> list[str]:
    token = stack.token("village", VILLAGE, ["cadre"], subject="bench-seeder")
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=registry.url, timeout=30) as client:
        for serial in range(count):
            response = await client.post(
                "/households", json=_household(serial), headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code != 201:
                raise RuntimeError(f"seeding a household failed: {response.status_code} {response.text}")
            ids.append(str(response.json()["id"]))
    return ids


def reader_token(stack: Stack) -> str:
    return stack.token("city", CITY, ["viewer"], subject="bench-reader", lifetime_s=BENCH_TOKEN_LIFETIME_S)


def baseline_query(household_id: str) -> str:
    lo, hi = subtree_range(CITY)
    return f"/households/{household_id}?lo={lo}&hi={hi}"


async def check_masked(gateway: ServiceProcess, household_id: str, token: str) -> bool:
    """The platform arm really reads a masked household (not a 404 or an unmasked answer)."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            f"{gateway.url}/api/v1/registry/households/{household_id}",
            headers={"Authorization": f"Bearer {token}"},
        )
    if response.status_code != 200:
        raise RuntimeError(f"platform read failed: {response.status_code} {response.text}")
    return all(member["resident_id_masked"] for member in response.json()["members"])
