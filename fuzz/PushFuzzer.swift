// libFuzzer target `push`: what the Pushgateway-compatible intake takes from the network.
// The body goes through the text-format parser (Sources/Intake/TextParser.swift); the same
// bytes, split on `/`, go through the grouping-key path decoder (Sources/Intake/GroupingKey.swift),
// which URL-safe-base64-decodes `<label>@base64` values. Built by scripts/fuzz.sh.
import Foundation
@testable import Intake

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPush(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let families = try? TextParser.parse(bytes) {
        for f in families {
            precondition(TextParser.isMetricName(f.name), "accepted an invalid metric name")
            for s in f.samples {
                for (name, _) in s.labels { precondition(TextParser.isLabelName(name), "accepted an invalid label name") }
            }
        }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let segments = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let limits = IntakeLimits()
    if let key = try? GroupingKey.parse(segments, limits: limits) {
        precondition(key.value("job").map { !$0.isEmpty } ?? false, "a grouping key without a job")
        for pair in key.labels {
            precondition(pair.value.utf8.count <= limits.maxLabelValueBytes, "a grouping value past the limit")
            precondition(TextParser.isLabelName(pair.name), "an invalid grouping label name")
        }
    }
    _ = GroupingKey.decodeBase64URL(text)
    return 0
}
