import Foundation

/// A bearer token kept in a file (a mounted Secret or service-account token), surrounding
/// whitespace and newlines trimmed. One reader for `--intake-token-file` (exporter, simulator)
/// and the relay's `--token-file` (read at start), and the Kubernetes client's token file
/// (read for every request, since bound service-account tokens rotate).
public enum TokenFile {
    /// The token; nil without a path, or when the file cannot be read or holds only whitespace.
    public static func read(_ path: String?) -> String? {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// The token of a file that must hold one; throws naming the flag otherwise.
    public static func require(_ path: String, flag: String) throws -> String {
        guard let token = read(path) else { throw ConfigurationError("\(flag) \(path) cannot be read or is empty") }
        return token
    }
}
