/// A rejected intake request: the HTTP status and a message that names what was wrong (and,
/// for limits, which limit). A rejected request changes nothing.
public struct IntakeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let status: Int
    public let message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    static func bad(_ m: String) -> IntakeError { IntakeError(400, m) }
    static func limit(_ m: String) -> IntakeError { IntakeError(413, m) }
}

/// Bounds on what the intake accepts; every one is a flag of `sedna-exporter serve`.
public struct IntakeLimits: Sendable {
    public var maxBodyBytes = 1 << 20
    public var maxSeriesPerGroup = 5_000
    public var maxGroups = 2_000
    public var maxWorkers = 10_000
    public var maxLabelNameBytes = 128
    public var maxLabelValueBytes = 1_024
    public var maxMetricsPerReport = 64

    public init() {}
}
