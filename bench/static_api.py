#!/usr/bin/env python3
"""A minimal, fast, read-only Kubernetes API for benchmarks: serves discovery, paginated LIST
(`limit`/`continue`, a real-looking resourceVersion) and WATCH streams that stay open with a
BOOKMARK every few seconds, for objects loaded from <plural>.json files.

kmock stores objects with per-create bookkeeping that grows with the store (loading 2,000
objects over HTTP took 694 s here), so the 1k/10k benchmark uses this server instead.

Usage: bench/static_api.py --port 18081 --load DIR
"""
import argparse
import asyncio
import glob
import json
import os

from aiohttp import web

CORE = {"pods", "nodes"}


def build_app(objects):
    rv = "1000"

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
            for _ in range(max(1, timeout // 5)):
                await asyncio.sleep(5)
                await resp.write(json.dumps({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": rv}}}).encode() + b"\n")
            return resp
        items = objects[plural]
        limit = int(request.query.get("limit", "0") or 0)
        start = int(request.query.get("continue", "0") or 0)
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        meta = {"resourceVersion": rv}
        if end < len(items):
            meta["continue"] = str(end)
        return web.Response(body=b'{"metadata":' + json.dumps(meta).encode() + b',"items":[' + b",".join(items[start:end]) + b"]}",
                            content_type="application/json")

    app = web.Application()
    app.router.add_get("/apis/sedna.io/v1alpha1", discovery)
    app.router.add_get("/apis/sedna.io/v1alpha1/{plural}", collection)
    app.router.add_get("/api/v1/{plural}", collection)
    return app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--load", required=True)
    args = ap.parse_args()
    objects = {p: [] for p in ["datasets", "models", "jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs",
                               "federatedlearningjobs", "featureextractionservices", "objectsearchservices",
                               "objecttrackingservices", "reidjobs", "videoanalyticsjobs", "pods", "nodes"]}
    for path in glob.glob(os.path.join(args.load, "*.json")):
        plural = os.path.basename(path)[:-5]
        objects[plural] = [json.dumps(o).encode() for o in json.load(open(path))["items"]]
    asyncio.run(serve(build_app(objects), args.port))


async def serve(app, port):
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    # Only now is the port bound: readers of this line can start timing.
    print(f"kmock serving on 127.0.0.1:{port} (static bench API)", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    main()
