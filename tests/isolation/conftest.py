"""The isolation suite's figures: printed in the terminal summary and written to var/isolation.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.isolation.world import FIGURES

VAR = Path(__file__).resolve().parents[2] / "var"


def summary_line() -> str:
    f = FIGURES
    return (
        f"isolation: {f['surfaces']} surfaces x {f['principals']} principals = {f['checks']} checks, {f['leaks']} leaks"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    if not FIGURES["checks"]:
        return
    terminalreporter.section("isolation")
    terminalreporter.write_line(summary_line(), red=bool(FIGURES["leaks"]))
    for leak in FIGURES["leak_details"]:
        terminalreporter.write_line(
            f"  LEAK {leak['surface']} as {leak['principal']}: {', '.join(leak['leaked'])}", red=True
        )
    VAR.mkdir(exist_ok=True)
    (VAR / "isolation.json").write_text(json.dumps(FIGURES, indent=2, sort_keys=True) + "\n", encoding="utf-8")
