from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter):
    """How many generated requests each role sent (issue 8 asks for over 1,000 each)."""
    module = sys.modules.get("tests.robustness.test_schemathesis")
    if module is not None and module.SENT:
        counts = ", ".join(f"{n:,} as {role}" for role, n in sorted(module.SENT.items()))
        terminalreporter.write_line(f"Schemathesis requests: {counts}")
