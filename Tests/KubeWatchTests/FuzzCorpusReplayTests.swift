import Foundation
@testable import KubeWatch
import SednaCatalog
import TestSupport
import Testing

/// Replays the checked-in libFuzzer corpora of the watch and kubeconfig targets (fuzz/corpus,
/// see scripts/fuzz.sh and docs/reliability.md) in-process, with the checks of
/// fuzz/WatchFuzzer.swift and fuzz/KubeconfigFuzzer.swift: no input traps, and what is accepted
/// keeps its invariants.
@Suite struct FuzzCorpusReplayTests {
    @Test func watchCorpus() throws {
        let corpus = Fixtures.fuzzCorpus("watch")
        #expect(corpus.count >= 5)
        let context = TranslationContext(nodeLocations: ["edge1": .edge], datasetSamples: [:])
        var events = 0, pages = 0
        for (name, bytes) in corpus {
            var splitter = LineSplitter(maxLineBytes: 1 << 16)
            var lines = (try? splitter.feed(bytes)) ?? []
            if let last = splitter.finish() { lines.append(last) }
            for line in lines {
                guard let event = try? WatchEvent.decode(line) else { continue }
                events += 1
                if let kind = SednaKind(rawValue: event.object.kind ?? "") {
                    _ = Translators.forKind(kind).translate(event.object, context: context)
                }
            }
            let dropped = try? JSON.decode(bytes, droppingManagedFields: true)
            #expect(dropped == (try? JSON.decode(bytes))?.removingMembers(named: "managedFields"), "\(name)")
            if let fast = ListSplitter.decode(bytes) {
                #expect(fast == dropped, "\(name): the parallel LIST decode built another tree")
            }
            if let page = try? ListPage.decode(bytes) {
                pages += 1
                #expect(page.continueToken.map { !$0.isEmpty } ?? true, "\(name)")
                #expect(page.items.allSatisfy { !$0.name.isEmpty }, "\(name)")
                // A relist's decode gives the same page; with its hashes back, nothing is parsed.
                let listed = try ListPage.decode(bytes, known: [:])
                #expect(listed.items == page.items && listed.undecodable == page.undecodable, "\(name)")
                if listed.hashes.allSatisfy({ $0 != 0 }) {
                    let known = Dictionary(zip(listed.hashes, listed.items.map(\.key)), uniquingKeysWith: { a, _ in a })
                    let again = try ListPage.decode(bytes, known: known)
                    #expect(again.items.isEmpty && Set(again.unchanged) == Set(page.items.map(\.key)), "\(name)")
                }
            }
        }
        #expect(events > 0 && pages > 0)
    }

    @Test func kubeconfigCorpus() throws {
        let corpus = Fixtures.fuzzCorpus("kubeconfig")
        #expect(corpus.count >= 3)
        let dir = NSTemporaryDirectory() + "kubeconfig-replay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var loaded = 0
        for (name, bytes) in corpus {
            let path = dir + "/config"
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            do {
                let c = try KubeConfigLoader.fromKubeconfig(paths: [path], context: nil)
                loaded += 1
                #expect(c.server.scheme == "https" || c.server.scheme == "http", "\(name)")
                #expect(!c.redacted.contains("?"), "\(name)")
            } catch let e as KubeError {
                #expect(!e.message.isEmpty, "\(name)")
            }
        }
        #expect(loaded > 0)
    }
}
