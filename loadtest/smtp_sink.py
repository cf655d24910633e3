"""The load run's mail server: `python loadtest/smtp_sink.py SPOOL PORT` (aiosmtpd on 127.0.0.1).

Every message is written to SPOOL/<recipient>/<n>.eml (where the virtual users read their
invitation links) and its Message-ID appended to SPOOL/message-ids.txt (where run.py counts
lost and doubled mails). Runs until SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()
        self.count = 0
        self.ids = (root / "message-ids.txt").open("a", buffering=1)

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        message = message_from_bytes(raw, policy=policy.default)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.count += 1
                folder = self.root / recipient.lower()
                folder.mkdir(exist_ok=True)
                partial = folder / f"{self.count}.partial"
                partial.write_bytes(raw)
                partial.rename(folder / f"{self.count}.eml")
                self.ids.write(f"{message.get('Message-ID', '')}\t{recipient.lower()}\n")
        return "250 OK"


def main(argv: list[str]) -> int:
    root, port = Path(argv[0]), int(argv[1])
    root.mkdir(parents=True, exist_ok=True)
    controller = Controller(Spool(root), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp sink on 127.0.0.1:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
