"""allauth's MFA adapter: how the second factors fit the portal.

Interface code (allauth calls it with the HTTP request). Who must keep a second factor is not
decided here: `meinekammer.accounts.factors.factor_required` is its one home; this adapter
only asks it before allauth removes an authenticator.
"""

from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from meinekammer.accounts.factors import factor_required

# A TOTP app or a security key/passkey; recovery codes alone are not a factor.
REAL_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "You cannot remove your last second factor: your account must be protected by a "
            "second factor. Set up another authenticator app or security key first."
        ),
        "incorrect_code": _("The code is not correct, or it has already been used."),
    }

    def get_totp_label(self, user: Any) -> str:
        """The account in the authenticator app: its e-mail address."""
        return str(user.email)

    def get_totp_issuer(self) -> str:
        return str(settings.MFA_TOTP_ISSUER or "meinekammer")

    def _get_site_name(self) -> str:
        # Shown by the authenticator and the browser ("meinekammer"), never the Host header.
        return "meinekammer"

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """The last TOTP app or security key may not go while the account must have one."""
        if authenticator.type not in REAL_FACTORS:
            return True
        others = (
            Authenticator.objects.filter(user_id=authenticator.user_id, type__in=REAL_FACTORS)
            .exclude(pk=authenticator.pk)
            .exists()
        )
        return others or not factor_required(authenticator.user)
