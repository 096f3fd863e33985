import ObservabilityArtifacts
import SednaCatalog
import Testing

/// `GenWriter.json` and the shared `JSONWriter(indent: 2)` write the generated dashboards byte
/// for byte alike, so the generators can move to the one writer: `GenValue` objects become
/// `JSON` objects (keys are sorted either way) and `GenWriter.json(v)` becomes
/// `JSONWriter(indent: 2).string(v.json) + "\n"`.
@Suite struct JSONWriterCompatibilityTests {
    static func json(_ v: GenValue) -> JSON {
        switch v {
        case .string(let s): return .string(s)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .array(let items): return .array(items.map(json))
        case .object(let pairs):
            return .object(Dictionary(pairs.map { ($0.0, json($0.1)) }, uniquingKeysWith: { _, last in last }))
        }
    }

    @Test func dashboardsAreWrittenAlike() {
        let all = Dashboards.all()
        #expect(!all.isEmpty)
        for d in all {
            let value = DashboardRenderer.render(d, all: all)
            #expect(GenWriter.json(value) == JSONWriter(indent: 2).string(Self.json(value)) + "\n", "\(d.file)")
        }
    }
}
