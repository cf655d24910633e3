"""The load run's checks against its database (run.py calls it with the run's environment):

python loadtest/verify.py snapshot OUT.json     the state before the load
python loadtest/verify.py drain SECONDS         wait until the outbox has nothing pending
python loadtest/verify.py check BEFORE.json SPOOL   invariants and mails; prints JSON
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def encode(state: dict) -> dict:
    return {
        key: sorted(map(list, value))
        if isinstance(value, set)
        else [[k, v] for k, v in value.items()]
        for key, value in state.items()
    }


def decode(data: dict) -> dict:
    state: dict = {}
    for key, value in data.items():
        if key in ("memberships", "roles"):
            state[key] = {tuple(row) for row in value}
        elif key == "accounts":
            state[key] = {k: tuple(v) for k, v in value}
        else:
            state[key] = dict((k, v) for k, v in value)
    return state


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from tests.invariants import check_invariants, events_since, last_event_id, snapshot

    from meinekammer.notifications.models import EmailStatus, OutboundEmail

    if argv[0] == "snapshot":
        Path(argv[1]).write_text(
            json.dumps({"state": encode(snapshot()), "event": last_event_id()})
        )
        return 0
    if argv[0] == "drain":
        deadline = time.monotonic() + float(argv[1])
        while OutboundEmail.objects.filter(status=EmailStatus.PENDING).exists():
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.5)
        return 0
    before = json.loads(Path(argv[1]).read_text())
    spool = Path(argv[2])
    result: dict = {"invariants": "ok"}
    try:
        check_invariants(decode(before["state"]), snapshot(), events_since(before["event"]))
    except AssertionError as error:
        result["invariants"] = f"BROKEN: {error}"[:2000]
    statuses = Counter(OutboundEmail.objects.values_list("status", flat=True))
    sent = dict(
        OutboundEmail.objects.filter(status=EmailStatus.SENT).values_list("message_id", "recipient")
    )
    received: Counter = Counter()
    ids_file = spool / "message-ids.txt"
    for line in ids_file.read_text().splitlines() if ids_file.exists() else []:
        message_id, _, recipient = line.partition("\t")
        received[(message_id, recipient)] += 1
    lost = [mid for mid, rcpt in sent.items() if received[(mid, rcpt.lower())] == 0]
    doubled = [key for key, n in received.items() if n > 1]
    unknown = [key for key in received if key[0] not in sent]
    result["mails"] = {
        "outbox": dict(statuses),
        "sent": len(sent),
        "received": sum(received.values()),
        "lost": len(lost),
        "doubled": len(doubled),
        "not_in_outbox": len(unknown),
        "not_sent": sum(n for status, n in statuses.items() if status != EmailStatus.SENT),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
