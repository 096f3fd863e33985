import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOSSL
import ServerSupport

/// How the relay's sender reaches a central exporter served over https with a web config:
/// `--central-ca-file` (the exporter's certificate is checked against this CA only, host name
/// included), `--central-cert-file`/`--central-key-file` (a client certificate, for
/// `client_auth_type` RequireAndVerifyClientCert) and `--central-basic-auth-file` (for
/// `basic_auth_users`). See docs/deploy.md, "TLS and authentication".
public struct CentralTLS: Sendable {
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var basicAuth: BasicCredentials?

    public init() {}

    /// The client TLS settings; nil when no file is set (AsyncHTTPClient's defaults: the
    /// system's roots for an https URL). Throws naming the flag when a file cannot be used.
    public func clientConfiguration() throws(ConfigurationError) -> TLSConfiguration? {
        guard caFile != nil || certFile != nil || keyFile != nil else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile {
            guard let roots = try? NIOSSLCertificate.fromPEMFile(caFile), !roots.isEmpty else {
                throw ConfigurationError("--central-ca-file \(caFile) holds no readable PEM certificate")
            }
            tls.trustRoots = .certificates(roots)
        }
        switch (certFile, keyFile) {
        case (nil, nil): break
        case (let cert?, let key?):
            guard let chain = try? NIOSSLCertificate.fromPEMFile(cert), !chain.isEmpty else {
                throw ConfigurationError("--central-cert-file \(cert) holds no readable PEM certificate")
            }
            guard let privateKey = try? NIOSSLPrivateKey(file: key, format: .pem) else {
                throw ConfigurationError("--central-key-file \(key) holds no readable PEM private key")
            }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(privateKey)
        default:
            throw ConfigurationError("--central-cert-file and --central-key-file go together")
        }
        do { _ = try NIOSSLContext(configuration: tls) } catch {
            throw ConfigurationError("the central TLS settings cannot be used (\(error)); does the key belong to the certificate?")
        }
        return tls
    }
}

/// A user and password for basic auth, read from a file holding `user:password`. Never printed.
public struct BasicCredentials: Sendable, CustomStringConvertible {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// The file's first line as `user:password` (the password may contain colons).
    public static func read(file path: String, flag: String) throws(ConfigurationError) -> BasicCredentials {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(flag) \(path) cannot be read")
        }
        // "\r\n" is one Character in Swift: split on any newline, not on "\n".
        let trimmed = text.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard let colon = trimmed.firstIndex(of: ":"), colon != trimmed.startIndex else {
            throw ConfigurationError("\(flag) \(path) must hold user:password on its first line")
        }
        return BasicCredentials(user: String(trimmed[..<colon]), password: String(trimmed[trimmed.index(after: colon)...]))
    }

    /// `Basic base64(user:password)`.
    public var headerValue: String { "Basic " + Data((user + ":" + password).utf8).base64EncodedString() }

    public var description: String { "BasicCredentials(user: \(user), password: <redacted>)" }
}

extension Sender {
    /// Basic auth in `Authorization` when set, the intake token then in `X-Sedna-Intake-Token`
    /// (the exporter hands it on to the intake, `WebConfigMiddleware`); otherwise the token as
    /// `Authorization: Bearer`, as before.
    static func authorize(_ headers: inout HTTPHeaders, token: String?, basicAuth: BasicCredentials?) {
        if let basicAuth {
            headers.add(name: "Authorization", value: basicAuth.headerValue)
            if let token { headers.add(name: "X-Sedna-Intake-Token", value: token) }
        } else if let token {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        }
    }
}
