import Hummingbird
import NIOCore
import ServerSupport

/// Request context that keeps the connection's peer address: the relay passes it on with each
/// report so the central side can tell apart replicas that share one `WORKER_NAME` (HPA-scaled
/// joint-inference edge workers, `pkg/globalmanager/runtime/worker.go` `CreateDeploymentWithTemplate`).
public struct RelayRequestContext: RequestContext, RemoteAddressRequestContext, ChannelRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection, so `HostileClientGuard` can close it after refusing a request.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }
}
