"""The relay as the node-local front of Sedna's LC: the worker gets the LC's own answer, the central
side gets the copy with the worker's peer address and the node; with the LC down the worker sees a
failure (as without the relay) and the copy is still captured."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Process, exporter_bin, free_port, wait_for  # noqa: E402


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.seen = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class LCStandIn(BaseHTTPRequestHandler):
    """Answers like Sedna's LC (pkg/localcontroller/server/server.go, messageHandler), except for the
    worker "teapot", whose odd answer proves the relay passes the LC's own status and body through."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append((self.path, body))
        worker = self.path.split("/")[3]
        if worker == "teapot":
            status, out = 418, b'{"Status":418,"Message":"short and stout"}'
        elif json.loads(body).get("name") != worker:
            status, out = 400, b'{"Status":400,"Message":"name mismatch"}'
        else:
            status, out = 200, b'{"Status":200,"Message":"OK"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


class CentralStandIn(BaseHTTPRequestHandler):
    def do_POST(self):
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.extend(batch["reports"])
        out = json.dumps({"acked": max(r["seq"] for r in batch["reports"])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def test_worker_gets_the_lcs_answer_and_central_gets_the_copy_with_the_peer(tmp_path):
    lc, central = Recorder(LCStandIn), Recorder(CentralStandIn)
    port = free_port()
    relay = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{port}", "--lc-url", lc.url,
                     "--central-url", central.url, "--spool-dir", str(tmp_path / "spool"), "--relay-name", "edge1",
                     "--node-name", "edge-node-1"], str(tmp_path / "relay.log"))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(url + "/healthz", timeout=2).status_code == 200, 30, what="relay up")
        report = {"name": "w1", "namespace": "default", "ownerName": "sedna", "ownerKind": "default", "kind": "train",
                  "status": "running", "ownerInfo": {"currentRound": 3}}
        raw = json.dumps(report, separators=(",", ":")).encode()
        r = requests.post(url + "/sedna/workers/w1/info", data=raw, headers={"Content-Type": "application/json"}, timeout=10)
        assert (r.status_code, r.content) == (200, b'{"Status":200,"Message":"OK"}')
        assert lc.seen[-1] == ("/sedna/workers/w1/info", raw), "forwarded byte for byte"
        r = requests.post(url + "/sedna/workers/teapot/info", data=b'{"name":"teapot"}', timeout=10)
        assert (r.status_code, r.content) == (418, b'{"Status":418,"Message":"short and stout"}')
        # The LC's 400 for a mismatched name reaches the worker; such a body is not captured.
        r = requests.post(url + "/sedna/workers/w1/info", data=b'{"name":"other"}', timeout=10)
        assert (r.status_code, r.content) == (400, b'{"Status":400,"Message":"name mismatch"}')

        wait_for(lambda: len(central.seen) >= 2, 30, what="the copies at the central side")
        first = central.seen[0]
        assert first["worker"] == "w1" and first["body"] == raw.decode()
        assert first["peer"] == "127.0.0.1" and first["node"] == "edge-node-1"
        assert [c["worker"] for c in central.seen] == ["w1", "teapot"]

        # LC down: the worker gets a non-200 (Sedna's client treats it like a refused connection), the copy is kept.
        lc.shutdown()
        lc.server_close()
        r = requests.post(url + "/sedna/workers/w1/info", data=raw, timeout=20)
        assert r.status_code == 502 and r.json()["Status"] == 502
        wait_for(lambda: len(central.seen) >= 3, 30, what="the copy made while the LC was down")
        assert central.seen[2]["body"] == raw.decode() and central.seen[2]["peer"] == "127.0.0.1"
        metrics = requests.get(url + "/metrics", timeout=5).text
        assert "sedna_relay_lc_unreachable_total 1" in metrics
    finally:
        relay.stop()
        central.shutdown()
