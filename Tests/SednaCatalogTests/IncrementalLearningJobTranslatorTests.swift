import SednaCatalog
import Testing
import TestSupport

@Suite struct IncrementalLearningJobTranslatorTests {
    let set = IncrementalLearningJobTranslator.translate(
        Fixtures.object("incrementallearningjobs", named: "helmet-detection-demo"), context: .init())

    @Test func stageAndConditionAreTheLastCondition() {
        #expect(set.currentState(Catalog.taskStage, label: "task_stage") == "Train")
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Waiting")
        #expect(set.value(Catalog.taskConditions) == 15)
        #expect(set.value(Catalog.taskConditionTime) == Timestamp.parse("2025-01-01T10:17:00Z"))
    }

    @Test func iterationCountsADuplicatedCompletedOnce() {
        #expect(set.value(Catalog.learningIteration) == 1)
    }

    @Test func modelURLsByRole() {
        #expect(set.labelValues(Catalog.learningModelInfo, "role") == ["deploy", "eval_new", "train_output"])
        #expect(set.value(Catalog.learningModelInfo, ["role": "train_output", "url": "/incremental_learning/output/train/1/model.pb", "format": "pb"]) == 1)
        #expect(set.value(Catalog.learningModelInfo, ["role": "eval_new", "url": "/incremental_learning/output/train/1/model.pb"]) == 1)
        #expect(set.value(Catalog.learningModelInfo, ["role": "deploy", "url": "/models/deploy/model.pb"]) == 1)
    }

    @Test func evalMetricsOfNewVersusDeployedModelWithPerClassValues() {
        let p = try! #require(set.value(Catalog.learningEvalMetric, ["model_role": "new", "metric": "precision"]))
        #expect(abs(p - 0.87) < 1e-9)
        let d = try! #require(set.value(Catalog.learningEvalMetric, ["model_role": "deployed", "metric": "precision"]))
        #expect(abs(d - 0.825) < 1e-9)
        #expect(set.value(Catalog.learningEvalClassMetric, ["model_role": "new", "metric": "recall", "class": "1"]) == 0.88)
        #expect(set.values(Catalog.learningEvalClassMetric).count == 8)
    }

    @Test func trainLossDeployStatusAndConfiguration() {
        #expect(set.value(Catalog.learningTrainLoss) == 0.0421)
        #expect(set.value(Catalog.learningTrainMetric, ["metric": "accuracy"]) == 0.9)
        #expect(set.currentState(Catalog.learningDeployStatus, label: "deploy_status") == "OK")
        #expect(set.value(Catalog.learningTrainProb, ["dataset": "incremental-dataset"]) == 0.8)
        #expect(set.value(Catalog.taskHyperparameter, ["worker_type": "train", "parameter": "batch_size"]) == 32)
        #expect(set.value(Catalog.taskHyperparameter, ["worker_type": "train", "parameter": "epochs"]) == 1)
        // input_shape, class_names and paths are not hyperparameters we export.
        #expect(set.labelValues(Catalog.taskHyperparameter, "parameter") == ["batch_size", "epochs"])
        #expect(set.value(Catalog.taskDataErrors) == 0)
    }

    @Test func deployStatusFollowsTheNewestDeployCondition() {
        func status(_ conditions: String) -> String? {
            let o = Fixtures.json(#"{"metadata":{"name":"j","namespace":"n"},"status":{"conditions":\#(conditions)}}"#)
            return IncrementalLearningJobTranslator.translate(o, context: .init())
                .currentState(Catalog.learningDeployStatus, label: "deploy_status")
        }
        #expect(status("[]") == "Waiting")
        #expect(status(#"[{"type":"Waiting","stage":"Deploy"}]"#) == "Waiting")
        #expect(status(#"[{"type":"Failed","stage":"Deploy"},{"type":"Waiting","stage":"Train"}]"#) == "NotOK")
        // A real deploy: the LC's Deploy/Ready carries the models, then the GM appends Completed.
        let ready = #"{"type":"Ready","stage":"Deploy","data":"{\"input\":{\"models\":[{\"url\":\"/o/train/2/m.pb\"},{\"url\":\"/d/m.pb\"}]}}"}"#
        #expect(status(#"[{"type":"Waiting","stage":"Deploy"},\#(ready),{"type":"Completed","stage":"Deploy"},{"type":"Waiting","stage":"Train"}]"#) == "OK")
        // Trigger not met: the LC reports Deploy/Completed with data {} and nothing is deployed
        // (pkg/localcontroller/managers/incrementallearning/incrementallearningjob.go, deployTask).
        #expect(status(#"[\#(ready),{"type":"Completed","stage":"Deploy"},{"type":"Waiting","stage":"Train"},{"type":"Waiting","stage":"Deploy"},{"type":"Completed","stage":"Deploy","data":"{}"},{"type":"Waiting","stage":"Train"}]"#) == "Skipped")
    }

    func translate(_ conditions: [String]) -> MetricSet {
        let o = Fixtures.json(#"{"metadata":{"name":"j","namespace":"n"},"status":{"conditions":[\#(conditions.joined(separator: ","))]}}"#)
        return IncrementalLearningJobTranslator.translate(o, context: .init())
    }

    func trainReady(_ n: Int) -> String {
        #"{"type":"Ready","stage":"Train","data":"{\"input\":{\"outputDir\":\"/output/train/\#(n)\"}}"}"#
    }

    @Test func iterationIsTheRoundOfTheOutputDirNotACountOfConditions() {
        // Round 1, then round 2 whose Train/Completed is appended twice with another condition
        // between (the GM's pod-phase path and the worker's report).
        let set = translate([
            trainReady(1), #"{"type":"Completed","stage":"Train"}"#, #"{"type":"Waiting","stage":"Eval"}"#,
            trainReady(2), #"{"type":"Completed","stage":"Train"}"#, #"{"type":"Waiting","stage":"Eval"}"#,
            #"{"type":"Completed","stage":"Train"}"#, #"{"type":"Waiting","stage":"Eval"}"#,
            trainReady(3), #"{"type":"Running","stage":"Train"}"#,
        ])
        #expect(set.value(Catalog.learningIteration) == 2, "round 3 has not completed")
    }

    @Test func failedIterationsSurviveTheFollowingTrainWaiting() {
        let set = translate([
            trainReady(1), #"{"type":"Failed","stage":"Train"}"#, #"{"type":"Waiting","stage":"Train"}"#,
            trainReady(2), #"{"type":"Completed","stage":"Train"}"#, #"{"type":"Failed","stage":"Eval"}"#,
            #"{"type":"Failed","stage":"Eval"}"#, #"{"type":"Waiting","stage":"Train"}"#,
            trainReady(3), #"{"type":"Running","stage":"Train"}"#,
        ])
        #expect(set.value(Catalog.learningFailedIterations) == 2)
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Running")
        #expect(translate([#"{"type":"Failed","stage":"Train"}"#, #"{"type":"Waiting","stage":"Train"}"#,
                           #"{"type":"Failed","stage":"Train"}"#]).value(Catalog.learningFailedIterations) == 2)
        #expect(translate([]).value(Catalog.learningFailedIterations) == 0)
    }

    @Test func iterationsOverSeveralLoops() {
        let conditions = (1...3).map { _ in
            #"{"type":"Completed","stage":"Train"},{"type":"Completed","stage":"Train"},{"type":"Waiting","stage":"Eval"}"#
        }.joined(separator: ",")
        let o = Fixtures.json(#"{"metadata":{"name":"j","namespace":"n"},"status":{"conditions":[\#(conditions)]}}"#)
        #expect(IncrementalLearningJobTranslator.translate(o, context: .init()).value(Catalog.learningIteration) == 3)
    }
}

@Suite struct MalformedInputTests {
    @Test func malformedDataIsCountedAndTheRestTranslated() {
        let set = IncrementalLearningJobTranslator.translate(
            Fixtures.object("incrementallearningjobs", named: "il-malformed"), context: .init())
        #expect(set.value(Catalog.taskDataErrors) == 1)
        // Unknown condition type "Exploded": the state set says Unknown, exactly one at 1.
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Unknown")
        #expect(set.value(Catalog.taskInfo) == 1)
        #expect(set.values(Catalog.taskStart).isEmpty, "\"yesterday\" is not a timestamp")
        // "high" is skipped, a list with a string is skipped: no eval metric at all.
        #expect(set.values(Catalog.learningEvalMetric).isEmpty)
        #expect(set.values(Catalog.learningTrainProb).isEmpty)
        #expect(set.value(Catalog.taskHyperparameter, ["parameter": "learning_rate"]) == 0.01)
        #expect(set.values(Catalog.taskHyperparameter).count == 1, "\"thirty-two\" is not a batch size")
    }

    @Test(arguments: [
        #"{"metadata":{"name":"x","namespace":"n"}}"#,
        #"{"metadata":{"name":"x","namespace":"n"},"status":null}"#,
        #"{"metadata":{"name":"x","namespace":"n"},"status":{"conditions":[]}}"#,
        #"{"metadata":{"name":"x","namespace":"n"},"status":{"conditions":"oops","active":"2","knowledgeBase":[1]}}"#,
        #"{"metadata":{"name":"x","namespace":"n"},"status":{"conditions":[null,1,"x",{"type":7,"data":12}]}}"#,
        #"{"metadata":{"name":"x","namespace":"n"},"spec":{"trainingWorkers":[null,{"dataset":1}]},"status":{"metrics":{"a":1}}}"#,
        #"{"metadata":{}}"#,
    ])
    func everyTranslatorSurvives(_ text: String) {
        let o = Fixtures.json(text)
        for kind in SednaKind.allCases {
            let set = Translators.forKind(kind).translate(o, context: .init())
            if kind.isTask {
                #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Unknown")
                #expect(set.value(Catalog.taskConditions) != nil)
            }
        }
        _ = PodTranslator.translate(o, context: .init())
        _ = NodeTranslator.translate(o, context: .init())
    }

    @Test func stringCountersAreRead() {
        let o = Fixtures.json(#"{"metadata":{"name":"x","namespace":"n"},"status":{"active":"2","failed":"x"}}"#)
        let set = FederatedLearningJobTranslator.translate(o, context: .init())
        #expect(set.value(Catalog.taskActive) == 2)
        #expect(set.values(Catalog.taskFailed).isEmpty)
    }
}
