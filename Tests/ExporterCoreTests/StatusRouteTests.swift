import ExporterCore
import Exposition
import Foundation
import Hummingbird
import HummingbirdTesting
import Intake
import KubeWatch
import NIOCore
import SednaCatalog
import StatusPage
import Testing
import TestSupport

/// The status page at / on the fixture cluster, with a worker report and a pushed group.
@Suite struct StatusRouteTests {
    func makeEndpoint() throws -> MetricsEndpoint {
        let inventory = Inventory()
        let stats = WatchStats()
        var resources: [WatchedResource] = []
        for (plural, o) in Fixtures.allCluster() {
            guard let r = WatchedResource(plural: plural) else { continue }
            if !resources.contains(r) { resources.append(r) }
            inventory.upsert(r, o)
        }
        stats.setDiscovered(true)
        for r in resources { stats.update(r) { s in s.available = true; s.synced = true } }
        let intake = IntakeStore()
        let report = try WorkerReport.decode(Array(#"{"name":"<b>worker</b>","namespace":"default","ownerName":"x","ownerKind":"x","kind":"inference","status":"ok","ownerInfo":{}}"#.utf8))
        try intake.report(report, kind: .jointInferenceService, task: "helmet-detection-inference-example", pod: nil, now: Date().timeIntervalSince1970)
        let key = try GroupingKey.parse(["job", "train&<x>", "pod", "p1"], limits: IntakeLimits())
        let families = try TextParser.parse(Array("train_loss 0.5\n".utf8))
        try intake.push(.put, key: key, families: families, binding: .init(), taskLabels: [], now: Date().timeIntervalSince1970)
        return MetricsEndpoint(inventory: inventory, stats: stats, resources: resources, intake: intake)
    }

    @Test func snapshotHoldsTasksWorkersReportsAndGroups() throws {
        let s = try makeEndpoint().statusSnapshot()
        #expect(s.ready)
        #expect(s.tasks.contains { $0.kind == .jointInferenceService && $0.name == "helmet-detection-inference-example" })
        #expect(s.tasks.allSatisfy { $0.kind.isTask })
        #expect(!s.workers.isEmpty)
        #expect(s.intake?.reports.map(\.worker) == ["<b>worker</b>"])
        #expect(s.intake?.reports.first?.task == "helmet-detection-inference-example")
        #expect(s.intake?.reports.first?.kind == "JointInferenceService")
        #expect(s.intake?.groups.first?.labels.map(\.value) == ["train&<x>", "p1"])
        #expect(s.intake?.groups.first?.series == 1)
    }

    @Test func getAndHeadOfTheStatusPage() async throws {
        let endpoint = try makeEndpoint()
        let app = Application(router: ExporterRouter.build(endpoint: endpoint, links: StatusLinks(grafanaURL: "http://g:3000")))
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("helmet-detection-inference-example"))
                #expect(body.contains("&lt;b&gt;worker&lt;/b&gt;"))
                #expect(body.contains("job=&quot;train&amp;&lt;x&gt;&quot;"))
                #expect(body.contains("http://g:3000/d/sedna-joint-inference/"))
                #expect(!body.contains("<b>worker"))
            }
            try await client.execute(uri: "/", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.body.readableBytes == 0)
            }
        }
    }
}
