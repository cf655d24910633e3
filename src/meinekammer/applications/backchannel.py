"""Which sessions at applications end, for OpenID Connect Back-Channel Logout 1.0.

A client that registered a `backchannel_logout_uri` is told when the user's session there ends:
when the user logs out of meinekammer, and when what the client holds ends because the user can
no longer use the application (locked, erased, the membership or the last role of the
application gone, the company deleted). One row per client and account is written in the
transaction of that change (the outbox); `sso.backchannel` signs and sends the logout token.
meinekammer keeps no session id per client (`backchannel_logout_session_supported` is false):
the token names the account (`sub`), and the client ends every session of it.
"""

import time
import urllib.parse
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.settings import oauth2_settings

from meinekammer.audit.models import AuditAction
from meinekammer.core.outbound import post

from . import token_store
from .keys import id_token_key
from .models import BackchannelLogout, TokenFamily

LOGOUT = "logout"
ACCESS_ENDED = "access_ended"


def queue_logouts(families: QuerySet[TokenFamily], *, reason: str) -> int:
    """A logout token for each client with a back-channel URI among these (live) families."""
    pairs = set(
        families.exclude(client__backchannel_logout_uri="").values_list("client_id", "subject")
    )
    BackchannelLogout.objects.bulk_create(
        [
            BackchannelLogout(client_id=client_id, subject=sub, reason=reason)
            for client_id, sub in pairs
        ]
    )
    if pairs:
        from .tasks import send_backchannel_logouts

        send_backchannel_logouts.enqueue()  # in the transaction, like the mail outbox
    return len(pairs)


def on_logout(event: Any) -> None:
    """The audit subscriber: the user logged out of meinekammer."""
    if event.action == AuditAction.LOGOUT and event.subject_user is not None:
        queue_logouts(token_store.families(user=event.subject_user), reason=LOGOUT)


# --- Sending (the task send_backchannel_logouts) ----------------------------------------------

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120
MAX_ATTEMPTS = 8  # 30 s · 2ⁿ: about two hours; a logout is worth nothing much later


def logout_token(logout: BackchannelLogout, *, now: float | None = None) -> str:
    """The signed logout token (Back-Channel Logout 1.0, 2.4): no nonce, the event claim."""
    key, algorithm, kid = id_token_key()
    issued = int(now if now is not None else time.time())
    token = jwt.JWT(
        header={"alg": algorithm, "typ": "logout+jwt", "kid": kid},
        claims={
            "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
            "aud": logout.client.client_id,
            "sub": logout.subject,
            "iat": issued,
            "exp": issued + LOGOUT_TOKEN_SECONDS,
            "jti": str(logout.jti),
            "events": {BACKCHANNEL_EVENT: {}},
        },
    )
    token.make_signed_token(key)
    return token.serialize()


def send_due_logouts(*, limit: int = 200) -> int:
    """Send the waiting logout tokens that are due; returns how many were accepted (2xx).
    Safe in parallel: each row is taken with SKIP LOCKED."""
    accepted = 0
    for _ in range(limit):
        with transaction.atomic():
            logout = (
                BackchannelLogout.objects.select_for_update(skip_locked=True)
                .select_related("client")
                .filter(sent=False, failed=False, next_attempt_at__lte=timezone.now())
                .order_by("pk")
                .first()
            )
            if logout is None:
                return accepted
            logout.attempts += 1
            status, error = post(
                logout.client.backchannel_logout_uri,
                urllib.parse.urlencode({"logout_token": logout_token(logout)}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"},
                timeout=10,
            )
            logout.last_status, logout.last_error = status, error
            if status is not None and 200 <= status < 300:
                logout.sent = True
                accepted += 1
            elif logout.attempts >= MAX_ATTEMPTS:
                logout.failed = True
            else:
                logout.next_attempt_at = timezone.now() + timedelta(
                    seconds=30 * 2 ** (logout.attempts - 1)
                )
            logout.save()
    return accepted
