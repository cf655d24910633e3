"""Settings for the single sign-on benchmark (bench/sso.py): production's, with one change.

Everything comes from meinekammer.settings.prod and the environment the benchmark sets
(SECURE_SSL_REDIRECT=false for plain HTTP on loopback; the benchmark's client sends the
__Host-/Secure cookies back itself, so the cookie settings stay as in production).

The one change: allauth's login rate limit ("login": 30/m/ip) would stop a load generator on
127.0.0.1 after 30 logins a minute. The limits stay switched on (their cache reads and writes
are part of every login) but are raised far above what the benchmark reaches.
"""

from meinekammer.settings.prod import *  # noqa: F403
from meinekammer.settings.prod import ACCOUNT_RATE_LIMITS

ACCOUNT_RATE_LIMITS = {
    **ACCOUNT_RATE_LIMITS,
    "login": "1000000/m/ip",
    "login_failed": "1000000/m/ip,1000000/5m/key",
}
