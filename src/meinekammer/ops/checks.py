from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def check_operator_details(app_configs, **kwargs):
    """The imprint needs the operator's details; warn on deploy checks when they are missing."""
    missing = [
        k
        for k in ("name", "street", "postal_code", "city", "email")
        if not settings.OPERATOR.get(k)
    ]
    if missing:
        return [
            Warning(
                "The imprint lacks operator details: " + ", ".join(missing),
                hint="Set OPERATOR_NAME, OPERATOR_STREET, OPERATOR_POSTAL_CODE, OPERATOR_CITY "
                "and OPERATOR_EMAIL in the environment.",
                id="meinekammer.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_oidc_signing_key(app_configs, **kwargs):
    """Connected applications cannot log in without the key that signs ID tokens."""
    if not settings.OAUTH2_PROVIDER.get("OIDC_RSA_PRIVATE_KEY"):
        return [
            Error(
                "No signing key for the OpenID Connect provider.",
                hint="Create one with `meinekammer create-signing-key --out FILE` and set "
                "OIDC_SIGNING_KEY_FILE to its path (see docs/oidc.md).",
                id="meinekammer.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_access_token_key(app_configs, **kwargs):
    """Access tokens are signed with an EC key (ES256); without one they fall back to the ID-token
    key (RS256), which works but costs a refresh several times the signing time."""
    if not getattr(settings, "OIDC_ACCESS_TOKEN_KEY", ""):
        return [
            Warning(
                "No access-token key: access tokens are signed with the ID-token key (RS256).",
                hint="Create one with `meinekammer create-signing-key --access-tokens --out FILE` "
                "and set OIDC_ACCESS_TOKEN_KEY_FILE to its path (see docs/oidc.md).",
                id="meinekammer.W010",
            )
        ]
    return []
