extension Double {
    /// A whole number as an integer (`3`, not `3.0`), the way Prometheus' text format, Go's
    /// `encoding/json` and Grafana write it; nil for fractions, non-finite values and magnitudes
    /// from 1e15 on (where `Double`'s own text is exact and shorter).
    public var wholeNumberText: String? {
        guard isFinite, self == rounded(), abs(self) < 1e15 else { return nil }
        return String(Int64(self))
    }
}

extension Duration {
    /// The duration in seconds, for self-metrics and logs.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
