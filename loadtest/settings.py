"""Settings of the load run: production's (meinekammer.settings.prod, everything else from the
environment run.py sets), with the per-source rate limits raised.

All virtual users come from 127.0.0.1 through one proxy, so the limits per source address
("login": 30/m/ip, "open_invitation": 30/m/ip, "join_company": 30/h/ip, ...) and the few per
account that a flow repeats on purpose ("invite_member", "join_company" per user) would stop the
run within a minute. They stay switched on, with their cache reads and writes on every request,
but far above what the run reaches. SIGNUP_RATE_LIMIT and INVITATIONS_PER_COMPANY_PER_HOUR, the
operator's settings, are raised by run.py through the environment. The product's defaults are
unchanged (settings/base.py).
"""

from meinekammer.settings.prod import *  # noqa: F403
from meinekammer.settings.prod import ACCOUNT_RATE_LIMITS

ACCOUNT_RATE_LIMITS = {
    **ACCOUNT_RATE_LIMITS,
    "login": "1000000/m/ip",
    "login_failed": "1000000/m/ip,1000000/5m/key",
    "login_failed_ip": "1000000/m/ip",
    "open_invitation": "1000000/m/ip",
    "join_company": "1000000/h/user,1000000/h/ip",
    "invite_member": "1000000/h/user",
}
