"""Processes for end-to-end tests: the kmock Kubernetes API, the exporter, a real Prometheus.

Every process binds 127.0.0.1 on a free port, is started by the test and killed by its PID.
Waits are bounded; timing is never an assertion.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "fixtures", "cluster")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exporter_bin():
    path = os.environ.get("SEDNA_EXPORTER_BIN") or os.path.join(ROOT, ".build", "debug", "sedna-exporter")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is missing: run `swift build` (scripts/test.sh does)")
    return path


def wait_for(predicate, timeout=30.0, interval=0.2, what="condition"):
    """Polls until predicate() is truthy; returns its value or raises with `what`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - the service may not be up yet
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


class Process:
    def __init__(self, args, log_path, env=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        # The process was started in a session of its own: whatever it started and left behind
        # (a wrapper's child, such as the exporter under heaptrack in bench/rss_probe.py) is in
        # its process group and is ended with it. The group is empty in the usual case.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()
        return self.proc.returncode

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class KubeAPI:
    """kmock's emulator on a loopback port, driven over HTTP like a real API server."""

    SEDNA = ("datasets", "models", "jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs",
             "federatedlearningjobs", "featureextractionservices", "objectsearchservices", "objecttrackingservices",
             "reidjobs", "videoanalyticsjobs")

    def __init__(self, workdir, load=True, omit=(), port=None, start_timeout=30):
        self.port = port or free_port()
        self.workdir = workdir
        args = [sys.executable, os.path.join(ROOT, "scripts", "kmock_cluster.py"), "--port", str(self.port)]
        if load:
            args += ["--load", load if isinstance(load, str) else FIXTURES]
        if omit:
            args += ["--omit", ",".join(omit)]
        self.process = Process(args, os.path.join(workdir, f"kmock-{self.port}.log"))
        wait_for(lambda: "kmock serving" in self.process.output() or not self.process.alive(), start_timeout,
                 what="kmock to start")
        if not self.process.alive():
            raise RuntimeError("kmock exited:\n" + self.process.output())
        self.url = f"http://127.0.0.1:{self.port}"

    def path(self, plural, namespace=None, name=None):
        base = "/api/v1" if plural in ("pods", "nodes") else "/apis/sedna.io/v1alpha1"
        p = f"{base}/namespaces/{namespace}/{plural}" if namespace else f"{base}/{plural}"
        return self.url + p + (f"/{name}" if name else "")

    def create(self, plural, obj):
        r = requests.post(self.path(plural, obj["metadata"].get("namespace")), json=obj, timeout=10)
        r.raise_for_status()
        return r.json()

    def patch(self, plural, namespace, name, patch):
        r = requests.patch(self.path(plural, namespace, name), data=json.dumps(patch),
                           headers={"Content-Type": "application/merge-patch+json"}, timeout=10)
        r.raise_for_status()
        return r.json()

    def delete(self, plural, namespace, name):
        r = requests.delete(self.path(plural, namespace, name), timeout=10)
        r.raise_for_status()

    def stop(self):
        self.process.stop()

    def kubeconfig(self, token="e2e-secret-token"):
        path = os.path.join(self.workdir, f"kubeconfig-{self.port}")
        with open(path, "w") as f:
            f.write(f"""apiVersion: v1
kind: Config
clusters:
- name: kmock
  cluster: {{server: "http://127.0.0.1:{self.port}"}}
users:
- name: e2e
  user: {{token: "{token}"}}
contexts:
- name: kmock
  context: {{cluster: kmock, user: e2e}}
current-context: kmock
""")
        return path


class Simulator:
    """`sedna-exporter simulate`: our own Kubernetes API holding the simulated Sedna cluster (as
    released) and its LC stand-in. Workers push to `intake_url` (an exporter) when given; with
    `relay_url` the capture route is on and their reports go to that relay."""

    def __init__(self, workdir, intake_url=None, seed=1, speed=1.0, extra=(), port=None, relay_url=None):
        self.port = port or free_port()
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{self.port}"
        args = [exporter_bin(), "simulate", "--listen", f"127.0.0.1:{self.port}", "--seed", str(seed), "--speed", str(speed),
                *(["--intake-url", intake_url] if intake_url else []), *(["--relay-url", relay_url] if relay_url else []), *extra]
        self.process = Process(args, os.path.join(workdir, f"simulator-{self.port}.log"))
        wait_for(lambda: self.healthy() or not self.process.alive(), 30, what="the simulator's API")
        if not self.process.alive():
            raise RuntimeError("simulator exited:\n" + self.process.output())

    def healthy(self):
        return requests.get(self.url + "/healthz", timeout=2).status_code == 200

    def list(self, plural, namespace=None):
        base = "/api/v1" if plural in ("pods", "nodes") else "/apis/sedna.io/v1alpha1"
        path = f"{base}/namespaces/{namespace}/{plural}" if namespace else f"{base}/{plural}"
        r = requests.get(self.url + path, timeout=10)
        r.raise_for_status()
        return r.json()["items"]

    def kubeconfig(self):
        path = os.path.join(self.workdir, f"kubeconfig-sim-{self.port}")
        with open(path, "w") as f:
            f.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: sim, cluster: {{server: "{self.url}"}}}}]
users: [{{name: sim, user: {{}}}}]
contexts: [{{name: sim, context: {{cluster: sim, user: sim}}}}]
current-context: sim
""")
        return path

    def stop(self):
        return self.process.stop()


class Relay:
    """`sedna-exporter relay`: the node-local front of the LC (`lc_url`) that delivers a copy of
    every report to the central exporter."""

    def __init__(self, workdir, central_url, lc_url=None, port=None, name="edge1", spool=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        spool = spool or os.path.join(workdir, f"relay-spool-{self.port}")
        self.process = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{self.port}", "--central-url", central_url,
                                "--spool-dir", spool, "--relay-name", name, *(["--lc-url", lc_url] if lc_url else [])],
                               os.path.join(workdir, f"relay-{self.port}.log"))
        wait_for(lambda: requests.get(self.url + "/healthz", timeout=2).status_code == 200 or not self.process.alive(), 30,
                 what="the relay")
        if not self.process.alive():
            raise RuntimeError("relay exited:\n" + self.process.output())

    def metric(self, name):
        for line in requests.get(self.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def stop(self):
        return self.process.stop()


class SimulatedStack:
    """The demo's chain on loopback: simulator -> relay -> exporter (capture route), or with
    `capture=False` simulator -> exporter only (Sedna as released: reports reach only the
    simulator's LC, or nowhere). Pushes always go to the exporter's intake."""

    def __init__(self, workdir, capture=True, speed=1.0, seed=1, sim_extra=(), exporter_extra=(), wait=True):
        self.exporter_port = free_port()
        central = f"http://127.0.0.1:{self.exporter_port}"
        self.sim = self.relay = self.exporter = None
        try:
            sim_port = free_port()
            relay_port = free_port() if capture else None
            self.sim = Simulator(workdir, intake_url=central, seed=seed, speed=speed, port=sim_port,
                                 relay_url=f"http://127.0.0.1:{relay_port}" if capture else None,
                                 extra=[*sim_extra, *([] if capture else ["--no-capture"])])
            if capture:
                self.relay = Relay(workdir, central, lc_url=self.sim.url, port=relay_port, name="sim-relay")
            self.exporter = Exporter(workdir, self.sim.kubeconfig(), port=self.exporter_port, extra=list(exporter_extra))
            if wait:
                self.exporter.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self):
        for p in (self.exporter, self.relay, self.sim):
            if p:
                p.stop()


class Exporter:
    def __init__(self, workdir, kubeconfig, extra=(), port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [exporter_bin(), "serve", "--kubeconfig", kubeconfig, "--listen", f"127.0.0.1:{self.port}",
                "--discovery-interval", "2", "--watch-timeout", "20", *extra]
        self.process = Process(args, os.path.join(workdir, f"exporter-{self.port}.log"))

    def wait_ready(self, timeout=60):
        wait_for(lambda: self.ready() or not self.process.alive(), timeout, what="exporter /readyz")
        if not self.process.alive():
            raise RuntimeError("exporter exited:\n" + self.process.output())

    def ready(self):
        return requests.get(self.url + "/readyz", timeout=5).status_code == 200

    def metrics(self, accept=None):
        headers = {"Accept": accept} if accept else {}
        r = requests.get(self.url + "/metrics", headers=headers, timeout=10)
        r.raise_for_status()
        return r.text

    def object_lines(self):
        """The object-level exposition (self-metrics removed), comparable with the golden file."""
        out, skip = [], False
        for line in self.metrics().splitlines(keepends=True):
            if line.startswith("# HELP "):
                skip = line.split()[2].startswith(("sedna_exporter_", "sedna_intake_"))
            if not skip:
                out.append(line)
        return "".join(out)

    def stop(self):
        return self.process.stop()


class Prometheus:
    """A real Prometheus (Debian package) scraping the exporter every second."""

    def __init__(self, workdir, targets, rule_files=(), extra_jobs=None):
        """extra_jobs: {job name: [targets]} scraped besides the exporter (the relay, job sedna-relay)."""
        binary = shutil.which("prometheus")
        if not binary:
            raise RuntimeError("prometheus is missing: scripts/test.sh installs the Debian package")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="prom-", dir=workdir)
        config = os.path.join(self.dir, "prometheus.yml")
        rules = "".join(f"  - {r}\n" for r in rule_files)
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    + (f"rule_files:\n{rules}" if rules else "")
                    + "scrape_configs:\n  - job_name: sedna-exporter\n    static_configs:\n      - targets: ["
                    + ", ".join(f'"{t}"' for t in targets) + "]\n"
                    + "".join(f"  - job_name: {job}\n    static_configs:\n      - targets: [" + ", ".join(f'"{t}"' for t in ts) + "]\n"
                              for job, ts in (extra_jobs or {}).items()))
        self.process = Process([binary, f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
                                f"--web.listen-address=127.0.0.1:{self.port}"],
                               os.path.join(self.dir, "prometheus.log"))
        wait_for(lambda: requests.get(self.url + "/-/ready", timeout=2).status_code == 200, 60, what="Prometheus ready")

    def query(self, expr):
        r = requests.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10)
        r.raise_for_status()
        body = r.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def stop(self):
        self.process.stop()
