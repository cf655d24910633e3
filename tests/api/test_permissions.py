"""Every endpoint of the API × every kind of caller: what each gets, and that nothing changes
for whoever may not change it. Ids are those of IHK Musterstadt's objects throughout: another
chamber's account gets 404 for them, exactly as for ids that do not exist."""

import pytest

from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditEvent
from meinekammer.companies.services.deletion import request_company_deletion
from meinekammer.core.actor import Actor, Interface
from meinekammer.integration.services import deactivate_service_account
from tests.api.conftest import Api, make_account, token_for
from tests.companies.factories import MembershipFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

CALLERS = [
    "chamber",
    "company",
    "other chamber",
    "other company",
    "no token",
    "foreign token",
    "deactivated",
]


@pytest.fixture
def world(client, chamber, other_chamber, company, other_company, admin, roles, entry):
    member = MembershipFactory(company=company)
    RoleAssignment.objects.create(membership=member, role=roles["trainer"])
    registration = RegistrationFactory(company__chamber=chamber)
    deletion = request_company_deletion(Actor.of(admin), company_id=company.pk, reason="Schluss")
    tokens = {}
    for name, kwargs in (
        ("chamber", {"chamber": chamber}),
        ("company", {"company": company}),
        ("other chamber", {"chamber": other_chamber}),
        ("other company", {"company": other_company}),
        ("deactivated", {"chamber": chamber}),
    ):
        account, secret = make_account(name=name, **kwargs)
        tokens[name] = token_for(client, account, secret)
        if name == "deactivated":
            deactivate_service_account(Actor.system(Interface.CLI), account_id=account.pk)
    tokens["foreign token"] = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    return {
        "company": company.pk,
        "member": member.pk,
        "role": roles["trainee"].pk,
        "registration": registration.pk,
        "deletion": deletion.pk,
        "entry": entry.pk,
        "tokens": tokens,
    }


# (method, path, body, who gets 200; the scope a company's account lacks: 403 for it)
ENDPOINTS = [
    ("get", "/companies", None, {"chamber", "company"}),
    ("get", "/companies/{company}", None, {"chamber", "company"}),
    ("get", "/companies/{company}/members", None, {"chamber", "company"}),
    ("put", "/companies/{company}/members/{member}/roles/{role}", None, {"company"}),
    ("delete", "/companies/{company}/members/{member}/roles/{role}", None, {"company"}),
    ("get", "/chamber/registrations", None, {"chamber"}),
    ("get", "/chamber/registrations/{registration}", None, {"chamber"}),
    ("post", "/chamber/registrations/{registration}/reject", {"reason": "Nein"}, {"chamber"}),
    ("get", "/chamber/deletions", None, {"chamber"}),
    ("get", "/chamber/deletions/{deletion}", None, {"chamber"}),
    ("post", "/chamber/deletions/{deletion}/approve", None, {"chamber"}),
    ("get", "/chamber/directory", None, {"chamber"}),
    ("get", "/chamber/directory/entries/{entry}", None, {"chamber"}),
    ("get", "/chamber/directory/imports", None, {"chamber"}),
    ("get", "/audit-events", None, {"chamber", "company"}),
]

# Lists answer every account that may read them, with its own data only (a list a caller's
# kind cannot read at all is 403, above).
LISTS = {
    "/companies",
    "/chamber/registrations",
    "/chamber/deletions",
    "/chamber/directory",
    "/chamber/directory/imports",
    "/audit-events",
}
CHAMBER_ONLY = ("/chamber/",)


def expected(caller: str, method: str, path: str, allowed: set[str]) -> int:
    if caller in ("no token", "foreign token", "deactivated"):
        return 401
    if caller in allowed:
        return 200
    kind = "company" if "company" in caller else "chamber"
    if path.startswith(CHAMBER_ONLY) and kind == "company":
        return 403  # a company's account cannot hold a chamber's scopes
    if method in ("put", "delete") and kind == "chamber":
        return 403  # a chamber's account cannot hold members:write
    if path in LISTS:
        return 200  # its own (empty) list
    return 404


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    "method, path, body, allowed", ENDPOINTS, ids=[f"{m} {p}" for m, p, _b, _a in ENDPOINTS]
)
def test_each_caller_gets_its_answer_and_changes_nothing_it_may_not(
    client, world, caller, method, path, body, allowed
):
    url = path.format(**world)
    api = Api(client, world["tokens"].get(caller, ""))
    before = AuditEvent.objects.count()
    if caller == "no token":
        response = getattr(client, method)(f"/api/v1{url}")
    elif method == "post":
        response = api.post(url, body or {})
    else:
        response = getattr(api, method)(url)
    want = expected(caller, method, path, allowed)
    assert response.status_code == want, (response.status_code, response.content[:300])
    if want != 200:
        assert response["Content-Type"] == "application/problem+json"
        assert AuditEvent.objects.count() == before
    elif path in LISTS and caller not in allowed:
        # Its own data only: nothing of IHK Musterstadt (101) or of Beispiel GmbH.
        text = response.content.decode()
        assert '"101"' not in text and "Beispiel GmbH" not in text
        assert all(item.get("company_id") != world["company"] for item in response.json()["items"])
