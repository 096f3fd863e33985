import Exposition
import Foundation
import SednaCatalog

/// The intake's logic behind its HTTP endpoints: a worker report is decoded, tied to its task
/// (and pod) through the `WorkerDirectory`, and stored, or held until its pod or task is watched;
/// a relay batch is admitted in sequence order and acknowledged; a push is bound to its task or
/// pod from its grouping key and stored. The HTTP layer only authenticates, reads (and
/// decompresses) bodies and turns the results and `IntakeError`s into responses; the exporter
/// forwards deletions from its inventory to `removed(_:)` and additions to `retryHeld(now:)`.
///
/// The relay and push endpoints also take their body as a closure so that every check that needs
/// no body runs first, in the order the endpoints have always answered (a wrong relay name is a
/// 400 whatever the body); the variants taking bytes serve tests and the simulated world.
public final class IntakeService: Sendable {
    /// What became of a report tied (or not) to a task.
    public enum Ingestion: Sendable, Equatable {
        /// Stored under its task (and pod, when singled out).
        case stored(TaskResolver.Resolution)
        /// Held until its pod or task is watched.
        case held
        /// Not tied and not held (holding is off): counted `unresolved`, dropped.
        case unresolved
    }

    /// The answer to a direct worker report.
    public enum ReportAnswer: Sendable, Equatable {
        case accepted(WorkerReport, Ingestion)
        /// The body names another worker than the path; the LC answers 400 in this case too
        /// (`pkg/localcontroller/server/server.go`), with its own JSON shape.
        case workerNameMismatch(String)
    }

    public let store: IntakeStore
    let directory: any WorkerDirectory
    /// Told about each report that was held or left unresolved (the exporter logs them).
    let observer: (@Sendable (WorkerReport, Ingestion) -> Void)?

    public init(store: IntakeStore, directory: any WorkerDirectory,
                observer: (@Sendable (WorkerReport, Ingestion) -> Void)? = nil) {
        self.store = store
        self.directory = directory
        self.observer = observer
    }

    // MARK: worker reports

    /// A report posted by a worker (`POST /sedna/workers/<worker>/info`). `peer` is the
    /// request's remote address: the worker's own pod IP when it reaches the exporter directly.
    public func report(worker: String, peer: String?, contentType: String?, body: [UInt8],
                       now: Double) throws(IntakeError) -> ReportAnswer {
        if let ct = contentType, !Self.mentions(ct, "json") {
            throw IntakeError(415, "content type must be application/json, got \(ct.prefix(80))")
        }
        let r = try WorkerReport.decode(body)
        guard r.name == worker else {
            return .workerNameMismatch("worker name in the body (\(r.name.prefix(80))) differs from the path")
        }
        return .accepted(r, try ingest(r, peer: peer, now: now))
    }

    /// Reports from an edge relay (`POST /sedna/relay/<relay>/reports`): `{"reports": [{"seq": N,
    /// "worker": "...", "body": <the worker's JSON, as an object or as text>, "peer": "<worker
    /// IP>", "node": "<node>"}]}` (peer and node optional) in sequence order. Returns the highest
    /// sequence number accepted from this relay, which the relay may then drop from its spool.
    /// A report held for its pod or task, or unusable, still counts as accepted: one bad report
    /// must not block the relay's queue, and a held one must not be sent again. The relay name is
    /// checked before the body is read.
    public func relayBatch(relay: String, now: Double, body: () async throws -> [UInt8]) async throws -> UInt64 {
        try Self.checkRelayName(relay)
        let bytes = try await body()
        return try relayBatch(relay: relay, body: bytes, now: now)
    }

    /// `relayBatch` with the body at hand.
    public func relayBatch(relay: String, body: [UInt8], now: Double) throws(IntakeError) -> UInt64 {
        try Self.checkRelayName(relay)
        let batch: JSON
        do { batch = try JSON.decode(body) } catch { throw IntakeError(400, "relay batch is not valid JSON") }
        guard let reports = batch["reports"].array else { throw IntakeError(400, "relay batch needs a \"reports\" array") }
        // The relay's spool incarnation (absent from relays that predate it): see RelayLedger.
        let incarnation = batch["incarnation"].string
        if !batch["incarnation"].isNull && (incarnation.map { $0.isEmpty || $0.utf8.count > 64 } ?? true) {
            throw IntakeError(400, "a relay batch's \"incarnation\" must be a string of 1 to 64 bytes")
        }
        for entry in reports {
            guard let seqNumber = entry["seq"].number, seqNumber >= 1, seqNumber < 9e15, let worker = entry["worker"].string,
                  entry["body"].string != nil || entry["body"].object != nil else {
                throw IntakeError(400, "each relayed report needs seq, worker and body")
            }
            if !entry["peer"].isNull && entry["peer"].string == nil { throw IntakeError(400, "a relayed report's \"peer\" must be a string") }
            guard store.relays.admit(relay: relay, incarnation: incarnation, seq: UInt64(seqNumber)) else { continue }
            do {
                let bytes: [UInt8]
                if let text = entry["body"].string { bytes = Array(text.utf8) } else { bytes = JSONWriter.compact.bytes(entry["body"]) }
                let r = try WorkerReport.decode(bytes)
                guard r.name == worker else { throw IntakeError(400, "worker name differs") }
                try ingest(r, peer: entry["peer"].string.flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }, now: now)
            } catch {
                store.countReport(kind: "unknown", outcome: "relay_rejected")
            }
        }
        return store.relays.last(relay: relay)
    }

    public static func checkRelayName(_ relay: String) throws(IntakeError) {
        guard !relay.isEmpty, relay.utf8.count <= 253 else { throw IntakeError(400, "invalid relay name") }
    }

    /// Ties a report to its task and stores it, or holds it until its pod or task is watched
    /// (counted unresolved only when holding is off).
    @discardableResult
    public func ingest(_ r: WorkerReport, peer: String?, now: Double) throws(IntakeError) -> Ingestion {
        if let res = resolve(r, peer: peer) {
            try store.report(r, kind: res.kind, task: res.task, pod: res.pod, miningMode: res.miningMode, now: now)
            store.countReport(kind: res.kind.rawValue, outcome: res.outcome)
            return .stored(res)
        }
        let outcome: Ingestion
        if store.holdsReports {
            store.hold(r, peer: peer, now: now)
            outcome = .held
        } else {
            store.countReport(kind: IntakeStore.unresolvedKind(r), outcome: "unresolved")
            outcome = .unresolved
        }
        observer?(r, outcome)
        return outcome
    }

    /// The task (and pod) a report belongs to, or nil while neither is watched (the sharded
    /// intake asks it to find a report's owner shard before handling it).
    public func resolve(_ r: WorkerReport, peer: String?) -> TaskResolver.Resolution? {
        TaskResolver.resolve(r, peer: peer, pods: directory.workerPods(namespace: r.namespace),
                             taskExists: { kind, name in directory.hasTask(kind, namespace: r.namespace, name: name) },
                             taskKinds: { name in directory.taskKinds(namespace: r.namespace, name: name) })
    }

    /// Ties the held reports whose pod or task is now watched; returns how many were stored.
    @discardableResult
    public func retryHeld(now: Double) -> Int {
        guard store.heldCount > 0 else { return 0 }
        return store.retryHeld(now: now) { e in resolve(e.report, peer: e.peer) }
    }

    // MARK: pushes

    /// A push resolved up to its body: the grouping key and what it is bound to.
    struct PushTarget {
        let key: GroupingKey
        let binding: IntakeStore.Binding
        let taskLabels: [(String, String)]
    }

    /// A Pushgateway-style request on `/metrics/job/<job>{/<label>/<value>}` (`path` is what
    /// follows `/metrics/`, split on `/` and percent-decoded). PUT replaces the group, POST the
    /// families it names, DELETE removes the group (and reads no body); the grouping key and the
    /// content type are checked before the body is read. Returns the binding the grouping key
    /// got (unbound: neither task nor pod).
    @discardableResult
    public func push(_ method: IntakeStore.Method, path: [String], contentType: String?, now: Double,
                     body: () async throws -> [UInt8]) async throws -> IntakeStore.Binding {
        let target = try pushTarget(method, path: path, contentType: contentType)
        var bytes: [UInt8] = []
        if method != .delete { bytes = try await body() }
        return try apply(method, target, body: bytes, now: now)
    }

    /// `push` with the body at hand (empty for DELETE).
    @discardableResult
    public func push(_ method: IntakeStore.Method, path: [String], contentType: String?, body: [UInt8],
                     now: Double) throws(IntakeError) -> IntakeStore.Binding {
        try apply(method, try pushTarget(method, path: path, contentType: contentType), body: body, now: now)
    }

    func pushTarget(_ method: IntakeStore.Method, path: [String], contentType: String?) throws(IntakeError) -> PushTarget {
        let key = try GroupingKey.parse(path, limits: store.limits)
        let namespace = key.value("namespace") ?? ""
        let bound = PushBinder.bind(key, pod: { directory.workerPod(namespace: namespace, pod: $0) }) { kind, name in
            directory.hasTask(kind, namespace: namespace, name: name)
        }
        if method != .delete, let ct = contentType, Self.mentions(ct, "protobuf") {
            throw IntakeError(415, "protobuf pushes are not supported; send text format 0.0.4")
        }
        return PushTarget(key: key, binding: bound.binding, taskLabels: bound.taskLabels)
    }

    /// Whether a content type names `word` (lower-case ASCII), ignoring ASCII case. On the
    /// bytes: `String.contains` with Foundation imported goes through `NSString.range(of:)`,
    /// 3 % of a push's CPU (docs/benchmarks.md, session 13).
    static func mentions(_ contentType: String, _ word: String) -> Bool {
        let hay = Array(contentType.utf8), needle = Array(word.utf8)
        guard hay.count >= needle.count else { return false }
        for start in 0...(hay.count - needle.count) {
            var k = 0
            while k < needle.count {
                let b = hay[start + k]
                if (b >= 65 && b <= 90 ? b | 0x20 : b) != needle[k] { break }
                k += 1
            }
            if k == needle.count { return true }
        }
        return false
    }

    func apply(_ method: IntakeStore.Method, _ t: PushTarget, body: [UInt8], now: Double) throws(IntakeError) -> IntakeStore.Binding {
        var families: [TextParser.Family] = []
        if method != .delete {
            do { families = try TextParser.parse(body) } catch { throw IntakeError(400, "text format: \(error)") }
        }
        try store.push(method, key: t.key, families: families, binding: t.binding, taskLabels: t.taskLabels, now: now)
        return t.binding
    }

    // MARK: lifecycle and exposition

    /// A task or pod was deleted: drop the reports and groups bound to it.
    public func removed(_ id: Inventory.Identity) { store.removed(id, now: Date().timeIntervalSince1970) }

    /// Drops what has aged out (held reports, unbound groups); the scrape calls it before rendering.
    public func expire(now: Double) { store.expire(now: now) }

    /// Counts one answer of an intake endpoint: `report`, `relay`, `push` (PUT, POST) or `delete`.
    public func countResponse(endpoint: String, code: Int) { store.countResponse(endpoint: endpoint, code: code) }

    /// The scrape with the intake in it: worker reports join the object families; the exporter's
    /// `sections` come next, then the intake's counters and the pushed groups. Without `pushes`
    /// the pushed groups are left out, for a caller that sends `store.pushSection(format:)`
    /// itself right after the scrape's sections (and before OpenMetrics' `# EOF`).
    public func scrape(objects: MetricsStore, sections: [any ExpositionSection] = [], pushes: Bool = true) -> Scrape {
        Scrape(objects: objects, workerReports: store.workerRenderings(),
               sections: sections + [IntakeStore.SelfMetricsSection(store: store)]
                   + (pushes ? [IntakeStore.PushSection(store: store)] : []))
    }
}

extension IntakeStore {
    /// `sedna_intake_*` (`SelfMetrics.intakeFamilies`).
    public struct SelfMetricsSection: ExpositionSection {
        let store: IntakeStore
        public func write(format: ExpositionFormat, into out: inout [UInt8]) { store.writeSelfMetrics(format: format, into: &out) }
    }

    /// The pushed groups and their `push_time_seconds`.
    public struct PushSection: ExpositionSection {
        let store: IntakeStore
        public func write(format: ExpositionFormat, into out: inout [UInt8]) { store.writePushes(format: format, into: &out) }
    }
}
