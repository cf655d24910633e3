"""A connected application's event receiver, as a process of its own: every POST is written
as one JSON line (headers and body) to the file named on the command line and answered 204.

    python tests/receiver_process.py PORT FILE
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode("utf-8")
        with open(self.server.log_path, "a", encoding="utf-8") as log:  # type: ignore[attr-defined]
            log.write(json.dumps({"headers": dict(self.headers.items()), "body": body}) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.log_path = sys.argv[2]  # type: ignore[attr-defined]
    server.serve_forever()
