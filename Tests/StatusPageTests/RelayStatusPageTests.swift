@testable import StatusPage
import Testing

@Suite struct RelayStatusPageTests {
    @Test func spoolAndWorkersRenderEscapedAndBounded() {
        var r = RelayStatus(now: 1000)
        r.relayName = "edge<1>"
        r.node = "node&1"
        r.centralURL = "https://exporter:9479"
        r.depth = 12
        r.bytes = 4096
        r.maxBytes = 1 << 20
        r.oldestAge = 90
        r.delivered = 3
        r.waiting = (1...12).map { RelayStatus.Waiting(seq: UInt64($0), worker: "<w\($0)>", time: 910, peer: "10.0.0.\($0)") }
        r.sightings = [.init(worker: "\"quoted\" worker", peer: "10.0.0.1", time: 995, count: 4)]
        let page = RelayStatusPage.render(r, rowLimit: 5)
        #expect(!page.contains("<w1>"))
        #expect(page.contains("&lt;w1&gt;"))
        #expect(page.contains("relay edge&lt;1&gt;"))
        #expect(page.contains("node node&amp;1"))
        #expect(page.contains("&quot;quoted&quot; worker"))
        #expect(page.contains("12 reports waiting, oldest 1m 30s"))
        #expect(page.contains("and 7 more"))
        #expect(!page.contains("&lt;w6&gt;"))
    }

    @Test func emptyRelaySaysNothingIsWaiting() {
        let page = RelayStatusPage.render(RelayStatus(now: 0))
        #expect(page.contains("✔ nothing waiting"))
        #expect(page.contains("No worker has reported to this relay"))
    }
}
