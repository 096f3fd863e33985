import SednaCatalog

/// The node dashboard: cloud and edge nodes of the KubeEdge cluster from node-exporter,
/// scraped on cloud nodes and remote-written by the edge nodes' Prometheus agents
/// (docs/edge-node-monitoring.md). Per node, not per task: its panels use the `location` and
/// `node` variables; Loki, namespace and task are hidden and only carried through the links.
extension Dashboards {
    public static let nodesUID = "sedna-nodes"

    /// Recording rules of deploy/prometheus/rules/nodes.yaml (hand-written with the node alerts)
    /// that the node dashboard reads.
    public static let nodeRecords = ["sedna_node:last_sample_timestamp_seconds"]

    /// Real filesystems and physical or tunnel interfaces, as in the node alerts.
    static let realFilesystems = "fstype!~\"tmpfs|ramfs|squashfs|overlay|nsfs|fuse.*\", mountpoint!~\"/run($|/.*)|/boot.*\""
    static let realInterfaces = "device!~\"lo|veth.*|cali.*|cni.*|flannel.*|docker.*|edgemesh.*\""

    /// A per-node time series with the legend as a table on the right (last and max).
    static func nodeSeries(_ title: String, _ description: String, unit: String, _ queries: [DashQuery],
                           w: Int = 12, h: Int = 8, needs: QueryNeeds = .nodeExporter, percent: Bool = false) -> DashPanel {
        var p = DashPanel("timeseries", title, description, unit: unit, queries, w: w, h: h, needs: needs)
        p.extraOptions = [("legend", ["displayMode": "table", "placement": "right", "showLegend": true,
                                      "calcs": ["lastNotNull", "max"]])]
        if percent {
            p.minValue = 0
            p.maxValue = 1
        }
        return p
    }

    /// The `limit` busiest series of a per-node query: hundreds of edge nodes stay readable.
    static func top(_ expr: String, _ limit: Int = 10) -> String { "topk(\(limit), \(expr))" }

    static func nodes(_ settings: ArtifactSettings) -> DashboardSpec {
        let sel = "location=~\"$location\", node=~\"$node\""
        let agent = "job=\"prometheus-agent\", location=\"edge\", node=~\"$node\""

        var reporting = DashPanel("stat", "Nodes reporting",
                                  "Nodes whose node-exporter data is current, by location. Cloud nodes are scraped by the cloud Prometheus; edge nodes push through their Prometheus agent.",
                                  unit: "none", [DashQuery("count by (location) (node_uname_info{job=\"node-exporter\", \(sel)})", legend: "{{location}} reporting"),
                                                 DashQuery("count by (location) (sedna_node_info{\(sel)})", legend: "{{location}} expected")],
                                  w: 6, h: 6, needs: .nodeExporter)
        reporting.description += " Expected: the nodes the API server knows (sedna_node_info); fewer reporting than expected is a node without node-exporter or an edge agent that stopped sending."
        reporting.thresholds = [(nil, "blue")]
        reporting.extraOptions = [("textMode", "value_and_name")]

        var lastSample = DashPanel("bargauge", "Edge nodes: age of the last sample",
                                   "Seconds since the newest node-exporter sample of each edge node reached this Prometheus (recording rule sedna_node:last_sample_timestamp_seconds, kept for a day). Above 10 minutes SednaEdgeNodeStoppedSending fires; the agent's WAL keeps the samples and sends them when the link returns.",
                                   unit: "s", [DashQuery("topk(20, time() - max by (node, site) (max_over_time(sedna_node:last_sample_timestamp_seconds{location=\"edge\", node=~\"$node\"}[1d])))", legend: "{{node}} ({{site}})")],
                                   w: 9, h: 6, needs: .nodeExporter)
        lastSample.minValue = 0
        lastSample.thresholds = [(nil, "green"), (120, "orange"), (600, "red")]
        lastSample.colorMode = "thresholds"
        lastSample.extraOptions = [("displayMode", "basic")]

        var synced = DashPanel("stat", "Clock synchronised",
                               "1 when the kernel reports the clock synchronised to NTP (node_timex_sync_status), 0 when not.",
                               unit: "bool_yes_no", [DashQuery("min by (node) (node_timex_sync_status{\(sel)})", legend: "{{node}}")],
                               w: 12, h: 8, needs: .nodeExporter)
        synced.thresholds = [(nil, "red"), (1, "green")]
        synced.colorMode = "thresholds"
        synced.extraOptions = [("textMode", "value_and_name"), ("colorMode", "background")]

        let location: DocumentValue = [
            "name": "location", "label": "Location", "type": "custom", "query": "cloud,edge",
            "multi": true, "includeAll": true, "allValue": "cloud|edge",
            "current": ["selected": true, "text": ["All"], "value": ["$__all"]],
            "hide": 0, "options": [
                ["selected": true, "text": "All", "value": "$__all"],
                ["selected": false, "text": "cloud", "value": "cloud"],
                ["selected": false, "text": "edge", "value": "edge"],
            ],
        ]
        let node = DashboardRenderer.queryVariable("node", "Node", "label_values(node_uname_info{\(ClusterFilter.matcher(settings.clusterLabel)), job=\"node-exporter\", location=~\"$location\"}, node)", multi: true)
            .setting("current", ["selected": true, "text": ["All"], "value": ["$__all"]])

        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/nodes.json", uid: nodesUID, title: "Sedna / Nodes (cloud and edge)",
            description: "Cloud and edge nodes of the KubeEdge cluster: CPU, memory, disk, network, clock and the state of the edge Prometheus agents. Cloud nodes are scraped; edge nodes push through a Prometheus agent (docs/edge-node-monitoring.md).",
            tags: ["sedna", "nodes", "kubeedge"], taskKind: nil, taskMulti: true, panels: [
                .row("Overview"),
                reporting,
                lastSample,
                nodeSeries("Edge agents: unsent backlog",
                           "How far the newest sample an edge agent wrote to its WAL is ahead of the newest one it has sent (prometheus_remote_storage_highest_timestamp_in_seconds - prometheus_remote_storage_queue_highest_sent_timestamp_seconds). It grows during an outage and falls to seconds while the agent catches up; these values themselves arrive only once the link works.",
                           unit: "s", [DashQuery("max by (node) (prometheus_remote_storage_highest_timestamp_in_seconds{\(agent)}) - max by (node) (prometheus_remote_storage_queue_highest_sent_timestamp_seconds{\(agent)})", legend: "{{node}}")],
                           w: 9, h: 6, needs: .edgeAgent),
                .row("CPU"),
                nodeSeries("CPU busy", "Share of CPU time not idle, averaged over the node's cores.", unit: "percentunit",
                           [DashQuery(top("1 - avg by (node) (rate(node_cpu_seconds_total{mode=\"idle\", \(sel)}[$__rate_interval]))"), legend: "{{node}}")], percent: true),
                nodeSeries("Load per core", "1-minute load average divided by the number of cores; above 1 processes wait for CPU.", unit: "none",
                           [DashQuery(top("max by (node) (node_load1{\(sel)}) / count by (node) (node_cpu_seconds_total{mode=\"idle\", \(sel)})"), legend: "{{node}}")]),
                .row("Memory"),
                nodeSeries("Memory used", "1 - MemAvailable/MemTotal. SednaNodeMemoryPressure fires below 10 % available for 15 minutes.", unit: "percentunit",
                           [DashQuery(top("1 - node_memory_MemAvailable_bytes{\(sel)} / node_memory_MemTotal_bytes{\(sel)}"), legend: "{{node}}")], w: 8, percent: true),
                nodeSeries("Memory available", "Memory the kernel can give to new processes without swapping (MemAvailable).", unit: "bytes",
                           [DashQuery("bottomk(10, node_memory_MemAvailable_bytes{\(sel)})", legend: "{{node}}")], w: 8),
                nodeSeries("Major page faults", "Page faults that had to read from disk, per second (the 10 highest nodes): sustained high values mean memory pressure (thrashing).", unit: "cps",
                           [DashQuery(top("rate(node_vmstat_pgmajfault{\(sel)}[$__rate_interval])"), legend: "{{node}}")], w: 8),
                .row("Disk"),
                nodeSeries("Disk space used", "Used share of each real filesystem (tmpfs, overlay and similar excluded). SednaEdgeNodeDiskFillingUp fires when an edge node hosting Sedna workers is below 20 % free and fills within 24 hours at the 6-hour trend.",
                           unit: "percentunit", [DashQuery(top("1 - node_filesystem_avail_bytes{\(sel), \(realFilesystems)} / node_filesystem_size_bytes{\(sel), \(realFilesystems)}"), legend: "{{node}} {{mountpoint}}")],
                           percent: true),
                nodeSeries("Disk I/O", "Bytes read (positive) and written (negative) per second, per node.", unit: "Bps", [
                    DashQuery(top("sum by (node) (rate(node_disk_read_bytes_total{\(sel)}[$__rate_interval]))"), legend: "{{node}} read"),
                    DashQuery("-" + top("sum by (node) (rate(node_disk_written_bytes_total{\(sel)}[$__rate_interval]))"), legend: "{{node}} written"),
                ]),
                .row("Network"),
                nodeSeries("Network received", "Bytes received per second on physical and tunnel interfaces (loopback and pod veths excluded).", unit: "Bps",
                           [DashQuery(top("sum by (node) (rate(node_network_receive_bytes_total{\(sel), \(realInterfaces)}[$__rate_interval]))"), legend: "{{node}}")]),
                nodeSeries("Network transmitted", "Bytes sent per second on physical and tunnel interfaces; on edge nodes this includes the agent's remote write.", unit: "Bps",
                           [DashQuery(top("sum by (node) (rate(node_network_transmit_bytes_total{\(sel), \(realInterfaces)}[$__rate_interval]))"), legend: "{{node}}")]),
                .row("Time"),
                nodeSeries("Clock offset", "Absolute offset (the 10 largest) of the node clock estimated by the kernel's NTP discipline (node_timex_offset_seconds). Edge samples carry the edge node's time: SednaNodeClockSkew fires beyond 50 ms.", unit: "s",
                           [DashQuery(top("abs(node_timex_offset_seconds{\(sel)})"), legend: "{{node}}")]),
                synced,
                .row("Edge agents"),
                nodeSeries("Agent active series", "Series each edge agent keeps in its WAL (prometheus_agent_active_series): the input for sizing the WAL and the uplink (docs/edge-node-monitoring.md).", unit: "short",
                           [DashQuery("prometheus_agent_active_series{\(agent)}", legend: "{{node}}")], needs: .edgeAgent),
                nodeSeries("Agent samples sent", "Samples per second each edge agent delivered to the central Prometheus; after an outage it rises above the scrape rate while the backlog drains.", unit: "cps",
                           [DashQuery("sum by (node) (rate(prometheus_remote_storage_samples_total{\(agent)}[$__rate_interval]))", legend: "{{node}}")], needs: .edgeAgent),
            ])
        spec.leadingVariables = [location, node]
        spec.taskVariablesHidden = true
        return spec
    }
}
