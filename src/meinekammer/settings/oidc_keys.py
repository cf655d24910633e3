"""Signing keys of the OpenID Connect provider, from files or the environment.

OIDC_SIGNING_KEY_FILE (or OIDC_SIGNING_KEY, the PEM itself) is the key that signs ID tokens.
OIDC_PUBLISHED_KEY_FILES (comma-separated) are keys published in the JWKS but not used for
signing: the next key before it is switched on, and the previous one until its tokens expire.
See docs/oidc.md for the rotation steps; `meinekammer create-signing-key` makes a key.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def new_private_key_pem(bits: int = 3072) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def new_ec_private_key_pem() -> str:
    """A P-256 key for ES256 access tokens."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def read_keys(files: list[str]) -> list[str]:
    return [Path(name).read_text() for name in files if name.strip()]


def demo_key(path: Path, kind: str = "rsa") -> str:
    """The demo's key, made once under var/ (never used in production settings).

    The demo's processes start at the same moment; the key is written to a temporary file and
    linked into place, so all of them end up with the one key that got there first.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(
            new_ec_private_key_pem() if kind == "ec" else new_private_key_pem(2048)
        )
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text()


def access_token_seconds_for(default: int):
    """oauthlib calls this per token: a client's own lifetime, else the installation's."""

    def seconds(request) -> int:
        client = getattr(request, "client", None)
        return getattr(client, "access_token_seconds", None) or default

    return seconds
