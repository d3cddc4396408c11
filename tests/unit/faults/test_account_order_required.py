"""`assert_nothing_lost(account_order=True)` fails on events out of an account's log order;
without it they are only reported (the two-instance scenarios: there the requirement is the
order of `decided`, a check of `check_all`)."""

from __future__ import annotations

import pytest

from tests.support.faults import scenario
from tests.support.faults.invariants import Violation
from tests.support.faults.scenario import LoadRun, Verdict, assert_nothing_lost

OUT_OF_ORDER = Violation("changes_in_log_order", "1 event(s): NL04OPEN0845136120@0/54")


@pytest.fixture(autouse=True)
def verdict_with_events_out_of_order(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = Verdict(
        violations=[],
        order_violations=[OUT_OF_ORDER],
        settle_s=1.0,
        commands=10,
        feedback=10,
        changes=12,
        money_in_cents=0,
        money_out_cents=0,
    )
    monkeypatch.setattr(scenario, "verify", lambda stack, settle_bound_s: verdict)


def test_required_account_order_fails_the_scenario() -> None:
    notes: list[str] = []
    with pytest.raises(AssertionError, match="changes_in_log_order"):
        assert_nothing_lost(None, LoadRun(), notes, account_order=True)  # type: ignore[arg-type]


def test_otherwise_it_is_reported() -> None:
    notes: list[str] = []

    assert_nothing_lost(None, LoadRun(), notes)  # type: ignore[arg-type]

    assert f"reported: {OUT_OF_ORDER}" in notes
