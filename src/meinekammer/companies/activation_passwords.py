"""Activation passwords: 12 characters without look-alikes, printed in groups of four.

The alphabet leaves out 0/O, 1/I/L so that a password read from paper is typed right; 32
symbols and 12 characters give 60 bits. Users may type it in any case, with or without the
separators.
"""

import re
import secrets

from django.contrib.auth.hashers import check_password, make_password

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12
GROUP = 4


def generate_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_for_print(password: str) -> str:
    return "-".join(password[i : i + GROUP] for i in range(0, len(password), GROUP))


def normalize(entered: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (entered or "").upper())[: LENGTH * 2]


def hash_password(password: str) -> str:
    return make_password(normalize(password))


def matches(entered: str, password_hash: str | None) -> bool:
    """Whether `entered` is the password of this hash; without a hash (no letter) never.

    Both cost one hash of what was entered: without a hash the same work is done and thrown
    away, so that the answer's time does not tell whether a company has a live letter.
    """
    if not password_hash:
        make_password(normalize(entered))
        return False
    return check_password(normalize(entered), password_hash)
