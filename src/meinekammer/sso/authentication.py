"""How the user logged in, as connected applications learn it: `amr`, `acr` and `auth_time` in
the ID token (docs/oidc.md, "How the user logged in").

The portal's session records every authentication step (allauth's
`account_authentication_methods`: the password, a second factor at login or when asked again).
At the authorization step `sign_in_from` turns those records into a `SignIn`; it is stored with
the code (`applications.GrantAuthentication`) because the ID token is minted at the token
endpoint, without the browser's session, and with the token family the code exchange starts
(`applications.TokenFamily`), for the ID tokens of its refreshes.

RFC 8176 values:

| allauth record | amr |
| --- | --- |
| `password` | `pwd` |
| `mfa`, type `totp` | `otp` |
| `mfa`, type `recovery_codes` | `otp` (a one-time code too) |
| `mfa`, type `webauthn` (security key or passkey) | `hwk` |
| a password and a second factor | `mfa` in addition |

allauth does not tell a passkey held in hardware from a synced one, so WebAuthn is always `hwk`
(never `swk`), and nothing claims user verification (`user`, `pin`). `acr` is `ACR_MFA` when a
second factor (any allauth authenticator, a passkey alone included) was used in this session,
else `ACR_PWD`.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from meinekammer.applications.models import GrantAuthentication

ACR_PWD = "urn:meinekammer:pwd"
ACR_MFA = "urn:meinekammer:mfa"
# As in the discovery document (acr_values_supported), weakest first.
ACR_VALUES = [ACR_PWD, ACR_MFA]

_FACTOR_AMR = {"totp": "otp", "recovery_codes": "otp", "webauthn": "hwk"}


@dataclass(frozen=True)
class SignIn:
    amr: tuple[str, ...]
    acr: str
    auth_time: dt.datetime | None

    @property
    def second_factor(self) -> bool:
        return self.acr == ACR_MFA


def _records(records: Any) -> list[dict]:
    if not isinstance(records, list):
        return []
    return [r for r in records if isinstance(r, dict) and isinstance(r.get("at"), int | float)]


def sign_in_from(records: Iterable[dict] | None, login_time: float | None = None) -> SignIn:
    """`records`: allauth's authentication records of the session (for its current user);
    `login_time`: when the session logged in (a UNIX time), if known."""
    steps = _records(records)
    amr: list[str] = []
    second_factor = False
    for step in steps:
        method = step.get("method")
        value = None
        if method == "password":
            value = "pwd"
        elif method == "mfa":
            second_factor = True
            value = _FACTOR_AMR.get(str(step.get("type")))
        if value is not None and value not in amr:
            amr.append(value)
    if "pwd" in amr and any(v in amr for v in ("otp", "hwk")):
        amr.append("mfa")
    times = [float(step["at"]) for step in steps if step.get("method") in ("password", "mfa")]
    if isinstance(login_time, int | float):
        times.append(float(login_time))
    auth_time = dt.datetime.fromtimestamp(max(times), tz=dt.UTC) if times else None
    return SignIn(amr=tuple(amr), acr=ACR_MFA if second_factor else ACR_PWD, auth_time=auth_time)


def requested_acr(acr_values: str | None) -> str | None:
    """The strongest level an authorization request's `acr_values` asks for that we know."""
    asked = (acr_values or "").split()
    if ACR_MFA in asked:
        return ACR_MFA
    if ACR_PWD in asked:
        return ACR_PWD
    return None


# --- Kept with the grant (applications.GrantAuthentication) -------------------------------------


def remember_for_code(code_digest: str, user: Any, sign_in: SignIn) -> None:
    """At the authorization step: how the user logged in, for the code just issued."""
    GrantAuthentication.objects.create(
        code_digest=code_digest,
        user=user,
        amr=list(sign_in.amr),
        acr=sign_in.acr,
        auth_time=sign_in.auth_time,
    )


def _sign_in(row: Any) -> SignIn | None:
    if row is None:
        return None
    return SignIn(amr=tuple(row.amr or ()), acr=row.acr, auth_time=row.auth_time)


def for_code(code_digest: str) -> SignIn | None:
    return _sign_in(GrantAuthentication.objects.filter(code_digest=code_digest).first())
