import SednaCatalog
@testable import SimulatedCluster
import Testing

/// IL/LL conditions against the IL controller's transitJobState (who appends what) and the LL differences.
@Suite struct LearningStateMachineTests {
    struct Cond {
        let stage: String, type: String, message: String, data: String, reason: String
        var key: String { "\(stage)/\(type)" }
        var byLC: Bool { message == "reported by lc" }
    }

    static let runs: [(seed: UInt64, harness: WorldHarness)] = [UInt64(1), 2, 3].map { seed in
        let h = WorldHarness(seed: seed)
        h.run(until: 600, every: 3)
        return (seed, h)
    }

    func conditions(_ o: JSON) -> [Cond] {
        (o["status"]["conditions"].array ?? []).map {
            Cond(stage: $0["stage"].string ?? "", type: $0["type"].string ?? "", message: $0["message"].string ?? "",
                 data: $0["data"].string ?? "<absent>", reason: $0["reason"].string ?? "<absent>")
        }
    }

    func decode(_ s: String) -> JSON? { try? JSON.decodeEmbedded(s) }

    /// The 3.2 table as (previous, next, appended by LC?) rules.
    func allowed(_ prev: Cond?, _ next: Cond, lifelong: Bool) -> Bool {
        guard let prev else { return next.key == "Train/Waiting" && !next.byLC }
        let s = prev.stage
        switch (prev.type, next.type) {
        case ("Waiting", "Ready"): return next.stage == s && next.byLC
        case ("Waiting", "Completed"): return !lifelong && s == "Deploy" && next.stage == "Deploy" && next.byLC && next.data == "{}"
        case ("Ready", "Starting"): return s != "Deploy" && next.stage == s && !next.byLC
        case ("Ready", "Completed"): return s == "Deploy" && next.stage == "Deploy" && !next.byLC
        case ("Starting", "Running"): return next.stage == s && !next.byLC
        case ("Running", "Completed"): return next.stage == s
        case ("Running", "Failed"): return next.stage == s
        case ("Completed", "Completed"): return next.stage == s && !prev.byLC && next.byLC   // GM's pod-phase path won the race
        case ("Completed", "Waiting"):
            let next2 = ["Train": "Eval", "Eval": "Deploy", "Deploy": "Train"][s]
            return next.stage == next2 && !next.byLC
        case ("Failed", "Waiting"): return next.stage == "Train" && !next.byLC
        default: return false
        }
    }

    @Test(arguments: [0, 1, 2]) func everyAppendedConditionFollowsTheTable(run: Int) throws {
        let h = Self.runs[run].harness
        for (resource, lifelong) in [(WatchedResource.sedna(.incrementalLearningJob), false), (.sedna(.lifelongLearningJob), true)] {
            for (name, o) in h.objects[resource] ?? [:] {
                let conds = conditions(o)
                #expect(conds.count > 20, "\(name) should loop several times in 10 minutes")
                var prev: Cond? = nil
                for c in conds {
                    #expect(allowed(prev, c, lifelong: lifelong), "\(name): \(prev?.key ?? "none") -> \(c.key) (lc: \(c.byLC))")
                    #expect(c.reason == "")
                    if c.byLC {
                        let data = try #require(decode(c.data), "\(name) \(c.key) data must be JSON")
                        if c.type == "Ready" {
                            #expect(data["input"].object != nil, "\(name) \(c.key) carries input")
                        } else if c.data != "{}" {
                            #expect(data["output"].object != nil, "\(name) \(c.key) carries output")
                        }
                    } else {
                        #expect(c.message == "" && c.data == "", "\(name) \(c.key) by the GM has empty message and data")
                    }
                    prev = c
                }
            }
        }
    }

    @Test func dataShapesMatchTheDocumentedExamples() throws {
        let h = Self.runs[0].harness
        let il = conditions(h.object(.sedna(.incrementalLearningJob), "helmet-detection-demo"))
        let trainReady = try #require(il.first { $0.key == "Train/Ready" }.flatMap { decode($0.data) })
        #expect(trainReady["input"]["models"][0]["format"].string == "pb")
        #expect(trainReady["input"]["models"][0].object?["classes"] == .null)
        #expect(trainReady["input"]["dataURL"].string == "/incremental_learning/output/data/train/1/data.txt")
        #expect(trainReady["input"]["outputDir"].string == "/incremental_learning/output/train/1")
        let trainDone = try #require(il.first { $0.key == "Train/Completed" && $0.byLC }.flatMap { decode($0.data) })
        #expect(trainDone["output"]["models"][0]["url"].string == "/incremental_learning/output/train/1/model.pb")
        #expect(trainDone["output"]["models"][0]["metrics"]["loss"].number != nil)
        #expect(trainDone["output"]["models"][1]["format"].string == "ckpt")
        let evalDone = try #require(il.first { $0.key == "Eval/Completed" && $0.byLC }.flatMap { decode($0.data) })
        #expect(evalDone["output"]["models"].array?.count == 2)
        #expect(evalDone["output"]["models"][0]["metrics"]["precision"].array?.count == 4)
        #expect(evalDone["output"]["models"][1]["url"].string == "/models/deploy/model.pb")
        // Raw text keeps Go's field order of the examples.
        #expect(il.first { $0.key == "Train/Ready" }?.data.hasPrefix(#"{"input":{"models":[{"format":"pb","url":"/models/initial/model.pb","classes":null}],"dataURL":"#) == true)

        let ll = conditions(h.object(.sedna(.lifelongLearningJob), "atcii-classifier-demo"))
        let llReady = try #require(ll.first { $0.key == "Train/Ready" }.flatMap { decode($0.data) })
        #expect(llReady["input"]["models"].isNull)
        #expect(llReady["input"]["dataIndexURL"].string != nil && llReady["input"]["outputDir"].string != nil)
        let llTrained = try #require(ll.first { $0.key == "Train/Completed" && $0.byLC }.flatMap { decode($0.data) })
        #expect(llTrained["output"]["models"][0]["url"].string?.hasSuffix(".pkl") == true)
        #expect(llTrained["output"]["models"][0]["metrics"].isNull)
        let llDeploy = try #require(ll.first { $0.key == "Deploy/Ready" }.flatMap { decode($0.data) })
        #expect(Set(llDeploy["input"]["models"][0].object?.keys ?? [:].keys) == ["format", "url"])
    }

    @Test func lifelongDifferences() {
        let h = Self.runs[0].harness
        let ll = conditions(h.object(.sedna(.lifelongLearningJob), "atcii-classifier-demo"))
        #expect(!ll.contains { $0.key == "Deploy/Starting" || $0.key == "Deploy/Running" })
        // The GM's knowledge base from what real workers send: nothing it can count.
        let kb = h.object(.sedna(.lifelongLearningJob), "atcii-classifier-demo")["status"]["knowledgeBase"]
        #expect(kb == IncrementalLearningLifecycle.zeroKnowledgeBase)
        #expect(kb["AIModels"]["numberOfAIModels"].number == 0 && kb["AIModels"]["listOfAIModels"].isNull)
        #expect(kb["AIClasses"]["numberOfAIClasses"].number == 0 && kb["samples"]["numberOfUnseenSample"].number == 0)

        // No inference pod before the first Deploy/Ready.
        let early = WorldHarness()
        early.run(until: 20)
        let pods = early.objects[.pods]?.values.map(KubeObject.init) ?? []
        #expect(!pods.contains { $0.labels["lifelonglearningjob.sedna.io/worker-type"] == "inference" })
        #expect(pods.contains { $0.labels["incrementallearningjob.sedna.io/worker-type"] == "inference" })
    }

    @Test func failedStagesRestartTraining() {
        var sawFailure = false
        for (_, h) in Self.runs {
            for o in (h.objects[.sedna(.incrementalLearningJob)] ?? [:]).values {
                let conds = conditions(o)
                for (i, c) in conds.enumerated() where c.type == "Failed" {
                    sawFailure = true
                    if i + 1 < conds.count { #expect(conds[i + 1].key == "Train/Waiting") }
                }
            }
        }
        #expect(sawFailure)
    }

    @Test func defaultSeedFailsEarly() {
        let h = Self.runs[0].harness   // seed 1 = SimulatedWorld.defaultSeed
        #expect(SimulatedWorld.defaultSeed == 1)
        let early = (h.objects[.sedna(.incrementalLearningJob)] ?? [:]).values.contains { o in
            let conds = conditions(o)
            guard let firstFailure = conds.firstIndex(where: { $0.type == "Failed" }) else { return false }
            return conds[..<firstFailure].filter { $0.key == "Train/Waiting" }.count <= 3
        }
        #expect(early, "some job fails within its first three iterations with the default seed")
    }

    @Test func knowledgeBaseIsWhatTheGMComputes() {
        // A report with the keys the GM reads would fill it (upstream.go), one that has none leaves zeros.
        let filled = IncrementalLearningLifecycle.gmKnowledgeBase(outputModels: [
            ["format": "pkl", "url": "/kb/index.pkl", "classes": ["cold", "warm"], "current_metric": ["task-1": [0.8, 0.1]],
             "number_of_labeled_unseen_sample": 7],
        ])
        #expect(filled["AIModels"]["numberOfAIModels"].number == 1)
        #expect(filled["AIModels"]["listOfAIModels"][0]["averagePrecision"].number == 0.8)
        #expect(filled["AIClasses"]["numberOfAIClasses"].number == 2)
        #expect(filled["samples"]["numberOfLabeledUnseenSample"].number == 7 && filled["samples"]["numberOfUnseenSample"].number == 0)
        let empty = IncrementalLearningLifecycle.gmKnowledgeBase(outputModels: [["format": "pkl", "url": "/kb/index.pkl", "classes": .null]])
        #expect(empty == IncrementalLearningLifecycle.zeroKnowledgeBase)
    }

    @Test func stagePodsAreNeverDeleted() {
        // The IL/LL controllers only delete the inference pod they replace (restartInferPod).
        let h = Self.runs[0].harness
        var deleted: [String] = []
        for step in h.steps {
            for case let .delete(.pods, _, name) in step.changes where name.contains("-train-") || name.contains("-eval-") {
                deleted.append(name)
            }
        }
        #expect(deleted.isEmpty, "\(deleted.prefix(3))")
        let trainPods = (h.objects[.pods] ?? [:]).values.map(KubeObject.init)
            .filter { $0.labels["incrementallearningjob.sedna.io/name"] == "helmet-detection-demo"
                && $0.labels["incrementallearningjob.sedna.io/worker-type"] == "train" }
        #expect(trainPods.count >= 3)
    }

    @Test func stageAnnotationsNameNodes() {
        let h = Self.runs[0].harness
        let a = h.object(.sedna(.incrementalLearningJob), "helmet-detection-demo")["metadata"]["annotations"]
        #expect(a["sedna.io/Train"].string == "edge-node-1")
        #expect(a["sedna.io/Eval"].string == "edge-node-1")
        #expect(a["sedna.io/Deploy"].string == "edge-node-1")
    }
}
