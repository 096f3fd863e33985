#!/usr/bin/env python3
"""A minimal, fast, read-only Kubernetes API for benchmarks: serves discovery, paginated LIST
(`limit`/`continue`, a real-looking resourceVersion) and WATCH streams that stay open with a
BOOKMARK every few seconds, for objects loaded from <plural>.json files.

POST /bench/expire ends every open watch with an ERROR event carrying a 410 Status (as an API
server does when a resourceVersion is too old), so watchers relist everything: the benchmark of
scrape latency during a relist uses it. Each expiry bumps the resourceVersion. With
`?changed=1` every pod's first container has also restarted once more when the relist comes.

kmock stores objects with per-create bookkeeping that grows with the store (loading 2,000
objects over HTTP took 694 s here), so the 1k/10k benchmark uses this server instead.

With --pod-churn N, a pods WATCH open when `POST /bench/churn` arrives (or the next one) streams
N MODIFIED events (pod status changes: the
first container's restartCount goes up, the resourceVersion with it), written as fast as the
client reads them, and prints how long writing took (bench/watch_bench.py reads it).

Usage: bench/static_api.py --port 18081 --load DIR [--pod-churn N]
"""
import argparse
import asyncio
import glob
import json
import os
import time

from aiohttp import web

CORE = {"pods", "nodes"}


def churn_templates(pods):
    """Each pod as a MODIFIED event line cut around its restartCount and resourceVersion."""
    out = []
    for raw in pods:
        o = json.loads(raw)
        statuses = o.setdefault("status", {}).setdefault("containerStatuses", [{"name": "worker", "ready": True}])
        statuses[0]["restartCount"] = "@@RC@@"
        o["metadata"]["resourceVersion"] = "@@RV@@"
        line = json.dumps({"type": "MODIFIED", "object": o}, separators=(",", ":")).encode() + b"\n"
        head, rest = line.split(b'"@@RV@@"')
        middle, tail = rest.split(b'"@@RC@@"') if b'"@@RC@@"' in rest else (None, None)
        if middle is None:  # restartCount came before resourceVersion in the dump
            head, rest = line.split(b'"@@RC@@"')
            middle, tail = rest.split(b'"@@RV@@"')
            out.append((head, middle, tail, True))
        else:
            out.append((head, middle, tail, False))
    return out


def churn_chunks(templates, n, batch=500):
    """The n event lines, pre-joined in chunks of `batch` so that streaming them is only writes."""
    chunks = []
    for k in range(0, n, batch):
        parts = []
        for j in range(k, min(n, k + batch)):
            head, middle, tail, rc_first = templates[j % len(templates)]
            rc = str(j // len(templates) + 1).encode()
            rv = b'"' + str(100000 + j).encode() + b'"'
            parts.append(head + (rc + middle + rv if rc_first else rv + middle + rc) + tail)
        chunks.append(b"".join(parts))
    return chunks


async def stream_churn(resp, chunks, n):
    start = time.perf_counter()
    for c in chunks:
        await resp.write(c)
    print(f"churn: wrote {n} pod events in {time.perf_counter() - start:.3f} s", flush=True)


def restarted(raw):
    """A pod's JSON bytes with its first container's restartCount one higher."""
    o = json.loads(raw)
    statuses = o.setdefault("status", {}).setdefault("containerStatuses", [{"name": "worker", "ready": True}])
    statuses[0]["restartCount"] = statuses[0].get("restartCount", 0) + 1
    return json.dumps(o).encode()


def build_app(objects, pod_churn=0):
    state = {"rv": 1000, "epoch": 0}
    churn = {"left": pod_churn, "go": asyncio.Event(),
             "chunks": churn_chunks(churn_templates(objects["pods"]), pod_churn) if pod_churn else None}

    async def start_churn(request):
        churn["go"].set()
        return web.json_response({"started": True})

    async def discovery(request):
        return web.json_response({"kind": "APIResourceList", "groupVersion": "sedna.io/v1alpha1",
                                  "resources": [{"name": p, "namespaced": True, "kind": p} for p in objects if p not in CORE]})

    async def collection(request):
        plural = request.match_info["plural"]
        if plural not in objects:
            return web.json_response({"kind": "Status", "code": 404}, status=404)
        if request.query.get("watch") in ("1", "true"):
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            await resp.prepare(request)
            timeout = int(request.query.get("timeoutSeconds", "60"))
            if plural == "pods" and churn["left"] > 0:
                try:
                    await asyncio.wait_for(churn["go"].wait(), timeout)
                except asyncio.TimeoutError:
                    return resp
                if churn["left"] > 0:
                    n, churn["left"] = churn["left"], 0
                    await stream_churn(resp, churn["chunks"], n)
            epoch = state["epoch"]
            for tick in range(max(1, timeout * 10)):
                await asyncio.sleep(0.1)
                if state["epoch"] != epoch:
                    gone = {"kind": "Status", "status": "Failure", "code": 410, "reason": "Expired", "message": "too old resource version"}
                    await resp.write(json.dumps({"type": "ERROR", "object": gone}).encode() + b"\n")
                    return resp
                if tick % 50 == 49:
                    bookmark = {"metadata": {"resourceVersion": str(state["rv"])}}
                    await resp.write(json.dumps({"type": "BOOKMARK", "object": bookmark}).encode() + b"\n")
            return resp
        items = objects[plural]
        limit = int(request.query.get("limit", "0") or 0)
        start = int(request.query.get("continue", "0") or 0)
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        meta = {"resourceVersion": str(state["rv"])}
        if end < len(items):
            meta["continue"] = str(end)
        return web.Response(body=b'{"metadata":' + json.dumps(meta).encode() + b',"items":[' + b",".join(items[start:end]) + b"]}",
                            content_type="application/json")

    async def expire(request):
        if request.query.get("changed") in ("1", "true"):
            # Every pod the next LIST returns has restarted once more (an exported figure), so
            # the relist changes 20k of the 31k objects' samples at 10k tasks: the worst case,
            # where a relist after 410 Gone usually brings the objects back as they were.
            objects["pods"] = [restarted(raw) for raw in objects["pods"]]
        state["epoch"] += 1
        state["rv"] += 1
        return web.json_response({"epoch": state["epoch"]})

    app = web.Application()
    app.router.add_post("/bench/expire", expire)
    app.router.add_post("/bench/churn", start_churn)
    app.router.add_get("/apis/sedna.io/v1alpha1", discovery)
    app.router.add_get("/apis/sedna.io/v1alpha1/{plural}", collection)
    app.router.add_get("/api/v1/{plural}", collection)
    return app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--load", required=True)
    ap.add_argument("--pod-churn", type=int, default=0, help="MODIFIED pod events streamed on the first pods WATCH")
    args = ap.parse_args()
    objects = {p: [] for p in ["datasets", "models", "jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs",
                               "federatedlearningjobs", "featureextractionservices", "objectsearchservices",
                               "objecttrackingservices", "reidjobs", "videoanalyticsjobs", "pods", "nodes"]}
    for path in glob.glob(os.path.join(args.load, "*.json")):
        plural = os.path.basename(path)[:-5]
        objects[plural] = [json.dumps(o).encode() for o in json.load(open(path))["items"]]
    asyncio.run(serve(build_app(objects, args.pod_churn), args.port))


async def serve(app, port):
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    # Only now is the port bound: readers of this line can start timing.
    print(f"kmock serving on 127.0.0.1:{port} (static bench API)", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    main()
