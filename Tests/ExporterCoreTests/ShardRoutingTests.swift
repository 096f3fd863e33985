@testable import ExporterCore
import Exposition
import Intake
import SednaCatalog
import ServerSupport
import Testing

/// The ownership decision of the sharded intake, without I/O: given the assignment, the task's
/// UID and whether another shard already forwarded the request, handle it here, hold it here, or
/// hand it to the owner's URL.
@Suite struct ShardRoutingTests {
    // FNV1a("uid-b") % 2 == 0, FNV1a("uid-a") % 2 == 1; FNV1a("edge-1") % 2 == 0, FNV1a("edge-2") % 2 == 1.
    let peers = try! ShardPeers.parse(list: "http://s0:9479,http://s1:9479/", template: nil)

    func decide(_ target: ShardRouting.Target, shard: Int, total: Int = 2, forwardedBy: String? = nil,
                peers: ShardPeers? = nil) -> ShardRouting.Decision {
        ShardRouting.decide(target, assignment: ShardAssignment(shard: shard, total: total), forwardedBy: forwardedBy,
                            peers: peers ?? self.peers)
    }

    @Test func theOwnerIsTheTaskUIDsHashModuloTheShardCountAsForSeries() {
        #expect(ShardRouting.owner(taskUID: "uid-b", total: 2) == 0)
        #expect(ShardRouting.owner(taskUID: "uid-a", total: 2) == 1)
        for uid in ["uid-a", "uid-b", "uid-c", "3f1c-77"] {
            for total in 1...4 {
                let o = ShardRouting.owner(taskUID: uid, total: total)
                #expect(Int(FNV1a.hash(uid) % UInt64(total)) == o)
            }
        }
    }

    @Test func aTaskOwnedHereIsHandledAndOneOwnedElsewhereGoesToItsOwnersURL() {
        #expect(decide(.task(uid: "uid-b"), shard: 0) == .handle)
        #expect(decide(.task(uid: "uid-a"), shard: 0) == .forward(shard: 1, url: "http://s1:9479"))
        #expect(decide(.task(uid: "uid-b"), shard: 1) == .forward(shard: 0, url: "http://s0:9479"))
        #expect(decide(.task(uid: "uid-a"), shard: 1) == .handle)
    }

    @Test func aForwardedRequestIsNeverForwardedAgain() {
        // A shard that disagrees about ownership (mid re-shard) keeps it rather than loop.
        #expect(decide(.task(uid: "uid-a"), shard: 0, forwardedBy: "1") == .handle)
        #expect(decide(.unbound, shard: 1, forwardedBy: "0") == .handle)
        #expect(decide(.unknown, shard: 1, forwardedBy: "0") == .hold)
    }

    @Test func anUnknownTaskIsHeldWhereItArrivesAndAnUnboundPushBelongsToShardZero() {
        #expect(decide(.unknown, shard: 1) == .hold)
        #expect(decide(.unknown, shard: 0) == .hold)
        #expect(decide(.unbound, shard: 1) == .forward(shard: 0, url: "http://s0:9479"))
        #expect(decide(.unbound, shard: 0) == .handle)
    }

    @Test func oneShardOrNoAddressForTheOwnerKeepsEverythingHere() throws {
        #expect(decide(.task(uid: "uid-a"), shard: 0, total: 1) == .handle)
        let short = try #require(try ShardPeers.parse(list: "http://s0:9479", template: nil))
        #expect(decide(.task(uid: "uid-a"), shard: 0, peers: short) == .handle)
        #expect(ShardRouting.decide(.task(uid: "uid-a"), assignment: ShardAssignment(shard: 0, total: 2), forwardedBy: nil,
                                    peers: nil) == .handle)
    }

    @Test func theAssignmentDecidesSoAReShardMovesTheOwner() throws {
        let template = try #require(try ShardPeers.parse(list: nil, template: "http://sedna-exporter-{shard}.shards.sedna.svc:9479"))
        let three = ShardRouting.owner(taskUID: "uid-d", total: 3)
        #expect(three == 2 && ShardRouting.owner(taskUID: "uid-d", total: 2) == 0)
        #expect(decide(.task(uid: "uid-d"), shard: 0, total: 3, peers: template)
            == .forward(shard: 2, url: "http://sedna-exporter-2.shards.sedna.svc:9479"))
        #expect(decide(.task(uid: "uid-d"), shard: 0, total: 2, peers: template) == .handle)
    }

    @Test func aRelayBatchGoesToTheShardKeepingTheRelaysLedger() {
        let a = ShardAssignment(shard: 0, total: 2)
        #expect(ShardRouting.decideRelay(relay: "edge-1", assignment: a, peers: peers) == .handle)
        #expect(ShardRouting.decideRelay(relay: "edge-2", assignment: a, peers: peers) == .forward(shard: 1, url: "http://s1:9479"))
        #expect(ShardRouting.decideRelay(relay: "edge-2", assignment: ShardAssignment(shard: 0, total: 1), peers: peers) == .handle)
    }

    @Test func peerFlagsAreCheckedWithClearErrors() throws {
        #expect(throws: ConfigurationError.self) { try ShardPeers.parse(list: "http://a", template: "http://{shard}") }
        #expect(throws: ConfigurationError.self) { try ShardPeers.parse(list: nil, template: "http://exporter:9479") }
        #expect(throws: ConfigurationError.self) { try ShardPeers.parse(list: "http://a:1,ftp://b", template: nil) }
        #expect(throws: ConfigurationError.self) { try ShardPeers.parse(list: "http://user:pw@a:1", template: nil) }
        #expect(try ShardPeers.parse(list: nil, template: nil) == nil)
        var config = ExporterConfiguration(shard: 0, totalShards: 3)
        config.shardPeers = try? ShardPeers.parse(list: "http://a:1,http://b:1", template: nil)
        #expect(config.problems().contains { $0.contains("--shard-peers names 2 shards") })
    }

    @Test func aRelayBatchIsAcknowledgedUpToTheFirstReportItsOwnerDidNotTake() {
        let owners: [(seq: UInt64, owner: Int)] = [(4, 0), (5, 1), (6, 0), (7, 2), (8, 1)]
        #expect(ShardRelayDistribution.acknowledged(owners, took: [0, 1, 2]) == [4, 5, 6, 7, 8])
        #expect(ShardRelayDistribution.acknowledged(owners, took: [0, 1]) == [4, 5, 6])
        #expect(ShardRelayDistribution.acknowledged(owners, took: [1, 2]) == [])
    }

    @Test func aBatchTheIntakeWouldRefuseIsLeftToIt() {
        func parse(_ s: String) -> ShardRelayDistribution.Batch? { ShardRelayDistribution.parse(Array(s.utf8)) }
        #expect(parse(#"{"reports":[{"seq":1,"worker":"w","body":{"name":"w"},"peer":"10.0.0.1"}],"incarnation":"i1"}"#)?
            .entries.map(\.seq) == [1])
        #expect(parse(#"{"reports":[{"seq":0,"worker":"w","body":"{}"}]}"#) == nil)
        #expect(parse(#"{"reports":[{"seq":1,"body":"{}"}]}"#) == nil)
        #expect(parse(#"{"reports":[{"seq":1,"worker":"w","body":"{}","peer":3}]}"#) == nil)
        #expect(parse(#"{"reports":[],"incarnation":""}"#) == nil)
        #expect(parse("not json") == nil)
    }
}
