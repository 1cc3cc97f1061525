"""Valid payloads of one service's events for the tests of the services that consume them, so that each
consumer's tests publish what the producer would and do not keep a copy of its shape each."""

from __future__ import annotations

import uuid

from fupin_contracts import evaluation


def _rate(code: str, vetoed: bool) -> evaluation.RateV1:
    """A rate on 100 sampled people (households for approval) that passes its threshold, or misses it."""
    if code == "approval":
        numerator = 80 if vetoed else 96
        return evaluation.RateV1(
            code=code,
            numerator=numerator,
            denominator=100,
            value=numerator / 100,
            low=(numerator - 9) / 100,
            high=min(numerator + 3, 100) / 100,
            threshold=0.9,
            sense="at_least",
            verdict="veto" if vetoed else "pass",
        )
    numerator = 5 if vetoed else 1
    return evaluation.RateV1(
        code=code,
        numerator=numerator,
        denominator=100,
        value=numerator / 100,
        low=0.002,
        high=(numerator + 5) / 100,
        threshold=0.02,
        sense="below",
        verdict="veto" if vetoed else "pass",
    )


def evaluation_closed(
    evaluation_id: uuid.UUID,
    county: str,
    year: int,
    *,
    vetoed: str | None = None,
    unsurveyed_households: int | None = 0,
    partial_reason: str | None = None,
) -> evaluation.EvaluationClosedV1:
    """A third-party evaluation of `county` closed: every veto rate passing but `vetoed` (then the verdict
    is veto), `unsurveyed_households` of the sample without a finding (None: an event of a service version
    that did not say)."""
    return evaluation.EvaluationClosedV1(
        evaluation_id=evaluation_id,
        division=county,
        year=year,
        rates=[_rate(code, code == vetoed) for code in evaluation.VETO_RATE_CODES],
        verdict="pass" if vetoed is None else "veto",
        rectifications=0 if vetoed is None else 1,
        unsurveyed_households=unsurveyed_households,
        partial_reason=partial_reason,
    )
