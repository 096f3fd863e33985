import SednaCatalog

/// Where a worker's report to its effective `LC_SERVER` ends up.
public enum ReportRoute: String, Sendable, Equatable, CaseIterable {
    /// `http://$(SEDNA_RELAY_HOST_IP):9480`: the node's relay, which forwards it to the LC
    /// and spools a copy for the exporter.
    case relay
    /// `localhost:9100` from a host-network pod: the node's LC itself.
    case localController
    /// `localhost:9100` from a pod with its own network namespace (joint inference edge
    /// workers): nothing listens there, the report is lost (`LCClient.send` retries, then logs).
    case lost

    /// The route of a report sent by a worker with this env, on host network or not.
    static func of(env: [JSON], hostNetwork: Bool) -> ReportRoute {
        guard let server = WorkerEnv.effective("LC_SERVER", in: env) else { return .lost }
        if server.contains("$(\(WorkerEnv.relayHostVariable))") { return .relay }
        return hostNetwork ? .localController : .lost
    }

    /// Whether the LC (and so the GM) gets the report.
    public var reachesLC: Bool { self != .lost }
}
