import Foundation

/// How times and numbers read on the status pages.
enum StatusFormat {
    /// "45s", "3m 12s", "2h 5m", "4d 3h": an age at a glance.
    static func age(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = max(0, Int(seconds.rounded(.down)))
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m \(s % 60)s"
        case ..<86400: return "\(s / 3600)h \(s % 3600 / 60)m"
        default: return "\(s / 86400)d \(s % 86400 / 3600)h"
        }
    }

    /// "12s ago" from a Unix time, or "never".
    static func ago(_ time: Double?, now: Double) -> String {
        guard let time else { return "never" }
        return age(now - time) + " ago"
    }

    /// The absolute time, for a tooltip (ISO 8601, UTC).
    static func absolute(_ time: Double?) -> String? {
        guard let time, time.isFinite else { return nil }
        return Date(timeIntervalSince1970: time).ISO8601Format()
    }

    /// Integers without a fraction, other values with at most four significant decimals.
    static func number(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.4g", v)
    }

    /// Bytes as B, KiB, MiB.
    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return String(format: "%.1f KiB", Double(n) / 1024) }
        return String(format: "%.1f MiB", Double(n) / 1_048_576)
    }
}
