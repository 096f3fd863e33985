@testable import ExporterCore
import Exposition
import KubeWatch
import SednaCatalog
import Testing
import TestSupport

/// A relist leaves the items the inventory holds exactly as an earlier LIST gave them unparsed
/// (`RelistPage`, `Inventory.knownListItems`), and still ends where a relist that parses
/// everything ends: the same exposition, the same relay tracker state.
@Suite struct UnchangedRelistTests {
    /// The fixture cluster by resource, in a stable order.
    static func cluster() -> [(WatchedResource, [KubeObject])] {
        var byResource: [String: [KubeObject]] = [:]
        for (r, o) in Fixtures.allCluster() { byResource[r, default: []].append(o) }
        return byResource.sorted { $0.key < $1.key }.map { (WatchedResource(plural: $0.key)!, $0.value) }
    }

    static func body(_ objects: [KubeObject]) -> [UInt8] {
        JSONWriter.compact.bytes(.object(["kind": .string("List"), "metadata": .object(["resourceVersion": .string("7")]),
                                          "items": .array(objects.map(\.json))]))
    }

    /// One relist of `objects` through `sink` as the reflector does it, in pages of `pageSize`
    /// items; returns how many items were left unparsed.
    @discardableResult
    static func relist(_ sink: any ObjectSink, _ r: WatchedResource, _ objects: [KubeObject], pageSize: Int = 3) throws -> Int {
        let known = sink.knownListItems(r)
        var unchanged = 0
        sink.relistStarted(r)
        for start in stride(from: 0, to: max(objects.count, 1), by: pageSize) {
            let page = try ListPage.decode(body(Array(objects[start..<min(objects.count, start + pageSize)])), known: known)
            unchanged += page.unchanged.count
            sink.relistPage(r, RelistPage(objects: page.items, hashes: page.hashes, unchanged: page.unchanged))
        }
        sink.relistComplete(r)
        sink.relistEnded(r)
        return unchanged
    }

    static func text(_ inv: Inventory) -> [UInt8] {
        var out: [UInt8] = []
        inv.store.write(format: .text004, into: &out)
        return out
    }

    static func edited(_ o: KubeObject, _ edit: (inout [String: JSON]) -> Void) -> KubeObject {
        var top = o.json.object ?? [:]
        edit(&top)
        return KubeObject(.object(top))
    }

    @Test func unchangedItemsAreNotParsedAndTheEndStateIsAFullRelists() throws {
        let cluster = Self.cluster()
        let total = cluster.reduce(0) { $0 + $1.1.count }
        let inv = Inventory(), reference = Inventory()
        let sink = TrackingSink(inner: inv, tracker: RelayTracker())
        // The first relist knows nothing: every item is parsed.
        for (r, objects) in cluster { #expect(try Self.relist(sink, r, objects) == 0) }
        // The same bytes again: nothing is parsed, nothing changes.
        let generation = inv.store.generation, before = Self.text(inv)
        var unchanged = 0
        for (r, objects) in cluster { unchanged += try Self.relist(sink, r, objects) }
        #expect(unchanged == total)
        #expect(inv.store.generation == generation)
        #expect(Self.text(inv) == before)

        // One pod changed, one dataset gone, one task added: only the changed and the new are
        // parsed, and the end state is what a relist parsing everything gives.
        var changedCluster = cluster
        for (i, (r, objects)) in cluster.enumerated() {
            switch r {
            case .pods:
                let k = try #require(objects.firstIndex { $0.status["phase"].string == "Running" })
                var pods = objects
                pods[k] = Self.edited(pods[k]) { top in
                    var status = top["status"]?.object ?? [:]
                    status["phase"] = .string("Failed")
                    top["status"] = .object(status)
                }
                changedCluster[i].1 = pods
            case .sedna(.dataset):
                changedCluster[i].1 = Array(objects.dropFirst())
            case .sedna(.jointInferenceService):
                let copy = Self.edited(objects[0]) { top in
                    var meta = top["metadata"]?.object ?? [:]
                    meta["name"] = .string("added-later")
                    meta["uid"] = .string("uid-added-later")
                    top["metadata"] = .object(meta)
                }
                changedCluster[i].1 = objects + [copy]
            default: break
            }
        }
        unchanged = 0
        for (r, objects) in changedCluster {
            unchanged += try Self.relist(sink, r, objects)
            reference.replaceAll(r, objects)
        }
        let changedTotal = changedCluster.reduce(0) { $0 + $1.1.count }
        #expect(unchanged == changedTotal - 2)   // the changed pod and the added task were parsed
        #expect(Self.text(inv) == Self.text(reference))
        #expect(Self.text(inv) != before)
        #expect(String(decoding: Self.text(inv), as: UTF8.self).contains("added-later"))
    }

    /// An object that came by a watch event since is parsed at the next relist, even with the
    /// same bytes (what the event made of it is not known to be what the LIST item gives); a
    /// re-sharding filter makes the next relist parse everything.
    @Test func eventsAndANewFilterMakeTheNextRelistParse() throws {
        let pods = Fixtures.cluster("pods")
        let inv = Inventory()
        try Self.relist(inv, .pods, pods)
        // Every pod, the ones out of scope (no Sedna task's) too.
        #expect(inv.knownListItems(.pods).count == pods.count)
        #expect(inv.store.count(.pods) < pods.count)
        inv.upsert(.pods, pods[0])
        #expect(try Self.relist(inv, .pods, pods) == pods.count - 1)
        #expect(try Self.relist(inv, .pods, pods) == pods.count)
        inv.setFilter(ObjectFilter())
        #expect(inv.knownListItems(.pods).isEmpty)
        #expect(try Self.relist(inv, .pods, pods) == 0)
        #expect(try Self.relist(inv, .pods, pods) == pods.count)
    }

    /// A LIST item that is not an object, or has no name, is never taken for a known one, and a
    /// sink that knows nothing gets every item parsed whatever the body's size.
    @Test func smallBodiesAreTakenApartWhenAKnownSetIsGiven() throws {
        let body = Array(#"{"metadata":{"resourceVersion":"3"},"items":[{"metadata":{"name":"a","uid":"u-a"}},3,{"spec":{}}]}"#.utf8)
        let first = try ListPage.decode(body, known: [:])
        #expect(first.items.map(\.name) == ["a"] && first.undecodable == 2 && first.unchanged.isEmpty)
        #expect(first.hashes.count == 1 && first.hashes[0] != 0)
        let again = try ListPage.decode(body, known: [first.hashes[0]: "u-a"])
        #expect(again.items.isEmpty && again.unchanged == ["u-a"] && again.undecodable == 2)
        // Without `known`, a small body is parsed whole: no hashes are known.
        #expect(try ListPage.decode(body).hashes == [0])
    }
}
