import Hummingbird
import NIOCore
import ServerSupport

/// The exporter's request context: Hummingbird's basic one plus the TCP peer address, which the
/// intake needs to tell apart joint-inference edge replicas that share one WORKER_NAME (their
/// reports come from their own pod IPs).
public struct ExporterRequestContext: RequestContext, RemoteAddressRequestContext, ChannelRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection, so `HostileClientGuard` can close it after refusing a request.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The worker's address on a report another shard handed over (`ShardForwarding`).
    public var forwardedPeer: String?

    /// The peer's IP address as text, without the port; nil for Unix sockets or when unknown.
    /// On a report handed over by another shard, the worker's address that shard saw.
    public var peerIP: String? { forwardedPeer ?? remoteAddress?.ipAddress }
}
