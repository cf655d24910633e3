"""Issue 16: "Mir zuweisen" among the chamber's clerks for registration requests.

A clerk takes a request, colleagues see who holds it ("Zugewiesen an …"), "Zuweisung aufheben"
gives it back; a request a colleague holds is decided only after taking it over, which is
audited and shows in the chamber's "Protokoll". Who may not: another chamber's staff, company
admins, plain users, locked staff, visitors.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies.models import CompanyRegistration, RegistrationState
from meinekammer.companies.services.registration import (
    approve_registration,
    assign_registration_to_me,
    reject_registration,
    release_registration,
)
from meinekammer.core.errors import Conflict, NotFound
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.factories import RegistrationFactory, actor_for
from tests.companies.helpers import flashed, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(chamber):
    user = UserFactory(first_name="Carla", last_name="Kollegin")
    ChamberStaff.objects.create(user=user, chamber=chamber)
    give_factor(user)
    return user


@pytest.fixture
def registration(chamber, entry, applicant):
    return RegistrationFactory(
        company__chamber=chamber,
        company__name="Beispiel GmbH",
        company__street="Musterstraße 1",
        applicant=applicant,
    )


def reload(registration) -> CompanyRegistration:
    return CompanyRegistration.objects.get(pk=registration.pk)


def assign_url(registration) -> str:
    return reverse("chambers:registration_assign", args=[registration.pk])


def release_url(registration) -> str:
    return reverse("chambers:registration_release", args=[registration.pk])


def review_url(registration) -> str:
    return reverse("chambers:registration", args=[registration.pk])


# --- The use cases ----------------------------------------------------------------------------


def test_a_clerk_takes_a_request_and_releases_it(registration, staff):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    held = reload(registration)
    assert held.assignee == staff and held.assigned_at is not None
    # A double click changes nothing and writes no second event.
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    assert AuditEvent.objects.filter(action=AuditAction.REGISTRATION_ASSIGNED).count() == 1

    release_registration(actor_for(staff), registration_id=registration.pk)
    released = reload(registration)
    assert released.assignee is None and released.assigned_at is None
    release_registration(actor_for(staff), registration_id=registration.pk)  # no-op
    assert AuditEvent.objects.filter(action=AuditAction.REGISTRATION_RELEASED).count() == 1


def test_a_colleagues_request_is_refused_without_a_take_over(registration, staff, colleague):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    with pytest.raises(Conflict, match="Sabine Sachbearbeitung"):
        assign_registration_to_me(actor_for(colleague), registration_id=registration.pk)
    with pytest.raises(Conflict, match="Sabine Sachbearbeitung"):
        release_registration(actor_for(colleague), registration_id=registration.pk)
    assert reload(registration).assignee == staff


def test_the_holder_alone_decides_a_colleague_takes_it_over_first(
    registration, staff, colleague, entry
):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    with pytest.raises(Conflict, match=r"Take it over first|Übernehmen Sie sie zuerst"):
        approve_registration(
            actor_for(colleague), registration_id=registration.pk, directory_entry_id=entry.pk
        )
    with pytest.raises(Conflict, match=r"Take it over first|Übernehmen Sie sie zuerst"):
        reject_registration(actor_for(colleague), registration_id=registration.pk, reason="x")
    assert reload(registration).state == RegistrationState.IN_REVIEW

    # A take-over names whom it was taken from, as the page showed.
    with pytest.raises(Conflict):
        assign_registration_to_me(
            actor_for(colleague), registration_id=registration.pk, take_over_from=colleague.pk
        )
    assign_registration_to_me(
        actor_for(colleague), registration_id=registration.pk, take_over_from=staff.pk
    )
    assert reload(registration).assignee == colleague
    event = AuditEvent.objects.get(action=AuditAction.REGISTRATION_TAKEN_OVER)
    assert event.actor == colleague and event.data["taken_from"] == staff.pk
    assert event.company == registration.company

    approve_registration(
        actor_for(colleague), registration_id=registration.pk, directory_entry_id=entry.pk
    )
    assert reload(registration).state == RegistrationState.APPROVED
    assert reload(registration).decided_by == colleague


def test_nobody_holding_it_any_clerk_decides_at_once(registration, staff, entry):
    """A chamber with one clerk need not click "Mir zuweisen" first."""
    approve_registration(
        actor_for(staff), registration_id=registration.pk, directory_entry_id=entry.pk
    )
    assert reload(registration).state == RegistrationState.APPROVED


def test_a_decided_request_cannot_be_taken(registration, staff, colleague):
    reject_registration(actor_for(staff), registration_id=registration.pk, reason="Unbekannt")
    with pytest.raises(Conflict, match=r"already been decided|bereits Sabine"):
        assign_registration_to_me(actor_for(colleague), registration_id=registration.pk)
    with pytest.raises(Conflict, match=r"already been decided|bereits Sabine"):
        release_registration(actor_for(staff), registration_id=registration.pk)


def test_another_chambers_staff_cannot_take_or_release(registration, other_staff, staff):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    with pytest.raises(NotFound):
        assign_registration_to_me(
            actor_for(other_staff), registration_id=registration.pk, take_over_from=staff.pk
        )
    with pytest.raises(NotFound):
        release_registration(actor_for(other_staff), registration_id=registration.pk)
    assert reload(registration).assignee == staff


# --- The pages --------------------------------------------------------------------------------


def test_colleagues_see_who_holds_it_and_can_take_it_over(client, registration, staff, colleague):
    client.force_login(staff)
    response = client.post(assign_url(registration))
    assert response["Location"] == review_url(registration)
    assert flashed(response) == ["Die Anfrage für Beispiel GmbH ist Ihnen zugewiesen."]
    page = text(client.get(review_url(registration)))
    assert "Ihnen zugewiesen seit" in page and "Zuweisung aufheben" in page
    assert "Mit diesem Eintrag freigeben" in page

    client.force_login(colleague)
    page = text(client.get(review_url(registration)))
    assert "Zugewiesen an Sabine Sachbearbeitung seit" in page
    assert "Mit diesem Eintrag freigeben" not in page and "Ablehnen" not in page
    assert f'name="take_over_from" value="{staff.pk}"' in page
    listing = text(client.get(reverse("chambers:registrations")))
    assert "Sabine Sachbearbeitung" in listing

    # Approving anyway (a stale form) is refused with a clear message.
    response = client.post(review_url(registration), {"approve": "1", "directory_entry": "1"})
    assert "Sabine Sachbearbeitung bearbeitet diese Anfrage" in flashed(response)[0]

    response = client.post(assign_url(registration), {"take_over_from": str(staff.pk)})
    assert flashed(response)[-1] == "Die Anfrage für Beispiel GmbH ist Ihnen zugewiesen."
    assert reload(registration).assignee == colleague

    # The take-over shows in the chamber's log, with whom it was taken from.
    log = text(client.get(reverse("chambers:log"), {"kind": "reviews"}))
    assert "Registrierungsantrag von einer Kollegin oder einem Kollegen übernommen" in log
    assert "von Sabine Sachbearbeitung" in log


def test_a_stale_take_over_is_refused(client, registration, staff, colleague):
    """Carla saw the request free; Sabine took it meanwhile: Carla's click changes nothing."""
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    client.force_login(colleague)
    response = client.post(assign_url(registration), {"back": "list"})
    assert response["Location"] == reverse("chambers:registrations")
    assert flashed(response) == [
        "Sabine Sachbearbeitung hat diese Anfrage bereits übernommen. Es wurde nichts geändert."
    ]
    assert reload(registration).assignee == staff


@pytest.mark.parametrize(
    "value", ["", "abc", "-1", "99999999999999999999", "1 OR 1=1", "²", "٣", "1" * 10_000]
)
def test_bad_take_over_input_takes_nothing(client, registration, staff, colleague, value):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    client.force_login(colleague)
    response = client.post(assign_url(registration), {"take_over_from": value})
    assert response.status_code == 302
    assert reload(registration).assignee == staff


def test_the_queue_filters_by_assignment(client, chamber, registration, staff, colleague):
    other = RegistrationFactory(company__chamber=chamber, company__name="Andere KG")
    assign_registration_to_me(actor_for(colleague), registration_id=other.pk)
    client.force_login(staff)
    url = reverse("chambers:registrations")
    assert "Andere KG" not in text(client.get(url, {"assigned": "none"}))
    assert "Beispiel GmbH" in text(client.get(url, {"assigned": "none"}))
    mine = text(client.get(url, {"assigned": "me"}))
    assert "Beispiel GmbH" not in mine and "Andere KG" not in mine
    everything = text(client.get(url, {"assigned": "nonsense"}))
    assert "Beispiel GmbH" in everything and "Andere KG" in everything


# --- Who may not ------------------------------------------------------------------------------


@pytest.fixture
def actors(chamber, admin, other_staff):
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


@pytest.mark.parametrize(
    "who", ["anonymous", "plain user", "company admin", "locked staff", "other chamber's staff"]
)
@pytest.mark.parametrize("action", ["assign", "release"])
def test_nobody_but_the_chambers_staff_takes_or_releases(
    client, actors, registration, staff, who, action
):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    user = actors[who]
    if user is not None:
        client.force_login(user)
    url = assign_url(registration) if action == "assign" else release_url(registration)
    response = client.post(url, {"take_over_from": str(staff.pk)})
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert reload(registration).assignee == staff
    assert not AuditEvent.objects.filter(action=AuditAction.REGISTRATION_TAKEN_OVER).exists()


def test_get_is_not_allowed_and_unknown_ids_are_404(client, staff, registration):
    client.force_login(staff)
    assert client.get(assign_url(registration)).status_code == 405
    assert client.post("/kammer/registrierungen/999999/zuweisen/").status_code == 404
