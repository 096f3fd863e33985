"""LIST pagination (limit/continue) against an API that paginates; kmock ignores `limit`."""
import json
import os
import sys

from harness import ROOT, Exporter, KubeAPI, Process, free_port, wait_for


class PagingAPI(KubeAPI):
    def __init__(self, workdir, load):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process([sys.executable, os.path.join(ROOT, "bench", "static_api.py"), "--port", str(self.port), "--load", load],
                               os.path.join(workdir, "paging-api.log"))
        wait_for(lambda: "serving" in self.process.output() or not self.process.alive(), 60, what="paging API")


def test_every_page_is_listed(workdir):
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    items = [{"apiVersion": "sedna.io/v1alpha1", "kind": "Dataset",
              "metadata": {"name": f"ds-{i:04d}", "namespace": "default", "uid": f"uid-{i}"},
              "spec": {"url": f"/data/{i}.txt", "format": "txt", "nodeName": "edge1"}, "status": {"numberOfSamples": i}}
             for i in range(1234)]
    json.dump({"items": items}, open(os.path.join(data, "datasets.json"), "w"))
    api = PagingAPI(workdir, data)
    e = Exporter(workdir, api.kubeconfig())
    try:
        e.wait_ready()
        text = e.metrics()
        assert 'sedna_exporter_objects{resource="datasets"} 1234' in text
        # 500 per page: three LIST requests for one complete list.
        assert 'sedna_exporter_list_requests_total{resource="datasets",result="ok"} 3' in text
        assert 'sedna_dataset_samples{namespace="default",dataset="ds-1233"} 1233' in text
        # Bookmarks arrive and are counted, and do not change any object.
        wait_for(lambda: 'sedna_exporter_watch_events_total{resource="datasets",type="BOOKMARK"}' in e.metrics(), 20,
                 what="a bookmark")
    finally:
        e.stop()
        api.stop()
