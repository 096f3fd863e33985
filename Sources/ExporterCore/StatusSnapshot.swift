import Exposition
import Foundation
import Intake
import KubeWatch
import SednaCatalog
import StatusPage

/// The one place the status page reads the exporter's state: the inventory's task and worker
/// summaries, the intake's reports and groups, the watches and readiness. Each source is copied
/// under its own lock (copy-on-write dictionaries: cheap) and everything else, sorting and
/// rendering, happens after, so opening the page during a large scrape does not slow it.
extension MetricsEndpoint {
    public func statusSnapshot(now: Double = Date().timeIntervalSince1970) -> StatusSnapshot {
        var s = StatusSnapshot(now: now)
        s.version = ExporterVersion.version
        let ready = readiness
        s.ready = ready.ready
        s.readinessReasons = ready.reasons
        let watches = stats.snapshot()
        s.watches = resources.map { r in
            let w = watches[r] ?? WatchStats.Resource()
            return .init(resource: r.description, available: w.available, synced: w.synced,
                         consecutiveFailures: w.consecutiveFailures, lastError: w.lastError, lastSync: w.lastSync)
        }
        let (tasks, workers) = inventory.summaries()
        s.tasks = Array(tasks.values)
        s.workers = Array(workers.values)
        if let intake {
            let v = intake.store.statusView()
            var i = StatusSnapshot.Intake()
            i.reports = v.reports.map { r in
                StatusSnapshot.Report(namespace: r.namespace, worker: r.worker, kind: Self.kindName(r.binding.task),
                                      task: r.binding.task?.name ?? "", pod: r.binding.pod?.name, phase: r.phase,
                                      status: r.status, time: r.time)
            }
            i.held = v.held.map { e in
                StatusSnapshot.HeldReport(namespace: e.report.namespace, worker: e.report.name, ownerKind: e.report.ownerKind,
                                          ownerName: e.report.ownerName, peer: e.peer, since: e.since)
            }
            i.groups = v.groups.map { g in
                StatusSnapshot.PushedGroup(labels: g.labels.map { .init($0.name, $0.value) }, series: g.series, pushTime: g.pushTime,
                                           kind: g.binding.task.map { Self.kindName($0) }, task: g.binding.task?.name,
                                           pod: g.binding.pod?.name)
            }
            let reports: [StatusSnapshot.Counter] = v.reportCounts.sorted { ($0.kind, $0.outcome) < ($1.kind, $1.outcome) }.map {
                StatusSnapshot.Counter(name: "sedna_intake_reports_total", labels: [.init("kind", $0.kind), .init("outcome", $0.outcome)],
                                       value: Double($0.count))
            }
            let pushes: [StatusSnapshot.Counter] = v.pushCounts.sorted { ($0.method, $0.result) < ($1.method, $1.result) }.map {
                StatusSnapshot.Counter(name: "sedna_intake_pushes_total", labels: [.init("method", $0.method), .init("result", $0.result)],
                                       value: Double($0.count))
            }
            let relays: [StatusSnapshot.Counter] = intake.store.relays.counts().map {
                StatusSnapshot.Counter(name: "sedna_intake_relay_reports_total", labels: [.init("relay", $0.relay), .init("result", $0.result)],
                                       value: Double($0.count))
            }
            i.counters = reports + pushes + relays
            s.intake = i
        }
        return s
    }

    static func kindName(_ id: Inventory.Identity?) -> String {
        if case .sedna(let kind) = id?.resource { return kind.rawValue }
        return ""
    }
}
