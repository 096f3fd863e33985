import SednaCatalog
import Testing
import TestSupport

@Suite struct LifelongLearningJobTranslatorTests {
    let set = LifelongLearningJobTranslator.translate(
        Fixtures.object("lifelonglearningjobs", named: "atcii-classifier-demo"), context: .init())

    @Test func stageConditionAndIteration() {
        #expect(set.currentState(Catalog.taskStage, label: "task_stage") == "Eval")
        #expect(set.currentState(Catalog.taskCondition, label: "condition") == "Running")
        #expect(set.value(Catalog.learningIteration) == 1)
        #expect(set.currentState(Catalog.learningDeployStatus, label: "deploy_status") == "Waiting")
    }

    @Test func knowledgeBase() {
        #expect(set.value(Catalog.kbModels) == 2)
        #expect(set.value(Catalog.kbClasses) == 3)
        #expect(set.value(Catalog.kbUnseen) == 40)
        #expect(set.value(Catalog.kbLabeledUnseen) == 12)
        #expect(set.value(Catalog.kbModelPrecision, ["model_id": "task-1"]) == 0.77)
        #expect(set.value(Catalog.kbModelSamples, ["model_id": "task-0"]) == 1200)
    }

    @Test func kbIndexIsTheTrainOutputAndHasNoLoss() {
        #expect(set.value(Catalog.learningModelInfo, ["role": "train_output", "url": "/output/train/1/index.pkl", "format": "pkl"]) == 1)
        #expect(set.values(Catalog.learningTrainLoss).isEmpty)
        #expect(set.value(Catalog.learningModelInfo, ["role": "eval_new"]) == 1)
    }

    @Test func llDeployUsesTheFirstInputModel() {
        let o = Fixtures.json(#"""
        {"metadata":{"name":"l","namespace":"n"},"status":{"conditions":[
          {"type":"Ready","stage":"Deploy","data":"{\"input\":{\"models\":[{\"format\":\"pkl\",\"url\":\"/kb/index.pkl\"}]}}"}]}}
        """#)
        let s = LifelongLearningJobTranslator.translate(o, context: .init())
        #expect(s.value(Catalog.learningModelInfo, ["role": "deploy", "url": "/kb/index.pkl"]) == 1)
        #expect(s.values(Catalog.kbModels).isEmpty, "no knowledgeBase, no KB series")
    }

    @Test func anEmptyKnowledgeBaseIsAbsentNotZero() {
        // What the GM writes when the eval output carries none of the keys Sedna's workers never
        // send (pkg/globalmanager/controllers/lifelonglearning/upstream.go).
        let o = Fixtures.json(#"""
        {"metadata":{"name":"l","namespace":"n"},"status":{"knowledgeBase":{
          "AIModels":{"numberOfAIModels":0,"listOfAIModels":[]},"AIClasses":{"numberOfAIClasses":0,"listOfAIClasses":null},
          "samples":{"numberOfLabeledUnseenSample":0,"numberOfUnseenSample":0}}}}
        """#)
        let s = LifelongLearningJobTranslator.translate(o, context: .init())
        for f in [Catalog.kbModels, Catalog.kbClasses, Catalog.kbUnseen, Catalog.kbLabeledUnseen, Catalog.kbModelPrecision] {
            #expect(s.values(f).isEmpty, "\(f.name)")
        }
    }
}
