"""Loki's limits against what an edge node replays after an outage (deploy/loki, deploy/charts/loki-values.yaml).

Loki cannot run here; its rules are restated from its source (grafana/loki 3.x):
  * an entry older than the stream's newest minus max_chunk_age / 2 is rejected
    as out of order (pkg/ingester/stream.go, unordered writes);
  * reject_old_samples_max_age and creation_grace_period bound the entry's age
    against the receiving clock (pkg/validation);
  * per_stream_rate_limit(_burst) is a token bucket per stream.
The outage bound (test_log_rotation.py) must fit in all of them.
"""
import re

import yaml

from deploy_helpers import ROOT
from test_log_rotation import OUTAGE_BOUND

REPLAY_WINDOW_H = 12  # stated in docs/deploy.md "Offline edge"
_UNITS = {"ms": 1 / 3_600_000, "s": 1 / 3600, "m": 1 / 60, "h": 1, "d": 24, "w": 168, "y": 8760}
_BYTES = {"KB": 1000, "MB": 1000**2, "GB": 1000**3, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "B": 1}


def hours(value: str) -> float:
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", value)
    assert parts and "".join(a + b for a, b in parts) == value, f"not a duration: {value}"
    return sum(float(n) * _UNITS[u] for n, u in parts)


def nbytes(value: str) -> int:
    m = re.fullmatch(r"(\d+)(KiB|MiB|GiB|KB|MB|GB|B)", value)
    assert m, value
    return int(m.group(1)) * _BYTES[m.group(2)]


def configs():
    plain = yaml.safe_load((ROOT / "deploy/loki/loki.yaml").read_text())
    chart = yaml.safe_load((ROOT / "deploy/charts/loki-values.yaml").read_text())["loki"]
    return [("loki.yaml", plain["limits_config"], plain.get("ingester", {})),
            ("loki-values.yaml", chart["limits_config"], chart.get("ingester", {}))]


def test_loki_accepts_an_edge_replay_within_the_outage_bound():
    for name, limits, ingester in configs():
        assert limits.get("unordered_writes", True) is True, name
        window = hours(ingester.get("max_chunk_age", "2h")) / 2
        assert window >= REPLAY_WINDOW_H, f"{name}: out-of-order window {window} h < {REPLAY_WINDOW_H} h"
        assert limits["reject_old_samples"] is True
        assert hours(limits["reject_old_samples_max_age"]) >= window, name
        assert hours(limits["creation_grace_period"]) >= 1, f"{name}: fast edge clocks"
        assert nbytes(limits["per_stream_rate_limit_burst"]) >= OUTAGE_BOUND, \
            f"{name}: one container's backlog should fit the per-stream burst"
        assert limits["ingestion_burst_size_mb"] * 1024 * 1024 >= 4 * 1024 * 1024, name


def test_both_loki_configs_agree():
    (_, a, ia), (_, b, ib) = configs()
    assert a == b and ia == ib


def test_default_window_would_reject_a_replay():
    """Without the tuning: max_chunk_age 2h -> a 1 h window, shorter than a 40 MiB backlog at 1 KiB/s."""
    assert hours("2h") / 2 * 3600 * 1024 < OUTAGE_BOUND
