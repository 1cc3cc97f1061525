"""The deployed feed policy sends joint inspections (opened, closed) and frozen fund evaluations from the
nation down to the county, never to the township or the village; inspection findings up to the province
like the other findings; a project's completion evaluation wherever its other project events go. None of
their fields is masked or dropped above the county (they name no person)."""

from __future__ import annotations

from fupin_contracts import funds as contracts
from fupin_gateway.feeds.policy import load_policy
from fupin_kit.settings import repository_root

POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
TIERS = ("nation", "province", "city", "county", "township", "village")
NATION_TO_COUNTY = {"nation", "province", "city", "county"}


def _receivers(event_type: str) -> set[str]:
    policy = load_policy(POLICY_FILE)
    found = {tier: policy.for_tier(tier) for tier in TIERS}
    return {tier for tier, rules in found.items() if rules is not None and rules.receives(event_type)}


def test_inspections_and_fund_evaluations_go_from_the_nation_down_to_the_county() -> None:
    for event_type in (
        contracts.INSPECTION_OPENED,
        contracts.INSPECTION_CLOSED,
        contracts.FUND_EVALUATION_FROZEN,
    ):
        assert _receivers(event_type) == NATION_TO_COUNTY, event_type


def test_inspection_findings_go_up_to_the_province() -> None:
    for event_type in (contracts.INSPECTION_FINDING_RAISED, contracts.INSPECTION_FINDING_RESOLVED):
        assert _receivers(event_type) == {"county", "city", "province"}, event_type


def test_a_completion_evaluation_goes_where_the_project_steps_go() -> None:
    assert _receivers(contracts.PROJECT_EVALUATED) == _receivers(contracts.event_type("accept")) == set(TIERS)


def test_no_field_is_masked_or_dropped_above_the_county() -> None:
    policy = load_policy(POLICY_FILE)
    models = (
        contracts.InspectionOpenedV1,
        contracts.InspectionClosedV1,
        contracts.InspectionFindingRaisedV1,
        contracts.InspectionFindingResolvedV1,
        contracts.ProjectEvaluatedV1,
        contracts.FundEvaluationFrozenV1,
    )
    fields = {name for model in models for name in model.model_fields}
    for tier in ("nation", "province", "city"):
        found = policy.for_tier(tier)
        assert found is not None
        hidden = set(found.mask_name) | set(found.drop) | set(found.mask_resident_id)
        assert fields & hidden == set(), (tier, fields & hidden)
