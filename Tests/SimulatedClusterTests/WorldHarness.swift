import Exposition
import Intake
import SednaCatalog
@testable import SimulatedCluster

/// Drives a world and feeds what it produces through the exporter's real pure parts: the
/// Inventory (translators + store) for objects, the IntakeStore for reports and pushes, the
/// same way ExporterCore's IntakeRoutes resolve and bind them. Only reports that take the
/// capture route (to the relay) reach the intake, as in the demo.
/// `@unchecked Sendable`: the suites share finished runs and only read them.
final class WorldHarness: @unchecked Sendable {
    static let start = 1_795_952_400.0   // 2026-11-29T11:40:00Z
    var world: SimulatedWorld
    let inventory = Inventory()
    let intake = IntakeStore()
    /// Latest version of every object: resource -> "ns/name" -> object.
    var objects: [WatchedResource: [String: JSON]] = [:]
    var telemetry: [WorkerTelemetry] = []
    var steps: [SimulationStep] = []
    var now: Double
    var rejected: [String] = []

    init(seed: UInt64 = SimulatedWorld.defaultSeed, tasks: Int = 1, speed: Double = 1, capture: Bool = true) {
        world = SimulatedWorld(seed: seed, tasks: tasks, speed: speed, start: Self.start, capture: capture)
        now = Self.start
        inventory.onRemoval { [intake] id in intake.removed(id) }
    }

    /// Advances in `every`-second steps until `seconds` after the start.
    func run(until seconds: Double, every: Double = 1) {
        while now <= Self.start + seconds {
            let step = world.advance(to: now)
            steps.append(step)
            apply(step)
            now += every
        }
    }

    func apply(_ step: SimulationStep) {
        for change in step.changes {
            switch change {
            case let .put(resource, json):
                let o = KubeObject(json)
                objects[resource, default: [:]]["\(o.namespace)/\(o.name)"] = json
                inventory.upsert(resource, o)
            case let .delete(resource, namespace, name):
                if let json = objects[resource]?.removeValue(forKey: "\(namespace)/\(name)") {
                    inventory.delete(resource, KubeObject(json))
                }
            }
        }
        for t in step.telemetry {
            telemetry.append(t)
            do {
                switch t {
                case let .report(worker, body, route):
                    guard route == .relay else { continue }
                    let r = try WorkerReport.decode(Array(JSONWriter.sedna.string(body).utf8))
                    guard r.name == worker else { rejected.append("name mismatch \(worker)"); continue }
                    guard let res = TaskResolver.resolve(r, pods: inventory.workerPods(namespace: r.namespace), taskExists: { kind, name in
                        self.inventory.hasTask(kind, namespace: r.namespace, name: name)
                    }) else { rejected.append("unresolved \(worker)"); continue }
                    try intake.report(r, kind: res.kind, task: res.task, pod: res.pod, now: now)
                case let .push(job, namespace, pod, exposition):
                    let key = try GroupingKey.parse(["job", job, "namespace", namespace, "pod", pod], limits: IntakeLimits())
                    let bound = PushBinder.bind(key, pods: inventory.workerPods(namespace: namespace)) { kind, name in
                        self.inventory.hasTask(kind, namespace: namespace, name: name)
                    }
                    let (binding, labels) = (bound.binding, bound.taskLabels)
                    if binding.pod == nil { rejected.append("unbound push \(pod)") }
                    let families = try TextParser.parse(Array(exposition.utf8))
                    try intake.push(.put, key: key, families: families, binding: binding, taskLabels: labels, now: now)
                case let .deletePush(job, namespace, pod):
                    let key = try GroupingKey.parse(["job", job, "namespace", namespace, "pod", pod], limits: IntakeLimits())
                    try intake.push(.delete, key: key, families: [], binding: .init(), taskLabels: [], now: now)
                }
            } catch {
                rejected.append("\(t): \(error)")
            }
        }
    }

    /// The exposition a scrape would serve (objects, worker reports, pushes).
    var exposition: String {
        var out: [UInt8] = []
        inventory.store.write(format: .text004, extra: intake.workerRenderings(), into: &out)
        intake.writePushes(into: &out, now: now)
        return String(decoding: out, as: UTF8.self)
    }

    /// Series lines (no comments).
    var series: [Substring] { exposition.split(separator: "\n").filter { !$0.hasPrefix("#") } }

    /// Value of the first series of `family` whose line contains every fragment.
    func value(_ family: String, _ fragments: String...) -> Double? {
        for line in series where line.hasPrefix(family + "{") || line.hasPrefix(family + " ") {
            if fragments.allSatisfy({ line.contains($0) }), let v = line.split(separator: " ").last.flatMap({ Double($0) }) { return v }
        }
        return nil
    }

    func object(_ resource: WatchedResource, _ name: String, namespace: String = "default") -> JSON {
        objects[resource]?["\(namespace)/\(name)"] ?? .null
    }
}
