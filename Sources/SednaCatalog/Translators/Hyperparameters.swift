/// Numeric hyperparameters from the env of worker pod templates. Only an allowlist of names is
/// read: env also holds paths, URLs and sometimes credentials, none of which belong in metrics.
enum Hyperparameters {
    static let allowlist: Set<String> = [
        "batch_size", "epochs", "epoch", "learning_rate", "lr", "momentum", "weight_decay",
        "exit_round", "rounds", "early_stopping_rounds", "max_iterations", "dropout",
    ]

    /// `templates` are (worker type, pod template) pairs; the first value of a parameter per
    /// worker type wins (federated training workers normally share one configuration).
    static func translate(_ templates: [(String, JSON)], labels: [String], into set: inout MetricSet) {
        for (workerType, template) in templates {
            for container in template["spec"]["containers"].array ?? [] {
                for env in container["env"].array ?? [] {
                    guard let name = env["name"].string else { continue }
                    let key = name.lowercased().replacingOccurrences(of: "-", with: "_")
                    guard allowlist.contains(key), let v = env["value"].number else { continue }
                    set.add(Catalog.taskHyperparameter, labels + [workerType, key], v)
                }
            }
        }
    }
}
