import SednaCatalog
import Synchronization

/// `--scrape-body-max-age`'s rule for a kept representation that is no longer current, one for
/// the object part (`ScrapeBodyCache`) and the pushed groups (`PushSectionBuffers`) alike: it is
/// still served while younger than the max age, or past it while a build started before then is
/// under way; from half the max age on a scrape that serves it starts a newer one behind it (one
/// per key at a time), so scrapers back to back never wait for an assembly and what they see is
/// at most the max age plus one build old. A representation the max age old with no build under
/// way is not served: the scrape takes the current one, as without a max age.
final class BuildsBehind<Key: Hashable & Sendable>: Sendable {
    let maxAge: Duration
    /// Runs a build behind the scrapes: on `BackgroundThreads`, below the requests' priority, or
    /// when a test says. No scrape waits for it, while on Dispatch's pool, which runs the
    /// requests' work, it held one of a 2-core node's two threads for the length of a build.
    /// Under churn with a max age of 1 s the churn p99 was 2.35-3.64x nginx's under the same load
    /// (median 2.91 of six runs); with builds on these threads and the pushed groups built behind
    /// too, 2.18-2.57x (median 2.19 of three; docs/benchmarks.md, session 19).
    let behind: @Sendable (@escaping @Sendable () -> Void) -> Void
    private let underWay = Mutex<Set<Key>>([])
    /// Builds behind the scrapes that built something (tests).
    let refreshed = Atomic<Int>(0)

    init(maxAge: Duration, behind: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { BackgroundThreads.shared.run($0) }) {
        self.maxAge = maxAge
        self.behind = behind
    }

    /// Whether a kept representation `age` old that is no longer current is still served; starts
    /// `build` (which says whether it built anything) behind the scrapes when it is time.
    func keepsServing(age: Duration, _ key: Key, build: @escaping @Sendable () -> Bool) -> Bool {
        guard maxAge > .zero else { return false }
        guard age < maxAge || underWay.withLock({ $0.contains(key) }) else { return false }
        if age * 2 >= maxAge, underWay.withLock({ $0.insert(key).inserted }) {
            behind {
                defer { self.underWay.withLock { _ = $0.remove(key) } }
                if build() { self.refreshed.add(1, ordering: .relaxed) }
            }
        }
        return true
    }
}
