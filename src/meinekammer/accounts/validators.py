"""Password rules: length and a refusal list, no composition rules (NIST SP 800-63B)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PASSWORD_MAX_LENGTH = 1024
MIN_PERSONAL_PART = 3
# Name particles are ordinary words ("der", "von"): a passphrase may contain them.
NAME_PARTICLES = frozenset(
    [
        "al",
        "ben",
        "bin",
        "da",
        "das",
        "de",
        "del",
        "dem",
        "den",
        "der",
        "des",
        "di",
        "do",
        "dos",
        "du",
        "el",
        "la",
        "le",
        "op",
        "ten",
        "ter",
        "van",
        "vom",
        "von",
        "zu",
        "zum",
        "zur",
    ]
)


class MaximumLengthValidator:
    """Refuse absurdly long passwords before they reach the hasher."""

    def __init__(self, max_length: int = PASSWORD_MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It may have at most %(max)d characters.")
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("At most %(max)d characters.") % {"max": self.max_length}


def _personal_parts(user) -> list[str]:
    parts: list[str] = []
    for value in (getattr(user, "first_name", ""), getattr(user, "last_name", "")):
        parts.extend(
            p
            for p in re.split(r"[\s\-']+", (value or "").casefold())
            if p and p not in NAME_PARTICLES
        )
    email = (getattr(user, "email", "") or "").casefold()
    if email:
        parts.append(email)
        local, _sep, domain = email.partition("@")
        parts.append(local)
        parts.extend(p for p in re.split(r"[.\-_+]+", local) if p)
        if domain:
            parts.append(domain.split(".")[0])
    return [p for p in parts if len(p) >= MIN_PERSONAL_PART]


class PersonalDataValidator:
    """Refuse passwords that contain the user's name or e-mail address."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        folded = password.casefold()
        if any(part in folded for part in _personal_parts(user)):
            raise ValidationError(
                _("The password must not contain your name or your e-mail address."),
                code="password_contains_personal_data",
            )

    def get_help_text(self) -> str:
        return _("It must not contain your name or your e-mail address.")
