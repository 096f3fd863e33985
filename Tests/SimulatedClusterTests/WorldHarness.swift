import Exposition
import Intake
import SednaCatalog
@testable import SimulatedCluster

/// Drives a world and feeds what it produces through the exporter's real pure parts: the
/// Inventory (translators + store) for objects, the IntakeService the intake endpoints call for
/// reports and pushes (holding off: a report not tied at once is counted as rejected here), and
/// the Scrape the /metrics endpoint renders. Only reports that take the capture route (to the
/// relay) reach the intake, as in the demo.
/// `@unchecked Sendable`: the suites share finished runs and only read them.
final class WorldHarness: @unchecked Sendable {
    static let start = 1_795_952_400.0   // 2026-11-29T11:40:00Z
    var world: SimulatedWorld
    let inventory = Inventory()
    let intake = IntakeStore(hold: HeldReports(maxCount: 0, maxAge: 0))
    let service: IntakeService
    /// Latest version of every object: resource -> "ns/name" -> object.
    var objects: [WatchedResource: [String: JSON]] = [:]
    var telemetry: [WorkerTelemetry] = []
    var steps: [SimulationStep] = []
    var now: Double
    var rejected: [String] = []

    init(seed: UInt64 = SimulatedWorld.defaultSeed, tasks: Int = 1, speed: Double = 1, capture: Bool = true,
         learningJobLifetime: Double? = nil) {
        world = SimulatedWorld(seed: seed, tasks: tasks, speed: speed, start: Self.start, capture: capture,
                               learningJobLifetime: learningJobLifetime)
        now = Self.start
        service = IntakeService(store: intake, directory: inventory)
        inventory.onRemoval { [service] id in service.removed(id) }
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
                    switch try service.report(worker: worker, peer: nil, contentType: nil, body: Array(JSONWriter.sedna.string(body).utf8), now: now) {
                    case .workerNameMismatch: rejected.append("name mismatch \(worker)")
                    case .accepted(_, .stored): break
                    case .accepted: rejected.append("unresolved \(worker)")
                    }
                case let .push(job, namespace, pod, exposition):
                    let binding = try service.push(.put, path: ["job", job, "namespace", namespace, "pod", pod], contentType: nil,
                                                   body: Array(exposition.utf8), now: now)
                    if binding.pod == nil { rejected.append("unbound push \(pod)") }
                case let .deletePush(job, namespace, pod):
                    try service.push(.delete, path: ["job", job, "namespace", namespace, "pod", pod], contentType: nil, body: [], now: now)
                }
            } catch {
                rejected.append("\(t): \(error)")
            }
        }
    }

    /// The exposition a scrape would serve (objects, worker reports, the intake's counters,
    /// pushes; the exporter's watch self-metrics aside).
    var exposition: String {
        service.expire(now: now)
        return String(decoding: service.scrape(objects: inventory.store).render(format: .text004), as: UTF8.self)
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
