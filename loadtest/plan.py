"""How the virtual users divide into flows, shared by the seeding, the locustfile and run.py.

Every virtual user gets the accounts and records of its own (its company, its clerk's
registrations, its pool of people to invite or to let join), so that no two users fight over
one record and every answer can be checked exactly.
"""

from __future__ import annotations

PASSWORD = "ein langes Lastkennwort 2026 für alle"
CLIENT_ID = "load-client"
CLIENT_SECRET = "load-secret-" + "s" * 40
REDIRECT_URI = "http://127.0.0.1:9/callback"
SCOPE = "openid profile email companies"
CHAMBER_NUMBER = "101"
MEMBERS_PER_COMPANY = 30  # more than one page of the member list (25 a page)

# flow -> weight (share of the virtual users)
WEIGHTS = {
    "login": 22,
    "members": 15,
    "invite": 12,
    "join": 12,
    "role": 12,
    "sso": 20,
    "chamber": 7,
}


def shares(users: int) -> dict[str, int]:
    """The number of virtual users of each flow; every flow gets at least one."""
    total = sum(WEIGHTS.values())
    counts = {flow: max(1, users * weight // total) for flow, weight in WEIGHTS.items()}
    # The rest to the biggest flows, one each, until the sum is `users`.
    for flow in sorted(WEIGHTS, key=WEIGHTS.__getitem__, reverse=True):
        if sum(counts.values()) >= users:
            break
        counts[flow] += 1
    return counts


def pool_size(seconds: float) -> int:
    """People to invite or to let join per virtual user: more than it can use up."""
    return max(20, int(seconds / 2.5))


def registrations_per_clerk(seconds: float) -> int:
    return max(10, int(seconds / 3))
