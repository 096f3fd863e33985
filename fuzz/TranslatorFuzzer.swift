// libFuzzer target `translator`: the parsers and translators that see untrusted input: pushed text
// format bodies, RFC 3339
// timestamps, numbers in strings, URLs that go into labels, and every translator fed arbitrary
// JSON objects (Foundation's decoder is not instrumented, our code behind it is).
// Built by scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address`.
import Foundation
@testable import Intake
@testable import SednaCatalog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    _ = Timestamp.parse(text)
    _ = JSON.string(text).number
    let clean = URLSanitizer.sanitize(text)
    precondition(!clean.contains("?"), "query string survived sanitizing")
    _ = FederatedLearningJobTranslator.roundNumber(text)
    // The push parser sees hostile bodies straight from the network.
    if let families = try? TextParser.parse(bytes) {
        for f in families { precondition(TextParser.isMetricName(f.name), "accepted an invalid name") }
    }
    if let json = try? JSON.decode(bytes) {
        let object = KubeObject(json)
        let context = TranslationContext(nodeLocations: ["edge1": .edge], datasetSamples: ["default/d": 3])
        for kind in SednaKind.allCases {
            let set = Translators.forKind(kind).translate(object, context: context)
            for family in Catalog.objectFamilies where family.type == .stateset {
                // A state set has at most one state at 1 per series group.
                let on = set.values(family).filter { $0.value == 1 }
                let groups = Set(on.map { $0.labelValues.dropLast() })
                precondition(groups.count == on.count, "\(family.name): two states at 1")
            }
        }
        _ = PodTranslator.translate(object, context: context)
        _ = NodeTranslator.translate(object, context: context)
    }
    return 0
}
