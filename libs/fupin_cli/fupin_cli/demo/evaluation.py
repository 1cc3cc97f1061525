"""`fupin demo`, sixth part: evaluation of the demo county — the province opens a third-party evaluation
(第三方评估) of it and draws its sample, and the county's city opens its yearly assessment (年度考核) of its
counties (the registry's public list of the city's children) and scores the demo county from every source;
the other counties stay incomplete, as a city part-way through its assessment would show them.

A city without counties (东莞, 中山, 儋州) is assessed by its province among its peers, not by a city of
its own: the demo opens no assessment for it, nor for a county right under its province (仙桃), and says so.
What an earlier run opened (the round by its year and evaluator, the city's assessment of the year) is kept
and taken on; each write carries an Idempotency-Key derived from the seed and what it makes."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fupin_kit import divisions

Who = tuple[str, str, str]
Call = Callable[..., Any]

EVALUATORS = ("中国农业大学第三方评估中心", "西南大学乡村振兴评估中心", "华中师范大学减贫研究院")
DESIGN = {"townships_per_county": 2, "villages_per_township": 2, "households_per_village": 5}
SOURCES = ("daily_supervision", "annual_check", "third_party")
PARTS = ("poverty_reduction", "identification_accuracy", "assistance_satisfaction", "funds")


@dataclass
class EvaluationSummary:
    round_opened: bool = False
    sample: int = 0
    city: str | None = None  # the assessing city; None when the county has none
    assessment_opened: bool = False
    assessees: int = 0
    scored: int = 0  # sources scored in this run


def assessing_city(county: str) -> str | None:
    """The city above the county, whose government assesses it; None for a city without counties or a
    county right under its province."""
    above = divisions.government_parent(county)
    if county in divisions.COUNTYLESS_CITIES or above is None:
        return None
    return above if divisions.level(above) == divisions.Level.CITY else None


class Evaluation:
    def __init__(self, call: Call, county: str, seed: int, year: int) -> None:
        self.call = call
        self.county = county
        self.seed = seed
        self.year = year
        self.rng = random.Random(seed)
        self.province: Who = ("province", county[:2] + "0" * 10, "officer")
        self.summary = EvaluationSummary()

    def key(self, *parts: object) -> str:
        return ":".join(["fupin-demo", str(self.seed), *map(str, parts)])

    def run(self) -> EvaluationSummary:
        self.third_party()
        city = assessing_city(self.county)
        if city is not None:
            self.summary.city = city
            self.assessment(("city", city, "officer"))
        return self.summary

    # ---- the province's third-party round -----------------------------------------------------------------

    def third_party(self) -> None:
        evaluator = self.rng.choice(EVALUATORS)
        params = {"division": self.county, "limit": 500}
        rounds = self.call("GET", "/evaluation/evaluations", self.province, params=params)
        found = [r for r in rounds if r["year"] == self.year and r["evaluator"] == evaluator]
        if found:
            opened = found[0]
        else:
            body = {
                "county": self.county,
                "year": self.year,
                "evaluator": evaluator,
                "design": DESIGN | {"seed": self.seed},
            }
            opened = self.call("POST", "/evaluation/evaluations", self.province, body, key=self.key("round"))
            self.summary.round_opened = True
        if opened["drawn_at"] is None:
            path = f"/evaluation/evaluations/{opened['id']}/draw"
            opened = self.call("POST", path, self.province, key=self.key("draw", opened["id"]))["evaluation"]
        self.summary.sample = int(opened["sample_size"] or 0)

    # ---- the city's assessment of its counties ------------------------------------------------------------

    def assessment(self, city: Who) -> None:
        params = {"division": city[1], "year": self.year, "limit": 500}
        found = [
            a
            for a in self.call("GET", "/evaluation/assessments", city, params=params)
            if a["assessor"] == city[1] and a["assessee_level"] == "county"
        ]
        if found:
            assessment = found[0]
        else:
            body = {"year": self.year, "assessees": self.counties(city[1])}
            assessment = self.call("POST", "/evaluation/assessments", city, body, key=self.key("assessment"))
            self.summary.assessment_opened = True
        self.summary.assessees = len(assessment["assessees"])
        if self.county in assessment["assessees"]:
            self.score(city, str(assessment["id"]))

    def counties(self, city: str) -> list[str]:
        """The city's county-level children from the registry's public tree (市辖区 groupings left out)."""
        codes: list[str] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1000} | ({"after": after} if after else {})
            page = self.call("GET", f"/registry/divisions/public/{city}/children", None, params=params)
            codes += [
                row["code"]
                for row in page["items"]
                if row["level"] == "county" and not row["placeholder"] and row["name"] != "市辖区"
            ]
            after = page["next_after"]
            if after is None:
                return codes if self.county in codes else sorted([*codes, self.county])

    def score(self, city: Who, assessment: str) -> None:
        """The demo county's score from each source it still lacks."""
        results = self.call("GET", f"/evaluation/assessments/{assessment}/results", city)
        mine = next(row for row in results["assessees"] if row["division"] == self.county)
        for source in SOURCES:
            scores = {part: f"{self.rng.randint(820, 980) / 10:.1f}" for part in PARTS}
            if source not in mine["missing"]:
                continue
            path = f"/evaluation/assessments/{assessment}/scores/{self.county}/{source}"
            body = {"scores": scores, "note": "演示：依据日常监管、年度核查和第三方评估记录评分"}
            self.call("PUT", path, city, body, key=self.key("score", assessment, source))
            self.summary.scored += 1
