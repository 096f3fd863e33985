import Hummingbird
import NIOCore

/// The exporter's request context: Hummingbird's basic one plus the TCP peer address, which the
/// intake needs to tell apart joint-inference edge replicas that share one WORKER_NAME (their
/// reports come from their own pod IPs).
public struct ExporterRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, without the port; nil for Unix sockets or when unknown.
    public var peerIP: String? { remoteAddress?.ipAddress }
}
