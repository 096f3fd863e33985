"""Kubelet log rotation reproduced on disk, read the way the shipped edge configs read it.

The kubelet (kubernetes pkg/kubelet/logs/container_log_manager.go, rotateLog) checks
each running container's N.log every containerLogMonitorInterval (10 s); when it
is at least containerLogMaxSize (10Mi) it
  1. removes *.tmp files and plain rotated files whose .gz exists,
  2. keeps the newest MaxFiles-2 rotated files (containerLogMaxFiles = 5),
  3. gzips every remaining plain rotated file (N.log.<ts> -> N.log.<ts>.gz via .gz.tmp),
  4. renames N.log to N.log.<YYYYMMDD-hhmmss> and has the runtime reopen N.log.

This test does exactly that with the default sizes, selects files with the
globs, exclusions and keep rules of deploy/alloy/edge.alloy (doublestar glob
semantics, as Alloy's local.file_match uses github.com/bmatcuk/doublestar), and
reads them the way loki.source.file does after a restart (per-path offsets,
a rotated file is a new path read from 0, gzip only through decompression).
It shows that an outage loses nothing while a container writes at most
(MaxFiles - 1) x MaxSize = 40 MiB, the bound stated in docs/deploy.md, and
that it does lose lines beyond it.
"""
from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alloy_syntax import Object
from test_alloy import components, load, relabel, relabel_rules

MAX_SIZE = 10 * 1024 * 1024  # kubelet containerLogMaxSize default "10Mi"
MAX_FILES = 5  # kubelet containerLogMaxFiles default
MONITOR_INTERVAL = 10  # seconds, containerLogMonitorInterval default
OUTAGE_BOUND = (MAX_FILES - 1) * MAX_SIZE  # bytes a container may write during an outage without loss
LINE_BYTES = 1024  # long lines keep the test fast; the bound is in bytes, not lines


class Kubelet:
    """One container's log, written and rotated as the kubelet and the runtime do."""

    def __init__(self, log: Path):
        self.log = log
        self.clock = datetime(2025, 1, 1, 10, 0, 0)
        self.seq = 0
        log.parent.mkdir(parents=True)
        log.touch()

    def write(self, nbytes: int) -> list[int]:
        """Write about nbytes of CRI lines over simulated time, rotating like the kubelet."""
        written: list[int] = []
        per_tick = max(LINE_BYTES, nbytes // max(1, nbytes // (1024 * 1024)))  # ~1 MiB per monitor tick
        remaining = nbytes
        while remaining > 0:
            chunk, ids = [], []
            for _ in range(max(1, min(remaining, per_tick) // LINE_BYTES)):
                self.seq += 1
                ts = self.clock.strftime("%Y-%m-%dT%H:%M:%S") + f".{self.seq % 10**9:09d}Z"
                head = f"{ts} stdout F line {self.seq:09d} "
                chunk.append(head + "x" * (LINE_BYTES - len(head) - 1) + "\n")
                ids.append(self.seq)
            with self.log.open("a") as f:
                f.write("".join(chunk))
            written += ids
            remaining -= len(ids) * LINE_BYTES
            self.clock += timedelta(seconds=MONITOR_INTERVAL)
            if self.log.stat().st_size >= MAX_SIZE:
                self.rotate()
        return written

    def rotate(self):
        logs = sorted(str(p) for p in self.log.parent.glob(self.log.name + ".*"))
        unused = [p for p in logs if p.endswith(".tmp") or (not p.endswith(".gz") and p + ".gz" in logs)]
        for p in unused:
            Path(p).unlink()
        logs = sorted(p for p in logs if p not in unused)
        keep = max(MAX_FILES - 2, 0)
        for p in logs[:max(0, len(logs) - keep)]:
            Path(p).unlink()
        logs = logs[max(0, len(logs) - keep):]
        for p in logs:
            if not p.endswith(".gz"):
                data = Path(p).read_bytes()
                Path(p + ".gz.tmp").write_bytes(gzip.compress(data, compresslevel=1))
                Path(p + ".gz.tmp").rename(p + ".gz")
                Path(p).unlink()
        self.log.rename(f"{self.log}.{self.clock.strftime('%Y%m%d-%H%M%S')}")
        self.log.touch()


# --------------------------------------------------------------------------- edge.alloy's file selection

def doublestar_regex(pattern: str) -> re.Pattern:
    """doublestar.PathMatch semantics: * and ? stop at '/', ** crosses it, {a,b}, [...]."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        elif c == "{":
            end = pattern.index("}", i)
            out.append("(?:" + "|".join(doublestar_regex(alt).pattern for alt in pattern[i + 1:end].split(",")) + ")")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))


def edge_file_match() -> tuple[re.Pattern, re.Pattern | None]:
    (fm,) = [b for (n, _), b in components(load("edge.alloy")).items() if n == "local.file_match"]
    (target,) = fm.attr("path_targets").expr.elements
    assert isinstance(target, Object)
    fields = {k: v.value for k, _, v in target.fields}
    exclude = fields.get("__path_exclude__")
    return doublestar_regex(fields["__path__"]), doublestar_regex(exclude) if exclude else None


def select(root: Path, env: dict | None = None) -> dict[str, str]:
    """Files on disk -> 'plain' or 'gzip' (the loki.source.file that reads them), as edge.alloy selects."""
    include, exclude = edge_file_match()
    labelling, plain, gz = relabel_rules("edge.alloy"), relabel_rules("edge.alloy", "plain"), relabel_rules(
        "edge.alloy", "gzip")
    chosen = {}
    for f in sorted(root.rglob("*")):
        if not f.is_file():
            continue
        path = "/" + str(f.relative_to(root))
        if not include.fullmatch(path) or (exclude and exclude.fullmatch(path)):
            continue
        target = relabel(labelling, {"__path__": path}, env)
        if target is None:
            continue
        hits = [name for name, rules in (("plain", plain), ("gzip", gz)) if relabel(rules, target, env) is not None]
        assert len(hits) <= 1, f"{path} read by two sources"
        if hits:
            chosen[path] = hits[0]
    return chosen


POD_DIR = "var/log/pods/default_reid-job-reid-q2w3e_3f2a9c1e-8b7d-4e2f-9a1b-0c3d5e7f9a2b/reid"


def line_ids(data: bytes) -> set[int]:
    return {int(m) for m in re.findall(rb" line (\d{9}) ", data)}


class Reader:
    """loki.source.file after a restart: an offset per path, new paths from 0, gz through decompression."""

    def __init__(self, root: Path, env: dict | None = None):
        self.root, self.env, self.positions = root, env, {}

    def read(self) -> set[int]:
        got: set[int] = set()
        for path, source in select(self.root, self.env).items():
            raw = (self.root / path.lstrip("/")).read_bytes()
            if source == "gzip":
                raw = gzip.decompress(raw)
            pos = self.positions.get(path, 0)
            if len(raw) < pos:  # tailer.go: a file smaller than its saved offset is read from 0
                pos = 0
            got |= line_ids(raw[pos:])
            self.positions[path] = len(raw)
        return got


def test_every_kubelet_file_is_selected_once_and_gzip_through_decompression(tmp_path):
    k = Kubelet(tmp_path / POD_DIR / "0.log")
    k.write(6 * MAX_SIZE)
    names = sorted(p.name for p in (tmp_path / POD_DIR).iterdir())
    assert len(names) == MAX_FILES and names[0] == "0.log" and not names[-1].endswith(".gz")
    assert sum(n.endswith(".gz") for n in names) == MAX_FILES - 2
    (tmp_path / POD_DIR / (names[-1] + ".gz.tmp")).write_bytes(b"half")  # a compression in progress
    chosen = select(tmp_path)
    by_name = {p.rsplit("/", 1)[1]: s for p, s in chosen.items()}
    assert set(by_name) == set(names), "every log file the kubelet keeps is read, .tmp never"
    for name, source in by_name.items():
        assert source == ("gzip" if name.endswith(".gz") else "plain"), name
    # Opt-out: N.log only.
    only_live = select(tmp_path, {"ALLOY_READ_ROTATED": "false"})
    assert [p.rsplit("/", 1)[1] for p in only_live] == ["0.log"]


@pytest.mark.parametrize("outage_bytes,lossless", [(OUTAGE_BOUND - 2 * 1024 * 1024, True),
                                                   (OUTAGE_BOUND + MAX_SIZE + 2 * 1024 * 1024, False)])
def test_outage_bound(tmp_path, outage_bytes, lossless):
    k = Kubelet(tmp_path / POD_DIR / "0.log")
    reader = Reader(tmp_path)
    # Worst case: the outage starts when N.log is almost full and fully read.
    before = k.write(MAX_SIZE - 1024 * 1024)
    assert reader.read() == set(before)
    during = k.write(outage_bytes)
    # Alloy restarts when Loki is back (the worst case: no open file handles survive).
    got = Reader(tmp_path)
    got.positions = dict(reader.positions)
    recovered = got.read()
    # A restarted tailer starts N.log at its old offset if the new N.log is larger
    # (tailer.go); those lines are read when N.log is rotated, as a new path.
    k.write(MAX_SIZE)
    recovered |= got.read()
    missing = set(during) - recovered
    if lossless:
        assert not missing, f"{len(missing)} lines lost within the bound"
    else:
        assert missing, "beyond the bound the oldest rotated file is deleted before it is read"
        assert min(missing) == during[0], "the lines lost are the oldest of the outage"


def test_docs_state_the_outage_bound():
    from deploy_helpers import ROOT
    text = " ".join((ROOT / "docs/deploy.md").read_text().split())
    mib = OUTAGE_BOUND // (1024 * 1024)
    assert f"(containerLogMaxFiles − 1) × containerLogMaxSize = {mib} MiB" in text
    assert f"{mib} MiB / r" in text and "12 h out-of-order window" in text
