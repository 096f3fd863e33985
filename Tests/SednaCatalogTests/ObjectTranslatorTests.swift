import SednaCatalog
import Testing
import TestSupport

@Suite struct DatasetAndModelTranslatorTests {
    @Test func dataset() {
        let set = DatasetTranslator.translate(Fixtures.object("datasets", named: "dataset-demo0"), context: .init())
        #expect(set.value(Catalog.datasetSamples, ["namespace": "default", "dataset": "dataset-demo0"]) == 1200)
        #expect(set.value(Catalog.datasetInfo, ["url": "/code/data/train.txt", "format": "txt", "node": "edge0"]) == 1)
        #expect(set.value(Catalog.datasetUpdated) == Timestamp.parse("2025-01-01T10:05:00Z"))
    }

    @Test func modelURLLosesCredentialsAndMetricsAreNumbers() {
        let set = ModelTranslator.translate(Fixtures.object("models", named: "surface-defect-detection-model"), context: .init())
        #expect(set.labelValues(Catalog.modelInfo, "url") == ["s3://models.example.com/fl/model.pb"])
        #expect(set.value(Catalog.modelMetric, ["metric": "accuracy"]) == 0.87)
        #expect(set.value(Catalog.modelMetric, ["metric": "loss"]) == 0.31)
    }

    @Test func datasetWithoutStatus() {
        let set = DatasetTranslator.translate(Fixtures.json(#"{"metadata":{"name":"d","namespace":"n"},"spec":{}}"#), context: .init())
        #expect(set.values(Catalog.datasetSamples).isEmpty)
        #expect(set.value(Catalog.datasetInfo) == 1)
    }
}

@Suite struct MultiEdgeTranslatorTests {
    @Test func objectSearchAndTracking() {
        let os = ObjectSearchServiceTranslator.translate(Fixtures.object("objectsearchservices", named: "pedestrian-search"), context: .init())
        #expect(os.currentState(Catalog.taskCondition, label: "condition") == "Running")
        #expect(os.value(Catalog.taskActive) == 3)
        let ot = ObjectTrackingServiceTranslator.translate(Fixtures.object("objecttrackingservices", named: "pedestrian-tracking"), context: .init())
        #expect(ot.currentState(Catalog.taskCondition, label: "condition") == "Unknown")
        #expect(ot.value(Catalog.taskConditions) == 0)
    }

    @Test func reidVideoAnalyticsAndFeatureExtraction() {
        let reid = ReidJobTranslator.translate(Fixtures.object("reidjobs", named: "reid-demo"), context: .init())
        #expect(reid.currentState(Catalog.taskPhase, label: "phase") == "Succeeded")
        #expect(reid.value(Catalog.taskSucceeded) == 1)
        #expect(reid.value(Catalog.taskDataErrors) == 0)
        let va = VideoAnalyticsJobTranslator.translate(Fixtures.object("videoanalyticsjobs", named: "video-analytics-demo"), context: .init())
        #expect(va.currentState(Catalog.taskCondition, label: "condition") == "Failed")
        #expect(va.value(Catalog.taskDataErrors) == 1)
        let fe = FeatureExtractionServiceTranslator.translate(
            Fixtures.object("featureextractionservices", named: "feature-extraction-demo"), context: .init())
        #expect(fe.currentState(Catalog.taskCondition, label: "condition") == "Failed")
        #expect(fe.value(Catalog.taskFailed) == 1)
    }

    @Test func unknownPhaseStillHasExactlyOneStateAtOne() {
        let o = Fixtures.json(#"{"metadata":{"name":"r","namespace":"n"},"status":{"phase":"Evicted"}}"#)
        let set = ReidJobTranslator.translate(o, context: .init())
        #expect(set.currentState(Catalog.taskPhase, label: "phase") == "Evicted")
    }
}

@Suite struct SampleResourceTests {
    /// Sedna's own samples (no status) translate into info and Unknown condition, never a crash.
    @Test func everySampleTranslates() throws {
        let samples = Fixtures.samples()
        #expect(samples.count >= 10)
        for (file, o) in samples {
            let kind = try #require(SednaKind(rawValue: o.kind ?? ""), "\(file)")
            let set = Translators.forKind(kind).translate(o, context: .init())
            #expect(!set.isEmpty, "\(file)")
            if kind.isTask {
                #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Unknown", "\(file)")
            }
        }
    }
}

@Suite struct PodAndNodeTranslatorTests {
    let context = TranslationContext(nodeLocations: ["edge-node": .edge, "cloud-node": .cloud])

    @Test func classification() {
        #expect(PodRole.classify(["incrementallearningjob.sedna.io/name": "j", "incrementallearningjob.sedna.io/worker-type": "eval"])
            == .worker(kind: .incrementalLearningJob, task: "j", workerType: "eval"))
        #expect(PodRole.classify(["sedna": "lc"]) == .component("lc"))
        #expect(PodRole.classify(["sedna": "other"]) == .unrelated)
        #expect(PodRole.classify(["app": "x"]) == .unrelated)
    }

    @Test func workerPodOnEdge() {
        let pod = Fixtures.object("pods", named: "helmet-detection-demo-inference-m3n4b")
        let set = PodTranslator.translate(pod, context: context)
        #expect(set.value(Catalog.workerInfo, ["kind": "IncrementalLearningJob", "task": "helmet-detection-demo",
                                               "worker_type": "inference", "node": "edge-node", "location": "edge"]) == 1)
        #expect(set.currentState(Catalog.workerPhase, label: "phase") == "Running")
        #expect(set.value(Catalog.workerReady) == 0)
        #expect(set.value(Catalog.workerRestarts, ["container": "infer-worker"]) == 4)
        #expect(set.currentState(Catalog.workerContainerState, label: "state") == "waiting")
        #expect(set.value(Catalog.workerWaitingReason, ["reason": "CrashLoopBackOff"]) == 1)
    }

    @Test func componentAndUnrelatedPods() {
        let lc = PodTranslator.translate(Fixtures.object("pods", named: "lc-edge-node"), context: context)
        #expect(lc.value(Catalog.componentInfo, ["component": "lc", "node": "edge-node", "location": "edge"]) == 1)
        #expect(lc.value(Catalog.componentReady) == 1)
        let dns = PodTranslator.translate(Fixtures.object("pods", named: "coredns-5d78c9869d-abcde"), context: context)
        #expect(dns.isEmpty)
        let unknownNode = PodTranslator.translate(Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z"), context: .init())
        #expect(unknownNode.value(Catalog.workerInfo, ["location": "unknown"]) == 1)
    }

    @Test func nodes() {
        let edge2 = NodeTranslator.translate(Fixtures.object("nodes", named: "edge2"), context: .init())
        #expect(edge2.value(Catalog.nodeInfo, ["location": "edge", "kubelet_version": "v1.28.6-kubeedge-v1.17.0"]) == 1)
        #expect(edge2.value(Catalog.nodeReady) == 0)
        let cloud = NodeTranslator.translate(Fixtures.object("nodes", named: "cloud-node"), context: .init())
        #expect(cloud.value(Catalog.nodeReady, ["location": "cloud"]) == 1)
    }
}


import Foundation
