import Foundation
import Logging

/// Plain-text log lines on stderr (`--log-format text`, the default), in swift-log's
/// `StreamLogHandler` layout: `<time> <level> <label>: <key=value ...> [<source>] <message>`.
///
/// Why not `StreamLogHandler` itself: it renders its metadata into a string every time a key is
/// set, and Hummingbird sets the request id on every request's logger, whether or not anything
/// is logged. On the intake's hot path that was 7 % of the CPU (StreamLogHandler.prettify,
/// docs/benchmarks.md "Intake"); here the metadata is rendered only when a line is written.
public struct TextLogHandler: StoredMetadataLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(Data(Self.line(event, label: label, metadata: metadata, time: Self.timestamp()).utf8))
    }

    /// The line of one event (pure, for tests): the event's metadata wins over the handler's,
    /// keys sorted, an error's message and type added as `StreamLogHandler` adds them.
    static func line(_ event: LogEvent, label: String, metadata: Logger.Metadata, time: String) -> String {
        var all = metadata
        if let explicit = event.metadata { all.merge(explicit, uniquingKeysWith: { _, e in e }) }
        if let error = event.error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(time) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(pretty) [\(event.source)] \(event.message)\n"
    }

    /// Local time as `StreamLogHandler` writes it: `2026-11-30T13:20:00+0000`.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
