"""The installation's signing keys as jwcrypto keys, with their algorithm and key id (the JWK
thumbprint, as django-oauth-toolkit's JWKS names them)."""

import functools

from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings


@functools.cache
def key_from_pem(pem: str) -> tuple[jwk.JWK, str, str]:
    key = jwk.JWK.from_pem(pem.encode())
    algorithm = "ES256" if key.get("kty") == "EC" else "RS256"
    return key, algorithm, key.thumbprint()


def id_token_key() -> tuple[jwk.JWK, str, str]:
    """The ID-token key (RS256): it signs ID tokens and logout tokens."""
    return key_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
