@testable import Exposition
import SednaCatalog
import Testing
import TestSupport

@Suite struct InventoryTests {
    func text(_ inv: Inventory) -> String {
        var out: [UInt8] = []
        inv.store.write(format: .text004, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func deleteLeavesNoSeries() {
        let inv = Inventory()
        let ji = Fixtures.object("jointinferenceservices", named: "helmet-detection-inference-example")
        inv.upsert(.sedna(.jointInferenceService), ji)
        #expect(text(inv).contains("task=\"helmet-detection-inference-example\""))
        inv.delete(.sedna(.jointInferenceService), ji)
        #expect(text(inv) == "")
    }

    @Test func relistDropsObjectsThatAreGone() {
        let inv = Inventory()
        let all = Fixtures.cluster("datasets")
        inv.replaceAll(.sedna(.dataset), all)
        #expect(inv.store.count(.sedna(.dataset)) == all.count)
        inv.replaceAll(.sedna(.dataset), Array(all.prefix(1)))
        #expect(inv.store.count(.sedna(.dataset)) == 1)
        #expect(!text(inv).contains("edge1-surface"))
    }

    /// A relist delivered page by page ends where one `replaceAll` of every page ends, in
    /// any order of resources and however the pages split (dependants re-rendered included).
    @Test(arguments: [1, 2, 7])
    func aRelistPageByPageEqualsReplaceAll(pageSize: Int) {
        var byResource: [String: [KubeObject]] = [:]
        for (r, o) in Fixtures.allCluster() { byResource[r, default: []].append(o) }
        let whole = Inventory(), paged = Inventory()
        // Both start from a cluster with objects the relists no longer have.
        for (r, objects) in byResource {
            let extra = objects.map { o -> KubeObject in
                var meta = o.metadata.object ?? [:]
                meta["uid"] = .string("gone-" + o.key)
                var top = o.json.object ?? [:]
                top["metadata"] = .object(meta)
                return KubeObject(.object(top))
            }
            whole.replaceAll(WatchedResource(plural: r)!, extra)
            paged.replaceAll(WatchedResource(plural: r)!, extra)
        }
        for (r, objects) in byResource.sorted(by: { $0.key < $1.key }) {
            let resource = WatchedResource(plural: r)!
            whole.replaceAll(resource, objects)
            paged.beginRelist(resource)
            for start in stride(from: 0, to: objects.count, by: pageSize) {
                paged.applyRelistPage(resource, Array(objects[start..<min(objects.count, start + pageSize)]))
            }
            paged.completeRelist(resource)
        }
        #expect(text(paged) == text(whole))
        #expect(!text(paged).contains("gone-"))
        #expect(text(paged).contains("sedna_worker_info"))
    }

    /// A relist of objects as they were (what a `410 Gone` usually brings) and watch events that
    /// change nothing exported leave the store's generation where it was, so the cached scrape
    /// body stays valid; an exported change moves it.
    @Test func unchangedObjectsLeaveTheGenerationAlone() {
        var byResource: [String: [KubeObject]] = [:]
        for (r, o) in Fixtures.allCluster() { byResource[r, default: []].append(o) }
        let inv = Inventory()
        for (r, objects) in byResource.sorted(by: { $0.key < $1.key }) { inv.replaceAll(WatchedResource(plural: r)!, objects) }
        let before = inv.store.generation, body = text(inv)
        for (r, objects) in byResource.sorted(by: { $0.key < $1.key }) {
            let resource = WatchedResource(plural: r)!
            inv.beginRelist(resource)
            for start in stride(from: 0, to: objects.count, by: 3) {
                inv.applyRelistPage(resource, Array(objects[start..<min(objects.count, start + 3)]))
            }
            inv.completeRelist(resource)
            inv.replaceAll(resource, objects)
        }
        #expect(inv.store.generation == before)
        #expect(text(inv) == body)

        let pod = Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z")
        func changed(_ edit: (inout [String: JSON], inout [String: JSON]) -> Void) -> KubeObject {
            var top = pod.json.object ?? [:]
            var meta = top["metadata"]?.object ?? [:], status = top["status"]?.object ?? [:]
            edit(&meta, &status)
            top["metadata"] = .object(meta)
            top["status"] = .object(status)
            return KubeObject(.object(top))
        }
        inv.upsert(.pods, changed { meta, _ in
            meta["resourceVersion"] = .string("999999")
            meta["annotations"] = .object(["touched": .string("yes")])
        })
        #expect(inv.store.generation == before)
        inv.upsert(.pods, changed { _, status in status["phase"] = .string("Failed") })
        #expect(inv.store.generation != before)
        #expect(text(inv) != body)
    }

    /// A relist whose LIST failed removes nothing: what its pages held is applied, the rest
    /// stays until a relist completes.
    @Test func anAbandonedRelistRemovesNothing() {
        let inv = Inventory()
        let all = Fixtures.cluster("datasets")
        inv.replaceAll(.sedna(.dataset), all)
        inv.beginRelist(.sedna(.dataset))
        inv.applyRelistPage(.sedna(.dataset), Array(all.prefix(1)))
        inv.abandonRelist(.sedna(.dataset))
        inv.completeRelist(.sedna(.dataset))   // no relist under way: nothing happens
        #expect(inv.store.count(.sedna(.dataset)) == all.count)
        inv.beginRelist(.sedna(.dataset))
        inv.applyRelistPage(.sedna(.dataset), Array(all.prefix(1)))
        inv.completeRelist(.sedna(.dataset))
        #expect(inv.store.count(.sedna(.dataset)) == 1)
        // An empty relist empties the resource.
        inv.beginRelist(.sedna(.dataset))
        inv.completeRelist(.sedna(.dataset))
        #expect(inv.store.count(.sedna(.dataset)) == 0)
    }

    @Test func objectsWithoutUIDAreKeyedByNamespaceAndName() {
        let inv = Inventory()
        let a = Fixtures.json(#"{"metadata":{"name":"d","namespace":"a","uid":"..."},"status":{"numberOfSamples":1}}"#)
        let b = Fixtures.json(#"{"metadata":{"name":"d","namespace":"b"},"status":{"numberOfSamples":2}}"#)
        let a2 = Fixtures.json(#"{"metadata":{"name":"d","namespace":"a"},"status":{"numberOfSamples":3}}"#)
        inv.upsert(.sedna(.dataset), a)
        inv.upsert(.sedna(.dataset), b)
        inv.upsert(.sedna(.dataset), a2)
        #expect(inv.store.count(.sedna(.dataset)) == 2)
        #expect(text(inv).contains("sedna_dataset_samples{namespace=\"a\",dataset=\"d\"} 3"))
    }

    @Test func podsAreReRenderedWhenTheirNodeBecomesKnown() {
        let inv = Inventory()
        let pod = Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z")
        inv.upsert(.pods, pod)
        #expect(text(inv).contains("location=\"unknown\""))
        inv.upsert(.nodes, Fixtures.object("nodes", named: "edge1"))
        #expect(text(inv).contains("node=\"edge1\",location=\"edge\"} 1"))
        #expect(!text(inv).contains("location=\"unknown\""))
    }

    @Test func federatedJobsAreReRenderedWhenTheirDatasetChanges() {
        let inv = Inventory()
        inv.upsert(.sedna(.federatedLearningJob), Fixtures.object("federatedlearningjobs", named: "surface-defect-detection"))
        #expect(!text(inv).contains("sedna_federated_learning_node_samples"))
        var ds = Fixtures.object("datasets", named: "edge1-surface-defect-detection-dataset")
        inv.upsert(.sedna(.dataset), ds)
        #expect(text(inv).contains("sedna_federated_learning_node_samples{namespace=\"default\",kind=\"FederatedLearningJob\",task=\"surface-defect-detection\",node=\"edge1\",dataset=\"edge1-surface-defect-detection-dataset\"} 320"))
        ds = Fixtures.json(#"{"metadata":{"name":"edge1-surface-defect-detection-dataset","namespace":"default","uid":"uid-ds-edge1-surface-defect-detection-dataset"},"status":{"numberOfSamples":400}}"#)
        inv.upsert(.sedna(.dataset), ds)
        #expect(text(inv).contains("dataset=\"edge1-surface-defect-detection-dataset\"} 400"))
        inv.delete(.sedna(.dataset), ds)
        #expect(!text(inv).contains("sedna_federated_learning_node_samples"))
    }

    /// The node and dataset indexes follow a pod that is scheduled (or moved) and a job whose
    /// training workers change: a later change of the node or dataset finds them there.
    @Test func dependantsAreFoundWhereTheyAreNow() throws {
        let inv = Inventory()
        let pod = Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z")
        guard case .object(var top) = pod.json, case .object(var spec) = top["spec"] ?? .null else {
            Issue.record("fixture pod has no spec"); return
        }
        spec["nodeName"] = .string("")
        top["spec"] = .object(spec)
        inv.upsert(.pods, KubeObject(.object(top)))           // not yet scheduled
        inv.upsert(.pods, pod)                                 // scheduled on edge1
        inv.upsert(.nodes, Fixtures.object("nodes", named: "edge1"))
        #expect(text(inv).contains("node=\"edge1\",location=\"edge\"} 1"))
        inv.delete(.pods, pod)
        inv.delete(.nodes, Fixtures.object("nodes", named: "edge1"))   // no pod left to re-render
        #expect(!text(inv).contains("surface-defect-detection-train-t1x9z"))

        let job = Fixtures.object("federatedlearningjobs", named: "surface-defect-detection")
        inv.upsert(.sedna(.federatedLearningJob), job)
        // The job no longer trains on edge1's dataset: its change must not touch the job...
        guard case .object(var jtop) = job.json, case .object(var jspec) = jtop["spec"] ?? .null,
              case .array(let workers) = jspec["trainingWorkers"] ?? .null else {
            Issue.record("fixture job has no training workers"); return
        }
        jspec["trainingWorkers"] = .array(workers.filter { $0["dataset"]["name"].string != "edge1-surface-defect-detection-dataset" })
        jtop["spec"] = .object(jspec)
        inv.upsert(.sedna(.federatedLearningJob), KubeObject(.object(jtop)))
        inv.upsert(.sedna(.dataset), Fixtures.object("datasets", named: "edge1-surface-defect-detection-dataset"))
        #expect(!text(inv).contains("sedna_federated_learning_node_samples{namespace=\"default\",kind=\"FederatedLearningJob\",task=\"surface-defect-detection\",node=\"edge1\""))
        // ...and a dataset it still trains on is joined.
        let other = try #require(workers.compactMap { $0["dataset"]["name"].string }
            .first { $0 != "edge1-surface-defect-detection-dataset" })
        inv.upsert(.sedna(.dataset), Fixtures.object("datasets", named: other))
        #expect(text(inv).contains("task=\"surface-defect-detection\",node=\"edge2\",dataset=\"\(other)\"}"))
    }

    /// A watch read applied as a batch (prepared on every core, `Inventory.apply`) leaves what
    /// the same changes applied one by one leave: the same series, the same worker index, the
    /// same result of a node arriving mid-batch. Repeated changes of one pod keep the last.
    @Test func aBatchEqualsTheSameChangesOneByOne() {
        var changes: [(object: KubeObject, deleted: Bool)] = []
        let pods = Fixtures.cluster("pods")
        for copy in 0..<20 {
            for pod in pods {
                guard case .object(var top) = pod.json, case .object(var meta) = top["metadata"] ?? .null,
                      case .object(var status) = top["status"] ?? .null else { continue }
                meta["name"] = .string("\(pod.name)-\(copy)")
                meta["uid"] = .string("\(pod.key)-\(copy)")
                top["metadata"] = .object(meta)
                for phase in ["Pending", "Running", copy % 3 == 0 ? "Failed" : "Succeeded"] {
                    status["phase"] = .string(phase)
                    top["status"] = .object(status)
                    changes.append((KubeObject(.object(top)), false))
                }
                if copy % 4 == 0 { changes.append((KubeObject(.object(top)), true)) }
            }
        }
        #expect(changes.count > 50 * ParallelMap.threshold)
        let node = Fixtures.object("nodes", named: "edge1")
        let halves = [Array(changes.prefix(changes.count / 2)), Array(changes.dropFirst(changes.count / 2))]

        let batched = Inventory(), single = Inventory()
        for (i, half) in halves.enumerated() {
            batched.apply(.pods, half)
            for c in half { c.deleted ? single.delete(.pods, c.object) : single.upsert(.pods, c.object) }
            if i == 0 {   // the node arrives between two reads: pods of both halves learn its location
                batched.upsert(.nodes, node)
                single.upsert(.nodes, node)
            }
        }
        #expect(text(batched) == text(single))
        #expect(text(batched).contains("location=\"edge\""))
        #expect(batched.workerPods(namespace: "default").map(\.pod).sorted() == single.workerPods(namespace: "default").map(\.pod).sorted())
        #expect(!batched.workerPods(namespace: "default").isEmpty)
        #expect(!text(batched).contains("-0\""))   // copy 0 ended deleted
    }

    @Test func intakeIndexesFollowPodsAndTasks() {
        let inv = Inventory()
        let pod = Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z")
        inv.upsert(.pods, pod)
        let found = inv.workerPods(namespace: "default")
        #expect(found.map(\.pod) == ["surface-defect-detection-train-t1x9z"])
        #expect(found.first?.kind == .federatedLearningJob && found.first?.task == "surface-defect-detection")
        #expect(inv.workerPod(namespace: "default", pod: "surface-defect-detection-train-t1x9z") == found.first)
        #expect(inv.workerPod(namespace: "sedna", pod: "surface-defect-detection-train-t1x9z") == nil)
        #expect(inv.workerPod(namespace: "default", pod: "surface-defect-detection") == nil)
        #expect(inv.workerPods(namespace: "sedna").isEmpty)
        // Labels removed: no longer a worker. Back again, then deleted: gone.
        inv.upsert(.pods, Fixtures.json(#"{"metadata":{"name":"surface-defect-detection-train-t1x9z","namespace":"default","uid":"\#(pod.key)","labels":{}}}"#))
        #expect(inv.workerPods(namespace: "default").isEmpty)
        inv.upsert(.pods, pod)
        inv.delete(.pods, pod)
        #expect(inv.workerPods(namespace: "default").isEmpty)

        let fl = Fixtures.object("federatedlearningjobs", named: "surface-defect-detection")
        inv.upsert(.sedna(.federatedLearningJob), fl)
        #expect(inv.hasTask(.federatedLearningJob, namespace: "default", name: "surface-defect-detection"))
        #expect(!inv.hasTask(.incrementalLearningJob, namespace: "default", name: "surface-defect-detection"))
        inv.replaceAll(.sedna(.federatedLearningJob), [])
        #expect(!inv.hasTask(.federatedLearningJob, namespace: "default", name: "surface-defect-detection"))
    }

    @Test func unrelatedPodsAreNotKept() {
        let inv = Inventory()
        inv.upsert(.pods, Fixtures.object("pods", named: "coredns-5d78c9869d-abcde"))
        #expect(inv.store.count(.pods) == 0)
        // A worker pod whose Sedna labels are removed stops being exported.
        var pod = Fixtures.object("pods", named: "lc-edge1")
        inv.upsert(.pods, pod)
        #expect(inv.store.count(.pods) == 1)
        pod = Fixtures.json(#"{"metadata":{"name":"lc-edge1","namespace":"sedna","uid":"uid-pod-lc-edge1","labels":{}}}"#)
        inv.upsert(.pods, pod)
        #expect(inv.store.count(.pods) == 0)
    }

    @Test func namespaceAllowlist() {
        let inv = Inventory(filter: ObjectFilter(namespaces: ["sedna"]))
        for p in Fixtures.cluster("pods") { inv.upsert(.pods, p) }
        for n in Fixtures.cluster("nodes") { inv.upsert(.nodes, n) }
        #expect(inv.store.count(.pods) == 6)  // gm, kb and four LCs
        #expect(inv.store.count(.nodes) == 4, "nodes are cluster-scoped and always kept")
    }

    @Test func shardsPartitionTasksAndKeepAWorkerWithItsTask() {
        let inv0 = Inventory(filter: ObjectFilter(shard: 0, totalShards: 2))
        let inv1 = Inventory(filter: ObjectFilter(shard: 1, totalShards: 2))
        var total = 0
        for (r, o) in Fixtures.allCluster() {
            let res = WatchedResource(plural: r)!
            inv0.upsert(res, o)
            inv1.upsert(res, o)
            if res != .pods && res != .nodes { total += 1 }
        }
        let tasks0 = WatchedResource.all.filter { $0 != .pods && $0 != .nodes }.map { inv0.store.count($0) }.reduce(0, +)
        let tasks1 = WatchedResource.all.filter { $0 != .pods && $0 != .nodes }.map { inv1.store.count($0) }.reduce(0, +)
        #expect(tasks0 + tasks1 == total)
        #expect(tasks0 > 0 && tasks1 > 0)
        #expect(inv1.store.count(.nodes) == 0)
        // Each FL worker pod is on the same shard as its job.
        let flShard = FNV1a.hash("uid-fl-sdd") % 2 == 0 ? inv0 : inv1
        #expect(text(flShard).contains("pod=\"surface-defect-detection-train-t1x9z\""))
        #expect(text(flShard).contains("sedna_federated_learning_round"))
    }
}

@Suite struct TextFormatTests {
    /// Catalog families' headers are made once and are what the family's lines say; a family
    /// that only shares a catalog family's name gets its own.
    @Test func headersOfCatalogFamiliesAreKeptAndMatchTheFamily() throws {
        let f = SelfMetrics.scrapes
        let text = String(decoding: TextFormat.header(f, format: .text004), as: UTF8.self)
        #expect(text == "# HELP \(f.name) \(TextFormat.escapeHelp(f.help))\n# TYPE \(f.name) \(f.type.exposedType)\n")
        #expect(TextFormat.header(f, format: .text004) == TextFormat.header(f, format: .text004))
        let open = String(decoding: TextFormat.header(f, format: .openMetrics), as: UTF8.self)
        #expect(open.hasPrefix("# TYPE sedna_exporter_scrapes counter\n"), "\(open)")
        let other = MetricFamily(f.name, .gauge, help: "Another help.\nTwo lines.", labels: [], source: .exporter, emittedBy: "test")
        #expect(String(decoding: TextFormat.header(other, format: .text004), as: UTF8.self)
                == "# HELP \(f.name) Another help.\\nTwo lines.\n# TYPE \(f.name) gauge\n")
    }

    @Test func hostileLabelValuesAreEscapedAndCapped() {
        var out: [UInt8] = []
        let huge = String(repeating: "é", count: 5000)
        TextFormat.appendSample(name: "m", labels: ["a", "b", "c"], values: ["q\"uote\\back\nnew", huge, "ok"], value: 1, to: &out)
        let line = String(decoding: out, as: UTF8.self)
        #expect(line.hasPrefix(#"m{a="q\"uote\\back\nnew",b=""#))
        #expect(line.hasSuffix(#"",c="ok"} 1"# + "\n"))
        #expect(out.count < TextFormat.maxLabelValueBytes + 100)
        #expect(line.utf8.count == out.count, "cut at a character boundary: still valid UTF-8")
    }

    @Test func values() {
        func v(_ d: Double) -> String { var o: [UInt8] = []; TextFormat.appendValue(d, to: &o); return String(decoding: o, as: UTF8.self) }
        #expect(v(1) == "1")
        #expect(v(0.25) == "0.25")
        #expect(v(-3) == "-3")
        #expect(v(1e20) == "1e+20")
        #expect(v(.nan) == "NaN")
        #expect(v(.infinity) == "+Inf")
        #expect(v(1_735_725_600.5) == "1735725600.5")
    }

    @Test func openMetricsHeadersDropTotalAndCarryUnits() {
        let counter = String(decoding: TextFormat.header(Catalog.jiInferences, format: .openMetrics), as: UTF8.self)
        #expect(counter.hasPrefix("# TYPE sedna_joint_inference_inferences counter\n"))
        let ts = String(decoding: TextFormat.header(Catalog.taskStart, format: .openMetrics), as: UTF8.self)
        #expect(ts.contains("# UNIT sedna_task_start_timestamp_seconds seconds\n"))
        #expect(ExpositionFormat.negotiate(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5") == .openMetrics)
        #expect(ExpositionFormat.negotiate(accept: "text/plain") == .text004)
        #expect(ExpositionFormat.negotiate(accept: nil) == .text004)
    }

    @Test func gzipRoundTripAndBombLimit() throws {
        let data = Array(String(repeating: "sedna_task_info 1\n", count: 1000).utf8)
        let z = try #require(Gzip.compress(data))
        #expect(z.count < data.count / 10)
        #expect(z.prefix(2) == [0x1f, 0x8b])
        #expect(try Gzip.decompress(z, limit: 1 << 20) == data)
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(z, limit: 100) }
        #expect(throws: Gzip.Error.self) { try Gzip.decompress([1, 2, 3, 4], limit: 100) }
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(Array(z.prefix(z.count / 2)), limit: 1 << 20) }
    }

    @Test func gzipFailureIsNilNotAnEmptyStream() {
        // zlib refuses level 42: the caller must learn it failed (it then answers uncompressed).
        #expect(Gzip.compress(Array("x".utf8), level: 42) == nil)
        #expect(Gzip.compress([]) != nil)
    }
}

@Suite struct MemoryReleaseTests {
    /// On glibc the trim is found and callable (a relist calls it); elsewhere it is a no-op.
    @Test func trimIsFoundOnGlibc() {
        #if canImport(Glibc)
        #expect(MemoryRelease.available)
        #endif
        MemoryRelease.afterBulkChange()
    }

    /// The watch and push paths call `periodically()` on every change: it trims at most once per
    /// interval (other suites relisting meanwhile may add a few trims, not a hundred).
    @Test func periodicTrimsAreRateLimited() {
        #if canImport(Glibc)
        let before = MemoryRelease.trims.load(ordering: .relaxed)
        MemoryRelease.afterBulkChange()
        for _ in 0..<100 { MemoryRelease.periodically(every: 3600) }
        #expect(MemoryRelease.trims.load(ordering: .relaxed) - before < 20)
        MemoryRelease.periodically(every: 0)
        #expect(MemoryRelease.trims.load(ordering: .relaxed) > before + 1)
        #endif
    }

    /// A trim asked for runs (on a Dispatch thread, not the caller's); asked for on one of the
    /// relists' low-priority threads too.
    @Test func askedTrimsRun() async throws {
        #if canImport(Glibc)
        let before = MemoryRelease.trimsDone.load(ordering: .relaxed)
        await withCheckedContinuation { c in BackgroundThreads.shared.run { MemoryRelease.afterBulkChange(); c.resume() } }
        let deadline = ContinuousClock.now + .seconds(30)
        while MemoryRelease.trimsDone.load(ordering: .relaxed) == before && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(MemoryRelease.trimsDone.load(ordering: .relaxed) > before)
        #endif
    }
}

@Suite struct AllocatorSettingsTests {
    /// A fixed 1 MiB mmap threshold and arenas capped at the cores (at least 2).
    @Test func settingsFollowTheCores() {
        let one = MemoryRelease.allocatorSettings(cores: 1, environment: [:])
        #expect(one.map(\.parameter) == [MemoryRelease.mmapThresholdParameter, MemoryRelease.arenaMaxParameter])
        #expect(one.map(\.value) == [1_048_576, 2])
        #expect(MemoryRelease.allocatorSettings(cores: 16, environment: ["PATH": "/bin"]).map(\.value) == [1_048_576, 16])
    }

    /// The operator's own allocator tuning is left alone.
    @Test func environmentTuningWins() {
        for name in ["MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"] {
            #expect(MemoryRelease.allocatorSettings(cores: 4, environment: [name: "2"]).isEmpty)
        }
    }

    /// glibc takes both (mallopt returns 1); harmless for the test process.
    @Test func glibcAcceptsThem() {
        #if canImport(Glibc)
        #expect(MemoryRelease.configureAllocator(cores: 2, environment: [:]).count == 2)
        #endif
        #expect(MemoryRelease.configureAllocator(cores: 2, environment: ["MALLOC_ARENA_MAX": "1"]).isEmpty)
    }
}
