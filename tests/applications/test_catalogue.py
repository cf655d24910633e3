"""The operator's catalogue: deactivating an application or a role ends its assignments."""

import pytest

from meinekammer.applications.models import RoleAssignment
from meinekammer.applications.services.catalogue import deactivate_application, deactivate_role
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import NotFound
from tests.accounts.factories import UserFactory
from tests.applications.conftest import issued_families, live_families
from tests.applications.test_oidc_gate import introspect, refresh
from tests.companies.factories import AppRoleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned():
    role = AppRoleFactory()
    other = AppRoleFactory()
    membership = MembershipFactory()
    RoleAssignment.objects.create(membership=membership, role=role)
    RoleAssignment.objects.create(membership=membership, role=other)
    return role, other, membership


@pytest.fixture
def operator():
    return Actor.of(UserFactory(is_staff=True, is_superuser=True), via=Interface.ADMIN)


def test_deactivating_an_application_ends_its_assignments_with_audit(assigned, operator):
    role, other, membership = assigned
    assert deactivate_application(operator, application_id=role.application.pk) == 1
    role.application.refresh_from_db()
    assert not role.application.is_active
    assert list(RoleAssignment.objects.values_list("role", flat=True)) == [other.pk]
    event = AuditEvent.objects.get(action=AuditAction.ROLE_REMOVED)
    assert event.subject_user == membership.user and event.data["role"] == role.key
    assert event.actor == operator.user and event.via == "admin"
    assert event.data["reason"] == "deactivated"


def test_deactivating_a_role_ends_only_its_assignments(assigned, operator):
    role, other, _membership = assigned
    assert deactivate_role(operator, role_id=role.pk) == 1
    role.refresh_from_db()
    assert not role.is_active
    assert list(RoleAssignment.objects.values_list("role", flat=True)) == [other.pk]


def test_deactivating_twice_ends_nothing_more(assigned, operator):
    role, _other, _membership = assigned
    deactivate_role(operator, role_id=role.pk)
    assert deactivate_role(operator, role_id=role.pk) == 0
    deactivate_application(operator, application_id=role.application.pk)
    assert deactivate_application(operator, application_id=role.application.pk) == 0
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REMOVED).count() == 1
    with pytest.raises(NotFound):
        deactivate_role(operator, role_id=987654321)
    with pytest.raises(NotFound):
        deactivate_application(operator, application_id=987654321)


def test_saving_an_active_role_changes_nothing(assigned):
    role, _other, _membership = assigned
    role.name_de = "Neuer Name"
    role.save()
    assert RoleAssignment.objects.count() == 2
    assert not AuditEvent.objects.exists()


def _admin_form(application, roles, **changes):
    """The admin's change form of an application with its role inline, as the browser sends it."""
    data = {
        "name": application.name,
        "description": application.description,
        "url": application.url,
        "requires_role": "on" if application.requires_role else "",
        "is_active": "on" if application.is_active else "",
        "roles-TOTAL_FORMS": str(len(roles)),
        "roles-INITIAL_FORMS": str(len(roles)),
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
    }
    for index, role in enumerate(roles):
        data.update(
            {
                f"roles-{index}-id": str(role.pk),
                f"roles-{index}-application": str(application.pk),
                f"roles-{index}-key": role.key,
                f"roles-{index}-name_de": role.name_de,
                f"roles-{index}-name_en": role.name_en,
                f"roles-{index}-description": role.description,
                f"roles-{index}-position": str(role.position),
                f"roles-{index}-is_active": "on" if role.is_active else "",
            }
        )
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


@pytest.mark.parametrize("what", ["application", "role"])
def test_deactivating_in_the_admin_ends_assignments_and_tokens(
    admin_client, client, oidc_client, trainer, tokens, what
):
    application = oidc_client.connected_application
    roles = list(application.roles.all())
    url = f"/operator/applications/application/{application.pk}/change/"
    if what == "application":
        form = _admin_form(application, roles, is_active="")
    else:
        form = _admin_form(application, roles, **{"roles-0-is_active": ""})
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    assert not RoleAssignment.objects.filter(membership__user=trainer).exists()
    event = AuditEvent.objects.get(action=AuditAction.ROLE_REMOVED)
    assert event.subject_user == trainer and event.via == "admin" and event.actor is not None
    assert introspect(client, tokens["access_token"])["active"] is False
    assert refresh(client, tokens["refresh_token"]).status_code == 400
    assert issued_families().exists() and not live_families().exists()


def test_saving_in_the_admin_without_deactivating_keeps_assignments_and_tokens(
    admin_client, client, oidc_client, trainer, tokens
):
    application = oidc_client.connected_application
    url = f"/operator/applications/application/{application.pk}/change/"
    form = _admin_form(application, list(application.roles.all()), description="Neu")
    assert admin_client.post(url, form).status_code == 302
    assert RoleAssignment.objects.filter(membership__user=trainer).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ROLE_REMOVED).exists()
    assert introspect(client, tokens["access_token"])["active"] is True


def test_the_admin_lists_applications_with_their_roles(admin_client, assigned):
    role, _other, _membership = assigned
    page = admin_client.get(f"/operator/applications/application/{role.application.pk}/change/")
    assert page.status_code == 200 and role.key in page.text


def test_an_applications_logo_is_served_and_shown_on_the_dashboard(client, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from meinekammer.companies.models import Membership

    settings.MEDIA_ROOT = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), "navy").save(buffer, "PNG")
    role = AppRoleFactory()
    application = role.application
    application.logo = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    application.save()
    response = client.get(f"/konto/anwendungen/logo/{application.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    membership = MembershipFactory()
    RoleAssignment.objects.create(membership=membership, role=role)
    client.force_login(membership.user)
    assert f"/konto/anwendungen/logo/{application.pk}/" in client.get("/").text
    assert Membership.objects.filter(pk=membership.pk).exists()
    deactivate_application(
        Actor.of(UserFactory(is_staff=True), via=Interface.ADMIN), application_id=application.pk
    )
    assert client.get(f"/konto/anwendungen/logo/{application.pk}/").status_code == 404
    assert client.get("/konto/anwendungen/logo/999999/").status_code == 404
