/// What incremental and lifelong learning jobs share: the Train -> Eval -> Deploy loop recorded
/// as appended conditions (docs/sedna-data-model.md, "Conditions: only ever appended").
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
        set.add(Catalog.learningFailedIterations, l, Double(failedIterations(entries)))

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

    /// The round a condition belongs to, from `data.input.outputDir`: the LC names each training
    /// round's output `<trainOutput>/<n>` with its round counter
    /// (pkg/localcontroller/managers/incrementallearning/incrementallearningjob.go and
    /// lifelonglearning/lifelonglearningjob.go, `triggerTrainTask`), so the number is exact.
    static func round(_ e: ConditionData) -> Int? {
        guard let dir = e.data?["input"]["outputDir"].string else { return nil }
        guard let last = dir.split(separator: "/").last, let n = Int(last), n >= 0 else { return nil }
        return n
    }

    /// Completed training rounds: the highest round (from the outputDir of the round's Train
    /// input) that reached Train/Completed. The GM's pod-phase path and the worker's report can
    /// both append a Train/Completed for one round, even apart, so counting conditions would
    /// double-count. Jobs whose conditions name no outputDir fall back to counting runs of
    /// consecutive Train/Completed conditions.
    static func iterations(_ entries: [ConditionData]) -> Int {
        var current: Int? = nil
        var completed = 0
        var sawRound = false
        var runs = 0
        var previousWasTrainCompleted = false
        for e in entries {
            if e.stage == "Train", let n = round(e) {
                current = n
                sawRound = true
            }
            let isTC = e.stage == "Train" && e.type == "Completed"
            if isTC, let n = current { completed = max(completed, n) }
            if isTC && !previousWasTrainCompleted { runs += 1 }
            previousWasTrainCompleted = isTC
        }
        return sawRound ? completed : runs
    }

    /// Failed iterations: the GM follows a Failed condition with Train/Waiting on its next sync
    /// (pkg/globalmanager/controllers/incrementallearning/incrementallearningjob.go,
    /// `transitJobState`), so the newest condition never shows it; the list only grows, so the
    /// Failed entries are still there. Each round (by outputDir) counts once however many of
    /// its stages failed; Failed entries before any known round count once per run.
    static func failedIterations(_ entries: [ConditionData]) -> Int {
        var current: Int? = nil
        var failedRounds = Set<Int>()
        var unnumbered = 0
        var previousFailed = false
        for e in entries {
            if e.stage == "Train", let n = round(e) { current = n }
            let failed = e.type == "Failed"
            if failed {
                if let n = current { failedRounds.insert(n) } else if !previousFailed { unnumbered += 1 }
            }
            previousFailed = failed
        }
        return failedRounds.count + unnumbered
    }

    /// Outcome of the newest Deploy stage. A real deploy goes Deploy/Ready (the LC's message,
    /// with the models as input) then Completed (appended by the GM after restarting the
    /// inference pod); when the deploy trigger is not met or `triggerDeployTask` fails the LC
    /// reports Deploy/Completed directly with no input ("isn't need to deploy model",
    /// pkg/localcontroller/managers/incrementallearning/incrementallearningjob.go, `deployTask`):
    /// that is Skipped, not OK. Failed is NotOK; anything not yet ended is Waiting.
    static func deployStatus(_ entries: [ConditionData]) -> String {
        guard let endIndex = entries.lastIndex(where: { $0.stage == "Deploy" }),
              entries[endIndex].type == "Completed" || entries[endIndex].type == "Failed" else { return "Waiting" }
        let end = entries[endIndex]
        if end.type == "Failed" { return "NotOK" }
        // The Deploy stage this Completed ends: back to the previous condition of another stage.
        var i = endIndex
        var deployed = !end.inputModels.isEmpty
        while i > 0, entries[i - 1].stage == "Deploy" {
            i -= 1
            if entries[i].type == "Ready" || !entries[i].inputModels.isEmpty { deployed = true }
        }
        return deployed ? "OK" : "Skipped"
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
