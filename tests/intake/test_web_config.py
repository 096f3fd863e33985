"""--web.config.file (the Prometheus exporter-toolkit format) with real clients: a real
Prometheus scraping over https with tls_config and basic_auth, curl with and without a client
certificate, prometheus_client pushing through a basic-auth handler, a certificate swapped on
disk, and the relay delivering to an https exporter with --central-ca-file (and refusing one
whose certificate its CA did not sign). Certificates are made with openssl at test time.
Timing is never asserted."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.error

import bcrypt
import pytest
import requests
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway
from prometheus_client.exposition import basic_auth_handler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import KubeAPI, Process, exporter_bin, free_port, wait_for  # noqa: E402

SCRAPE_USER, SCRAPE_PASS = "prometheus", "scrape-pass"
RELAY_USER, RELAY_PASS = "relay", "relay:pass"      # a colon in the password, as basic auth allows
INTAKE_TOKEN = "intake-token-123"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=d)


def make_leaf(d, name, ca, usage):
    """A certificate for 127.0.0.1/localhost signed by `ca` (serverAuth or clientAuth)."""
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage={usage}\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)


def hashed(password):
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=6)).decode()


class TLSExporter:
    """`serve` with a web config (relative paths, resolved against the config's folder)."""

    def __init__(self, work, kubeconfig, web_config, extra=()):
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.config = os.path.join(work, f"web-{self.port}.yml")
        with open(self.config, "w") as f:
            f.write(web_config)
        self.process = Process([exporter_bin(), "serve", "--kubeconfig", kubeconfig, "--listen", f"127.0.0.1:{self.port}",
                                "--discovery-interval", "2", "--watch-timeout", "20", "--web.config.file", self.config, *extra],
                               os.path.join(work, f"exporter-{self.port}.log"))

    def get(self, path, d, **kw):
        kw.setdefault("verify", os.path.join(d, "ca.crt"))
        return requests.get(self.url + path, timeout=10, **kw)

    def wait_ready(self, d, **kw):
        wait_for(lambda: not self.process.alive() or self.get("/readyz", d, **kw).status_code == 200, 60, what="exporter /readyz")
        if not self.process.alive():
            raise RuntimeError("exporter exited:\n" + self.process.output())

    def rejected(self, d, reason, **kw):
        for line in self.get("/metrics", d, **kw).text.splitlines():
            if line.startswith(f'sedna_exporter_http_rejected_total{{reason="{reason}"}} '):
                return float(line.split()[-1])
        return None


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("webcfg"))
    d = os.path.join(work, "tls")
    os.mkdir(d)
    make_ca(d, "ca")
    make_ca(d, "rogue")
    make_leaf(d, "server", "ca", "serverAuth")
    make_leaf(d, "swapped", "ca", "serverAuth")
    make_leaf(d, "client", "ca", "clientAuth")
    make_leaf(d, "relay", "ca", "serverAuth")
    make_leaf(d, "stranger", "rogue", "clientAuth")
    with open(os.path.join(work, "token"), "w") as f:
        f.write(INTAKE_TOKEN + "\n")
    kube = KubeAPI(work)
    # mTLS + basic auth + headers: what Prometheus scrapes.
    mtls = TLSExporter(work, kube.kubeconfig(), f"""
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: tls/ca.crt
  min_version: TLS12
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
http_server_config:
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  {SCRAPE_USER}: {hashed(SCRAPE_PASS)}
""", extra=["--disable-intake"])
    # TLS without client certificates + basic auth + the intake token: what pushes and relays use.
    intake = TLSExporter(work, kube.kubeconfig(), f"""
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
basic_auth_users:
  {SCRAPE_USER}: {hashed(SCRAPE_PASS)}
  {RELAY_USER}: '{hashed(RELAY_PASS)}'
""", extra=["--intake-token-file", os.path.join(work, "token")])
    procs = [mtls.process, intake.process]
    try:
        mtls.wait_ready(d, cert=(os.path.join(d, "client.crt"), os.path.join(d, "client.key")), auth=(SCRAPE_USER, SCRAPE_PASS))
        intake.wait_ready(d, auth=(SCRAPE_USER, SCRAPE_PASS))
        yield {"work": work, "d": d, "mtls": mtls, "intake": intake, "procs": procs}
    finally:
        for p in procs:
            p.stop()
        kube.stop()


def client_cert(d, name="client"):
    return (os.path.join(d, f"{name}.crt"), os.path.join(d, f"{name}.key"))


def test_curl_with_and_without_a_client_certificate(stack):
    d, url = stack["d"], stack["mtls"].url
    curl = shutil.which("curl")
    base = [curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", os.path.join(d, "ca.crt"), "--max-time", "10"]
    good = subprocess.run(base + ["--cert", client_cert(d)[0], "--key", client_cert(d)[1],
                                  "-u", f"{SCRAPE_USER}:{SCRAPE_PASS}", url + "/metrics"], capture_output=True, text=True)
    assert good.stdout == "200", good.stderr
    no_cert = subprocess.run(base + ["-u", f"{SCRAPE_USER}:{SCRAPE_PASS}", url + "/metrics"], capture_output=True, text=True)
    assert no_cert.returncode != 0 and no_cert.stdout == "000", "the handshake must fail without a client certificate"
    stranger = subprocess.run(base + ["--cert", client_cert(d, "stranger")[0], "--key", client_cert(d, "stranger")[1],
                                      "-u", f"{SCRAPE_USER}:{SCRAPE_PASS}", url + "/metrics"], capture_output=True, text=True)
    assert stranger.returncode != 0 and stranger.stdout == "000", "a certificate of another CA must be refused"
    no_auth = subprocess.run(base + ["--cert", client_cert(d)[0], "--key", client_cert(d)[1], url + "/healthz"],
                             capture_output=True, text=True)
    assert no_auth.stdout == "401"
    # cipher_suites is honoured for TLS 1.2: a suite outside the list fails the handshake.
    tls12 = base + ["--cert", client_cert(d)[0], "--key", client_cert(d)[1], "-u", f"{SCRAPE_USER}:{SCRAPE_PASS}", "--tls-max", "1.2"]
    listed = subprocess.run(tls12 + ["--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256", url + "/healthz"], capture_output=True, text=True)
    assert listed.stdout == "200", listed.stderr
    unlisted = subprocess.run(tls12 + ["--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305", url + "/healthz"], capture_output=True, text=True)
    assert unlisted.returncode != 0 and unlisted.stdout == "000"
    kw = {"cert": client_cert(d), "auth": (SCRAPE_USER, SCRAPE_PASS)}
    assert stack["mtls"].rejected(d, "tls", **kw) >= 3
    r = stack["mtls"].get("/healthz", d, cert=client_cert(d), auth=(SCRAPE_USER, "wrong"))
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Basic"
    assert r.headers["X-Frame-Options"] == "deny", "configured headers go on refusals too"
    ok = stack["mtls"].get("/metrics", d, **kw)
    assert ok.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert stack["mtls"].rejected(d, "unauthorized", **kw) >= 2


def test_prometheus_scrapes_with_tls_config_and_basic_auth(stack):
    d, work, port = stack["d"], stack["work"], stack["mtls"].port
    prom_dir = tempfile.mkdtemp(prefix="prom-", dir=work)
    tls = f"    tls_config:\n      ca_file: {d}/ca.crt\n"
    cert = f"      cert_file: {d}/client.crt\n      key_file: {d}/client.key\n"
    auth = f"    basic_auth:\n      username: {SCRAPE_USER}\n      password: {SCRAPE_PASS}\n"
    target = f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
    jobs = {"good": tls + cert + auth, "no-basic-auth": tls + cert, "no-client-cert": tls + auth}
    config = os.path.join(prom_dir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n")
        for job, body in jobs.items():
            f.write(f"  - job_name: {job}\n    scheme: https\n{body}{target}")
    prom_port = free_port()
    prom = Process([shutil.which("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={prom_dir}/data",
                    f"--web.listen-address=127.0.0.1:{prom_port}"], os.path.join(prom_dir, "prometheus.log"))
    stack["procs"].append(prom)
    try:
        def ups():
            r = requests.get(f"http://127.0.0.1:{prom_port}/api/v1/query", params={"query": "up"}, timeout=5).json()
            return {s["metric"]["job"]: s["value"][1] for s in r["data"]["result"]}
        wait_for(lambda: len(ups()) == 3 and ups()["good"] == "1", 60, what="three targets scraped, the good one up")
        u = ups()
        assert u == {"good": "1", "no-basic-auth": "0", "no-client-cert": "0"}, u
        series = requests.get(f"http://127.0.0.1:{prom_port}/api/v1/query",
                              params={"query": 'sedna_exporter_ready{job="good"}'}, timeout=5).json()["data"]["result"]
        assert series, "the exporter's series arrived through TLS and basic auth"
    finally:
        prom.stop()


def test_push_to_gateway_with_basic_auth_over_https(stack, monkeypatch):
    d, url = stack["d"], stack["intake"].url
    monkeypatch.setenv("SSL_CERT_FILE", os.path.join(d, "ca.crt"))   # urllib's default context trusts our CA

    def with_auth(password, token=None):
        def handler(url, method, timeout, headers, data):
            if token:
                headers = headers + [("X-Sedna-Intake-Token", token)]
            return basic_auth_handler(url, method, timeout, headers, data, SCRAPE_USER, password)
        return handler

    registry = CollectorRegistry()
    Gauge("tls_pushed", "pushed over https", registry=registry).set(7)
    push_to_gateway(url, job="tls", registry=registry, handler=with_auth(SCRAPE_PASS, INTAKE_TOKEN), timeout=10)
    assert "tls_pushed{" in stack["intake"].get("/metrics", d, auth=(SCRAPE_USER, SCRAPE_PASS)).text
    for handler, why in [(with_auth("wrong", INTAKE_TOKEN), "a wrong password"),
                         (with_auth(SCRAPE_PASS), "basic auth alone: the intake token is still required")]:
        with pytest.raises(urllib.error.HTTPError) as e:
            push_to_gateway(url, job="tls", registry=registry, handler=handler, timeout=10)
        assert e.value.code == 401, why
    # A large refused push: its body is read and discarded, so urllib (which sends all of it before
    # reading) sees the 401 instead of hanging until its timeout.
    big = CollectorRegistry()
    pad = Gauge("padding", "filler", ["k"], registry=big)
    for i in range((12 << 20) // 530):
        pad.labels(f"{i}" + "v" * 500).set(i)
    with pytest.raises(urllib.error.HTTPError) as e:
        push_to_gateway(url, job="big", registry=big, timeout=30)
    assert e.value.code == 401


def peer_cn(port, d):
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s, ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
        return dict(x[0] for x in t.getpeercert()["subject"])["commonName"]


def test_a_certificate_swapped_on_disk_is_used_without_restart(stack):
    d, port = stack["d"], stack["intake"].port
    assert peer_cn(port, d) == "server"
    for ext in ("key", "crt"):          # new files moved into place, one after the other
        shutil.copy(os.path.join(d, f"swapped.{ext}"), os.path.join(d, f"server.{ext}.new"))
        os.replace(os.path.join(d, f"server.{ext}.new"), os.path.join(d, f"server.{ext}"))
    wait_for(lambda: peer_cn(port, d) == "swapped", 10, what="the swapped certificate in use")
    assert stack["intake"].process.alive()


def start_relay(stack, name, ca, port=None):
    work, d = stack["work"], stack["d"]
    port = port or free_port()
    with open(os.path.join(work, "relay-auth"), "w") as f:
        f.write(f"{RELAY_USER}:{RELAY_PASS}\n")
    # The relay's own listener is behind a web config too (TLS + basic auth for workers' reports).
    web = os.path.join(work, f"relay-web-{port}.yml")
    with open(web, "w") as f:
        f.write(f"tls_server_config:\n  cert_file: tls/relay.crt\n  key_file: tls/relay.key\n"
                f"basic_auth_users:\n  worker: {hashed('worker-pass')}\n")
    p = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{port}", "--central-url", stack["intake"].url,
                 "--spool-dir", os.path.join(work, f"spool-{name}"), "--relay-name", name,
                 "--central-ca-file", os.path.join(d, ca), "--central-basic-auth-file", os.path.join(work, "relay-auth"),
                 "--token-file", os.path.join(work, "token"), "--web.config.file", web],
                os.path.join(work, f"relay-{name}.log"))
    stack["procs"].append(p)
    url = f"https://127.0.0.1:{port}"
    kw = {"verify": os.path.join(d, "ca.crt"), "auth": ("worker", "worker-pass"), "timeout": 10}
    wait_for(lambda: not p.alive() or requests.get(url + "/healthz", **kw).status_code == 200, 30, what="relay up")
    assert p.alive(), p.output()
    return p, url, kw


def relay_metric(url, kw, name):
    for line in requests.get(url + "/metrics", **kw).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_the_relay_delivers_over_https_only_to_the_certificate_its_ca_signed(stack):
    d = stack["d"]
    body = {"name": "edgeworker-ab1cd", "namespace": "default", "ownerName": "sedna", "ownerKind": "jointinferenceservice",
            "kind": "inference", "ownerInfo": {"inferenceNumber": 5, "hardExampleNumber": 1, "uploadCloudRatio": 0.2}}
    trusted, trusted_url, kw = start_relay(stack, "edge-tls", "ca.crt")
    rogue, rogue_url, rogue_kw = start_relay(stack, "edge-rogue", "rogue.crt")
    try:
        assert requests.post(trusted_url + "/sedna/workers/edgeworker-ab1cd/info", data=json.dumps(body),
                             verify=kw["verify"], timeout=10).status_code == 401, "the relay's listener wants basic auth"
        for url, k in [(trusted_url, kw), (rogue_url, rogue_kw)]:
            r = requests.post(url + "/sedna/workers/edgeworker-ab1cd/info", data=json.dumps(body), **k)
            assert r.status_code == 200, r.text
        wait_for(lambda: relay_metric(trusted_url, kw, "sedna_relay_queue_depth") == 0, 30, what="the trusted relay to deliver")
        text = stack["intake"].get("/metrics", d, auth=(SCRAPE_USER, SCRAPE_PASS)).text
        assert 'sedna_intake_relay_reports_total{relay="edge-tls",result="accepted"} 1' in text
        wait_for(lambda: relay_metric(rogue_url, rogue_kw, "sedna_relay_delivery_failures_total") >= 1, 30,
                 what="a failed delivery to an exporter the rogue CA did not sign")
        assert relay_metric(rogue_url, rogue_kw, "sedna_relay_queue_depth") == 1, "the report stays spooled"
        assert 'relay="edge-rogue"' not in stack["intake"].get("/metrics", d, auth=(SCRAPE_USER, SCRAPE_PASS)).text
        assert RELAY_PASS not in open(os.path.join(stack["work"], "relay-edge-tls.log")).read()
    finally:
        trusted.stop()
        rogue.stop()
