/// Writes a family's sample lines as `TextFormat.appendSample` does, reusing the previous line's
/// leading labels when they are the same.
///
/// The samples of one object's family share most label values: a worker pod's phase is five
/// lines that differ only in `phase`, its container states three per container, and every line
/// carries the same namespace, kind, task and pod. Escaping and copying each of them again for
/// every line was most of `RenderedObject`'s cost, which was a sixth of a watch event (perf of
/// `bench/watch_bench.py`, docs/benchmarks.md). Here the previous line's name and labels are
/// kept in a buffer; a line that starts with the same values (compared as strings: the
/// translators pass the same instances, which compare by identity first) cuts the buffer back
/// to where they end and writes only the rest. The bytes are exactly `appendSample`'s
/// (`RenderedObjectTests`, the golden expositions).
struct SampleLineWriter {
    /// The previous line up to the closing quote of its last label (no `}`, value or newline).
    private var line: [UInt8] = []
    /// Where each label of `line` ends (after its closing quote).
    private var ends: [Int] = []
    private var values: [String] = []
    private var family = -1

    init() {
        line.reserveCapacity(512)
    }

    mutating func append(family index: Int, name: String, labels: [String], values new: [String], value: Double,
                         to out: inout [UInt8]) {
        var common = 0
        if index == family {
            let n = min(new.count, values.count, labels.count)
            while common < n, new[common] == values[common] { common += 1 }
        }
        family = index
        if common == 0 {
            line.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            line.append(contentsOf: name.utf8)
            if !labels.isEmpty { line.append(UInt8(ascii: "{")) }
        } else {
            line.removeLast(line.count - ends[common - 1])
            ends.removeLast(ends.count - common)
        }
        for i in common..<labels.count {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            line.append(contentsOf: labels[i].utf8)
            line.append(contentsOf: "=\"".utf8)
            TextFormat.appendEscaped(new[i], to: &line)
            line.append(UInt8(ascii: "\""))
            ends.append(line.count)
        }
        values = new
        out.append(contentsOf: line)
        if !labels.isEmpty { out.append(UInt8(ascii: "}")) }
        out.append(UInt8(ascii: " "))
        TextFormat.appendValue(value, to: &out)
        out.append(UInt8(ascii: "\n"))
    }
}
