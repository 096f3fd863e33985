"""A stand-in for Prometheus's Kubernetes service discovery, for tests only.

Debian's prometheus 2.42 is built without kubernetes_sd_configs, so the tests turn each of them into
a file_sd_configs whose file holds the target groups Kubernetes discovery would have produced for a
fixture cluster: the same addresses and __meta_kubernetes_* labels (roles node, pod, endpoints;
namespaces, label selectors and attach_metadata.node honoured). The real Prometheus then applies
the shipped relabel_configs unchanged. Meta label names follow Prometheus's discovery/kubernetes.
"""
from __future__ import annotations

import re


def _name(raw: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", raw)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _maps(prefix: str, meta: dict) -> dict:
    labels = {}
    for key, value in (meta.get("labels") or {}).items():
        labels[f"__meta_kubernetes_{prefix}_label_{_name(key)}"] = value
        labels[f"__meta_kubernetes_{prefix}_labelpresent_{_name(key)}"] = "true"
    for key, value in (meta.get("annotations") or {}).items():
        labels[f"__meta_kubernetes_{prefix}_annotation_{_name(key)}"] = value
        labels[f"__meta_kubernetes_{prefix}_annotationpresent_{_name(key)}"] = "true"
    return labels


def _selector_matches(selector: str, labels: dict) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.split("=", 1)
            if labels.get(key.strip().rstrip("=")) != value.strip().lstrip("="):
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


class Cluster:
    def __init__(self, nodes: list, pods: list, services: list, endpoints: list):
        self.nodes, self.pods, self.services, self.endpoints = nodes, pods, services, endpoints

    def _node(self, name: str):
        return next((n for n in self.nodes if n["metadata"]["name"] == name), None)

    def _node_meta(self, name: str) -> dict:
        node = self._node(name)
        if node is None:
            return {}
        return dict(_maps("node", node["metadata"]), __meta_kubernetes_node_name=name)

    def node_groups(self, sd: dict) -> list:
        groups = []
        for node in self.nodes:
            if not self._selected(sd, "node", node, None):
                continue
            meta = node["metadata"]
            labels = dict(_maps("node", meta), __meta_kubernetes_node_name=meta["name"],
                          __meta_kubernetes_node_provider_id=node.get("spec", {}).get("providerID", ""))
            address = None
            for entry in node["status"]["addresses"]:
                labels[f"__meta_kubernetes_node_address_{entry['type']}"] = entry["address"]
            for kind in ("InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "Hostname"):
                address = address or next((a["address"] for a in node["status"]["addresses"] if a["type"] == kind), None)
            port = node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"]
            groups.append({"targets": [f"{address}:{port}"], "labels": dict(labels, instance=meta["name"])})
        return groups

    def _pod_labels(self, pod: dict, attach_node: bool) -> dict:
        meta, spec, status = pod["metadata"], pod["spec"], pod["status"]
        owner = next((o for o in meta.get("ownerReferences", []) if o.get("controller")), None)
        labels = dict(_maps("pod", meta))
        labels.update({
            "__meta_kubernetes_namespace": meta["namespace"],
            "__meta_kubernetes_pod_name": meta["name"],
            "__meta_kubernetes_pod_ip": status.get("podIP", ""),
            "__meta_kubernetes_pod_ready": _bool(any(c["type"] == "Ready" and c["status"] == "True"
                                                     for c in status.get("conditions", []))),
            "__meta_kubernetes_pod_phase": status.get("phase", ""),
            "__meta_kubernetes_pod_node_name": spec.get("nodeName", ""),
            "__meta_kubernetes_pod_host_ip": status.get("hostIP", ""),
            "__meta_kubernetes_pod_uid": meta.get("uid", ""),
        })
        if owner:
            labels["__meta_kubernetes_pod_controller_kind"] = owner["kind"]
            labels["__meta_kubernetes_pod_controller_name"] = owner["name"]
        if attach_node:
            labels.update(self._node_meta(spec.get("nodeName", "")))
        return labels

    def pod_groups(self, sd: dict) -> list:
        attach = bool((sd.get("attach_metadata") or {}).get("node"))
        groups = []
        for pod in self.pods:
            if not self._selected(sd, "pod", pod, pod["metadata"]["namespace"]):
                continue
            base = self._pod_labels(pod, attach)
            ip = pod["status"].get("podIP")
            if not ip:
                continue
            for container in pod["spec"]["containers"]:
                ports = container.get("ports") or []
                common = {"__meta_kubernetes_pod_container_name": container["name"],
                          "__meta_kubernetes_pod_container_image": container.get("image", ""),
                          "__meta_kubernetes_pod_container_init": "false"}
                if not ports:
                    groups.append({"targets": [ip], "labels": dict(base, **common)})
                for port in ports:
                    groups.append({"targets": [f"{ip}:{port['containerPort']}"], "labels": dict(
                        base, **common,
                        __meta_kubernetes_pod_container_port_name=port.get("name", ""),
                        __meta_kubernetes_pod_container_port_number=str(port["containerPort"]),
                        __meta_kubernetes_pod_container_port_protocol=port.get("protocol", "TCP"))})
        return groups

    def endpoints_groups(self, sd: dict) -> list:
        attach = bool((sd.get("attach_metadata") or {}).get("node"))
        groups = []
        for ep in self.endpoints:
            meta = ep["metadata"]
            if not self._selected(sd, "endpoints", ep, meta["namespace"]):
                continue
            service = next((s for s in self.services if s["metadata"]["name"] == meta["name"]
                            and s["metadata"]["namespace"] == meta["namespace"]), None)
            base = dict(_maps("endpoints", meta), __meta_kubernetes_namespace=meta["namespace"],
                        __meta_kubernetes_endpoints_name=meta["name"])
            if service is not None:
                base.update(_maps("service", service["metadata"]))
                base["__meta_kubernetes_service_name"] = service["metadata"]["name"]
            for subset in ep.get("subsets", []):
                for ready, key in (("true", "addresses"), ("false", "notReadyAddresses")):
                    for address in subset.get(key, []):
                        for port in subset.get("ports", []):
                            labels = dict(base,
                                          __meta_kubernetes_endpoint_port_name=port.get("name", ""),
                                          __meta_kubernetes_endpoint_port_protocol=port.get("protocol", "TCP"),
                                          __meta_kubernetes_endpoint_ready=ready)
                            if address.get("nodeName"):
                                labels["__meta_kubernetes_endpoint_node_name"] = address["nodeName"]
                            ref = address.get("targetRef")
                            if ref:
                                labels["__meta_kubernetes_endpoint_address_target_kind"] = ref["kind"]
                                labels["__meta_kubernetes_endpoint_address_target_name"] = ref["name"]
                                pod = next((p for p in self.pods if ref["kind"] == "Pod"
                                            and p["metadata"]["name"] == ref["name"]
                                            and p["metadata"]["namespace"] == meta["namespace"]), None)
                                if pod is not None:
                                    labels.update(self._pod_labels(pod, attach))
                            groups.append({"targets": [f"{address['ip']}:{port['port']}"], "labels": labels})
        return groups

    def _selected(self, sd: dict, role: str, obj: dict, namespace: str | None) -> bool:
        names = (sd.get("namespaces") or {}).get("names")
        if names and namespace is not None and namespace not in names:
            return False
        for selector in sd.get("selectors") or []:
            if selector["role"] != role:
                continue
            if "label" in selector and not _selector_matches(selector["label"], obj["metadata"].get("labels") or {}):
                return False
            if "field" in selector:
                raise NotImplementedError("field selectors are not emulated")
        return True

    def groups(self, sd: dict) -> list:
        role = sd["role"]
        if role == "node":
            return self.node_groups(sd)
        if role == "pod":
            return self.pod_groups(sd)
        if role == "endpoints":
            return self.endpoints_groups(sd)
        raise NotImplementedError(f"role {role} is not emulated")


KNOWN_SD_KEYS = {"role", "namespaces", "selectors", "attach_metadata", "api_server", "kubeconfig_file",
                 "basic_auth", "authorization", "oauth2", "tls_config", "proxy_url", "follow_redirects",
                 "enable_http2"}
KNOWN_ROLES = {"node", "pod", "service", "endpoints", "endpointslice", "ingress"}
