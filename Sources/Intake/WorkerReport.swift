import SednaCatalog

/// The JSON a Sedna worker posts to its LocalController (`MessageContent`, docs/sedna-data-model.md, "Worker reports"):
/// name, namespace, ownerName, ownerKind, kind, status, ownerInfo, results.
public struct WorkerReport: Sendable, Equatable {
    public let name: String
    public let namespace: String
    public let ownerName: String
    public let ownerKind: String
    public let phase: String
    public let status: String
    public let ownerInfo: JSON
    public let results: [JSON]

    public static func decode(_ bytes: [UInt8]) throws(IntakeError) -> WorkerReport {
        let json: JSON
        do { json = try JSON.decode(bytes) } catch { throw .bad("body is not valid JSON") }
        guard json.object != nil else { throw .bad("body must be a JSON object") }
        guard let name = json["name"].string, !name.isEmpty else { throw .bad("\"name\" (the worker name) is required") }
        for key in ["namespace", "ownerName", "ownerKind", "kind", "status"] {
            if !json[key].isNull && json[key].string == nil { throw .bad("\"\(key)\" must be a string") }
        }
        if !json["results"].isNull && json["results"].array == nil { throw .bad("\"results\" must be an array") }
        if !json["ownerInfo"].isNull && json["ownerInfo"].object == nil { throw .bad("\"ownerInfo\" must be an object") }
        return WorkerReport(name: name, namespace: json["namespace"].string ?? "", ownerName: json["ownerName"].string ?? "",
                            ownerKind: json["ownerKind"].string ?? "", phase: json["kind"].string ?? "",
                            status: json["status"].string ?? "", ownerInfo: json["ownerInfo"], results: json["results"].array ?? [])
    }

    /// The samples of this report for the worker of a task (labels namespace, kind, task, worker).
    /// `pod` is the pod it was tied to (empty when none was singled out); `miningMode` the pod's
    /// MINING_MODE env (Sedna's default, inference-then-mining, when nil).
    func samples(kind: SednaKind, task: String, pod: String?, miningMode: String?, now: Double, limits: IntakeLimits) -> MetricSet {
        var set = MetricSet()
        let l = [namespace, kind.rawValue, task, name, pod ?? ""]
        set.add(Catalog.reportLast, l, now)
        set.add(Catalog.reportStatus, l + [String(phase.prefix(32)), String(status.prefix(32))], 1)
        if let counts = JointInferenceCounts(ownerInfo, miningMode: miningMode) {
            set.add(Catalog.reportInferences, l, counts.inputs)
            set.add(Catalog.reportEdgeInferences, l, counts.edge)
            set.add(Catalog.reportHardExamples, l, counts.hardExamples)
        }
        set.add(Catalog.reportRound, l, ownerInfo["currentRound"].number)
        set.add(Catalog.reportSamples, l, ownerInfo["sampleCount"].number)
        var added = 0
        for (i, model) in results.enumerated() {
            let role: String
            switch (phase, i) {
            case ("eval", 0): role = "new"
            case ("eval", 1): role = "deployed"
            case (_, 0): role = "output"
            default: continue  // IL writes the same metrics for each output format; the first is enough
            }
            for (metric, raw) in (model["metrics"].object ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard added < limits.maxMetricsPerReport, metric.utf8.count <= 128 else { break }
                let value: Double?
                if let list = raw.array {
                    let nums = list.compactMap(\.number)
                    value = nums.isEmpty || nums.count != list.count ? nil : nums.reduce(0, +) / Double(nums.count)
                } else {
                    value = raw.number
                }
                if let value {
                    set.add(Catalog.reportTrainMetric, l + [String(phase.prefix(32)), role, metric], value)
                    added += 1
                }
            }
        }
        return set
    }
}

/// What Sedna's JointInference counters mean (lib/sedna/core/joint_inference/joint_inference.py,
/// `LCReporter` in lib/sedna/service/client.py): each edge inference adds 1 to inferenceNumber,
/// each cloud call 1 to inferenceNumber and 1 to hardExampleNumber. inference-then-mining (the
/// default) runs the edge model on every input and calls the cloud for each hard example, so
/// inputs = inferenceNumber - hardExampleNumber; mining-then-inference sends a hard example to
/// the cloud only, so inputs = inferenceNumber. Edge inferences are the difference in both.
public struct JointInferenceCounts: Sendable, Equatable {
    public let inputs: Double
    public let edge: Double
    public let hardExamples: Double

    /// nil when the report carries no inference counters (or inconsistent ones).
    public init?(_ ownerInfo: JSON, miningMode: String?) {
        guard let total = ownerInfo["inferenceNumber"].number, let hard = ownerInfo["hardExampleNumber"].number,
              total >= 0, hard >= 0, hard <= total else { return nil }
        edge = total - hard
        hardExamples = hard
        inputs = miningMode == "mining-then-inference" ? total : total - hard
    }
}
