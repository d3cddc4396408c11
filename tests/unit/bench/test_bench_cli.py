"""`python -m bench <what>`: one CLI names every tool, and each says what it prints."""

from __future__ import annotations

import pytest

from bench.__main__ import TOOLS, main


def test_every_tool_has_its_subcommand() -> None:
    assert set(TOOLS) == {
        "browser",
        "report",
        "hotspots",
        "compare",
        "api",
        "handler",
        "projector",
        "capacity",
        "serde",
        "compression",
    }


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_each_help_says_what_it_prints(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    assert "print" in capsys.readouterr().out.lower()


def test_a_run_that_is_not_a_tool_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run"])
    assert exited.value.code == 2
    assert "invalid choice: 'run'" in capsys.readouterr().err
