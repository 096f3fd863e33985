import SednaCatalog
import Testing
import TestSupport

@Suite struct PackedJSONTests {
    /// xorshift64: the same trees on every run.
    struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    static func randomTree(_ rng: inout Xorshift, depth: Int = 0) -> JSON {
        let strings = ["", "a", "sedna.io/worker-type", "ünïcødé ✓", String(repeating: "x", count: 200), "\u{0}\n\"\\"]
        switch Int.random(in: 0..<(depth > 4 ? 4 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            let numbers: [Double] = [0, -0.0, 1, -1, 127, -64, 300, 0.25, 1e300, -1e-300, .greatestFiniteMagnitude, 1_700_000_000,
                                     9_007_199_254_740_991, -9_007_199_254_740_991, 9_007_199_254_740_992]
            return .number(numbers.randomElement(using: &rng)!)
        case 3: return .string(strings.randomElement(using: &rng)!)
        case 4:
            return .array((0..<Int.random(in: 0..<6, using: &rng)).map { _ in randomTree(&rng, depth: depth + 1) })
        default:
            // Over 127 members now and then: a two-byte count.
            let n = Int.random(in: 0..<20, using: &rng) == 0 ? 130 : Int.random(in: 0..<6, using: &rng)
            return .object(Dictionary((0..<n).map { ("\(strings.randomElement(using: &rng)!)\($0)", randomTree(&rng, depth: depth + 1)) },
                                      uniquingKeysWith: { a, _ in a }))
        }
    }

    @Test func everyFixtureObjectUnpacksToAnEqualTree() {
        for (_, object) in Fixtures.allCluster() {
            #expect(PackedJSON.unpack(PackedJSON.pack(object.json)) == object.json)
        }
    }

    @Test func randomTreesRoundTrip() {
        var rng = Xorshift(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<500 {
            let tree = Self.randomTree(&rng)
            #expect(PackedJSON.unpack(PackedJSON.pack(tree)) == tree)
        }
    }

    /// The point of packing: a kept pod is one allocation about the size of its JSON text.
    @Test func aPackedPodIsNoLargerThanItsCompactJSON() {
        for pod in Fixtures.cluster("pods") {
            #expect(PackedJSON.pack(pod.json).count <= JSONWriter.compact.bytes(pod.json).count)
        }
    }

    @Test func bytesThatAreNotAPackingUnpackToNil() {
        let packed = PackedJSON.pack(Fixtures.cluster("pods")[0].json)
        // Every proper prefix is cut short somewhere.
        for n in 0..<packed.count {
            #expect(PackedJSON.unpack(Array(packed.prefix(n))) == nil)
        }
        #expect(PackedJSON.unpack(packed + [0]) == nil)                 // a second value after the first
        #expect(PackedJSON.unpack([8]) == nil)                          // no such tag
        #expect(PackedJSON.unpack([3] + withUnsafeBytes(of: Double.nan.bitPattern.littleEndian, Array.init)) == nil)
        #expect(PackedJSON.unpack([3] + withUnsafeBytes(of: Double.infinity.bitPattern.littleEndian, Array.init)) == nil)
        #expect(PackedJSON.unpack([3] + withUnsafeBytes(of: (0.25).bitPattern.littleEndian, Array.init)) == .number(0.25))
        #expect(PackedJSON.unpack([4, 0xFF, 0xFF, 0xFF, 0x7F]) == nil)  // a string longer than the rest
        #expect(PackedJSON.unpack([5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1]) == nil)
        // Nesting beyond the parser's own limit is refused, not recursed into.
        let deep: [UInt8] = (0..<(4 * JSONParser.defaultMaxDepth)).map { $0 % 2 == 0 ? 5 : 1 }
        #expect(PackedJSON.unpack(deep + [0]) == nil)
    }

    @Test func randomBytesNeverCrash() {
        var rng = Xorshift(state: 42)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...9, using: &rng) }
            if let tree = PackedJSON.unpack(bytes) {
                // Whatever unpacks packs back to a tree that unpacks the same.
                #expect(PackedJSON.unpack(PackedJSON.pack(tree)) == tree)
            }
        }
    }
}
