import ArgumentParser
import ServerSupport

/// `--web.config.file`, for `serve` and `relay`: the Prometheus exporter-toolkit's flag and
/// format (TLS, basic auth, response headers; see `WebConfig`, docs/deploy.md).
struct WebConfigOptions: ParsableArguments {
    @Option(name: .customLong("web.config.file"),
            help: "exporter-toolkit web config (YAML: tls_server_config, http_server_config, basic_auth_users) for the main listener; relative paths in it are relative to its folder.")
    var webConfigFile: String?

    /// The parsed file (nil without the flag); a bad file is a validation error naming the key.
    func load() throws -> WebConfig? {
        guard let path = webConfigFile else { return nil }
        do { return try WebConfig.load(file: path) } catch { throw ValidationError(error.description) }
    }
}
