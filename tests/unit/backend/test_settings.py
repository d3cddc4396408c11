"""The backend's settings: deposit bounds that fit together, the proxy secret's file."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.settings import BackendSettings


def test_defaults_bound_deposits_above_the_largest_ui_button() -> None:
    settings = BackendSettings()
    assert settings.max_deposit_cents == 1_000_000  # €10.000,00; the UI's largest is €500
    assert settings.deposit_cents_per_client_per_hour == 10 * settings.max_deposit_cents
    assert settings.proxy_secret() is None


def test_a_budget_smaller_than_one_deposit_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least max_deposit_cents"):
        BackendSettings(max_deposit_cents=100, deposit_cents_per_client_per_hour=99)


def test_the_proxy_secret_is_read_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "nginx_proxy.password"
    secret.write_text("s3cret\n")
    assert BackendSettings(proxy_secret_file=secret).proxy_secret() == "s3cret"
    with pytest.raises(ValueError, match=r"no proxy secret in .*missing: start the stack"):
        BackendSettings(proxy_secret_file=tmp_path / "missing").proxy_secret()


def test_the_projector_is_a_dynamic_member_unless_given_an_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPEN_BANK_BACKEND_PROJECTOR_INSTANCE", raising=False)
    assert BackendSettings().projector_instance is None
    monkeypatch.setenv("OPEN_BANK_BACKEND_PROJECTOR_INSTANCE", "0")
    assert BackendSettings().projector_instance == "0"
