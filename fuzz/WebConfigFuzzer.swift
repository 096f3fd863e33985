// libFuzzer target `webconfig`: the exporter-toolkit web configuration file (`--web.config.file`)
// parsed by `WebConfig.parse` (Sources/ServerSupport/WebConfig*.swift). Built by scripts/fuzz.sh
// once those sources exist (it checks for them).
import Foundation
@testable import ServerSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try WebConfig.parse(text)
    } catch {
        // A refusal must say what is wrong.
        precondition(!error.description.isEmpty, "an empty configuration error")
    }
    return 0
}
