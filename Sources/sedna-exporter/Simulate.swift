import ArgumentParser
import Foundation
import ServerSupport
import SimulatorServer

/// `sedna-exporter simulate`: flags to `SimulatorConfiguration`, then `SimulatorApp.run`.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulated Sedna cluster (Sedna as released) as a Kubernetes API, with its LC and workers.",
        discussion: """
        Task lifecycles follow Sedna's controllers (joint inference, incremental, lifelong and federated learning, \
        datasets, models, the other kinds, worker pods, edge nodes). Point `serve --kubeconfig` at it \
        (--write-kubeconfig writes one). Workers report to their effective LC_SERVER: with --relay-url the capture \
        route is on (pods as the admission webhook leaves them, reports to that relay, which forwards them to \
        the simulator's own LC at POST /sedna/workers/{worker}/info); --no-capture or no --relay-url: Sedna's env \
        only. Pushes (user instrumentation) go to --intake-url.
        """)

    @Option(help: "Address of the simulated API (host:port).")
    var listen: String = "127.0.0.1:18080"

    @Option(help: "The exporter whose intake the simulated workers push to (e.g. http://127.0.0.1:9479); empty: none.")
    var intakeUrl: String = ""

    @Option(help: "The node-local relay every rewritten LC_SERVER resolves to (e.g. http://127.0.0.1:9480); turns the capture route on.")
    var relayUrl: String = ""

    @Flag(help: "Sedna exactly as released: pods carry the GM's env only, reports go to localhost:9100 (the simulator's LC) or nowhere.")
    var noCapture = false

    @Option(help: "File with the intake's bearer token.")
    var intakeTokenFile: String?

    @Option(help: "Seed of every random choice: the same seed gives the same cluster history.")
    var seed: UInt64 = SimulatorConfiguration().seed

    @Option(help: "Time scale: 2 runs every lifecycle twice as fast.")
    var speed: Double = 1

    @Option(help: "Size knob: multiplies the number of tasks of each kind (and nodes), for benchmarks.")
    var tasks: Int = 1

    @Option(help: "Changes a watch can resume across; a watch from an older resource version gets 410 Gone.")
    var history: Int = 5_000

    @Option(help: ArgumentHelp("Seconds (simulated) after which each incremental and lifelong learning job is deleted and applied again, with its pods; 0: never.",
                               discussion: "Sedna never deletes a job's stage pods, so without this a long run grows without bound; an operator's clean-up keeps the cluster's size steady (scripts/soak.py)."))
    var recreateLearningJobsAfter: Double = 0

    @Option(help: "Seconds between BOOKMARK events on watches that allow them.")
    var bookmarkInterval: Double = 10

    @Option(help: "Write a kubeconfig for the simulated API to this file.")
    var writeKubeconfig: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try listenAddress(listen)
        guard speed > 0, speed <= 1_000 else { throw ValidationError("--speed must be in (0, 1000]") }
        guard (1...10_000).contains(tasks) else { throw ValidationError("--tasks must be in 1...10000") }
        guard history >= 1 else { throw ValidationError("--history must be at least 1") }
        guard recreateLearningJobsAfter == 0 || recreateLearningJobsAfter >= 10 else {
            throw ValidationError("--recreate-learning-jobs-after must be 0 (never) or at least 10 seconds")
        }
        guard bookmarkInterval >= 0.1 else { throw ValidationError("--bookmark-interval must be at least 0.1") }
        if let f = intakeTokenFile { _ = try requiredToken(f, flag: "--intake-token-file") }
        for (flag, value) in [("--intake-url", intakeUrl), ("--relay-url", relayUrl)] where !value.isEmpty {
            try checkHTTPURL(value, flag: flag)
        }
    }

    func run() async throws {
        let logger = logging.makeLogger("sedna-simulator")
        let address = try listenAddress(listen)
        var config = SimulatorConfiguration()
        config.host = address.host
        config.port = address.port
        config.seed = seed
        config.speed = speed
        config.tasks = tasks
        config.historyWindow = history
        config.learningJobLifetime = recreateLearningJobsAfter > 0 ? recreateLearningJobsAfter : nil
        config.bookmarkInterval = bookmarkInterval
        config.intakeURL = intakeUrl.isEmpty ? nil : intakeUrl
        config.intakeToken = TokenFile.read(intakeTokenFile)
        config.relayURL = relayUrl.isEmpty ? nil : relayUrl
        config.capture = config.relayURL != nil && !noCapture
        if let path = writeKubeconfig { try SimulatorKubeconfig.write(server: address.httpURL, to: path) }
        do {
            try await SimulatorApp.run(config, logger: logger)
        } catch {
            logger.critical("simulator stopped: \(error)")
            throw ExitCode(1)
        }
    }
}
