import Foundation
import Hummingbird
import Intake
import NIOCore
import SednaCatalog

/// A relay batch on a sharded exporter: acknowledged only for the reports their owners have,
/// and never stored twice when sent again (docs/architecture.md, "Intake").
///
/// - One shard keeps a relay's acknowledgement ledger: `FNV1a(relay name) % total`
///   (`ShardRouting.ledgerShard`). A batch reaching another shard is handed to it whole
///   (`X-Sedna-Relay-Stage: ledger`), so the relay always hears from the same ledger.
/// - The ledger shard skips what it acknowledged before, ties each remaining report to its task,
///   and hands the reports to their owners in sequence order, one sub-batch per owner (its own
///   share goes straight to its intake). Reports tied to no task stay with the ledger shard,
///   which holds them.
/// - It acknowledges the highest sequence number up to which every report was stored or held
///   by its owner; a failed owner stops the acknowledgement there and the relay sends the rest
///   again (answered 503 when nothing moved, so that the relay backs off while a shard restarts).
/// - Each owner admits its sub-batch through its intake's own relay ledger (the one an unsharded
///   exporter uses): an owner sees the reports of a relay in increasing order, so a report it
///   already has (stored before a later owner failed, or before its answer was lost) is a
///   duplicate there and dropped. The acknowledgement ledger is separate from it, since an
///   owner's ledger runs ahead of what the relay may drop.
///
/// A re-shard moves tasks between owners: a report in flight then may be dropped as a duplicate
/// by its new owner or stored by the old one (docs/architecture.md).
struct ShardRelayDistribution {
    let forwarding: ShardForwarding

    /// A batch as the relay sends it (`IntakeService.relayBatch`), each entry kept as sent.
    struct Batch: Equatable {
        struct Entry: Equatable {
            let seq: UInt64
            let json: JSON
        }
        let incarnation: String?
        let entries: [Entry]
    }

    /// The entries, or nil for a batch the intake itself must refuse (it answers 400 as always).
    static func parse(_ bytes: [UInt8]) -> Batch? {
        guard let batch = try? JSON.decode(bytes), let reports = batch["reports"].array else { return nil }
        let incarnation = batch["incarnation"].string
        if !batch["incarnation"].isNull && (incarnation.map { $0.isEmpty || $0.utf8.count > 64 } ?? true) { return nil }
        var entries: [Batch.Entry] = []
        for e in reports {
            guard let n = e["seq"].number, n >= 1, n < 9e15, e["worker"].string != nil,
                  e["body"].string != nil || e["body"].object != nil,
                  e["peer"].isNull || e["peer"].string != nil else { return nil }
            entries.append(Batch.Entry(seq: UInt64(n), json: e))
        }
        return Batch(incarnation: incarnation, entries: entries)
    }

    /// The report inside an entry, as the intake decodes it (nil: the intake will count it rejected).
    static func report(_ entry: JSON) -> (WorkerReport, peer: String?)? {
        let bytes: [UInt8]
        if let text = entry["body"].string { bytes = Array(text.utf8) } else { bytes = JSONWriter.compact.bytes(entry["body"]) }
        guard let r = try? WorkerReport.decode(bytes), r.name == entry["worker"].string else { return nil }
        return (r, entry["peer"].string.flatMap { $0.isEmpty ? nil : String($0.prefix(64)) })
    }

    /// The sequence numbers to acknowledge, in order: every entry up to the first one whose owner
    /// did not take its sub-batch.
    static func acknowledged(_ owners: [(seq: UInt64, owner: Int)], took: Set<Int>) -> [UInt64] {
        var out: [UInt64] = []
        for (seq, owner) in owners {
            guard took.contains(owner) else { break }
            out.append(seq)
        }
        return out
    }

    static func body(incarnation: String?, _ entries: [JSON]) -> [UInt8] {
        var o: [String: JSON] = ["reports": .array(entries)]
        if let incarnation { o["incarnation"] = .string(incarnation) }
        return JSONWriter.compact.bytes(.object(o))
    }

    func distribute(_ request: Request, context: ExporterRequestContext,
                    next: (Request, ExporterRequestContext) async throws -> Response) async throws -> Response {
        let routes = forwarding.routes
        let relay = IntakeRoutes.relayName(forwarding.segment(request.uri.path, 2))
        var request = request
        let raw: ByteBuffer
        do {
            raw = try await request.body.collect(upTo: routes.config.limits.maxBodyBytes)
        } catch {
            return try await next(request, context)   // the routes answer 413 (and count it)
        }
        request.body = RequestBody(buffer: raw)
        guard (try? IntakeService.checkRelayName(relay)) != nil,
              let bytes = try? await routes.readBody(request), let batch = Self.parse(bytes) else {
            return try await next(request, context)
        }
        let assignment = forwarding.assignment.current
        let done = forwarding.relayAcks.last(relay: relay, incarnation: batch.incarnation)
        let pending = batch.entries.filter { $0.seq > done }
        // Owner of each pending report: this shard for what it owns or nobody knows.
        var owners: [(seq: UInt64, owner: Int)] = []
        var shares: [Int: [JSON]] = [:]
        for e in pending {
            var owner = assignment.shard
            if let tied = Self.report(e.json),
               case let .forward(shard, _) = ShardRouting.decide(forwarding.target(of: tied.0, peer: tied.peer), assignment: assignment,
                                                                 forwardedBy: nil, peers: forwarding.peers) {
                owner = shard
            }
            owners.append((e.seq, owner))
            shares[owner, default: []].append(e.json)
        }
        let sent = request
        var took: Set<Int> = []
        if let mine = shares.removeValue(forKey: assignment.shard) {
            if (try? routes.service.relayBatch(relay: relay, body: Self.body(incarnation: batch.incarnation, mine),
                                               now: IntakeRoutes.now())) != nil {
                took.insert(assignment.shard)
            }
        }
        await withTaskGroup(of: Int?.self) { group in
            for (shard, entries) in shares {
                guard let url = forwarding.peers.url(shard: shard) else { continue }
                let body = ByteBuffer(bytes: Self.body(incarnation: batch.incarnation, entries))
                group.addTask {
                    let answer = await forwarding.send(sent, body: body, url: url, from: assignment.shard, extra: [],
                                                       contentType: "application/json")
                    let ok = answer?.status == 200
                    forwarding.counters.count(endpoint: "relay", result: ok ? "delivered" : "failed")
                    return ok ? shard : nil
                }
            }
            for await shard in group { if let shard { took.insert(shard) } }
        }
        for seq in Self.acknowledged(owners, took: took) {
            _ = forwarding.relayAcks.admit(relay: relay, incarnation: batch.incarnation, seq: seq)
        }
        let acked = forwarding.relayAcks.last(relay: relay, incarnation: batch.incarnation)
        if !pending.isEmpty && acked == done {
            routes.service.countResponse(endpoint: "relay", code: 503)
            forwarding.logger.warning("no report of a relay batch could be handed to its owner shard; answered 503", metadata: [
                "relay": "\(relay.prefix(80))", "pending": "\(pending.count)"])
            return routes.text(503, "the shards owning these reports cannot be reached; send again later\n")
        }
        routes.service.countResponse(endpoint: "relay", code: 200)
        return routes.json(200, .object(["acked": .number(Double(acked))]))
    }
}
