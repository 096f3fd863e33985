import Foundation
import Logging
import SednaCatalog
@testable import ServerSupport
import Testing

@Suite struct ListenAddressTests {
    @Test func parsesHostPortV6AndAllAddresses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:9479") == ListenAddress(host: "127.0.0.1", port: 9479))
        #expect(try ListenAddress(parsing: "[::1]:9480") == ListenAddress(host: "::1", port: 9480))
        #expect(try ListenAddress(parsing: ":9100") == ListenAddress(host: "0.0.0.0", port: 9100))
        #expect(ListenAddress(host: "::1", port: 1).httpURL == "http://[::1]:1")
        #expect(ListenAddress(host: "127.0.0.1", port: 18080).httpURL == "http://127.0.0.1:18080")
    }

    @Test func namesTheFlagWhenItIsNoAddress() {
        for bad in ["9479", "host:", "host:port", "h:65536", "h:-1", ""] {
            #expect(throws: ConfigurationError("--webhook-listen must be host:port")) {
                try ListenAddress(parsing: bad, flag: "--webhook-listen")
            }
        }
    }
}

@Suite struct TokenFileTests {
    let path = NSTemporaryDirectory() + "token-\(UUID().uuidString)"

    @Test func trimsAndTreatsBlankAsNone() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try " s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TokenFile.read(path) == "s3cret")
        #expect(try TokenFile.require(path, flag: "--token-file") == "s3cret")
        try "\n \n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(TokenFile.read(path) == nil)
        #expect(throws: ConfigurationError("--token-file \(path) cannot be read or is empty")) {
            try TokenFile.require(path, flag: "--token-file")
        }
        #expect(TokenFile.read(nil) == nil)
        #expect(TokenFile.read(path + ".missing") == nil)
    }
}

@Suite struct BaseURLTests {
    @Test func dropsTrailingSlashesOnly() {
        #expect(BaseURL.trimmed("http://h:1//") == "http://h:1")
        #expect(BaseURL.trimmed("http://h:1/api/") == "http://h:1/api")
        #expect(BaseURL.trimmed("http://h:1") == "http://h:1")
    }
}

@Suite struct BackoffTests {
    @Test func doublesToTheCapWithJitterAndResets() {
        var b = Backoff(initial: 0.5, cap: 2, jitter: 0.5)
        #expect(b.next(random: 0) == 0.5)
        #expect(b.next(random: 0) == 1)
        #expect(b.next(random: 1) == 3)   // 2 (capped) + 50 % jitter
        #expect(b.next(random: 0) == 2)
        b.reset()
        #expect(b.next(random: 0) == 0.5)
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func oneSortedObjectALineWithEventMetadataWinning() throws {
        let event = LogEvent(level: .warning, message: "spool full", metadata: ["worker": "w/1", "relay": "edge"],
                             source: "Relay", file: #fileID, function: #function, line: #line)
        let line = JSONLogHandler.line(event, label: "sedna-relay", metadata: ["relay": "handler", "node": "n1"],
                                       now: 1_795_952_400.5)
        #expect(line == #"{"level":"warning","logger":"sedna-relay","msg":"spool full","node":"n1","relay":"edge","ts":"2026-11-29T11:40:00Z","worker":"w/1"}"# + "\n")
        #expect(try JSON.decode(Array(line.utf8))["msg"] == "spool full")
    }
}

/// The text handler writes what swift-log's `StreamLogHandler` writes, line for line (it only
/// renders the metadata later): checked against `StreamLogHandler` itself on the same events.
@Suite struct TextLogHandlerTests {
    /// Collects what a `StreamLogHandler` writes.
    final class Collected: TextOutputStream, @unchecked Sendable {
        var text = ""
        func write(_ string: String) { text += string }
    }

    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

    @Test func linesAreStreamLogHandlersLines() {
        let events = [
            LogEvent(level: .info, message: "listed", metadata: ["resource": "pods", "objects": "31004"],
                     source: "KubeWatch", file: #fileID, function: #function, line: #line),
            LogEvent(level: .warning, message: "watch failed", metadata: nil, source: "KubeWatch", file: #fileID,
                     function: #function, line: #line),
            LogEvent(level: .error, message: "push rejected", error: Boom(), metadata: ["hb.request.id": "7"],
                     source: "ExporterCore", file: #fileID, function: #function, line: #line),
        ]
        for base in [Logger.Metadata(), ["hb.request.id": "12", "a": "b"]] {
            for event in events {
                let out = Collected()
                var stream = StreamLogHandler(label: "sedna-exporter", stream: out, metadataProvider: nil)
                stream.metadata = base
                stream.log(event: event)
                let theirs = out.text
                // Their time is the first field; ours is given.
                let time = String(theirs.prefix { $0 != " " })
                #expect(TextLogHandler.line(event, label: "sedna-exporter", metadata: base, time: time) == theirs)
            }
        }
        #expect(TextLogHandler.timestamp().count >= 24)
    }
}
