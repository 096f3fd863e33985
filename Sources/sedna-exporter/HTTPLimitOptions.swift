import ArgumentParser
import ServerSupport

/// Bounds against hostile HTTP clients, for `serve` and `relay` (see `HTTPLimits`).
struct HTTPLimitOptions: ParsableArguments {
    @Option(help: "Seconds a client has to send a request head, and a request body (slowloris bound).")
    var httpReadTimeout: Double = 30

    @Option(help: "Most open HTTP connections; past it new ones wait in the kernel backlog.")
    var maxConnections: Int = 1_024

    @Option(help: "Most requests with a body (intake, worker reports) handled at once; more are answered 503.")
    var maxConcurrentIntake: Int = 256

    func limits(maxBodyBytes: Int) -> HTTPLimits {
        HTTPLimits(maxBodyBytes: maxBodyBytes, readTimeout: httpReadTimeout, maxConnections: maxConnections,
                   maxConcurrentRequests: maxConcurrentIntake)
    }
}
