"""Issue 16 for chamber staff: the company page, "freigegeben" vs "aktiviert", unused letters with
"Erinnerung senden" (and the job), the chamber's "Protokoll" with its CSV, and the deletions
carried out. Who may not: another chamber's staff, company admins, plain users, locked staff,
visitors."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies.models import (
    ActivationLetter,
    CompanyState,
    LetterState,
)
from meinekammer.companies.services.deletion import (
    approve_company_deletion,
    execute_due_deletions,
    request_company_deletion,
)
from meinekammer.companies.services.letters import mark_letters_sent, print_letters
from meinekammer.companies.services.registration import approve_registration
from meinekammer.companies.services.reminders import remind_unused_letters
from meinekammer.core.actor import Actor, Interface
from tests.accounts.factories import UserFactory, give_factor
from tests.chambers.factories import DirectoryEntryFactory
from tests.companies.factories import (
    CompanyFactory,
    MembershipFactory,
    RegistrationFactory,
    actor_for,
)
from tests.companies.helpers import flashed, mails, text

pytestmark = pytest.mark.django_db


def approved_with_letter_sent(chamber, staff, *, name, applicant=None, days_ago=20):
    """A company approved by the chamber whose letter was printed and posted `days_ago`."""
    entry = DirectoryEntryFactory(chamber=chamber, name=name)
    registration = RegistrationFactory(
        company__chamber=chamber,
        company__name=name,
        company__street=entry.street,
        **({"applicant": applicant} if applicant else {}),
    )
    approve_registration(
        actor_for(staff), registration_id=registration.pk, directory_entry_id=entry.pk
    )
    letter = ActivationLetter.objects.get(company=registration.company)
    print_letters(actor_for(staff), letter_ids=[letter.pk])
    mark_letters_sent(actor_for(staff), letter_ids=[letter.pk])
    sent = timezone.now() - timedelta(days=days_ago)
    ActivationLetter.objects.filter(pk=letter.pk).update(sent_at=sent)
    AuditEvent.objects.filter(action=AuditAction.LETTER_SENT, data__letter=letter.pk).update(
        occurred_at=sent
    )
    registration.company.refresh_from_db()
    return registration.company


@pytest.fixture
def waiting(chamber, staff, applicant):
    return approved_with_letter_sent(chamber, staff, name="Wartend GmbH", applicant=applicant)


@pytest.fixture
def foreign(other_chamber, other_staff):
    return approved_with_letter_sent(other_chamber, other_staff, name="Fremdkammer AG")


def reminders(messages):
    return [m for m in messages if "Erinnerung" in m.subject or "Reminder" in m.subject]


def login(client, user):
    client.force_login(user)
    return client


def company_url(company):
    return reverse("chambers:company", args=[company.pk])


def remind_url(company):
    return reverse("chambers:remind", args=[company.pk])


# --- The company page ----------------------------------------------------------------------------


def test_the_company_page_shows_state_people_letters_and_history(client, waiting, staff, applicant):
    MembershipFactory(company=waiting, user__first_name="Mara", user__last_name="Mitglied")
    page = text(login(client, staff).get(company_url(waiting)))
    sent = timezone.localdate(waiting.letters.get().sent_at).strftime("%d.%m.%Y")
    assert f"freigegeben – Brief versendet am {sent}" in page
    assert "Anna Admin" in page and applicant.email in page  # the applicant
    assert "Noch kein Unternehmensadministrator" in page
    assert '<dd class="kern-description-list-item__value" id="member-count">1</dd>' in page
    assert "Registrierung" in page and "versendet" in page and "nicht verwendet" in page
    assert "Registrierung freigegeben" in page and "Aktivierungsbrief versendet" in page
    assert "Sabine Sachbearbeitung" in page
    assert "Erinnerung senden" in page
    assert "198.51.100.20" not in page


def test_an_activated_company_is_activated_not_approved(client, chamber, staff, company, admin):
    company.activated_at = timezone.now()
    company.save()
    page = text(login(client, staff).get(company_url(company)))
    assert f"aktiviert am {timezone.localdate():%d.%m.%Y}" in page
    assert "freigegeben" not in page.split("<h2")[1]
    assert "Anna Admin" in page and admin.email in page
    assert "Erinnerung senden" not in page


def test_the_companies_list_tells_approved_from_activated_and_links_each(
    client, waiting, company, staff
):
    page = text(login(client, staff).get(reverse("chambers:companies")))
    assert "freigegeben – Brief versendet am" in page
    assert "aktiviert" in page
    assert company_url(waiting) in page and company_url(company) in page


def test_the_list_does_not_grow_queries_with_rows(
    client, chamber, staff, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(client, staff)
    CompanyFactory.create_batch(2, chamber=chamber)
    client.get(reverse("chambers:companies"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("chambers:companies"))
    CompanyFactory.create_batch(20, chamber=chamber)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("chambers:companies"))


# --- Who may not ---------------------------------------------------------------------------------


@pytest.fixture
def actors(chamber, company, admin, other_staff):
    locked = UserFactory()
    ChamberStaff.objects.create(user=locked, chamber=chamber)
    give_factor(locked)
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    return {
        "anonymous": None,
        "plain user": UserFactory(),
        "company admin": admin,
        "locked staff": User.objects.get(pk=locked.pk),
        "other chamber's staff": other_staff,
    }


PAGES = [
    ("chambers:company", True),
    ("chambers:unused_letters", False),
    ("chambers:executed_deletions", False),
    ("chambers:log", False),
    ("chambers:log_csv", False),
]


@pytest.mark.parametrize("who", ["anonymous", "plain user", "company admin", "locked staff"])
@pytest.mark.parametrize(("name", "with_company"), PAGES)
def test_nobody_but_the_chambers_staff_sees_a_page(
    client, actors, waiting, who, name, with_company
):
    user = actors[who]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(name, args=[waiting.pk] if with_company else []))
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert b"Wartend" not in response.content


def test_another_chambers_staff_gets_404_and_never_sees_the_chambers_events(
    client, actors, waiting, foreign, other_staff
):
    client = login(client, other_staff)
    assert client.get(company_url(waiting)).status_code == 404
    assert client.post(remind_url(waiting)).status_code == 404
    assert client.get("/kammer/unternehmen/999999/").status_code in (404,)
    for name in ("chambers:unused_letters", "chambers:log", "chambers:log_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert b"Wartend" not in response.content and b"Sabine" not in response.content
        assert b"Fremdkammer" in response.content
    # The company filter with the other chamber's id finds nothing.
    response = client.get(reverse("chambers:log"), {"company": waiting.pk})
    assert b"Wartend" not in response.content and "0 Einträge" in text(response)
    assert mails("activation_reminder") == 0


@pytest.mark.parametrize("who", ["anonymous", "plain user", "company admin", "locked staff"])
def test_nobody_else_can_send_a_reminder(client, actors, waiting, who):
    user = actors[who]
    if user is not None:
        client.force_login(user)
    response = client.post(remind_url(waiting))
    assert response.status_code == (302 if user is None else 404)
    assert mails("activation_reminder") == 0
    assert not AuditEvent.objects.filter(action=AuditAction.ACTIVATION_REMINDER_SENT).exists()


def test_a_guessed_or_deleted_company_is_404(client, chamber, staff):
    client = login(client, staff)
    deleted = CompanyFactory(chamber=chamber, state=CompanyState.DELETED, name="")
    assert client.get(company_url(deleted)).status_code == 404
    assert client.get("/kammer/unternehmen/999999/").status_code == 404
    assert client.get(reverse("chambers:remind", args=[999999])).status_code == 405


# --- "Erinnerung senden" -------------------------------------------------------------------------


def test_a_reminder_mails_the_applicant_once_and_a_second_click_is_refused(
    client, waiting, staff, applicant, outbox
):
    client = login(client, staff)
    response = client.post(remind_url(waiting))
    assert response.status_code == 302 and response["Location"] == company_url(waiting)
    assert flashed(response) == [
        "Die Erinnerung wurde per E-Mail an die antragstellende Person gesendet."
    ]
    again = client.post(remind_url(waiting))
    assert "wurde vor weniger als 7 Tagen erinnert" in flashed(again)[-1]
    [message] = reminders(outbox())
    assert message.to == [applicant.email]
    assert message.subject.endswith("Erinnerung: Wartend GmbH aktivieren")
    assert "IHK Musterstadt hat den Brief mit dem Aktivierungskennwort für Wartend GmbH" in (
        message.body
    )
    assert "„Unternehmen aktivieren“" in message.body and "http" in message.body
    assert "info@ihk-musterstadt.example" in message.body
    event = AuditEvent.objects.get(action=AuditAction.ACTIVATION_REMINDER_SENT)
    assert event.actor == staff and event.subject_user == applicant and event.company == waiting
    letter = waiting.letters.get()
    assert letter.reminder_count == 1 and letter.reminded_at is not None
    page = text(client.get(company_url(waiting)))
    assert "die nächste Erinnerung ist ab" in page and "Erinnerung senden" not in page


def test_after_the_interval_the_applicant_can_be_reminded_again(client, waiting, staff):
    client = login(client, staff)
    client.post(remind_url(waiting))
    ActivationLetter.objects.filter(company=waiting).update(
        reminded_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    response = client.post(remind_url(waiting), {"back": "unused"})
    assert response["Location"] == reverse("chambers:unused_letters")
    assert mails("activation_reminder") == 2
    assert waiting.letters.get().reminder_count == 2


def test_the_reminder_is_in_the_applicants_language(client, chamber, staff, outbox):
    english = UserFactory(first_name="Emma", last_name="English", language="en")
    company = approved_with_letter_sent(chamber, staff, name="English Ltd", applicant=english)
    login(client, staff).post(remind_url(company))
    [message] = reminders(outbox())
    assert "Reminder: activate English Ltd" in message.subject
    assert "IHK Musterstadt posted the letter with the activation password for English Ltd" in (
        message.body
    )
    assert '"Activate company"' in message.body


@pytest.mark.parametrize("case", ["activated", "expired", "not sent", "applicant locked"])
def test_a_reminder_that_cannot_help_is_refused(client, chamber, staff, waiting, applicant, case):
    letter = waiting.letters.get()
    if case == "activated":
        waiting.state = CompanyState.ACTIVE
        waiting.save()
        expected = "bereits aktiviert"
    elif case == "expired":
        ActivationLetter.objects.filter(pk=letter.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        expected = "abgelaufen"
    elif case == "not sent":
        ActivationLetter.objects.filter(pk=letter.pk).update(state=LetterState.PRINTED)
        expected = "keinen versendeten"
    else:
        User.objects.filter(pk=applicant.pk).update(locked_at=timezone.now())
        expected = "nicht mehr erreichbar"
    response = login(client, staff).post(remind_url(waiting))
    assert expected in flashed(response)[0]
    assert mails("activation_reminder") == 0
    assert ActivationLetter.objects.get(pk=letter.pk).reminder_count == 0


# --- "Nicht verwendete Aktivierungsbriefe" -------------------------------------------------------


def test_the_list_shows_letters_unused_after_n_days_only(client, chamber, staff, waiting, foreign):
    recent = approved_with_letter_sent(chamber, staff, name="Frisch KG", days_ago=3)
    page = text(login(client, staff).get(reverse("chambers:unused_letters")))
    assert "Wartend GmbH" in page and "Frisch KG" not in page and "Fremdkammer" not in page
    assert "vor mehr als 14 Tagen" in page and "Erinnerung senden" in page
    with override_settings(ACTIVATION_LETTER_UNUSED_DAYS=2):
        page = text(client.get(reverse("chambers:unused_letters")))
    assert "Frisch KG" in page
    # Paging bounds: a page that is not one shows the first or last page.
    assert client.get(reverse("chambers:unused_letters"), {"page": "x"}).status_code == 200
    assert client.get(reverse("chambers:unused_letters"), {"page": "99999"}).status_code == 200
    assert recent.state == CompanyState.AWAITING_ACTIVATION


def test_the_job_reminds_once_and_only_letters_waiting_n_days(chamber, staff, waiting, outbox):
    approved_with_letter_sent(chamber, staff, name="Frisch KG", days_ago=3)
    job = Actor.system(Interface.JOB)
    assert remind_unused_letters(job) == 1
    assert remind_unused_letters(job) == 0  # idempotent
    assert [m.subject for m in reminders(outbox())] == [
        "meinekammer: Erinnerung: Wartend GmbH aktivieren"
    ]
    event = AuditEvent.objects.get(action=AuditAction.ACTIVATION_REMINDER_SENT)
    assert event.actor is None and event.via == "job"
    with override_settings(ACTIVATION_REMINDER_AUTOMATIC=False):
        ActivationLetter.objects.update(reminder_count=0, reminded_at=None)
        assert remind_unused_letters(job) == 0


def test_the_job_respects_a_reminder_by_staff(client, waiting, staff):
    login(client, staff).post(remind_url(waiting))
    assert remind_unused_letters(Actor.system(Interface.JOB)) == 0
    assert mails("activation_reminder") == 1


def test_the_job_is_scheduled():
    from meinekammer.schedules import SCHEDULES

    assert "remind-unused-letters" in [schedule.name for schedule in SCHEDULES]


# --- "Protokoll" of the chamber ------------------------------------------------------------------


def log_url():
    return reverse("chambers:log")


def test_the_log_shows_the_chambers_work_newest_first(client, waiting, foreign, staff):
    client = login(client, staff)
    client.post(remind_url(waiting))
    page = text(client.get(log_url()))
    for label in (
        "Registrierung freigegeben",
        "Aktivierungsbrief in der Druckwarteschlange",
        "Aktivierungsbrief gedruckt",
        "Aktivierungsbrief versendet",
        "Erinnerung an den Aktivierungsbrief gesendet",
    ):
        assert label in page, label
    assert page.index("Erinnerung an den Aktivierungsbrief") < page.index(
        "Registrierung freigegeben"
    )
    assert "Fremdkammer" not in page
    assert "198.51.100.20" not in page


def test_filter_by_kind_person_company_and_time(client, chamber, waiting, staff, company, admin):
    request_company_deletion(actor_for(admin), company_id=company.pk, reason="Aufgabe")
    client = login(client, staff)
    page = text(client.get(log_url(), {"kind": "deletions"}))
    assert "Unternehmenslöschung beantragt" in page and "Registrierung freigegeben" not in page
    page = text(client.get(log_url(), {"person": "anna admin"}))
    assert "Unternehmenslöschung beantragt" in page and "Aktivierungsbrief gedruckt" not in page
    page = text(client.get(log_url(), {"company": waiting.pk}))
    assert "Nur Einträge von Wartend GmbH." in page
    assert "Registrierung freigegeben" in page and "Unternehmenslöschung" not in page
    today = timezone.localdate()
    page = text(client.get(log_url(), {"until": (today - timedelta(days=10)).isoformat()}))
    assert "Aktivierungsbrief versendet" in page and "Aktivierungsbrief gedruckt" not in page
    page = text(client.get(log_url(), {"since": today.isoformat(), "kind": "letters"}))
    assert "Aktivierungsbrief gedruckt" in page and "Aktivierungsbrief versendet" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-13-45"}, "Bitte ein gültiges Datum eingeben."),
        ({"until": "morgen"}, "Bitte ein gültiges Datum eingeben."),
        ({"since": "0001-01-01"}, "Bitte geben Sie ein Datum zwischen 2000 und 2999 ein."),
        (
            {"since": "2026-05-02", "until": "2026-05-01"},
            "Das Ende des Zeitraums darf nicht vor seinem Beginn liegen.",
        ),
        ({"person": "x" * 101}, "höchstens 100 Zeichen"),
        ({"person": "Sabine\x00"}, "Nullzeichen sind nicht erlaubt."),
        ({"kind": "members"}, "Bitte eine gültige Auswahl treffen."),
        ({"since": "2026-01-01\x00"}, "Bitte ein gültiges Datum eingeben."),
        ({"company": "abc"}, "Das gewählte Unternehmen ist ungültig."),
        ({"company": "9" * 30}, "Das gewählte Unternehmen ist ungültig."),
    ],
)
def test_hostile_filter_input_gets_a_message(client, waiting, staff, query, message):
    client = login(client, staff)
    for name in ("chambers:log", "chambers:log_csv"):
        response = client.get(reverse(name), query)
        assert response.status_code == 200
        page = text(response)
        assert message in page and "Bitte korrigieren Sie den Filter." in page
        assert "Registrierung freigegeben" not in page


def test_paging_fifty_a_page(client, waiting, staff):
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(action=AuditAction.LETTER_PRINTED, actor=staff, company=waiting)
            for _n in range(120)
        ]
    )
    client = login(client, staff)
    page = text(client.get(log_url(), {"kind": "letters"}))
    assert page.count('<tr class="kern-table__row"><td') == 50 and "Seite 1 von 3" in page
    last = text(client.get(log_url(), {"kind": "letters", "page": "3"}))
    assert "Seite 3 von 3" in last
    for bad in ("x", "0", "-1", "99999", "1" * 40):
        assert client.get(log_url(), {"page": bad}).status_code == 200


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_has_the_filtered_rows_and_neutralizes_formulas(client, chamber, staff, foreign):
    evil = UserFactory(first_name='=HYPERLINK("x")', last_name="+1", email="evil@example.com")
    company = approved_with_letter_sent(chamber, staff, name="=cmd|'/c calc'!A1", applicant=evil)
    client = login(client, staff)
    client.post(remind_url(company))
    response = client.get(reverse("chambers:log_csv"), {"kind": "letters"})
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert f'filename="protokoll-kammer-101-{today}.csv"' in response["Content-Disposition"]
    table = read_csv(response)
    assert table[0] == ["Zeitpunkt", "Wer", "Ereignis", "Unternehmen", "Wen", "Einzelheiten"]
    assert {row[2] for row in table[1:]} <= {
        "Aktivierungsbrief in der Druckwarteschlange",
        "Aktivierungsbrief gedruckt",
        "Aktivierungsbrief versendet",
        "Erinnerung an den Aktivierungsbrief gesendet",
    }
    cells = [cell for row in table[1:] for cell in row]
    assert "'=cmd|'/c calc'!A1" in cells and '\'=HYPERLINK("x") +1' in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    assert not any("Fremdkammer" in cell for cell in cells)


# --- "Durchgeführte Löschungen" ------------------------------------------------------------------


def test_executed_deletions_name_the_company_from_the_directory(
    client, chamber, staff, company, admin, entry, other_chamber
):
    company.directory_entry = entry
    company.save()
    deletion = request_company_deletion(actor_for(admin), company_id=company.pk, reason="Aufgabe")
    approve_company_deletion(actor_for(staff), deletion_id=deletion.pk)
    deletion.refresh_from_db()
    assert execute_due_deletions(Actor.system(Interface.JOB), today=deletion.delete_on) == 1
    # Another chamber's deletion never shows.
    other = CompanyFactory(chamber=other_chamber, name="Fremd gelöscht")
    other_admin = MembershipFactory(company=other, is_admin=True).user
    request_company_deletion(actor_for(other_admin), company_id=other.pk, reason="x")
    page = text(login(client, staff).get(reverse("chambers:executed_deletions")))
    assert "Beispiel GmbH (1010001)" in page
    assert "Anna Admin" in page and "Sabine Sachbearbeitung" in page
    assert "Fremd" not in page
    log = text(client.get(log_url(), {"kind": "deletions"}))
    assert "Unternehmen gelöscht" in log and "Gelöschtes Unternehmen" in log
    assert client.get(reverse("chambers:executed_deletions"), {"page": "9"}).status_code == 200


def test_the_overview_links_the_new_pages(client, staff):
    page = text(login(client, staff).get(reverse("chambers:overview")))
    for name in ("chambers:unused_letters", "chambers:log", "chambers:executed_deletions"):
        assert reverse(name) in page
    assert "Nicht verwendete Aktivierungsbriefe" in page and "Durchgeführte Löschungen" in page


def test_english_labels(client, waiting, staff):
    User.objects.filter(pk=staff.pk).update(language="en")
    client = login(client, staff)
    page = text(client.get(company_url(waiting), HTTP_ACCEPT_LANGUAGE="en"))
    assert "approved – letter sent on" in page and "Send reminder" in page
    assert "Unused activation letters" in text(
        client.get(reverse("chambers:unused_letters"), HTTP_ACCEPT_LANGUAGE="en")
    )
    assert mail.outbox == []
