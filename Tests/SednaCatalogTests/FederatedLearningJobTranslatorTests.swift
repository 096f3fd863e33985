import SednaCatalog
import Testing
import TestSupport

@Suite struct FederatedLearningJobTranslatorTests {
    let fl = Fixtures.object("federatedlearningjobs", named: "surface-defect-detection")
    let context = TranslationContext(datasetSamples: ["default/edge1-surface-defect-detection-dataset": 320])

    @Test func trainNodesAndJoinedSampleCounts() {
        let set = FederatedLearningJobTranslator.translate(fl, context: context)
        #expect(set.labelValues(Catalog.flTrainNode, "node") == ["edge1", "edge2"])
        #expect(set.value(Catalog.flTrainNode, ["node": "edge2", "dataset": "edge2-surface-defect-detection-dataset"]) == 1)
        #expect(set.value(Catalog.flNodeSamples, ["node": "edge1"]) == 320)
        #expect(set.values(Catalog.flNodeSamples).count == 1, "edge2's dataset is unknown to this context")
    }

    @Test func roundsPhaseAndCounters() {
        let set = FederatedLearningJobTranslator.translate(fl, context: context)
        #expect(set.value(Catalog.flRound) == 3)
        #expect(set.value(Catalog.flAggregations) == 3)
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Training")
        #expect(set.currentState(Catalog.taskPhase, label: "phase") == "Running")
        #expect(set.value(Catalog.taskActive) == 3)
        #expect(set.value(Catalog.taskSucceeded) == 0)
        // FL conditions have lastProbeTime/lastHeartbeatTime and no lastTransitionTime.
        #expect(set.value(Catalog.taskConditionTime) == Timestamp.parse("2025-01-01T10:13:00Z"))
    }

    @Test func aggregationsCountRoundsNotWorkerReports() {
        // Two train workers report every round; the GM appends a Training condition per report.
        let conditions = [1, 1, 2, 2, 3].map { #"{"type":"Training","reason":"DoTraining","message":"Round \#($0) reaches at 2025-01-01 10:00:00"}"# }
            + [#"{"type":"Training","message":"unexpected"}"#]
        let o = Fixtures.json(#"{"metadata":{"name":"f","namespace":"n"},"status":{"conditions":[\#(conditions.joined(separator: ","))]}}"#)
        let set = FederatedLearningJobTranslator.translate(o, context: .init())
        #expect(set.value(Catalog.flAggregations) == 4, "rounds 1, 2, 3 and the condition naming no round")
        #expect(set.value(Catalog.flRound) == 3)
    }

    @Test func asReleasedJobWithoutTrainingConditionsHasNoRoundOrAggregationFigures() {
        // Sedna as released: the LC drops FL reports, so a running job has pods but no condition.
        let o = Fixtures.json(#"{"metadata":{"name":"f","namespace":"n"},"status":{"phase":"Running","active":3}}"#)
        let set = FederatedLearningJobTranslator.translate(o, context: .init())
        #expect(set.values(Catalog.flAggregations).isEmpty, "absent, not 0")
        #expect(set.values(Catalog.flRound).isEmpty)
        #expect(set.value(Catalog.taskActive) == 3)
    }

    @Test func hyperparametersPerWorkerType() {
        let set = FederatedLearningJobTranslator.translate(fl, context: context)
        #expect(set.value(Catalog.taskHyperparameter, ["worker_type": "aggregation", "parameter": "exit_round"]) == 3)
        #expect(set.value(Catalog.taskHyperparameter, ["worker_type": "train", "parameter": "learning_rate"]) == 0.001)
        #expect(set.values(Catalog.taskHyperparameter).count == 4)
    }

    @Test(arguments: [("Round 7 reaches at 2025-01-01 10:00:30", 7), ("Round x reaches", nil), ("", nil), ("Round -1", nil)])
    func roundParsing(_ message: String, _ expected: Int?) {
        let o = Fixtures.json(#"{"metadata":{"name":"f","namespace":"n"},"status":{"conditions":[{"type":"Training","message":"\#(message)"}]}}"#)
        let set = FederatedLearningJobTranslator.translate(o, context: .init())
        #expect(set.value(Catalog.flRound) == expected.map(Double.init))
    }

    @Test func completedJob() {
        let o = Fixtures.json(#"""
        {"metadata":{"name":"f","namespace":"n"},"status":{"phase":"Succeeded","succeeded":3,"active":0,
         "completionTime":"2025-01-01T11:00:00Z","conditions":[{"type":"Training","message":"Round 1 reaches at x"},{"type":"Complete"}]}}
        """#)
        let set = FederatedLearningJobTranslator.translate(o, context: .init())
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Complete")
        #expect(set.currentState(Catalog.taskPhase, label: "phase") == "Succeeded")
        #expect(set.value(Catalog.taskCompletion) == Timestamp.parse("2025-01-01T11:00:00Z"))
        #expect(set.value(Catalog.flRound) == 1)
    }
}
