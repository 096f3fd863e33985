// Parse cost of one push body: `TextParser.parse` of the 981-byte body bench/intake_bench.py
// sends (20 series in 4 families with HELP and TYPE), timed over many parses. Built standalone
// with the one source file it measures:
//
//   swiftc -O -parse-as-library -o /tmp/text_parser_bench bench/text_parser_bench.swift \
//       Sources/Intake/TextParser.swift
//   /tmp/text_parser_bench 100000                                   # microseconds per body
//   valgrind --tool=callgrind /tmp/text_parser_bench 2000           # instructions (stable here)
//
// Subtract a run with fewer iterations from callgrind's total to leave the process start out.
import Foundation

/// The body of bench/intake_bench.py's `body()`, byte for byte.
func body() -> [UInt8] {
    var out = ""
    for (name, type, help) in [("bench_step_seconds", "gauge", "Seconds per step."), ("bench_samples_total", "counter", "Samples seen."),
                               ("bench_loss", "gauge", "Loss."), ("bench_accuracy", "gauge", "Accuracy.")] {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (i, phase) in ["train", "eval", "test", "infer", "warmup"].enumerated() {
            out += "\(name){phase=\"\(phase)\"} \(Double(i) * 1.5 + 0.25)\n"
        }
    }
    return Array(out.utf8)
}

@main struct TextParserBench {
    static func main() throws {
        let b = body()
        let n = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 100_000
        var families = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { families += try TextParser.parse(b).count }
        let perBody = Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n)
        print("\(b.count) bytes, \(families / n) families: \(String(format: "%.2f", perBody / 1000)) us per body over \(n) parses")
    }
}
