import ArgumentParser
import ObservabilityArtifacts

/// `sedna-exporter generate`: writes (or, with --check, checks) the files generated from the
/// metric catalog: docs/metrics.md, dashboards, rules and the kube-state-metrics config.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the files generated from the metric catalog (docs/metrics.md).")

    @Option(help: "Repository root to write into.")
    var root: String = "."

    @Flag(help: "Do not write; exit 1 when a generated file is out of date.")
    var check = false

    func run() throws {
        if check {
            let stale = GeneratedFiles.stale(root: root)
            guard stale.isEmpty else {
                print("out of date (run `swift run sedna-exporter generate`): " + stale.joined(separator: ", "))
                throw ExitCode(1)
            }
        } else {
            for path in try GeneratedFiles.write(root: root) { print("wrote \(path)") }
        }
    }
}
