// libFuzzer target `conditions`: the `data` field of task conditions, a string holding JSON
// that the GM copies from the LocalController's message (pkg/globalmanager/controllers/
// incrementallearning/upstream.go; docs/sedna-data-model.md "Conditions"), and the condition
// messages the federated-learning translator reads rounds from. Each input line becomes one
// condition's data and message; the conditions walk through the kind's types and stages and
// every task kind's translator reads them (Sources/SednaCatalog/Translators/ConditionData.swift,
// LearningJobConditions.swift, FederatedLearningJobTranslator.swift). Built by scripts/fuzz.sh.
import Foundation
@testable import SednaCatalog

private let stages = ["Train", "Eval", "Deploy"]
private let context = TranslationContext(nodeLocations: ["edge1": .edge], datasetSamples: ["default/d": 3])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConditions(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 32, omittingEmptySubsequences: false).map(String.init)
    for kind in SednaKind.allCases where kind.isTask {
        let types = kind.conditionTypes
        var conditions: [JSON] = []
        for (i, part) in parts.enumerated() {
            conditions.append([
                "type": .string(types[i % types.count]), "stage": .string(stages[(i / types.count) % stages.count]),
                "status": "True", "data": .string(part), "message": .string(part), "reason": "",
                "lastHeartbeatTime": .string("2025-01-01T10:\(String(format: "%02d", i % 60)):00Z"),
                "lastTransitionTime": "2025-01-01T10:00:00Z",
            ])
        }
        let object = KubeObject([
            "apiVersion": "sedna.io/v1alpha1", "kind": .string(kind.rawValue),
            "metadata": ["name": "fuzz", "namespace": "default", "uid": "u-1", "creationTimestamp": "2025-01-01T09:00:00Z"],
            "spec": [:],
            "status": ["conditions": .array(conditions), "phase": "Running", "startTime": "2025-01-01T09:00:00Z"],
        ])
        let set = Translators.forKind(kind).translate(object, context: context)
        for family in Catalog.objectFamilies where family.type == .stateset {
            let on = set.values(family).filter { $0.value == 1 }
            let groups = Set(on.map { $0.labelValues.dropLast() })
            precondition(groups.count == on.count, "\(family.name): two states at 1")
        }
    }
    return 0
}
