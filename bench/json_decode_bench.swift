// Decode cost of one LIST page or watch event: the hand-written parser (`JSON.decode`) against
// the previous path, Foundation's JSONDecoder with a `try?` trial per type on every value, in
// the same process on the same bytes. Built standalone with the two source files it measures:
//
//   swiftc -O -parse-as-library -o /tmp/json_decode_bench bench/json_decode_bench.swift \
//       Sources/SednaCatalog/JSON.swift Sources/SednaCatalog/JSONParser.swift
//   /tmp/json_decode_bench FILE [iterations]          # times both, prints the ratio
//   valgrind --tool=callgrind /tmp/json_decode_bench FILE 1 new|old   # instruction counts
//
// The machine is shared and noisy: the ratio and callgrind's instruction counts are the point.
import Foundation

struct FoundationJSON: Decodable {
    let value: JSON
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            value = .null
        } else if let s = try? c.decode(String.self) {
            value = .string(s)
        } else if let b = try? c.decode(Bool.self) {
            value = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            value = .number(d)
        } else if let a = try? c.decode([FoundationJSON].self) {
            value = .array(a.map(\.value))
        } else if let o = try? c.decode([String: FoundationJSON].self) {
            value = .object(o.mapValues(\.value))
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }
}

@main enum JSONDecodeBench {
    static func main() {
        let args = CommandLine.arguments
        guard args.count >= 2, let data = FileManager.default.contents(atPath: args[1]) else {
            FileHandle.standardError.write(Data("usage: json_decode_bench FILE [iterations] [new|old]\n".utf8))
            exit(2)
        }
        let bytes = [UInt8](data)
        let iterations = args.count >= 3 ? max(1, Int(args[2]) ?? 20) : 20
        let only = args.count >= 4 ? args[3] : nil

        func old() -> JSON { try! JSONDecoder().decode(FoundationJSON.self, from: Data(bytes)).value }
        func new() -> JSON { try! JSON.decode(bytes) }

        if let only {
            var n = 0
            for _ in 0..<iterations {
                if case .object(let o) = (only == "old" ? old() : new()) { n += o.count }
            }
            print("\(only): \(n) keys")
            exit(0)
        }

        precondition(old() == new(), "the two decoders disagree on \(args[1])")
        func time(_ f: () -> JSON) -> Double {
            var best = Double.infinity
            for _ in 0..<iterations {
                let t = ContinuousClock.now
                _ = f()
                let d = ContinuousClock.now - t
                best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
            }
            return best
        }
        // Interleaved rounds so that both see the same machine load.
        var olds: [Double] = [], news: [Double] = []
        for _ in 0..<3 {
            olds.append(time(old))
            news.append(time(new))
        }
        let o = olds.min()!, n = news.min()!
        print(String(format: "%@: %d bytes; Foundation JSONDecoder %.2f ms, JSONParser %.2f ms (best of %d x 3); old/new %.1fx",
                     (args[1] as NSString).lastPathComponent, bytes.count, o * 1e3, n * 1e3, iterations, o / n))
    }
}
