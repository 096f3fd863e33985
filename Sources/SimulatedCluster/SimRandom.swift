/// The simulation's only source of randomness: SplitMix64 (Steele, Lea, Flood 2014), small,
/// fast and fully determined by its seed, so a seed names one exact run of the world.
///
/// Each lifecycle owns its own generator (derived from the world seed and the lifecycle's
/// position), so what one task draws never shifts what another sees, and the outcome of a
/// lifecycle does not depend on how finely `advance(to:)` is called.
struct SimRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for the `index`-th lifecycle of a world seeded with `seed`.
    init(seed: UInt64, stream index: Int) {
        var mixer = SimRandom(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)))
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Uniform integer in the closed range.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Normal noise (Box-Muller) with the given standard deviation.
    mutating func gaussian(_ sigma: Double) -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        return sigma * (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Five characters the way Kubernetes' `GenerateName` and `utilrand.String` pick them
    /// (no vowels, no look-alike digits): `helmet-detection-demo-train-x7k2p`.
    mutating func suffix(_ n: Int = 5) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    /// A ReplicaSet's pod-template-hash (9 or 10 of the same characters).
    mutating func templateHash() -> String { suffix(int(9...10)) }

    /// A version-4 UUID, as the API server assigns `metadata.uid`.
    mutating func uuid() -> String {
        let a = next(), b = next()
        func hex(_ v: UInt64, _ digits: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, digits - s.count)) + s.suffix(digits)
        }
        let timeLow = hex(a >> 32, 8), timeMid = hex((a >> 16) & 0xFFFF, 4)
        let version = hex(0x4000 | (a & 0x0FFF), 4)
        let variant = hex(0x8000 | ((b >> 48) & 0x3FFF), 4), node = hex(b & 0xFFFF_FFFF_FFFF, 12)
        return "\(timeLow)-\(timeMid)-\(version)-\(variant)-\(node)"
    }

    /// Fisher-Yates with this generator (Go's map iteration order stands for "random" here).
    mutating func shuffle<T>(_ a: [T]) -> [T] {
        var out = a
        guard out.count > 1 else { return out }
        for i in stride(from: out.count - 1, to: 0, by: -1) {
            out.swapAt(i, Int(next() % UInt64(i + 1)))
        }
        return out
    }
}

// Plain libm without importing Foundation into the whole target.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif
@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
