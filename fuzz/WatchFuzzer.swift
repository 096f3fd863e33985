// libFuzzer target `watch`: what the Kubernetes API sends back. The input is a watch stream
// (split into lines by `LineSplitter`, each decoded by `WatchEvent.decode`) and also a whole
// LIST page (`ListPage.decode`), both in Sources/KubeWatch/WatchEvent.swift, and the parallel
// LIST decode (Sources/KubeWatch/ListSplitter.swift), which must give the whole-body parse's tree
// or hand back (nil), never another tree; the parse that drops `managedFields` (SednaCatalog's
// JSONParser) must agree with the full parse; every decoded
// object then goes through its translator, as the reflector would hand it on, and is packed as
// the inventory keeps it (SednaCatalog's PackedJSON), which must unpack to the same tree; the
// raw input is also unpacked, which must fail cleanly or give a tree that packs back the same.
// A relist's decode (`ListPage.decode(_:known:)`) must give the plain decode's page, and with
// its own item hashes given back must leave every item unparsed.
// Built by scripts/fuzz.sh.
import Foundation
@testable import KubeWatch
@testable import SednaCatalog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let context = TranslationContext(nodeLocations: ["edge1": .edge], datasetSamples: ["default/d": 3])
    var splitter = LineSplitter(maxLineBytes: 1 << 16)
    var lines = (try? splitter.feed(bytes)) ?? []
    if let last = splitter.finish() { lines.append(last) }
    for line in lines {
        guard let event = try? WatchEvent.decode(line) else { continue }
        _ = event.isGone
        translate(event.object, context: context)
    }
    // The watch path's parse drops `managedFields` and builds nothing for it: it must accept
    // and reject exactly what the full parse does, with the same error, and build the full tree
    // without those members.
    let full = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
    let dropped = Result { () throws(JSONParseError) in try JSONParser.parse(bytes, droppingManagedFields: true) }
    switch (full, dropped) {
    case (.success(let f), .success(let d)):
        precondition(d == f.removingMembers(named: "managedFields"), "dropping managedFields changed another member")
    case (.failure(let f), .failure(let d)):
        precondition(f == d, "dropping managedFields changed the error")
    default:
        preconditionFailure("dropping managedFields changed whether the document parses")
    }
    if let tree = PackedJSON.unpack(bytes) {
        precondition(PackedJSON.unpack(PackedJSON.pack(tree)) == tree, "an unpacked tree packed to another")
    }
    if let fast = ListSplitter.decode(bytes) {
        precondition(fast == (try? dropped.get()), "the parallel LIST decode built another tree")
    }
    if let page = try? ListPage.decode(bytes) {
        precondition(page.continueToken.map { !$0.isEmpty } ?? true, "an empty continue token was kept")
        for object in page.items {
            precondition(!object.name.isEmpty, "a LIST item without a name was kept")
            translate(object, context: context)
        }
    }
    // A relist's decode (`known`): the same page as the plain decode, its items hashed; given
    // those hashes back, every item is left unparsed under its key and nothing else changes.
    if let listed = try? ListPage.decode(bytes, known: [:]) {
        let plain = try? ListPage.decode(bytes)
        precondition(listed.items == plain?.items && listed.undecodable == plain?.undecodable
                     && listed.continueToken == plain?.continueToken && listed.unchanged.isEmpty, "a relist's decode differs")
        precondition(listed.hashes.count == listed.items.count, "one hash per item")
        if listed.hashes.allSatisfy({ $0 != 0 }) {
            let known = Dictionary(zip(listed.hashes, listed.items.map(\.key)), uniquingKeysWith: { a, _ in a })
            if let again = try? ListPage.decode(bytes, known: known) {
                precondition(again.items.isEmpty && again.unchanged.count == listed.items.count
                             && Set(again.unchanged) == Set(listed.items.map(\.key)), "a known item was parsed again")
            }
        }
    } else {
        precondition((try? ListPage.decode(bytes)) == nil, "a page decodes only without known hashes")
    }
    return 0
}

private func translate(_ object: KubeObject, context: TranslationContext) {
    precondition(PackedJSON.unpack(PackedJSON.pack(object.json)) == object.json, "a packed object unpacked to another tree")
    if let kind = SednaKind(rawValue: object.kind ?? "") {
        _ = Translators.forKind(kind).translate(object, context: context)
    } else if object.kind == "Pod" {
        _ = PodTranslator.translate(object, context: context)
    } else if object.kind == "Node" {
        _ = NodeTranslator.translate(object, context: context)
    }
}
