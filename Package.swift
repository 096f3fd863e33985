// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sedna-observability",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sedna-exporter", targets: ["sedna-exporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: Pure core: no I/O, no clock; fuzzed and tested as values.

        // zlib from the system, for gzip on /metrics and gzip'd intake bodies.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libxcrypt from the system, for the bcrypt hashes of a web config's basic_auth_users.
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt"),
        // The metric catalog, one translator per Sedna kind, and the small formats every layer
        // shares (JSON reading and writing, RFC 3339, URL credential stripping, FNV-1a).
        .target(name: "SednaCatalog"),
        // Per-object pre-rendered store and the deterministic exposition writer.
        .target(name: "Exposition", dependencies: ["SednaCatalog", "CZlib"]),
        // The HTML status pages of the exporter and the relay (snapshot in, HTML out).
        .target(name: "StatusPage", dependencies: ["Exposition", "SednaCatalog"]),
        // Worker telemetry: Sedna worker reports and Pushgateway-compatible pushes.
        .target(name: "Intake", dependencies: ["SednaCatalog", "Exposition"]),
        // The mutating admission webhook's decision and JSONPatch (LC_SERVER -> node relay).
        .target(name: "AdmissionWebhook", dependencies: ["SednaCatalog"]),
        // A deterministic simulated Sedna cluster (objects and worker telemetry over time).
        .target(name: "SimulatedCluster", dependencies: ["SednaCatalog"]),

        // MARK: Artifacts: files generated from the catalog.

        // Dashboards, rules, kube-state-metrics config and docs/metrics.md. Not linked into the
        // exporter's request paths or the fuzzers.
        .target(name: "ObservabilityArtifacts", dependencies: [
            "SednaCatalog", .product(name: "Yams", package: "Yams"),
        ]),

        // MARK: I/O adapters.

        // What every server of the binary shares: JSON logging, the LC forwarder, backoff,
        // listen addresses, token files, base URLs, the guard against hostile HTTP clients, the
        // web config (TLS, basic auth, headers).
        .target(name: "ServerSupport", dependencies: [
            "SednaCatalog", "Exposition", "CCrypt",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Kubernetes access: config, HTTP client, reflector state machine and driver.
        .target(name: "KubeWatch", dependencies: [
            "SednaCatalog", "ServerSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // MARK: Apps: one module per subcommand, wiring the above into HTTP servers and services.

        // `serve`: the exporter (watches, scrape, intake, webhook, self-metrics).
        .target(name: "ExporterCore", dependencies: [
            "SednaCatalog", "Exposition", "KubeWatch", "Intake", "AdmissionWebhook", "ServerSupport", "StatusPage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `relay`: worker reports spooled to disk and delivered to the central exporter.
        .target(name: "Relay", dependencies: [
            "SednaCatalog", "Exposition", "ServerSupport", "StatusPage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `simulate`: the Kubernetes API the simulated cluster serves and the telemetry its workers send.
        .target(name: "SimulatorServer", dependencies: [
            "SimulatedCluster", "SednaCatalog", "ServerSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "sedna-exporter", dependencies: [
            "ExporterCore", "Relay", "SimulatorServer", "ObservabilityArtifacts", "ServerSupport", "StatusPage", "Exposition",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Fixture loading shared by the test targets (not part of any product).
        .target(name: "TestSupport", dependencies: ["SednaCatalog", .product(name: "Yams", package: "Yams")],
                path: "Tests/TestSupport"),
        .testTarget(name: "SednaCatalogTests", dependencies: ["SednaCatalog", "TestSupport"]),
        .testTarget(name: "ObservabilityArtifactsTests", dependencies: [
            "ObservabilityArtifacts", "SednaCatalog", "TestSupport",
        ]),
        // The golden files are read from the repository by path (GoldenExpositionTests), not bundled.
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition", "SednaCatalog", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "ServerSupportTests", dependencies: [
            "ServerSupport", "SednaCatalog", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KubeWatchTests", dependencies: [
            "KubeWatch", "ServerSupport", "SednaCatalog", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IntakeTests", dependencies: ["Intake", "Exposition", "SednaCatalog", "TestSupport"]),
        .testTarget(name: "SimulatedClusterTests", dependencies: [
            "SimulatedCluster", "SednaCatalog", "Intake", "Exposition", "TestSupport",
        ]),
        .testTarget(name: "SimulatorServerTests", dependencies: [
            "SimulatorServer", "SimulatedCluster", "SednaCatalog",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "RelayTests", dependencies: [
            "Relay", "ServerSupport", "SednaCatalog",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "StatusPageTests", dependencies: [
            "StatusPage", "Exposition", "SednaCatalog", "ObservabilityArtifacts",
        ]),
        .testTarget(name: "AdmissionWebhookTests", dependencies: ["AdmissionWebhook", "SednaCatalog"]),
        .testTarget(name: "ExporterCoreTests", dependencies: [
            "ExporterCore", "Relay", "ServerSupport", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
