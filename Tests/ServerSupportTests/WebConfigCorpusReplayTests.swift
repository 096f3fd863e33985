import Foundation
import ServerSupport
import Testing

/// Replays the checked-in libFuzzer corpus of the `webconfig` target (fuzz/corpus/webconfig, see
/// scripts/fuzz.sh and docs/reliability.md) in-process with the check of
/// fuzz/WebConfigFuzzer.swift: no input traps, and every refusal says what is wrong.
@Suite struct WebConfigCorpusReplayTests {
    static var corpus: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz/corpus/webconfig")
    }

    @Test func webConfigCorpus() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(files.count >= 3)
        var parsed = 0
        for f in files {
            let data = try Data(contentsOf: Self.corpus.appendingPathComponent(f))
            do {
                _ = try WebConfig.parse(String(decoding: data, as: UTF8.self))
                parsed += 1
            } catch {
                #expect(!error.description.isEmpty, "\(f)")
            }
        }
        #expect(parsed > 0)
    }
}
