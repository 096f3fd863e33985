@testable import ExporterCore
import Exposition
import KubeWatch
import SednaCatalog
import Testing
import TestSupport

/// The webhook's sink takes relists page by page when the inventory does, and both the relay
/// tracker and the inventory end where a whole relist leaves them.
@Suite struct TrackingSinkTests {
    static func relay(_ node: String) -> KubeObject {
        Fixtures.json(#"{"metadata":{"name":"sedna-relay-\#(node)","namespace":"sedna-observability","uid":"relay-\#(node)","#
            + #""labels":{"app.kubernetes.io/name":"sedna-relay"}},"spec":{"nodeName":"\#(node)"},"#
            + #""status":{"conditions":[{"type":"Ready","status":"True"}]}}"#)
    }

    @Test func pagesReachTheTrackerAndTheInventory() {
        let pods = Fixtures.cluster("pods")
        let whole = (tracker: RelayTracker(), inventory: Inventory())
        let paged = (tracker: RelayTracker(), inventory: Inventory())
        let wholeSink = TrackingSink(inner: whole.inventory, tracker: whole.tracker)
        let pagedSink = TrackingSink(inner: paged.inventory, tracker: paged.tracker)
        #expect(pagedSink.appliesRelistPages)
        for sink in [wholeSink, pagedSink] {
            sink.replaceAll(.pods, [Self.relay("e1"), Self.relay("e2")] + pods)
        }
        let relisted = [Self.relay("e2"), Self.relay("e3")] + Array(pods.dropFirst())
        wholeSink.relistStarted(.pods)
        wholeSink.replaceAll(.pods, relisted)
        wholeSink.relistEnded(.pods)
        pagedSink.relistStarted(.pods)
        pagedSink.relistPage(.pods, Array(relisted.prefix(2)))
        pagedSink.relistPage(.pods, Array(relisted.dropFirst(2)))
        pagedSink.relistComplete(.pods)
        pagedSink.relistEnded(.pods)
        #expect(paged.tracker.presence == whole.tracker.presence)
        #expect(!paged.tracker.presence.relayReady(onNode: "e1") && paged.tracker.presence.relayReady(onNode: "e3"))
        var a: [UInt8] = [], b: [UInt8] = []
        whole.inventory.store.write(format: .text004, into: &a)
        paged.inventory.store.write(format: .text004, into: &b)
        #expect(a == b)
        #expect(paged.inventory.store.count(.pods) == whole.inventory.store.count(.pods))
    }
}
