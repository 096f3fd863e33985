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
        // zlib from the system, for gzip on /metrics (and gzip'd pushes later).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Pure: the metric catalog and one translator per Sedna kind. No I/O.
        .target(name: "SednaCatalog"),
        // Pure: files generated from the catalog (dashboards, rules, kube-state-metrics config,
        // docs/metrics.md). Not linked into the exporter's request paths or the fuzzers.
        .target(name: "ObservabilityArtifacts", dependencies: [
            "SednaCatalog", .product(name: "Yams", package: "Yams"),
        ]),
        // Pure: per-object pre-rendered store and the deterministic writer.
        .target(name: "Exposition", dependencies: ["SednaCatalog", "CZlib"]),
        // Kubernetes access: config, HTTP client, reflector state machine and driver.
        .target(name: "KubeWatch", dependencies: [
            "SednaCatalog",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Worker telemetry: Sedna worker reports and Pushgateway-compatible pushes (pure).
        .target(name: "Intake", dependencies: ["SednaCatalog", "Exposition"]),
        // Pure: the mutating admission webhook's decision and JSONPatch (LC_SERVER -> node relay).
        .target(name: "AdmissionWebhook", dependencies: ["SednaCatalog"]),
        // Wiring: HTTP server, services, self-metrics.
        .target(name: "ExporterCore", dependencies: [
            "SednaCatalog", "Exposition", "KubeWatch", "Intake", "Relay", "AdmissionWebhook",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The edge relay: worker reports spooled to disk and delivered to the central exporter.
        .target(name: "Relay", dependencies: [
            "KubeWatch", "Exposition", "SednaCatalog",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Pure: a deterministic simulated Sedna cluster (objects and worker telemetry over time).
        .target(name: "SimulatedCluster", dependencies: ["SednaCatalog"]),
        // I/O around it: the Kubernetes API it serves and the telemetry its workers send.
        .target(name: "SimulatorServer", dependencies: [
            "SimulatedCluster", "SednaCatalog",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "sedna-exporter", dependencies: [
            "ExporterCore", "Relay", "SimulatorServer", "ObservabilityArtifacts",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Fixture loading shared by the test targets (not part of any product).
        .target(name: "TestSupport", dependencies: ["SednaCatalog", .product(name: "Yams", package: "Yams")],
                path: "Tests/TestSupport"),
        .testTarget(name: "SednaCatalogTests", dependencies: ["SednaCatalog", "TestSupport"]),
        .testTarget(name: "ObservabilityArtifactsTests", dependencies: [
            "ObservabilityArtifacts", "SednaCatalog", "TestSupport",
        ]),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition", "SednaCatalog", "TestSupport"]),
        .testTarget(name: "KubeWatchTests", dependencies: ["KubeWatch", "TestSupport"]),
        .testTarget(name: "IntakeTests", dependencies: ["Intake", "Exposition", "SednaCatalog", "TestSupport"]),
        .testTarget(name: "SimulatedClusterTests", dependencies: [
            "SimulatedCluster", "SednaCatalog", "Intake", "Exposition", "TestSupport",
        ]),
        .testTarget(name: "SimulatorServerTests", dependencies: [
            "SimulatorServer", "SimulatedCluster", "SednaCatalog",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "RelayTests", dependencies: ["Relay"]),
        .testTarget(name: "AdmissionWebhookTests", dependencies: ["AdmissionWebhook", "SednaCatalog"]),
        .testTarget(name: "ExporterCoreTests", dependencies: [
            "ExporterCore", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
