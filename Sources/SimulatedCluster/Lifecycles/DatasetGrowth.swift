import SednaCatalog

/// Datasets and their sample counts (`pkg/localcontroller/managers/dataset/dataset.go`,
/// `pkg/globalmanager/controllers/dataset/upstream.go`). The LC on `spec.nodeName` recounts the
/// index file (every 60 s in Sedna; every ~15 s nominal here so the demo moves) and reports only
/// when the count changed; the GM then replaces the status and stamps `updateTime`. Collection
/// keeps going on most nodes; one dataset stops growing after a while (its camera went away),
/// so its `updateTime` freezes.
struct DatasetGrowth: Lifecycle {
    struct Dataset: Sendable {
        let name: String
        let namespace: String
        let node: String
        let format: String
        let url: String
        var samples: Int
        /// Mean samples added per recount; 0 for a dataset that never grows.
        let growth: Int
        /// Nominal time after which no more samples arrive.
        let stopsAt: Double
        var uid = ""
        var created = ""
        var updated = ""
    }

    static let period = 15.0

    var datasets: [Dataset]
    var rng: SimRandom
    var nextEvent = DatasetGrowth.period

    init(datasets: [Dataset], rng: SimRandom) {
        self.datasets = datasets
        self.rng = rng
    }

    mutating func begin(_ c: inout ClusterState) {
        for i in datasets.indices {
            datasets[i].uid = rng.uuid()
            datasets[i].created = Timestamp.format(c.start - Double(rng.int(2...5)) * 86_400 - Double(rng.int(0...80_000)))
            datasets[i].updated = Timestamp.format(c.start - Double(rng.int(30...600)))
            c.datasetSamples["\(datasets[i].namespace)/\(datasets[i].name)"] = datasets[i].samples
            c.put(.sedna(.dataset), json(datasets[i]))
        }
    }

    mutating func fire(_ c: inout ClusterState) {
        for i in datasets.indices {
            let d = datasets[i]
            guard d.growth > 0, c.time < d.stopsAt, c.isReady(d.node) else { continue }
            let added = rng.int(0...(2 * d.growth))
            guard added > 0 else { continue }
            datasets[i].samples += added
            datasets[i].updated = c.timestamp
            c.datasetSamples["\(d.namespace)/\(d.name)"] = datasets[i].samples
            c.put(.sedna(.dataset), json(datasets[i]))
        }
        nextEvent += Self.period
    }

    func json(_ d: Dataset) -> JSON {
        let meta = ObjectMeta(name: d.name, namespace: d.namespace, uid: d.uid, creationTimestamp: d.created, generation: 1)
        return sednaObject(.dataset, meta: meta,
                           spec: ["url": .string(d.url), "format": .string(d.format), "nodeName": .string(d.node)],
                           status: ["numberOfSamples": .number(Double(d.samples)), "updateTime": .string(d.updated)])
    }
}

/// Models nobody writes a status for: only the federated-learning upstream handler does
/// (`federatedlearning/upstream.go`), and that Model belongs to `FederatedLearningLifecycle`.
struct ModelCatalog: Lifecycle {
    struct Model: Sendable {
        let name: String
        let namespace: String
        let url: String
        let format: String
    }

    let models: [Model]
    var rng: SimRandom
    var nextEvent: Double { .infinity }

    mutating func begin(_ c: inout ClusterState) {
        for m in models {
            let meta = ObjectMeta(name: m.name, namespace: m.namespace, uid: rng.uuid(),
                                  creationTimestamp: Timestamp.format(c.start - Double(rng.int(86_400...400_000))), generation: 1)
            c.put(.sedna(.model), sednaObject(.model, meta: meta, spec: ["url": .string(m.url), "format": .string(m.format)], status: nil))
        }
    }

    mutating func fire(_ c: inout ClusterState) {}
}
