import Foundation
import ServerSupport

/// Where the other shards of a sharded exporter listen, so that the intake can hand a report,
/// relay batch or push to the shard that owns its task (docs/architecture.md, "Intake").
///
/// Either a list (`--shard-peers url0,url1,...`, index = shard) or a template
/// (`--shard-peer-template http://sedna-exporter-{shard}.sedna-exporter-shards.<ns>.svc:9479`,
/// `{shard}` replaced by the shard number: one pod of the StatefulSet behind its headless
/// Service). The template also covers a shard count that changes (`--auto-sharding`); a list
/// shorter than the shard count leaves the missing shards' requests where they arrive.
public struct ShardPeers: Sendable, Equatable {
    enum Source: Sendable, Equatable {
        case list([String])
        case template(String)
    }

    let source: Source

    public static let placeholder = "{shard}"

    /// nil when neither flag is given (no forwarding: every shard handles what reaches it).
    public static func parse(list: String?, template: String?) throws(ConfigurationError) -> ShardPeers? {
        let list = list.flatMap { $0.isEmpty ? nil : $0 }
        let template = template.flatMap { $0.isEmpty ? nil : $0 }
        switch (list, template) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw ConfigurationError("--shard-peers and --shard-peer-template exclude each other")
        case let (list?, nil):
            let urls = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            for u in urls { try check(u, flag: "--shard-peers") }
            return ShardPeers(source: .list(urls.map(BaseURL.trimmed)))
        case let (nil, template?):
            guard template.contains(placeholder) else {
                throw ConfigurationError("--shard-peer-template must contain \(placeholder) (replaced by the shard number)")
            }
            try check(template, flag: "--shard-peer-template")
            return ShardPeers(source: .template(BaseURL.trimmed(template)))
        }
    }

    /// The base URL of `shard` (no trailing slash), or nil when the list has no such entry.
    public func url(shard: Int) -> String? {
        guard shard >= 0 else { return nil }
        switch source {
        case .list(let urls): return shard < urls.count ? urls[shard] : nil
        case .template(let t): return t.replacingOccurrences(of: Self.placeholder, with: String(shard))
        }
    }

    /// How many shards a list names (nil for a template, which names any).
    public var count: Int? {
        if case .list(let urls) = source { return urls.count }
        return nil
    }

    static func check(_ url: String, flag: String) throws(ConfigurationError) {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.count > 8 else {
            throw ConfigurationError("\(flag): each peer must be an http:// or https:// URL")
        }
        // The intake's bearer token travels in a header; credentials in a URL would end in logs.
        let authority = url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? ""
        guard !authority.contains("@") else { throw ConfigurationError("\(flag): peer URLs must not hold credentials") }
    }
}
