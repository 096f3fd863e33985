import SednaCatalog
@testable import SimulatedCluster
import Testing

/// The simulated cluster is Sedna as released: worker env as the GM builds it (and as the
/// admission webhook rewrites it), reports going where the effective LC_SERVER leads, joint
/// inference status only for what reaches the LC.
@Suite struct AsReleasedTests {
    static let captured: WorldHarness = {
        let h = WorldHarness(capture: true)
        h.run(until: 90)
        return h
    }()

    static let released: WorldHarness = {
        let h = WorldHarness(capture: false)
        h.run(until: 90)
        return h
    }()

    /// Every worker container's env as (name, value or nil for valueFrom).
    static func workerEnvs(_ h: WorldHarness) -> [(pod: KubeObject, template: [JSON], env: [JSON])] {
        var out: [(KubeObject, [JSON], [JSON])] = []
        for p in (h.objects[.pods] ?? [:]).values.map(KubeObject.init) {
            guard case let .worker(kind, task, workerType) = PodRole.classify(p.labels) else { continue }
            let cr = h.object(.sedna(kind), task)
            let env = p.spec["containers"][0]["env"].array ?? []
            out.append((p, templateEnv(cr, kind: kind, workerType: workerType) ?? [], env))
        }
        return out
    }

    static func templateEnv(_ cr: JSON, kind: SednaKind, workerType: String) -> [JSON]? {
        let spec = cr["spec"]
        let template: JSON
        switch (kind, workerType) {
        case (.jointInferenceService, "edge"): template = spec["edgeWorker"]["template"]
        case (.jointInferenceService, "cloud"): template = spec["cloudWorker"]["template"]
        case (.federatedLearningJob, "aggregation"): template = spec["aggregationWorker"]["template"]
        case (.federatedLearningJob, "train"): template = spec["trainingWorkers"][0]["template"]
        case (.incrementalLearningJob, _), (.lifelongLearningJob, _):
            template = spec[["train": "trainSpec", "eval": "evalSpec", "inference": "deploySpec"][workerType] ?? ""]["template"]
        default: return nil
        }
        return template["spec"]["containers"][0]["env"].array
    }

    @Test(arguments: [true, false]) func envIsTheTemplatesThenTheGMs(capture: Bool) {
        let h = capture ? Self.captured : Self.released
        let envs = Self.workerEnvs(h)
        #expect(envs.count >= 10)
        for (pod, template, env) in envs where !template.isEmpty {
            #expect(Array(env.prefix(template.count)) == template, "\(pod.name): the template's env comes first")
        }
        for (pod, _, env) in envs {
            let lcServers = env.indices.filter { env[$0]["name"].string == "LC_SERVER" }
            let relayVars = env.indices.filter { env[$0]["name"].string == "SEDNA_RELAY_HOST_IP" }
            guard let last = lcServers.last else {
                #expect(relayVars.isEmpty, "\(pod.name)")
                continue
            }
            if capture {
                #expect(relayVars == [last - 1], "\(pod.name): the host IP variable just before the effective LC_SERVER")
                #expect(env[last - 1]["valueFrom"]["fieldRef"]["fieldPath"].string == "status.hostIP")
                #expect(env[last]["value"].string == "http://$(SEDNA_RELAY_HOST_IP):9480")
            } else {
                #expect(relayVars.isEmpty)
                #expect(env[last]["value"].string == "http://localhost:9100", "\(pod.name): the GM's LC_SERVER wins")
            }
        }
        // The FL train template's own LC_SERVER is there, and shadowed.
        let flTrain = envs.first { $0.pod.labels["federatedlearningjob.sedna.io/worker-type"] == "train" }
        #expect(flTrain.map { $0.env.filter { $0["name"].string == "LC_SERVER" }.count } == 2)
        // JI cloud workers get no LC_SERVER at all.
        let cloud = envs.filter { $0.pod.labels["jointinferenceservice.sedna.io/worker-type"] == "cloud" }
        #expect(!cloud.isEmpty && cloud.allSatisfy { !$0.env.contains { $0["name"].string == "LC_SERVER" } })
    }

    @Test func theWebhookRewriteIsIdempotent() {
        let env: [JSON] = [["name": "LC_SERVER", "value": "http://mine:1"], ["name": "A", "value": "b"],
                           ["name": "LC_SERVER", "value": "http://localhost:9100"]]
        let once = WorkerEnv.rewrittenForRelay(env)
        #expect(once.count == 4 && once[2]["name"].string == "SEDNA_RELAY_HOST_IP" && once[0] == env[0])
        #expect(WorkerEnv.rewrittenForRelay(once) == once)
        #expect(WorkerEnv.rewrittenForRelay([["name": "A", "value": "b"]]) == [["name": "A", "value": "b"]])
    }

    @Test func routesFollowTheEffectiveLCServerAndTheNetwork() {
        let relayEnv = WorkerEnv.rewrittenForRelay([["name": "LC_SERVER", "value": "http://localhost:9100"]])
        #expect(ReportRoute.of(env: relayEnv, hostNetwork: false) == .relay)
        #expect(ReportRoute.of(env: [["name": "LC_SERVER", "value": "http://localhost:9100"]], hostNetwork: true) == .localController)
        #expect(ReportRoute.of(env: [["name": "LC_SERVER", "value": "http://localhost:9100"]], hostNetwork: false) == .lost)
        #expect(ReportRoute.of(env: [], hostNetwork: true) == .lost)
    }

    func jiReports(_ h: WorldHarness) -> [(JSON, ReportRoute)] {
        h.telemetry.compactMap { t in
            if case let .report(_, body, route) = t, body["ownerKind"].string == "jointinferenceservice" { return (body, route) }
            return nil
        }
    }

    @Test func jointInferenceMetricsOnlyWithCaptureAndJobName() {
        // Capture on: the edge reports reach the LC through the relay; only the service whose
        // worker sets JOB_NAME gets status.metrics (the other reports as owner "sedna").
        let c = Self.captured
        #expect(jiReports(c).allSatisfy { $0.1 == .relay })
        #expect(c.object(.sedna(.jointInferenceService), "helmet-detection-inference-example")["status"]["metrics"].array?.count == 3)
        #expect(c.object(.sedna(.jointInferenceService), "pedestrian-detection-inference")["status"]["metrics"].isNull)
        // As released: a non-host-network pod's localhost:9100 has no LC; no status.metrics at all.
        let r = Self.released
        #expect(!jiReports(r).isEmpty && jiReports(r).allSatisfy { $0.1 == .lost })
        for name in ["helmet-detection-inference-example", "pedestrian-detection-inference"] {
            #expect(r.object(.sedna(.jointInferenceService), name)["status"]["metrics"].isNull, "\(name)")
            #expect(r.object(.sedna(.jointInferenceService), name)["status"]["conditions"].array?.isEmpty == false)
        }
    }

    @Test func hardExamplesAreCountedTwiceInInferenceNumber() {
        let counted = JointInferenceLifecycle.lcReporterCounts(frames: 10, hardExamples: 3)
        #expect(counted.inferenceNumber == 13 && counted.hardExampleNumber == 3)
        for (body, _) in jiReports(Self.captured) {
            let info = body["ownerInfo"]
            let n = info["inferenceNumber"].number ?? 0, hard = info["hardExampleNumber"].number ?? 0
            #expect(n > hard && abs((info["uploadCloudRatio"].number ?? -1) - hard / n) < 1e-9)
        }
    }

    @Test func everyReportOfAHostNetworkWorkerReachesTheLC() {
        for (h, expected) in [(Self.captured, ReportRoute.relay), (Self.released, .localController)] {
            for t in h.telemetry {
                guard case let .report(_, body, route) = t, body["ownerKind"].string != "jointinferenceservice" else { continue }
                #expect(route == expected && route.reachesLC)
            }
        }
    }
}
