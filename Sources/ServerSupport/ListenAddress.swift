/// The address of a `--listen`-style flag: `host:port`, `[v6]:port`, or `:port` for all
/// addresses. One parser for every server of the binary (exporter, webhook, relay, simulator).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Throws `ConfigurationError` naming the flag when the text is no `host:port`.
    public init(parsing text: String, flag: String = "--listen") throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { throw ConfigurationError("\(flag) must be host:port") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    /// `http://host:port`, with an IPv6 host in brackets.
    public var httpURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    public var description: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// A flag or file that cannot be used, with the sentence to print.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
    /// Every setting that cannot work, found before anything starts, in one sentence.
    public init(problems: [String]) { self.description = "invalid settings: " + problems.joined(separator: "; ") }
}
