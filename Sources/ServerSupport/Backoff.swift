/// Capped exponential backoff with jitter, as client-go's reflector uses (800 ms doubling to
/// 30 s, up to +100 % jitter). Pure: the random part is passed in so tests can pin it.
public struct Backoff: Sendable, Equatable {
    public var initial: Double
    public var cap: Double
    public var jitter: Double
    public private(set) var attempt: Int = 0

    public init(initial: Double = 0.8, cap: Double = 30, jitter: Double = 1.0) {
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
    }

    /// The delay before the next try, in seconds; `random` is uniform in 0..<1.
    public mutating func next(random: Double) -> Double {
        let base = min(cap, initial * pow2(attempt))
        attempt += 1
        return min(cap * (1 + jitter), base * (1 + jitter * max(0, min(random, 1))))
    }

    public mutating func reset() { attempt = 0 }

    private func pow2(_ n: Int) -> Double { n >= 62 ? Double.greatestFiniteMagnitude : Double(1 << n) }
}
