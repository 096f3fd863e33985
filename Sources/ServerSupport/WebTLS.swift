import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// `tls_server_config` as NIOSSL settings. The certificate and key are re-read when their files
/// change (`ReloadingCertificate`); the client CA is read at start. Go's client auth types map to
/// NIOSSL's verification modes: NoClientCert asks for no certificate; RequestClientCert and
/// RequireAnyClientCert ask for one (the latter fails the handshake without one) and accept any;
/// VerifyClientCertIfGiven and RequireAndVerifyClientCert check it against `client_ca_file`.
extension WebConfig.TLSServer {
    public func channelConfiguration() throws(ConfigurationError) -> TLSChannelConfiguration {
        let certificate = try ReloadingCertificate(certFile: certFile, keyFile: keyFile)
        var tls = certificate.tlsConfiguration()
        tls.minimumTLSVersion = minVersion.nio
        tls.maximumTLSVersion = maxVersion.nio
        if !cipherSuites.isEmpty { tls.cipherSuiteValues = cipherSuites.map { NIOTLSCipher(rawValue: $0) } }
        if !curves.isEmpty { tls.curves = curves.map { NIOTLSCurve(rawValue: $0) } }
        let acceptAny: Bool
        switch clientAuth {
        case .noClientCert: tls.certificateVerification = .none; acceptAny = false
        case .request: tls.certificateVerification = .optionalVerification; acceptAny = true
        case .requireAny: tls.certificateVerification = .noHostnameVerification; acceptAny = true
        case .verifyIfGiven: tls.certificateVerification = .optionalVerification; acceptAny = false
        case .requireAndVerify: tls.certificateVerification = .noHostnameVerification; acceptAny = false
        }
        if let ca = clientCAFile {
            guard let roots = try? NIOSSLCertificate.fromPEMFile(ca), !roots.isEmpty else {
                throw ConfigurationError("web config: client_ca_file \(ca) holds no readable PEM certificate")
            }
            tls.trustRoots = .certificates(roots)
        } else {
            // Never the system's roots: a client certificate is either checked against the
            // configured CA or not checked at all.
            tls.trustRoots = .certificates([])
        }
        do { _ = try NIOSSLContext(configuration: tls) } catch {
            throw ConfigurationError("web config: NIOSSL refuses tls_server_config (\(error)); check cipher_suites, curve_preferences and the versions")
        }
        guard acceptAny else { return TLSChannelConfiguration(tlsConfiguration: tls) }
        return TLSChannelConfiguration(tlsConfiguration: tls, customVerificationCallback: { _, promise in
            promise.succeed(.certificateVerified)
        })
    }
}

extension WebConfig.Version {
    var nio: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}

extension HTTPLimits {
    /// The HTTP/1 server of `serverBuilder(rejections:)`, behind TLS when `tls` is given; failed
    /// handshakes (no or an untrusted client certificate, a protocol the config excludes) are
    /// counted as `tls`.
    public func serverBuilder(rejections: HTTPRejections, tls: TLSChannelConfiguration?) throws -> HTTPServerBuilder {
        guard let tls else { return serverBuilder(rejections: rejections) }
        let timeout = readTimeout
        return try .tls(.http1(configuration: .init(
            additionalChannelHandlers: [ConnectionDeadlines(timeout: timeout, rejections: rejections),
                                        TLSFailureWatcher(rejections: rejections)],
            idleTimeout: .nanoseconds(Int64(timeout * 1e9)))), configuration: tls)
    }
}

/// Counts a connection whose TLS layer failed (once per connection).
final class TLSFailureWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let rejections: HTTPRejections
    var counted = false

    init(rejections: HTTPRejections) { self.rejections = rejections }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !counted, error is NIOSSLError || error is BoringSSLError {
            counted = true
            rejections.increment("tls")
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension TLSFailureWatcher: Sendable {}
