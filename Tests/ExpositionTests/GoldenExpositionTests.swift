import Exposition
import Foundation
import SednaCatalog
import Testing
import TestSupport

/// The whole fixture cluster rendered in both formats, compared byte for byte with checked-in
/// golden files and checked with promtool. `UPDATE_GOLDEN=1 swift test` rewrites them.
@Suite struct GoldenExpositionTests {
    static let goldenDir = Fixtures.repoRoot.appendingPathComponent("Tests/ExpositionTests/Golden")

    static func fixtureInventory() -> Inventory {
        let inventory = Inventory()
        // Nodes and datasets first would be the common case; load in file order to also
        // exercise re-rendering of dependants (pods before nodes, FL before datasets).
        var byResource: [String: [KubeObject]] = [:]
        for (r, o) in Fixtures.allCluster() { byResource[r, default: []].append(o) }
        for (r, objects) in byResource.sorted(by: { $0.key < $1.key }) {
            inventory.replaceAll(WatchedResource(plural: r)!, objects)
        }
        return inventory
    }

    /// What the server's /metrics assembles for these objects (no intake, no self-metrics).
    static func render(_ format: ExpositionFormat) -> String {
        String(decoding: Scrape(objects: fixtureInventory().store).render(format: format), as: UTF8.self)
    }

    @Test(arguments: [("fixture-cluster.prom", ExpositionFormat.text004), ("fixture-cluster.om.txt", .openMetrics)])
    func matchesGolden(_ file: String, _ format: ExpositionFormat) throws {
        let rendered = Self.render(format)
        let url = Self.goldenDir.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.goldenDir, withIntermediateDirectories: true)
            try rendered.write(to: url, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(rendered == golden, "exposition differs from \(file); inspect, then UPDATE_GOLDEN=1 swift test")
    }

    @Test func renderingIsDeterministicWhateverTheLoadOrder() {
        let a = Self.render(.text004)
        let inventory = Inventory()
        for (r, o) in Fixtures.allCluster().reversed() { inventory.upsert(WatchedResource(plural: r)!, o) }
        #expect(String(decoding: Scrape(objects: inventory.store).render(format: .text004), as: UTF8.self) == a)
    }

    @Test func promtoolAcceptsTheGoldenFile() throws {
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(promtool, "promtool is missing: scripts/test.sh installs the Debian package prometheus")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(Self.render(.text004).utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "promtool check metrics: \(text)")
    }
}
