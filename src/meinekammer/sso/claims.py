"""What a connected application learns about the user (DESIGN.md "OpenID Connect contract").

An opaque `sub`, the standard claims of the granted scopes, `email_verified` for the account's
current address, and the `companies` claim: the user's working companies with their roles of
the requesting client's application only.
"""

from typing import Any

from meinekammer.applications.models import OAuthClient

from .gate import client_roles

# The scope that grants the `companies` claim (oidc_claim_scope of the validator).
COMPANIES_SCOPE = "companies"

DISCOVERY_CLAIMS = [
    "sub",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "locale",
    "companies",
    # ID token only: how the user logged in (sso/authentication.py).
    "amr",
    "acr",
    "auth_time",
]


def companies_for(user: Any, client: OAuthClient, request: Any = None) -> list[dict]:
    """The `companies` claim: the user's working companies with their roles of this client."""
    companies: dict[int, dict] = {}
    for company_id, name, chamber_number, member_number, role in client_roles(
        user, client, request
    ):
        entry = companies.setdefault(
            company_id,
            {
                "id": str(company_id),
                "name": name,
                "chamber_number": chamber_number,
                "member_number": member_number,
                "roles": [],
            },
        )
        entry["roles"].append(role)
    return list(companies.values())


def email_verified(user: Any) -> bool:
    """Whether the account's current address is confirmed (in any letter case)."""
    known = getattr(user, "mk_email_verified", None)  # see Validator._load_access_token
    if known is not None:
        return bool(known)
    return user.emailaddress_set.filter(email__iexact=user.email, verified=True).exists()


def claims_for(user: Any, client: OAuthClient, scopes: Any, request: Any = None) -> dict:
    """Every claim the user's token may carry; django-oauth-toolkit keeps those of the granted
    scopes (oidc_claim_scope)."""
    claims = {
        "sub": str(user.subject),
        "email": user.email,
        "email_verified": email_verified(user),
        "name": user.get_full_name(),
        "given_name": user.first_name,
        "family_name": user.last_name,
        "locale": user.language,
    }
    if COMPANIES_SCOPE in (scopes or []):
        claims["companies"] = companies_for(user, client, request)
    return claims
