"""The production settings, as an operator starts them: from the environment only."""

import os
import subprocess
import sys

import pytest

SECRET = "Qm7vR2xK9pL4sT8wZ1nB6cF3hJ5dG0yU-eA_iO7rE2tY9uP4aS8dF1gH3jK6lZ0x"
OPERATOR = {
    "OPERATOR_NAME": "Kammer-Portal GmbH",
    "OPERATOR_STREET": "Hauptstraße 1",
    "OPERATOR_POSTAL_CODE": "10115",
    "OPERATOR_CITY": "Berlin",
    "OPERATOR_EMAIL": "portal@kammer.example",
}


def meinekammer(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    return subprocess.run(
        [sys.executable, "-m", "meinekammer", *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "meinekammer.settings.prod", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = meinekammer("check", MEINEKAMMER_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def signing_key(tmp_path) -> str:
    from meinekammer.settings.oidc_keys import new_private_key_pem

    path = tmp_path / "oidc-signing-key.pem"
    path.write_text(new_private_key_pem(2048))
    return str(path)


def access_token_key(tmp_path) -> str:
    from meinekammer.settings.oidc_keys import new_ec_private_key_pem

    path = tmp_path / "access-token-key.pem"
    path.write_text(new_ec_private_key_pem())
    return str(path)


def test_the_deployment_checks_pass_with_a_complete_environment(tmp_path):
    result = meinekammer(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="portal.kammer.example",
        MEINEKAMMER_VAR_DIR=str(tmp_path),
        OIDC_SIGNING_KEY_FILE=signing_key(tmp_path),
        OIDC_ACCESS_TOKEN_KEY_FILE=access_token_key(tmp_path),
        **OPERATOR,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_deployment_checks_ask_for_the_access_token_key(tmp_path):
    result = meinekammer(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="portal.kammer.example",
        MEINEKAMMER_VAR_DIR=str(tmp_path),
        OIDC_SIGNING_KEY_FILE=signing_key(tmp_path),
        **OPERATOR,
    )
    assert result.returncode != 0
    assert "meinekammer.W010" in result.stderr + result.stdout


def test_the_deployment_checks_ask_for_the_signing_key(tmp_path):
    result = meinekammer(
        "check",
        "--deploy",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="portal.kammer.example",
        MEINEKAMMER_VAR_DIR=str(tmp_path),
        **OPERATOR,
    )
    assert result.returncode != 0
    assert "meinekammer.E002" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["OPERATOR_NAME", "OPERATOR_EMAIL"])
def test_the_deployment_checks_ask_for_the_imprint(tmp_path, missing):
    operator = {k: v for k, v in OPERATOR.items() if k != missing}
    result = meinekammer(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="portal.kammer.example",
        MEINEKAMMER_VAR_DIR=str(tmp_path),
        OIDC_SIGNING_KEY_FILE=signing_key(tmp_path),
        **operator,
    )
    assert result.returncode != 0
    assert "meinekammer.W001" in result.stderr + result.stdout
