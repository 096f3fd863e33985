import SednaCatalog

/// Pushed label values that are URLs lose their credentials (user info, query string, fragment)
/// before they are stored, by the same rule as URLs in Sedna objects (`URLSanitizer`): a training
/// script labelling a series with its checkpoint's pre-signed URL must not put the signature
/// into Prometheus, where anyone with query access can read it.
enum PushCredentials {
    static func scrub(_ value: String) -> String {
        looksLikeURL(value) ? URLSanitizer.sanitize(value) : value
    }

    static func scrub(_ f: TextParser.Family) -> TextParser.Family {
        guard f.samples.contains(where: { $0.labels.contains { looksLikeURL($0.1) } }) else { return f }
        var out = f
        for i in out.samples.indices {
            out.samples[i].labels = out.samples[i].labels.map { ($0.0, scrub($0.1)) }
        }
        return out
    }

    /// Whether the value holds `://`, over its bytes: `String.contains` resolved to Foundation's
    /// `range(of:)` here (3 % of a push's CPU for one question per label value).
    static func looksLikeURL(_ value: String) -> Bool {
        var v = value
        return v.withUTF8 { b in
            guard b.count >= 3 else { return false }
            for i in 0..<(b.count - 2) where b[i] == UInt8(ascii: ":") && b[i + 1] == UInt8(ascii: "/") && b[i + 2] == UInt8(ascii: "/") {
                return true
            }
            return false
        }
    }
}
