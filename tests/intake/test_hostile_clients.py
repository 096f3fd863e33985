"""Hostile and broken HTTP clients against the running exporter and relay: oversized bodies
(answered 413 so that Python's urllib and prometheus_client see it), slowloris heads and bodies
(closed at the read deadline without delaying a scrape), the connection and in-flight caps, all
counted in sedna_{exporter,relay}_http_rejected_total. Timing is never asserted: only that
things complete and that connections end up closed."""
import os
import socket
import sys
import time
import urllib.error

import pytest
import requests
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Exporter, KubeAPI, Process, exporter_bin, free_port, wait_for  # noqa: E402

READ_TIMEOUT = "2"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("hostile"))
    kube = KubeAPI(work)
    exporter = Exporter(work, kube.kubeconfig(), extra=["--http-read-timeout", READ_TIMEOUT, "--max-concurrent-intake", "4"])
    try:
        exporter.wait_ready()
        yield exporter
    finally:
        exporter.stop()
        kube.stop()


def rejected(base_url, reason, family="sedna_exporter_http_rejected_total"):
    for line in requests.get(base_url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(f'{family}{{reason="{reason}"}} '):
            return float(line.split()[-1])
    return None


def big_registry(approx_bytes):
    """A registry whose text exposition is about `approx_bytes` long."""
    registry = CollectorRegistry()
    g = Gauge("padding", "filler", ["k"], registry=registry)
    value = "v" * 500
    for i in range(approx_bytes // 530):
        g.labels(f"{i}{value}").set(i)
    return registry


def test_an_oversized_push_is_a_413_for_prometheus_client(stack):
    before = rejected(stack.url, "body_too_large")
    registry = big_registry(12 << 20)   # 12 MB; the limit is 1 MiB
    with pytest.raises(urllib.error.HTTPError) as e:
        push_to_gateway(stack.url, job="too-big", registry=registry, timeout=60)
    assert e.value.code == 413
    assert "larger than 1048576 bytes" in e.value.read().decode()
    assert rejected(stack.url, "body_too_large") == before + 1
    # The exporter still serves, and a small push still works.
    small = CollectorRegistry()
    Gauge("small_one", "x", registry=small).set(1)
    push_to_gateway(stack.url, job="small", registry=small, timeout=10)
    assert 'small_one{' in stack.metrics()


def slow_socket(port, payload):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(payload)
    return s


def closed_by_server(s):
    """Reads until the server closes (b'' or a reset); whatever it answered first is skipped."""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_slowloris_heads_and_bodies_do_not_delay_a_scrape_and_are_closed(stack):
    heads_before = rejected(stack.url, "head_timeout")
    bodies_before = rejected(stack.url, "body_timeout") + rejected(stack.url, "body_incomplete")
    # 200 connections that never finish their request head, and 20 that never finish a body.
    heads = [slow_socket(stack.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ") for _ in range(200)]
    bodies = [slow_socket(stack.port, b"PUT /metrics/job/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nslow_metric 1")
              for _ in range(2)]
    try:
        # A scrape while they are all held open completes (no timing threshold: it just must).
        r = requests.get(stack.url + "/metrics", timeout=20)
        assert r.status_code == 200 and "sedna_exporter_ready" in r.text
        # Every slow connection is closed by the server after the read deadline.
        for s in heads + bodies:
            s.settimeout(30)
            assert closed_by_server(s)
    finally:
        for s in heads + bodies:
            s.close()
    wait_for(lambda: rejected(stack.url, "head_timeout") >= heads_before + 200, 20, what="head timeouts counted")
    # Closed by the body deadline or, at the same moment, by the idle deadline (mid-body).
    assert rejected(stack.url, "body_timeout") + rejected(stack.url, "body_incomplete") >= bodies_before + 2
    assert "slow_metric" not in stack.metrics()


def test_a_trickled_body_is_cut_at_the_deadline_and_an_abandoned_one_is_incomplete(stack):
    """A body that keeps arriving, a byte every half second, is never idle, so only the body
    deadline (READ_TIMEOUT after the head) can close it: counted body_timeout. A client that
    closes mid-body is body_incomplete. A request that ended and then idles is neither."""
    before = {r: rejected(stack.url, r) for r in ["body_timeout", "body_incomplete", "head_timeout"]}
    idle = slow_socket(stack.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    trickle = slow_socket(stack.port, b"PUT /metrics/job/trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nt")
    abandoned = slow_socket(stack.port, b"PUT /metrics/job/gone HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\ng")
    abandoned.close()
    try:
        closed = False
        for _ in range(60):                       # at most 30 s of trickling
            try:
                trickle.sendall(b"x")
            except OSError:
                closed = True
                break
            trickle.settimeout(0.5)
            try:
                if trickle.recv(65536) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            except OSError:
                closed = True
                break
        assert closed, "the trickled body was never cut"
        idle.settimeout(30)
        assert closed_by_server(idle)             # the idle deadline, after a complete request
    finally:
        for s in [idle, trickle]:
            s.close()
    wait_for(lambda: rejected(stack.url, "body_timeout") == before["body_timeout"] + 1, 20, what="body_timeout counted")
    wait_for(lambda: rejected(stack.url, "body_incomplete") == before["body_incomplete"] + 1, 20, what="body_incomplete counted")
    time.sleep(0.5)
    assert rejected(stack.url, "body_timeout") == before["body_timeout"] + 1
    assert rejected(stack.url, "body_incomplete") == before["body_incomplete"] + 1
    assert rejected(stack.url, "head_timeout") == before["head_timeout"]
    assert "trickle" not in stack.metrics() and 'job="gone"' not in stack.metrics()


def test_requests_past_the_in_flight_cap_get_503_with_retry_after(stack):
    before = rejected(stack.url, "too_many_requests")

    def fifth():
        # Four requests whose bodies never finish hold the four slots (--max-concurrent-intake 4);
        # opened afresh on each try, since the read deadline closes them.
        held = [slow_socket(stack.port, b"PUT /metrics/job/held HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
                for _ in range(4)]
        try:
            time.sleep(1.0)
            r = requests.put(stack.url + "/metrics/job/fifth", data=b"fifth_metric 1\n", timeout=10)
            return [r] if r.status_code == 503 else None     # a list: a 503 Response is falsy
        finally:
            for s in held:
                s.close()
    [r] = wait_for(fifth, 30, what="a 503 while the slots are held")
    assert r.headers.get("Retry-After") == "1"
    assert "too many concurrent requests" in r.text
    assert rejected(stack.url, "too_many_requests") > before
    # Once the slots are free again, intake works.
    wait_for(lambda: requests.put(stack.url + "/metrics/job/later", data=b"later_metric 1\n", timeout=10).status_code == 200,
             20, what="intake after the held requests ended")


def test_the_relay_answers_an_oversized_report_413_and_closes_slowloris(tmp_path):
    port = free_port()
    relay = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{port}", "--central-url", f"http://127.0.0.1:{free_port()}",
                     "--spool-dir", str(tmp_path / "spool"), "--relay-name", "edge1", "--http-read-timeout", READ_TIMEOUT],
                    str(tmp_path / "relay.log"))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(url + "/healthz", timeout=2).status_code == 200, 30, what="relay up")
        import urllib.request
        req = urllib.request.Request(url + "/sedna/workers/w/info", data=b"{" + b" " * (3 << 20) + b"}", method="POST",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=60)
        assert e.value.code == 413
        assert rejected(url, "body_too_large", "sedna_relay_http_rejected_total") == 1
        slow = [slow_socket(port, b"POST /sedna/workers/w/info HTTP/1.1\r\nHost: x\r\n") for _ in range(20)]
        try:
            assert requests.get(url + "/metrics", timeout=20).status_code == 200
            for s in slow:
                s.settimeout(30)
                assert closed_by_server(s)
        finally:
            for s in slow:
                s.close()
        wait_for(lambda: rejected(url, "head_timeout", "sedna_relay_http_rejected_total") >= 20, 20, what="relay head timeouts")
        assert rejected(url, "body_too_large", "sedna_relay_http_rejected_total") == 1
    finally:
        relay.stop()


@pytest.mark.parametrize("args,message", [
    (["--max-label-value-bytes", "2000"], "--max-label-value-bytes must be in 1...1024"),
    (["--http-read-timeout", "0"], "--http-read-timeout must be more than 0"),
    (["--max-connections=-3"], "--max-connections must be in 1...65536"),
])
def test_out_of_range_limits_are_refused_at_start(tmp_path, args, message):
    out = Process([exporter_bin(), "serve", "--kubeconfig", str(tmp_path / "missing"), "--listen", f"127.0.0.1:{free_port()}",
                   *args], str(tmp_path / "serve.log"))
    out.proc.wait(30)
    assert out.proc.returncode != 0
    assert message in out.output()


def test_out_of_range_relay_limits_are_refused_at_start(tmp_path):
    out = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{free_port()}", "--central-url", "http://127.0.0.1:1",
                   "--spool-dir", str(tmp_path / "s"), "--max-spool-bytes=-5"], str(tmp_path / "relay.log"))
    out.proc.wait(30)
    assert out.proc.returncode != 0
    assert "--max-spool-bytes must be positive" in out.output()
