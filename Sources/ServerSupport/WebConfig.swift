import Foundation
import Yams

/// A web configuration file (`--web.config.file`) in the format of the Prometheus
/// exporter-toolkit, so one file works for this exporter and for node_exporter alike:
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt          # re-read when it changes
///   key_file: server.key
///   client_auth_type: RequireAndVerifyClientCert
///   client_ca_file: ca.crt
///   min_version: TLS12
/// http_server_config:
///   headers: {X-Frame-Options: deny}
/// basic_auth_users:
///   prometheus: $2y$10$...           # bcrypt
/// ```
///
/// Like the toolkit the parser is strict: an unknown key is an error, not a silently ignored
/// typo. Keys of the toolkit this exporter cannot honour (inline `cert`/`key`/`client_ca`,
/// `client_allowed_sans`, `rate_limit`) are refused by name. File paths are kept as written;
/// `resolvingPaths(against:)` joins relative ones to the file's directory (toolkit behaviour).
/// See docs/deploy.md, "TLS and authentication".
public struct WebConfig: Sendable, Equatable {
    /// nil: plain HTTP (no `tls_server_config`, or one without certificate, key and client auth).
    public var tls: TLSServer?
    /// Headers added to every response; only those the toolkit allows (`allowedHeaders`).
    public var headers: [(name: String, value: String)] = []
    /// User name -> bcrypt hash; empty: no basic auth.
    public var users: [String: String] = [:]

    public init() {}

    public static func == (a: WebConfig, b: WebConfig) -> Bool {
        a.tls == b.tls && a.users == b.users && a.headers.map { "\($0.name): \($0.value)" } == b.headers.map { "\($0.name): \($0.value)" }
    }

    public struct TLSServer: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
        public var clientCAFile: String?
        public var clientAuth: ClientAuth = .noClientCert
        public var minVersion: Version = .tls12
        public var maxVersion: Version = .tls13
        /// TLS 1.2 suites by IANA code point, in the file's order; empty: NIOSSL's defaults.
        public var cipherSuites: [UInt16] = []
        /// Named groups by IANA code point; empty: NIOSSL's defaults.
        public var curves: [UInt16] = []

        public init(certFile: String, keyFile: String) {
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// `client_auth_type`, with Go's `crypto/tls` meanings.
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case request = "RequestClientCert"
        case requireAny = "RequireAnyClientCert"
        case verifyIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerify = "RequireAndVerifyClientCert"

        /// Whether a certificate is checked against `client_ca_file` (which is then required).
        public var verifies: Bool { self == .verifyIfGiven || self == .requireAndVerify }
    }

    public enum Version: String, Sendable, Comparable, CaseIterable {
        case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"
        public static func < (a: Version, b: Version) -> Bool { a.rawValue < b.rawValue }
    }

    /// The headers the toolkit lets a web config set, with their allowed values (nil: any).
    /// Anything else (Authorization, Set-Cookie, Content-Type...) is refused, as there.
    public static let allowedHeaders: [String: [String]?] = [
        "Strict-Transport-Security": nil,
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["deny", "sameorigin"],
        "X-XSS-Protection": nil,
        "Content-Security-Policy": nil,
    ]
}

extension WebConfig {
    /// Parses the file's text. Throws a `ConfigurationError` naming the key for anything the
    /// toolkit would refuse, and for its keys this exporter cannot honour.
    public static func parse(_ text: String) throws(ConfigurationError) -> WebConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            // Only the problem's first line: Yams goes on to quote the file, which may hold secrets.
            let first = String(describing: error).split(separator: "\n").first ?? ""
            throw ConfigurationError("web config: not valid YAML: \(first.prefix(200))")
        }
        var config = WebConfig()
        guard let root, root.null == nil else { return config } // an empty file: plain HTTP, no auth
        let top = try mapping(root, at: "the document")
        for (key, value) in top {
            switch key {
            case "tls_server_config": config.tls = try parseTLS(value)
            case "http_server_config": config.headers = try parseHTTP(value)
            case "basic_auth_users": config.users = try parseUsers(value)
            case "rate_limit":
                throw ConfigurationError("web config: rate_limit is not supported by sedna-exporter (bound load with --max-concurrent-intake and --max-connections)")
            default: throw unknown(key, in: "the top level")
            }
        }
        return config
    }

    /// Relative `cert_file`, `key_file` and `client_ca_file` joined to `directory` (the web
    /// config's own folder), as the toolkit does; absolute ones unchanged.
    public func resolvingPaths(against directory: String) -> WebConfig {
        var c = self
        func join(_ p: String) -> String { p.hasPrefix("/") || p.isEmpty ? p : (directory as NSString).appendingPathComponent(p) }
        if var t = c.tls {
            t.certFile = join(t.certFile)
            t.keyFile = join(t.keyFile)
            t.clientCAFile = t.clientCAFile.map(join)
            c.tls = t
        }
        return c
    }

    /// Reads, parses and resolves the file at `path`.
    public static func load(file path: String) throws(ConfigurationError) -> WebConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("--web.config.file \(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("--web.config.file \(path) is not UTF-8 text")
        }
        do {
            return try parse(text).resolvingPaths(against: (path as NSString).deletingLastPathComponent.isEmpty
                                                  ? "." : (path as NSString).deletingLastPathComponent)
        } catch {
            throw ConfigurationError("--web.config.file \(path): \(error.description)")
        }
    }
}

// MARK: sections

extension WebConfig {
    static func parseTLS(_ node: Node) throws(ConfigurationError) -> TLSServer? {
        if node.null != nil { return nil }
        var cert = "", key = "", ca: String?, auth: ClientAuth?, minV: Version?, maxV: Version?
        var suites: [UInt16] = [], curves: [UInt16] = []
        for (k, v) in try mapping(node, at: "tls_server_config") {
            let at = "tls_server_config.\(k)"
            switch k {
            case "cert_file": cert = try string(v, at: at)
            case "key_file": key = try string(v, at: at)
            case "client_ca_file": ca = try string(v, at: at)
            case "client_auth_type":
                let s = try string(v, at: at)
                // "RequireClientCert" is the toolkit's older spelling, kept there for compatibility.
                guard let a: ClientAuth = s.isEmpty ? .noClientCert : s == "RequireClientCert" ? .requireAny : ClientAuth(rawValue: s) else {
                    throw ConfigurationError("web config: \(at) \"\(s)\" is not one of \(ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                auth = a
            case "min_version", "max_version":
                let s = try string(v, at: at)
                guard let version = Version(rawValue: s) else {
                    throw ConfigurationError("web config: \(at) \"\(s)\" is not one of TLS10, TLS11, TLS12, TLS13")
                }
                if k == "min_version" { minV = version } else { maxV = version }
            case "cipher_suites":
                for name in try strings(v, at: at) {
                    if TLSNames.tls13Suites.contains(name) {
                        // Go ignores TLS 1.3 suites in this list, and BoringSSL cannot configure them.
                        continue
                    }
                    guard let code = TLSNames.cipherSuites[name] else {
                        throw ConfigurationError("web config: \(at): \(name) is \(TLSNames.goOnlySuites.contains(name) ? "an insecure suite BoringSSL (NIOSSL) does not offer" : "not a known cipher suite"); supported: \(TLSNames.cipherSuites.keys.sorted().joined(separator: ", "))")
                    }
                    suites.append(code)
                }
            case "curve_preferences":
                for name in try strings(v, at: at) {
                    guard let code = TLSNames.curves[name] else {
                        throw ConfigurationError("web config: \(at): \(name) is not a curve NIOSSL supports; supported: \(TLSNames.curves.keys.sorted().joined(separator: ", "))")
                    }
                    curves.append(code)
                }
            case "prefer_server_cipher_suites":
                // Go has ignored it since 1.18; BoringSSL servers prefer their own order anyway.
                _ = try bool(v, at: at)
            case "cert", "key", "client_ca":
                throw ConfigurationError("web config: \(at) (inline PEM) is not supported by sedna-exporter; use cert_file, key_file and client_ca_file, which are re-read when they change")
            case "client_allowed_sans":
                throw ConfigurationError("web config: \(at) is not supported by sedna-exporter; sign client certificates with a dedicated CA instead")
            default: throw unknown(k, in: "tls_server_config")
            }
        }
        // The toolkit serves plain HTTP when nothing of TLS is set.
        if cert.isEmpty && key.isEmpty && (auth ?? .noClientCert) == .noClientCert && ca == nil && suites.isEmpty && curves.isEmpty
            && minV == nil && maxV == nil { return nil }
        if cert.isEmpty { throw ConfigurationError("web config: tls_server_config: missing cert_file") }
        if key.isEmpty { throw ConfigurationError("web config: tls_server_config: missing key_file") }
        var t = TLSServer(certFile: cert, keyFile: key)
        t.clientCAFile = ca
        t.clientAuth = auth ?? .noClientCert
        if let minV { t.minVersion = minV }
        if let maxV { t.maxVersion = maxV }
        t.cipherSuites = suites
        t.curves = curves
        if t.clientAuth.verifies && (ca ?? "").isEmpty {
            throw ConfigurationError("web config: client_auth_type \(t.clientAuth.rawValue) needs client_ca_file")
        }
        if ca != nil && t.clientAuth == .noClientCert {
            throw ConfigurationError("web config: client_ca_file is set but client_auth_type is NoClientCert (client CAs configured without a client auth policy)")
        }
        if t.minVersion > t.maxVersion {
            throw ConfigurationError("web config: min_version \(t.minVersion.rawValue) is above max_version \(t.maxVersion.rawValue)")
        }
        return t
    }

    static func parseHTTP(_ node: Node) throws(ConfigurationError) -> [(name: String, value: String)] {
        if node.null != nil { return [] }
        var headers: [(name: String, value: String)] = []
        for (k, v) in try mapping(node, at: "http_server_config") {
            switch k {
            case "http2":
                // This server speaks HTTP/1.1 only; a client that asks for h2 falls back to it.
                _ = try bool(v, at: "http_server_config.http2")
            case "headers":
                if v.null != nil { continue }
                for (name, value) in try mapping(v, at: "http_server_config.headers") {
                    let text = try string(value, at: "http_server_config.headers.\(name)")
                    guard let allowed = allowedHeaders[name] else {
                        throw ConfigurationError("web config: HTTP header \"\(name)\" can not be configured (allowed: \(allowedHeaders.keys.sorted().joined(separator: ", ")))")
                    }
                    if let allowed, !allowed.contains(text) {
                        throw ConfigurationError("web config: invalid value for \(name): expected one of \(allowed.joined(separator: ", ")), got \"\(text.prefix(100))\"")
                    }
                    guard !text.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                        throw ConfigurationError("web config: the value of header \(name) must be one line")
                    }
                    headers.append((name, text))
                }
            default: throw unknown(k, in: "http_server_config")
            }
        }
        return headers
    }

    static func parseUsers(_ node: Node) throws(ConfigurationError) -> [String: String] {
        if node.null != nil { return [:] }
        var users: [String: String] = [:]
        for (user, v) in try mapping(node, at: "basic_auth_users") {
            // Never print the hash itself: it is a secret too (it can be attacked offline).
            let hash = try string(v, at: "basic_auth_users.\(user.prefix(64))")
            guard Bcrypt.isWellFormed(hash) else {
                throw ConfigurationError("web config: basic_auth_users.\(user.prefix(64)) is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4-31, 60 characters)")
            }
            users[user] = hash
        }
        return users
    }
}

// MARK: node access

extension WebConfig {
    static func unknown(_ key: String, in place: String) -> ConfigurationError {
        ConfigurationError("web config: unknown key \"\(key.prefix(64))\" in \(place)")
    }

    /// The entries of a mapping with string keys, in file order; a duplicate key is an error.
    static func mapping(_ node: Node, at place: String) throws(ConfigurationError) -> [(String, Node)] {
        guard case .mapping(let m) = node else { throw ConfigurationError("web config: \(place) must be a mapping") }
        var seen = Set<String>()
        var out: [(String, Node)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else { throw ConfigurationError("web config: keys of \(place) must be strings") }
            guard seen.insert(s.string).inserted else {
                throw ConfigurationError("web config: key \"\(s.string.prefix(64))\" appears twice in \(place)")
            }
            out.append((s.string, v))
        }
        return out
    }

    static func string(_ node: Node, at place: String) throws(ConfigurationError) -> String {
        guard case .scalar(let s) = node else { throw ConfigurationError("web config: \(place) must be a string") }
        return node.null != nil ? "" : s.string
    }

    static func strings(_ node: Node, at place: String) throws(ConfigurationError) -> [String] {
        if node.null != nil { return [] }
        guard case .sequence(let seq) = node else { throw ConfigurationError("web config: \(place) must be a list") }
        var out: [String] = []
        for item in seq { out.append(try string(item, at: place)) }
        return out
    }

    static func bool(_ node: Node, at place: String) throws(ConfigurationError) -> Bool {
        guard let b = node.bool else { throw ConfigurationError("web config: \(place) must be true or false") }
        return b
    }
}
