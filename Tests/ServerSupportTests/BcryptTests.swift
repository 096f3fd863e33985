import Foundation
@testable import ServerSupport
import Testing

/// Hashes made by Python's bcrypt (the $2y$ one is a $2b$ hash with its prefix changed, as
/// htpasswd writes them; Python's `bcrypt.checkpw` accepts all three):
/// `bcrypt.hashpw(b"scrape-pass", bcrypt.gensalt(rounds=4, prefix=b"2a"))`,
/// `bcrypt.hashpw("päss:word".encode(), bcrypt.gensalt(rounds=5))`, `bcrypt.hashpw(b"relay", ...)`.
@Suite struct BcryptTests {
    static let h2a = "$2a$04$GXjY9AwnDd7sLgBXZ8s8UuLq4z1pnktp.5xhYBSV3ue8/t7qvzUEK"
    static let h2b = "$2b$05$kAP/eXxeR75BjC9yYqMNouFhSnCvR4Sf..EbdVrgrCz0aNXeEutxG"
    static let h2y = "$2y$04$E5Hdf4zmZSa1UxPKSlRvQuzxarpdX5n.nZ/l8v7nbLsWBeNcOLxRC"

    @Test func verifiesEachPrefix() {
        #expect(Bcrypt.verify(password: Array("scrape-pass".utf8), hash: Self.h2a))
        #expect(Bcrypt.verify(password: Array("päss:word".utf8), hash: Self.h2b))
        #expect(Bcrypt.verify(password: Array("relay".utf8), hash: Self.h2y))
    }

    @Test func refusesWrongPasswords() {
        #expect(!Bcrypt.verify(password: Array("scrape-pas".utf8), hash: Self.h2a))
        #expect(!Bcrypt.verify(password: Array("Relay".utf8), hash: Self.h2y))
        #expect(!Bcrypt.verify(password: [], hash: Self.h2b))
        #expect(!Bcrypt.verify(password: Array("relay\u{0}".utf8), hash: Self.h2y))
    }

    @Test func malformedHashesAreMismatchesNotCrashes() {
        let bad = ["", "$2b$", "*0", "$1$abc$def", "$2b$03$" + String(repeating: "a", count: 53),
                   "$2b$32$" + String(repeating: "a", count: 53), "$2c$10$" + String(repeating: "a", count: 53),
                   "$2b$10$" + String(repeating: "a", count: 52), "$2b$10$" + String(repeating: "!", count: 53),
                   String(Self.h2b.dropLast()) + "é", Self.h2b + "x", "$2b$1a$" + String(repeating: "a", count: 53)]
        for h in bad {
            #expect(!Bcrypt.isWellFormed(h), "\(h)")
            #expect(!Bcrypt.verify(password: Array("x".utf8), hash: h))
        }
        #expect(Bcrypt.isWellFormed(Self.h2a) && Bcrypt.isWellFormed(Self.h2b) && Bcrypt.isWellFormed(Self.h2y))
    }

    @Test func constantTimeEquality() {
        #expect(Bcrypt.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Bcrypt.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Bcrypt.constantTimeEquals([1, 2], [1, 2, 3]))
        #expect(Bcrypt.constantTimeEquals([], []))
    }
}

@Suite struct BasicAuthenticatorTests {
    static func header(_ user: String, _ password: String) -> String {
        "Basic " + Data((user + ":" + password).utf8).base64EncodedString()
    }

    @Test func readsBasicCredentials() throws {
        let c = try #require(BasicAuthenticator.credentials(Self.header("prom", "a:b")))
        #expect(c.user == "prom" && c.password == Array("a:b".utf8))
        #expect(BasicAuthenticator.credentials("basic " + Data("u:".utf8).base64EncodedString())?.password == [])
        for bad in [nil, "", "Bearer x", "Basic", "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString()] {
            #expect(BasicAuthenticator.credentials(bad) == nil)
        }
    }

    @Test func acceptsKnownUsersAndCachesSuccessesOnly() async {
        let auth = BasicAuthenticator(users: ["prom": BcryptTests.h2a, "relay": BcryptTests.h2y], cacheSize: 2)
        #expect(await auth.check(authorization: Self.header("prom", "scrape-pass")))
        #expect(auth.isCached(key: "prom\u{0}" + BcryptTests.h2a, password: Array("scrape-pass".utf8)))
        #expect(await auth.check(authorization: Self.header("prom", "scrape-pass")))
        #expect(!(await auth.check(authorization: Self.header("prom", "wrong"))))
        #expect(!auth.isCached(key: "prom\u{0}" + BcryptTests.h2a, password: Array("wrong".utf8)))
        // An unknown user is refused even with a password that matches the decoy hash.
        #expect(!(await auth.check(authorization: Self.header("nobody", "fakepassword"))))
        #expect(!(await auth.check(authorization: Self.header("relay", "scrape-pass"))))
        #expect(await auth.check(authorization: Self.header("relay", "relay")))
        #expect(!(await auth.check(authorization: nil)))
        #expect(!(await auth.check(authorization: "Bearer relay")))
    }

    @Test func theCacheIsBoundedPerUser() {
        let auth = BasicAuthenticator(users: [:], cacheSize: 2)
        for p in ["a", "b", "c"] { auth.remember(key: "k", password: Array(p.utf8)) }
        #expect(!auth.isCached(key: "k", password: Array("a".utf8)))
        #expect(auth.isCached(key: "k", password: Array("b".utf8)) && auth.isCached(key: "k", password: Array("c".utf8)))
    }
}
