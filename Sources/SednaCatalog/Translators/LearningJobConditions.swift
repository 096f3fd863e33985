/// What incremental and lifelong learning jobs share: the Train -> Eval -> Deploy loop recorded
/// as appended conditions (DATA-MODEL.md 3.2, 3.3).
///
/// Pod-phase and worker-report paths can both append a `Completed` for the same stage, so the
/// newest figures are found by searching backwards for a condition of the wanted stage and type
/// that carries data, and consecutive duplicates count once.
enum LearningJobConditions {
    /// Per-class lists longer than this are summarised by their mean only.
    static let maxClasses = 64

    static func translate(_ o: KubeObject, kind: SednaKind, labels l: [String], into set: inout MetricSet) {
        let (entries, malformed) = ConditionData.parseAll(o.status["conditions"])
        set.add(Catalog.taskDataErrors, l, Double(malformed))
        set.add(Catalog.learningIteration, l, Double(iterations(entries)))

        let trainOut = newest(entries) { $0.stage == "Train" && $0.type == "Completed" && !$0.outputModels.isEmpty }
        if let m = trainOut?.outputModels.first {
            addModel(role: "train_output", m, labels: l, into: &set)
        }
        if let models = trainOut?.outputModels {
            if let loss = models.lazy.compactMap({ $0["metrics"]["loss"].number }).first {
                set.add(Catalog.learningTrainLoss, l, loss)
            }
            for (name, value) in (models.first?["metrics"].object ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let v = MetricValue(value) { set.add(Catalog.learningTrainMetric, l + [name], v.mean) }
            }
        }

        if let evalIn = newest(entries, { $0.stage == "Eval" && !$0.inputModels.isEmpty }), let m = evalIn.inputModels.first {
            addModel(role: "eval_new", m, labels: l, into: &set)
        }
        if let evalOut = newest(entries, { $0.stage == "Eval" && $0.type == "Completed" && !$0.outputModels.isEmpty }) {
            for (i, role) in ["new", "deployed"].enumerated() where i < evalOut.outputModels.count {
                addEvalMetrics(evalOut.outputModels[i], role: role, labels: l, into: &set)
            }
        }

        // IL's Deploy input is [trained model, deploy model]; LL's is [model to deploy].
        if let deployIn = newest(entries, { $0.stage == "Deploy" && !$0.inputModels.isEmpty }) {
            let models = deployIn.inputModels
            addModel(role: "deploy", kind == .incrementalLearningJob && models.count >= 2 ? models[1] : models[0],
                     labels: l, into: &set)
        }
        set.addStateSet(Catalog.learningDeployStatus, l, current: deployStatus(entries))

        let dataset = o.spec["dataset"]
        if let name = dataset["name"].string {
            set.add(Catalog.learningTrainProb, l + [name], dataset["trainProb"].number)
        }
        Hyperparameters.translate([
            ("train", o.spec["trainSpec"]["template"]),
            ("eval", o.spec["evalSpec"]["template"]),
            ("inference", o.spec["deploySpec"]["template"]),
        ], labels: l, into: &set)
    }

    /// Completed training rounds; a run of consecutive Train/Completed conditions is one round.
    static func iterations(_ entries: [ConditionData]) -> Int {
        var n = 0
        var previousWasTrainCompleted = false
        for e in entries {
            let isTC = e.stage == "Train" && e.type == "Completed"
            if isTC && !previousWasTrainCompleted { n += 1 }
            previousWasTrainCompleted = isTC
        }
        return n
    }

    /// Waiting until a Deploy stage ends; OK when the newest ended Completed, NotOK when Failed.
    static func deployStatus(_ entries: [ConditionData]) -> String {
        guard let d = newest(entries, { $0.stage == "Deploy" }) else { return "Waiting" }
        switch d.type {
        case "Completed": return "OK"
        case "Failed": return "NotOK"
        default: return "Waiting"
        }
    }

    static func newest(_ entries: [ConditionData], _ match: (ConditionData) -> Bool) -> ConditionData? {
        entries.last(where: match)
    }

    static func addModel(role: String, _ m: JSON, labels l: [String], into set: inout MetricSet) {
        guard let url = m["url"].string, !url.isEmpty else { return }
        set.add(Catalog.learningModelInfo, l + [role, URLSanitizer.sanitize(url), m["format"].string ?? ""], 1)
    }

    static func addEvalMetrics(_ m: JSON, role: String, labels l: [String], into set: inout MetricSet) {
        for (name, raw) in (m["metrics"].object ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let v = MetricValue(raw) else { continue }
            set.add(Catalog.learningEvalMetric, l + [role, name], v.mean)
            if case .perClass(let values) = v {
                for (i, x) in values.prefix(maxClasses).enumerated() {
                    set.add(Catalog.learningEvalClassMetric, l + [role, name, String(i)], x)
                }
            }
        }
    }
}
