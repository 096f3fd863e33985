import SednaCatalog
@testable import SimulatedCluster
import Testing

/// FL against Sedna as released (federatedlearningjob.go, lib/sedna/core/base.py): the LC drops the train workers'
/// `ownerKind: "default"` reports, so the GM writes no `Training` condition and no Model
/// status; phase and counts come from the pods alone.
@Suite struct FederatedLearningTests {
    @Test(arguments: [UInt64(1), 2, 3]) func onlyTheGMsOwnSyncWritesTheStatus(seed: UInt64) throws {
        let h = WorldHarness(seed: seed)
        h.run(until: 600, every: 3)
        for (_, o) in h.objects[.sedna(.federatedLearningJob)] ?? [:] {
            let name = KubeObject(o).name
            let conds = o["status"]["conditions"].array ?? []
            #expect(conds.allSatisfy { $0["type"].string == "Complete" }, "\(name): no Training condition on Sedna as released")
            #expect(conds.count <= 1)
            if conds.last?["type"].string == "Complete" {
                #expect(o["status"]["completionTime"].string != nil)
                #expect(o["status"]["phase"].string == "Succeeded")
                #expect(o["status"]["active"].number == 0 && (o["status"]["succeeded"].number ?? 0) > 0)
            } else {
                #expect(o["status"]["completionTime"].isNull)
                #expect(o["status"]["phase"].string == "Running")
                #expect((o["status"]["active"].number ?? 0) > 0)
            }
        }
        let quick = h.object(.sedna(.federatedLearningJob), "surface-defect-quick")
        #expect(quick["status"]["conditions"].array?.last?["type"].string == "Complete")
        for model in ["surface-defect-detection-model", "surface-defect-quick-model"] {
            #expect(h.object(.sedna(.model), model)["status"].isNull, "\(model): only the FL upstream handler would write it")
        }
    }

    @Test(arguments: [true, false]) func trainWorkersStillSendTheirRoundReports(capture: Bool) {
        let h = WorldHarness(capture: capture)
        h.run(until: 60)
        let reports = h.telemetry.compactMap { t -> (JSON, ReportRoute)? in
            if case let .report(_, body, route) = t, body["ownerName"].string == "surface-defect-detection" { return (body, route) }
            return nil
        }
        #expect(!reports.isEmpty)
        for (b, route) in reports {
            #expect(b["ownerKind"].string == "default" && b["kind"].string == "train" && b["status"].string == "running")
            #expect((b["ownerInfo"]["currentRound"].number ?? 0) >= 1 && b["ownerInfo"]["sampleCount"].number != nil)
            #expect(b["results"][0]["metrics"]["loss"].number != nil)
            // Host network: localhost:9100 is the node's LC; with the capture route, the relay.
            #expect(route == (capture ? .relay : .localController))
        }
        #expect(h.rejected.isEmpty, "\(h.rejected.prefix(3))")
        if capture {
            #expect((h.value("sedna_federated_learning_worker_round", "task=\"surface-defect-detection\"") ?? 0) >= 1)
        } else {
            #expect(h.value("sedna_federated_learning_worker_round", "task=\"surface-defect-detection\"") == nil)
        }
    }
}
