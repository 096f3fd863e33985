import ServerSupport

/// The decisions of a reflector (client-go semantics), free of I/O so they can be tested as
/// event sequences: LIST page by page, WATCH from the list's resourceVersion with bookmarks,
/// resume from the last seen resourceVersion after a dropped stream, relist on 410 Gone or an
/// ERROR event, capped exponential backoff between failures. Resource versions are opaque.
public struct ReflectorStateMachine: Sendable {
    public enum Action: Sendable, Equatable {
        /// LIST a page: `continueToken` nil for the first page.
        case list(continueToken: String?)
        /// The LIST is complete: replace the store with the accumulated items, then watch.
        case replaceAllThenWatch(resourceVersion: String?)
        case watch(resourceVersion: String?)
        /// Apply one watch event to the store.
        case apply
        /// Nothing to do (a bookmark, or a state that ignores the event).
        case none
        /// Wait, then deliver `.backoffElapsed`.
        case sleep(seconds: Double)
    }

    public enum Event: Sendable, Equatable {
        case start
        case listPage(continueToken: String?, resourceVersion: String?)
        /// The LIST failed; `gone` when the continue token expired (410).
        case listFailed(gone: Bool, random: Double)
        case watchEvent(type: String, resourceVersion: String?)
        /// The watch request was answered with 200: the API server is reachable again.
        case watchOpened
        /// An ERROR event inside the stream (`gone` when its Status code is 410).
        case watchErrorEvent(gone: Bool)
        /// The server closed the stream normally (timeoutSeconds elapsed, or a proxy cut it).
        case watchEnded
        /// The watch request failed or the stream broke; `gone` when it answered 410.
        case watchFailed(gone: Bool, random: Double)
        case backoffElapsed
    }

    public enum Phase: Sendable, Equatable {
        case idle
        case listing
        case watching
        case backingOff(then: Pending)
    }

    public enum Pending: Sendable, Equatable {
        case relist
        case rewatch
    }

    public private(set) var phase: Phase = .idle
    /// The newest resourceVersion seen (list, event or bookmark): where a watch resumes.
    public private(set) var resourceVersion: String?
    /// True once a full LIST has been applied.
    public private(set) var hasSynced = false
    /// Failures since the last success; readiness turns false past a threshold.
    public private(set) var consecutiveFailures = 0
    var backoff: Backoff

    public init(backoff: Backoff = Backoff()) {
        self.backoff = backoff
    }

    public mutating func on(_ event: Event) -> Action {
        switch (phase, event) {
        case (.idle, .start):
            phase = .listing
            return .list(continueToken: nil)

        case (.listing, .listPage(let token, let rv)):
            if let token, !token.isEmpty { return .list(continueToken: token) }
            resourceVersion = normalized(rv)
            hasSynced = true
            consecutiveFailures = 0
            backoff.reset()
            phase = .watching
            return .replaceAllThenWatch(resourceVersion: resourceVersion)

        case (.listing, .listFailed(_, let random)):
            // An expired continue token and any other failure both restart the LIST from the
            // first page; only the delay differs.
            return fail(then: .relist, random: random)

        case (.watching, .watchEvent(let type, let rv)):
            if let rv = normalized(rv) { resourceVersion = rv }
            if consecutiveFailures > 0 { consecutiveFailures = 0; backoff.reset() }
            return type == "BOOKMARK" ? .none : .apply

        case (.watching, .watchOpened):
            if consecutiveFailures > 0 { consecutiveFailures = 0; backoff.reset() }
            return .none

        case (.watching, .watchErrorEvent):
            // 410 or another error inside the stream: our resourceVersion cannot be trusted.
            resourceVersion = nil
            phase = .listing
            return .list(continueToken: nil)

        case (.watching, .watchEnded):
            // Without a resourceVersion a new watch cannot tell what was deleted meanwhile.
            guard resourceVersion != nil else {
                phase = .listing
                return .list(continueToken: nil)
            }
            return .watch(resourceVersion: resourceVersion)

        case (.watching, .watchFailed(let gone, let random)):
            if gone {
                resourceVersion = nil
                phase = .listing
                return .list(continueToken: nil)
            }
            return fail(then: .rewatch, random: random)

        case (.backingOff(let pending), .backoffElapsed):
            switch pending {
            case .relist:
                phase = .listing
                return .list(continueToken: nil)
            case .rewatch where resourceVersion == nil:
                phase = .listing
                return .list(continueToken: nil)
            case .rewatch:
                phase = .watching
                return .watch(resourceVersion: resourceVersion)
            }

        default:
            return .none
        }
    }

    private mutating func fail(then pending: Pending, random: Double) -> Action {
        consecutiveFailures += 1
        phase = .backingOff(then: pending)
        return .sleep(seconds: backoff.next(random: random))
    }

    /// kmock and some proxies send "" or "..." as list resourceVersions: not a position to
    /// resume from. Anything else is opaque and passed back unchanged.
    private func normalized(_ rv: String?) -> String? {
        guard let rv, !rv.isEmpty, rv != "..." else { return nil }
        return rv
    }
}
