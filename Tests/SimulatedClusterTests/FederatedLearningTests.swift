import SednaCatalog
@testable import SimulatedCluster
import Testing

/// FL conditions against DATA-MODEL.md 3.4 (with the job_kind fix of 4.1/5.1).
@Suite struct FederatedLearningTests {
    @Test(arguments: [UInt64(1), 2, 3]) func trainingRoundsAndCompletion(seed: UInt64) throws {
        let h = WorldHarness(seed: seed)
        h.run(until: 600, every: 3)
        for (_, o) in h.objects[.sedna(.federatedLearningJob)] ?? [:] {
            let name = KubeObject(o).name
            let workers = o["spec"]["trainingWorkers"].array?.count ?? 0
            let conds = o["status"]["conditions"].array ?? []
            var rounds: [Int] = []
            for (i, c) in conds.enumerated() {
                if c["type"].string == "Training" {
                    #expect(c["reason"].string == "DoTraining")
                    let words = (c["message"].string ?? "").split(separator: " ")
                    #expect(words.count == 6 && words[0] == "Round" && words[2] == "reaches" && words[3] == "at")
                    #expect(c["lastProbeTime"].string != nil && c["lastTransitionTime"].isNull)
                    rounds.append(try #require(Int(words[1])))
                } else {
                    #expect(c["type"].string == "Complete" && i == conds.count - 1, "\(name): Complete only at the end")
                }
            }
            // One condition per train worker's report, rounds 1, 2, 3, ... in order.
            #expect(!rounds.isEmpty)
            #expect(rounds.count % workers == 0 || conds.last?["type"].string != "Complete")
            for (i, r) in rounds.enumerated() { #expect(r == i / workers + 1, "\(name) condition \(i)") }
            let exit = Int(o["spec"]["aggregationWorker"]["template"]["spec"]["containers"][0]["env"][0]["value"].string ?? "") ?? 0
            if conds.last?["type"].string == "Complete" {
                #expect(rounds.last == exit)
                #expect(o["status"]["completionTime"].string != nil)
                #expect(o["status"]["phase"].string == "Succeeded")
                #expect(o["status"]["active"].number == 0 && (o["status"]["succeeded"].number ?? 0) > 0)
            } else {
                #expect(o["status"]["completionTime"].isNull)
                #expect(o["status"]["phase"].string == "Running")
                #expect((rounds.last ?? 0) < exit)
            }
        }
        let quick = h.object(.sedna(.federatedLearningJob), "surface-defect-quick")
        #expect(quick["status"]["conditions"].array?.last?["type"].string == "Complete")
        let model = h.object(.sedna(.model), "surface-defect-detection-model")
        #expect(model["status"]["metrics"].array?.isEmpty == false)
        #expect(model["status"]["updateTime"].string != nil)
    }

    @Test func reportsCarryRoundsAsFederatedWorkersSendThem() {
        let h = WorldHarness()
        h.run(until: 60)
        let bodies = h.telemetry.compactMap { t -> JSON? in
            if case let .report(_, body) = t, body["ownerName"].string == "surface-defect-detection" { return body }
            return nil
        }
        #expect(!bodies.isEmpty)
        for b in bodies {
            #expect(b["ownerKind"].string == "default" && b["kind"].string == "train" && b["status"].string == "running")
            #expect((b["ownerInfo"]["currentRound"].number ?? 0) >= 1 && b["ownerInfo"]["sampleCount"].number != nil)
            #expect(b["results"][0]["metrics"]["loss"].number != nil)
        }
        #expect(h.rejected.isEmpty, "\(h.rejected.prefix(3))")
    }
}
