"""The heal bound and the loads of the fault suite, as pure logic: a component nothing
restarts, or a bank that never answers again, fails its scenario."""

from __future__ import annotations

import pytest

from tests.support.faults.heal import Heal
from tests.support.faults.scenario import fault_loads


def test_healed_within_the_bound_is_no_problem() -> None:
    assert Heal("backend", 1, answers_s=6.3, back_s=5.7).problems(15) == []


@pytest.mark.parametrize(
    ("answers_s", "back_s"),
    [(None, 1.0), (1.0, None), (None, None), (16.0, 1.0), (0.1, 19.5)],
    ids=["never-answers", "never-back", "neither", "answers-late", "back-late"],
)
def test_not_healed_within_the_bound_is_a_problem(
    answers_s: float | None, back_s: float | None
) -> None:
    [problem] = Heal("registry", 7, answers_s=answers_s, back_s=back_s).problems(15)
    assert problem.startswith("not healed within 15 s: registry (pid 7) kill -9")


def test_loads_default_to_200_and_1000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAULTS_LOADS", raising=False)
    monkeypatch.delenv("FAULTS_LOAD", raising=False)
    assert fault_loads() == [200, 1000]
    monkeypatch.setenv("FAULTS_LOAD", "300")
    assert fault_loads() == [300]
    monkeypatch.setenv("FAULTS_LOADS", "100, 500")
    assert fault_loads() == [100, 500]


@pytest.mark.parametrize("raw", ["fast", "0", "200,-1"])
def test_a_wrong_load_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("FAULTS_LOADS", raw)
    with pytest.raises(ValueError, match="FAULTS_LOADS must"):
        fault_loads()
