import SednaCatalog
import Testing

/// `ParallelMap.map` is `map`: same results in the same order, whatever the size, on however
/// many threads it ran.
@Suite struct ParallelMapTests {
    @Test(arguments: [0, 1, ParallelMap.threshold - 1, ParallelMap.threshold, 17, 1_000, 100_003])
    func sameAsMap(count: Int) {
        let items = (0..<count).map { "item-\($0)" }
        let f = { (s: String) in s.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 } }
        #expect(ParallelMap.map(items, f) == items.map(f))
    }

    /// Results that own memory (arrays, strings) come back intact.
    @Test func resultsOwnTheirStorage() {
        let items = Array(0..<5_000)
        let out = ParallelMap.map(items) { i in (0..<(i % 7)).map { "\(i)-\($0)" } }
        #expect(out.count == items.count)
        #expect(out[4_999] == (0..<(4_999 % 7)).map { "4999-\($0)" })
        #expect(out.enumerated().allSatisfy { $0.element.count == $0.offset % 7 })
    }

    /// A cgroup v2 CPU limit caps the cores used; "max" or junk means no limit.
    @Test func cgroupCPULimits() {
        #expect(System.cgroupLimit("100000 100000\n") == 1)
        #expect(System.cgroupLimit("150000 100000") == 2)
        #expect(System.cgroupLimit("50000 100000") == 1)
        #expect(System.cgroupLimit("max 100000\n") == nil)
        #expect(System.cgroupLimit("") == nil && System.cgroupLimit(nil) == nil && System.cgroupLimit("1 2 3") == nil)
        #expect(System.cores >= 1)
    }
}
