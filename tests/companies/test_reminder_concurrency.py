""" "Erinnerung senden" clicked twice at once, or with the job running at the same moment: one
reminder, one mail (PostgreSQL, real connections)."""

import pytest

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.services.reminders import remind_unused_letters, send_activation_reminder
from meinekammer.core.actor import Actor, Interface
from tests.companies.helpers import mails
from tests.companies.test_chamber_area import approved_with_letter_sent
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def reminders() -> int:
    return AuditEvent.objects.filter(action=AuditAction.ACTIVATION_REMINDER_SENT).count()


def test_a_double_click_sends_one_reminder(chamber, staff):
    company = approved_with_letter_sent(chamber, staff, name="Doppelklick GmbH")

    results, refusals, errors = at_once(
        lambda: send_activation_reminder(Actor.of(staff), company_id=company.pk),
        lambda: send_activation_reminder(Actor.of(staff), company_id=company.pk),
    )

    assert not errors and len(results) == 1 and len(refusals) == 1
    assert "erinnert" in refusals[0] or "reminded" in refusals[0]
    assert reminders() == 1 and mails("activation_reminder") == 1


def test_staff_and_the_job_at_once_send_one_reminder(chamber, staff):
    company = approved_with_letter_sent(chamber, staff, name="Gleichzeitig GmbH")

    _results, _refusals, errors = at_once(
        lambda: send_activation_reminder(Actor.of(staff), company_id=company.pk),
        lambda: remind_unused_letters(Actor.system(Interface.JOB)),
    )

    assert not errors
    assert reminders() == 1 and mails("activation_reminder") == 1
