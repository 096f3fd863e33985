import ArgumentParser
import ExporterCore
import Foundation
import Logging
import ServerSupport

/// The one binary: `serve` (the exporter), `relay` (the edge relay), `simulate` (a simulated
/// Sedna cluster) and `generate` (the files generated from the catalog), one file each, each a
/// thin layer of flags over its module.
@main
struct SednaExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sedna-exporter",
        abstract: "Prometheus exporter for KubeEdge Sedna AI tasks.",
        version: ExporterVersion.version,
        subcommands: [Serve.self, RelayCommand.self, Simulate.self, Generate.self],
        defaultSubcommand: Serve.self)
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Log format: text or json.")
    var logFormat: String = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    func makeLogger(_ label: String) -> Logger {
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            json ? JSONLogHandler(label: label) as any LogHandler : TextLogHandler(label: label)
        }
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// ServerSupport's parsers throw `ConfigurationError`; ArgumentParser prints a `ValidationError`
/// with the usage.
func validated<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ConfigurationError { throw ValidationError(e.description) }
}

func listenAddress(_ text: String, flag: String = "--listen") throws -> ListenAddress {
    try validated { try ListenAddress(parsing: text, flag: flag) }
}

func requiredToken(_ path: String, flag: String) throws -> String {
    try validated { try TokenFile.require(path, flag: flag) }
}

/// An http(s) URL with a host, or a `ValidationError` naming the flag.
func checkHTTPURL(_ value: String, flag: String) throws {
    guard let u = URL(string: value), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
        throw ValidationError("\(flag) must be an http(s) URL")
    }
}
