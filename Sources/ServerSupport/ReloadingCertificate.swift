import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// A serving certificate (the webhook's, and `tls_server_config` of a web config), re-read when
/// its files change: cert-manager (or an
/// operator with openssl) replaces the Secret, the kubelet swaps the mounted files, and the next
/// TLS handshake already uses the new pair, with no restart.
///
/// NIOSSL asks `sslContextCallback` on every handshake; the files are small, so their bytes are
/// compared with the last ones loaded (a mounted Secret is a symlink swap, which leaves the
/// link's own mtime unchanged). A pair that cannot be parsed (half-written, or cert and key from
/// different generations) keeps the previous one in use.
public final class ReloadingCertificate: Sendable {
    public struct Loaded: Sendable {
        var certBytes: Data
        var keyBytes: Data
        public var chain: [NIOSSLCertificate]
        public var key: NIOSSLPrivateKey
    }

    public let certFile: String
    public let keyFile: String
    private let loaded: Mutex<Loaded>

    public init(certFile: String, keyFile: String) throws(ConfigurationError) {
        self.certFile = certFile
        self.keyFile = keyFile
        guard let pair = Self.load(certFile: certFile, keyFile: keyFile), Self.matches(pair) else {
            throw ConfigurationError("cannot read a PEM certificate from \(certFile) and a matching PEM key from \(keyFile)")
        }
        loaded = Mutex(pair)
    }

    static func load(certFile: String, keyFile: String) -> Loaded? {
        guard let c = FileManager.default.contents(atPath: certFile), let k = FileManager.default.contents(atPath: keyFile),
              let chain = try? NIOSSLCertificate.fromPEMBytes(Array(c)), !chain.isEmpty,
              let key = try? NIOSSLPrivateKey(bytes: Array(k), format: .pem) else { return nil }
        return Loaded(certBytes: c, keyBytes: k, chain: chain, key: key)
    }

    /// The current pair, reloaded first when either file's bytes changed.
    public func current() -> Loaded {
        let c = FileManager.default.contents(atPath: certFile)
        let k = FileManager.default.contents(atPath: keyFile)
        return loaded.withLock { l in
            if let c, let k, c != l.certBytes || k != l.keyBytes, let fresh = Self.load(certFile: certFile, keyFile: keyFile),
               Self.matches(fresh) {
                l = fresh
            }
            return l
        }
    }

    /// Whether the pair makes a usable server context (BoringSSL refuses a key that does not
    /// belong to the certificate), so a pair read between the two file writes is not used.
    static func matches(_ l: Loaded) -> Bool {
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: l.chain.map { .certificate($0) },
                                                           privateKey: .privateKey(l.key))
        return (try? NIOSSLContext(configuration: tls)) != nil
    }

    /// A server configuration (TLS 1.2 and up) whose handshakes take the current pair.
    public func tlsConfiguration() -> TLSConfiguration {
        let first = current()
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: first.chain.map { .certificate($0) },
                                                           privateKey: .privateKey(first.key))
        tls.minimumTLSVersion = .tlsv12
        tls.sslContextCallback = { [self] _, promise in
            let now = current()
            var o = NIOSSLContextConfigurationOverride()
            o.certificateChain = now.chain.map { .certificate($0) }
            o.privateKey = .privateKey(now.key)
            promise.succeed(o)
        }
        return tls
    }
}
