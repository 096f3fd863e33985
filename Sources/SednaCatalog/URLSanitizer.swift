/// Strips credentials from URLs before they become label values: user info (`s3://key:secret@host`),
/// query strings (pre-signed `?X-Amz-Signature=...`) and fragments. Credentials must never reach
/// Prometheus, whose labels anyone with query access can read.
public enum URLSanitizer {
    public static func sanitize(_ raw: String) -> String {
        var s = Substring(raw.trimmedWhitespace())
        if let q = s.firstIndex(where: { $0 == "?" || $0 == "#" }) { s = s[..<q] }
        guard let schemeEnd = s.range(of: "://") else { return String(s) }
        let afterScheme = s[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return String(s) }
        return String(s[..<schemeEnd.upperBound]) + String(authority[authority.index(after: at)...])
            + String(afterScheme[authorityEnd...])
    }
}

import Foundation
