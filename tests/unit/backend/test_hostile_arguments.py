"""Random and hostile arguments at every field: a clear answer every time, never a crash.

Huge and negative numbers, unicode, SQL and HTML fragments and very long strings go to
every query, mutation and subscription of the schema (over the in-memory fakes). Each
answer must be data or a GraphQL error that is not the masked "Unexpected error.", money
may only appear through valid deposits, and the API still answers afterwards.
`money_transfer` and `get_account` must always answer: silence fails.
"""

import asyncio
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.backend_memory import InMemoryBank, in_memory_bank

HOSTILE_TEXT = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "'; DROP TABLE transactions; --",
            "<script>alert(1)</script>",
            "cash",
            "NL66OPEN0000000000",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "\x00\x1b[31m",
            "😀" * 70,
            "a" * 10_000,
            "",
        ]
    ),
)
HOSTILE_INT = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1]),
)
HOSTILE_LONG = st.one_of(HOSTILE_INT, st.sampled_from(["1", "-5", "1e3", "99999999999999999999"]))

OPERATIONS: dict[str, tuple[str, dict[str, st.SearchStrategy[Any]]]] = {
    "money_transfer": (
        "subscription ($uuid: String!, $token: String!, $amount: Int!, $from: String!,"
        " $to: String!, $descr: String!) { money_transfer(uuid: $uuid, token: $token,"
        " amount: $amount, from: $from, to: $to, descr: $descr) { uuid success reason } }",
        {
            "uuid": HOSTILE_TEXT,
            "token": HOSTILE_TEXT,
            "amount": HOSTILE_INT,
            "from": HOSTILE_TEXT,
            "to": HOSTILE_TEXT,
            "descr": HOSTILE_TEXT,
        },
    ),
    "transfer_money": (
        "mutation ($uuid: String!, $token: String!, $amount: Long!, $from: String!,"
        " $to: String!) { transfer_money(uuid: $uuid, token: $token, amount: $amount,"
        ' from: $from, to: $to, descr: "x") { __typename } }',
        {
            "uuid": HOSTILE_TEXT,
            "token": HOSTILE_TEXT,
            "amount": HOSTILE_LONG,
            "from": HOSTILE_TEXT,
            "to": HOSTILE_TEXT,
        },
    ),
    "deposit": (
        "mutation ($uuid: String!, $iban: String!, $amount: Long!, $descr: String!) {"
        " deposit(uuid: $uuid, iban: $iban, amount: $amount, descr: $descr) { __typename } }",
        {"uuid": HOSTILE_TEXT, "iban": HOSTILE_TEXT, "amount": HOSTILE_LONG, "descr": HOSTILE_TEXT},
    ),
    "get_account": (
        "subscription ($u: String!, $p: String!) { get_account(username: $u, password: $p)"
        " { iban token reason } }",
        {"u": HOSTILE_TEXT, "p": HOSTILE_TEXT},
    ),
    "login": (
        "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }",
        {"u": HOSTILE_TEXT, "p": HOSTILE_TEXT},
    ),
    "transactions_by_iban": (
        "query ($iban: String!, $n: Int!) { transactions_by_iban(iban: $iban, max_items: $n)"
        " { id } }",
        {"iban": HOSTILE_TEXT, "n": HOSTILE_INT},
    ),
    "transactions": (
        "query ($iban: String!, $n: Int!, $b: Int) { transactions(iban: $iban, first: $n,"
        " before: $b) { has_more } }",
        {"iban": HOSTILE_TEXT, "n": HOSTILE_INT, "b": HOSTILE_INT},
    ),
    "transaction_by_id": (
        "query ($id: Int!) { transaction_by_id(id: $id) { id } }",
        {"id": HOSTILE_INT},
    ),
    "stream_transactions": (
        "subscription ($iban: String, $min: Int) { stream_transactions(iban: $iban,"
        " min_amount: $min) { id } }",
        {"iban": HOSTILE_TEXT, "min": HOSTILE_INT},
    ),
}

#: Subscriptions that must answer (data or errors), and how long they may take (s): the
#: bank's own timeout is 100 ms, so silence past this is a bug, not a slow machine.
ANSWER_WAIT_S = {"money_transfer": 5.0, "get_account": 5.0}
#: How long a stream_transactions with nothing to send is watched (s).
QUIET_STREAM_S = 0.05

CALLS = st.sampled_from(sorted(OPERATIONS)).flatmap(
    lambda name: st.tuples(st.just(name), st.fixed_dictionaries(OPERATIONS[name][1]))
)


async def answer(bank: InMemoryBank, name: str, variables: dict[str, Any]) -> list[str]:
    """The error messages of one call (empty when it answered with data)."""
    query = OPERATIONS[name][0]
    if not query.startswith("subscription"):
        result = await bank.schema.execute(
            query, variable_values=variables, context_value=bank.context
        )
        assert result.data is not None or result.errors
        return [error.message for error in result.errors or []]
    stream = await bank.schema.subscribe(
        query, variable_values=variables, context_value=bank.context
    )
    if not hasattr(stream, "__anext__"):
        return [error.message for error in getattr(stream, "errors", None) or []]
    try:
        first = await asyncio.wait_for(anext(stream), ANSWER_WAIT_S.get(name, QUIET_STREAM_S))
    except TimeoutError:
        # Only a valid stream_transactions may wait for transactions; the others must answer.
        assert name not in ANSWER_WAIT_S, f"{name} gave no answer to {variables}"
        return []
    finally:
        await stream.aclose()
    return [error.message for error in first.errors or []]


@cache
def shared_bank() -> InMemoryBank:
    """One bank for all examples: building a schema costs far more than an example."""
    return in_memory_bank(
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), timeout_ms=100
    )


def money_in(bank: InMemoryBank) -> int:
    transactions = bank.store.transactions.values()
    deposits = sum(t.changed_by_cents for t in transactions if t.from_to == "cash")
    total = sum(t.changed_by_cents for t in transactions)
    return total - deposits


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(CALLS, min_size=1, max_size=8))
async def test_every_field_answers_clearly_and_money_only_moves(
    calls: list[tuple[str, dict[str, Any]]],
) -> None:
    bank = shared_bank()
    for name, variables in calls:
        messages = await answer(bank, name, variables)
        assert "Unexpected error." not in messages, (name, variables)
    # Transfers between accounts of the bank never create or destroy money.
    assert money_in(bank) <= 0
    still = await bank.schema.execute(
        "{ all_last_transactions { id } }", context_value=bank.context
    )
    assert still.errors is None
