from django.contrib.auth.tokens import PasswordResetTokenGenerator


class UnlockTokenGenerator(PasswordResetTokenGenerator):
    """Signed, expiring (PASSWORD_RESET_TIMEOUT) unlock links, never stored.

    The hash covers the password hash, the security stamp and the lock time, so a link stops
    working once it has been used (the password changes) or the account is unlocked otherwise.
    """

    key_salt = "meinekammer.accounts.tokens.UnlockTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        locked = (
            "" if user.locked_at is None else user.locked_at.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{user.password}{user.security_stamp}{locked}{timestamp}"


unlock_token_generator = UnlockTokenGenerator()
