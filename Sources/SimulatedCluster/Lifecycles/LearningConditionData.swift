import SednaCatalog

/// The `data` strings of IL/LL conditions, shaped exactly as `IncrementalCondData` and the LL `ConditionData` marshal them
/// (`pkg/globalmanager/controllers/{incremental,lifelong}learning/upstream.go`):
/// the GM re-marshals the LC's message into `{"input": {...}}` or `{"output": {...}}`, every
/// model carrying `format`, `url`, `classes` (null) and `metrics` only when present.
enum LearningConditionData {
    static func model(_ format: String, _ url: String, metrics: JSON? = nil) -> JSON {
        var m: [String: JSON] = ["format": .string(format), "url": .string(url), "classes": .null]
        if let metrics { m["metrics"] = metrics }
        return .object(m)
    }

    static func input(models: [JSON]? = nil, dataURL: String? = nil, dataIndexURL: String? = nil, outputDir: String? = nil) -> String {
        var i: [String: JSON] = [:]
        if let models { i["models"] = .array(models) }
        if let dataURL { i["dataURL"] = .string(dataURL) }
        if let dataIndexURL { i["dataIndexURL"] = .string(dataIndexURL) }
        if let outputDir { i["outputDir"] = .string(outputDir) }
        return JSONWriter.sedna.string(["input": .object(i)])
    }

    static func output(models: [JSON]) -> String {
        JSONWriter.sedna.string(["output": models.isEmpty ? [:] : ["models": .array(models)]])
    }

    /// Per-class values rounded as a Python worker's metrics usually are.
    static func perClass(_ values: [Double]) -> JSON {
        .array(values.map { .number(($0 * 10_000).rounded() / 10_000) })
    }
}
