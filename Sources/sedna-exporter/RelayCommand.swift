import ArgumentParser
import Foundation
import Relay
import SednaCatalog
import ServerSupport

/// `sedna-exporter relay`: flags to `RelayConfiguration`, then `RelayApp.run`.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Edge relay: the node-local front of Sedna's LC; forwards worker reports to it and spools a copy for the central exporter.")

    @Option(help: "Address workers post reports to (host:port).")
    var listen: String = "0.0.0.0:9480"

    @Option(help: "The node's LocalController, to forward every report to (e.g. http://127.0.0.1:9100); empty: none.")
    var lcUrl: String = ""

    @Option(help: "The central exporter's URL (its intake).")
    var centralUrl: String

    @Option(help: "Folder of the on-disk queue; keep it on the node (hostPath) so a restart loses nothing.")
    var spoolDir: String = "/var/lib/sedna-relay"

    @Option(help: "Largest spool size in bytes; past it new reports are dropped and counted.")
    var maxSpoolBytes: Int = 256 << 20

    @Option(help: "This relay's name (default: $NODE_NAME, else the host name); the central side orders and deduplicates per name.")
    var relayName: String?

    @Option(help: "File with the bearer token of the central intake; a missing file means no token.")
    var tokenFile: String?

    @Option(help: "The node this relay runs on, sent with every report (default: $NODE_NAME).")
    var nodeName: String?

    @Option(help: "Largest worker report body in bytes.")
    var maxBodyBytes: Int = 1 << 20

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try listenAddress(listen)
        if !lcUrl.isEmpty { try checkHTTPURL(lcUrl, flag: "--lc-url") }
    }

    func run() async throws {
        let logger = logging.makeLogger("sedna-relay")
        let address = try listenAddress(listen)
        let name = relayName ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        var config = RelayConfiguration(centralURL: centralUrl, spoolDir: spoolDir, relayName: name)
        config.host = address.host
        config.port = address.port
        config.lcURL = lcUrl.isEmpty ? nil : lcUrl
        config.maxSpoolBytes = maxSpoolBytes
        config.token = TokenFile.read(tokenFile)
        config.nodeName = nodeName ?? ProcessInfo.processInfo.environment["NODE_NAME"]
        config.limits = http.limits(maxBodyBytes: maxBodyBytes)
        logger.info("relay starting", metadata: ["relay": "\(name)", "central": "\(URLSanitizer.sanitize(centralUrl))", "spool": "\(spoolDir)"])
        do {
            try await RelayApp.run(config, logger: logger)
        } catch {
            logger.critical("relay stopped: \(error)")
            throw ExitCode(1)
        }
    }
}
