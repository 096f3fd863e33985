"""A fault-injecting HTTP/1.1 proxy between the exporter and a Kubernetes API (kmock or the
simulator), on 127.0.0.1, run by asyncio in a background thread.

`proxy.inject(kind, requests=N, watch_only=...)` makes the next N matching requests (or all,
with N=None, until `clear()`) suffer one fault:

- "drop":    forward, pass the response head and the first bytes, then reset the connection
- "gone":    answer 410 Gone (a Status object)
- "error_event": answer 200 with a watch ERROR event (code 410) and end the stream
- "5xx":     answer 503 (a Status object)
- "429":     answer 429 with Retry-After: 1
- "stall":   accept and never answer; the connection is closed after `stall_seconds`
- "garbage": answer 200 with a garbage line and a partial JSON line, then end the stream
- "trickle": forward, but pass the response (head and body) on `trickle_bytes` bytes at a time,
             one piece every `trickle_interval` seconds: never idle for long, yet a LIST takes
             far longer than any sane deadline (a slow or hostile middlebox)

`proxy.hide({"reidjobs"})` removes resources from the sedna.io discovery document (a CRD
uninstalled) while their objects stay listable.

Every request is sent upstream on a fresh connection with `Connection: close`, and the answer
is passed back with `Connection: close`, so one fault never leaks into the next request.
"""
import asyncio
import json
import threading
from collections import Counter


class FaultProxy:
    def __init__(self, upstream_port, stall_seconds=30, trickle_bytes=8, trickle_interval=0.25):
        self.upstream_port = upstream_port
        self.stall_seconds = stall_seconds
        self.trickle_bytes = trickle_bytes
        self.trickle_interval = trickle_interval
        self.trickled = 0            # trickled responses that ran to their end (the client kept reading)
        self.trickle_cut = 0         # trickled responses the client closed before their end
        self.faults = Counter()      # faults applied, by kind
        self.requests = Counter()    # requests seen: "watch" / "other"
        self._rule = None
        self._watches = {}           # watch streams being passed through: client transport -> upstream transport
        # The handlers in progress. asyncio keeps only a weak reference to a connection's task once
        # the client's side is gone: a handler still waiting on its upstream would be collected
        # pending ("Task was destroyed but it is pending!") and its upstream socket left to the GC.
        self._tasks = set()
        self.hidden = set()          # plurals left out of the sedna.io discovery document
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        def run():
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        started.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def inject(self, kind, requests=None, watch_only=True, path=None):
        """Arms the fault and cuts the watch streams in progress, so the exporter's next
        requests (re-watch, relist) meet it. With `path`, only requests for that path (the
        part before `?`) count."""
        with self._lock:
            self._rule = {"kind": kind, "left": requests, "watch_only": watch_only, "path": path}
        self._loop.call_soon_threadsafe(self._cut_watches)

    def _cut_watches(self):
        # Both sides: the handler's upstream read ends at once instead of with the next event.
        for client, upstream in list(self._watches.items()):
            client.abort()
            upstream.abort()
        self._watches.clear()

    def hide(self, plurals):
        with self._lock:
            self.hidden = set(plurals)

    def clear(self):
        with self._lock:
            self._rule = None

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _shutdown(self):
        self._cut_watches()
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def kubeconfig(self, path):
        with open(path, "w") as f:
            f.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: proxied, cluster: {{server: "{self.url}"}}}}]
users: [{{name: u, user: {{token: "fault-proxy-token"}}}}]
contexts: [{{name: proxied, context: {{cluster: proxied, user: u}}}}]
current-context: proxied
""")
        return path

    def _take(self, is_watch, target=""):
        with self._lock:
            self.requests["watch" if is_watch else "other"] += 1
            r = self._rule
            if not r or (r["watch_only"] and not is_watch):
                return None
            if r.get("path") and target.split("?")[0] != r["path"]:
                return None
            if r["left"] is not None:
                if r["left"] <= 0:
                    return None
                r["left"] -= 1
            self.faults[r["kind"]] += 1
            return r["kind"]

    async def _discovery(self, up_reader, writer):
        raw = await up_reader.read()
        head, _, body = raw.partition(b"\r\n\r\n")
        if b"chunked" in head.lower():
            out, rest = b"", body
            while rest:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    break
                out, rest = out + rest[:size], rest[size + 2:]
            body = out
        doc = json.loads(body)
        with self._lock:
            hidden = set(self.hidden)
        doc["resources"] = [r for r in doc.get("resources", []) if r.get("name", "").split("/")[0] not in hidden]
        data = json.dumps(doc).encode()
        status = head.split(b"\r\n", 1)[0]
        writer.write(status + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(data)).encode()
                     + b"\r\nConnection: close\r\n\r\n" + data)
        await writer.drain()

    async def _trickle(self, head, up_reader, writer):
        """Passes the head and then the body on a few bytes at a time until either side ends."""
        pending = bytearray(head)
        upstream_open = True
        while pending or upstream_open:
            if upstream_open and len(pending) < self.trickle_bytes:
                chunk = await up_reader.read(65536)
                if chunk:
                    pending += chunk
                    continue
                upstream_open = False
            piece, pending = bytes(pending[:self.trickle_bytes]), pending[self.trickle_bytes:]
            try:
                writer.write(piece)
                await writer.drain()
            except ConnectionError:
                pass
            # A peer that closed its side makes a later write fail and the transport close.
            if writer.transport.is_closing():
                with self._lock:
                    self.trickle_cut += 1
                return
            await asyncio.sleep(self.trickle_interval)
        with self._lock:
            self.trickled += 1

    async def _handle(self, reader, writer):
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = [line for line in lines[1:] if line]
            length = 0
            for h in headers:
                if h.lower().startswith("content-length:"):
                    length = int(h.split(":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            is_watch = "watch=true" in target or "watch=1" in target
            fault = self._take(is_watch, target)
            if fault in ("gone", "5xx", "429"):
                code, reason = {"gone": (410, "Gone"), "5xx": (503, "Service Unavailable"), "429": (429, "Too Many Requests")}[fault]
                status = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                                     "reason": reason.replace(" ", ""), "message": f"injected {fault}"}).encode()
                extra = "Retry-After: 1\r\n" if fault == "429" else ""
                writer.write(f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(status)}\r\n"
                             f"{extra}Connection: close\r\n\r\n".encode() + status)
                await writer.drain()
                return
            if fault == "stall":
                await asyncio.sleep(self.stall_seconds)
                return
            if fault in ("error_event", "garbage"):
                if fault == "error_event":
                    payload = json.dumps({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                                      "code": 410, "reason": "Expired",
                                                                      "message": "too old resource version"}}).encode() + b"\n"
                else:
                    payload = b"this is not json at all\n" + b'{"type":"MODIFIED","object":{"metadata":{"name":"x"'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + payload)
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            kept = [h for h in headers if not h.lower().startswith(("connection:", "keep-alive:"))]
            up_writer.write((f"{method} {target} HTTP/1.1\r\n" + "\r\n".join(kept + ["Connection: close"]) + "\r\n\r\n").encode("latin-1")
                            + body)
            await up_writer.drain()
            if target.split("?")[0] == "/apis/sedna.io/v1alpha1":
                with self._lock:
                    self.requests["discovery"] += 1
            if target.split("?")[0] == "/apis/sedna.io/v1alpha1" and self.hidden:
                await self._discovery(up_reader, writer)
                up_writer.close()
                return
            resp_head = await up_reader.readuntil(b"\r\n\r\n")
            rlines = [line for line in resp_head.decode("latin-1").split("\r\n") if line]
            rlines = [rlines[0]] + [h for h in rlines[1:] if not h.lower().startswith(("connection:", "keep-alive:"))]
            out_head = ("\r\n".join(rlines + ["Connection: close"]) + "\r\n\r\n").encode("latin-1")
            if fault == "trickle":
                await self._trickle(out_head, up_reader, writer)
                up_writer.close()
                return
            writer.write(out_head)
            if fault == "drop":
                first = await up_reader.read(64)
                writer.write(first)
                await writer.drain()
                writer.transport.abort()
                up_writer.close()
                return
            if is_watch:
                self._watches[writer.transport] = up_writer.transport
            try:
                while True:
                    chunk = await up_reader.read(65536)
                    if not chunk:
                        break
                    writer.write(chunk)
                    await writer.drain()
            finally:
                self._watches.pop(writer.transport, None)
                up_writer.close()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - already gone
                pass
