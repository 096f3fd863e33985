/// Numeric hyperparameters from the env of worker pod templates. Only an allowlist of names is
/// read: env also holds paths, URLs and sometimes credentials, none of which belong in metrics.
enum Hyperparameters {
    static let allowlist: Set<String> = [
        "batch_size", "epochs", "epoch", "learning_rate", "lr", "momentum", "weight_decay",
        "exit_round", "rounds", "early_stopping_rounds", "max_iterations", "dropout",
    ]

    /// The allowlisted parameter an env name stands for: lowercased, `-` read as `_`.
    ///
    /// An ASCII name (every env name a pod spec can validly hold) is mapped byte by byte, and
    /// one longer than the longest allowlisted name is not looked up at all: Foundation's
    /// `replacingOccurrences` on every env variable of every template was 4.6 % of the CPU a
    /// 10k-task cluster needs until ready (docs/benchmarks.md, session 15). Any other name goes
    /// through Unicode lowercasing, whose result can be ASCII (the Kelvin sign lowercases to `k`).
    static func parameterKey(_ name: String) -> String? {
        let key: String
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            guard name.utf8.count <= longestName else { return nil }
            key = String(decoding: name.utf8.map { b in
                b == UInt8(ascii: "-") ? UInt8(ascii: "_") : (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) ? b + 32 : b
            }, as: UTF8.self)
        } else {
            key = String(String.UnicodeScalarView(name.lowercased().unicodeScalars.map { $0 == "-" ? "_" : $0 }))
        }
        return allowlist.contains(key) ? key : nil
    }

    static let longestName = allowlist.map(\.utf8.count).max() ?? 0

    /// `templates` are (worker type, pod template) pairs; the first value of a parameter per
    /// worker type wins (federated training workers normally share one configuration).
    static func translate(_ templates: [(String, JSON)], labels: [String], into set: inout MetricSet) {
        for (workerType, template) in templates {
            for container in template["spec"]["containers"].array ?? [] {
                for env in container["env"].array ?? [] {
                    guard let name = env["name"].string else { continue }
                    guard let key = parameterKey(name), let v = env["value"].number else { continue }
                    set.add(Catalog.taskHyperparameter, labels + [workerType, key], v)
                }
            }
        }
    }
}
