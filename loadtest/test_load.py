"""The load run's CI version (suite `load` of scripts/run-tests.py): loadtest/run.py for
LOADTEST_SECONDS (default 60) with LOADTEST_USERS virtual users (default 100). It passes only
with 0 failures, 0 server errors, every invariant holding and no mail lost or doubled.

Without nginx, PostgreSQL or Redis it is skipped loudly, and with CI=true it fails instead."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest.run import missing_services

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def test_the_load_run_passes():
    missing = missing_services()
    if missing:
        message = "the load run needs " + ", ".join(missing)
        if CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    command = [
        sys.executable,
        str(ROOT / "loadtest" / "run.py"),
        "--users",
        os.environ.get("LOADTEST_USERS", "100"),
        "--seconds",
        os.environ.get("LOADTEST_SECONDS", "60"),
    ]
    done = subprocess.run(command, cwd=ROOT, check=False)
    assert done.returncode == 0, "the load run failed (its output above)"
