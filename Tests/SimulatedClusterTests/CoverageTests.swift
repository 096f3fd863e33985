import Exposition
import SednaCatalog
@testable import SimulatedCluster
import Testing

/// After two simulated minutes, everything the world produced goes through the real
/// translators and intake; every family of docs/metrics.md's object and intake sections must
/// have a series.
@Suite struct CoverageTests {
    /// Families the simulation cannot fill, and why (docs/simulator.md lists the same).
    static let allowlist: Set<String> = [
        // Other (non-catalog) keys in status.metrics: JI's LCReporter sends exactly the three
        // keys the catalog names, and FeatureExtractionService has no LC manager (cmd/sedna-lc/app/server.go).
        "sedna_task_reported_metric",
        // Sedna as released: the LC drops FL reports (ownerKind "default"), so no Training
        // condition and no Model status is ever written.
        "sedna_federated_learning_round", "sedna_federated_learning_aggregations",
        "sedna_model_metric", "sedna_model_update_timestamp_seconds",
        // The GM's knowledge base stays empty: no worker sends classes, current_metric or
        // number_of_labeled_unseen_sample (pkg/globalmanager/controllers/lifelonglearning/upstream.go),
        // and the translator exports nothing for an empty knowledge base (absent, not zero).
        "sedna_lifelong_learning_knowledge_base_models",
        "sedna_lifelong_learning_knowledge_base_classes",
        "sedna_lifelong_learning_knowledge_base_unseen_samples",
        "sedna_lifelong_learning_knowledge_base_labeled_unseen_samples",
        "sedna_lifelong_learning_knowledge_base_model_average_precision",
        "sedna_lifelong_learning_knowledge_base_model_train_samples",
    ]

    static let harness: WorldHarness = {
        let h = WorldHarness()
        h.run(until: 120)
        return h
    }()

    @Test func everyFamilyHasASeries() {
        let h = Self.harness
        let names = Set(h.series.map { line in line.prefix { $0 != "{" && $0 != " " } }.map(String.init))
        let missing = Catalog.objectFamilies.map(\.name).filter { !names.contains($0) && !Self.allowlist.contains($0) }
        #expect(missing.isEmpty, "no series for \(missing)")
        let pushed = PushVocabulary.entries.map(\.name).filter { !names.contains($0) }
        #expect(pushed.isEmpty, "no pushed series for \(pushed)")
        for name in Self.allowlist { #expect(!names.contains(name), "\(name) is covered now; drop it from the allowlist") }
        #expect(h.rejected.isEmpty, "\(h.rejected.prefix(5))")
        #expect(h.inventory.translateErrors.isEmpty)
    }

    @Test func incrementalJobReachesItsSecondIterationWithin90Seconds() {
        let h = WorldHarness()
        h.run(until: 90)
        let iteration = h.value("sedna_learning_iteration", "task=\"helmet-detection-demo\"") ?? 0
        #expect(iteration >= 2)
    }

    @Test func federatedRoundsAdvanceAndJointInferenceCountsGrow() {
        let h = WorldHarness()
        h.run(until: 50)
        let round1 = h.value("sedna_federated_learning_worker_round", "task=\"surface-defect-detection\"") ?? 0
        let ji1 = h.value("sedna_joint_inference_inferences_total", "task=\"helmet-detection-inference-example\"") ?? 0
        let worker1 = h.value("sedna_joint_inference_worker_inferences_total", "task=\"helmet-detection-inference-example\"") ?? 0
        h.run(until: 120)
        #expect(round1 >= 1)
        #expect((h.value("sedna_federated_learning_worker_round", "task=\"surface-defect-detection\"") ?? 0) > round1)
        #expect(ji1 > 0 && (h.value("sedna_joint_inference_inferences_total", "task=\"helmet-detection-inference-example\"") ?? 0) > ji1)
        #expect((h.value("sedna_joint_inference_worker_inferences_total", "task=\"helmet-detection-inference-example\"") ?? 0) > worker1)
    }

    @Test func crashLoopAndUnreachableNodeShow() {
        let h = WorldHarness()
        h.run(until: 100)
        #expect(h.series.contains { $0.hasPrefix("sedna_worker_container_waiting_reason{") && $0.contains("CrashLoopBackOff") }
            || (h.value("sedna_worker_container_restarts_total", "task=\"pedestrian-detection-inference\"", "container=\"little-model\"") ?? 0) > 0)
        #expect(h.value("sedna_node_ready", "node=\"edge-node-2\"") == 0)
        #expect(h.value("sedna_node_ready", "node=\"edge-node-1\"") == 1)
        let node = h.object(.nodes, "edge-node-2", namespace: "")
        let ready = node["status"]["conditions"][0]
        #expect(ready["status"].string == "Unknown" && ready["reason"].string == "NodeStatusUnknown")
        h.run(until: 130)
        #expect(h.value("sedna_node_ready", "node=\"edge-node-2\"") == 1)
    }

    @Test func workerPodsFollowSednaNaming() {
        let h = Self.harness
        let pods = (h.objects[.pods] ?? [:]).values.map(KubeObject.init)
        for p in pods {
            guard case let .worker(kind, task, workerType) = PodRole.classify(p.labels) else { continue }
            let env = p.spec["containers"][0]["env"].array ?? []
            let workerName = env.first { $0["name"].string == "WORKER_NAME" }?["value"].string ?? ""
            #expect(!workerName.isEmpty, "\(p.name)")
            #expect(p.name.hasPrefix(task + "-"), "\(p.name)")
            #expect(!p.spec["nodeName"].isNull)
            switch kind {
            case .incrementalLearningJob, .lifelongLearningJob:
                #expect(p.name.split(separator: "-").dropLast().last.map(String.init) == workerType)
                #expect(p.spec["hostNetwork"] == true)
                #expect(p.ownerReferences.first?["uid"].string == p.labels[kind.labelPrefix + "uid"])
                let prefix = ["train": "train-worker-", "eval": "eval-worker-", "inference": "inferworker-"][workerType] ?? "?"
                #expect(workerName.hasPrefix(prefix))
            case .federatedLearningJob:
                #expect(workerName.hasPrefix(workerType == "train" ? "trainworker-" : "aggworker-"))
                #expect((p.spec["hostNetwork"] == true) == (workerType == "train"))
            case .jointInferenceService:
                #expect(workerName.hasPrefix(workerType == "edge" ? "edgeworker-" : "cloudworker-"))
                #expect(p.name.hasPrefix("\(task)-deployment-\(workerType)-"))
                #expect(p.ownerReferences.first?["kind"].string == "ReplicaSet")
            default:
                break
            }
        }
    }
}

@Suite struct ScalingTests {
    func counts(tasks: Int) -> [WatchedResource: Int] {
        var w = SimulatedWorld(seed: 1, tasks: tasks, start: WorldHarness.start)
        var names: [WatchedResource: Set<String>] = [:]
        for t in stride(from: 0.0, through: 10, by: 1) {
            for case let .put(r, o) in w.advance(to: WorldHarness.start + t).changes {
                names[r, default: []].insert("\(KubeObject(o).namespace)/\(KubeObject(o).name)")
            }
        }
        return names.mapValues(\.count)
    }

    @Test func tasksMultipliesObjects() {
        let one = counts(tasks: 1), three = counts(tasks: 3)
        for kind in SednaKind.allCases {
            #expect((one[.sedna(kind)] ?? 0) > 0, "\(kind)")
            #expect(three[.sedna(kind)] == 3 * (one[.sedna(kind)] ?? 0), "\(kind)")
        }
        #expect(one[.nodes] == 4 && three[.nodes] == 10)
        #expect((three[.pods] ?? 0) > 2 * (one[.pods] ?? 0))
    }
}
