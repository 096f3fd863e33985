import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SednaCatalog
import ServerSupport
import SimulatedCluster

/// Delivers the simulated workers' telemetry over HTTP, in order, the way real workers do it:
/// Sedna reports as JSON POSTs to the worker's effective `LC_SERVER` (the relay with the
/// capture route, the LC stand-in for a host-network worker without it; a report whose
/// `LC_SERVER` leads nowhere is only counted as lost), training figures as Pushgateway-style
/// PUTs to the exporter's intake (what prometheus_client's `push_to_gateway` sends; user
/// instrumentation in training code, not Sedna). Reports carry no token, as Sedna's
/// `LCClient` sends none; pushes carry the intake's.
///
/// Each batch waits `delay` before it is sent, so that the exporter has seen the worker's pod
/// through its watch first (a report for a pod the exporter does not know yet cannot be tied
/// to its task). Failures are counted and logged at most every 30 s; a simulated worker,
/// like a real one, does not stop because the intake is away.
actor TelemetrySender {
    struct Counts: Sendable { var sent = 0, rejected = 0, failed = 0, dropped = 0, lost = 0 }

    /// Where each kind of item goes; nil: nowhere (counted as dropped).
    struct Targets: Sendable {
        var intake: String?
        var relay: String?
        var localController: String?
    }

    let targets: Targets
    let token: String?
    let delay: Double
    let maxQueued: Int
    let lanes: Int
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)
    private let logger: Logger
    private var queue: [(due: ContinuousClock.Instant, item: WorkerTelemetry)] = []
    private var head = 0
    private(set) var counts = Counts()
    private var lastWarning: ContinuousClock.Instant? = nil
    private var lastSummary = ContinuousClock.now

    init(targets: Targets, token: String?, delay: Double, maxQueued: Int = 20_000, lanes: Int = 8, logger: Logger) {
        func trimmed(_ url: String?) -> String? { url.map(BaseURL.trimmed) }
        self.targets = Targets(intake: trimmed(targets.intake), relay: trimmed(targets.relay),
                               localController: trimmed(targets.localController))
        self.token = token
        self.delay = delay
        self.maxQueued = maxQueued
        self.lanes = lanes
        self.logger = logger
    }

    func enqueue(_ items: [WorkerTelemetry]) {
        let due = ContinuousClock.now + .seconds(delay)
        for item in items { queue.append((due, item)) }
        let backlog = queue.count - head
        if backlog > maxQueued {
            // The intake has been away for long: keep the newest, as a worker's own retry
            // buffer would, and say how much was dropped.
            head += backlog - maxQueued
            counts.dropped += backlog - maxQueued
        }
        if head > 4_096 { queue.removeFirst(head); head = 0 }
    }

    /// Sends every due item; returns when the queue holds only items not yet due. Items go out
    /// on `lanes` parallel connections, one lane per worker (by a hash of its name), so that
    /// each worker's messages keep their order while many workers talk at once, as in a cluster.
    func drain() async {
        if ContinuousClock.now - lastSummary >= .seconds(60) { summarize() }
        var due: [[WorkerTelemetry]] = Array(repeating: [], count: lanes)
        while head < queue.count, queue[head].due <= ContinuousClock.now {
            let item = queue[head].item
            head += 1
            due[Self.lane(of: item, lanes: lanes)].append(item)
        }
        await withTaskGroup(of: Void.self) { group in
            for items in due where !items.isEmpty {
                group.addTask {
                    for item in items { await self.send(item) }
                }
            }
        }
    }

    /// The lane of an item: FNV-1a of the worker (reports) or pod (pushes).
    static func lane(of item: WorkerTelemetry, lanes: Int) -> Int {
        let key: String
        switch item {
        case .report(let worker, _, _): key = worker
        case .push(_, _, let pod, _), .deletePush(_, _, let pod): key = pod
        }
        return Int(FNV1a.hash(key) % UInt64(max(1, lanes)))
    }

    func shutdown() async {
        summarize()
        try? await client.shutdown()
    }

    /// One line with the totals, among them the reports lost on the way to an LC that does
    /// not listen where the worker looks (JI edge workers without the capture route).
    func summarize() {
        lastSummary = ContinuousClock.now
        logger.info("worker telemetry so far", metadata: metadata)
    }

    /// The base URL an item goes to, and whether it carries the intake's token; nil: nowhere.
    static func destination(of item: WorkerTelemetry, _ targets: Targets) -> (base: String, withToken: Bool)? {
        switch item {
        case .report(_, _, .relay): return targets.relay.map { ($0, false) }
        case .report(_, _, .localController): return targets.localController.map { ($0, false) }
        case .report(_, _, .lost): return nil
        case .push, .deletePush: return targets.intake.map { ($0, true) }
        }
    }

    private func send(_ item: WorkerTelemetry) async {
        guard let destination = Self.destination(of: item, targets) else {
            if case .report(_, _, .lost) = item { counts.lost += 1 } else { counts.dropped += 1 }
            return
        }
        let base = destination.base
        let (method, path, body, contentType) = Self.request(for: item)
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if destination.withToken, let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            let text = try? await response.body.collect(upTo: 64 << 10)
            if (200..<300).contains(Int(response.status.code)) {
                counts.sent += 1
            } else {
                counts.rejected += 1
                warn("\(SimulatorApp.redact(base)) rejected \(method) \(path): HTTP \(response.status.code) \(text.map { String(buffer: $0).prefix(200) } ?? "")")
            }
        } catch {
            counts.failed += 1
            warn("\(SimulatorApp.redact(base)) unreachable (\(method) \(path)): \(error)")
        }
    }

    private func warn(_ message: String) {
        let now = ContinuousClock.now
        if let last = lastWarning, now - last < .seconds(30) { return }
        lastWarning = now
        logger.warning("\(message)", metadata: metadata)
    }

    var metadata: Logger.Metadata {
        ["sent": "\(counts.sent)", "rejected": "\(counts.rejected)", "failed": "\(counts.failed)",
         "dropped": "\(counts.dropped)", "lost_reports": "\(counts.lost)"]
    }

    /// Method, path, body and content type of one telemetry item (pure, tested).
    static func request(for item: WorkerTelemetry) -> (HTTPMethod, String, [UInt8]?, String) {
        switch item {
        case .report(let worker, let body, _):
            return (.POST, "/sedna/workers/\(segment(worker))/info", encode(body), "application/json")
        case .push(let job, let namespace, let pod, let exposition):
            return (.PUT, groupPath(job, namespace, pod), Array(exposition.utf8), "text/plain; version=0.0.4; charset=utf-8")
        case .deletePush(let job, let namespace, let pod):
            return (.DELETE, groupPath(job, namespace, pod), nil, "")
        }
    }

    static func groupPath(_ job: String, _ namespace: String, _ pod: String) -> String {
        "/metrics/" + [("job", job), ("namespace", namespace), ("pod", pod)].map { name, value in
            label(name, value)
        }.joined(separator: "/")
    }

    /// A grouping-key pair in the Pushgateway's URL syntax: `name/value`, or `name@base64/...`
    /// when the value is empty or holds a slash (what prometheus_client does too).
    static func label(_ name: String, _ value: String) -> String {
        if value.isEmpty || value.contains("/") {
            let b64 = Data(value.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return "\(name)@base64/\(b64.isEmpty ? "=" : b64)"
        }
        return "\(name)/\(segment(value))"
    }

    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? s
    }
}
