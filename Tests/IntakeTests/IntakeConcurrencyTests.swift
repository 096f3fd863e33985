import Dispatch
import Exposition
import Intake
import SednaCatalog
import Synchronization
import Testing

/// Pushes from many threads at once: groups live in stripes and the clash check in a striped
/// registry, so these check that nothing is lost, nothing is half applied and the clash rules
/// still hold when requests race.
@Suite struct IntakeConcurrencyTests {
    func key(_ job: String, _ instance: String = "") throws -> GroupingKey {
        try GroupingKey.parse(instance.isEmpty ? ["job", job] : ["job", job, "instance", instance], limits: IntakeLimits())
    }

    func families(_ s: String) -> [TextParser.Family] { try! TextParser.parse(Array(s.utf8)) }

    func text(_ store: IntakeStore, _ format: ExpositionFormat = .text004) -> String {
        var out: [UInt8] = []
        store.writePushes(format: format, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func selfMetrics(_ store: IntakeStore) -> String {
        var out: [UInt8] = []
        store.writeSelfMetrics(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func lines(_ text: String, prefix: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
    }

    @Test func pushesToDifferentGroupsAllLand() throws {
        var limits = IntakeLimits()
        limits.maxGroups = 10_000
        let store = IntakeStore(limits: limits)
        let threads = 8, perThread = 250
        let body = "# HELP up_a A.\n# TYPE up_a gauge\nup_a{x=\"1\"} 1\nup_a{x=\"2\"} 2\n# TYPE up_b_total counter\nup_b_total 3\n"
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                // Scrapes race the pushes too; they must never see a group half stored.
                if i % 50 == 0 { _ = text(store) }
                do {
                    try store.push(.put, key: key("j", "\(t)-\(i)"), families: families(body), binding: .init(), taskLabels: [], now: 1)
                } catch {
                    failures.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(store.groupCount == threads * perThread)
        let t = text(store)
        #expect(lines(t, prefix: "up_a{").count == 2 * threads * perThread)
        #expect(lines(t, prefix: "up_b_total{").count == threads * perThread)
        #expect(lines(t, prefix: "push_time_seconds{").count == threads * perThread)
        #expect(lines(t, prefix: "# TYPE up_a ").count == 1 && lines(t, prefix: "# HELP up_a A.").count == 1)
        #expect(selfMetrics(store).contains("sedna_intake_pushes_total{method=\"put\",result=\"ok\"} \(threads * perThread)"))
        #expect(selfMetrics(store).contains("sedna_intake_groups \(threads * perThread)"))
    }

    @Test func postsToTheSameGroupLoseNoFamily() throws {
        let store = IntakeStore()
        let k = try key("same")
        let threads = 8, rounds = 200
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for r in 0..<rounds {
                try! store.push(.post, key: k, families: families("fam_\(t) \(r)\n"), binding: .init(), taskLabels: [], now: Double(r))
            }
        }
        #expect(store.groupCount == 1)
        let t = text(store)
        for i in 0..<threads {
            #expect(t.contains("fam_\(i){job=\"same\"} \(rounds - 1)\n"), "the last POST of thread \(i) is kept, merged with the others'")
        }
        #expect(selfMetrics(store).contains("sedna_intake_pushes_total{method=\"post\",result=\"ok\"} \(threads * rounds)"))
    }

    @Test func putsToTheSameGroupLeaveOneWholeBody() throws {
        let store = IntakeStore()
        let k = try key("same")
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for r in 0..<200 {
                try! store.push(.put, key: k, families: families("only_\(t) \(r)\nshared{from=\"\(t)\"} \(r)\n"), binding: .init(),
                                taskLabels: [], now: 1)
            }
        }
        let t = text(store)
        let only = lines(t, prefix: "only_")
        #expect(only.count == 1, "a PUT replaces the whole group: one body's families, not a mix")
        let thread = only.first.map { $0.dropFirst(5).prefix { $0 != "{" } } ?? ""
        #expect(lines(t, prefix: "shared{").count == 1)
        #expect(lines(t, prefix: "shared{").first?.contains("from=\"\(thread)\"") == true)
    }

    @Test func racingTypesNeverMix() throws {
        let store = IntakeStore()
        let accepted = Atomic<Int>(0), rejected = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            let type = t % 2 == 0 ? "gauge" : "counter"
            for i in 0..<100 {
                do {
                    try store.push(.put, key: key("j", "\(t)-\(i)"), families: families("# TYPE clash \(type)\nclash 1\n"),
                                   binding: .init(), taskLabels: [], now: 1)
                    accepted.wrappingAdd(1, ordering: .relaxed)
                } catch {
                    #expect("\(error)".contains("clash is pushed as"))
                    rejected.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(accepted.load(ordering: .relaxed) + rejected.load(ordering: .relaxed) == 800)
        #expect(store.groupCount == accepted.load(ordering: .relaxed))
        let t = text(store)
        #expect(lines(t, prefix: "# TYPE clash ").count == 1)
        #expect(lines(t, prefix: "clash{").count == accepted.load(ordering: .relaxed))
    }

    @Test func groupLimitHoldsUnderRacingPushes() throws {
        var limits = IntakeLimits()
        limits.maxGroups = 100
        let store = IntakeStore(limits: limits)
        let rejected = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<50 {
                do { try store.push(.put, key: key("j", "\(t)-\(i)"), families: families("m 1\n"), binding: .init(), taskLabels: [], now: 1) }
                catch { rejected.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        #expect(store.groupCount == 100 && rejected.load(ordering: .relaxed) == 300)
        #expect(lines(text(store), prefix: "m{").count == 100)
    }

    @Test func clashesAreCheckedAgainstTheGroupsThatHoldTheFamilyNow() throws {
        let store = IntakeStore()
        let a = try key("a"), b = try key("b")
        try store.push(.put, key: a, families: families("# HELP x One.\n# TYPE x gauge\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        #expect(throws: IntakeError.self) {
            try store.push(.put, key: b, families: families("# TYPE x counter\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        }
        #expect(throws: IntakeError.self) {
            try store.push(.put, key: b, families: families("# HELP x Two.\n# TYPE x gauge\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        }
        // No help is no clash; the same help is none either.
        try store.push(.put, key: b, families: families("# TYPE x gauge\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        try store.push(.post, key: b, families: families("# HELP x One.\n# TYPE x gauge\nx 2\n"), binding: .init(), taskLabels: [], now: 1)
        // A group alone with a family may change its type.
        try store.push(.put, key: a, families: families("y 1\n"), binding: .init(), taskLabels: [], now: 1)
        try store.push(.put, key: b, families: families("# HELP x Three.\n# TYPE x counter\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        // Deleted, expired or removed groups no longer count.
        #expect(throws: IntakeError.self) {
            try store.push(.put, key: a, families: families("# TYPE x gauge\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        }
        try store.push(.delete, key: b, families: [], binding: .init(), taskLabels: [], now: 1)
        try store.push(.put, key: a, families: families("# HELP x Four.\n# TYPE x gauge\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        let task = Inventory.Identity(resource: .sedna(.incrementalLearningJob), namespace: "ns", name: "t")
        store.removed(task, now: 1)
        try store.push(.put, key: b, families: families("# TYPE y counter\ny 1\n"), binding: .init(task: task), taskLabels: [], now: 1)
        store.removed(task, now: 1)
        try store.push(.put, key: b, families: families("# TYPE y histogram\ny_bucket{le=\"+Inf\"} 1\ny_sum 1\ny_count 1\n"),
                       binding: .init(), taskLabels: [], now: 1)
        #expect(throws: IntakeError.self) {
            try store.push(.put, key: b, families: families("# TYPE x counter\nx 1\n"), binding: .init(), taskLabels: [], now: 1)
        }
        let t = text(store)
        #expect(t.contains("# HELP x Four.\n# TYPE x gauge\nx{job=\"a\"} 1\n"))
        #expect(t.contains("# TYPE y histogram\n"))
        #expect(throws: IntakeError.self, "y is a histogram in group b, not the untyped group a had") {
            try store.push(.post, key: a, families: families("y 5\n"), binding: .init(), taskLabels: [], now: 1)
        }
    }

    @Test func theSectionFollowsEveryChange() throws {
        let store = IntakeStore()
        let a = try key("a")
        try store.push(.put, key: a, families: families("m 1\n"), binding: .init(), taskLabels: [], now: 1)
        #expect(text(store).contains("m{job=\"a\"} 1\n"))
        #expect(text(store, .openMetrics).contains("m{job=\"a\"} 1"))
        try store.push(.put, key: a, families: families("m 2\n"), binding: .init(), taskLabels: [], now: 1)
        #expect(text(store).contains("m{job=\"a\"} 2\n"), "the cached section is rebuilt after a push")
        try store.push(.delete, key: a, families: [], binding: .init(), taskLabels: [], now: 1)
        #expect(text(store).isEmpty)
    }
}
