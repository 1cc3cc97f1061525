"""The pure transition table: every (state, action) pair outside it is out of order."""

from __future__ import annotations

import uuid

import pytest

from fupin_contracts import identification as contracts
from fupin_kit.auth.actor import Actor
from identification import workflow
from identification.batches import sampling
from identification.comparisons import service as comparisons
from identification.comparisons.schemas import PushKind

S, A = workflow.State, workflow.Action


@pytest.mark.parametrize("state", list(S))
def test_every_missing_pair_is_out_of_order(state: workflow.State) -> None:
    allowed = set(workflow.allowed_actions(state))
    for action in A:
        if action in allowed:
            assert workflow.transition(state, action).target in S
        else:
            with pytest.raises(workflow.OutOfOrder):
                workflow.transition(state, action)


def test_identification_path_and_terminals() -> None:
    path = [
        A.VERIFY,
        A.VILLAGE_REVIEW,
        A.OPEN_NOTICE,
        A.CLOSE_NOTICE,
        A.TOWNSHIP_REVIEW,
        A.COMPLETE_COMPARISON,
        A.OPEN_NOTICE,
        A.CLOSE_NOTICE,
        A.COUNTY_APPROVE,
        A.ANNOUNCE,
        A.REGISTER,
    ]
    state = S.APPLIED
    for action in path:
        state = workflow.transition(state, action).target
    assert state is S.REGISTERED
    for terminal in workflow.TERMINAL:
        assert workflow.allowed_actions(terminal) == []
    assert workflow.transition(S.FIRST_NOTICE, A.UPHOLD_OBJECTION).target is S.APPLIED


def test_guards() -> None:
    assert workflow.attendance_ok(30, 20) and not workflow.attendance_ok(30, 19)
    assert workflow.vote_passes(21, 11, 5) and not workflow.vote_passes(21, 10, 5)
    assert workflow.spot_check_size(10, 0.2) == 2 and workflow.spot_check_size(11, 0.2) == 3
    assert workflow.spot_check_size(1, 0.1) == 1 and workflow.spot_check_size(0, 0.1) == 0
    # Rates as written, not as binary floats (QA7 domain-conformance F8: 56,990 and 1,019 were drawn).
    assert workflow.spot_check_size(100_000, 0.57) == 57_000
    assert workflow.spot_check_size(10_000, 0.102) == 1_020
    assert workflow.spot_check_size(10_001, 0.102) == 1_021


def test_wrong_tier_or_role_refused() -> None:
    step = workflow.transition(S.SECOND_NOTICED, A.COUNTY_APPROVE)
    workflow.check_permission(step, frozenset({"county"}), frozenset({"officer"}))
    with pytest.raises(workflow.NotPermitted):
        workflow.check_permission(step, frozenset({"township"}), frozenset({"officer"}))
    with pytest.raises(workflow.NotPermitted):
        workflow.check_permission(step, frozenset({"county"}), frozenset({"viewer"}))
    # 东莞 has no counties: its city government approves; an ordinary city does not.
    dongguan = Actor("user:dg", "city", "441900000000", frozenset({"officer"}))
    workflow.check_permission(step, dongguan.tiers_held, dongguan.roles)
    guiyang = Actor("user:gy", "city", "520100000000", frozenset({"officer"}))
    with pytest.raises(workflow.NotPermitted):
        workflow.check_permission(step, guiyang.tiers_held, guiyang.roles)


def test_sample_is_reproducible() -> None:
    ids = [uuid.uuid4() for _ in range(50)]
    assert sampling.draw("seed", ids, 10) == sampling.draw("seed", list(reversed(ids)), 10)
    assert sampling.draw("seed", ids, 10) != sampling.draw("other", ids, 10)


def test_a_confirmed_exclusion_ends_identification_and_monitoring_never_an_exit() -> None:
    assert workflow.ends_on_confirmed_exclusion(S.SECOND_NOTICED)
    assert workflow.ends_on_confirmed_exclusion(S.MONITOR_AUTHORISED)
    for state in workflow.KIND_STATES[workflow.Kind.EXIT]:
        assert not workflow.ends_on_confirmed_exclusion(state), state
    assert workflow.Kind.EXIT not in workflow.EXCLUSION_COMPARED


def test_rejection_belongs_to_the_tier_and_roles_that_own_the_step() -> None:
    """Reject has the tier and roles of the step's own forward action (a notice's: the township that runs
    it and resolves its objections), never a blanket set of reviewers."""
    for (state, action), step in workflow.TRANSITIONS.items():
        if action is not A.REJECT:
            continue
        owners = {
            (forward.tiers, forward.roles)
            for (source, other), forward in workflow.TRANSITIONS.items()
            if source is state and other not in (A.REJECT, A.WITHDRAW) and forward.tiers != ("system",)
        }
        assert owners == {(step.tiers, step.roles)}, state
    assert workflow.transition(S.APPLIED, A.REJECT).tiers == ("village",)
    assert workflow.transition(S.FIRST_NOTICE, A.REJECT).tiers == ("township",)
    assert workflow.transition(S.SECOND_NOTICED, A.REJECT).tiers == ("county",)
    assert workflow.transition(S.EXIT_NOTICED, A.REJECT).tiers == ("county",)


def test_the_push_kinds_are_the_contract_the_gateway_grants_scopes_from():
    """The gateway grants `comparisons:push:<kind>` only for the contract's kinds (admin.scopes): a kind
    added here but not there could never be pushed by a narrowed client."""
    assert tuple(kind.value for kind in PushKind) == contracts.PUSH_KINDS
    assert comparisons.PUSH_OPERATION == contracts.PUSH_OPERATION


def test_permits_says_what_check_permission_allows() -> None:
    """CaseOut.permitted_actions (what the console offers) is computed with permits(): it must agree with
    check_permission (what the action route enforces) for every step, tier and role."""
    for (state, action), step in workflow.TRANSITIONS.items():
        for tier in ("village", "township", "county", "city", "province", "nation", "system"):
            for role in ("cadre", "officer", "viewer", "system"):
                held = frozenset({tier})
                try:
                    workflow.check_permission(step, held, frozenset({role}))
                    enforced = True
                except workflow.NotPermitted:
                    enforced = False
                assert workflow.permits(step, held, frozenset({role})) is enforced, (
                    state,
                    action,
                    tier,
                    role,
                )


def test_a_refused_announcement_waits_for_the_countys_retry() -> None:
    """The registry's refusal of an announcement (platform step) parks the case in its kind's refused
    state; only the county officer's retry leads on, back to the announcement; nobody rejects or withdraws
    a decision already public."""
    for announced, refused in (
        (S.ANNOUNCED, S.REGISTRY_REFUSED),
        (S.EXIT_ANNOUNCED, S.EXIT_REGISTRY_REFUSED),
    ):
        step = workflow.transition(announced, A.REGISTRY_REFUSE)
        assert (step.target, step.tiers, step.roles) == (refused, ("system",), ("system",))
        assert workflow.allowed_actions(refused) == [A.RETRY]
        retry = workflow.transition(refused, A.RETRY)
        assert (retry.target, retry.tiers, retry.roles) == (announced, ("county",), ("officer",))
        assert workflow.is_active(refused)
        assert workflow.kind_of(refused) is workflow.kind_of(announced)
    assert sorted(workflow.sources_of(A.RETRY)) == sorted([S.REGISTRY_REFUSED, S.EXIT_REGISTRY_REFUSED])
    assert workflow.sources_of(A.REGISTRY_REFUSE) == [S.ANNOUNCED, S.EXIT_ANNOUNCED]
    assert contracts.event_type("identification", A.RETRY.value) == contracts.CASE_ANNOUNCED
    assert contracts.event_type("exit", A.RETRY.value) == contracts.EXIT_ANNOUNCED
