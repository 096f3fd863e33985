import SednaCatalog

/// The env of a worker container as the GM builds it, and as the admission webhook of the
/// capture route leaves it.
///
/// The GM copies the template's containers and then *appends* its own parameters to each
/// container's env (`injectWorkerParam` and `injectDeploymentParam` in
/// `pkg/globalmanager/runtime/worker.go`). Its parameters are a Go map turned into a list by
/// `createEnvVars`, so their order is Go's random map order (here: a shuffle seeded by the
/// worker's name, so that it draws nothing from the task's own generator). With a
/// duplicate name the last entry wins, so an `LC_SERVER` set in the template is shadowed by
/// the GM's (`localController.server`, default `http://localhost:9100`).
///
/// With the capture route the webhook inserts `SEDNA_RELAY_HOST_IP` (downward API,
/// `status.hostIP`) just before the effective (last) `LC_SERVER` and points that entry at the
/// node's relay, `http://$(SEDNA_RELAY_HOST_IP):9480`.
enum WorkerEnv {
    /// The GM's `localController.server` default (`pkg/globalmanager/config/config.go`).
    static let gmLCServer = "http://localhost:9100"
    static let relayHostVariable = "SEDNA_RELAY_HOST_IP"
    /// The relay's default port; the relay runs with host network on every node.
    static let relayLCServer = "http://$(SEDNA_RELAY_HOST_IP):9480"

    /// `template` first, then the GM's parameters in a (seeded) random order; rewritten as the
    /// webhook does when `capture` is on.
    static func build(template: [(String, String)], gm: [(String, String)], orderSeed: String, capture: Bool) -> JSON {
        var order = SimRandom(seed: orderSeed.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 })
        var entries: [JSON] = (template + order.shuffle(gm)).map { ["name": .string($0.0), "value": .string($0.1)] }
        if capture { entries = rewrittenForRelay(entries) }
        return .array(entries)
    }

    /// The webhook's rewrite: nothing when there is no `LC_SERVER`; idempotent.
    static func rewrittenForRelay(_ env: [JSON]) -> [JSON] {
        guard let last = env.lastIndex(where: { $0["name"].string == "LC_SERVER" }) else { return env }
        if env[last]["value"].string == relayLCServer { return env }
        var out = env
        out[last] = ["name": "LC_SERVER", "value": .string(relayLCServer)]
        out.insert(["name": .string(relayHostVariable), "valueFrom": ["fieldRef": ["fieldPath": "status.hostIP"]]], at: last)
        return out
    }

    /// The value a worker reads for `name`: the last entry wins.
    static func effective(_ name: String, in env: [JSON]) -> String? {
        env.last { $0["name"].string == name }?["value"].string
    }
}
