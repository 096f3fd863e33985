import SednaCatalog
import Testing

/// A MetricSet never holds a series twice (the first value wins), below and past the size at
/// which it switches from scanning a family's samples to a set of their label values.
@Suite struct MetricSetTests {
    let family = MetricFamily("t_x", .gauge, help: "x", labels: ["a", "b"], source: .metadata, emittedBy: "test")
    let other = MetricFamily("t_y", .gauge, help: "y", labels: ["a", "b"], source: .metadata, emittedBy: "test")

    @Test(arguments: [1, 5, 23, 24, 25, 60, 300])
    func duplicatesAreDroppedAtAnySize(count: Int) {
        var set = MetricSet()
        for i in 0..<count { set.add(family, ["v\(i)", "w"], Double(i)) }
        for i in 0..<count { set.add(family, ["v\(i)", "w"], -1) }     // every one a second time
        set.add(other, ["v0", "w"], 7)                                  // same labels, other family
        let values = set.values(family)
        #expect(values.count == count)
        #expect(values.map(\.value) == (0..<count).map(Double.init), "the first value wins, order kept")
        #expect(set.values(other).map(\.value) == [7])
        // And new series still go in after the switch.
        set.add(family, ["new", "w"], 1)
        set.add(family, ["new", "w"], 2)
        #expect(set.values(family).count == count + 1)
    }

    @Test func setsCompareBySamples() {
        var a = MetricSet(), b = MetricSet()
        for i in 0..<40 { a.add(family, ["\(i)", ""], 1) }
        for i in 0..<40 { b.add(family, ["\(i)", ""], 1) }
        b.add(family, ["0", ""], 5)   // dropped: b's set of seen labels exists, its samples are a's
        #expect(a == b)
    }
}
