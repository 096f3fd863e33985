import ArgumentParser
import Exposition
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

    @Option(help: "PEM CA that signed the central exporter's certificate (https --central-url); only this CA is trusted.")
    var centralCaFile: String?

    @Option(help: "PEM client certificate for the central exporter (its web config requires client certificates).")
    var centralCertFile: String?

    @Option(help: "PEM private key of --central-cert-file.")
    var centralKeyFile: String?

    @Option(help: "File holding user:password for the central exporter's basic auth (its web config's basic_auth_users).")
    var centralBasicAuthFile: String?

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var web: WebConfigOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try listenAddress(listen)
        if !lcUrl.isEmpty { try checkHTTPURL(lcUrl, flag: "--lc-url") }
        _ = try web.load()
        do { _ = try centralTLS().clientConfiguration() } catch { throw ValidationError(error.description) }
    }

    /// The sender's TLS and basic auth toward the central exporter, from the --central-* flags.
    func centralTLS() throws(ConfigurationError) -> CentralTLS {
        var c = CentralTLS()
        c.caFile = centralCaFile
        c.certFile = centralCertFile
        c.keyFile = centralKeyFile
        if let f = centralBasicAuthFile { c.basicAuth = try BasicCredentials.read(file: f, flag: "--central-basic-auth-file") }
        return c
    }

    func run() async throws {
        let logger = logging.makeLogger("sedna-relay")
        let allocator = MemoryRelease.configureAllocator(cores: System.cores, environment: ProcessInfo.processInfo.environment)
        logger.debug("allocator", metadata: ["settings": "\(allocator.map { "\($0.parameter)=\($0.value)" })"])
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
        config.web = try web.load()
        config.central = try centralTLS()
        logger.info("relay starting", metadata: ["relay": "\(name)", "central": "\(URLSanitizer.sanitize(centralUrl))", "spool": "\(spoolDir)"])
        do {
            try await RelayApp.run(config, logger: logger)
        } catch {
            logger.critical("relay stopped: \(error)")
            throw ExitCode(1)
        }
    }
}
