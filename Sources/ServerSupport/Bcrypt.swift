import CCrypt
import Foundation

/// bcrypt verification for `basic_auth_users`, through libxcrypt's `crypt_rn` (the system's
/// implementation; no hashing written here). `$2a$`, `$2b$` and `$2y$` hashes, as made by
/// `htpasswd -B`, Python's bcrypt or Go's x/crypto/bcrypt (what exporter-toolkit users have).
public enum Bcrypt {
    /// Whether `hash` has bcrypt's shape: `$2a$`/`$2b$`/`$2y$`, a two-digit cost in 4...31,
    /// `$`, and 53 characters of bcrypt's base-64 alphabet (22 of salt, 31 of hash).
    public static func isWellFormed(_ hash: String) -> Bool {
        let b = Array(hash.utf8)
        guard b.count == 60, b[0] == UInt8(ascii: "$"), b[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(b[2]), b[3] == UInt8(ascii: "$"),
              b[6] == UInt8(ascii: "$"), (48...57).contains(b[4]), (48...57).contains(b[5]) else { return false }
        let cost = Int(b[4] - 48) * 10 + Int(b[5] - 48)
        guard (4...31).contains(cost) else { return false }
        return b[7...].allSatisfy { c in
            (65...90).contains(c) || (97...122).contains(c) || (48...57).contains(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "/")
        }
    }

    /// Whether `password` matches `hash`. Costs bcrypt's work factor (tens of milliseconds at
    /// cost 10): callers cache successes (`BasicAuthenticator`) and run it off the event loop.
    /// A malformed hash, a password with a NUL byte, or any failure of `crypt_rn` is a mismatch.
    public static func verify(password: [UInt8], hash: String) -> Bool {
        guard isWellFormed(hash), !password.contains(0) else { return false }
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        defer {
            data.initializeMemory(as: UInt8.self, repeating: 0, count: size) // scrub the password's traces
            data.deallocate()
        }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let phrase = password.map { CChar(bitPattern: $0) } + [0]
        let computed: [UInt8]? = phrase.withUnsafeBufferPointer { p in
            hash.withCString { setting in
                guard let out = crypt_rn(p.baseAddress, setting, data, Int32(size)) else { return nil }
                return Array(UnsafeBufferPointer(start: UnsafeRawPointer(out).assumingMemoryBound(to: UInt8.self),
                                                 count: strlen(out)))
            }
        }
        guard let computed else { return false }
        return constantTimeEquals(computed, Array(hash.utf8))
    }

    /// Equality whose time depends on the lengths only, not on where the bytes differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
