/// The `data` field of IL/LL/Reid/VA conditions: a string holding JSON, written by the GM from
/// the LC's message (`{"input": {...}, "output": {...}}`, pkg/globalmanager/controllers/incrementallearning/upstream.go).
struct ConditionData {
    let type: String
    let stage: String
    /// Parsed `data`; nil when empty or malformed.
    let data: JSON?

    /// Parses every condition once; malformed data is counted and treated as absent.
    static func parseAll(_ conditions: JSON) -> (entries: [ConditionData], malformed: Int) {
        var out: [ConditionData] = []
        var bad = 0
        for c in conditions.array ?? [] {
            var parsed: JSON? = nil
            if let raw = c["data"].string {
                do { parsed = try JSON.decodeEmbedded(raw) } catch { bad += 1 }
            } else if let obj = c["data"].object {
                parsed = .object(obj)   // tolerate an emulator or a hand-written object
            }
            out.append(ConditionData(type: c["type"].string ?? "", stage: c["stage"].string ?? "", data: parsed))
        }
        return (out, bad)
    }

    static func countMalformed(_ conditions: JSON) -> Int { parseAll(conditions).malformed }

    var inputModels: [JSON] { data?["input"]["models"].array ?? [] }
    var outputModels: [JSON] { data?["output"]["models"].array ?? [] }
}

/// A metric value in a model's `metrics`: a number, or a list of per-class numbers.
enum MetricValue {
    case scalar(Double)
    case perClass([Double])

    init?(_ j: JSON) {
        if let a = j.array {
            let values = a.compactMap { $0.number }
            guard !values.isEmpty, values.count == a.count else { return nil }
            self = .perClass(values)
        } else if let d = j.number {
            self = .scalar(d)
        } else {
            return nil
        }
    }

    var mean: Double {
        switch self {
        case .scalar(let d): return d
        case .perClass(let a): return a.reduce(0, +) / Double(a.count)
        }
    }
}
