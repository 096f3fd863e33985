import Intake
import Testing

@Suite struct RelayLedgerTests {
    @Test func duplicatesWithinOneIncarnationAreDropped() {
        let l = RelayLedger()
        #expect(l.admit(relay: "edge1", incarnation: "a", seq: 1))
        #expect(l.admit(relay: "edge1", incarnation: "a", seq: 2))
        #expect(!l.admit(relay: "edge1", incarnation: "a", seq: 2))
        #expect(l.last(relay: "edge1") == 2)
    }

    /// A wiped spool restarts at 1 under a new incarnation: its reports are new, not duplicates.
    @Test func aNewIncarnationStartsANewSequenceSpace() {
        let l = RelayLedger()
        for n in 1...50 { _ = l.admit(relay: "edge1", incarnation: "a", seq: UInt64(n)) }
        #expect(l.admit(relay: "edge1", incarnation: "b", seq: 1))
        #expect(l.admit(relay: "edge1", incarnation: "b", seq: 2))
        #expect(!l.admit(relay: "edge1", incarnation: "b", seq: 1))
        #expect(l.last(relay: "edge1") == 2)
        #expect(l.counts().contains { $0.relay == "edge1" && $0.result == "accepted" && $0.count == 52 })
        // Other relays are untouched.
        #expect(l.admit(relay: "edge2", incarnation: "a", seq: 7))
    }

    /// Batches without an incarnation (relays that predate it) keep one sequence space.
    @Test func withoutAnIncarnationBehavesAsBefore() {
        let l = RelayLedger()
        #expect(l.admit(relay: "old", seq: 5))
        #expect(!l.admit(relay: "old", seq: 1))
        #expect(l.admit(relay: "old", seq: 6))
    }
}
