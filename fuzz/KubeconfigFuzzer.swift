// libFuzzer target `kubeconfig`: kubeconfig files as `KubeConfigLoader.fromKubeconfig` reads them
// (Sources/KubeWatch/KubeConfig.swift, YAML through Yams). The loader takes paths, so each input
// is written to one file in a private temporary folder first. Built by scripts/fuzz.sh (Yams and
// its C part, libyaml, are compiled from .build/checkouts with the same sanitizers).
import Foundation
@testable import KubeWatch

private let folder: String = {
    let dir = NSTemporaryDirectory() + "kubeconfig-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubeconfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // An empty file is left out: swift-foundation's FileManager.contents(atPath:) leaks its 4 KiB
    // read buffer for an empty file (LeakSanitizer reports it at exit); the loader's own answer
    // for it ("not a mapping") is covered by Tests/KubeWatchTests.
    guard size > 0 else { return 0 }
    let path = folder + "/config"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    if let connection = try? KubeConfigLoader.fromKubeconfig(paths: [path], context: nil) {
        precondition(connection.server.scheme == "https" || connection.server.scheme == "http", "a server URL that is not http(s)")
        precondition(!connection.redacted.contains("?"), "a query string survived redaction")
    }
    _ = try? KubeConfigLoader.fromKubeconfig(paths: [path], context: "fuzz")
    return 0
}
