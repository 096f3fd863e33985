import SednaCatalog
import Testing

/// The naming conventions of docs/metrics.md, enforced on the catalog itself.
@Suite struct CatalogConventionTests {
    @Test func namesAreUniqueSnakeCaseAndPrefixed() {
        var seen = Set<String>()
        for f in Catalog.all {
            #expect(seen.insert(f.name).inserted, "duplicate family \(f.name)")
            #expect(f.name.hasPrefix("sedna_"), "\(f.name) lacks the sedna_ prefix")
            #expect(f.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(f.name) is not snake_case")
            #expect(!f.help.isEmpty, "\(f.name) has no help")
        }
    }

    @Test func suffixesMatchTypes() {
        for f in Catalog.all {
            #expect((f.type == .counter) == f.name.hasSuffix("_total"), "\(f.name): _total only and always on counters")
            if f.type == .info { #expect(f.name.hasSuffix("_info"), "\(f.name): info families end in _info") }
            if f.name.hasSuffix("_info") { #expect(f.type == .info, "\(f.name) ends in _info but is \(f.type)") }
            if f.name.contains("timestamp") { #expect(f.unit == "seconds" && f.name.hasSuffix("_timestamp_seconds")) }
            if f.type == .stateset { #expect(!f.states.isEmpty, "\(f.name) is a state set without states") }
            if let unit = f.unit, f.type != .counter { #expect(f.name.hasSuffix("_" + unit), "\(f.name) should end in _\(unit)") }
        }
    }

    @Test func labelsAreValidAndNotReserved() {
        for f in Catalog.all {
            #expect(Set(f.labels).count == f.labels.count, "\(f.name) repeats a label")
            for l in f.labels {
                #expect(!Catalog.reservedLabelNames.contains(l), "\(f.name) uses reserved label \(l)")
                #expect(!l.hasPrefix("__"))
                #expect(l.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(f.name) label \(l)")
            }
        }
    }

    @Test func perTaskFamiliesCarryNamespaceKindAndTask() {
        let perTask = Catalog.taskFamilies + Catalog.jointInferenceFamilies + Catalog.learningFamilies
            + Catalog.lifelongFamilies + Catalog.federatedFamilies + Catalog.workerFamilies
        for f in perTask {
            #expect(Array(f.labels.prefix(3)) == Catalog.taskLabels, "\(f.name) must start with namespace, kind, task")
        }
    }
}
