import Foundation
@testable import Intake
@testable import SednaCatalog
import TestSupport
import Testing

/// Replays the checked-in libFuzzer corpora (fuzz/corpus, grown by the one-hour runs recorded in
/// docs/reliability.md) through the same parsers and translators in-process: a regression on an
/// input the fuzzer once found interesting fails here, in `swift test`, without libFuzzer.
/// The checks mirror fuzz/PushFuzzer.swift, ReportFuzzer.swift, TranslatorFuzzer.swift and
/// ConditionsFuzzer.swift.
@Suite struct FuzzCorpusReplayTests {
    static let context = TranslationContext(nodeLocations: ["edge1": .edge], datasetSamples: ["default/d": 3])

    /// A state set has at most one state at 1 per series group.
    static func checkStateSets(_ set: MetricSet, _ name: String) {
        for family in Catalog.objectFamilies where family.type == .stateset {
            let on = set.values(family).filter { $0.value == 1 }
            #expect(Set(on.map { $0.labelValues.dropLast() }).count == on.count, "\(family.name): two states at 1 for \(name)")
        }
    }

    @Test func pushCorpus() {
        let corpus = Fixtures.fuzzCorpus("push")
        #expect(corpus.count >= 5)
        var parsed = 0, keys = 0
        for (name, bytes) in corpus {
            if let families = try? TextParser.parse(bytes) {
                parsed += 1
                for f in families {
                    #expect(TextParser.isMetricName(f.name), "\(name)")
                    for s in f.samples { #expect(s.labels.allSatisfy { TextParser.isLabelName($0.0) }, "\(name)") }
                }
            }
            let segments = String(decoding: bytes, as: UTF8.self).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if let key = try? GroupingKey.parse(segments, limits: IntakeLimits()) {
                keys += 1
                #expect(!(key.value("job") ?? "").isEmpty, "\(name)")
            }
        }
        #expect(parsed > 0 && keys > 0)
    }

    @Test func reportCorpus() {
        let corpus = Fixtures.fuzzCorpus("report")
        #expect(corpus.count >= 5)
        var decoded = 0
        for (name, bytes) in corpus {
            guard let report = try? WorkerReport.decode(bytes) else { continue }
            decoded += 1
            #expect(!report.name.isEmpty, "\(name)")
            for kind in SednaKind.allCases {
                _ = report.samples(kind: kind, task: "t", pod: "p", miningMode: nil, now: 1, limits: IntakeLimits())
            }
        }
        #expect(decoded > 0)
    }

    @Test func translatorCorpus() {
        let corpus = Fixtures.fuzzCorpus("translator")
        #expect(corpus.count >= 5)
        for (name, bytes) in corpus {
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Timestamp.parse(text)
            #expect(!URLSanitizer.sanitize(text).contains("?"), "\(name)")
            guard let json = try? JSON.decode(bytes) else { continue }
            for kind in SednaKind.allCases {
                Self.checkStateSets(Translators.forKind(kind).translate(KubeObject(json), context: Self.context), name)
            }
            _ = PodTranslator.translate(KubeObject(json), context: Self.context)
            _ = NodeTranslator.translate(KubeObject(json), context: Self.context)
        }
    }

    /// Each input line is one condition's `data` and message, walking the kind's condition types
    /// and the stages, as fuzz/ConditionsFuzzer.swift builds them.
    @Test func conditionsCorpus() {
        let corpus = Fixtures.fuzzCorpus("conditions")
        #expect(corpus.count >= 3)
        let stages = ["Train", "Eval", "Deploy"]
        for (name, bytes) in corpus {
            let parts = String(decoding: bytes, as: UTF8.self).split(separator: "\n", maxSplits: 32, omittingEmptySubsequences: false)
            for kind in SednaKind.allCases where kind.isTask {
                let types = kind.conditionTypes
                let conditions: [JSON] = parts.enumerated().map { i, part in
                    ["type": .string(types[i % types.count]), "stage": .string(stages[(i / types.count) % stages.count]),
                     "status": "True", "data": .string(String(part)), "message": .string(String(part)),
                     "lastHeartbeatTime": .string("2025-01-01T10:\(String(format: "%02d", i % 60)):00Z")]
                }
                let object = KubeObject([
                    "kind": .string(kind.rawValue),
                    "metadata": ["name": "fuzz", "namespace": "default", "uid": "u-1", "creationTimestamp": "2025-01-01T09:00:00Z"],
                    "status": ["conditions": .array(conditions), "phase": "Running"],
                ])
                Self.checkStateSets(Translators.forKind(kind).translate(object, context: Self.context), name)
            }
        }
    }
}
