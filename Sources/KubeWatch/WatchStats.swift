import Foundation
import SednaCatalog
import Synchronization

/// Counters and health of every reflector, read by /metrics and /readyz.
public final class WatchStats: Sendable {
    public struct Resource: Sendable, Equatable {
        public var available = false
        public var synced = false
        public var consecutiveFailures = 0
        public var lastSync: Double?
        public var listResults: [String: Int] = [:]
        /// LIST items parsed, and left unparsed as unchanged (`RelistPage`).
        public var listItems: [String: Int] = [:]
        public var watchResults: [String: Int] = [:]
        public var events: [String: Int] = [:]
        public var lastError: String?

        public init() {}
    }

    /// A watch failing this many times in a row makes the exporter not ready: its data may be stale.
    public static let failureThreshold = 3

    private let state = Mutex<[WatchedResource: Resource]>([:])
    private let discoveryOK = Mutex<Bool>(false)

    public init() {}

    public func update(_ r: WatchedResource, _ f: (inout Resource) -> Void) {
        state.withLock { f(&$0[r, default: Resource()]) }
    }

    public func snapshot() -> [WatchedResource: Resource] { state.withLock { $0 } }

    public func setDiscovered(_ ok: Bool) { discoveryOK.withLock { $0 = ok } }

    /// Ready when discovery has worked once and every available resource has synced and is
    /// not failing repeatedly. Absent CRDs do not block readiness.
    public func readiness(expected: [WatchedResource]) -> (ready: Bool, reasons: [String]) {
        var reasons: [String] = []
        if !discoveryOK.withLock({ $0 }) { reasons.append("API discovery has not succeeded yet") }
        let snap = snapshot()
        for r in expected {
            let s = snap[r] ?? Resource()
            if !r.isOptional || s.available {
                if !s.synced { reasons.append("\(r): initial LIST not complete") }
                if s.consecutiveFailures >= Self.failureThreshold {
                    reasons.append("\(r): \(s.consecutiveFailures) consecutive failures (\(s.lastError ?? "unknown"))")
                }
            }
        }
        return (reasons.isEmpty, reasons)
    }

    public static func now() -> Double { Date().timeIntervalSince1970 }
}
