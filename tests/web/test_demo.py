import os
import sqlite3
import subprocess
import sys


def run_demo(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="meinekammer.settings.dev", MEINEKAMMER_VAR_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "meinekammer", "demo", "--setup-only", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def count_users(tmp_path):
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        return db.execute("select count(*) from accounts_user").fetchone()[0]


def test_the_demo_sets_up_sqlite_under_var_and_prints_the_logins(tmp_path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:8000/" in result.stdout
    assert "/dev/mailbox/" in result.stdout
    assert "anna.admin@beispiel-gmbh.example" in result.stdout
    assert "Demo-Zugang-2026" in result.stdout
    assert count_users(tmp_path) == 7


def test_running_the_demo_again_keeps_the_data_and_reset_starts_afresh(tmp_path):
    run_demo(tmp_path)
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        db.execute("update accounts_user set first_name = 'Geändert' where email like 'anna%'")
    run_demo(tmp_path)
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        assert (
            db.execute("select first_name from accounts_user where email like 'anna%'").fetchone()[
                0
            ]
            == "Geändert"
        )
    result = run_demo(tmp_path, "--reset")
    assert "afresh" in result.stdout
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        assert (
            db.execute("select first_name from accounts_user where email like 'anna%'").fetchone()[
                0
            ]
            == "Anna"
        )
