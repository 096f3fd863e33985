"""Credentials never leak: fragments planted in every place Sedna objects, worker reports and
pushes can carry a URL or a token (model and dataset URLs, condition data, report results,
pushed label values, the kubeconfig token, the relay's central URL) must not appear in /metrics,
in the logs at debug level, nor in error messages."""
import json
import os
import shutil

import requests
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from harness import FIXTURES, Exporter, KubeAPI, Process, exporter_bin, free_port, wait_for

# Each fragment is unique so a hit names the place it came from.
SECRETS = {
    "model_userinfo": "MODELPASS1x",
    "model_query": "MODELSIG2x",
    "dataset_userinfo": "DATASETPASS3x",
    "dataset_query": "DATASETTOKEN4x",
    "condition_userinfo": "CONDPASS5x",
    "condition_query": "CONDSIG6x",
    "report_userinfo": "REPORTPASS7x",
    "report_query": "REPORTSIG8x",
    "push_label": "PUSHPASS9x",
    "push_label_query": "PUSHSIG10x",
    "kubeconfig_token": "KUBETOKEN11x",
    "relay_central": "CENTRALPASS12x",
}


def planted_fixtures(dst):
    shutil.copytree(FIXTURES, dst)

    def edit(name, fn):
        path = os.path.join(dst, name)
        with open(path) as f:
            doc = json.load(f)
        items = doc["items"] if isinstance(doc, dict) else doc
        fn(items)
        with open(path, "w") as f:
            json.dump(doc, f)

    def models(items):
        items[0]["spec"]["url"] = f"s3://AKIAMODEL:{SECRETS['model_userinfo']}@bucket/model.pb?X-Amz-Signature={SECRETS['model_query']}"

    def datasets(items):
        items[0]["spec"]["url"] = f"https://u:{SECRETS['dataset_userinfo']}@data.example/train.txt?token={SECRETS['dataset_query']}"

    def il(items):
        for c in items[0]["status"]["conditions"]:
            if c.get("data"):
                c["data"] = json.dumps({"input": {
                    "models": [{"format": "pb", "url": f"s3://k:{SECRETS['condition_userinfo']}@b/m.pb?sig={SECRETS['condition_query']}"}],
                    "dataURL": f"s3://k:{SECRETS['condition_userinfo']}@b/data.txt", "outputDir": "/out"},
                    "output": {"models": [{"format": "pb", "url": f"https://h/m.pb?X-Amz-Signature={SECRETS['condition_query']}",
                                           "metrics": {"precision": [0.8]}}]}})
    edit("models.json", models)
    edit("datasets.json", datasets)
    edit("incrementallearningjobs.json", il)
    return dst


def leaks(text):
    return sorted(k for k, v in SECRETS.items() if v in text)


def test_planted_credentials_appear_nowhere(tmp_path):
    work = str(tmp_path)
    kube = KubeAPI(work, load=planted_fixtures(os.path.join(work, "fixtures")))
    exporter = relay = None
    try:
        exporter = Exporter(work, kube.kubeconfig(token=SECRETS["kubeconfig_token"]), extra=["--log-level", "debug"])
        exporter.wait_ready()
        url = exporter.url
        errors = []
        # A worker report whose results carry credentials (an IL train worker of the fixtures).
        body = {"name": "helmet-detection-demo-train-9xk2p", "namespace": "default", "ownerName": "helmet-detection-demo",
                "ownerKind": "incrementallearningjob", "kind": "train", "status": "completed",
                "results": [{"format": "pb", "url": f"s3://k:{SECRETS['report_userinfo']}@b/m.pb?X-Amz-Signature={SECRETS['report_query']}",
                             "metrics": {"loss": 0.1}}]}
        r = requests.post(f"{url}/sedna/workers/{body['name']}/info", data=json.dumps(body), timeout=10)
        errors.append(r.text)
        # The same report malformed and mismatched: the error messages must not echo the URL.
        bad = dict(body, name="someone-else")
        errors.append(requests.post(f"{url}/sedna/workers/{body['name']}/info", data=json.dumps(bad), timeout=10).text)
        errors.append(requests.post(f"{url}/sedna/workers/{body['name']}/info",
                                    data=json.dumps(body)[:-5], timeout=10).text)
        # A push whose label value is a URL with credentials, and a bad push quoting one.
        reg = CollectorRegistry()
        Gauge("artifact_info", "x", ["source"], registry=reg).labels(
            f"https://u:{SECRETS['push_label']}@h/a?token={SECRETS['push_label_query']}").set(1)
        push_to_gateway(url, job="secrets", registry=reg, timeout=10)
        errors.append(requests.put(f"{url}/metrics/job/secrets",
                                   data=f'artifact_info{{source="https://u:{SECRETS["push_label"]}@h/a"}} oops\n', timeout=10).text)
        # A relay whose central URL carries a password (it must not log it).
        port = free_port()
        relay = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{port}",
                         "--central-url", f"http://edge:{SECRETS['relay_central']}@127.0.0.1:{exporter.port}",
                         "--spool-dir", os.path.join(work, "spool"), "--relay-name", "edge1", "--log-level", "debug"],
                        os.path.join(work, "relay.log"))
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200, 30, what="relay")
        wait_for(lambda: "artifact_info" in exporter.metrics() and "sedna_learning_model_info" in exporter.metrics(), 30,
                 what="the planted objects and the push to show")
        metrics = exporter.metrics() + exporter.metrics(accept="application/openmetrics-text;version=1.0.0")
        assert leaks(metrics) == []
        assert leaks("\n".join(errors)) == []
        relay.stop()
        exporter.stop()
        assert leaks(exporter.process.output()) == []
        assert leaks(relay.output()) == []
    finally:
        for p in (relay, exporter):
            if p:
                p.stop()
        kube.stop()
