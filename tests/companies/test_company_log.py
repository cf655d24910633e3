""" "Protokoll" of a company (issue 16): what its admins see of what happened, and who may not."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.log import company_log
from meinekammer.companies.services.deletion import request_company_deletion
from meinekammer.companies.services.invitations import invite_member
from meinekammer.companies.services.member_requests import (
    approve_member_request,
    assign_request_to_me,
)
from meinekammer.companies.services.members import save_member, update_company_data
from meinekammer.core.errors import NotFound
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory, MembershipFactory, actor_for
from tests.companies.helpers import text

pytestmark = pytest.mark.django_db


def log_url(company, **query):
    return reverse("companies:log", args=[company.pk])


def csv_url(company):
    return reverse("companies:log_csv", args=[company.pk])


@pytest.fixture
def history(company, admin, second_admin, join_request, roles, other_chamber):
    """What the admins did, through the real use cases."""
    actor = actor_for(admin)
    invite_member(actor, company_id=company.pk, email="neu@example.com", roles=[roles["trainer"]])
    assign_request_to_me(actor, member_request_id=join_request.pk)
    approve_member_request(actor, member_request_id=join_request.pk, roles=[roles["trainee"]])
    second = second_admin.memberships.get(company=company)
    save_member(
        actor_for(admin),
        company_id=company.pk,
        membership_id=second.pk,
        roles=[roles["trainer"]],
        is_admin=True,
    )
    request_company_deletion(actor_for(second_admin), company_id=company.pk, reason="Aufgabe")
    # Another company, with its own admin and events that must never show.
    other = CompanyFactory(chamber=other_chamber, name="Geheim AG")
    other_admin = MembershipFactory(
        company=other, is_admin=True, user__first_name="Otto", user__last_name="Fremd"
    ).user
    update_company_data(
        actor_for(other_admin),
        company_id=other.pk,
        data={
            "street": "Geheimweg 9",
            "postal_code": "99999",
            "city": "Geheimstadt",
            "email": "",
            "phone": "0999",
        },
    )
    return {"other": other, "other_admin": other_admin}


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_admin_sees_what_was_done_newest_first(client, company, admin, history):
    page = text(logged_in(client, admin).get(log_url(company)))
    for label in (
        "Einladung versendet",
        "Anfrage zugewiesen",
        "Mitglied hinzugefügt",
        "Rolle zugewiesen",
        "Anfrage genehmigt",
        "Unternehmenslöschung beantragt",
    ):
        assert label in page, label
    assert "Rita Anfrage" in page and "Anna Admin" in page and "Bernd Zweit" in page
    assert "neu@example.com" in page  # whom the invitation went to
    assert "Serviceportal Bildung: Auszubildender" in page
    assert page.index("Unternehmenslöschung beantragt") < page.index("Einladung versendet")
    # Never another company's events, never addresses or user agents.
    assert "Geheim" not in page and "Otto" not in page
    assert "198.51.100.20" not in page


def test_the_selector_refuses_anyone_but_the_company_admin(company, admin, history):
    with pytest.raises(NotFound):
        company_log(actor_for(history["other_admin"]), company_id=company.pk)
    _company, events = company_log(actor_for(admin), company_id=company.pk)
    assert events.exists()
    assert not events.exclude(company=company).exists()


def test_the_administration_page_links_the_log(client, company, admin):
    page = text(
        logged_in(client, admin).get(reverse("companies:administration", args=[company.pk]))
    )
    assert log_url(company) in page and "Protokoll" in page


def test_english(client, company, admin, history):
    User.objects.filter(pk=admin.pk).update(language="en")
    page = text(logged_in(client, admin).get(log_url(company), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Log" in page and "Invitation sent" in page and "Export as CSV" in page
    assert "Period from" in page


def test_filter_by_kind(client, company, admin, history):
    page = text(logged_in(client, admin).get(log_url(company), {"kind": "roles"}))
    assert "Rolle zugewiesen" in page
    assert "Einladung versendet" not in page and "Unternehmenslöschung beantragt" not in page
    page = text(client.get(log_url(company), {"kind": "deletion"}))
    assert "Unternehmenslöschung beantragt" in page and "Rolle zugewiesen" not in page


def test_filter_by_person_matches_who_and_whom(client, company, admin, history):
    page = text(logged_in(client, admin).get(log_url(company), {"person": "rita anfrage"}))
    assert "Mitglied hinzugefügt" in page and "Anfrage genehmigt" in page
    assert "Unternehmenslöschung beantragt" not in page  # Bernd did that
    page = text(client.get(log_url(company), {"person": second_admin_email(company)}))
    assert "Unternehmenslöschung beantragt" in page
    assert "Einladung versendet" not in page
    # An invitation is found by the address it went to.
    page = text(client.get(log_url(company), {"person": "NEU@example"}))
    assert "Einladung versendet" in page and "Rolle zugewiesen" not in page


def second_admin_email(company):
    return company.memberships.get(user__first_name="Bernd").user.email


def test_filter_by_time(client, company, admin, history):
    today = timezone.localdate()
    AuditEvent.objects.filter(action=AuditAction.INVITATION_SENT).update(
        occurred_at=timezone.now() - timedelta(days=40)
    )
    client = logged_in(client, admin)
    recent = text(client.get(log_url(company), {"since": (today - timedelta(days=7)).isoformat()}))
    assert "Einladung versendet" not in recent and "Rolle zugewiesen" in recent
    old = text(client.get(log_url(company), {"until": (today - timedelta(days=30)).isoformat()}))
    assert "Einladung versendet" in old and "Rolle zugewiesen" not in old
    today_only = text(
        client.get(log_url(company), {"since": today.isoformat(), "until": today.isoformat()})
    )
    assert "Rolle zugewiesen" in today_only and "Einladung versendet" not in today_only


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-13-45"}, "Bitte ein gültiges Datum eingeben."),
        ({"until": "morgen"}, "Bitte ein gültiges Datum eingeben."),
        ({"since": "0001-01-01"}, "Bitte geben Sie ein Datum zwischen 2000 und 2999 ein."),
        ({"until": "9999-12-31"}, "Bitte geben Sie ein Datum zwischen 2000 und 2999 ein."),
        (
            {"since": "2026-05-02", "until": "2026-05-01"},
            "Das Ende des Zeitraums darf nicht vor seinem Beginn liegen.",
        ),
        ({"person": "x" * 101}, "höchstens 100 Zeichen"),
        ({"kind": "passwords"}, "Bitte eine gültige Auswahl treffen."),
        ({"since": "2026-01-01\x00"}, "Bitte ein gültiges Datum eingeben."),
    ],
)
def test_bad_filter_input_gets_a_message(client, company, admin, history, query, message):
    client = logged_in(client, admin)
    response = client.get(log_url(company), query)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Rolle zugewiesen" not in page
    response = client.get(csv_url(company), query)
    assert response.status_code == 200 and message in text(response)


def test_control_characters_in_the_person_are_harmless(client, company, admin, history):
    page = text(logged_in(client, admin).get(log_url(company), {"person": "Rita\x00\x1b Anfrage"}))
    assert "Nullzeichen sind nicht erlaubt." in page  # NUL never reaches the database
    response = client.get(log_url(company), {"person": "\x07\x1b"})
    assert response.status_code == 200 and "Rolle zugewiesen" in text(response)
    response = client.get(log_url(company), {"person": "Rita\x07Anfrage"})
    assert "Nullzeichen" not in text(response)


def many_events(company, admin, count):
    member = MembershipFactory(company=company, user__first_name="Mia", user__last_name="Viel")
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action=AuditAction.ROLE_ASSIGNED,
                actor=admin if n % 2 else UserFactory(),
                subject_user=member.user,
                company=company,
                occurred_at=now - timedelta(minutes=n),
                data={"application": "Serviceportal Bildung", "role": "ausbilder", "n": n},
            )
            for n in range(count)
        ]
    )


def test_paging_fifty_a_page_with_the_filter_kept(client, company, admin, roles):
    many_events(company, admin, 120)
    client = logged_in(client, admin)
    page = text(client.get(log_url(company), {"kind": "roles"}))
    assert "120 Einträge" in page
    assert page.count('<tr class="kern-table__row"><td') == 50
    assert "Seite 1 von 3" in page and "kind=roles&amp;page=2" in response_html(client, company)
    last = text(client.get(log_url(company), {"kind": "roles", "page": "3"}))
    assert last.count('<tr class="kern-table__row"><td') == 20
    assert "Seite 3 von 3" in last
    # A page number that is not one shows the first or last page, no error.
    assert client.get(log_url(company), {"page": "x"}).status_code == 200
    assert client.get(log_url(company), {"page": "999"}).status_code == 200


def response_html(client, company):
    return client.get(log_url(company), {"kind": "roles"}).content.decode()


def test_query_count_is_flat(client, company, admin, roles, django_assert_max_num_queries):
    many_events(company, admin, 3)
    client = logged_in(client, admin)
    client.get(log_url(company))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(log_url(company))
    many_events(company, admin, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(log_url(company))
    assert "63 Einträge" in text(response)


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_has_the_filtered_rows(client, company, admin, history):
    response = logged_in(client, admin).get(csv_url(company), {"kind": "roles"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert f'filename="protokoll-beispiel-gmbh-{today}.csv"' in response["Content-Disposition"]
    table = read_csv(response)
    assert table[0] == ["Zeitpunkt", "Wer", "Ereignis", "Wen", "Einzelheiten"]
    assert {row[2] for row in table[1:]} == {"Rolle zugewiesen"}
    assert ["Anna Admin", "Rolle zugewiesen", "Rita Anfrage"] in [row[1:4] for row in table]
    assert not any("Geheim" in cell or "198.51" in cell for row in table for cell in row)


def test_csv_neutralizes_formulas(client, company, admin, roles):
    evil = MembershipFactory(
        company=company, user__first_name='=HYPERLINK("x")', user__last_name="+1"
    ).user
    for first in ("@SUM(1)", "-2+3"):
        AuditEvent.objects.create(
            action=AuditAction.MEMBER_REMOVED,
            actor=admin,
            subject_user=UserFactory(first_name=first, last_name="X"),
            company=company,
        )
    for field in ("\tTab", "\rCR"):  # names are trimmed; a recorded field name is not
        AuditEvent.objects.create(
            action=AuditAction.COMPANY_DATA_CHANGED,
            actor=admin,
            company=company,
            data={"fields": [field]},
        )
    AuditEvent.objects.create(
        action=AuditAction.MEMBER_ADDED, actor=evil, subject_user=admin, company=company
    )
    table = read_csv(logged_in(client, admin).get(csv_url(company)))
    cells = [cell for row in table[1:] for cell in row]
    assert '\'=HYPERLINK("x") +1' in cells
    for first in ("@SUM(1)", "-2+3"):
        assert f"'{first} X" in cells
    assert "'\tTab" in cells and "'\rCR" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)


@pytest.mark.parametrize(
    "who", ["anonymous", "member", "other company's admin", "other staff", "staff", "locked admin"]
)
@pytest.mark.parametrize("name", ["companies:log", "companies:log_csv"])
def test_nobody_else_sees_the_log(client, company, admin, history, other_staff, staff, who, name):
    member = MembershipFactory(company=company, user__last_name="Mitglied").user
    locked = MembershipFactory(company=company, is_admin=True).user
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    user = {
        "anonymous": None,
        "member": member,
        "other company's admin": history["other_admin"],
        "other staff": other_staff,
        "staff": staff,
        "locked admin": User.objects.get(pk=locked.pk),
    }[who]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(name, args=[company.pk]))
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert b"Rolle zugewiesen" not in response.content and b"Rita" not in response.content


def test_an_admin_gets_404_for_another_companys_log(client, admin, history):
    client = logged_in(client, admin)
    assert client.get(log_url(history["other"])).status_code == 404
    assert client.get(csv_url(history["other"])).status_code == 404
    assert client.get("/unternehmen/999999/protokoll/").status_code == 404


def test_company_data_and_the_factor_switch_show_what_changed(client, company, admin):
    from meinekammer.companies.services.factors import set_members_factor_required

    update_company_data(
        actor_for(admin),
        company_id=company.pk,
        data={
            "street": "Neuer Weg 2",
            "postal_code": company.postal_code,
            "city": company.city,
            "email": company.email,
            "phone": "0123 4",
        },
    )
    set_members_factor_required(actor_for(admin), company_id=company.pk, required=True)
    page = text(logged_in(client, admin).get(log_url(company), {"kind": "company"}))
    assert page.count("Unternehmensdaten geändert") >= 2
    assert "Zweiter Faktor für alle Mitglieder verlangt" in page
    assert "Straße und Hausnummer" in page


def test_the_chamber_decides_as_the_chamber_and_the_system_as_system(client, company, admin, staff):
    AuditEvent.objects.create(
        action=AuditAction.DELETION_REFUSED_BY_CHAMBER, actor=staff, company=company
    )
    AuditEvent.objects.create(action=AuditAction.COMPANY_DELETED, actor=None, company=company)
    # Events of the company that are not for its admins stay out.
    AuditEvent.objects.create(
        action=AuditAction.ACTIVATION_FAILED, actor=staff, company=company, ip_address="192.0.2.1"
    )
    page = text(logged_in(client, admin).get(log_url(company)))
    assert "IHK Musterstadt" in page and "Sabine" not in page
    assert '<td class="kern-table__cell">System</td>' in page
    assert "192.0.2.1" not in page and "Fehlgeschlagene Aktivierung" not in page
