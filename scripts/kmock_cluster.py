#!/usr/bin/env python3
"""Serves a Kubernetes API on 127.0.0.1 with the third-party emulator kmock, for tests and the
demo: every Sedna resource, pods and nodes declared, optionally pre-loaded with
fixtures/cluster/*.json.

Usage: scripts/kmock_cluster.py --port 18080 [--load fixtures/cluster] [--omit datasets,models]

kmock keeps objects as plain JSON and serves LIST and WATCH (ADDED, MODIFIED, DELETED); it sends
no bookmarks, ignores `limit`, and answers lists with resourceVersion "...". Create, patch and
delete objects over HTTP as against a real API server.
"""
import argparse
import asyncio
import glob
import json
import os

import kmock

SEDNA = ["datasets", "models", "jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs",
         "federatedlearningjobs", "featureextractionservices", "objectsearchservices", "objecttrackingservices",
         "reidjobs", "videoanalyticsjobs"]


def resource_key(plural):
    return f"v1/{plural}" if plural in ("pods", "nodes") else f"sedna.io/v1alpha1/{plural}"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--load", help="folder of <plural>.json files ({\"items\": [...]})")
    ap.add_argument("--omit", default="", help="comma-separated Sedna plurals to leave undeclared (CRD not installed)")
    args = ap.parse_args()
    omit = {p for p in args.omit.split(",") if p}
    async with kmock.KubernetesEmulator() as emu, kmock.Server(emu, host="127.0.0.1", port=args.port):
        for plural in SEDNA + ["pods", "nodes"]:
            if plural not in omit:
                emu.resources[resource_key(plural)] = {}
        # `serve --auto-sharding` reads its StatefulSet's spec.replicas (tests/e2e/test_auto_sharding.py).
        emu.resources["apps/v1/statefulsets"] = {}
        if args.load:
            for path in sorted(glob.glob(os.path.join(args.load, "*.json"))):
                plural = os.path.basename(path)[:-5]
                if plural in omit:
                    continue
                for obj in json.load(open(path))["items"]:
                    await post(args.port, plural, obj)
        print(f"kmock serving on 127.0.0.1:{args.port}", flush=True)
        await asyncio.Event().wait()


async def post(port, plural, obj):
    import aiohttp
    ns = obj["metadata"].get("namespace")
    if plural in ("pods", "nodes"):
        base = "/api/v1"
    else:
        base = "/apis/sedna.io/v1alpha1"
    path = f"{base}/namespaces/{ns}/{plural}" if ns else f"{base}/{plural}"
    async with aiohttp.ClientSession() as s:
        async with s.post(f"http://127.0.0.1:{port}{path}", json=obj) as r:
            if r.status >= 300:
                raise SystemExit(f"loading {plural}/{obj['metadata']['name']}: HTTP {r.status} {await r.text()}")


if __name__ == "__main__":
    asyncio.run(main())
