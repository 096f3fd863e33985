// swift-tools-version:6.0
// The HTTP stack's own cost for a push-shaped request, for bench/intake_bench.py: Hummingbird
// (the exporter's HTTP server, same version) answering PUT /metrics/job/<job>/instance/<i> by
// reading the whole body and answering 200, with nothing parsed or stored. Built on its own, only
// for that benchmark (docs/benchmarks.md, "Intake"); not part of the exporter or its tests.
import PackageDescription

let package = Package(
    name: "http-floor",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        .executableTarget(name: "http-floor", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
    ]
)
