"""After the run: no log of the stack holds a password or a token the run used.

Runs last in the session (marker `last`, tests/conftest.py), after the integration tier and
the browser tests have logged in, registered and moved money. It reads every process's log
and nginx's access log, and looks for the database passwords and keys of the secrets folder,
every token the command handler handed out, and each password the tests typed. A finding
names the secret and the log, never the secret's value.
"""

from __future__ import annotations

import pytest

from stack.layout import StackLayout
from tests.support.log_secrets import issued_tokens, secret_files, secrets_in, stack_logs

pytestmark = [pytest.mark.e2e, pytest.mark.last]

#: The company's token of old stacks, published in old code: no secret. Kafka names its
#: segment files with 20-digit offsets (`00000000000000000000.log`), which it matches.
PUBLISHED_COMPANY_TOKEN = "0" * 20


def test_no_log_holds_a_password_or_token_of_the_run(
    stack_env: dict[str, str], stack_layout: StackLayout, typed_passwords: set[str]
) -> None:
    secrets = {
        **secret_files(stack_layout),
        **{
            name: token
            for name, token in issued_tokens(stack_layout).items()
            if token != PUBLISHED_COMPANY_TOKEN
        },
        **{
            f"a password a test typed ({index})": value
            for index, value in enumerate(sorted(typed_passwords))
        },
    }
    assert any(name.startswith("token of ") for name in secrets), "no token was handed out"
    logs = stack_logs(stack_layout)
    nginx = stack_layout.log_file("nginx")
    assert nginx in logs, f"nginx's log is missing: {logs}"
    assert '"GET / HTTP' in nginx.read_text(errors="replace"), "no access log in nginx's log"
    leaks = {
        str(log.relative_to(stack_layout.run_dir)): found
        for log in logs
        if (found := secrets_in(log.read_text(errors="replace"), secrets))
    }
    assert not leaks, f"secrets in the stack's logs (log -> secrets): {leaks}"
