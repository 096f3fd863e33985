import SednaCatalog
import Testing
import TestSupport

@Suite struct JointInferenceServiceTranslatorTests {
    let ji = Fixtures.object("jointinferenceservices", named: "helmet-detection-inference-example")

    @Test func countersFromStatusMetricStrings() {
        let set = JointInferenceServiceTranslator.translate(ji, context: .init())
        let l = ["namespace": "default", "kind": "JointInferenceService", "task": "helmet-detection-inference-example"]
        #expect(set.value(Catalog.jiInferences, l) == 120)
        #expect(set.value(Catalog.jiHardExamples, l) == 30)
        #expect(set.value(Catalog.jiUploadRatio, l) == 0.25)
        #expect(set.values(Catalog.taskReportedMetric).isEmpty)
    }

    @Test func commonTaskFamilies() {
        let set = JointInferenceServiceTranslator.translate(ji, context: .init())
        #expect(set.value(Catalog.taskInfo, ["uid": "uid-ji-helmet"]) == 1)
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Running")
        #expect(set.labelValues(Catalog.taskCondition, "condition") == ["Failed", "Pending", "Running", "Unknown"])
        #expect(set.value(Catalog.taskStart) == Timestamp.parse("2025-01-01T10:01:00Z"))
        #expect(set.value(Catalog.taskCreated) == Timestamp.parse("2025-01-01T10:00:00Z"))
        #expect(set.value(Catalog.taskActive) == 2)
        #expect(set.value(Catalog.taskFailed) == 0)
        #expect(set.value(Catalog.taskConditions) == 1)
        #expect(set.values(Catalog.taskCompletion).isEmpty)
        #expect(set.values(Catalog.taskStage).isEmpty, "JI has no stage")
    }

    @Test func unknownKeysGoToReportedMetricAndGarbageIsSkipped() {
        let o = Fixtures.json(#"""
        {"metadata":{"name":"j","namespace":"ns"},"status":{"metrics":[
          {"key":"inferenceNumber","value":"not-a-number"},{"key":"fps","value":"24.5"},
          {"key":"hardExampleNumber","value":7},{"value":"3"},{"key":"note","value":{"x":1}}]}}
        """#)
        let set = JointInferenceServiceTranslator.translate(o, context: .init())
        #expect(set.values(Catalog.jiInferences).isEmpty)
        #expect(set.value(Catalog.jiHardExamples) == 7)
        #expect(set.value(Catalog.taskReportedMetric, ["key": "fps"]) == 24.5)
        #expect(set.values(Catalog.taskReportedMetric).count == 1)
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Unknown")
    }

    @Test func currentConditionIsTheLastOne() {
        let o = Fixtures.json(#"""
        {"metadata":{"name":"j","namespace":"ns"},"status":{"conditions":[{"type":"Failed"},{"type":"Running"}]}}
        """#)
        let set = JointInferenceServiceTranslator.translate(o, context: .init())
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Running")
    }
}
