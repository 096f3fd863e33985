#!/usr/bin/env python3
"""A stand-in for Sedna's local controller (LC) worker endpoint, recording what it gets.

It answers like pkg/localcontroller/server/server.go: `POST /sedna/workers/{worker-name}/info`
reads the body as a worker message and replies `ResponseMessage{Status, Message}`: 400 when the
body does not decode or its `name` differs from the path, else 200 "OK". go-restful writes the
entity indented by one space with a trailing newline, which this copies, so a relay that answers
with the LC's own body can be told from one that answers with its own.

`GET /records` returns every request: path worker, peer address, the body as base64 (byte for
byte) and the status answered. Usage: lc_standin.py --port N (binds 127.0.0.1).
"""
import argparse
import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORDS = []
LOCK = threading.Lock()
PREFIX, SUFFIX = "/sedna/workers/", "/info"


def lc_answer(worker, body):
    """(status, message) the LC answers for this worker name and body (server.go messageHandler)."""
    try:
        message = json.loads(body)
        name = message.get("name", "") if isinstance(message, dict) else None
        if name is None:
            raise ValueError("not an object")
    except ValueError as err:
        return 400, f"read worker(name={worker}) message body failed, error: {err}"
    if name != worker:
        return 400, f"worker name(name={worker}) in the api is different from that(name={name}) in the message body"
    return 200, "OK"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, payload, indent=None):
        data = (json.dumps(payload, indent=indent) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not (self.path.startswith(PREFIX) and self.path.endswith(SUFFIX)):
            return self._send(404, {"Status": 404, "Message": "not found"})
        worker = self.path[len(PREFIX):-len(SUFFIX)]
        status, message = lc_answer(worker, body)
        with LOCK:
            RECORDS.append({"worker": worker, "peer": self.client_address[0], "status": status,
                            "body": base64.b64encode(body).decode()})
        self._send(status, {"Status": status, "Message": message}, indent=1)

    def do_GET(self):  # noqa: N802
        if self.path == "/records":
            with LOCK:
                return self._send(200, list(RECORDS))
        if self.path == "/healthz":
            return self._send(200, {"ok": True})
        self._send(404, {"Status": 404, "Message": "not found"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"lc stand-in serving on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
