"""`fupin demo`, fifth part: assistance links the county's approved projects to the registered households
they lift (带贫/利益联结机制) — two or three each, by a mechanism fitting the project's category — and records
what one household received from its project this year.

Drawn from the demo's seed. A household already linked to a project (an earlier run's link) keeps its link;
a benefit already recorded for the year is kept. Assistance learns of a project from funds' events, so a
first link is retried until the service knows the project as approved."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from fupin_kit import civil_time

Who = tuple[str, str, str]
Call = Callable[..., Any]
Eventually = Callable[[Callable[[], Any]], Any]

# The mechanisms (code list link_mechanism) a project of each category lifts households by.
MECHANISMS = {
    "industry": ("dividends", "purchases", "wages", "land_rent"),
    "infrastructure": ("wages",),
    "employment": ("wages",),
}
BENEFIT = "1860.00"


@dataclass
class LinksSummary:
    projects: int = 0
    linked: int = 0  # links made in this run
    kept: int = 0  # links an earlier run made
    benefits: int = 0  # benefits recorded in this run


class Links:
    def __init__(self, call: Call, eventually: Eventually, county: Who, seed: int, year: int) -> None:
        self.call = call
        self.eventually = eventually
        self.county = county
        self.seed = seed
        self.year = year
        self.rng = random.Random(seed)
        self.summary = LinksSummary()

    def key(self, *parts: object) -> str:
        return ":".join(["fupin-demo", str(self.seed), *map(str, parts)])

    def run(self, projects: list[dict[str, Any]], households: list[str]) -> LinksSummary:
        """`projects`: approved by the county; `households`: registered households of the county."""
        first_link: dict[str, Any] | None = None
        for project in projects:
            chosen = self.rng.sample(households, min(len(households), self.rng.randint(2, 3)))
            links = [self.link(project, household) for household in sorted(chosen)]
            first_link = first_link or (links[0] if links else None)
            self.summary.projects += 1
        if first_link is not None:
            self.benefit(first_link)
        return self.summary

    def link(self, project: dict[str, Any], household: str) -> dict[str, Any]:
        # Drawn whether or not the link exists, so that a second run draws what the first one did.
        body = {
            "mechanism": self.rng.choice(MECHANISMS.get(project["category"], ("wages",))),
            "expected_yearly": f"{self.rng.randrange(12, 40) * 100}.00",
            "started_on": civil_time.china_today().isoformat(),
            "note": "演示：利益联结协议已签订",
        }
        path = f"/assistance/projects/{project['id']}/links"
        # 404 until funds' events have brought the project to assistance.
        current = self.eventually(partial(self.call, "GET", path, self.county, params={"limit": 500}))
        for link in current:
            if link["household_id"] == household:
                self.summary.kept += 1
                return dict(link)
        made = self.eventually(
            partial(
                self.call,
                "PUT",
                f"{path}/{household}",
                self.county,
                body,
                key=self.key("link", project["id"], household),
            )
        )
        self.summary.linked += 1
        return dict(made)

    def benefit(self, link: dict[str, Any]) -> None:
        """What the first linked household received from its project this year, unless recorded."""
        received = self.call("GET", f"/assistance/households/{link['household_id']}/links", self.county)
        for found in received:
            if found["id"] == link["id"] and any(row["year"] == self.year for row in found["received"]):
                return
        path = f"/assistance/links/{link['id']}/benefits/{self.year}"
        self.call(
            "PUT", path, self.county, {"amount": BENEFIT}, key=self.key("benefit", link["id"], self.year)
        )
        self.summary.benefits += 1
