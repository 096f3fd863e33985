import SednaCatalog

/// What training workers push through the Pushgateway-compatible intake (docs/metrics.md
/// "Pushed training telemetry"): families of the training vocabulary (`PushVocabulary`, with
/// its exact help and type), grouped by `job/sedna-worker/namespace/<ns>/pod/<pod>` so the
/// exporter binds the group to the pod and through its labels to the task.
///
/// Workers push and exit without deleting their group, as `push_to_gateway` users do: the
/// newest values stay visible while the pod exists, and the exporter drops the group with the
/// pod (Sources/Intake/PushBinder.swift binds it by pod name).
enum TrainingTelemetry {
    static let job = "sedna-worker"

    struct Sample {
        let name: String
        let labels: [(String, String)]
        let value: Double

        init(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    /// Text format 0.0.4, families in vocabulary order, values as prometheus_client writes them.
    static func exposition(_ samples: [Sample]) -> String {
        var out = ""
        for entry in PushVocabulary.entries {
            let mine = samples.filter { $0.name == entry.name }
            guard !mine.isEmpty else { continue }
            out += "# HELP \(entry.name) \(entry.help)\n# TYPE \(entry.name) \(entry.type.exposedType)\n"
            for s in mine {
                let labels = s.labels.isEmpty ? "" : "{" + s.labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
                out += "\(s.name)\(labels) \(pythonFloat(s.value))\n"
            }
        }
        return out
    }

    static func push(_ pod: SimPod, _ samples: [Sample]) -> WorkerTelemetry {
        .push(job: job, namespace: pod.namespace, pod: pod.name, exposition: exposition(samples))
    }

    /// `repr(float(x))`: "3.0", "0.001", "1e-05".
    static func pythonFloat(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e16 { return "\(Int64(d)).0" }
        return "\(d)"
    }
}

/// A training run's figures over its duration: a decaying learning rate, epochs, a loss curve
/// that falls with noise, remaining time and samples. One per train stage or federated round.
struct TrainingCurve: Sendable {
    let startedAt: Double
    let endsAt: Double
    let epochs: Int
    let batchSize: Int
    let baseLearningRate: Double
    let lossStart: Double
    let lossEnd: Double
    let samples: Int
    /// "train" or "eval" (the `phase` label of remaining time and samples).
    let phase: String

    func progress(_ t: Double) -> Double { min(1, max(0, (t - startedAt) / max(endsAt - startedAt, 0.001))) }

    func epoch(_ t: Double) -> Int { min(epochs, Int(progress(t) * Double(epochs)) + 1) }

    /// Step decay: x0.9 per epoch.
    func learningRate(_ t: Double) -> Double {
        var lr = baseLearningRate
        for _ in 1..<max(epoch(t), 1) { lr *= 0.9 }
        return (lr * 1e8).rounded() / 1e8
    }

    func loss(_ t: Double, noise: Double) -> Double {
        let l = lossEnd + (lossStart - lossEnd) * _exp(-3 * progress(t))
        return max(0.0001, ((l + noise) * 10_000).rounded() / 10_000)
    }

    /// The samples a worker pushes at nominal time `t`; `remaining` in wall-clock seconds.
    func samples(at t: Double, remaining: Double, noise: Double) -> [TrainingTelemetry.Sample] {
        let phaseLabel = [("phase", phase)]
        var out: [TrainingTelemetry.Sample] = []
        if phase == "train" {
            out += [
                .init("sedna_training_learning_rate", learningRate(t)),
                .init("sedna_training_epoch", Double(epoch(t))),
                .init("sedna_training_batch_size", Double(batchSize)),
                .init("sedna_training_loss", loss(t, noise: noise)),
            ]
        }
        out += [
            .init("sedna_training_remaining_seconds", max(0, remaining.rounded()), phaseLabel),
            .init("sedna_training_samples", Double(samples), phaseLabel),
        ]
        return out
    }
}
