"""Codes of an authenticator app, computed as the app does (RFC 6238), independent of the
portal's own TOTP code: the unit, integration and browser tests enter them."""

import base64
import hashlib
import hmac
import struct
import time

PERIOD = 30


def code_for_step(secret: str, step: int) -> str:
    """HMAC-SHA1 over the time step, six digits (RFC 4226 dynamic truncation)."""
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", step), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an app shows at `at` (now if not given)."""
    return code_for_step(secret, int((time.time() if at is None else at) // PERIOD))
