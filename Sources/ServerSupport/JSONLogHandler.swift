import Foundation
import Logging
import SednaCatalog

/// One JSON object per line on stderr, for log collectors (`--log-format json`); keys sorted.
public struct JSONLogHandler: StoredMetadataLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(Data(Self.line(event, label: label, metadata: metadata, now: Date().timeIntervalSince1970).utf8))
    }

    /// The line of one event (pure, for tests): `ts` in RFC 3339, `level`, `msg`, `logger` and
    /// the metadata, the event's winning over the handler's.
    static func line(_ event: LogEvent, label: String, metadata: Logger.Metadata, now: Double) -> String {
        var fields: [String: JSON] = [
            "ts": .string(Timestamp.format(now)),
            "level": .string(event.level.rawValue),
            "msg": .string("\(event.message)"),
            "logger": .string(label),
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[k] = .string("\(v)") }
        return JSONWriter.compact.string(.object(fields)) + "\n"
    }
}

/// A handler that keeps its metadata in a dictionary and renders it only when it writes a line
/// (both of ours): the per-key subscript over that dictionary.
public protocol StoredMetadataLogHandler: LogHandler {}

extension StoredMetadataLogHandler {
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
