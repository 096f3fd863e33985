"""The relay loses nothing: killed with SIGKILL while reports stream in, its spool wiped, the
central exporter down for a while. Every report a worker got 200 for reaches the exporter
exactly once. (The 10-minute, 10,000-report run is documented in docs/reliability.md.)"""
import json
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Exporter, KubeAPI, Process, exporter_bin, free_port, wait_for  # noqa: E402

WORKER = "edgeworker-ab1cd"


def body(i):
    return {"name": WORKER, "namespace": "default", "ownerName": "sedna", "ownerKind": "jointinferenceservice",
            "kind": "inference", "ownerInfo": {"inferenceNumber": i, "hardExampleNumber": 0, "uploadCloudRatio": 0.25}}


class RelayProc:
    def __init__(self, work, port, central_port, spool, extra=()):
        self.url = f"http://127.0.0.1:{port}"
        self.process = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{port}", "--central-url",
                                f"http://127.0.0.1:{central_port}", "--spool-dir", spool, "--relay-name", "edge1", *extra],
                               os.path.join(work, "relay.log"))
        wait_for(lambda: requests.get(self.url + "/healthz", timeout=2).status_code == 200, 30, what="relay up")

    def metric(self, name):
        for line in requests.get(self.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


class RecordingProxy:
    """Forwards the relay's batches to the real exporter and records, from the exporter's own
    answers, which report (by its inferenceNumber) the exporter accepted: the entries of a batch
    numbered above the previous acknowledgement of that incarnation, up to the new one."""

    def __init__(self, exporter_url):
        self.accepted = []          # inferenceNumbers, in acceptance order
        self.last = {}              # incarnation -> last acked
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                r = requests.post(exporter_url + self.path, data=data, headers={"Content-Type": "application/json"}, timeout=10)
                if r.status_code == 200:
                    batch = json.loads(data)
                    inc = batch.get("incarnation")
                    acked = r.json()["acked"]
                    with lock:
                        prev = outer.last.get(inc, 0)
                        for e in batch["reports"]:
                            if prev < e["seq"] <= acked:
                                outer.accepted.append(json.loads(e["body"])["ownerInfo"]["inferenceNumber"])
                        outer.last[inc] = max(prev, acked)
                self.send_response(r.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def post(session, url, i):
    try:
        r = session.post(f"{url}/sedna/workers/{WORKER}/info", data=json.dumps(body(i)),
                         headers={"Content-Type": "application/json"}, timeout=10)
        return r.status_code == 200
    except requests.RequestException:
        return False


def test_sigkill_mid_stream_loses_and_duplicates_nothing(tmp_path):
    work = str(tmp_path)
    spool = os.path.join(work, "spool")
    kube = KubeAPI(work)
    exporter = Exporter(work, kube.kubeconfig())
    proxy = None
    relay_port = free_port()
    relay = None
    try:
        exporter.wait_ready()
        proxy = RecordingProxy(exporter.url)
        relay = RelayProc(work, relay_port, proxy.port, spool)
        ok = []
        ok_lock = threading.Lock()
        stop = threading.Event()
        counter = iter(range(10 ** 9))
        counter_lock = threading.Lock()

        def stream():
            s = requests.Session()
            while not stop.is_set():
                with counter_lock:
                    i = next(counter)
                if post(s, relay.url, i):
                    with ok_lock:
                        ok.append(i)

        with ThreadPoolExecutor(4) as pool:
            workers = [pool.submit(stream) for _ in range(4)]
            for round_ in range(3):
                target = (round_ + 1) * 300
                wait_for(lambda: len(ok) >= target, 60, what=f"{target} reports answered 200")
                relay.process.stop(sig=signal.SIGKILL)              # killed mid-write, no shutdown
                relay = RelayProc(work, relay_port, proxy.port, spool)
            stop.set()
            for w in workers:
                w.result()
        wait_for(lambda: relay.metric("sedna_relay_queue_depth") == 0, 60, what="the relay queue to drain")
        accepted = proxy.accepted
        assert len(accepted) == len(set(accepted)), "a report was accepted twice"
        missing = set(ok) - set(accepted)
        assert not missing, f"{len(missing)} reports answered 200 never reached the exporter: {sorted(missing)[:10]}"
        text = exporter.metrics()
        assert f'sedna_intake_relay_reports_total{{relay="edge1",result="accepted"}} {len(accepted)}' in text
    finally:
        if relay:
            relay.process.stop()
        if proxy:
            proxy.stop()
        exporter.stop()
        kube.stop()


def test_a_wiped_spool_starts_a_new_sequence_the_exporter_accepts(tmp_path):
    work = str(tmp_path)
    spool = os.path.join(work, "spool")
    kube = KubeAPI(work)
    exporter = Exporter(work, kube.kubeconfig())
    relay_port = free_port()
    relay = None
    try:
        exporter.wait_ready()
        relay = RelayProc(work, relay_port, exporter.port, spool)
        s = requests.Session()
        for i in range(50):
            assert post(s, relay.url, i)
        wait_for(lambda: relay.metric("sedna_relay_delivered_total") == 50, 30, what="50 delivered")
        relay.process.stop()
        shutil.rmtree(spool)
        relay = RelayProc(work, relay_port, exporter.port, spool)
        for i in range(50, 80):
            assert post(s, relay.url, i)
        wait_for(lambda: relay.metric("sedna_relay_delivered_total") == 30, 30, what="30 delivered after the wipe")
        text = exporter.metrics()
        assert 'sedna_intake_relay_reports_total{relay="edge1",result="accepted"} 80' in text
        assert 'result="duplicate"' not in text
        assert 'sedna_joint_inference_worker_inferences_total{namespace="default",kind="JointInferenceService",' \
               'task="helmet-detection-inference-example",worker="edgeworker-ab1cd",' \
               'pod="helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4z"} 79' in text
    finally:
        if relay:
            relay.process.stop()
        exporter.stop()
        kube.stop()


def test_an_outage_of_the_central_exporter_loses_nothing_and_the_spool_stays_bounded(tmp_path):
    work = str(tmp_path)
    spool = os.path.join(work, "spool")
    kube = KubeAPI(work)
    central_port = free_port()
    # CI: 2,000 reports as fast as they go; the documented long run sets both (docs/reliability.md).
    n = int(os.environ.get("RELAY_OUTAGE_REPORTS", "2000"))
    spread = float(os.environ.get("RELAY_OUTAGE_SECONDS", "0"))
    max_spool = max(1 << 20, n * 400)
    relay = RelayProc(work, free_port(), central_port, spool, extra=["--max-spool-bytes", str(max_spool)])
    exporter = None
    try:
        with ThreadPoolExecutor(8) as pool:
            sessions = threading.local()

            def one(i):
                if spread:
                    time.sleep(max(0.0, start + spread * i / n - time.monotonic()))
                if not hasattr(sessions, "s"):
                    sessions.s = requests.Session()
                return post(sessions.s, relay.url, i)
            start = time.monotonic()
            results = list(pool.map(one, range(n)))
        assert all(results)
        assert relay.metric("sedna_relay_queue_depth") == n
        assert relay.metric("sedna_relay_dropped_total") == 0
        assert 0 < relay.metric("sedna_relay_queue_bytes") <= max_spool
        assert os.path.getsize(os.path.join(spool, "queue.log")) <= max_spool
        wait_for(lambda: relay.metric("sedna_relay_oldest_queued_age_seconds") > 0, 10, what="the oldest report's age")
        wait_for(lambda: relay.metric("sedna_relay_delivery_failures_total") > 0, 30, what="a failed delivery")
        # Past the bound, reports are dropped and counted, never written.
        free = max_spool - relay.metric("sedna_relay_queue_bytes")
        big = {"name": WORKER, "namespace": "default", "ownerName": "sedna", "ownerKind": "jointinferenceservice",
               "kind": "inference", "ownerInfo": {"inferenceNumber": 1, "pad": "x" * int(free + 1000)}}
        if free + 2000 < 1 << 20:      # fits the body limit: reaches the spool's bound
            requests.post(f"{relay.url}/sedna/workers/{WORKER}/info", data=json.dumps(big), timeout=10)
            assert relay.metric("sedna_relay_dropped_total") == 1
        assert os.path.getsize(os.path.join(spool, "queue.log")) <= max_spool

        exporter = Exporter(work, kube.kubeconfig(), port=central_port)      # the link comes back
        exporter.wait_ready()
        wait_for(lambda: relay.metric("sedna_relay_queue_depth") == 0, 60 + n / 50, what="the queue to drain")
        assert relay.metric("sedna_relay_oldest_queued_age_seconds") == 0
        text = exporter.metrics()
        assert f'sedna_intake_relay_reports_total{{relay="edge1",result="accepted"}} {n}' in text
        assert 'result="duplicate"' not in text
    finally:
        relay.process.stop()
        if exporter:
            exporter.stop()
        kube.stop()
