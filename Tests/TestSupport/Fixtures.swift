import Foundation
import SednaCatalog
import Yams

/// Paths and loaders for the checked-in fixtures (fixtures/cluster from scripts/make_fixtures.py,
/// fixtures/sedna/samples from Sedna's repository).
public enum Fixtures {
    public static let repoRoot: URL = {
        var u = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { u.deleteLastPathComponent() }
        return u
    }()

    /// The objects of one resource in the realistic cluster snapshot.
    public static func cluster(_ resource: String) -> [KubeObject] {
        let url = repoRoot.appendingPathComponent("fixtures/cluster/\(resource).json")
        guard let data = try? Data(contentsOf: url), let json = try? JSON.decode(data) else {
            fatalError("cannot read fixture \(url.path); run scripts/make_fixtures.py")
        }
        return (json["items"].array ?? []).map(KubeObject.init)
    }

    public static func object(_ resource: String, named name: String) -> KubeObject {
        guard let o = cluster(resource).first(where: { $0.name == name }) else { fatalError("no \(resource)/\(name) fixture") }
        return o
    }

    /// Every object of every resource: (resource plural, object).
    public static func allCluster() -> [(String, KubeObject)] {
        let dir = repoRoot.appendingPathComponent("fixtures/cluster")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().flatMap { f in
            let r = String(f.dropLast(5))
            return cluster(r).map { (r, $0) }
        }
    }

    /// Sedna's sample custom resources (YAML, unchanged), decoded to JSON trees.
    public static func samples() -> [(file: String, object: KubeObject)] {
        let dir = repoRoot.appendingPathComponent("fixtures/sedna/samples")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return files.flatMap { f -> [(String, KubeObject)] in
            let text = (try? String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)) ?? ""
            let docs = (try? Yams.load_all(yaml: text).map { $0 }) ?? []
            return docs.compactMap { doc in doc is NSNull ? nil : (f, KubeObject(fromYAML(doc))) }
        }
    }

    public static func fromYAML(_ v: Any) -> JSON {
        switch v {
        case let d as [String: Any]: return .object(d.mapValues(fromYAML))
        case let a as [Any]: return .array(a.map(fromYAML))
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(Double(i))
        case let d as Double: return .number(d)
        default: return .null
        }
    }

    /// The checked-in corpus of one libFuzzer target (fuzz/corpus/<target>, see scripts/fuzz.sh):
    /// every input as bytes, sorted by file name, so tests replay them without libFuzzer.
    public static func fuzzCorpus(_ target: String) -> [(name: String, bytes: [UInt8])] {
        let dir = repoRoot.appendingPathComponent("fuzz/corpus/\(target)")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        return files.compactMap { f in
            (try? Data(contentsOf: dir.appendingPathComponent(f))).map { (f, [UInt8]($0)) }
        }
    }

    public static func json(_ text: String) -> KubeObject {
        guard let j = try? JSON.decode(Data(text.utf8)) else { fatalError("bad JSON in test: \(text)") }
        return KubeObject(j)
    }
}

extension MetricSet {
    /// The value of the one sample of `family` whose labels include all of `labels`.
    public func value(_ family: MetricFamily, _ labels: [String: String] = [:]) -> Double? {
        let matches = values(family).filter { s in
            labels.allSatisfy { k, v in
                guard let i = family.labels.firstIndex(of: k) else { return false }
                return s.labelValues[i] == v
            }
        }
        return matches.count == 1 ? matches[0].value : nil
    }

    /// The label values of `label` across a family's samples, sorted.
    public func labelValues(_ family: MetricFamily, _ label: String) -> [String] {
        guard let i = family.labels.firstIndex(of: label) else { return [] }
        return values(family).map { $0.labelValues[i] }.sorted()
    }

    /// For a state set: the one state at 1 (nil unless exactly one).
    public func currentState(_ family: MetricFamily, label: String) -> String? {
        guard let i = family.labels.firstIndex(of: label) else { return nil }
        let on = values(family).filter { $0.value == 1 }
        return on.count == 1 ? on[0].labelValues[i] : nil
    }
}
