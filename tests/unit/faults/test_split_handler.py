"""The split handler's first commit: each debited account's net change, never below it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.faults.split_handler import driver_connection, net_debits

_IBANS = st.sampled_from(["NL01", "NL02", "NL03"])


def test_a_credit_then_a_debit_of_one_account_is_one_net_change() -> None:
    changes = [("NL01", 5_000), ("NL01", -7_000), ("NL02", -100), ("NL03", 300)]
    assert net_debits(changes) == {"NL01": -2_000, "NL02": -100}


def test_an_account_left_richer_is_not_debited() -> None:
    assert net_debits([("NL01", 5_000), ("NL01", -4_000)]) == {}


@given(st.lists(st.tuples(_IBANS, st.integers(-(10**6), 10**6))))
def test_each_net_debit_is_exactly_where_the_decision_leaves_the_account(
    changes: list[tuple[str, int]],
) -> None:
    debits = net_debits(changes)
    for iban in {i for i, _ in changes}:
        total = sum(c for i, c in changes if i == iban)
        assert debits.get(iban, 0) == min(total, 0)
        assert (iban in debits) == (total < 0)


def test_a_transaction_that_is_not_psycopg_underneath_is_refused() -> None:
    class NoDriver:
        connection = None

    with pytest.raises(TypeError, match="PostgreSQL storage transaction"):
        driver_connection(NoDriver())
