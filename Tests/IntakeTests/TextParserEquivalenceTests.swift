import Intake
import Testing

/// The byte parser must accept, reject and read exactly what the String parser it replaced did
/// (`ReferenceTextParser`): same families, same samples, same error and line.
@Suite struct TextParserEquivalenceTests {
    static let seeds: [String] = [
        "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\\\\\\n\"} 3\na_total{x=\"2\"} 4.5e3\n",
        "# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 0.3\nlat_count 2\n",
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\ns_bucket 1\n",
        "m NaN\nn +Inf\no -Inf\np Inf\nq -1.5E-3\r\n\r\n  \t\n# just a comment\n#HELP r x\nr 1\n",
        "m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 1\n",
        "m{ a = \"1\" , } 1\n\tm2 { } 2 \n",
        "a 1\nb 1\na{x=\"1\"} 1\n",
        "# HELP h \\\\ back\\nslash \\t\n# HELP h again\n",
        "# TYPE t gauge extra\nt 1\n# TYPE u  gauge\nu 1\n",
        "m{a=\"é€\"} 1\n# HELP n ünïcode\nn 2\n",
        "x_bucket 1\n# TYPE x histogram\n",
        "v 1 2\nw 0x10\nz 1_000\n",
        // Values the plain-decimal fast path reads (and one past its 15 digits), and ones it must refuse.
        "a 0.1\nb -0\nc +.5\nd 1.\nf 123456789012345\ng 1234567890123456\nh 0.000000000000001\nj 9007199254740993\nk 00012.50\n",
        "e .\n",
        "e2 -\n",
        // Comment lines split on bytes: runs of spaces, tabs, a trailing backslash.
        "# HELP  k  two  spaces \\\n#  TYPE k\tgauge \nk 1\n# HELP k2\n# TYPE k2 \t counter\t\nk2 1\n#TYPE x gauge\n",
        // Duplicates with labels in another order, and series alike but for one byte.
        "m{a=\"1\",b=\"2\"} 1\nm{a=\"1\",b=\"3\"} 1\nm{b=\"2\",a=\"1\"} 2\n",
        "m{ab=\"\",c=\"d\"} 1\nm{a=\"b\",c=\"d\"} 1\nm{a=\"bc\",=\"d\"} 1\n",
    ]

    static let alphabet: [UInt8] = Array("{}=,\"\\ \t\n\r#_a1.e+-Iné".utf8)

    func outcome(_ bytes: [UInt8]) -> String {
        do {
            return try TextParser.parse(bytes).map { f in
                "\(f.name)|\(f.type)|\(f.help ?? "-")|" + f.samples.map { "\($0.name)\($0.labels.map { "\($0.0)=\($0.1)" })\($0.value.bitPattern)" }.joined(separator: ";")
            }.joined(separator: "\n")
        } catch {
            return "error \(error)"
        }
    }

    func reference(_ bytes: [UInt8]) -> String {
        do {
            return try ReferenceTextParser.parse(bytes).map { f in
                "\(f.name)|\(f.type)|\(f.help ?? "-")|" + f.samples.map { "\($0.name)\($0.labels.map { "\($0.0)=\($0.1)" })\($0.value.bitPattern)" }.joined(separator: ";")
            }.joined(separator: "\n")
        } catch {
            return "error \(error)"
        }
    }

    /// Sample values made of digits, signs and dots read exactly as the String path reads them
    /// (`Double(String)`, strtod), bit for bit, or are refused alike.
    @Test func decimalValuesReadAsStrtodReadsThem() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let alphabet = Array("0123456789012345678901234567890123456789.+-".utf8)
        for _ in 0..<5_000 {
            let text = String(decoding: (0..<(1 + next(19))).map { _ in alphabet[next(alphabet.count)] }, as: UTF8.self)
            let body = Array("x \(text)\n".utf8)
            #expect(outcome(body) == reference(body), "\(text)")
        }
    }

    @Test func seedsAndTheirMutationsParseAlike() {
        // A fixed generator: the same inputs on every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var checked = 0
        for seed in Self.seeds {
            let base = Array(seed.utf8)
            #expect(outcome(base) == reference(base), "\(seed)")
            for _ in 0..<400 {
                var b = base
                for _ in 0..<(1 + next(3)) {
                    switch next(3) {
                    case 0 where !b.isEmpty: b.remove(at: next(b.count))
                    case 1: b.insert(Self.alphabet[next(Self.alphabet.count)], at: next(b.count + 1))
                    default: if !b.isEmpty { b[next(b.count)] = Self.alphabet[next(Self.alphabet.count)] }
                    }
                }
                let ours = outcome(b), theirs = reference(b)
                #expect(ours == theirs, "\(b)")
                if ours != theirs { return }
                checked += 1
            }
        }
        #expect(checked == Self.seeds.count * 400)
    }
}
