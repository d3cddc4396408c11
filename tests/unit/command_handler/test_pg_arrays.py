"""Array literals: quoting that PostgreSQL reads back exactly (checked on the server in the
integration tests; here the format)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from command_handler.storage.pg_arrays import plain_array, text_array, uuid_array


def test_plain_values_and_null() -> None:
    some = uuid.UUID(int=1)
    assert plain_array([1, -2, None]) == "{1,-2,NULL}"
    assert plain_array([some]) == "{00000000-0000-0000-0000-000000000001}"
    assert plain_array([]) == "{}"


def test_uuids_are_their_hex_digits() -> None:
    some = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
    assert uuid_array([some, uuid.UUID(int=1)]) == (
        "{0f0e0d0c0b0a09080706050403020100,00000000000000000000000000000001}"
    )
    assert uuid_array([]) == "{}"


def test_text_is_quoted_and_escaped() -> None:
    assert text_array(["a", 'b "c"', None, "back\\slash", "NULL", ""]) == (
        '{"a","b \\"c\\"",NULL,"back\\\\slash","NULL",""}'
    )


def _parse(literal: str) -> list[str | None]:
    """A reader of the quoted form, the way PostgreSQL's array_in reads it."""
    body = literal[1:-1]
    values: list[str | None] = []
    index = 0
    while index < len(body):
        if body.startswith("NULL", index):
            values.append(None)
            index += 4
        else:
            index += 1  # opening quote
            chars = []
            while body[index] != '"':
                if body[index] == "\\":
                    index += 1
                chars.append(body[index])
                index += 1
            values.append("".join(chars))
            index += 1  # closing quote
        index += 1  # comma
    return values


@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters="\x00")))))
def test_text_array_round_trips(values: list[str | None]) -> None:
    assert _parse(text_array(values)) == values
