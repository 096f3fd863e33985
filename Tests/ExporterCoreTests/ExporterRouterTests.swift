import ExporterCore
import Exposition
import Foundation
import Hummingbird
import HummingbirdTesting
import KubeWatch
import NIOCore
import SednaCatalog
import Testing
import TestSupport

/// The HTTP surface through Hummingbird's in-process test client.
@Suite struct ExporterRouterTests {
    func makeEndpoint(synced: Bool) -> MetricsEndpoint {
        let inventory = Inventory()
        let stats = WatchStats()
        let resources: [WatchedResource] = [.sedna(.dataset), .pods]
        for (r, o) in Fixtures.allCluster() where r == "datasets" { inventory.upsert(.sedna(.dataset), o) }
        stats.setDiscovered(true)
        stats.update(.sedna(.dataset)) { s in s.available = true; s.synced = synced }
        stats.update(.pods) { s in s.available = true; s.synced = synced }
        return MetricsEndpoint(inventory: inventory, stats: stats, resources: resources)
    }

    func app(_ endpoint: MetricsEndpoint) -> some ApplicationProtocol {
        Application(router: ExporterRouter.build(endpoint: endpoint))
    }

    @Test func metricsInTextFormatByDefault() async throws {
        try await app(makeEndpoint(synced: true)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("sedna_dataset_samples{namespace=\"default\",dataset=\"dataset-demo0\"} 1200"))
                #expect(body.contains("sedna_exporter_ready 1"))
                #expect(body.contains("sedna_exporter_objects{resource=\"datasets\"} 5"))
                #expect(!body.contains("# EOF"))
            }
        }
    }

    @Test func openMetricsWhenAskedFor() async throws {
        try await app(makeEndpoint(synced: true)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get,
                                     headers: [.accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"]) { response in
                #expect(response.headers[.contentType]?.hasPrefix("application/openmetrics-text") == true)
                let body = String(buffer: response.body)
                #expect(body.hasSuffix("# EOF\n"))
                #expect(body.contains("# TYPE sedna_exporter_scrapes counter"))
            }
        }
    }

    @Test func gzipWhenAccepted() async throws {
        try await app(makeEndpoint(synced: true)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                let raw = Array(response.body.readableBytesView)
                let text = String(decoding: try Gzip.decompress(raw, limit: 1 << 24), as: UTF8.self)
                #expect(text.contains("sedna_dataset_info"))
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip;q=0"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
    }

    @Test func readinessFollowsSync() async throws {
        try await app(makeEndpoint(synced: false)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("datasets: initial LIST not complete"))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("sedna_exporter_ready 0"))
            }
        }
        try await app(makeEndpoint(synced: true)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func repeatedWatchFailuresMakeItNotReady() async throws {
        let endpoint = makeEndpoint(synced: true)
        endpoint.stats.update(.pods) { s in s.consecutiveFailures = WatchStats.failureThreshold; s.lastError = "connection refused" }
        try await app(endpoint).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("pods: 3 consecutive failures (connection refused)"))
            }
        }
    }

    @Test func absentCRDsDoNotBlockReadiness() {
        let stats = WatchStats()
        stats.setDiscovered(true)
        stats.update(.pods) { $0.synced = true }
        stats.update(.nodes) { $0.synced = true }
        let (ready, reasons) = stats.readiness(expected: WatchedResource.all)
        #expect(ready, "\(reasons)")
    }
}
