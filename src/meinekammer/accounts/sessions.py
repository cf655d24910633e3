"""Use cases of the account's signed-in devices: ending sessions, the mail on a new device.

A session is allauth's `UserSession` (allauth.usersessions): one row per live session of an
account, with the address and user agent it was last seen from. Ending one deletes the session
from the session store (database or cache, whichever SESSION_ENGINE is) and the row.

What ending a session does not end: tokens that connected applications received while the
session was open. They are not tied to the portal session (single sign-on keeps no link from
a token to the session it was issued in); they end when the account's access ends
(`applications.grants.revoke_tokens`) or on "Zugriff widerrufen". The audit event
`account.session_ended` is where a back-channel logout would subscribe.
"""

from datetime import datetime, timedelta

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotFound
from meinekammer.core.links import absolute_url
from meinekammer.notifications.services import send_templated_email

from .models import User

# allauth records a session's activity at most once a minute (web/accounts/activity.py), the
# idle timeout its own every few seconds.
_IDLE_TOLERANCE = timedelta(seconds=120)


def list_sessions(user: User) -> list[UserSession]:
    """The account's live sessions, newest activity first. Rows of sessions that have ended are
    purged; a session idle for longer than SESSION_IDLE_TIMEOUT is ended (its next request would
    log it out anyway), so the list shows only what can still be used."""
    live = []
    idle = int(getattr(settings, "SESSION_IDLE_TIMEOUT", 0) or 0)
    cutoff = timezone.now() - timedelta(seconds=idle) - _IDLE_TOLERANCE
    for session in UserSession.objects.purge_and_list(user):
        if idle and session.last_seen_at < cutoff:
            session.end()
        else:
            live.append(session)
    return sorted(live, key=lambda s: s.last_seen_at, reverse=True)


def _end(actor: Actor, session: UserSession, *, how: str) -> None:
    session_id = session.pk  # delete() clears it
    session.end()
    emit(
        AuditAction.SESSION_ENDED,
        actor=actor,
        subject_user=actor.user,
        session_id=session_id,
        how=how,
    )


@transaction.atomic
def end_session(actor: Actor, *, session_id: int, current_session_key: str | None) -> None:
    """Log out one of the actor's other devices. Another account's session, an unknown id and
    the current session (that is "Abmelden" in the header) are all NotFound."""
    if actor.user is None:
        raise NotFound
    session = (
        UserSession.objects.select_for_update()
        .filter(pk=session_id, user_id=actor.user.pk)
        .exclude(session_key=current_session_key or "")
        .first()
    )
    if session is None:
        raise NotFound
    _end(actor, session, how="one")


@transaction.atomic
def end_other_sessions(actor: Actor, *, current_session_key: str | None) -> int:
    """Log out every device of the actor but this one; returns how many sessions ended."""
    if actor.user is None:
        raise NotFound
    others = list(
        UserSession.objects.select_for_update()
        .filter(user_id=actor.user.pk)
        .exclude(session_key=current_session_key or "")
    )
    for session in others:
        _end(actor, session, how="others")
    return len(others)


def notify_login_from_new_device(
    actor: Actor, *, when: datetime, browser: str, system: str, address: str
) -> bool:
    """Mail the account that it was logged in to from a device not seen before; returns
    whether a mail was queued.

    Called by the login interface, in the login's transaction, after the login was recorded
    (`account.login`, which is the audit event of it; this writes none of its own). The very
    first login of an account (after registration and confirmation) sends nothing: the person
    has just proved the address, and a mail about their own first login only teaches them to
    ignore this one.
    """
    user = actor.user
    if user is None:
        return False
    if AuditEvent.objects.filter(subject_user=user, action=AuditAction.LOGIN).count() <= 1:
        return False
    send_templated_email(
        template="accounts/email/new_device",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "when": when,
            "browser": browser,
            "system": system,
            "address": address,
            "sessions_url": absolute_url(reverse("accounts:sessions")),
            "password_url": absolute_url(reverse("account_change_password")),
            "reset_url": absolute_url(reverse("account_reset_password")),
        },
    )
    return True
