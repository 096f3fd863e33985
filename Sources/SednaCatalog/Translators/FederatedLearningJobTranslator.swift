/// FederatedLearningJob: training workers from the spec (joined with their Datasets' sample
/// counts) and round progress from `Training` conditions (docs/sedna-data-model.md).
public enum FederatedLearningJobTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .federatedLearningJob, into: &set)

        var templates: [(String, JSON)] = [("aggregation", o.spec["aggregationWorker"]["template"])]
        for w in o.spec["trainingWorkers"].array ?? [] {
            let node = w["template"]["spec"]["nodeName"].string ?? ""
            let dataset = w["dataset"]["name"].string ?? ""
            set.add(Catalog.flTrainNode, l + [node, dataset], 1)
            set.add(Catalog.flNodeSamples, l + [node, dataset], context.datasetSamples["\(o.namespace)/\(dataset)"])
            templates.append(("train", w["template"]))
        }
        Hyperparameters.translate(templates, labels: l, into: &set)

        let training = (o.status["conditions"].array ?? []).filter { $0["type"].string == "Training" }
        // Every train worker's report appends a Training condition (where reports reach the GM: pkg/globalmanager/controllers/federatedlearning/upstream.go), so N
        // workers give N conditions per round: aggregations are the distinct rounds (a
        // condition whose message names no round still counts once).
        // Absent, not 0, while there is no Training condition: on Sedna as released the LC drops
        // every FL report (ownerKind "default", lib/sedna/core/base.py), so the GM never appends
        // one and a 0 would claim "no aggregation yet" where the truth is "not known here".
        let rounds = training.map { roundNumber($0["message"].string ?? "") }
        if !training.isEmpty {
            set.add(Catalog.flAggregations, l, Double(Set(rounds.compactMap { $0 }).count + rounds.filter { $0 == nil }.count))
        }
        if let round = training.reversed().lazy.compactMap({ roundNumber($0["message"].string ?? "") }).first {
            set.add(Catalog.flRound, l, Double(round))
        }
        return set
    }

    /// "Round 7 reaches at 2025-01-01 10:00:30" -> 7.
    static func roundNumber(_ message: String) -> Int? {
        let words = message.split(separator: " ")
        guard words.count >= 2, words[0] == "Round", let n = Int(words[1]), n >= 0 else { return nil }
        return n
    }
}
