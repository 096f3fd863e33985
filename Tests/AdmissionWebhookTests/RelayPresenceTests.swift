import AdmissionWebhook
import SednaCatalog
import Testing

/// A relist delivered page by page (each object upserted, then the unseen dropped) leaves the
/// presence a whole `replacePods`/`replaceNodes` would.
@Suite struct RelayPresenceTests {
    @Test func upsertsThenRetainEqualReplace() {
        var before = RelayPresence()
        before.replaceNodes(["e1", "e2", "e3"].map { GMBuiltPods.node($0) })
        before.replacePods(["e1", "e2", "e3"].map { GMBuiltPods.relayPod(node: $0) })
        // The relist: e2's node and relay are gone, e1's relay is no longer ready, e4 is new.
        let nodes = ["e1", "e3", "e4"].map { GMBuiltPods.node($0) } + [GMBuiltPods.node("cloud-1", edge: false)]
        let pods = [GMBuiltPods.relayPod(node: "e1", ready: false), GMBuiltPods.relayPod(node: "e3"), GMBuiltPods.relayPod(node: "e4")]
        var whole = before, paged = before
        whole.replaceNodes(nodes)
        whole.replacePods(pods)
        for n in nodes { paged.upsertNode(n) }
        paged.retainNodes(Set(nodes.map(\.key)))
        for p in pods { paged.upsertPod(p) }
        paged.retainPods(Set(pods.map(\.key)))
        #expect(paged == whole)
        #expect(paged != before)
        #expect(!paged.relayReady(onNode: "e2") && !paged.relayReady(onNode: "e1") && paged.relayReady(onNode: "e4"))
    }
}
