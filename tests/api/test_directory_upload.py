"""POST /api/v1/chamber/directory/imports: a chamber's service account uploads its directory;
the job imports it; progress, counts and rejected lines are read back."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meinekammer.audit.models import AuditEvent
from meinekammer.chambers.models import DirectoryEntry, DirectoryImport
from tests.api.conftest import Api, assert_problem, make_account, token_for

pytestmark = pytest.mark.django_db

HEADER = (
    "member_number;name;legal_form;street;postal_code;city;register_court;register_number;status"
)
GOOD = (
    HEADER
    + "\n1010101;Neu GmbH;GmbH;Weg 1;12345;Musterstadt;Amtsgericht Musterstadt;HRB 9;aktiv"
    + "\n;Ohne Nummer;GmbH;Weg 2;12345;Musterstadt;;;aktiv\n"
)


def upload(api: Api, content: bytes, name: str = "verzeichnis.csv"):
    return api.client.post(
        "/api/v1/chamber/directory/imports",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )


def test_an_upload_is_imported_by_the_job_and_reported(
    chamber_api, chamber, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued on commit
        response = upload(chamber_api, GOOD.encode())
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["state"] == "queued" and started["file_name"] == "verzeichnis.csv"
    run_tasks()
    report = chamber_api.get(f"/chamber/directory/imports/{started['id']}").json()
    assert report["state"] == "done"
    assert report["created"] == 1 and report["rejected"] == 1
    assert report["rejections"][0]["line"] == 3
    assert DirectoryEntry.objects.filter(chamber=chamber, member_number="1010101").exists()
    listed = chamber_api.get("/chamber/directory/imports").json()["items"]
    assert [i["id"] for i in listed] == [started["id"]]
    event = AuditEvent.objects.filter(action="chamber.directory_import_started").get()
    assert event.service_account.name == "Kammer-Registersync"


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01binary", b"Name;Ort\nA;B\n", GOOD.encode("utf-16")],
)
def test_unusable_files_are_refused_at_once(chamber_api, content):
    assert_problem(upload(chamber_api, content), 422, "invalid")
    assert not DirectoryImport.objects.exists()


def test_a_file_over_the_limit_is_refused(chamber_api, settings):
    settings.DIRECTORY_UPLOAD_MAX_BYTES = 100
    assert_problem(upload(chamber_api, GOOD.encode() * 3), 422, "invalid")
    assert not DirectoryImport.objects.exists()


def test_a_second_upload_while_one_waits_is_a_conflict(chamber_api):
    assert upload(chamber_api, GOOD.encode()).status_code == 202
    assert_problem(upload(chamber_api, GOOD.encode()), 409, "conflict")
    assert DirectoryImport.objects.count() == 1


def test_no_file_is_invalid_input(chamber_api):
    response = chamber_api.client.post(
        "/api/v1/chamber/directory/imports", {}, HTTP_AUTHORIZATION=f"Bearer {chamber_api.token}"
    )
    assert_problem(response, 422, "invalid")


def test_without_the_scope_or_as_a_company_nothing_is_uploaded(client, chamber, company):
    reader = Api(
        client, token_for(client, *make_account(chamber=chamber, scopes=["directory:read"]))
    )
    assert_problem(upload(reader, GOOD.encode()), 403, "insufficient-scope")
    firm = Api(client, token_for(client, *make_account(company=company, scopes=["companies:read"])))
    assert_problem(upload(firm, GOOD.encode()), 403, "insufficient-scope")
    assert not DirectoryImport.objects.exists()


def test_another_chambers_import_is_not_found(chamber_api, other_chamber, client, run_tasks):
    other = Api(client, token_for(client, *make_account(chamber=other_chamber, name="Andere")))
    foreign = upload(other, GOOD.encode()).json()["id"]
    assert_problem(chamber_api.get(f"/chamber/directory/imports/{foreign}"), 404, "not-found")
    assert chamber_api.get("/chamber/directory/imports").json()["items"] == []
