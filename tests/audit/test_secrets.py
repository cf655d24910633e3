import logging

import pytest
from django.urls import reverse

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from meinekammer.ops.logging import redact
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_secret_keys_never_reach_the_audit_log(user):
    event = emit(
        AuditAction.PROFILE_CHANGED,
        actor=Actor.of(user),
        subject_user=user,
        password="x",
        token="y",
        fields=["a"],
    )
    assert event.data == {"fields": ["a"]}


def test_no_password_appears_in_any_audit_event_after_a_full_story(client, user, outbox):
    client.post(reverse("account_login"), {"login": user.email, "password": "falsch falsch falsch"})
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    new = "Der Leuchtturm blinkt dreimal"
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    dump = " ".join(str((e.data, e.user_agent)) for e in AuditEvent.objects.all())
    assert PASSWORD not in dump and new not in dump and "falsch" not in dump


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /accounts/confirm-email/MTI:1x2y3z:abcdef/ HTTP/1.1" 200', "MTI:1x2y3z:abcdef"),
        ('"GET /konto/entsperren/3f/cn9-1234abcd/ HTTP/1.1" 200', "3f/cn9-1234abcd"),
        ("POST password=hunter2hunter2&email=a@b.example", "hunter2hunter2"),
        ("/accounts/password/reset/key/3f-set-password/?token=abc123", "abc123"),
        ('"GET /o/logout/?id_token_hint=eyJhbGciOi.eyJzdWIi.c2ln HTTP/1.1"', "eyJhbGciOi"),
        ("/auth/callback?code=Spl0xAbc&state=st4te9", "Spl0xAbc"),
        ("/auth/callback?code=Spl0xAbc&state=st4te9", "st4te9"),
        ("/o/authorize/?nonce=n0nce77&code_challenge=chall3nge", "n0nce77"),
        ("grant_type=authorization_code&code_verifier=v3rifier", "v3rifier"),
        ("client_id=a&client_secret=s3cr3t&refresh_token=r3fresh", "s3cr3t"),
        ("client_id=a&client_secret=s3cr3t&refresh_token=r3fresh", "r3fresh"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("HTTP_AUTHORIZATION='Basic c2VydmljZTpzZWNyZXQ='", "c2VydmljZTpzZWNyZXQ="),
    ],
)
def test_the_log_filter_redacts_tokens_and_passwords(line, secret):
    assert secret not in redact(line)


def test_the_log_filter_keeps_what_is_not_secret():
    line = '"GET /unternehmen/12/mitglieder/?q=Anna&page=2 HTTP/1.1" 200 5123'
    assert redact(line) == line


def test_log_records_are_redacted_by_the_configured_filter(caplog):
    from meinekammer.ops.logging import RedactSecretsFilter

    logger = logging.getLogger("meinekammer.test")
    handler = logging.Handler()
    records = []
    handler.emit = records.append
    handler.addFilter(RedactSecretsFilter())
    logger.addHandler(handler)
    try:
        logger.warning("link %s", "/accounts/confirm-email/SECRETKEY/")
    finally:
        logger.removeHandler(handler)
    assert "SECRETKEY" not in records[0].getMessage()
