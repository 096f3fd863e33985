// libFuzzer target `report`: worker-report bodies as Sedna workers post them to their
// LocalController (`MessageContent`, docs/sedna-data-model.md "Worker reports"), decoded by
// `WorkerReport.decode` and turned into samples for each task kind (Sources/Intake/WorkerReport.swift).
// Built by scripts/fuzz.sh.
import Foundation
@testable import Intake
@testable import SednaCatalog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let report = try? WorkerReport.decode(bytes) else { return 0 }
    precondition(!report.name.isEmpty, "a report without a worker name was accepted")
    let limits = IntakeLimits()
    for kind in SednaKind.allCases {
        let set = report.samples(kind: kind, task: "t", pod: "p", miningMode: nil, now: 1, limits: limits)
        _ = set
    }
    _ = report.samples(kind: .jointInferenceService, task: "t", pod: nil, miningMode: "mining-then-inference", now: 1, limits: limits)
    return 0
}
