import Foundation
import NIOPosix
import Synchronization

/// Checks `Authorization: Basic` credentials against a web config's `basic_auth_users`.
///
/// As in exporter-toolkit (`web/handler.go`): an unknown user still costs one bcrypt run (against
/// a fixed hash), so response times do not tell which user names exist; a verified
/// (user, hash, password) is remembered, so Prometheus scraping every 15 s does not pay bcrypt
/// each time. Only successes are cached (at most `cacheSize` passwords per user, compared in
/// constant time), so wrong guesses cannot push out the real ones. bcrypt runs on NIO's thread
/// pool, never on an event loop or the cooperative pool.
public final class BasicAuthenticator: Sendable {
    let users: [String: String]
    let cacheSize: Int
    private let verified = Mutex<[String: [[UInt8]]]>([:])

    /// A bcrypt hash (cost 10) of "fakepassword", for unknown users (the toolkit's own).
    static let decoy = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

    public init(users: [String: String], cacheSize: Int = 8) {
        self.users = users
        self.cacheSize = cacheSize
    }

    /// User and password of an `Authorization` header value (`Basic base64(user:password)`,
    /// scheme case-insensitive); nil for anything else.
    public static func credentials(_ header: String?) -> (user: String, password: [UInt8])? {
        guard let header, header.utf8.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let raw = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return (String(decoding: raw[raw.startIndex..<colon], as: UTF8.self), Array(raw[(colon + 1)...]))
    }

    /// Whether the header carries a known user and its password.
    public func check(authorization header: String?) async -> Bool {
        guard let given = Self.credentials(header) else { return false }
        let user = given.user, password = given.password
        let hash = users[user]
        let key = user + "\u{0}" + (hash ?? "")
        if hash != nil, isCached(key: key, password: password) { return true }
        let ok = (try? await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password: password, hash: hash ?? Self.decoy)
        }) ?? false
        guard ok, hash != nil else { return false }
        remember(key: key, password: password)
        return true
    }

    func isCached(key: String, password: [UInt8]) -> Bool {
        verified.withLock { cache in
            var hit = false
            for p in cache[key] ?? [] where Bcrypt.constantTimeEquals(p, password) { hit = true }
            return hit
        }
    }

    func remember(key: String, password: [UInt8]) {
        verified.withLock { cache in
            var list = cache[key] ?? []
            if list.contains(where: { Bcrypt.constantTimeEquals($0, password) }) { return }
            list.append(password)
            if list.count > cacheSize { list.removeFirst(list.count - cacheSize) }
            cache[key] = list
        }
    }
}
