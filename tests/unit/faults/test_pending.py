"""`is_pending`: the two ways the API says a transfer is not decided yet."""

from tests.support.pending import is_pending


def test_pending_over_http_and_on_the_subscription() -> None:
    assert is_pending({"deposit": {"__typename": "TransferPending", "uuid": "u"}})
    assert is_pending({"money_transfer": {"uuid": "u", "success": None, "pending": True}})


def test_decided_errors_and_nothing_are_not_pending() -> None:
    assert not is_pending({"deposit": {"__typename": "TransferConfirmed", "uuid": "u"}})
    assert not is_pending({"money_transfer": {"uuid": "u", "success": True, "pending": False}})
    assert not is_pending({"transactions_by_iban": [{"id": 1}]})
    assert not is_pending(None)
