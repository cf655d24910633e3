"""The operator's catalogue: deactivating an application or a role ends its assignments."""

import pytest

from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
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


def test_deactivating_an_application_ends_its_assignments_with_audit(assigned):
    role, other, membership = assigned
    role.application.is_active = False
    role.application.save()
    assert list(RoleAssignment.objects.values_list("role", flat=True)) == [other.pk]
    event = AuditEvent.objects.get(action=AuditAction.ROLE_REMOVED)
    assert event.subject_user == membership.user and event.data["role"] == role.key


def test_deactivating_a_role_ends_only_its_assignments(assigned):
    role, other, _membership = assigned
    role.is_active = False
    role.save()
    assert list(RoleAssignment.objects.values_list("role", flat=True)) == [other.pk]


def test_saving_an_active_role_changes_nothing(assigned):
    role, _other, _membership = assigned
    role.name_de = "Neuer Name"
    role.save()
    assert RoleAssignment.objects.count() == 2
    assert not AuditEvent.objects.exists()


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
    application.is_active = False
    application.save()
    assert client.get(f"/konto/anwendungen/logo/{application.pk}/").status_code == 404
    assert client.get("/konto/anwendungen/logo/999999/").status_code == 404
